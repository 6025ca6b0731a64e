"""A dealer system's plain work-order list runs the SQL kept for its shape (aftersales/api/statements.py): the
same answers, page after page, as the ORM's way; the other dealer's rows never; anything not plain, and any
shape whose parameters are not the request's values, the ORM's way."""

import pytest
from django.db.models import Q
from django.utils import timezone

from aftersales.api import statements
from network.factories import UserFactory
from repairs.api.views import WorkOrderViewSet
from repairs.choices import WorkOrderStatus
from repairs.factories import finish
from repairs.models import WorkOrder
from repairs.models.calls import WorkOrderQuerySet

from .conftest import _sale

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-orders/"


@pytest.fixture(autouse=True)
def _no_kept_statements():
    statements.forget()
    yield
    statements.forget()


def _key(world, dealer="a"):
    return {"HTTP_AUTHORIZATION": f"Api-Key {getattr(world, f'key_{dealer}').raw_key}"}


def _walk(client, headers, params, pages=4):
    """The first page, then `pages` − 1 next pages, then back one page: the bodies as bytes."""
    bodies, response = [], client.get(URL, params, **headers)
    bodies.append((response.status_code, response.content))
    for _ in range(pages - 1):
        following = response.json().get("next") if response.status_code == 200 else None
        if not following:
            break
        response = client.get(following, **headers)
        bodies.append((response.status_code, response.content))
    previous = response.json().get("previous") if response.status_code == 200 else None
    if previous:
        response = client.get(previous, **headers)
        bodies.append((response.status_code, response.content))
    return bodies


def _orm_only(monkeypatch):
    monkeypatch.setattr(statements, "plain_inputs", lambda view, request: None)


@pytest.fixture
def varied(api_world):
    """45 more orders of dealer A: 12 closed, 11 completed, 11 dispatched, 11 new."""
    now = timezone.now()
    for index in range(45):
        order = _sale(api_world.dealer_a, index, center=api_world.center_x, technician=api_world.tech_x)[2]
        if index % 4 == 0:
            finish(order, status=WorkOrderStatus.CLOSED, completed_at=now, closed_at=now)
        elif index % 4 == 1:
            finish(order, status=WorkOrderStatus.COMPLETED, completed_at=now)
        elif index % 4 == 2:
            WorkOrder.objects.filter(pk=order.pk).update(status=WorkOrderStatus.DISPATCHED)
    return api_world


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page_size": 7},
        {"status": "closed", "page_size": 4},
        {"status": "new", "ordering": "-created", "page_size": 9},
        {"status": "dispatched", "ordering": "created", "page_size": 5},
        {"ordering": "-changed", "page_size": 6},
        {"ordering": "number", "page_size": 8},
        {"status": "completed", "ordering": "-number", "page_size": 3},
    ],
)
def test_kept_statements_answer_byte_for_byte_what_the_orm_answers(client, varied, params, monkeypatch):
    kept_first = _walk(client, _key(varied), params)
    kept_again = _walk(client, _key(varied), params)  # every shape now kept
    # Every shape walked was kept (the first page, pages after a position, pages before one).
    kept = list(statements._statements.values())
    assert kept and all(statement is not None for statement in kept)
    assert len(kept) == min(len(kept_first), 3)
    with monkeypatch.context() as patched:
        _orm_only(patched)
        orm = _walk(client, _key(varied), params)
    assert kept_first == orm
    assert kept_again == orm
    assert all(status == 200 for status, _body in orm)
    assert len(orm) > 1 or params == {}


def test_a_kept_statement_builds_no_queryset_and_reads_the_callers_own_rows(client, varied, monkeypatch):
    params = {"status": "new", "page_size": 50}
    first = client.get(URL, params, **_key(varied)).json()
    assert first["results"] and all(row["status"] == "new" for row in first["results"])

    def no_queryset(self, *args, **kwargs):
        raise AssertionError("the kept statement builds no queryset")

    monkeypatch.setattr(WorkOrderViewSet, "filter_queryset", no_queryset)
    again = client.get(URL, params, **_key(varied))
    assert again.status_code == 200 and again.json() == first
    # Dealer B's key, the same shape: B's orders only.
    order_b = _sale(varied.dealer_b, 99, center=varied.center_y)[2]
    theirs = client.get(URL, params, **_key(varied, "b")).json()
    assert {row["id"] for row in theirs["results"]} == {order_b.pk}  # its first order is dispatched
    assert not {row["id"] for row in theirs["results"]} & {row["id"] for row in first["results"]}


def test_a_signed_in_dealer_gets_the_same_pages_as_its_key(client, varied):
    params = {"status": "closed", "page_size": 5}
    by_key = _walk(client, _key(varied), params)
    client.force_login(varied.dealer_a_user)
    assert _walk(client, {}, params) == by_key


NOT_PLAIN = [
    {"status": "closed,new"},
    {"status": ["closed", "new"]},
    {"status": "closed", "q": "1"},
    {"status": "closed", "center": "1"},
    {"overdue": "true"},
    {"unknown": "x"},
    {"status": "never"},
    {"status": ""},
    {"ordering": "created,number"},
    {"ordering": ["created", "number"]},
    {"page_size": ["5", "6"]},
]


def test_a_request_that_is_not_plain_goes_the_orm_way(client, varied, monkeypatch):
    for params in NOT_PLAIN:
        kept = client.get(URL, params, **_key(varied))
        assert statements._statements == {}, params
        with monkeypatch.context() as patched:
            _orm_only(patched)
            orm = client.get(URL, params, **_key(varied))
        assert (kept.status_code, kept.content) == (orm.status_code, orm.content), params


def test_bad_pages_answer_the_same_400(client, varied, monkeypatch):
    for params in [
        {"ordering": "appointment"},
        {"cursor": "abc"},
        {"cursor": "cD0yMDI2"},
        {"ordering": "-x"},
    ]:
        kept = client.get(URL, params, **_key(varied))
        with monkeypatch.context() as patched:
            _orm_only(patched)
            orm = client.get(URL, params, **_key(varied))
        assert kept.status_code == orm.status_code == 400, params
        assert kept.content == orm.content, params


def test_a_dealer_user_of_no_dealer_sees_an_empty_list(client, varied):
    # Nothing in scope: Django runs no SQL for such a list, so there is none to keep.
    client.force_login(UserFactory(username="dealer_none", roles=["dealer"]))
    for _ in range(2):
        response = client.get(URL, {"status": "closed"})
        assert response.status_code == 200
        assert response.json()["results"] == []
    assert list(statements._statements.values()) == [None]


def test_internal_users_go_the_orm_way(client, varied):
    client.force_login(varied.manager)
    assert client.get(URL, {"status": "closed"}).status_code == 200
    assert statements._statements == {}


def test_a_scope_with_a_parameter_of_its_own_is_never_kept(client, varied, monkeypatch):
    # A scope that reads the clock: its parameter is not one of the request's values, so its SQL is not
    # kept, and an order logged after the first request is on the next one.
    original = WorkOrderQuerySet.for_user

    def until_now(self, user):
        return original(self, user).filter(Q(created_at__lte=timezone.now()))

    monkeypatch.setattr(WorkOrderQuerySet, "for_user", until_now)
    params = {"status": "new", "page_size": 200}
    before = client.get(URL, params, **_key(varied)).json()["results"]
    assert list(statements._statements.values()) == [None]
    order = _sale(varied.dealer_a, 100, center=varied.center_x)[2]
    after = client.get(URL, params, **_key(varied)).json()["results"]
    assert order.pk in {row["id"] for row in after}
    assert len(after) == len(before) + 1
