"""Benchmark-scale data: N customers, each with a mobile, an address and one unit, and for every unit one
repair call with its work order, written with COPY.

Rows are derived from their index, so a second run only adds what is missing and every value is
unique where the schema wants it (customer number, mobile, serial, IMEI, call and work-order number).
"""

from .calls import (
    _DONE,
    _S,
    _UNITS_WITHOUT_CALL,
    CALL_COLUMNS,
    CALLBACK,
    CLOSING_COLUMNS,
    DAY,
    ORDER_COLUMNS,
    _Post,
    _ScalePlan,
    _units_without_call,
    _units_without_call_rows,
    seed_scale_calls,
)
from .customers import (
    CALL_TABLES,
    CHUNK,
    CLOSING_CHECK,
    CUSTOMER_TABLES,
    PREFIX,
    ScaleAdded,
    _bulk_load,
    _closings_checked_once,
    _copy,
    _copy_chunk,
    _districts,
    _reserve_ids,
    _seed_customers,
    seed_scale,
)
