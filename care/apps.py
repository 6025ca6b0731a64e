from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Customer care")

    def ready(self):
        # Imported in ready(): the app registry is loaded by then.
        from aftersales import events, extensions

        # Imported in ready(): the app registry is loaded by then.
        from .deadlines import remedy_request_changed
        from .selectors import call_care, carry_in_delays
        from .services import work_order_changed

        # An order's deadlines and the callbacks it is owed follow its every change (in its transaction).
        events.subscribe(events.WORK_ORDER_CHANGED, work_order_changed)
        # A remedy request waiting for the manager's approval is a deadline on the SLA board.
        events.subscribe(events.REMEDY_REQUEST_CHANGED, remedy_request_changed)
        # The call's page shows its complaints, callbacks and deadlines; the 三包 engine asks whose delay a
        # late carry-in repair was.
        extensions.provide(extensions.REPAIR_CALL_PAGE, call_care, key="care")
        extensions.provide(extensions.CARRY_IN_DELAYS, carry_in_delays)
