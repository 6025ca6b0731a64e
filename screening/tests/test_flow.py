"""The decisions around a flag: the settlement leaves a held order out and pays it once cleared; a rejected
one stays unpaid with its reason shown to the centre, which may dispute it; the command's line; a second
screening changes nothing; bad input refused with nothing changed."""

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from care.models import Notification
from network.models import SettlementRate
from screening.choices import FlagStatus
from screening.models import ClaimFlag, DistrictDistance, FlagEvent, ScreeningSettings
from screening.services import flag_decide, flag_dispute, month_screen, thresholds_update
from settlement.services import settlement_compute

from .helpers import NOVEMBER, NOW, at, fee, payable

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users):
    center = users["center"]
    center.level = "a"
    center.save(update_fields=["level"])
    SettlementRate.objects.filter(center_level="a").update(base_subsidy_amount=Decimal("0.00"))
    normal = payable(center, at(2026, 11, 3, 10))
    suspect = payable(center, at(2026, 11, 4, 10), travel_km=90)
    DistrictDistance.objects.create(center=center, district=suspect.call.service_region, km=10)
    fee(normal, "80.00")
    return {**users, "normal": normal, "suspect": suspect}


def paid_orders(center, month=NOVEMBER, now=NOW):
    settlement = settlement_compute(center=center, month=month, now=now)
    return {line.work_order_id for line in settlement.lines.all()}


def test_the_settlement_leaves_a_held_order_out_and_pays_it_once_cleared(world):
    month_screen(month=NOVEMBER, now=NOW)
    flag = ClaimFlag.objects.get(work_order=world["suspect"])
    assert flag.status == FlagStatus.HELD and flag.amount == Decimal("80.00")

    assert paid_orders(world["center"]) == {world["normal"].pk}

    flag_decide(flag=flag, decision="clear", reason="已电话核实客户", acting_user=world["manager"], now=NOW)
    assert paid_orders(world["center"], now=NOW) == {world["normal"].pk, world["suspect"].pk}
    assert [e.action for e in FlagEvent.objects.filter(flag=flag)] == ["flagged", "cleared"]


