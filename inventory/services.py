"""Every write of spare parts: stock movements, part requests, deposits and credit, defective-part returns.

Each function is keyword-only and runs in one transaction. Stock changes only through `_post()`: it makes
sure the level rows exist, locks them in primary-key order (so two transactions never deadlock), checks
every line under the lock, appends the movements and moves the levels with F() updates; the level's
CHECK (quantity >= 0) is the backstop. Outbound movements are valued at the warehouse's moving average
cost (移动加权平均), so the ledger sums to the level's quantity *and* value.

Errors are ValidationErrors with messages in the user's language; nothing is half-applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.money import money
from aftersales.numbering import next_number
from aftersales.roles import Role, has_role, may_act_for_center
from network.models import Technician
from repairs.choices import OPEN_STATUSES, ServiceType, WorkOrderStatus
from repairs.models import WorkOrder

from .choices import (
    PART_REQUEST_TRANSITIONS,
    CreditEntryKind,
    DefectiveReturnStatus,
    DepositEntryKind,
    InspectionOutcome,
    MovementKind,
    OverCreditPolicy,
    PartRequestStatus,
    WarehouseKind,
)
from .models import (
    ZERO,
    CreditEntry,
    DefectiveReturn,
    DefectiveReturnPhoto,
    DepositAccount,
    DepositEntry,
    InventorySettings,
    Part,
    PartRequest,
    PartRequestEvent,
    PartRequestLine,
    StockLevel,
    StockMovement,
    Warehouse,
)

# Work orders parts can be issued to: still open, or completed and not yet closed.
ISSUABLE_STATUSES = OPEN_STATUSES | {WorkOrderStatus.COMPLETED}
# Bounds of what the columns hold: quantities are 32-bit integers, money has 12 digits before the point.
MAX_QUANTITY = 1_000_000
MAX_AMOUNT = Decimal("999999999999.99")
MAX_RATIO = Decimal("999.99")
IDEMPOTENCY_KEY_MAX = 56  # the column holds 64, a multi-line post adds ":<line>"


class InsufficientStock(ValidationError):
    """Raised with every short line at once: [(warehouse, part, wanted, on_hand)]."""

    def __init__(self, shortages: list[tuple[Warehouse, Part, int, int]]):
        self.shortages = shortages
        super().__init__(
            [
                _("Not enough %(part)s in %(warehouse)s: %(wanted)s wanted, %(on_hand)s on hand.")
                % {"part": part, "warehouse": warehouse, "wanted": wanted, "on_hand": on_hand}
                for warehouse, part, wanted, on_hand in shortages
            ],
            code="insufficient_stock",
        )


class CreditLimitExceeded(ValidationError):
    pass


def _require(user, *roles: str) -> None:
    if not has_role(user, *roles):
        raise ValidationError(_("You are not allowed to do this."), code="forbidden")


def _whole(value, field: str = "quantity") -> int:
    """A whole number of pieces (either sign) within what the ledger holds."""
    try:
        number = int(value)
        if isinstance(value, Decimal | float) and number != value:
            raise ValueError
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        raise ValidationError({field: _("The quantity must be a whole number.")}) from None
    if abs(number) > MAX_QUANTITY:
        raise ValidationError(
            {field: _("The quantity cannot be more than %(most)s.") % {"most": f"{MAX_QUANTITY:,}"}}
        )
    return number


def _quantity(value, field: str = "quantity") -> int:
    """A whole, positive quantity, or a ValidationError in the user's language."""
    number = _whole(value, field)
    if number <= 0:
        raise ValidationError({field: _("The quantity must be greater than zero.")})
    return number


def _amount(value, field: str = "amount") -> Decimal:
    if isinstance(value, float):
        raise TypeError("amounts are Decimal or str, never float")
    try:
        amount = money(value)
        if not amount.is_finite():
            raise ArithmeticError
    except (TypeError, ValueError, ArithmeticError):
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200.00.")}) from None
    if amount <= 0:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    return amount


def _text(value, field: str, max_length: int, *, required_message: str | None = None) -> str:
    """Stripped free text that fits its column; required when `required_message` is given."""
    text = (value or "").strip()
    if required_message and not text:
        raise ValidationError({field: required_message})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: _("At most %(most)s characters (this has %(length)s).")
                % {"most": max_length, "length": len(text)}
            }
        )
    return text


def _ratio_text(ratio: Decimal) -> str:
    """3.00 → "3", 2.50 → "2.5", 10.00 → "10" (never "1E+1")."""
    return format(ratio.normalize(), "f")


