"""The field's everyday exceptions: an appointment moved (改约), a work order given to another technician or
centre (改派), and a visit where nobody was at home (上门未遇) — each a row of its own and an event in the
order's trail, so that the dispatcher, the supervisor, the technician and the dealer read who did what and why.

The on-site service standard behind them: a technician who cannot keep the time agrees a new one with the
customer (改约); if the customer does not agree, the order goes to another technician or back to the centre
(改派). At the door, after knocking and phoning without an answer, the technician leaves a note and tells the
centre: the visit is recorded here and the order waits for a new appointment.

Like repairs.services: keyword-only, one transaction each, the work order's row locked and every guard checked
under the lock; errors are ValidationErrors keyed by field. Messages to the customer leave after the commit.
"""

from .board import supervisor_board
from .common import (
    MAX_KM,
    NOT_HOME_FROM,
    NOT_HOME_MAX_CALLS,
    NOT_HOME_VISITS_BEFORE_SUPERVISOR,
    NOTE_MAX,
    OFFERED_REASONS,
    STATUS_AFTER_REDISPATCH,
    STATUS_AFTER_RESCHEDULE,
    _name,
    _own_technician,
    _refusal,
    _status_error,
    _supervises,
    _tell_customer_after_commit,
    _text_customer,
    _when,
    _window,
    may_record_not_home,
    may_redispatch,
    may_reschedule,
    supervisor_decides,
)
from .not_home import _already_not_home, work_order_not_home, work_order_not_home_cancel
from .redispatch import _already_redispatched, _parts_issued, work_order_redispatch
from .reschedule import _already_rescheduled, work_order_reschedule
