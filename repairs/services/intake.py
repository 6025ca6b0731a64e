"""The one intake of a repair call, for the register's page and the API alike: the call logged with its
三包 decision and, in the same transaction, dispatched or closed as guided by phone when the dispatcher does
so at once. The page and the API only read their input and show the refusal their way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import ProductUnit, RepairCall
from .register import repair_call_register
from .work_orders import work_order_dispatch, work_order_guide_by_phone


@dataclass(frozen=True)
class DispatchInput:
    """Dispatch at intake: the centre, the technician (or none yet) and the appointment."""

    center: object
    technician: object
    appointment_start: dt.datetime
    appointment_end: dt.datetime
    mode: str
    override_reason: str = ""


class DispatchRefused(ValidationError):
    """The call holds together but its dispatch was refused; the errors are the dispatch's (and nothing of
    the intake was kept)."""


def repair_call_take(
    *,
    unit: ProductUnit,
    dispatch: DispatchInput | None = None,
    guidance_note: str = "",
    acting_user,
    now: dt.datetime | None = None,
    **details,
) -> RepairCall:
    """Logs the call on the unit's owner (repair_call_register, which takes `details`: the caller, the service
    address, the symptom, the faulty part…; every check of the call, the duplicate guard, the 三包
    decision) and then, all or nothing, dispatches its work order (`dispatch`; a refusal is DispatchRefused)
    or records the guidance given by phone (`guidance_note`). The service district and address come as the
    caller gave them, or from the customer's primary address (call_defaults)."""
    with transaction.atomic():
        call = repair_call_register(
            customer=unit.owner, unit=unit, acting_user=acting_user, now=now, **details
        )
        if dispatch is not None:
            try:
                work_order_dispatch(
                    work_order=call.work_orders.get(),
                    center=dispatch.center,
                    technician=dispatch.technician,
                    appointment_start=dispatch.appointment_start,
                    appointment_end=dispatch.appointment_end,
                    mode=dispatch.mode,
                    override_reason=dispatch.override_reason,
                    acting_user=acting_user,
                    now=now,
                )
            except ValidationError as exc:
                raise DispatchRefused(
                    exc.error_dict if hasattr(exc, "error_dict") else exc.error_list
                ) from exc
        elif guidance_note:
            work_order_guide_by_phone(
                work_order=call.work_orders.get(), acting_user=acting_user, note=guidance_note, now=now
            )
    return call
