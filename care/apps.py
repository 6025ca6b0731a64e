from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Customer care")

    def ready(self):
        # Imported in ready(): the app registry is loaded by then.
        from aftersales import events, extensions

        # Imported in ready(): the app registry is loaded by then.
        from .deadlines import inspection_orders_planned, remedy_request_changed
        from .selectors import call_care, carry_in_delays
        from .services import work_order_changed

        # An order's deadlines and the callbacks it is owed follow its every change (in its transaction).
        events.subscribe(events.WORK_ORDER_CHANGED, work_order_changed)
        # A remedy request waiting for the manager's approval is a deadline on the SLA board.
        events.subscribe(events.REMEDY_REQUEST_CHANGED, remedy_request_changed)
        # A periodic inspection not made by its due day is a deadline on the SLA board.
        events.subscribe(events.INSPECTION_ORDERS_PLANNED, inspection_orders_planned)
        # The call's page shows its complaints, callbacks and deadlines; the 三包 engine asks whose delay a
        # late carry-in repair was.
        extensions.provide(extensions.REPAIR_CALL_PAGE, call_care, key="care")
        extensions.provide(extensions.CARRY_IN_DELAYS, carry_in_delays)
