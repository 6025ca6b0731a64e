"""The dispatcher's pages: the register (叫修登记簿), intake with look-up and dispatch, a call's page with its
work orders and timeline, and the actions on a work order. Every write goes through repairs.services.
"""

from .calls import (
    _back,
    _order_for,
    call_confirm,
    call_detail,
    call_photo,
    unit_invoice_photo,
    work_order_carry_in,
    work_order_dispatch,
    work_order_quote,
    work_order_transition,
)
from .intake import (
    DISPATCH_FIELDS,
    _dispatch_choices,
    _intake_save,
    _Invalid,
    _new_unit_facts,
    _panel_context,
    _save_new_customer,
    _save_new_unit,
    _unsaved_facts,
    call_new,
    intake_panel,
    lookup,
)
from .pages import PROOF_STATES, proof_exception_clear, proof_exceptions, unit_detail
from .register import (
    CSV_COLUMNS,
    DEFAULT_PAGE_SIZE,
    INTAKE_ROLES,
    PAGE_SIZES,
    REGISTER_ROLES,
    _Echo,
    _register_csv,
    register,
)
