from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        # Imported in ready(): the app registry is loaded by then.
        from aftersales import events

        # Imported in ready(): the app registry is loaded by then.
        from . import schema  # noqa: F401  (registers the API key scheme with drf-spectacular)
        from .services import work_order_event_notify

        # A dealer's webhooks follow the status of the units it sold (queued in the transaction, sent after).
        events.subscribe(events.WORK_ORDER_CHANGED, work_order_event_notify)
