"""Demo customer care on top of the demo repair calls (which already carry their deadlines and the callbacks
they are owed, having been played through the services): the manager responsible for the home province,
callbacks made over the last weeks (most reached and closed, some unanswered, one redone), complaints in
every state, and an SLA scan as of now so that breaches, escalations and the bell show something.
Idempotent: nothing is added when the demo's regional manager exists already."""

from __future__ import annotations

import contextlib
import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from repairs.choices import WorkOrderStatus

from . import services
from .choices import CallbackReview, CallbackStatus, ComplaintCategory
from .models import Callback, Complaint, RegionalManager

COMPLAINTS = [
    (ComplaintCategory.LATE, "师傅比预约时间晚到一个多小时，事先也没有打电话说明。"),
    (ComplaintCategory.ATTITUDE, "师傅态度不耐烦，问了两次使用方法就不愿意解释。"),
    (ComplaintCategory.QUALITY, "修完第二天又不制冷了，要求重新上门。"),
    (ComplaintCategory.CHARGES, "保修期内却收了上门费，要求退还。"),
    (ComplaintCategory.PARTS, "等配件等了十天还没有消息。"),
    (ComplaintCategory.ATTITUDE, "师傅在家里抽烟，走的时候没有清理现场。"),
    (ComplaintCategory.LATE, "约好上午来，等了一上午没人来。"),
    (ComplaintCategory.QUALITY, "洗衣机修好后脱水仍有很大噪音。"),
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
    made.update(services.sla_scan(now=now))
    return made


def _complaint_candidates(now):
    from repairs.models import WorkOrder

    return WorkOrder.objects.filter(
        Q(status__in=[WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED]),
        technician__isnull=False,
        completed_at__gte=now - dt.timedelta(days=45),
        completed_at__lte=now - dt.timedelta(days=2),
    ).select_related("call", "technician")
