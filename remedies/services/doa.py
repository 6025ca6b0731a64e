"""Out-of-box failures (开箱损, DOA): checked at the dealer or a centre against the maker's checklist within
the exchange period; an approved check is exchanged at once from the dealer's stock and credits the dealer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import events
from aftersales.numbering import next_number
from aftersales.roles import Role, dealer_ids, has_role
from repairs.models import ProductUnit
from warranty.rules import FactsError
from warranty.services import unit_facts, warranty_decision_record, warranty_evaluate

from ..choices import Basis, ChecklistKind, DoaStatus, Payer, RemedyKind, RemedyStatus
from ..models import DoaCheck, RemedyRequest
from .common import check_documents, checklist, event, refuse_taken_back, require
from .fulfil import remedy_exchange
from .requests import OFFICE


def doa_check_record(
    *,
    unit,
    fault: str,
    confirmed_by: str,
    checked=(),
    acting_user,
    dealer=None,
    center=None,
    now=None,
) -> DoaCheck:
    require(acting_user, *OFFICE, Role.DEALER)
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, list[str]] = {}
    fault, confirmed_by = (fault or "").strip(), (confirmed_by or "").strip()
    if not fault:
        errors["fault"] = [_("Describe the fault found at unpacking or installation.")]
    elif len(fault) > 300:
        errors["fault"] = [_("At most 300 characters.")]
    if not confirmed_by:
        errors["confirmed_by"] = [_("Name the technician who confirmed the fault.")]
    elif len(confirmed_by) > 50:
        errors["confirmed_by"] = [_("At most 50 characters.")]
    if errors:
        raise ValidationError(errors)
    dealer_only = has_role(acting_user, Role.DEALER) and not has_role(acting_user, *OFFICE)
    if dealer_only and unit.dealer_id not in dealer_ids(acting_user):
        raise ValidationError({"unit": [_("This unit was not sold by you.")]})
    dealer = dealer or unit.dealer
    refuse_taken_back(unit)
    try:
        decision, _policy = warranty_evaluate(facts=unit_facts(unit=unit, report_date=today))
    except FactsError as exc:
        raise ValidationError({"unit": [m for ms in exc.errors.values() for m in ms]}) from None
    if decision.exchange_until is None or today > decision.exchange_until:
        raise ValidationError(
            {
                "unit": [
                    _("Past the exchange period (until %(day)s): not an out-of-box failure.")
                    % {"day": decision.exchange_until or "—"}
                    if decision.exchange_until
                    else _("Without an invoice there is no exchange period: not an out-of-box failure.")
                ]
            }
        )
    ticked, missing = check_documents(checklist(unit.model.category_id, ChecklistKind.DOA), checked)
    try:
        with transaction.atomic():
            return _record(
                unit, fault, confirmed_by, ticked, missing, dealer, center, acting_user, now, today
            )
    except IntegrityError:
        raise ValidationError({"unit": [_("A remedy request on this unit is still open.")]}) from None


def _record(unit, fault, confirmed_by, ticked, missing, dealer, center, acting_user, now, today) -> DoaCheck:
    """The check, and when it passes its exchange, all in the caller's transaction (a failed exchange undoes
    the check: nothing half-done)."""
    # The unit's row serialises two checks (or a check and a request) on it at once.
    ProductUnit.objects.select_for_update(no_key=True).filter(pk=unit.pk).first()
    open_number = RemedyRequest.objects.open().filter(unit=unit).values_list("number", flat=True).first()
    if open_number:
        raise ValidationError(
            {"unit": [_("Remedy request %(number)s on this unit is still open.") % {"number": open_number}]}
        )
    check = DoaCheck.objects.create(
        number=next_number("KX", day=today),
        unit=unit,
        dealer=dealer,
        center=center,
        fault=fault,
        confirmed_by=confirmed_by,
        checked=ticked,
        missing=[i.text for i in missing],
        status=DoaStatus.REJECTED if missing else DoaStatus.APPROVED,
        recorded_by=acting_user,
        recorded_at=now,
    )
    if missing:
        return check
    stored = warranty_decision_record(
        unit=unit, facts=unit_facts(unit=unit, report_date=today), acting_user=acting_user, now=now
    )
    row = RemedyRequest.objects.create(
        number=next_number("TH", day=today),
        decision=stored,
        unit=unit,
        remedy=RemedyKind.EXCHANGE,
        basis=Basis.DOA,
        liable=Payer.SELLER,
        status=RemedyStatus.APPROVED,
        documents=ticked,
        customer_note=fault[:300],
        dealer=dealer,
        opened_by=acting_user,
        opened_at=now,
        decided_at=now,
        auto_approved=True,
    )
    event(
        row,
        "",
        RemedyStatus.APPROVED,
        actor=acting_user,
        now=now,
        note=_("Out-of-box check %(n)s") % {"n": check.number},
    )
    events.publish(events.REMEDY_REQUEST_CHANGED, request=row, previous="", now=now)
    check.request = row
    check.save(update_fields=["request"])
    if dealer is not None:
        # Exchanged at the dealer from its own stock; without one there, the request waits for stock.
        remedy_exchange(request=row, acting_user=acting_user, now=now)
    return check
