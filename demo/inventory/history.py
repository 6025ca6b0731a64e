"""Three months of stock, played in time order: receipts, requests and their fates, replenishment,
and what the demo leaves (`demo_summary`)."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from aftersales.money import money
from inventory import services
from inventory.choices import DefectiveReturnStatus, PartRequestStatus
from inventory.models import (
    DefectiveReturn,
    Part,
    PartRequest,
    StockLevel,
    StockMovement,
)
from repairs.models import ProductCategory

from .setup import (
    AC,
    COURIERS,
    DEFAULT_DEPOSIT,
    DEPOSITS,
    HISTORY_DAYS,
    PH,
    REJECT_REASONS,
    RF,
    SCRAP_REASONS,
    WM,
    _jpeg,
    _local,
)
from .work_orders import _WorkOrderParts


class _History(_WorkOrderParts):
    """The steps of three months, run in time order (a heap); a step may schedule later ones."""

    def __init__(self, *, rng, now, network, warehouses, parts):
        self.rng, self.now = rng, now
        self.today = timezone.localdate(now)
        self.start = self.today - dt.timedelta(days=HISTORY_DAYS)
        self.central, self.defective = warehouses["central"], warehouses["defective"]
        self.warehouses = warehouses["centers"]  # centre pk → warehouse
        self.centers = [c for c in network.centers if c.pk in self.warehouses]
        self.parts = parts
        self.part_by_code = {p.code: p for p in parts}
        User = get_user_model()
        self.manager = User.objects.get(username="manager")
        self.supervisors = {c.pk: network.supervisors.get(c.pk, self.manager) for c in self.centers}
        self.queue: list = []
        self.counter = itertools.count()
        self.issued_since = defaultdict(Counter)  # centre pk → parts issued since its last request
        self.paid_consumed = defaultdict(Decimal)  # centre pk → value issued on paid work this month
        self.fits = defaultdict(set)  # part pk → compatible model pks (empty: the whole category)
        for part_id, model_id in Part.compatible_models.through.objects.filter(part__in=parts).values_list(
            "part_id", "productmodel_id"
        ):
            self.fits[part_id].add(model_id)
        self.written_off = Counter()  # part pk → faulty old parts written off in the defective store
        self.old_tags = 0  # tags past their due date, to leave one in five overdue
        self.new_tags = 0

    # The queue ---------------------------------------------------------------------------------------

    def at(self, when: dt.datetime, step: Callable[[dt.datetime], None]) -> None:
        """Schedules `step(when)`; a step after `now` has not happened yet and is dropped."""
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.counter), step))

    def play(self) -> None:
        self.plan()
        while self.queue:
            when, _n, step = heapq.heappop(self.queue)
            step(when)
        self.tags_in_transit()

    def tags_in_transit(self) -> None:
        """Whatever the hour the demo is seeded, a tag is on its way to the defective store, one has arrived
        there and one awaits the manager's scrapping decision (the random fates above may leave some state
        empty when few tags are new)."""
        wanted = [
            DefectiveReturnStatus.SHIPPED,
            DefectiveReturnStatus.RECEIVED,
            DefectiveReturnStatus.SCRAP_REQUESTED,
        ]
        present = set(DefectiveReturn.objects.filter(status__in=wanted).values_list("status", flat=True))
        missing = [s for s in wanted if s not in present]
        open_tags = DefectiveReturn.objects.filter(
            status=DefectiveReturnStatus.OPEN, created_at__lt=self.now
        ).order_by("-due_on", "pk")[: len(missing)]  # the newest first: the overdue ones stay overdue
        for status, tag in zip(missing, open_tags, strict=False):
            supervisor = self.supervisors.get(tag.center_id, self.manager)
            third = (self.now - tag.created_at) / 3
            if status == DefectiveReturnStatus.SCRAP_REQUESTED:
                services.defective_return_request_scrap(
                    tag=tag,
                    reason=self.rng.choice(SCRAP_REASONS),
                    photos=[_jpeg(self.rng)],
                    acting_user=supervisor,
                    now=tag.created_at + third,
                )
                continue
            services.defective_return_ship(
                tag=tag,
                courier=self.rng.choice(COURIERS),
                tracking_number=f"SF{self.rng.randint(10**11, 10**12 - 1)}",
                acting_user=supervisor,
                now=tag.created_at + third,
            )
            if status == DefectiveReturnStatus.RECEIVED:
                services.defective_return_receive(
                    tag=tag, acting_user=self.manager, now=tag.created_at + 2 * third
                )

    def plan(self) -> None:
        start = self.start
        self.at(_local(start, 9, 30), self.first_receipts)
        self.at(_local(start + dt.timedelta(days=45), 10, 0), self.second_receipts)
        first_stock = {c.pk: self.first_stock_lines(c) for c in self.centers}
        for i, center in enumerate(self.centers):
            amount = sum((p.unit_cost_amount * q for p, q in first_stock[center.pk]), Decimal(0))
            # Credit (deposit × 3) of at least twice the first stocking, in whole thousands.
            needed = (amount * 2 / 3 / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000
            deposit = max(DEPOSITS.get(center.level, DEFAULT_DEPOSIT), needed)
            self.at(
                _local(start + dt.timedelta(days=1), 10, 5 * i),
                lambda at, c=center, d=deposit: services.deposit_pay(
                    center=c,
                    amount=d,
                    acting_user=self.manager,
                    reference=f"YJ-{c.code}",
                    note="合作押金",
                    now=at,
                ),
            )
            self.request(
                center,
                first_stock[center.pk],
                _local(start + dt.timedelta(days=2 + i % 3), 9, 10 * i % 60),
                fate=PartRequestStatus.RECEIVED,
                note="新网点首批备件",
            )
        # Fortnightly replenishment of what each centre used; the last round ends in every state.
        fates = [
            PartRequestStatus.SHIPPED,
            PartRequestStatus.APPROVED,
            PartRequestStatus.PENDING,
            PartRequestStatus.REJECTED,
            PartRequestStatus.RECEIVED,
            PartRequestStatus.CANCELLED,
        ]
        for day in range(16, HISTORY_DAYS - 8, 14):
            for i, center in enumerate(self.centers):
                self.at(
                    _local(start + dt.timedelta(days=day + i % 4), 9, 30),
                    lambda at, c=center: self.replenish(c, at, PartRequestStatus.RECEIVED),
                )
        for i, center in enumerate(self.centers):
            fate = fates[i % len(fates)]
            days_ago = {PartRequestStatus.PENDING: 1, PartRequestStatus.APPROVED: 1}.get(fate, 7)
            self.at(
                _local(self.today - dt.timedelta(days=days_ago + i % 2), 9, 10 + i),
                lambda at, c=center, f=fate: self.replenish(c, at, f),
            )
        self.plan_work_orders()
        # Month-end counts and the parts payments of the month before, on the 5th.
        month = start.replace(day=1)
        while month <= self.today:
            next_month = (month + dt.timedelta(days=32)).replace(day=1)
            self.at(_local(next_month - dt.timedelta(days=1), 17, 0), self.month_end_count)
            self.at(_local(next_month + dt.timedelta(days=4), 10, 0), self.parts_payments)
            month = next_month

    # Stock from the supplier ------------------------------------------------------------------------

    def first_receipts(self, at):
        groups = [(AC, "格力/美的/海尔空调配件"), (RF, "冰箱配件"), (WM, "洗衣机配件"), (PH, "手机配件")]
        for n, (category, _supplier) in enumerate(groups, start=1):
            lines = [
                (p, self.opening_quantity(p), p.unit_cost_amount)
                for p in self.parts
                if p.category.code == category
            ]
            services.stock_receive(
                warehouse=self.central,
                lines=lines,
                reference=f"CG{self.start:%Y%m%d}-{n:03d}",
                acting_user=self.manager,
                now=at + dt.timedelta(minutes=20 * (n - 1)),
                idempotency_key=f"demo:receipt:{n}",
            )

    @staticmethod
    def opening_quantity(part: Part) -> int:
        cost = part.unit_cost_amount
        return 12 if cost >= 1000 else 24 if cost >= 300 else 60 if cost >= 100 else 150

    def second_receipts(self, at):
        """Mid-period purchase of what ran low, 3 % dearer (the moving average shows it)."""
        levels = dict(StockLevel.objects.filter(warehouse=self.central).values_list("part_id", "quantity"))
        lines = []
        for part in self.parts:
            target = self.opening_quantity(part)
            if levels.get(part.pk, 0) < target * 0.7:
                lines.append(
                    (part, target - levels.get(part.pk, 0), money(part.unit_cost_amount * Decimal("1.03")))
                )
        if lines:
            services.stock_receive(
                warehouse=self.central,
                lines=lines,
                reference=f"CG{timezone.localdate(at):%Y%m%d}-001",
                acting_user=self.manager,
                now=at,
            )

    def top_up_central(self, part: Part, quantity: int, at):
        level = StockLevel.objects.filter(warehouse=self.central, part=part).first()
        if level is None or level.quantity < quantity:
            services.stock_receive(
                warehouse=self.central,
                lines=[(part, max(quantity, self.opening_quantity(part) // 2), part.unit_cost_amount)],
                reference=f"CG{timezone.localdate(at):%Y%m%d}-JJ",
                acting_user=self.manager,
                now=at,
            )

    # Part requests ----------------------------------------------------------------------------------

    def first_stock_lines(self, center) -> list[tuple[Part, int]]:
        """A centre's first stocking: the parts of the categories its technicians are certified for."""
        categories = set(
            ProductCategory.objects.filter(technicians__center=center).values_list("code", flat=True)
        ) or {AC, RF, WM, PH}
        lines = []
        for part in self.parts:
            if part.category.code not in categories:
                continue
            cost = part.unit_cost_amount
            quantity = 1 if cost >= 1000 else 2 if cost >= 300 else 3 if cost >= 100 else 5
            lines.append((part, quantity))
        return lines

    def request(self, center, lines, at, *, fate, work_order=None, note="", ship_by=None, receive_at=None):
        """Submits a request at `at` and plays it on to `fate`: a manager decides the ones over the limits
        (approves, or rejects with a reason), the central warehouse ships the next morning and the centre
        books them in two days later (or at `receive_at`)."""
        supervisor = self.supervisors[center.pk]
        state = {}

        def submit(t):
            state["request"] = services.part_request_submit(
                center=center, lines=lines, acting_user=supervisor, work_order=work_order, note=note, now=t
            )
            if state["request"].status == PartRequestStatus.PENDING:
                if fate == PartRequestStatus.PENDING:
                    return
                decide = t + dt.timedelta(hours=self.rng.randint(1, 4))
                self.at(decide, reject if fate == PartRequestStatus.REJECTED else approve)
            elif fate == PartRequestStatus.REJECTED:
                self.at(t + dt.timedelta(hours=2), reject)
            else:
                after_approval(t)

        def approve(t):
            state["request"] = services.part_request_approve(
                request=state["request"], acting_user=self.manager, note="同意，按需发货", now=t
            )
            after_approval(t)

        def reject(t):
            services.part_request_reject(
                request=state["request"],
                reason=self.rng.choice(REJECT_REASONS),
                acting_user=self.manager,
                now=t,
            )

        def after_approval(t):
            if fate in (PartRequestStatus.APPROVED, PartRequestStatus.PENDING):
                return
            if fate == PartRequestStatus.CANCELLED:
                self.at(t + dt.timedelta(hours=3), cancel)
                return
            ship_at = ship_by or _local(
                timezone.localdate(t) + dt.timedelta(days=1), 10, self.rng.randint(0, 50)
            )
            self.at(max(ship_at, t + dt.timedelta(minutes=30)), ship)

        def cancel(t):
            services.part_request_cancel(request=state["request"], acting_user=supervisor, now=t)

        def ship(t):
            for part, quantity in lines:  # what ran out is bought in first
                self.top_up_central(part, quantity, t - dt.timedelta(hours=1))
            state["request"] = services.part_request_ship(
                request=state["request"], acting_user=self.manager, now=t
            )
            if fate == PartRequestStatus.SHIPPED:
                return
            arrive = receive_at or _local(
                timezone.localdate(t) + dt.timedelta(days=2), 15, self.rng.randint(0, 50)
            )
            self.at(max(arrive, t + dt.timedelta(hours=1)), receive)

        def receive(t):
            services.part_request_receive(request=state["request"], acting_user=supervisor, now=t)

        self.at(at, submit)
        return state

    def replenish(self, center, at, fate):
        used = self.issued_since.pop(center.pk, Counter())
        lines = [(part, quantity) for part, quantity in sorted(used.items(), key=lambda pq: pq[0].code)]
        if fate in (PartRequestStatus.PENDING, PartRequestStatus.REJECTED):
            # Stocking up beyond the limits: a manager decides.
            cheap = [p for p in self.parts if p.unit_cost_amount < 100 and p.category.code != PH]
            lines += [(part, 8) for part in self.rng.sample(cheap, 3) if part not in used]
        if not lines:
            if fate == PartRequestStatus.RECEIVED:
                return
            lines = [(self.rng.choice([p for p in self.parts if p.unit_cost_amount < 60]), 5)]
        note = "月度补货" if fate == PartRequestStatus.RECEIVED else "补充常用备件"
        self.request(center, lines, at, fate=fate, note=note)


def demo_summary() -> dict:
    """What the demo left, for the tests and the seed's output."""
    return {
        "requests": Counter(PartRequest.objects.values_list("status", flat=True)),
        "tags": Counter(DefectiveReturn.objects.values_list("status", flat=True)),
        "overdue": DefectiveReturn.objects.overdue(timezone.localdate()).count(),
        "movements": StockMovement.objects.count(),
        "unbalanced": StockLevel.objects.filter(Q(quantity__lt=0) | Q(value_amount__lt=0)).count(),
    }
