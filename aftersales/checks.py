"""System checks of the project's own deployment settings (`manage.py check --deploy`), also run when the web
application starts outside DEBUG (aftersales/wsgi.py): a server without a way to text its customers does not
start."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

CONSOLE = "aftersales.sms.backends.console.SmsBackend"
NOT_SENT = {
    "aftersales.sms.backends.filebased.SmsBackend": "writes messages to files",
    "aftersales.sms.backends.locmem.SmsBackend": "keeps messages in memory",
}
HTTP = "aftersales.sms.backends.http.SmsBackend"


@register(Tags.security, deploy=True)
def sms_configured(app_configs, **kwargs):
    """Outside DEBUG the customers' confirmation codes must go to a real SMS gateway: an unset backend or
    the console (which sends nothing) is an error, not a silent fallback."""
    if settings.DEBUG:
        return []
    backend = settings.SMS_BACKEND
    if not backend:
        return [
            Error(
                "SMS_BACKEND is not set: customers would get no confirmation code.",
                hint="Set SMS_BACKEND (e.g. aftersales.sms.backends.http.SmsBackend with SMS_HTTP_URL and "
                "SMS_HTTP_TOKEN), or DEBUG=1 for development.",
                id="aftersales.E001",
            )
        ]
    if backend == CONSOLE:
        return [
            Error(
                "SMS_BACKEND is the console backend, which sends nothing.",
                hint="Name a real SMS gateway backend in SMS_BACKEND.",
                id="aftersales.E002",
            )
        ]
    if backend == HTTP and not settings.SMS_HTTP_URL:
        return [
            Error(
                "SMS_BACKEND is the HTTP gateway backend, but SMS_HTTP_URL is not set.",
                hint="Set SMS_HTTP_URL (and SMS_HTTP_TOKEN) to the gateway's address.",
                id="aftersales.E003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def sms_delivered(app_configs, **kwargs):
    """A deployment whose SMS backend only writes files or memory sends the customers nothing."""
    what = NOT_SENT.get(settings.SMS_BACKEND)
    if what is None:
        return []
    return [
        Warning(
            f"SMS_BACKEND {what}: no text message reaches a customer.",
            hint="Name a real SMS gateway backend in SMS_BACKEND.",
            id="aftersales.W001",
        )
    ]


def refuse_to_start_misconfigured() -> None:
    """Called as the web application starts: outside DEBUG, an error of the checks above stops it."""
    errors = [e for e in sms_configured(None) if e.is_serious()]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg} {e.hint}" for e in errors))
