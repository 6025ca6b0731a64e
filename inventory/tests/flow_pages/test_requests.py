"""The request flow and who may do what on a request."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from inventory import services
from inventory.choices import PartRequestStatus
from inventory.models import (
    DepositAccount,
    PartRequest,
    PartRequestEvent,
)
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory

from .helpers import PARTIES, REQUEST_ACTIONS, _level, _lines, _messages, _request_in, _submit

pytestmark = pytest.mark.django_db


def test_a_request_within_the_limits_is_approved_shipped_and_received(client, shop):
    client.force_login(shop["own"])
    response = client.post(
        reverse("inventory:request_new"),
        {**_lines(("YSJ-001", 2), ("LW-002", 3)), "note": "夏季备货"},
    )
    part_request = PartRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:request_detail", args=[part_request.pk])
    page = client.get(response["Location"])
    assert "自动批准" in page.content.decode()
    assert part_request.status == PartRequestStatus.APPROVED and part_request.auto_approved
    assert part_request.amount == Decimal("660.00") and part_request.note == "夏季备货"

    client.force_login(shop["manager"])
    client.post(reverse("inventory:request_ship", args=[part_request.pk]))
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.SHIPPED
    assert _level(shop["central"], shop["compressor"]) == 98 and _level(shop["central"], shop["filter"]) == 97
    assert DepositAccount.objects.get(center=shop["center"]).credit_used_amount == Decimal("660.00")

    client.force_login(shop["own"])
    response = client.post(reverse("inventory:request_receive", args=[part_request.pk]), follow=True)
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.RECEIVED
    assert _level(shop["wh_a"], shop["compressor"]) == 2 and _level(shop["wh_a"], shop["filter"]) == 3
    assert [e.to_status for e in part_request.events.all()] == [
        "pending",
        "approved",
        "shipped",
        "received",
    ]
    body = response.content.decode()
    assert "已收货" in body or "Received" in body
    assert part_request.number in body


def test_a_request_over_the_limits_waits_for_a_manager_who_sees_why(client, shop):
    client.force_login(shop["own"])
    response = client.post(reverse("inventory:request_new"), _lines(("LW-002", 25)), follow=True)
    part_request = PartRequest.objects.get()
    assert part_request.status == PartRequestStatus.PENDING and not part_request.auto_approved
    assert "25" in part_request.approval_reason
    assert any(part_request.approval_reason in m for m in _messages(response))

    client.force_login(shop["manager"])
    queue = client.get(reverse("inventory:requests")).content.decode()
    assert part_request.number in queue and part_request.approval_reason in queue
    detail = client.get(reverse("inventory:request_detail", args=[part_request.pk]))
    assert detail.context["can_approve"] and not detail.context["can_receive"]
    client.post(reverse("inventory:request_approve", args=[part_request.pk]), {"note": "旺季"})
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.APPROVED
    assert part_request.decided_by == shop["manager"]
    assert part_request.events.last().note == "旺季"


def test_a_request_over_the_credit_is_refused_with_the_numbers_and_keeps_what_was_typed(client, shop):
    # Credit 6,000; 21 compressors are 6,300 yuan.
    client.force_login(shop["own"])
    response = client.post(
        reverse("inventory:request_new"),
        {**_lines(("YSJ-001", 21)), "note": "大单"},
    )
    assert response.status_code == 400
    assert PartRequest.objects.count() == 0
    refusal = " ".join(response.context["form"].non_field_errors())
    for number in ("6000.00", "2000.00", "6300.00", "300.00"):
        assert number in refusal
    body = response.content.decode()
    assert refusal.split("：")[0].split(":")[0] in body
    assert 'value="YSJ-001"' in body and 'value="21"' in body and 'value="大单"' in body


def test_bad_quantities_and_unknown_parts_are_shown_on_their_lines(client, shop):
    client.force_login(shop["own"])
    response = client.post(
        reverse("inventory:request_new"),
        _lines(("YSJ-001", 0), ("LW-002", "1.5"), ("NO-SUCH", 1), ("LW-002", -2)),
    )
    assert response.status_code == 400 and PartRequest.objects.count() == 0
    rows = response.context["form"].rows
    assert [bool(r["error"]) for r in rows[:4]] == [True, True, True, True]
    body = response.content.decode()
    assert "NO-SUCH" in body and 'value="1.5"' in body
    with translation.override("zh-hans"):
        assert rows[0]["error"] == gettext("The quantity must be greater than zero.") == rows[3]["error"]
        assert rows[1]["error"] == gettext("The quantity must be a whole number.")


def test_an_empty_request_and_a_work_order_of_another_centre_are_refused(client, shop):
    client.force_login(shop["own"])
    response = client.post(reverse("inventory:request_new"), _lines(("", ""), ("", "")))
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    theirs = WorkOrderFactory(center=shop["center_b"], status=WorkOrderStatus.DISPATCHED)
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "work_order": theirs.number}
    )
    assert response.status_code == 400 and "work_order" in response.context["form"].errors
    mine = WorkOrderFactory(center=shop["center"], status=WorkOrderStatus.DISPATCHED)
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "work_order": mine.number.lower()}
    )
    assert response.status_code == 302
    assert PartRequest.objects.get().work_order == mine


def test_a_supervisor_of_two_centres_picks_one_and_cannot_ask_for_a_centre_not_theirs(client, shop):
    shop["center_b"].supervisors.add(shop["own"])
    client.force_login(shop["own"])
    page = client.get(reverse("inventory:request_new"))
    assert page.context["form"].several_centers and len(page.context["positions"]) == 2
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "center": shop["center_b"].pk}
    )
    assert response.status_code == 302 and PartRequest.objects.get().center == shop["center_b"]

    client.force_login(shop["other"])
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "center": shop["center"].pk}
    )
    assert response.status_code == 400 and "center" in response.context["form"].errors
    assert PartRequest.objects.count() == 1


@pytest.mark.parametrize("who", ["manager", "nobody"])
def test_only_a_supervisor_submits_a_request(client, shop, who):
    client.force_login(shop[who])
    assert client.get(reverse("inventory:request_new")).status_code == 403
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "center": shop["center"].pk}
    )
    assert response.status_code == 403 and PartRequest.objects.count() == 0


@pytest.mark.parametrize("who", PARTIES)
@pytest.mark.parametrize("action", sorted(REQUEST_ACTIONS))
def test_request_actions_for_each_party(client, shop, action, who):
    start, data, expected, after = REQUEST_ACTIONS[action]
    part_request = _request_in(shop, start)
    events = PartRequestEvent.objects.filter(request=part_request).count()
    central_filters = _level(shop["central"], shop["filter"])
    credit_used = DepositAccount.objects.get(center=shop["center"]).credit_used_amount
    client.force_login(shop[who])

    response = client.post(reverse(f"inventory:{action}", args=[part_request.pk]), data)

    assert response.status_code == expected[who]
    part_request.refresh_from_db()
    if expected[who] == 302:
        assert response["Location"] == reverse("inventory:request_detail", args=[part_request.pk])
        assert part_request.status == after
    else:
        assert part_request.status == start
        assert PartRequestEvent.objects.filter(request=part_request).count() == events
        assert _level(shop["central"], shop["filter"]) == central_filters
        assert _level(shop["wh_a"], shop["filter"]) == 0
        assert DepositAccount.objects.get(center=shop["center"]).credit_used_amount == credit_used


@pytest.mark.parametrize(
    ("who", "expected"), [("manager", 200), ("own", 200), ("other", 404), ("nobody", 403)]
)
def test_request_page_for_each_party(client, shop, who, expected):
    part_request = _submit(shop, ("LW-002", 2))
    client.force_login(shop[who])
    response = client.get(reverse("inventory:request_detail", args=[part_request.pk]))
    assert response.status_code == expected
    if expected == 200:
        body = response.content.decode()
        assert "LW-002" in body and "40.00" in body  # the line and its amount
        assert "6000.00" in body  # the centre's credit limit
    listing = client.get(reverse("inventory:requests"), {"status": "all"})
    if expected == 200:
        assert part_request.number in listing.content.decode()
    elif who == "other":
        assert part_request.number not in listing.content.decode()
    else:
        assert listing.status_code == 403


def test_a_refused_transition_is_shown_as_a_message_and_changes_nothing(client, shop):
    part_request = _submit(shop, ("LW-002", 2))
    services.part_request_ship(request=part_request, acting_user=shop["manager"])
    client.force_login(shop["manager"])
    response = client.post(reverse("inventory:request_ship", args=[part_request.pk]), follow=True)
    assert any(part_request.number in m for m in _messages(response))
    response = client.post(reverse("inventory:request_reject", args=[part_request.pk]), {"reason": "晚了"})
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.SHIPPED and part_request.rejection_reason == ""
    assert _level(shop["central"], shop["filter"]) == 98


def test_a_rejection_needs_a_reason(client, shop):
    part_request = _submit(shop, ("LW-002", 30))
    client.force_login(shop["manager"])
    response = client.post(
        reverse("inventory:request_reject", args=[part_request.pk]), {"reason": " "}, follow=True
    )
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.PENDING
    assert _messages(response)


def test_actions_answer_only_post(client, shop):
    part_request = _submit(shop, ("LW-002", 30))
    client.force_login(shop["manager"])
    assert client.get(reverse("inventory:request_approve", args=[part_request.pk])).status_code == 405
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.PENDING
