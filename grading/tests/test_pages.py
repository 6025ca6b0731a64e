"""The pages: the manager's review (confirm or override), a centre's own results for its supervisor (another
centre's answers 404, a technician is refused), hostile query values, the query count, and the command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from grading.models import Assessment, LevelDecision
from grading.services import centres_assess
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory

from .helpers import NOVEMBER, NOW, at, completed

pytestmark = pytest.mark.django_db
REVIEW = reverse("grading:review")
HOSTILE = [
    "²",
    "abc",
    "-1",
    "1e999999",
    "%00",
    "\x00",
    "9999-12-31",
    "2026-13",
    "0000-00",
    "2026-1" + "1" * 50,
]


@pytest.fixture
def world():
    ours = ServiceCenterFactory(code="SC-OURS", name="本网点", level="a")
    theirs = ServiceCenterFactory(code="SC-THEIRS", name="他网点", level="gold")
    supervisor = UserFactory(username="grading_sup", roles=["supervisor"])
    ours.supervisors.add(supervisor)
    other_supervisor = UserFactory(username="grading_sup2", roles=["supervisor"])
    theirs.supervisors.add(other_supervisor)
    completed(ours, at(2026, 11, 3, 10), hours=6)
    centres_assess(month=NOVEMBER, now=NOW)
    return {
        "ours": ours,
        "theirs": theirs,
        "manager": UserFactory(username="grading_boss", roles=["manager"]),
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "technician": TechnicianFactory(center=ours, user=UserFactory(roles=["technician"])).user,
    }


def decided():
    return list(LevelDecision.objects.values_list("center__code", "level"))


def test_the_manager_reviews_the_months_proposals_and_confirms_or_overrides_with_a_reason(client, world):
    client.force_login(world["manager"])
    page = client.get(REVIEW, {"month": "2026-11"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "本网点" in html and "他网点" in html and "A级 → <strong>A级</strong>" in html
    ours = Assessment.objects.get(center=world["ours"])

    refused = client.post(
        reverse("grading:decide", args=[ours.pk]), {"level": "diamond", "reason": " "}, follow=True
    )
    assert "改为建议以外的等级须填写理由。" in refused.content.decode()
    assert decided() == []

    done = client.post(
        reverse("grading:decide", args=[ours.pk]), {"level": "diamond", "reason": "新设备投入"}
    )
    assert done.status_code == 302 and done["Location"] == f"{REVIEW}?month=2026-11"
    assert decided() == [("SC-OURS", "diamond")]
    html = client.get(REVIEW, {"month": "2026-11"}).content.decode()
    assert "新设备投入" in html


def test_the_review_costs_the_same_queries_however_many_centres(client, world, django_assert_max_num_queries):
    client.force_login(world["manager"])
    with django_assert_max_num_queries(10):
        assert client.get(REVIEW, {"month": "2026-11"}).status_code == 200
    for n in range(15):
        center = ServiceCenterFactory(code=f"SC-MORE{n:02d}")
        completed(center, at(2026, 11, 5, 10))
    centres_assess(month=NOVEMBER, now=NOW)
    first = Assessment.objects.filter(center__code="SC-MORE00").get()
    client.post(reverse("grading:decide", args=[first.pk]), {"level": first.proposed_level})
    with django_assert_max_num_queries(10):
        page = client.get(REVIEW, {"month": "2026-11"})
    assert page.status_code == 200 and "SC-MORE14" in page.content.decode()


def test_hostile_query_values_never_fail(client, world):
    for user in ("manager", "supervisor"):
        client.force_login(world[user])
        for value in HOSTILE:
            for params in ({"month": value}, {"view": value}, {"page": value, "page_size": value}):
                assert client.get(REVIEW, params, follow=True).status_code in (200, 400), (user, params)
            url = reverse("grading:center", args=["SC-OURS"])
            assert client.get(url, {"month": value}).status_code in (200, 400), (user, value)
    client.force_login(world["manager"])
    for value in HOSTILE:
        assert client.post(reverse("grading:assess"), {"month": value}).status_code in (302, 400)
    assert client.get(REVIEW, {"month": "9999-12-31"}).status_code == 200
    assert Assessment.objects.filter(month__gt=NOVEMBER).count() == 0


def test_a_supervisor_sees_their_own_centres_results_and_never_anothers(client, world):
    client.force_login(world["supervisor"])
    assert client.get(REVIEW)["Location"] == reverse("grading:center", args=["SC-OURS"])
    page = client.get(reverse("grading:center", args=["SC-OURS"]))
    html = page.content.decode()
    assert (
        page.status_code == 200 and "得分如何计算" in html and "一次修复率" in html and 'id="score"' in html
    )
    assert client.get(reverse("grading:center", args=["SC-THEIRS"])).status_code == 404
    client.force_login(world["other_supervisor"])
    assert client.get(reverse("grading:center", args=["SC-OURS"])).status_code == 404
    # Neither supervisor decides: refused, nothing changed.
    ours = Assessment.objects.get(center=world["ours"])
    for who in ("supervisor", "other_supervisor", "technician"):
        client.force_login(world[who])
        assert client.post(reverse("grading:decide", args=[ours.pk]), {"level": "a"}).status_code == 403
    assert decided() == []


def test_a_technician_is_refused_the_pages(client, world):
    client.force_login(world["technician"])
    assert client.get(REVIEW).status_code == 403
    assert client.get(reverse("grading:center", args=["SC-OURS"])).status_code == 403


def test_the_command_prints_a_line_per_centre_and_refuses_a_bad_month(world):
    for bad in ("2026-13", "abc", "2026-1", ""):
        with pytest.raises(CommandError) as refused:
            call_command("assess_centres", month=bad)
        assert "月份格式应为 YYYY-MM" in str(refused.value)
    with pytest.raises(CommandError) as refused:
        call_command("assess_centres", month="2099-12")
    assert str(refused.value) == "2099-12 还没有结束，不能评定其结果。"
    assert not Assessment.objects.filter(month__gte=dt.date(2099, 1, 1)).exists()

    out = StringIO()
    call_command("assess_centres", month="2026-11", stdout=out)
    lines = out.getvalue().splitlines()
    ours = next(line for line in lines if line.startswith("SC-OURS"))
    assert "完成 1 单" in ours and "一次修复率 100.00%" in ours and "A级 → A级" in ours and "单量不足" in ours
    rows = sorted(Assessment.objects.values_list("pk", "center_id"))
    call_command("assess_centres", month="2026-11", stdout=StringIO())
    assert sorted(Assessment.objects.values_list("pk", "center_id")) == rows
