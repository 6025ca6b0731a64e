"""The technician's tablet: today's work orders, the on-site steps, asking for parts, the closing.

Server-rendered and light (no front-end framework): static/js/tablet.js adds the signature pad, photo
shrinking, the draft kept on the device and the resubmission when the connection comes back. Everything
works as a plain form too. Scope: a technician their own orders, a supervisor their centres' (others 404).
"""

from .closing import (
    _closing_input,
    _closing_page,
    _file_response,
    _part_rows,
    _signature_bytes,
    office_close,
    order_close,
    order_photo,
    order_signature,
)
from .orders import (
    ARRIVE_BEFORE,
    LATE_MANAGER_VISIT,
    STEP_DONE,
    STEPS,
    TABLET_ROLES,
    _lateness,
    _order,
    _order_page,
    _parts_used,
    _wants_json,
    my_orders,
    order_contact,
    order_detail,
    order_diagnosis,
    order_step,
)
from .parts import _center_stock, order_carry_in, order_code_resend, order_need_parts