def _lock_key(idempotency_key: str | None) -> None:
    """Serialises callers retrying with the same key until the first one commits or rolls back, so the
    replay check below it is decided under a lock (the unique column is only the backstop)."""
    if not idempotency_key:
        return
    if len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        raise ValueError(f"idempotency keys are at most {IDEMPOTENCY_KEY_MAX} characters")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"inventory:{idempotency_key}"]
        )


# --------------------------------------------------------------------------------------------------------
# The ledger primitive
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One line to post: signed quantity; `unit_cost` values an inbound line (None: at average cost, or
    at `value` when given — a transfer in carries the value that went out)."""

    warehouse: Warehouse
    part: Part
    quantity: int
    unit_cost: Decimal | None = None
    value: Decimal | None = None
    serial_number: str = ""


def _post(
    moves: Sequence[Move],
    *,
    kind: str,
    acting_user,
    now: dt.datetime,
    reference: str = "",
    work_order: WorkOrder | None = None,
    part_request: PartRequest | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> list[StockMovement]:
    """Appends movements and moves the levels, all or nothing. Must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "_post() runs inside the caller's transaction"
    levels = _lock_levels({(m.warehouse.pk, m.part.pk) for m in moves}, now=now)
    # Work on copies: the rows are only written when every line passed.
    balance = {key: [lv.quantity, lv.value_amount] for key, lv in levels.items()}
    shortages = []
    rows = []
    for i, m in enumerate(moves):
        key = (m.warehouse.pk, m.part.pk)
        qty, value = balance[key]
        if m.quantity < 0:
            if qty < -m.quantity:
                shortages.append((m.warehouse, m.part, -m.quantity, qty))
                continue
            out_value = value if -m.quantity == qty else money(value * -m.quantity / qty)
            delta = -out_value
        elif m.value is not None:
            delta = money(m.value)
        elif m.unit_cost is not None:
            delta = money(m.unit_cost * m.quantity)
        else:
            average = value / qty if qty else m.part.unit_cost_amount
            delta = money(average * m.quantity)
        balance[key] = [qty + m.quantity, value + delta]
        rows.append(
            StockMovement(
                warehouse=m.warehouse,
                part=m.part,
                kind=kind,
                quantity=m.quantity,
                unit_cost_amount=money(abs(delta) / abs(m.quantity)),
                value_amount=delta,
                reference=reference,
                work_order=work_order,
                part_request=part_request,
                reason=reason,
                serial_number=m.serial_number,
                created_by=acting_user,
                created_at=now,
                idempotency_key=(f"{idempotency_key}:{i}" if len(moves) > 1 else idempotency_key)
                if idempotency_key
                else None,
            )
        )
    if shortages:
        raise InsufficientStock(shortages)
    movements = StockMovement.objects.bulk_create(rows)
    for key, level in levels.items():
        qty, value = balance[key]
        if qty != level.quantity or value != level.value_amount:
            StockLevel.objects.filter(pk=level.pk).update(
                quantity=F("quantity") + (qty - level.quantity),
                value_amount=F("value_amount") + (value - level.value_amount),
                updated_at=now,
            )
    return movements


def _lock_levels(keys: Iterable[tuple[int, int]], *, now) -> dict[tuple[int, int], StockLevel]:
    """Makes sure the (warehouse, part) level rows exist and locks them in primary-key order. An operation
    touching levels in two steps (a transfer: out, then in) locks all of them here first, so two operations
    never take the same rows in opposite orders (and deadlock)."""
    keys = sorted(set(keys))
    StockLevel.objects.bulk_create(
        [StockLevel(warehouse_id=w, part_id=p, updated_at=now) for w, p in keys], ignore_conflicts=True
    )
    condition = Q(pk__in=[])
    for w, p in keys:
        condition |= Q(warehouse_id=w, part_id=p)
    return {
        (lv.warehouse_id, lv.part_id): lv
        for lv in StockLevel.objects.select_for_update().filter(condition).order_by("pk")
    }


def _replayed(idempotency_key: str | None) -> list[StockMovement] | None:
    """The movements an earlier call with the same key posted (a retried request does nothing twice)."""
    if not idempotency_key:
        return None
    _lock_key(idempotency_key)
    found = list(
        StockMovement.objects.filter(
            Q(idempotency_key=idempotency_key) | Q(idempotency_key__startswith=f"{idempotency_key}:")
        ).order_by("pk")
    )
    return found or None


def central_warehouse() -> Warehouse:
    return Warehouse.objects.get(kind=WarehouseKind.CENTRAL)


