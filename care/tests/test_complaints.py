"""The complaint register: reply within 24 hours and resolve within 30 days as deadlines, upheld ones
counted against the staff member (warning, penalty, dismissal)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from care import services
from care.choices import ComplaintStatus, DisciplineStep, Stage, StopReason
from care.models import Complaint, Deadline
from care.selectors import discipline_step
from network.factories import TechnicianFactory

from .helpers import at, dispatched, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def register(world, order, **changes):
    data = {
        "call": order.call,
        "work_order": order,
        "technician": world["technician"],
        "category": "late",
        "description": "师傅迟到一小时",
    }
    data.update(changes)
    return services.complaint_register(
        data=services.ComplaintInput(**data), acting_user=world["dispatcher"], now=at(2026, 11, 23, 16, 0)
    )


def test_a_complaint_gets_its_number_and_two_deadlines(world):
    complaint = register(world, dispatched(world))
    assert complaint.number == "TS20261123-00001"
    assert complaint.center_id == world["center"].pk
    assert complaint.reply_due_at == at(2026, 11, 24, 16, 0)
    assert complaint.resolve_due_at == at(2026, 12, 23, 16, 0)
    stages = {d.stage: d.due_at for d in Deadline.objects.filter(complaint=complaint)}
    assert stages == {
        Stage.COMPLAINT_REPLY: complaint.reply_due_at,
        Stage.COMPLAINT_RESOLVE: complaint.resolve_due_at,
    }


def test_the_reply_and_the_resolution_meet_their_deadlines(world):
    complaint = register(world, dispatched(world))
    services.complaint_reply(
        complaint=complaint,
        reply="已联系客户致歉",
        acting_user=world["dispatcher"],
        now=at(2026, 11, 23, 18, 0),
    )
    services.complaint_resolve(
        complaint=complaint,
        resolution="批评教育",
        upheld=True,
        acting_user=world["manager"],
        now=at(2026, 11, 30, 10, 0),
    )
    d = {row.stage: row for row in Deadline.objects.filter(complaint=complaint)}
    assert d[Stage.COMPLAINT_REPLY].stop_reason == StopReason.MET and d[Stage.COMPLAINT_REPLY].met_on_time
    assert d[Stage.COMPLAINT_RESOLVE].met_on_time
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED and complaint.upheld is True


def test_bad_input_is_refused_in_chinese_and_saves_nothing(world):
    order = dispatched(world)
    other = dispatched(world)
    with pytest.raises(ValidationError) as info:
        register(world, order, category="", description=" ", work_order=other)
    assert set(info.value.message_dict) == {"category", "description", "work_order"}
    with pytest.raises(ValidationError) as info:
        register(world, order, technician=TechnicianFactory())
    assert "technician" in info.value.message_dict
    assert not Complaint.objects.exists() and not Deadline.objects.filter(complaint__isnull=False).exists()


def test_resolving_needs_the_verdict_and_happens_once(world):
    complaint = register(world, dispatched(world))
    with pytest.raises(ValidationError) as info:
        services.complaint_resolve(
            complaint=complaint, resolution="", upheld=None, acting_user=world["manager"]
        )
    assert set(info.value.message_dict) == {"resolution", "upheld"}
    services.complaint_resolve(
        complaint=complaint, resolution="不属实", upheld=False, acting_user=world["manager"]
    )
    with pytest.raises(ValidationError):
        services.complaint_resolve(
            complaint=complaint, resolution="再次", upheld=True, acting_user=world["manager"]
        )
    complaint.refresh_from_db()
    assert complaint.upheld is False


def test_an_unreplied_complaint_is_escalated_after_24_hours(world):
    complaint = register(world, dispatched(world))
    result = services.sla_scan(now=at(2026, 11, 24, 16, 1))
    assert result["breached"] >= 1
    reply = Deadline.objects.get(complaint=complaint, stage=Stage.COMPLAINT_REPLY)
    assert reply.breached_at == at(2026, 11, 24, 16, 0) and reply.escalation_level >= 1


@pytest.mark.parametrize(
    "upheld, step",
    [
        (0, None),
        (1, DisciplineStep.WARNING),
        (2, DisciplineStep.PENALTY),
        (3, DisciplineStep.DISMISSAL),
        (5, DisciplineStep.DISMISSAL),
    ],
)
def test_the_three_steps(upheld, step):
    assert discipline_step(upheld) == step


def test_the_settlement_reads_upheld_complaints_breaches_and_held_payments_of_the_month(world):
    from care.selectors import settlement_penalties
    from repairs.models import WorkOrder

    order = dispatched(world)  # accept due 12:00, first contact 14:00, on site 14:15 — none met
    services.sla_scan(now=at(2026, 11, 23, 16, 0))
    upheld = register(world, order)
    services.complaint_resolve(
        complaint=upheld,
        resolution="属实",
        upheld=True,
        acting_user=world["manager"],
        now=at(2026, 11, 25, 9, 0),
    )
    rejected = register(world, order, category="charges", description="收费问题")
    services.complaint_resolve(
        complaint=rejected,
        resolution="不属实",
        upheld=False,
        acting_user=world["manager"],
        now=at(2026, 11, 25, 9, 0),
    )
    WorkOrder.objects.filter(pk=order.pk).update(payment_held=True)
    november = settlement_penalties(center_id=world["center"].pk, start=at(2026, 11, 1), end=at(2026, 12, 1))
    assert [c["number"] for c in november["upheld_complaints"]] == [upheld.number]
    assert november["breaches_by_stage"] == {Stage.ACCEPT: 1, Stage.FIRST_CONTACT: 1, Stage.ON_SITE: 1}
    assert november["payment_held_orders"] == [order.pk]
    december = settlement_penalties(center_id=world["center"].pk, start=at(2026, 12, 1), end=at(2027, 1, 1))
    assert december["upheld_complaints"] == [] and december["breaches_by_stage"] == {}


# --- the three steps count the staff member's own conduct, not the product ---


def upheld(world, order, categories):
    for k, category in enumerate(categories):
        complaint = register(world, order, category=category, description=f"第{k + 1}次投诉")
        services.complaint_resolve(
            complaint=complaint,
            resolution="属实",
            upheld=True,
            acting_user=world["manager"],
            now=at(2026, 11, 25, 9, k),
        )


def test_three_upheld_product_complaints_bring_no_step_three_about_conduct_the_third(world):
    from care.selectors import staff_three_steps

    order = dispatched(world)
    other = TechnicianFactory(center=world["center"], name="李四")
    upheld(world, order, ["product", "product", "product"])
    rows = {r["technician"]: r for r in staff_three_steps(user=world["manager"])}
    assert (rows[world["technician"].pk]["conduct"], rows[world["technician"].pk]["other"]) == (0, 3)
    assert rows[world["technician"].pk]["step"] is None

    upheld(world, order, ["attitude", "promise"])
    assert staff_three_steps(user=world["manager"])[0]["step"] == DisciplineStep.PENALTY
    upheld(world, order, ["charges"])
    assert staff_three_steps(user=world["manager"])[0]["step"] == DisciplineStep.DISMISSAL
    assert other.pk not in {r["technician"] for r in staff_three_steps(user=world["manager"])}


@pytest.mark.parametrize(
    ("categories", "counted"),
    [
        (["attitude", "late", "promise", "charges"], 4),
        (["product", "quality", "parts", "other"], 0),
    ],
)
def test_only_the_conduct_kinds_count(world, categories, counted):
    from care.selectors import staff_three_steps

    upheld(world, dispatched(world), categories)
    (row,) = staff_three_steps(user=world["manager"])
    assert (row["conduct"], row["other"]) == (counted, 4 - counted)


def test_the_staff_page_tells_conduct_from_product(client, world):
    order = dispatched(world)
    upheld(world, order, ["product", "product", "product"])
    client.force_login(world["manager"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("care:complaint_staff")).content.decode()
    row = html[html.index(world["technician"].name) :].split("</tr>")[0]
    assert '<td class="num">3</td>' in row and ">0</a>" in row  # 0 about conduct, 3 not counted
    assert "Dismissal" not in row and "Warning" not in row
    upheld(world, order, ["late", "attitude", "promise"])
    html = client.get(reverse("care:complaint_staff")).content.decode()
    row = html[html.index(world["technician"].name) :].split("</tr>")[0]
    assert ">3</a>" in row and "Dismissal" in row
    # The count links to exactly the complaints it counts.
    link = f"?upheld=1&amp;category=conduct&amp;technician={world['technician'].pk}"
    assert link in row
    listed = client.get(
        reverse("care:complaints"),
        {"upheld": "1", "category": "conduct", "technician": world["technician"].pk},
    ).content.decode()
    for complaint in Complaint.objects.all():
        assert (complaint.number in listed) is (complaint.category != "product")


def test_the_complaint_form_asks_what_it_is_about_conduct_first(client, world):
    order = dispatched(world)
    client.force_login(world["dispatcher"])
    client.cookies["django_language"] = "en"
    url = reverse("care:complaint_new")
    html = client.get(url, {"call": order.call_id}).content.decode()
    conduct = html.index("The staff member&#x27;s conduct (counts towards the three steps)")
    product = html.index("The product, the repair or the wait")
    assert conduct < html.index('value="promise"') < html.index('value="charges"') < product
    assert product < html.index('value="product"')

    refused = client.post(
        url, {"call": order.call_id, "category": "bogus", "description": "师傅失约", "work_order": order.pk}
    )
    assert refused.status_code == 400 and "Choose what the complaint is about." in refused.content.decode()
    client.cookies["django_language"] = "zh-hans"
    refused = client.post(
        url, {"call": order.call_id, "category": "", "description": "师傅失约", "work_order": order.pk}
    )
    assert refused.status_code == 400 and "请选择投诉类别。" in refused.content.decode()
    assert not Complaint.objects.exists()
    client.post(
        url,
        {
            "call": order.call_id,
            "category": "promise",
            "description": "师傅说第二天来，没有来",
            "work_order": order.pk,
            "technician": world["technician"].pk,
        },
    )
    complaint = Complaint.objects.get()
    assert complaint.category == "promise" and complaint.about_conduct
