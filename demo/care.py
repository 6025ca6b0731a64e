"""Demo customer care on top of the demo repair calls (which already carry their deadlines and the callbacks
they are owed, having been played through the services): the manager responsible for the home province,
callbacks made over the last weeks (most reached and closed, some unanswered, one redone), complaints in
every state, and an SLA scan as of now so that breaches, escalations and the bell show something.
Idempotent: nothing is added when the demo's regional manager exists already."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from care import services
from care.choices import CallbackReview, CallbackStatus, ComplaintCategory
from care.models import Callback, Complaint, RegionalManager
from demo.repairs import signature_png
from network.models import Technician
from repairs.choices import CallCustomerRequest, FaultCodeKind, Resolution, ServiceMode, WorkOrderStatus
from repairs.closing import ClosingInput, work_order_close, work_order_diagnose
from repairs.models import FaultCode, FaultSymptom, ProductUnit, WorkOrder
from repairs.services import (
    repair_call_register,
    work_order_contact_record,
    work_order_dispatch,
    work_order_transition,
)

COMPLAINTS = [
    (ComplaintCategory.LATE, "师傅比预约时间晚到一个多小时，事先也没有打电话说明。"),
    (ComplaintCategory.ATTITUDE, "师傅态度不耐烦，问了两次使用方法就不愿意解释。"),
    (ComplaintCategory.QUALITY, "修完第二天又不制冷了，要求重新上门。"),
    (ComplaintCategory.CHARGES, "保修期内却收了上门费，要求退还。"),
    (ComplaintCategory.PARTS, "等配件等了十天还没有消息。"),
    (ComplaintCategory.ATTITUDE, "师傅在家里抽烟，走的时候没有清理现场。"),
    (ComplaintCategory.LATE, "约好上午来，等了一上午没人来。"),
    (ComplaintCategory.QUALITY, "洗衣机修好后脱水仍有很大噪音。"),
    (ComplaintCategory.BROKEN_PROMISE, "师傅说第二天带配件再来，结果一直没来，也没有打电话说明。"),
    (ComplaintCategory.PRODUCT, "新买的空调不到两个月就不制冷，对产品质量很不满意。"),
]
# The three steps count complaints about the staff member's own conduct, not about the product (the maker's
# service standard for staff): one technician with three upheld complaints about the product is at no step;
# another with three upheld about their conduct is at the third.
STAFF_CASES = [
    [
        (ComplaintCategory.PRODUCT, "冰箱压缩机噪音大，修过一次还是响，认为产品本身有问题。"),
        (ComplaintCategory.PRODUCT, "洗衣机用了三个月电机就坏了，对产品质量不满意。"),
        (ComplaintCategory.PRODUCT, "空调外机漏水，客户认为是产品设计问题。"),
    ],
    [
        (ComplaintCategory.ATTITUDE, "师傅说话很冲，客户提问时不耐烦。"),
        (ComplaintCategory.BROKEN_PROMISE, "答应当天回电话告知配件到货时间，一直没有回电。"),
        (ComplaintCategory.CHARGES, "保修期内的维修收了材料费，也没有开收据。"),
    ],
]
WORDS_GOOD = ["师傅很专业，满意", "修好了，挺快的", "服务不错", "已经正常使用了", "态度很好"]
WORDS_BAD = ["还是有异响", "用了两天又坏了", "问题没解决"]


def seed_care(*, rng: random.Random, now: dt.datetime, network) -> dict:
    User = get_user_model()
    manager = User.objects.filter(username="manager").first()
    dispatcher = User.objects.filter(username="dispatcher").first()
    if manager is None or dispatcher is None or not network.centers:
        return {}
    home = network.centers[0]
    province = home.region.parent.parent if home.region.parent_id else home.region
    _row, created = RegionalManager.objects.get_or_create(region=province, user=manager)
    if not created or Complaint.objects.exists():
        return {}  # seeded before (the regional manager is the first thing this makes)

    made = {"callbacks": 0, "complaints": 0}
    # Callbacks due more than a day ago: made, as a clerk would have made them.
    overdue = list(
        Callback.objects.filter(status=CallbackStatus.PENDING, due_at__lt=now - dt.timedelta(days=1))
        .select_related("work_order")
        .order_by("due_at", "pk")
    )
    redone = False
    for callback in overdue:
        roll = rng.random()
        at = callback.due_at + dt.timedelta(minutes=rng.randint(5, 240))
        if roll < 0.06:  # left for the queue: a few overdue callbacks nobody made
            continue
        if roll < 0.16:
            services.callback_record_attempt(
                callback=callback, outcome="no_answer", acting_user=dispatcher, now=at
            )
            if rng.random() < 0.5:
                for k in range(2):
                    services.callback_record_attempt(
                        callback=callback,
                        outcome="no_answer",
                        acting_user=dispatcher,
                        now=at + dt.timedelta(hours=2 * (k + 1)),
                    )
            made["callbacks"] += 1
            continue
        unhappy = roll > 0.93
        score = rng.choice([1, 2]) if unhappy else rng.choice([3, 4, 4, 5, 5, 5])
        services.callback_record_attempt(
            callback=callback,
            outcome="reached",
            satisfaction=score,
            solved=not unhappy,
            words=rng.choice(WORDS_BAD if unhappy else WORDS_GOOD),
            acting_user=dispatcher,
            now=at,
        )
        order = callback.work_order
        review_at = at + dt.timedelta(minutes=10)
        if unhappy and not redone and order is not None and not order.redos.exists():
            services.callback_review(
                callback=callback,
                review=CallbackReview.REDO,
                note="客户反映问题未解决，请重新上门检修",
                acting_user=dispatcher,
                now=review_at,
            )
            redone = True
        elif not unhappy and order is not None and order.status != WorkOrderStatus.CANCELLED:
            # A carry-in not handed back yet cannot be closed: its callback waits for review.
            with contextlib.suppress(ValidationError):
                services.callback_review(
                    callback=callback, review=CallbackReview.CLOSE, acting_user=dispatcher, now=review_at
                )
        made["callbacks"] += 1

    # Complaints on repaired orders of the last weeks, across the centres; the oldest resolved.
    orders = list(_complaint_candidates(now).order_by("-completed_at")[: len(COMPLAINTS) * 4])
    rng.shuffle(orders)
    by_technician: dict[int, list] = {}
    for order in orders:
        by_technician.setdefault(order.technician_id, []).append(order)
    if len(by_technician) > len(STAFF_CASES):
        # The busiest technicians get the staff cases; the others the complaints of every kind and state.
        staff = sorted(by_technician, key=lambda pk: (-len(by_technician[pk]), pk))[: len(STAFF_CASES)]
        for technician_id, cases in zip(staff, STAFF_CASES, strict=True):
            made["complaints"] += _upheld_complaints(
                by_technician[technician_id], cases, now=now, dispatcher=dispatcher, manager=manager
            )
        orders = [o for o in orders if o.technician_id not in staff]
    for i, (category, text) in enumerate(COMPLAINTS):
        if i >= len(orders):
            break
        order = orders[i]
        received = min(
            order.completed_at + dt.timedelta(hours=rng.randint(20, 60)), now - dt.timedelta(hours=3 + i * 30)
        )

        def past(instant):
            return min(instant, now - dt.timedelta(minutes=30))

        complaint = services.complaint_register(
            data=services.ComplaintInput(
                call=order.call,
                work_order=order,
                technician=order.technician,
                category=category,
                description=text,
            ),
            acting_user=dispatcher,
            now=received,
        )
        made["complaints"] += 1
        if i in (0,):  # the newest: still open, its reply due within the day
            continue
        if i == 1:  # replied late, not resolved yet
            services.complaint_reply(
                complaint=complaint,
                reply="已致电客户道歉，网点主任将上门回访",
                acting_user=dispatcher,
                now=past(received + dt.timedelta(hours=30)),
            )
            continue
        services.complaint_reply(
            complaint=complaint,
            reply="已联系客户了解情况",
            acting_user=dispatcher,
            now=past(received + dt.timedelta(hours=rng.randint(1, 20))),
        )
        services.complaint_resolve(
            complaint=complaint,
            resolution="经核实属实，已对当事人批评教育并向客户致歉"
            if i % 3
            else "经核实与事实不符，已向客户说明",
            upheld=bool(i % 3),
            acting_user=manager,
            now=past(received + dt.timedelta(days=rng.randint(2, 6))),
        )
    made["parts_wait_exchange"] = _parts_wait_on_site(now=now, dispatcher=dispatcher)
    made.update(services.sla_scan(now=now))
    return made


def _upheld_complaints(orders, cases, *, now, dispatcher, manager) -> int:
    """Complaints about one technician's repairs, each replied to and upheld."""
    for k, (category, text) in enumerate(cases):
        order = orders[k % len(orders)]
        received = order.completed_at + dt.timedelta(hours=2 + k)
        complaint = services.complaint_register(
            data=services.ComplaintInput(
                call=order.call,
                work_order=order,
                technician=order.technician,
                category=category,
                description=text,
            ),
            acting_user=dispatcher,
            now=received,
        )
        services.complaint_reply(
            complaint=complaint,
            reply="已联系客户了解情况",
            acting_user=dispatcher,
            now=received + dt.timedelta(hours=1),
        )
        services.complaint_resolve(
            complaint=complaint,
            resolution="经核实属实，已向客户致歉并处理",
            upheld=True,
            acting_user=manager,
            now=min(received + dt.timedelta(days=2), now - dt.timedelta(minutes=30)),
        )
    return len(cases)


