"""Every write of spare parts: stock movements, part requests, deposits and credit, defective-part returns.

Each function is keyword-only and runs in one transaction. Stock changes only through `_post()`: it makes
sure the level rows exist, locks them in primary-key order (so two transactions never deadlock), checks
every line under the lock, appends the movements and moves the levels with F() updates; the level's
CHECK (quantity >= 0) is the backstop. Outbound movements are valued at the warehouse's moving average
cost (移动加权平均), so the ledger sums to the level's quantity *and* value.

Errors are ValidationErrors with messages in the user's language; nothing is half-applied.
"""

from .common import (
    IDEMPOTENCY_KEY_MAX,
    MAX_AMOUNT,
    MAX_QUANTITY,
    MAX_RATIO,
    CreditLimitExceeded,
    InsufficientStock,
    _amount,
    _lock_key,
    _quantity,
    _ratio_text,
    _require,
    _text,
    _whole,
)
from .credit import (
    _account,
    _accounts,
    _committed_requests_amount,
    _credit,
    _credit_message,
    _freeable,
    _transfer_credit,
    credit_position,
)
from .deposits import (
    deposit_pay,
    deposit_refund,
    deposit_set_ratio,
    parts_charged_in_settlement,
    parts_payment_record,
)
from .ledger import (
    Move,
    _center_warehouse,
    _lock_levels,
    _merge_lines,
    _post,
    _replayed,
    central_warehouse,
    defective_warehouse,
)
from .requests import (
    _lock_request,
    _request_event,
    _request_move,
    part_request_approve,
    part_request_cancel,
    part_request_receive,
    part_request_reject,
    part_request_ship,
    part_request_submit,
)
from .returns import (
    _is_image,
    _lock_tag,
    _own_center,
    _tag_state,
    defective_return_decide_scrap,
    defective_return_inspect,
    defective_return_receive,
    defective_return_request_scrap,
    defective_return_ship,
)
from .stock import (
    _in_warranty,
    _split,
    issued_quantity,
    part_issue,
    part_return,
    stock_adjust,
    stock_receive,
    stock_transfer,
)
from .units import (
    dealer_warehouse,
    refurbishment_parts_issue,
    returned_goods_warehouse,
    unit_hand_over,
    unit_restock_refurbished,
    unit_scrap,
    unit_take_back,
    units_in_stock,
    units_receive,
    whole_unit_part,
)
