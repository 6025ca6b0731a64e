"""Text messages to customers, through a pluggable backend chosen by the SMS_BACKEND setting, the way
Django sends email: `console` prints, `filebased` writes one file per message under SMS_FILE_PATH,
`locmem` keeps them in `aftersales.sms.outbox` (tests). A real provider is a class with the same
`send_messages(messages) -> int` method (see backends/base.py), named in SMS_BACKEND. Outside DEBUG the
setting must name one (a system check fails otherwise): nothing falls back to printing.

A message names its secrets (a confirmation code): the console and file backends, which write to logs and
disks, write `redacted()` — the secret as asterisks — and only a provider sends the body itself."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

outbox: list["SmsMessage"] = []  # filled by the locmem backend


@dataclass(frozen=True)
class SmsMessage:
    to: str  # the number as stored (digits, mainland mobile)
    body: str
    secrets: tuple[str, ...] = ()  # parts of the body never written to a log

    def redacted(self) -> str:
        body = self.body
        for secret in self.secrets:
            if secret:
                body = body.replace(secret, "*" * len(secret))
        return body


def get_backend(backend: str | None = None, **kwargs):
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


def send_sms(to: str, body: str, *, backend: str | None = None, secrets: tuple[str, ...] = ()) -> int:
    """Sends one message; returns how many went (0 or 1). Raises what the backend raises."""
    return get_backend(backend).send_messages([SmsMessage(to=to, body=body, secrets=tuple(secrets))])