def _complaint_candidates(now):

    return WorkOrder.objects.filter(
        Q(status__in=[WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED]),
        technician__isnull=False,
        completed_at__gte=now - dt.timedelta(days=45),
        completed_at__lte=now - dt.timedelta(days=2),
    ).select_related("call", "technician")


def _parts_wait_on_site(*, now: dt.datetime, dispatcher) -> int:
    """三包: an air conditioner repaired at the customer's home after waiting 35 days for the maker's
    compressor — counted from the visit that found the fault, as a carry-in from its date in — and the
    customer's call of yesterday, whose decision offers the exchange (the maker's 30-day parts limit) and
    extends the period by the 35 days. The call is left for the dispatcher to act on."""

    visit = timezone.localtime(now - dt.timedelta(days=40)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    units = ProductUnit.objects.filter(
        owner__number__startswith="KH",
        model__category__code="air_conditioner",
        invoice_date__gte=visit.date() - dt.timedelta(days=300),
        invoice_date__lte=visit.date() - dt.timedelta(days=30),
        repair_calls__isnull=True,
    ).select_related("owner", "model__category")
    for unit in units.order_by("pk")[:200]:
        address = unit.owner.addresses.select_related("region").order_by("-is_primary", "pk").first()
        phone = unit.owner.phones.order_by("-is_primary", "pk").first()
        if address is None or phone is None:
            continue
        category = unit.model.category
        technician = (
            Technician.objects.filter(
                active=True,
                user__isnull=False,
                categories=category,
                center__coverage=address.region,
                center__categories=category,
            )
            .select_related("center", "user")
            .order_by("pk")
            .first()
        )
        if technician is not None:
            break
    else:
        return 0
    symptom = FaultSymptom.objects.filter(category=category, code="no_cooling").first()
    fault = FaultCode.objects.filter(category=category, kind=FaultCodeKind.FAULT).order_by("pk").first()
    cause = FaultCode.objects.filter(category=category, kind=FaultCodeKind.CAUSE).order_by("pk").first()
    tech = technician.user

    def register(at, request, text):
        return repair_call_register(
            customer=unit.owner,
            unit=unit,
            caller_name=unit.owner.name,
            caller_phone=phone.number,
            service_region=address.region,
            service_address=address.detail,
            symptom=symptom,
            symptom_text=text,
            customer_request=request,
            acting_user=dispatcher,
            now=at,
        )

    logged = visit - dt.timedelta(hours=19)
    order = register(logged, CallCustomerRequest.REPAIR, "空调开机后不制冷，外机不转").work_orders.get()
    order = work_order_dispatch(
        work_order=order,
        center=technician.center,
        technician=technician,
        appointment_start=visit,
        appointment_end=visit + dt.timedelta(hours=2),
        mode=ServiceMode.ON_SITE,
        acting_user=dispatcher,
        now=logged + dt.timedelta(minutes=20),
        notify_customer=False,
    )
    for to_status, at, note in (
        ("accepted", logged + dt.timedelta(minutes=40), ""),
        ("en_route", visit - dt.timedelta(minutes=40), ""),
        ("on_site", visit - dt.timedelta(minutes=5), ""),
        ("in_repair", visit + dt.timedelta(minutes=20), ""),
        ("waiting_for_parts", visit + dt.timedelta(minutes=30), "等待配件：压缩机（厂家缺货）"),
    ):
        if to_status == "en_route":
            work_order_contact_record(
                work_order=order, acting_user=tech, now=logged + dt.timedelta(minutes=50)
            )
        if to_status == "in_repair":
            order = work_order_diagnose(
                work_order=order,
                fault_code=fault,
                cause=cause,
                note="压缩机不启动，需更换压缩机",
                acting_user=tech,
                now=visit + dt.timedelta(minutes=15),
            )
        order = work_order_transition(
            work_order=order, to_status=to_status, acting_user=tech, note=note, now=at
        )
    parts_came = visit + dt.timedelta(days=35)
    order = work_order_transition(
        work_order=order, to_status="in_repair", acting_user=tech, note="压缩机到货", now=parts_came
    )
    work_order_close(
        work_order=order,
        data=ClosingInput(
            client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/parts-wait/{order.number}")),
            fault_code=fault,
            cause=cause,
            resolution=Resolution.PART_REPLACED,
            labour_minutes=150,
            signature_png=signature_png(),
            travel_km=12,
        ),
        acting_user=tech,
        now=parts_came + dt.timedelta(hours=3),
    )
    register(
        timezone.localtime(now - dt.timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0),
        CallCustomerRequest.EXCHANGE,
        "上次等压缩机等了一个多月才修好，客户要求按三包换机",
    )
    return 1
