"""Customer care's writes: what follows a work order's change (deadlines, callbacks), the callback queue's
actions, the complaint register, and the SLA scan with its escalations and notifications.

Every function opens its own transaction (or runs in its caller's), reads the clock once (`now`), and
schedules email only after commit.
"""

from .callbacks import (
    COMPLAINT_PREFIX,
    _callback_schedule,
    _lock_callback,
    _notify_center,
    callback_due_after_closing,
    callback_record_attempt,
    callback_review,
    work_order_changed,
)
from .complaints import (
    ComplaintInput,
    _lock_complaint,
    complaint_register,
    complaint_reply,
    complaint_resolve,
)
from .sla import (
    _batch,
    _email_after_commit,
    _escalate,
    _People,
    _recipients,
    _subject_words,
    notifications_email,
    notifications_read,
    sla_scan,
)
