"""The one intake of a repair call, for the register's page and the API alike: the call logged with its
三包 decision and, in the same transaction, dispatched or closed as guided by phone when the dispatcher does
so at once. The page and the API only read their input and show the refusal their way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from ..choices import CallChannel, CallCustomerRequest, Priority
from ..models import FaultSymptom, ProductUnit, RepairCall
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
    caller_name: str,
    caller_phone: str,
    service_region,
    service_address: str,
    symptom: FaultSymptom | None,
    symptom_text: str = "",
    customer_request: str = CallCustomerRequest.REPAIR,
    component: str = "",
    service_type: str | None = None,
    service_type_reason: str = "",
    priority: str = Priority.NORMAL,
    channel: str = CallChannel.HOTLINE,
    confirm_duplicate_of: RepairCall | None = None,
    dealer=None,
    dispatch: DispatchInput | None = None,
    guidance_note: str = "",
    acting_user,
    now: dt.datetime | None = None,
) -> RepairCall:
    """Logs the call on the unit's owner (repair_call_register: every check of the call, the duplicate
    guard, the 三包 decision) and then, all or nothing, dispatches its work order (`dispatch`; a refusal is
    DispatchRefused) or records the guidance given by phone (`guidance_note`). The service district and
    address come as the caller gave them, or from the customer's primary address (call_defaults)."""
    with transaction.atomic():
        call = repair_call_register(
            customer=unit.owner,
            unit=unit,
            caller_name=caller_name,
            caller_phone=caller_phone,
            service_region=service_region,
            service_address=service_address,
            symptom=symptom,
            symptom_text=symptom_text,
            customer_request=customer_request,
            component=component,
            service_type=service_type,
            service_type_reason=service_type_reason,
            priority=priority,
            channel=channel,
            confirm_duplicate_of=confirm_duplicate_of,
            dealer=dealer,
            acting_user=acting_user,
            now=now,
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
