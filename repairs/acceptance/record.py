"""The acceptance record an installation order closes with (the maker's service standard): validated with
the closing and written in its transaction by repairs.closing.work_order_close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import CallCustomerRequest, Resolution
from ..models import (
    AcceptanceDocument,
    InstallationAcceptance,
    InstallationAcceptanceDocument,
    ProductUnit,
    WorkOrder,
)


@dataclass(frozen=True)
class AcceptanceInput:
    """What the installer records: the configuration installed (model and serial prefilled from the unit,
    accessories as typed), the trial run (None: not answered), and the category's documents ticked as handed
    over (their ids; the unticked ones are recorded as not handed over)."""

    trial_run_passed: bool | None
    model_installed: str = ""
    serial_number: str = ""
    accessories: str = ""
    trial_run_note: str = ""
    documents_handed_over: Collection[int] = field(default_factory=frozenset)


def acceptance_required(order: WorkOrder, resolution: str) -> bool:
    """An installation order closes with an acceptance, unless the customer declined the paid job (nothing
    was installed then)."""
    return (
        order.call.customer_request == CallCustomerRequest.INSTALLATION and resolution != Resolution.DECLINED
    )


def acceptance_documents(order: WorkOrder) -> list[AcceptanceDocument]:
    """The documents expected with the order's unit: its category's list, in order."""
    return list(AcceptanceDocument.objects.filter(category_id=order.call.unit.model.category_id))


def acceptance_errors(
    order: WorkOrder, data: AcceptanceInput | None, *, signed: bool
) -> dict[str, list[str]]:
    """The acceptance's errors, by the closing form's field names; `signed`: the customer signed on the
    screen (a confirmation code confirms a repair, not an installation's acceptance)."""
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    if data is None:
        add(
            "acceptance",
            _(
                "An installation order is closed with the installation acceptance: record the configuration, "
                "the trial run, the documents handed over and the customer's signature."
            ),
        )
        return errors
    if not data.model_installed.strip():
        add("model_installed", _("Enter the model installed."))
    elif len(data.model_installed.strip()) > 120:
        add("model_installed", _("At most 120 characters."))
    if len(data.serial_number.strip()) > 40:
        add("acceptance_serial", _("At most 40 characters."))
    if len(data.accessories.strip()) > 500:
        add("accessories", _("At most 500 characters."))
    if len(data.trial_run_note.strip()) > 500:
        add("trial_run_note", _("At most 500 characters."))
    if data.trial_run_passed is None:
        add("trial_run", _("Say whether the trial run passed or failed."))
    elif not data.trial_run_passed and not data.trial_run_note.strip():
        add("trial_run_note", _("Say what failed in the trial run: the out-of-box check starts from it."))
    elif data.trial_run_passed and not signed:
        add(
            "signature",
            _(
                "The customer signs the installation acceptance on the screen: a confirmation code does not accept it."
            ),
        )
    return errors


def installation_acceptance_record(
    *,
    order: WorkOrder,
    data: AcceptanceInput,
    signature_png: bytes | None,
    acting_user,
    now: dt.datetime | None = None,
    saved_files: list | None = None,
) -> InstallationAcceptance:
    """Writes the acceptance of the installation order (inside the closing's transaction, the order locked)
    with the category's documents as handed over or not. A passed trial run accepts the installation: the
    unit's acceptance date is set to the day (a reinstallation moves it); a failed one leaves it as it was and
    the unit goes to the out-of-box check."""
    now = now or timezone.now()
    errors = acceptance_errors(order, data, signed=bool(signature_png))
    if errors:
        raise ValidationError(errors)
    passed = bool(data.trial_run_passed)
    day = timezone.localdate(now)
    acceptance = InstallationAcceptance(
        work_order=order,
        unit_id=order.call.unit_id,
        model_installed=data.model_installed.strip(),
        serial_number=data.serial_number.strip().upper(),
        accessories=data.accessories.strip(),
        trial_run_passed=passed,
        trial_run_note=data.trial_run_note.strip(),
        accepted_on=day if passed else None,
        recorded_by=acting_user,
        recorded_at=now,
    )
    if signature_png:
        acceptance.signature.save("signature.png", ContentFile(signature_png), save=False)
        if saved_files is not None:
            saved_files.append(acceptance.signature)
    acceptance.save()
    handed = {int(pk) for pk in data.documents_handed_over}
    InstallationAcceptanceDocument.objects.bulk_create(
        InstallationAcceptanceDocument(
            acceptance=acceptance, name=doc.name, handed_over=doc.pk in handed, position=position
        )
        for position, doc in enumerate(acceptance_documents(order), start=1)
    )
    if passed:
        ProductUnit.objects.filter(pk=order.call.unit_id).update(accepted_on=day)
    return acceptance