def defective_warehouse() -> Warehouse:
    return Warehouse.objects.get(kind=WarehouseKind.DEFECTIVE)


def _center_warehouse(center) -> Warehouse:
    try:
        return Warehouse.objects.get(center=center, active=True)
    except Warehouse.DoesNotExist:
        raise ValidationError(_("%(center)s has no warehouse.") % {"center": center}) from None


def _merge_lines(lines: Iterable[tuple[Part, object]]) -> list[tuple[Part, int]]:
    """Validates quantities and adds up repeated parts, keeping the order they came in."""
    merged: dict[int, list] = {}
    errors = []
    for n, (part, quantity) in enumerate(lines, start=1):
        try:
            q = _quantity(quantity)
        except ValidationError as exc:
            errors.append(
                _("Line %(n)s (%(part)s): %(error)s") % {"n": n, "part": part.code, "error": exc.messages[0]}
            )
            continue
        if part.pk in merged:
            merged[part.pk][1] += q
        else:
            merged[part.pk] = [part, q]
    if errors:
        raise ValidationError(errors)
    if not merged:
        raise ValidationError(_("Add at least one part."))
    return [(part, q) for part, q in merged.values()]


# --------------------------------------------------------------------------------------------------------
# Credit
# --------------------------------------------------------------------------------------------------------


def _account(center, *, lock: bool = True) -> DepositAccount:
    DepositAccount.objects.get_or_create(center=center)
    qs = DepositAccount.objects.select_for_update(no_key=True) if lock else DepositAccount.objects
    return qs.get(center=center)


def _accounts(*centers) -> dict[int, DepositAccount]:
    """Locks several centres' accounts in primary-key order (two transfers in opposite directions between
    two centres must not take them in opposite orders)."""
    for center in centers:
        DepositAccount.objects.get_or_create(center=center)
    return {
        account.center_id: account
        for account in DepositAccount.objects.select_for_update(no_key=True)
        .filter(center__in=[c.pk for c in centers])
        .order_by("pk")
    }


def _credit(
    account: DepositAccount,
    kind: str,
    amount: Decimal,
    *,
    acting_user,
    now,
    part_request=None,
    work_order=None,
    reference: str = "",
) -> CreditEntry | None:
    """Moves the (locked) account's credit used and appends the entry."""
    if not amount:
        return None
    account.credit_used_amount += amount
    account.updated_at = now
    DepositAccount.objects.filter(pk=account.pk).update(
        credit_used_amount=F("credit_used_amount") + amount, updated_at=now
    )
    return CreditEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        used_after=account.credit_used_amount,
        part_request=part_request,
        work_order=work_order,
        reference=reference,
        created_by=acting_user,
        created_at=now,
    )


def _freeable(account: DepositAccount, value: Decimal) -> Decimal:
    """How much of `value` leaving a centre frees credit: never more than is in use. Parts the centre held
    before it drew on credit (its own initial count) free nothing, so credit used never goes below zero
    and a centre cannot buy itself credit beyond what its deposit backs."""
    return min(value, max(account.credit_used_amount, ZERO))


