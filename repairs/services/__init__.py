"""Every write of the repair-call register: logging a call, dispatching it, moving a work order through its
statuses, carry-in, loaners, quotes and consent.

Each function is keyword-only, opens its own transaction, locks the rows it changes and checks its guards
under the lock. Errors are `django.core.exceptions.ValidationError`s keyed by the field they are about,
with messages the dispatcher reads (Chinese through the catalogue). HTML views and API actions call the
same functions.
"""

from .counter import (
    CARRY_IN_FROM,
    QuoteLineInput,
    carry_in_inspect,
    carry_in_receive,
    carry_in_record_repair,
    carry_in_return,
    consent_record,
    loaner_lend,
    loaner_return,
    quote_create,
)
from .customers import customer_register, unit_register
from .intake import DispatchInput, DispatchRefused, repair_call_take
from .register import (
    CALL_PREFIX,
    CARRY_IN_PREFIX,
    PHONE_GUIDANCE_CALLBACK,
    QUOTE_MAX_AMOUNT,
    QUOTE_MAX_QUANTITY,
    REPAIR_CARD_MAX_MINUTES,
    WORK_ORDER_PREFIX,
    DuplicateCall,
    ServiceTypeSuggestion,
    _event,
    call_defaults,
    open_calls_on_unit,
    repair_call_register,
    service_type_suggest,
    unit_repair_history,
)
from .web import (
    CALL_PHOTO_MAX_BYTES,
    CALL_PHOTOS_MAX,
    customer_address_add,
    photo_problems,
    repair_call_confirm,
    repair_call_photos_attach,
    unit_invoice_photo_attach,
)
from .work_orders import (
    _check_appointment,
    _lock,
    _move,
    _not_allowed,
    _paid_work_guard,
    closing_required_error,
    outside_agreement,
    work_order_contact_record,
    work_order_dispatch,
    work_order_guide_by_phone,
    work_order_note,
    work_order_redo,
    work_order_transition,
)
