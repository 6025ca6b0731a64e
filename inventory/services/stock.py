"""Stock operations: receipts, transfers, adjustments, and parts issued to and returned from work orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.numbering import next_number

from ..choices import (
    CreditEntryKind,
    DefectiveReturnStatus,
    MovementKind,
)
from ..models import (
    ZERO,
    CreditEntry,
    DefectiveReturn,
    Part,
    StockMovement,
    Warehouse,
)
from .common import MAX_AMOUNT, _quantity, _text, _whole
from .credit import _account, _credit, _freeable, _transfer_credit
from .ledger import Move, _center_warehouse, _lock_levels, _merge_lines, _post, _replayed

# --------------------------------------------------------------------------------------------------------
# Stock operations
# --------------------------------------------------------------------------------------------------------


def stock_receive(
    *,
    warehouse: Warehouse,
    lines: Iterable[tuple[Part, object, object]],
    reference: str,
    acting_user,
    now=None,
    idempotency_key: str | None = None,
) -> list[StockMovement]:
    """Receipt from a supplier: lines of (part, quantity, unit cost)."""
    now = now or timezone.now()
    reference = _text(reference, "reference", 40)
    with transaction.atomic():
        if (done := _replayed(idempotency_key)) is not None:
            return done
        moves = []
        errors = []
        for n, (part, quantity, unit_cost) in enumerate(lines, start=1):
            try:
                q = _quantity(quantity)
                cost = money(unit_cost)
                if cost < 0:
                    raise ValidationError(_("The unit cost cannot be negative."))
                if cost * q > MAX_AMOUNT:
                    raise ValidationError(_("The amount is too large."))
            except (ValidationError, ArithmeticError, TypeError) as exc:
                message = (
                    exc.messages[0]
                    if isinstance(exc, ValidationError)
                    else _("The unit cost is not a number.")
                )
                errors.append(
                    _("Line %(n)s (%(part)s): %(error)s") % {"n": n, "part": part.code, "error": message}
                )
                continue
            moves.append(Move(warehouse, part, q, unit_cost=cost))
        if errors:
            raise ValidationError(errors)
        if not moves:
            raise ValidationError(_("Add at least one part."))
        return _post(
            moves,
            kind=MovementKind.RECEIPT,
            acting_user=acting_user,
            now=now,
            reference=reference,
            idempotency_key=idempotency_key,
        )


def stock_transfer(
    *,
    source: Warehouse,
    destination: Warehouse,
    lines: Iterable[tuple[Part, object]],
    acting_user,
    reference: str = "",
    now=None,
) -> list[StockMovement]:
    """A transfer handed over at once (out of one warehouse, into the other, same value)."""
    now = now or timezone.now()
    if source.pk == destination.pk:
        raise ValidationError(_("A transfer needs two different warehouses."))
    reference = _text(reference, "reference", 40)
    merged = _merge_lines(lines)
    with transaction.atomic():
        # Both ends at once, in primary-key order: a transfer the other way must not lock them reversed.
        _lock_levels([(w.pk, part.pk) for part, _q in merged for w in (source, destination)], now=now)
        out = _post(
            [Move(source, part, -q) for part, q in merged],
            kind=MovementKind.TRANSFER_OUT,
            acting_user=acting_user,
            now=now,
            reference=reference,
        )
        inbound = _post(
            [Move(destination, mv.part, -mv.quantity, value=-mv.value_amount) for mv in out],
            kind=MovementKind.TRANSFER_IN,
            acting_user=acting_user,
            now=now,
            reference=reference,
        )
        value = sum((mv.value_amount for mv in inbound), ZERO)
        _transfer_credit(source, destination, value, acting_user=acting_user, now=now, reference=reference)
        return out + inbound


def stock_adjust(
    *, warehouse: Warehouse, part: Part, quantity, reason: str, acting_user, now=None
) -> StockMovement:
    """A count correction (盘点调整): signed quantity, always with a reason."""
    now = now or timezone.now()
    reason = _text(reason, "reason", 200, required_message=_("Say why the count is corrected."))
    q = _whole(quantity)
    if q == 0:
        raise ValidationError({"quantity": _("A correction of zero changes nothing.")})
    with transaction.atomic():
        (movement,) = _post(
            [Move(warehouse, part, q)],
            kind=MovementKind.ADJUSTMENT,
            acting_user=acting_user,
            now=now,
            reason=reason,
        )
        return movement


def _in_warranty(work_order) -> bool:
    """Parts on free (in-warranty) service are the maker's cost: consuming them frees the centre's credit."""
    return work_order.is_free_service


def part_issue(
    *,
    work_order,
    part: Part,
    quantity=1,
    acting_user,
    serial_number: str = "",
    old_serial: str = "",
    reason: str = "",
    now=None,
    idempotency_key: str | None = None,
) -> StockMovement:
    """Issues parts from the work order's centre warehouse to the work order. A part not listed for the
    product's model needs a reason. A returnable part gets one defective-return tag per piece."""
    now = now or timezone.now()
    q = _quantity(quantity)
    reason = _text(reason, "reason", 200)
    serial_number = _text(serial_number, "serial_number", 40)
    old_serial = _text(old_serial, "old_serial", 40)
    if part.product_model_id:
        raise ValidationError(
            _("A whole unit is not a spare part: it is handed over through a 三包 exchange.")
        )
    with transaction.atomic():
        if (done := _replayed(idempotency_key)) is not None:
            return done[0]
        # Locked before its status is read: a work order being closed or cancelled meanwhile waits.
        order = _lock_for_parts(work_order)
        if not order.accepts_parts:
            raise ValidationError(
                _("Parts cannot be issued to work order %(number)s: it is %(status)s.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        if order.center_id is None:
            raise ValidationError(
                _("Work order %(number)s has no service centre yet.") % {"number": order.number}
            )
        if not reason and not Part.objects.fits(part.pk, order.call.unit.model_id):
            model = order.call.unit.model
            raise ValidationError(
                {
                    "reason": _("%(part)s is not listed for %(model)s. Give a reason to use it anyway.")
                    % {"part": part, "model": model}
                },
                code="incompatible",
            )
        if part.serialized and q != 1:
            raise ValidationError({"quantity": _("Parts with serial numbers are issued one at a time.")})
        warehouse = _center_warehouse(order.center_id)
        (movement,) = _post(
            [Move(warehouse, part, -q, serial_number=serial_number)],
            kind=MovementKind.ISSUE,
            acting_user=acting_user,
            now=now,
            reference=order.number,
            work_order=order,
            reason=reason,
            idempotency_key=idempotency_key,
        )
        if part.return_required:
            due = timezone.localdate(now) + dt.timedelta(days=part.return_within_days)
            for per_piece in _split(-movement.value_amount, q):
                DefectiveReturn.objects.create(
                    number=next_number("JJ", day=timezone.localdate(now)),
                    center_id=order.center_id,
                    work_order=order,
                    part=part,
                    issue_movement=movement,
                    value_amount=per_piece,
                    old_serial=old_serial,
                    new_serial=movement.serial_number,
                    due_on=due,
                    created_at=now,
                )
        if _in_warranty(order) and not part.reimbursed_at_cost:
            # (A part the centre buys itself held no credit: the settlement reimburses it instead.)
            # Last, so the centre's account row is locked for the shortest time.
            account = _account(order.center_id)
            _credit(
                account,
                CreditEntryKind.CONSUMED,
                -_freeable(account, -movement.value_amount),
                acting_user=acting_user,
                now=now,
                work_order=order,
                reference=order.number,
            )
        return movement


def _lock_for_parts(work_order):
    """The work order, locked (FOR NO KEY UPDATE), with what an issue reads of it: its status, number and
    centre, its call's service type and the model of the call's unit (the call and unit come attached, as
    select_related would attach them). The statement is written out from the models' own names: the ORM's
    compilation of this join, on every issue, cost more than everything else the issue does in Python."""
    order_model = type(work_order)
    call_field = order_model._meta.get_field("call")
    unit_field = call_field.related_model._meta.get_field("unit")
    tables = [
        (order_model, "o", {"id", "status", "number", "center_id", "call_id"}),
        (call_field.related_model, "c", {"id", "service_type", "unit_id"}),
        (unit_field.related_model, "u", {"id", "model_id"}),
    ]
    # Each model's fields in its own order: from_db() takes the values of the fields it is given that way.
    fields = [[f for f in model._meta.concrete_fields if f.attname in wanted] for model, _a, wanted in tables]
    selected = [
        f"{alias}.{f.column}" for (_m, alias, _w), own in zip(tables, fields, strict=True) for f in own
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(selected)} FROM {order_model._meta.db_table} o"
            f" JOIN {call_field.related_model._meta.db_table} c ON c.id = o.{call_field.column}"
            f" JOIN {unit_field.related_model._meta.db_table} u ON u.id = c.{unit_field.column}"
            " WHERE o.id = %s FOR NO KEY UPDATE OF o",
            [work_order.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise order_model.DoesNotExist(f"work order {work_order.pk}")
    instances, start = [], 0
    for (model, _alias, _wanted), own in zip(tables, fields, strict=True):
        values = row[start : start + len(own)]
        instances.append(model.from_db(connection.alias, [f.attname for f in own], values))
        start += len(own)
    order, call, unit = instances
    call.unit = unit
    order.call = call
    return order


def _split(total: Decimal, pieces: int) -> list[Decimal]:
    """`total` in `pieces` parts that differ by at most a fen and add up to it exactly."""
    cents = int(total * 100)
    base, extra = divmod(cents, pieces)
    return [Decimal(base + (1 if i < extra else 0)).scaleb(-2) for i in range(pieces)]


def issued_quantity(*, work_order, part: Part) -> int:
    """Net pieces of a part on a work order (issued minus returned)."""
    total = StockMovement.objects.filter(
        work_order=work_order, part=part, kind__in=[MovementKind.ISSUE, MovementKind.RETURN]
    ).aggregate(q=Sum("quantity"))["q"]
    return -(total or 0)


def part_return(*, work_order, part: Part, quantity=1, reason: str, acting_user, now=None) -> StockMovement:
    """An issued part comes back unused: into the centre's warehouse at the value it went out at; its
    defective-return tags (newest first) are cancelled."""
    now = now or timezone.now()
    q = _quantity(quantity)
    reason = _text(reason, "reason", 200, required_message=_("Say why the part comes back."))
    with transaction.atomic():
        order = (
            type(work_order)
            .objects.select_for_update(no_key=True, of=("self",))
            .select_related("call")
            .get(pk=work_order.pk)
        )
        if not order.accepts_parts:
            # A closed order's parts are settled (and a cancelled one's were never used): nothing comes back
            # to it. A part found unused later goes back to stock by a count correction with its reason.
            raise ValidationError(
                {
                    "status": _("Work order %(number)s is “%(status)s”: no part comes back to it any more.")
                    % {"number": order.number, "status": order.get_status_display()}
                },
                code="work_order_finished",
            )
        issues = list(
            StockMovement.objects.filter(
                work_order=order, part=part, kind__in=[MovementKind.ISSUE, MovementKind.RETURN]
            )
        )
        net = -sum(m.quantity for m in issues)
        if q > net:
            raise ValidationError(
                {
                    "quantity": _("Only %(net)s of %(part)s are on this work order.")
                    % {"net": net, "part": part}
                }
            )
        issued_value = -sum(m.value_amount for m in issues)
        value = issued_value if q == net else money(issued_value * q / net)
        warehouse = _center_warehouse(order.center)
        (movement,) = _post(
            [Move(warehouse, part, q, value=value)],
            kind=MovementKind.RETURN,
            acting_user=acting_user,
            now=now,
            reference=order.number,
            work_order=order,
            reason=reason,
        )
        tags = list(
            DefectiveReturn.objects.select_for_update()
            .filter(work_order=order, part=part, status=DefectiveReturnStatus.OPEN)
            .order_by("-pk")[:q]
        )
        for tag in tags:
            tag.status = DefectiveReturnStatus.CANCELLED
            tag.save(update_fields=["status"])
        if _in_warranty(order) and not part.reimbursed_at_cost:
            # Takes back no more credit than this work order's consumption freed.
            account = _account(order.center)
            freed = -(
                CreditEntry.objects.filter(
                    account=account,
                    work_order=order,
                    kind__in=[CreditEntryKind.CONSUMED, CreditEntryKind.UNCONSUMED],
                ).aggregate(total=Sum("amount"))["total"]
                or ZERO
            )
            _credit(
                account,
                CreditEntryKind.UNCONSUMED,
                min(value, max(freed, ZERO)),
                acting_user=acting_user,
                now=now,
                work_order=order,
                reference=order.number,
            )
        return movement
