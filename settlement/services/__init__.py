"""The monthly settlement of a service centre (money out): the work orders it is paid for, set-based.

`settlement_compute` makes or refreshes a centre's draft for a month in one transaction: the draft's lines
are replaced by one SQL statement (LINES_SQL) over the month's closed free (C) and contract (B) work orders
not paid before — a service fee priced by the fee schedule row in force on the day each closed, a travel fee
by distance band, parts reimbursed at cost — and the parts used on paid (A) work, charged to the centre.
Running it again gives the same lines and totals; a work order is never paid twice (a unique line per work
order and kind). Work sent back to be redone is held until the redo is completed, and paid in the month the
redo completes. Accepted disputes then change their lines. That work of earlier months (redone, its proof
come, its screening flag lifted) is read once for the month's run over every centre (LATER_SQL), so the run
costs a constant number of queries per centre and grows with the network, not with its square.

The computed adjustments follow the lines: the level's subsidies (SettlementRate), penalties for the month's
SLA breaches and upheld complaints (care.selectors.settlement_penalties), defective parts owed back past due
(each deducted once) and deposit movements booked through the settlement. A manager adds corrections by hand.

Rounding: every line and adjustment is a 2-place amount as stored (fees and costs are already in fen; a
proportional part value is rounded half-up to the fen where it is made); totals are exact sums of them, so
lines + adjustments = total to the cent (a CHECK constraint holds the settlement to it).
"""

from aftersales.months import month_bounds, previous_month  # the settlement's months

from .compute import (
    _adjustments_compute,
    _dispute_prefix,
    _totals_save,
    settlement_compute,
    settlements_compute_month,
)
from .confirm import (
    _locked_draft,
    _require_manager,
    settlement_confirm,
    settlement_mark_paid,
    settlement_warnings,
)
from .corrections import (
    MANUAL_ADJUSTMENT_KINDS,
    _corrects,
    adjustment_add,
    adjustment_remove,
    dispute_raise,
    dispute_resolve,
    reference_example,
)
from .sql import DISPUTES_SQL, LINES_SQL, STATEMENT_LANGUAGE
