"""The parts of the demo's work orders: issued, given back, the wrong part, defective tags, month-end
counts and parts payments."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections import Counter, defaultdict
from decimal import Decimal

from django.utils import timezone

from aftersales.money import money
from inventory import services
from inventory.choices import DefectiveReturnStatus, InspectionOutcome, PartRequestStatus
from inventory.models import (
    DefectiveReturn,
    DepositAccount,
    Part,
    StockLevel,
)
from repairs.choices import PARTS_ISSUABLE, QuoteLineKind, ServiceType, WorkOrderStatus
from repairs.models import QuoteLine, WorkOrder, WorkOrderEvent

from .setup import COURIERS, INSPECTION_NOTES, SCRAP_REASONS, WRONG_PART_REASON, _jpeg, _local


class _WorkOrderParts:
    """The parts of the work orders in the history: issued, given back, the wrong part, defective tags,
    and the month-end counts and parts payments (a mixin of _History)."""

    # Work orders ------------------------------------------------------------------------------------

    def plan_work_orders(self):
        orders = list(
            WorkOrder.objects.filter(center_id__in=self.warehouses, repair_started_at__isnull=False)
            .select_related("call__unit__model", "technician__user", "center")
            .order_by("repair_started_at", "pk")
        )
        events = defaultdict(list)
        for event in WorkOrderEvent.objects.filter(work_order__in=orders).order_by("at", "pk"):
            events[event.work_order_id].append(event)
        quoted = defaultdict(list)
        for work_order_id, description in QuoteLine.objects.filter(
            quote__work_order__in=orders, kind=QuoteLineKind.PART
        ).values_list("quote__work_order_id", "description"):
            quoted[work_order_id].append(description)
        waiting_fates = itertools.cycle([PartRequestStatus.SHIPPED, PartRequestStatus.APPROVED])
        wrong_parts = 0
        for order in orders:
            center = order.center
            texts = quoted[order.pk] + [
                e.note.split("：", 1)[1]
                for e in events[order.pk]
                if e.note.startswith(("等待配件：", "配件已到："))
            ]
            carry_in = getattr(order, "carry_in", None)
            if carry_in is not None and carry_in.repair_parts:
                texts.append(carry_in.repair_parts)
            part = self.part_for(order, texts)
            if part is None:
                continue
            waited = next(
                (e for e in events[order.pk] if e.to_status == WorkOrderStatus.WAITING_FOR_PARTS), None
            )
            if waited is not None:
                arrived = next(
                    (
                        e
                        for e in events[order.pk]
                        if e.at > waited.at and e.to_status == WorkOrderStatus.IN_REPAIR
                    ),
                    None,
                )
                submit = waited.at + dt.timedelta(minutes=self.rng.randint(10, 40))
                if arrived is None:
                    fate = next(waiting_fates)
                    self.request(
                        center,
                        [(part, 1)],
                        submit,
                        fate=fate,
                        work_order=order,
                        note=f"工单{order.number}缺件",
                    )
                    continue
                ship_by = min(
                    _local(timezone.localdate(submit) + dt.timedelta(days=1), 10, 0),
                    arrived.at - dt.timedelta(hours=5),
                )
                self.request(
                    center,
                    [(part, 1)],
                    submit,
                    fate=PartRequestStatus.RECEIVED,
                    work_order=order,
                    note=f"工单{order.number}缺件",
                    ship_by=max(ship_by, submit + dt.timedelta(minutes=30)),
                    receive_at=arrived.at - dt.timedelta(minutes=30),
                )
                issue_at = arrived.at + dt.timedelta(minutes=self.rng.randint(5, 30))
            elif order.completed_at is not None:
                issue_at = order.completed_at - dt.timedelta(minutes=self.rng.randint(5, 25))
                issue_at = max(issue_at, order.repair_started_at + dt.timedelta(minutes=1))
            elif order.status == WorkOrderStatus.IN_REPAIR and self.rng.random() < 0.5:
                issue_at = order.repair_started_at + dt.timedelta(minutes=self.rng.randint(10, 40))
            else:
                continue
            if order.completed_at is not None:
                issue_at = min(issue_at, order.completed_at - dt.timedelta(seconds=30))
            early = issue_at - dt.timedelta(minutes=5) >= order.repair_started_at
            if wrong_parts < 3 and order.completed_at is not None and waited is None and early:
                wrong = self.wrong_part(order, part)
                if wrong is not None:
                    wrong_parts += 1
                    self.at(
                        issue_at - dt.timedelta(minutes=4),
                        lambda at, o=order, p=wrong: self.issue(o, p, at, tags=False),
                    )
                    self.at(
                        issue_at - dt.timedelta(minutes=2),
                        lambda at, o=order, p=wrong: self.give_back(o, p, at),
                    )
            self.at(issue_at, lambda at, o=order, p=part: self.issue(o, p, at))

    def compatible(self, order, part) -> bool:
        model = order.call.unit.model
        if part.category_id != model.category_id:
            return False
        return not self.fits[part.pk] or model.pk in self.fits[part.pk]

    def part_for(self, order, texts) -> Part | None:
        candidates = [p for p in self.parts if self.compatible(order, p)]
        if not candidates:
            return None
        for text in texts:
            named = [p for p in candidates if text and (text in p.name or p.name in text)]
            if named:
                return self.rng.choice(named)
        if self.rng.random() < 0.25:
            return None  # fixed without a part (cleaning, adjustment, a loose connector)
        # Returnable parts are the expensive minority, but the ones a repair most often hinges on.
        weights = [3 if p.return_required else 2 if p.unit_cost_amount < 100 else 1 for p in candidates]
        return self.rng.choices(candidates, weights=weights)[0]

    def wrong_part(self, order, part) -> Part | None:
        others = [p for p in self.parts if p != part and p.return_required and self.compatible(order, p)]
        return self.rng.choice(others) if others else None

    def worker(self, order):
        return order.technician.user if order.technician_id else self.supervisors[order.center_id]

    @contextlib.contextmanager
    def in_repair(self, order):
        """The part moved while the order was being repaired; an order closed since then is replayed at the
        status it had then, in repair (the ledger's services check today's status), and put back."""
        status = WorkOrder.objects.filter(pk=order.pk).values_list("status", flat=True).get()
        replay = status not in PARTS_ISSUABLE
        if replay:
            WorkOrder.objects.filter(pk=order.pk).update(status=WorkOrderStatus.IN_REPAIR)
        try:
            yield
        finally:
            if replay:
                WorkOrder.objects.filter(pk=order.pk).update(status=status)

    def give_back(self, order, part, at):
        """The wrong part comes back unused, minutes after it was issued."""
        with self.in_repair(order):
            services.part_return(
                work_order=order, part=part, reason=WRONG_PART_REASON, acting_user=self.worker(order), now=at
            )

    def issue(self, order, part, at, *, tags: bool = True):
        """Issues one piece at `at`; `tags`: play its defective-return tag on (False: the part comes back
        unused and its tag is cancelled)."""
        warehouse = self.warehouses[order.center_id]
        level = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
        if level is None or level.quantity < 1:
            # Not in the centre's store: an urgent transfer from the central warehouse the day before.
            before = at - dt.timedelta(hours=20)
            self.top_up_central(part, 2, before - dt.timedelta(hours=1))
            services.stock_transfer(
                source=self.central,
                destination=warehouse,
                lines=[(part, 2)],
                acting_user=self.manager,
                reference=f"DB{timezone.localdate(before):%Y%m%d}-{order.center.code}",
                now=before,
            )
        serial = f"{part.code}-{self.rng.randint(10**7, 10**8 - 1)}" if part.serialized else ""
        old_serial = f"{part.code}-{self.rng.randint(10**7, 10**8 - 1)}" if part.return_required else ""
        with self.in_repair(order):
            movement = services.part_issue(
                work_order=order,
                part=part,
                quantity=1,
                acting_user=self.worker(order),
                serial_number=serial,
                old_serial=old_serial,
                now=at,
            )
        self.issued_since[order.center_id][part] += 1
        if order.call.service_type != ServiceType.FREE:
            self.paid_consumed[order.center_id] += -movement.value_amount
        if tags:
            for tag in DefectiveReturn.objects.filter(issue_movement=movement):
                self.plan_tag(tag, order)

    # Defective-part tags ----------------------------------------------------------------------------

    def plan_tag(self, tag, order):
        rng = self.rng
        supervisor = self.supervisors[order.center_id]
        created = tag.created_at
        ship_at = created + dt.timedelta(days=rng.randint(2, 9), hours=rng.randint(0, 6))
        if tag.due_on < self.today:
            self.old_tags += 1
            fate = (
                "overdue"
                if self.old_tags % 5 == 1
                else rng.choices(["inspected", "received", "scrapped", "shipped"], weights=(60, 15, 12, 8))[0]
            )
        else:
            self.new_tags += 1
            fate = (
                "scrap_requested"
                if self.new_tags % 6 == 2
                else rng.choices(["open", "shipped", "received"], weights=(50, 35, 15))[0]
            )
        if fate in ("overdue", "open"):
            return

        def ship(t):
            services.defective_return_ship(
                tag=tag,
                courier=rng.choice(COURIERS),
                tracking_number=f"SF{rng.randint(10**11, 10**12 - 1)}",
                acting_user=supervisor,
                now=t,
            )
            if fate != "shipped":
                self.at(t + dt.timedelta(days=rng.randint(2, 5), hours=rng.randint(1, 5)), receive)

        def receive(t):
            services.defective_return_receive(tag=tag, acting_user=self.manager, now=t)
            if fate == "inspected":
                self.at(t + dt.timedelta(days=rng.randint(1, 3)), inspect)

        def inspect(t):
            outcome = rng.choices(list(InspectionOutcome), weights=(85, 10, 5))[0]
            services.defective_return_inspect(
                tag=tag,
                outcome=outcome,
                note=INSPECTION_NOTES.get(outcome, ""),
                acting_user=self.manager,
                now=t,
            )

        def request_scrap(t):
            services.defective_return_request_scrap(
                tag=tag, reason=rng.choice(SCRAP_REASONS), photos=[_jpeg(rng)], acting_user=supervisor, now=t
            )
            if fate == "scrapped":
                self.at(t + dt.timedelta(hours=rng.randint(3, 30)), approve_scrap)

        def approve_scrap(t):
            services.defective_return_decide_scrap(
                tag=tag, approve=True, acting_user=self.manager, note="同意就地报废", now=t
            )

        if fate in ("scrapped", "scrap_requested"):
            self.at(created + dt.timedelta(days=rng.randint(1, 3)), request_scrap)
        else:
            self.at(ship_at, ship)

    # Month ends -------------------------------------------------------------------------------------

    def month_end_count(self, at):
        """The central warehouse's count finds a piece missing or one too many; the defective store writes
        off the old parts inspected as faulty."""
        rng = self.rng
        levels = list(
            StockLevel.objects.filter(warehouse=self.central, quantity__gt=5)
            .select_related("part")
            .order_by("pk")
        )
        if levels:
            level = rng.choice(levels)
            if rng.random() < 0.6:
                quantity, reason = -1, "月末盘点：短少1件，已报损"
            else:
                quantity, reason = 1, "月末盘点：多出1件，系入库漏记"
            services.stock_adjust(
                warehouse=self.central,
                part=level.part,
                quantity=quantity,
                reason=reason,
                acting_user=self.manager,
                now=at,
            )
        center = rng.choice(self.centers)
        found = (
            StockLevel.objects.filter(warehouse=self.warehouses[center.pk], quantity__gt=0)
            .select_related("part")
            .order_by("pk")
            .first()
        )
        if found is not None:
            services.stock_adjust(
                warehouse=self.warehouses[center.pk],
                part=found.part,
                quantity=1,
                reason="网点盘点：多出1件，上次维修未领用",
                acting_user=self.manager,
                now=at + dt.timedelta(minutes=30),
            )
        faulty = Counter(
            DefectiveReturn.objects.filter(
                status=DefectiveReturnStatus.INSPECTED, outcome=InspectionOutcome.FAULTY, inspected_at__lt=at
            ).values_list("part_id", flat=True)
        )
        faulty.subtract(self.written_off)
        for level in StockLevel.objects.filter(
            warehouse=self.defective, part_id__in=[p for p, n in faulty.items() if n > 0], quantity__gt=0
        ).select_related("part"):
            quantity = min(level.quantity, faulty[level.part_id])
            self.written_off[level.part_id] += quantity
            services.stock_adjust(
                warehouse=self.defective,
                part=level.part,
                quantity=-quantity,
                reason="检验确认故障的旧件，集中报废",
                acting_user=self.manager,
                now=at + dt.timedelta(hours=1),
            )

    def parts_payments(self, at):
        """Each centre pays for the parts it used on paid and contract work (they are not the maker's)."""
        for center in self.centers:
            owed = money(self.paid_consumed.pop(center.pk, Decimal(0)))
            used = (
                DepositAccount.objects.filter(center=center)
                .values_list("credit_used_amount", flat=True)
                .first()
            )
            amount = min(owed, used or Decimal(0))
            if amount > 0:
                services.parts_payment_record(
                    center=center,
                    amount=amount,
                    acting_user=self.manager,
                    reference=f"FK{timezone.localdate(at):%Y%m}-{center.code}",
                    now=at,
                )
