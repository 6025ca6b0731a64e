"""The technician's side of a work order: the confirmation code sent to the customer, asking for parts, and
the closing (完工) — fault, cause, resolution, labour, parts consumed from the centre's stock, photos,
payment, the customer's signature or code — in one transaction with the status change.

Kept apart from services.py because it draws on the inventory (parts are consumed through its ledger):
inventory depends on repairs' models, and this module on both.
"""

from ..acceptance.record import AcceptanceInput, acceptance_documents, acceptance_required
from .codes import (
    CLOSABLE_STATUSES,
    CONFIRMATION_CODE_DIGITS,
    CONFIRMATION_MAX_FAILURES,
    CONFIRMATION_RESENDS_PER_HOUR,
    MAX_PART_LINES,
    WRONG_CODE,
    _code_check,
    _is_mobile,
    _resend_allowed,
    confirmation_code_resend_request,
    confirmation_code_send,
)
from .record import (
    ClosingInput,
    PartUse,
    PhotoUpload,
    _is_image,
    _replay,
    _signature_drawn,
    _travel_km,
    _validate,
    may_record_proof_exception,
    work_order_close,
)
from .steps import (
    DIAGNOSABLE_STATUSES,
    closing_proof_clear,
    customer_acts,
    technician_may_act,
    work_order_customer_confirm,
    work_order_diagnose,
    work_order_need_parts,
)
