"""Customer care: the promises kept — SLA policies and working calendars, deadlines stored on indexed
columns, escalations (one per deadline and level, by a unique constraint) and in-app notifications;
satisfaction callbacks (回访) with their attempts; the complaint register (投诉).
"""

from .callbacks import Callback, CallbackAttempt, CenterScopedQuerySet
from .complaints import Complaint
from .deadlines import (
    OPEN_DEADLINE,
    Deadline,
    DeadlineQuerySet,
    Escalation,
    Notification,
    NotificationQuerySet,
)
from .setup import _INTERNAL, RegionalManager, SlaPolicy, WorkCalendar
