import json
import urllib.error
import urllib.request

from django.conf import settings

from .base import BaseSmsBackend


class SmsGatewayError(OSError):
    """The gateway refused a message or could not be reached: an OSError, so the sending Celery task retries
    it like any network error."""


class SmsBackend(BaseSmsBackend):
    """Posts each message to an SMS gateway (the company's own, or a provider's HTTP adapter):

        POST SMS_HTTP_URL
        Authorization: Bearer SMS_HTTP_TOKEN
        Content-Type: application/json; charset=utf-8

        {"to": "13812345678", "body": "…"}

    Any 2xx answer means accepted; anything else raises SmsGatewayError. The body goes to the gateway only:
    nothing of it is logged here."""

    def __init__(self, *, url=None, token=None, timeout=None, **kwargs):
        super().__init__(**kwargs)
        self.url = url or settings.SMS_HTTP_URL
        self.token = token if token is not None else settings.SMS_HTTP_TOKEN
        self.timeout = timeout or settings.SMS_HTTP_TIMEOUT_SECONDS

    def send_messages(self, messages) -> int:
        sent = 0
        for message in messages:
            data = json.dumps({"to": message.to, "body": message.body}, ensure_ascii=False).encode()
            request = urllib.request.Request(
                self.url,
                data=data,
                method="POST",
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as exc:
                raise SmsGatewayError(
                    f"the SMS gateway answered {exc.code} for a message to {message.to}"
                ) from None
            except (urllib.error.URLError, OSError) as exc:
                raise SmsGatewayError(f"the SMS gateway could not be reached: {exc}") from None
            if not 200 <= status < 300:
                raise SmsGatewayError(f"the SMS gateway answered {status} for a message to {message.to}")
            sent += 1
        return sent
