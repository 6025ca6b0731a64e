"""Demo spare parts: warehouses, ~60 parts, and three months of history played through inventory.services.

The history is a queue of steps run in time order, each with `now=` the instant it happened, so the ledger,
the levels, the credit and the tags read like the past three months: the first purchase receipts, the
deposits, each centre's first stocking, the parts issued to the demo's repaired work orders at the time of
their repair (and the requests for the parts they waited for), fortnightly replenishment requests, the
defective-part tags going back to the central warehouse, month-end counts and parts payments. The last
requests and tags are left in every state a user will meet: awaiting a manager, approved, shipped, rejected,
cancelled; tags open, overdue, shipped, awaiting a scrapping decision.

Idempotent: warehouses and parts are updated in place; the history is played once (its first receipt
carries the idempotency key "demo:receipt:1").
"""

from .history import _History, demo_summary
from .setup import (
    AC,
    CANCEL_NOTE,
    COURIERS,
    DEFAULT_DEPOSIT,
    DEPOSITS,
    FIRST_RECEIPT_KEY,
    HISTORY_DAYS,
    INSPECTION_NOTES,
    PARTS,
    PH,
    REJECT_REASONS,
    RETURN_FROM,
    RF,
    SCRAP_REASONS,
    WM,
    WRONG_PART_REASON,
    M,
    _jpeg,
    _local,
    demo_history_exists,
    seed_inventory,
    seed_parts,
    seed_warehouses,
)
from .work_orders import _WorkOrderParts
