"""Every write of the 三包 remedies: keyword-only, one transaction each, errors as ValidationErrors in the
user's language, nothing half-applied."""

from .common import APPROVAL_WORKING_DAYS, add_working_days, checklist
from .doa import doa_check_record
from .fulfil import default_warehouse, refund_due, remedy_exchange, remedy_refund
from .refurbish import (
    refurbishment_inspect,
    refurbishment_repair,
    refurbishment_restock,
    refurbishment_scrap,
    refurbishment_test,
)
from .requests import (
    remedy_basis,
    remedy_request_approve,
    remedy_request_cancel,
    remedy_request_open,
    remedy_request_reject,
)

__all__ = [
    "APPROVAL_WORKING_DAYS",
    "add_working_days",
    "checklist",
    "default_warehouse",
    "doa_check_record",
    "refund_due",
    "refurbishment_inspect",
    "refurbishment_repair",
    "refurbishment_restock",
    "refurbishment_scrap",
    "refurbishment_test",
    "remedy_basis",
    "remedy_exchange",
    "remedy_refund",
    "remedy_request_approve",
    "remedy_request_cancel",
    "remedy_request_open",
    "remedy_request_reject",
]