def _committed_requests_amount(center, *, exclude: PartRequest | None = None) -> Decimal:
    """Requests approved (or awaiting approval) but not yet shipped: credit they will use."""
    qs = PartRequest.objects.filter(
        center=center, status__in=[PartRequestStatus.PENDING, PartRequestStatus.APPROVED]
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or ZERO


def credit_position(*, center, extra: Decimal = ZERO, exclude: PartRequest | None = None) -> dict:
    """The numbers a credit decision rests on (and that its message shows)."""
    account = _account(center, lock=False)
    committed = _committed_requests_amount(center, exclude=exclude)
    after = account.credit_used_amount + committed + extra
    return {
        "account": account,
        "deposit": account.deposit_amount,
        "ratio": account.leverage_ratio,
        "limit": account.credit_limit,
        "used": account.credit_used_amount,
        "committed": committed,
        "requested": extra,
        "after": after,
        "over": after > account.credit_limit,
    }


def _credit_message(position: dict) -> str:
    return _(
        "Parts credit exceeded: limit %(limit)s yuan (deposit %(deposit)s × %(ratio)s), used %(used)s, "
        "awaiting shipment %(committed)s, this request %(requested)s — %(after)s in all, %(over)s over."
    ) % {
        "limit": position["limit"],
        "deposit": position["deposit"],
        "ratio": _ratio_text(position["ratio"]),
        "used": position["used"],
        "committed": position["committed"],
        "requested": position["requested"],
        "after": position["after"],
        "over": position["after"] - position["limit"],
    }


def _transfer_credit(source: Warehouse, destination: Warehouse, value: Decimal, **kwargs) -> None:
    """Parts moving into a centre use its credit; parts leaving a centre for another warehouse free it."""
    centers = [w.center for w in (source, destination) if w.kind == WarehouseKind.CENTER]
    if not value or not centers:
        return
    accounts = _accounts(*centers)
    if source.kind == WarehouseKind.CENTER:
        account = accounts[source.center_id]
        _credit(account, CreditEntryKind.RETURNED, -_freeable(account, value), **kwargs)
    if destination.kind == WarehouseKind.CENTER:
        _credit(accounts[destination.center_id], CreditEntryKind.SHIPPED, value, **kwargs)


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


def _in_warranty(work_order: WorkOrder) -> bool:
    """Parts on free (in-warranty) service are the maker's cost: consuming them frees the centre's credit."""
    return work_order.call.service_type == ServiceType.FREE


def part_issue(
    *,
    work_order: WorkOrder,
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
    with transaction.atomic():
        if (done := _replayed(idempotency_key)) is not None:
            return done[0]
        # Locked before its status is read: a work order being closed or cancelled meanwhile waits.
        order = (
            WorkOrder.objects.select_for_update(no_key=True, of=("self",))
            .select_related("call__unit__model", "center")
            .only("status", "number", "center", "call__service_type", "call__unit__model")
            .get(pk=work_order.pk)
        )
        if order.status not in ISSUABLE_STATUSES:
            raise ValidationError(
                _("Parts cannot be issued to work order %(number)s: it is %(status)s.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        if order.center_id is None:
            raise ValidationError(
                _("Work order %(number)s has no service centre yet.") % {"number": order.number}
            )
        model = order.call.unit.model
        if not reason and not Part.objects.compatible_with(model).filter(pk=part.pk).exists():
            raise ValidationError(
                {
                    "reason": _("%(part)s is not listed for %(model)s. Give a reason to use it anyway.")
                    % {"part": part, "model": model}
                },
                code="incompatible",
            )
        if part.serialized and q != 1:
            raise ValidationError({"quantity": _("Parts with serial numbers are issued one at a time.")})
        warehouse = _center_warehouse(order.center)
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
                    center=order.center,
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
            account = _account(order.center)
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


def _split(total: Decimal, pieces: int) -> list[Decimal]:
    """`total` in `pieces` parts that differ by at most a fen and add up to it exactly."""
    cents = int(total * 100)
    base, extra = divmod(cents, pieces)
    return [Decimal(base + (1 if i < extra else 0)).scaleb(-2) for i in range(pieces)]


def issued_quantity(*, work_order: WorkOrder, part: Part) -> int:
    """Net pieces of a part on a work order (issued minus returned)."""
    total = StockMovement.objects.filter(
        work_order=work_order, part=part, kind__in=[MovementKind.ISSUE, MovementKind.RETURN]
    ).aggregate(q=Sum("quantity"))["q"]
    return -(total or 0)


def part_return(
    *, work_order: WorkOrder, part: Part, quantity=1, reason: str, acting_user, now=None
) -> StockMovement:
    """An issued part comes back unused: into the centre's warehouse at the value it went out at; its
    defective-return tags (newest first) are cancelled."""
    now = now or timezone.now()
    q = _quantity(quantity)
    reason = _text(reason, "reason", 200, required_message=_("Say why the part comes back."))
    with transaction.atomic():
        order = (
            WorkOrder.objects.select_for_update(no_key=True, of=("self",))
            .select_related("call")
            .get(pk=work_order.pk)
        )
        if order.status not in ISSUABLE_STATUSES:
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


# --------------------------------------------------------------------------------------------------------
# Part requests
# --------------------------------------------------------------------------------------------------------


def _request_event(request: PartRequest, old: str, new: str, actor, at, note: str = "") -> None:
    PartRequestEvent.objects.create(
        request=request, from_status=old, to_status=new, actor=actor, at=at, note=note
    )


def _lock_request(request: PartRequest) -> PartRequest:
    return (
        PartRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("center")
        .get(pk=request.pk)
    )


def _request_move(request: PartRequest, new: str) -> None:
    if new not in PART_REQUEST_TRANSITIONS[PartRequestStatus(request.status)]:
        raise ValidationError(
            _("Part request %(number)s is %(status)s and cannot be %(action)s.")
            % {
                "number": request.number,
                "status": request.get_status_display(),
                "action": PartRequestStatus(new).label,
            },
            code="invalid_transition",
        )


def part_request_submit(
    *,
    center,
    lines: Iterable[tuple[Part, object]],
    acting_user,
    work_order: WorkOrder | None = None,
    note: str = "",
    now=None,
) -> PartRequest:
    """A centre asks for parts. Under the approval limits and within its credit it is approved at once;
    above a limit it waits for a manager; over the credit it is refused, or sent to a manager (by setting),
    with the numbers in the message."""
    now = now or timezone.now()
    # The centre's supervisors (and managers) ask for parts; a technician for a work order of their own.
    own_order = (
        work_order is not None
        and work_order.technician_id is not None
        and Technician.objects.filter(pk=work_order.technician_id, user=acting_user).exists()
    )
    if not (own_order or _own_center(acting_user, center)):
        raise ValidationError(_("You are not allowed to do this."), code="forbidden")
    _center_warehouse(center)  # the parts must have somewhere to go
    note = _text(note, "note", 300)
    merged = _merge_lines(lines)
    inactive = [part.code for part, _q in merged if not part.active]
    if inactive:
        raise ValidationError(_("No longer supplied: %(codes)s.") % {"codes": "、".join(inactive)})
    if work_order is not None and work_order.center_id != center.pk:
        raise ValidationError({"work_order": _("That work order belongs to another service centre.")})
    settings = InventorySettings.current()
    amount = sum((money(part.unit_cost_amount * q) for part, q in merged), ZERO)
    total_quantity = sum(q for _p, q in merged)
    with transaction.atomic():
        _account(center)  # serialises credit decisions of one centre
        position = credit_position(center=center, extra=amount)
        reasons = []
        if position["over"]:
            if settings.over_credit_policy == OverCreditPolicy.REFUSE:
                raise CreditLimitExceeded(_credit_message(position), code="credit_limit")
            reasons.append(_credit_message(position))
        if total_quantity > settings.auto_approve_max_quantity:
            reasons.append(
                _("%(quantity)s pieces, over the %(limit)s approved automatically.")
                % {"quantity": total_quantity, "limit": settings.auto_approve_max_quantity}
            )
        if amount > settings.auto_approve_max_amount:
            reasons.append(
                _("%(amount)s yuan, over the %(limit)s yuan approved automatically.")
                % {"amount": amount, "limit": settings.auto_approve_max_amount}
            )
        request = PartRequest.objects.create(
            number=next_number("BJ", day=timezone.localdate(now)),
            center=center,
            work_order=work_order,
            status=PartRequestStatus.PENDING if reasons else PartRequestStatus.APPROVED,
            amount=amount,
            note=note,
            approval_reason=" ".join(reasons)[:300],
            requested_by=acting_user,
            requested_at=now,
            auto_approved=not reasons,
            decided_at=None if reasons else now,
        )
        PartRequestLine.objects.bulk_create(
            [
                PartRequestLine(
                    request=request, part=part, quantity=q, unit_cost_amount=part.unit_cost_amount
                )
                for part, q in merged
            ]
        )
        _request_event(request, "", PartRequestStatus.PENDING, acting_user, now)
        if not reasons:
            _request_event(
                request,
                PartRequestStatus.PENDING,
                PartRequestStatus.APPROVED,
                None,
                now,
                _("Within the limits."),
            )
        return request


def part_request_approve(*, request: PartRequest, acting_user, note: str = "", now=None) -> PartRequest:
    """A manager approves a request above the limits (and, by doing so, any credit it goes over)."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    note = _text(note, "note", 300)
    with transaction.atomic():
        request = _lock_request(request)
        _request_move(request, PartRequestStatus.APPROVED)
        old = request.status
        request.status = PartRequestStatus.APPROVED
        request.decided_by = acting_user
        request.decided_at = now
        request.save(update_fields=["status", "decided_by", "decided_at"])
        _request_event(request, old, request.status, acting_user, now, note)
        return request


def part_request_reject(*, request: PartRequest, reason: str, acting_user, now=None) -> PartRequest:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    reason = _text(reason, "reason", 300, required_message=_("Say why the request is rejected."))
    with transaction.atomic():
        request = _lock_request(request)
        _request_move(request, PartRequestStatus.REJECTED)
        old = request.status
        request.status = PartRequestStatus.REJECTED
        request.rejection_reason = reason
        request.decided_by = acting_user
        request.decided_at = now
        request.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        _request_event(request, old, request.status, acting_user, now, reason)
        return request


def part_request_cancel(*, request: PartRequest, acting_user, now=None) -> PartRequest:
    """The requesting centre withdraws a request that has not been shipped."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_request(request)
        if not may_act_for_center(acting_user, request.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _request_move(request, PartRequestStatus.CANCELLED)
        old = request.status
        request.status = PartRequestStatus.CANCELLED
        request.save(update_fields=["status"])
        _request_event(request, old, request.status, acting_user, now)
        return request


def part_request_ship(*, request: PartRequest, acting_user, now=None) -> PartRequest:
    """The central warehouse ships an approved request (transfer out); the centre's credit used rises by
    the value shipped. An automatically approved request is checked against the credit again."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    with transaction.atomic():
        request = _lock_request(request)
        _request_move(request, PartRequestStatus.SHIPPED)
        lines = list(request.lines.select_related("part"))
        central = central_warehouse()
        out = _post(
            [Move(central, line.part, -line.quantity) for line in lines],
            kind=MovementKind.TRANSFER_OUT,
            acting_user=acting_user,
            now=now,
            reference=request.number,
            part_request=request,
        )
        value = -sum((mv.value_amount for mv in out), ZERO)
        account = _account(request.center)
        if request.auto_approved:
            position = credit_position(center=request.center, extra=value, exclude=request)
            if position["over"]:
                raise CreditLimitExceeded(_credit_message(position), code="credit_limit")
        _credit(
            account,
            CreditEntryKind.SHIPPED,
            value,
            acting_user=acting_user,
            now=now,
            part_request=request,
            reference=request.number,
        )
        old = request.status
        request.status = PartRequestStatus.SHIPPED
        request.shipped_by = acting_user
        request.shipped_at = now
        request.save(update_fields=["status", "shipped_by", "shipped_at"])
        _request_event(request, old, request.status, acting_user, now)
        return request


def part_request_receive(*, request: PartRequest, acting_user, now=None) -> PartRequest:
    """The centre books the shipped parts into its warehouse (transfer in, at the value shipped)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _lock_request(request)
        if not may_act_for_center(acting_user, request.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _request_move(request, PartRequestStatus.RECEIVED)
        warehouse = _center_warehouse(request.center)
        out = list(
            request.movements.filter(kind=MovementKind.TRANSFER_OUT).select_related("part").order_by("pk")
        )
        _post(
            [Move(warehouse, mv.part, -mv.quantity, value=-mv.value_amount) for mv in out],
            kind=MovementKind.TRANSFER_IN,
            acting_user=acting_user,
            now=now,
            reference=request.number,
            part_request=request,
        )
        old = request.status
        request.status = PartRequestStatus.RECEIVED
        request.received_by = acting_user
        request.received_at = now
        request.save(update_fields=["status", "received_by", "received_at"])
        _request_event(request, old, request.status, acting_user, now)
        return request


# --------------------------------------------------------------------------------------------------------
# Deposits
# --------------------------------------------------------------------------------------------------------


def deposit_pay(
    *,
    center,
    amount,
    acting_user,
    reference: str = "",
    note: str = "",
    via_settlement: bool = False,
    now=None,
) -> DepositEntry:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    amount = _amount(amount)
    reference, note = _text(reference, "reference", 60), _text(note, "note", 200)
    with transaction.atomic():
        account = _account(center)
        account.deposit_amount += amount
        account.updated_at = now
        account.save(update_fields=["deposit_amount", "updated_at"])
        return DepositEntry.objects.create(
            account=account,
            kind=DepositEntryKind.PAYMENT,
            amount=amount,
            balance_after=account.deposit_amount,
            reference=reference,
            note=note,
            via_settlement=via_settlement,
            created_by=acting_user,
            created_at=now,
        )


def deposit_refund(
    *,
    center,
    amount,
    acting_user,
    reference: str = "",
    note: str = "",
    via_settlement: bool = False,
    now=None,
) -> DepositEntry:
    """Pays deposit back; never more than was paid, and never so much that the credit left is below the
    credit already used."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    amount = _amount(amount)
    reference, note = _text(reference, "reference", 60), _text(note, "note", 200)
    with transaction.atomic():
        account = _account(center)
        if amount > account.deposit_amount:
            raise ValidationError(
                {
                    "amount": _("The refund of %(amount)s yuan is more than the deposit of %(deposit)s yuan.")
                    % {"amount": amount, "deposit": account.deposit_amount}
                }
            )
        remaining = account.deposit_amount - amount
        limit_after = money(remaining * account.leverage_ratio)
        if limit_after < account.credit_used_amount:
            raise ValidationError(
                {
                    "amount": _(
                        "After this refund the parts credit would be %(limit)s yuan (%(deposit)s × %(ratio)s) "
                        "but %(used)s yuan of credit is in use: refund at most %(most)s yuan."
                    )
                    % {
                        "limit": limit_after,
                        "deposit": remaining,
                        "ratio": _ratio_text(account.leverage_ratio),
                        "used": account.credit_used_amount,
                        "most": max(
                            ZERO,
                            account.deposit_amount
                            - (account.credit_used_amount / account.leverage_ratio).quantize(
                                Decimal("0.01"), rounding=ROUND_CEILING
                            ),
                        ),
                    }
                }
            )
        account.deposit_amount = remaining
        account.updated_at = now
        account.save(update_fields=["deposit_amount", "updated_at"])
        return DepositEntry.objects.create(
            account=account,
            kind=DepositEntryKind.REFUND,
            amount=-amount,
            balance_after=account.deposit_amount,
            reference=reference,
            note=note,
            via_settlement=via_settlement,
            created_by=acting_user,
            created_at=now,
        )


def deposit_set_ratio(*, center, ratio, acting_user, now=None) -> DepositAccount:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    try:
        ratio = Decimal(str(ratio).strip()).quantize(Decimal("0.01"))
        if not ratio.is_finite():
            raise ArithmeticError
    except (ArithmeticError, ValueError):
        raise ValidationError({"leverage_ratio": _("Enter a number such as 3 or 2.5.")}) from None
    if ratio <= 0:
        raise ValidationError({"leverage_ratio": _("The leverage ratio must be greater than zero.")})
    if ratio > MAX_RATIO:
        raise ValidationError(
            {"leverage_ratio": _("The leverage ratio cannot be more than %(most)s.") % {"most": MAX_RATIO}}
        )
    with transaction.atomic():
        account = _account(center)
        account.leverage_ratio = ratio
        account.updated_at = now
        account.save(update_fields=["leverage_ratio", "updated_at"])
        return account


def parts_payment_record(*, center, amount, acting_user, reference: str = "", now=None) -> CreditEntry:
    """The centre paid for parts it used on paid work: the credit they held is freed."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    amount = _amount(amount)
    reference = _text(reference, "reference", 60)
    with transaction.atomic():
        account = _account(center)
        if amount > account.credit_used_amount:
            raise ValidationError(
                {
                    "amount": _(
                        "The payment of %(amount)s yuan is more than the %(used)s yuan of credit in use."
                    )
                    % {"amount": amount, "used": account.credit_used_amount}
                }
            )
        return _credit(
            account, CreditEntryKind.PAID, -amount, acting_user=acting_user, now=now, reference=reference
        )


def parts_charged_in_settlement(
    *, center, amount: Decimal, reference: str, acting_user, now=None
) -> CreditEntry | None:
    """A confirmed settlement charged the centre `amount` for parts it used on paid work: that is the
    centre paying for them, so the credit they held is freed (never more than is in use). Called inside the
    confirmation's transaction."""
    now = now or timezone.now()
    account = _account(center)
    return _credit(
        account,
        CreditEntryKind.PAID,
        -_freeable(account, money(amount)),
        acting_user=acting_user,
        now=now,
        reference=reference[:60],
    )


# --------------------------------------------------------------------------------------------------------
# Defective-part returns (旧件返还)
# --------------------------------------------------------------------------------------------------------


def _lock_tag(tag: DefectiveReturn) -> DefectiveReturn:
    # Only the tag's row: FOR UPDATE on the joined part would hold up every stock movement of that part.
    return (
        DefectiveReturn.objects.select_for_update(no_key=True, of=("self",))
        .select_related("center", "part")
        .get(pk=tag.pk)
    )


def _tag_state(tag: DefectiveReturn, *allowed: str) -> None:
    if tag.status not in allowed:
        raise ValidationError(
            _("Tag %(number)s is %(status)s.") % {"number": tag.number, "status": tag.get_status_display()},
            code="invalid_transition",
        )


_own_center = may_act_for_center


def _is_image(photo) -> bool:
    """Whether Pillow reads the upload as an image (the name and the declared type prove nothing)."""
    try:
        forms.ImageField().to_python(photo)
    except ValidationError:
        return False
    return True


def defective_return_ship(
    *, tag: DefectiveReturn, courier: str, tracking_number: str, acting_user, now=None
) -> DefectiveReturn:
    now = now or timezone.now()
    tracking_number = _text(
        tracking_number, "tracking_number", 40, required_message=_("Enter the courier's tracking number.")
    )
    courier = _text(courier, "courier", 40)
    with transaction.atomic():
        tag = _lock_tag(tag)
        if not _own_center(acting_user, tag.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _tag_state(tag, DefectiveReturnStatus.OPEN)
        tag.status = DefectiveReturnStatus.SHIPPED
        tag.courier = courier
        tag.tracking_number = tracking_number
        tag.shipped_at = now
        tag.save(update_fields=["status", "courier", "tracking_number", "shipped_at"])
        return tag


def defective_return_request_scrap(
    *, tag: DefectiveReturn, reason: str, photos: Sequence, acting_user, now=None
) -> DefectiveReturn:
    """Asks to scrap the part on site (就地报废): a reason and at least one photo; a manager decides."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["scrap_reason"] = _("Say why the part cannot be sent back.")
    elif len(reason) > 300:
        errors["scrap_reason"] = _("At most %(most)s characters (this has %(length)s).") % {
            "most": 300,
            "length": len(reason),
        }
    if not photos:
        errors["photos"] = _("Add at least one photo of the part.")
    else:
        not_images = [getattr(photo, "name", "") or "?" for photo in photos if not _is_image(photo)]
        if not_images:
            errors["photos"] = _("Not a photo (JPEG, PNG…): %(names)s.") % {"names": "、".join(not_images)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        tag = _lock_tag(tag)
        if not _own_center(acting_user, tag.center):
            raise ValidationError(_("You are not allowed to do this."), code="forbidden")
        _tag_state(tag, DefectiveReturnStatus.OPEN)
        for photo in photos:
            DefectiveReturnPhoto.objects.create(
                defective_return=tag, image=photo, uploaded_by=acting_user, uploaded_at=now
            )
        tag.status = DefectiveReturnStatus.SCRAP_REQUESTED
        tag.scrap_reason = reason
        tag.scrap_requested_at = now
        tag.save(update_fields=["status", "scrap_reason", "scrap_requested_at"])
        return tag


def defective_return_decide_scrap(
    *, tag: DefectiveReturn, approve: bool, acting_user, note: str = "", now=None
) -> DefectiveReturn:
    """A manager approves scrapping on site, or refuses it (the part must then be sent back)."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    note = _text(note, "note", 300)
    with transaction.atomic():
        tag = _lock_tag(tag)
        _tag_state(tag, DefectiveReturnStatus.SCRAP_REQUESTED)
        if approve:
            tag.status = DefectiveReturnStatus.SCRAPPED
            tag.scrap_approved_by = acting_user
            tag.scrapped_at = now
        else:
            tag.status = DefectiveReturnStatus.OPEN
            tag.inspection_note = note
        tag.save(update_fields=["status", "scrap_approved_by", "scrapped_at", "inspection_note"])
        return tag


def defective_return_receive(*, tag: DefectiveReturn, acting_user, now=None) -> DefectiveReturn:
    """The central warehouse receives the old part: one piece into the defective-parts store, worth 0."""
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    with transaction.atomic():
        tag = _lock_tag(tag)
        _tag_state(tag, DefectiveReturnStatus.OPEN, DefectiveReturnStatus.SHIPPED)
        (movement,) = _post(
            [Move(defective_warehouse(), tag.part, 1, value=ZERO, serial_number=tag.old_serial)],
            kind=MovementKind.DEFECTIVE_IN,
            acting_user=acting_user,
            now=now,
            reference=tag.number,
        )
        tag.status = DefectiveReturnStatus.RECEIVED
        tag.received_by = acting_user
        tag.received_at = now
        tag.receipt_movement = movement
        tag.save(update_fields=["status", "received_by", "received_at", "receipt_movement"])
        return tag


def defective_return_inspect(
    *, tag: DefectiveReturn, outcome: str, acting_user, note: str = "", now=None
) -> DefectiveReturn:
    now = now or timezone.now()
    _require(acting_user, Role.MANAGER)
    if outcome not in InspectionOutcome.values:
        raise ValidationError({"outcome": _("Choose what the inspection found.")})
    note = _text(note, "inspection_note", 300)
    if outcome != InspectionOutcome.FAULTY and not note:
        raise ValidationError({"inspection_note": _("Describe what was found.")})
    with transaction.atomic():
        tag = _lock_tag(tag)
        _tag_state(tag, DefectiveReturnStatus.RECEIVED)
        tag.status = DefectiveReturnStatus.INSPECTED
        tag.outcome = outcome
        tag.inspection_note = note
        tag.inspected_by = acting_user
        tag.inspected_at = now
        tag.save(update_fields=["status", "outcome", "inspection_note", "inspected_by", "inspected_at"])
        return tag
