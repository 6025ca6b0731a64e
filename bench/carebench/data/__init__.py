"""data"""

from .database import _connect, _meta, _rebuild_database, ensure_data
from .generation import (
    CALL_COLUMNS,
    CALLBACK_COLUMNS,
    COMPLAINT_COLUMNS,
    DEADLINE_COLUMNS,
    ORDER_COLUMNS,
    _bench_policies,
    _callbacks_and_complaints,
    _Clock,
    _copy,
    _met,
    _reserve,
    _Stories,
    _units,
    generate,
)
