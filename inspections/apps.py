from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inspections"
    verbose_name = _("Periodic inspections")

    def ready(self):
        # Imported in ready(): the app registry is loaded by then.
        from aftersales import events
        from inspections.services import maintenance_contract_changed

        # An active maintenance contract plans its units' inspections; a cancelled or expired one ends them.
        events.subscribe(events.MAINTENANCE_CONTRACT_CHANGED, maintenance_contract_changed)