def test_a_rejected_order_stays_unpaid_its_reason_shown_to_the_centre_which_disputes_it(world, client):
    month_screen(month=NOVEMBER, now=NOW)
    flag = ClaimFlag.objects.get(work_order=world["suspect"])
    flag_decide(
        flag=flag, decision="reject", reason="客户地址距网点仅10公里", acting_user=world["manager"], now=NOW
    )

    assert world["suspect"].pk not in paid_orders(world["center"])
    note = Notification.objects.get(user=world["supervisor"], kind="screening")
    assert world["suspect"].number in note.title and note.body == "客户地址距网点仅10公里"
    client.force_login(world["supervisor"])
    page = client.get("/screening/centers/SC-A/?month=2026-11&status=rejected").content.decode()
    assert "客户地址距网点仅10公里" in page and world["suspect"].number in page

    response = client.post(f"/screening/flags/{flag.pk}/dispute/", {"reason": "客户在郊区新房，路程90公里"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISPUTED and flag.dispute_reason == "客户在郊区新房，路程90公里"
    assert world["suspect"].pk not in paid_orders(world["center"])  # back with the managers, still held
    flag_decide(flag=flag, decision="clear", reason="核实属实", acting_user=world["manager"], now=NOW)
    assert world["suspect"].pk in paid_orders(world["center"])


def test_the_command_prints_one_json_line_and_a_second_run_changes_nothing(world):
    out = io.StringIO()
    call_command("screen_claims", month="2026-11", stdout=out)
    assert json.loads(out.getvalue()) == {"orders": 2, "flagged": 1, "held_amount": "80.00"}
    flag = ClaimFlag.objects.get()
    flag_decide(flag=flag, decision="reject", reason="虚报里程", acting_user=world["manager"], now=NOW)

    again = io.StringIO()
    call_command("screen_claims", month="2026-11", stdout=again)

    assert json.loads(again.getvalue()) == {"orders": 2, "flagged": 1, "held_amount": "0.00"}
    assert ClaimFlag.objects.count() == 1 and ClaimFlag.objects.get().status == FlagStatus.REJECTED
    assert FlagEvent.objects.filter(action="flagged").count() == 1


def test_bad_decisions_are_refused_and_change_nothing(world):
    month_screen(month=NOVEMBER, now=NOW)
    flag = ClaimFlag.objects.get(work_order=world["suspect"])
    with pytest.raises(ValidationError) as no_reason:
        flag_decide(flag=flag, decision="clear", reason="  ", acting_user=world["manager"])
    assert "reason" in no_reason.value.error_dict
    # A manager who also supervises the flag's centre does not decide on its orders.
    world["center"].supervisors.add(world["manager"])
    with pytest.raises(ValidationError):
        flag_decide(flag=flag, decision="clear", reason="自己的网点", acting_user=world["manager"])
    with pytest.raises(PermissionDenied):
        flag_decide(flag=flag, decision="clear", reason="主管放行", acting_user=world["supervisor"])
    with pytest.raises(ValidationError):
        flag_dispute(flag=flag, reason="还没被拒", acting_user=world["supervisor"])
    flag.refresh_from_db()
    assert flag.status == FlagStatus.HELD and flag.reason == "" and flag.decided_by is None


def test_a_threshold_of_zero_or_negative_is_refused_with_a_message(world, client):
    client.force_login(world["manager"])
    before = {n: getattr(ScreeningSettings.objects.get(), n) for n in ScreeningSettings.THRESHOLDS}
    form = {name: str(value) for name, value in before.items()}

    response = client.post("/screening/thresholds/", {**form, "repeat_days": "0", "outlier_z": "-1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("阈值必须大于零") == 2
    assert {n: getattr(ScreeningSettings.objects.get(), n) for n in ScreeningSettings.THRESHOLDS} == before
    thresholds_update(values={**form, "repeat_days": "21"}, acting_user=world["manager"])
    assert ScreeningSettings.objects.get().repeat_days == 21


def test_clearing_without_a_reason_on_the_page_shows_why_and_changes_nothing(world, client):
    month_screen(month=NOVEMBER, now=NOW)
    flag = ClaimFlag.objects.get()
    client.force_login(world["manager"])

    response = client.post(
        f"/screening/flags/{flag.pk}/decide/", {"decision": "clear", "reason": ""}, follow=True
    )

    assert "请说明理由" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.HELD


def test_a_cleared_order_of_a_confirmed_month_is_paid_the_next_month(world):
    from settlement.services import settlement_confirm  # noqa: PLC0415 (this test alone confirms)

    month_screen(month=NOVEMBER, now=NOW)
    settlement_compute(center=world["center"], month=NOVEMBER, now=NOW)
    settlement_confirm(
        settlement=world["center"].settlements.get(month=NOVEMBER), acting_user=world["manager"], now=NOW
    )
    flag = ClaimFlag.objects.get()
    december = at(2026, 12, 3, 9)
    flag_decide(flag=flag, decision="clear", reason="核实属实", acting_user=world["manager"], now=december)

    assert world["suspect"].pk in paid_orders(
        world["center"], month=NOVEMBER.replace(month=12), now=at(2026, 12, 20)
    )


def test_the_monthly_job_screens_last_month_before_the_settlement_drafts():
    from aftersales.celery import app  # noqa: PLC0415 (the beat schedule is the composition root's)

    schedule = app.conf.beat_schedule
    screen = schedule["screening-screen-previous-month"]
    drafts = schedule["network-settlements-draft"]
    assert screen["task"] == "screening.tasks.screen_previous_month"
    assert screen["schedule"].day_of_month == drafts["schedule"].day_of_month == {1}
    assert (min(screen["schedule"].hour), min(screen["schedule"].minute)) < (
        min(drafts["schedule"].hour),
        min(drafts["schedule"].minute),
    )


def test_an_order_flagged_after_its_draft_blocks_the_confirmation_until_recomputed(world):
    from settlement.services import settlement_confirm  # noqa: PLC0415 (this test alone confirms)

    settlement = settlement_compute(center=world["center"], month=NOVEMBER, now=NOW)  # not yet screened
    assert world["suspect"].pk in {line.work_order_id for line in settlement.lines.all()}
    month_screen(month=NOVEMBER, now=NOW)  # screened after the draft: the order is held

    with pytest.raises(ValidationError) as refused:
        settlement_confirm(settlement=settlement, acting_user=world["manager"], now=NOW)
    assert world["suspect"].number in str(refused.value)
    assert paid_orders(world["center"]) == {world["normal"].pk}  # the recompute leaves it out


def test_an_order_paid_by_a_confirmed_statement_is_not_flagged_afterwards(world):
    from settlement.services import settlement_confirm  # noqa: PLC0415 (this test alone confirms)

    settlement = settlement_compute(center=world["center"], month=NOVEMBER, now=NOW)
    settlement_confirm(settlement=settlement, acting_user=world["manager"], now=NOW)

    result = month_screen(month=NOVEMBER, now=NOW)

    assert result.flagged == 0 and not ClaimFlag.objects.exists()


def test_a_withdrawn_flag_is_held_again_when_its_order_trips_a_rule_again(world):
    month_screen(month=NOVEMBER, now=NOW)
    flag = ClaimFlag.objects.get(work_order=world["suspect"])
    distance = DistrictDistance.objects.get()
    distance.km = 95  # the table corrected: the claimed distance is fine
    distance.save()
    month_screen(month=NOVEMBER, now=NOW)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.WITHDRAWN

    distance.km = 10
    distance.save()
    month_screen(month=NOVEMBER, now=NOW)

    flag.refresh_from_db()
    assert flag.status == FlagStatus.HELD
    assert [e.action for e in FlagEvent.objects.filter(flag=flag).order_by("at", "pk")] == [
        "flagged",
        "withdrawn",
        "flagged",
    ]
    assert paid_orders(world["center"]) == {world["normal"].pk}


def test_an_order_sent_back_is_screened_in_the_month_its_redo_completes_when_the_settlement_pays_it(world):
    from repairs.factories import WorkOrderFactory  # noqa: PLC0415 (this test alone builds a redo)
    from repairs.models import WorkOrder  # noqa: PLC0415

    center = world["center"]
    original = payable(center, at(2026, 10, 20, 10), travel_km=90)  # closed in October …
    fee(original, "80.00")
    WorkOrder.objects.filter(pk=original.pk).update(status="completed", closed_at=None)  # … sent back
    DistrictDistance.objects.get_or_create(
        center=center, district=original.call.service_region, defaults={"km": 10}
    )
    WorkOrderFactory(
        center=center,
        call=original.call,
        redo_of=original,
        status="completed",
        completed_at=at(2026, 11, 6, 10),
    )

    month_screen(month=NOVEMBER, now=NOW)

    flag = ClaimFlag.objects.get(work_order=original)
    assert flag.status == FlagStatus.HELD and "travel_km" in flag.rules
    assert original.pk not in paid_orders(center)
    flag_decide(flag=flag, decision="clear", reason="核实里程属实", acting_user=world["manager"], now=NOW)
    assert original.pk in paid_orders(center)
