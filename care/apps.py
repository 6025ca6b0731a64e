from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Customer care")

    def ready(self):
        from aftersales import events

        from .services import work_order_changed

        # An order's deadlines and the callbacks it is owed follow its every change (in its transaction).
        events.subscribe(events.WORK_ORDER_CHANGED, work_order_changed)
