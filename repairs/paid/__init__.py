"""Paid service (有费服务, A) as it happens at the customer's, and the office's change of a call's service type.

- The quote the technician shows: parts at their list (retail) price, labour from the category's fee standard
  (LabourRate), and the call-out fee (上门费, the LabourRate with code "call_out") when the technician came to
  the customer. Work starts only with the customer's consent (repairs.services); the customer may decline
  instead (quote_decline), and the order then closes as "customer declined the paid repair", charging the
  call-out fee only.
- What the customer owes at closing (amount_due): the consented quotes; only the call-out fee when nothing was
  repaired (declined, or could not be fixed — a repair that fails costs the customer nothing else). It is paid
  on the spot (cash, WeChat or Alipay with its transaction number, bank card) or later: the invoice is asked
  for and the amount outstanding becomes the centre's Receivable (the service standard: small fees collected
  on the spot, otherwise the invoice made out and the money collected later). No paid order closes owing money
  without one of the two (checked here, and by a database trigger at commit).
- A dispatcher, a manager or the order's centre's supervisor changes the call's service type (A/B/C/D) with a
  reason (call_service_type_change): a DecisionChange and an event of the order. The monthly settlement pays
  by the type in force when it is computed, so a confirmed statement is never changed by it: the change is
  refused once an order of the call is on one.

Amounts are Decimal yuan to the fen (aftersales.money).
"""

from .office import (
    _on_confirmed_statement,
    call_service_type_change,
    may_change_service_type,
    may_manage_receivable,
    paid_reasons,
    receivable_mark_paid,
    tablet_view,
)
from .payment import Payment, clean_reference, payment_check, payment_summary, receivable_record
from .quotes import (
    DECLINABLE_STATUSES,
    NOTE_MAX,
    QUOTABLE_STATUSES,
    REASON_MAX,
    REFERENCE_MAX,
    QuoteDraftLine,
    amount_due,
    call_out_fee,
    call_out_rate,
    consented_quotes,
    decline_errors,
    is_paid,
    labour_rates,
    may_decline,
    quote_decline,
    quote_lines_from_schedule,
    quotes_decline_open,
)
