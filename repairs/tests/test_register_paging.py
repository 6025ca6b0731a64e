"""The register's pages as a dispatcher walks them with 下一页 / 上一页: every row once, in order, back
and forth, with work orders logged in the same instant, while calls keep coming in; and a deep page read
by position (no OFFSET)."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a href="([^"]*)" rel="(next|prev)">')


def links(response) -> dict:
    return {rel: html.unescape(href) for href, rel in LINK.findall(response.content.decode())}


def numbers(response) -> list[str]:
    return [order.number for order in response.context["orders"]]


@pytest.fixture
def orders(users):
    """25 work orders, newest first 0…24; orders 5–9 logged in the same instant (a batch import)."""
    now = timezone.now().replace(microsecond=0)
    made = []
    for i in range(25):
        at = now - dt.timedelta(minutes=5) if 5 <= i <= 9 else now - dt.timedelta(minutes=i)
        made.append(WorkOrderFactory(created_at=at, status=WorkOrderStatus.NEW))
    return sorted(made, key=lambda o: (o.created_at, o.pk), reverse=True)


def walk(client, first_url, rel):
    pages, response = [], client.get(first_url)
    while True:
        assert response.status_code == 200
        pages.append(numbers(response))
        href = links(response).get(rel)
        if not href:
            return pages, response
        response = client.get(reverse("repairs:register") + href)


def test_next_and_previous_walk_every_row_once_in_order(client, users, orders):
    client.force_login(users["dispatcher"])
    pages, last = walk(client, reverse("repairs:register") + "?page_size=10", "next")
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [n for page in pages for n in page] == [o.number for o in orders]
    assert last.context["page"] == 3 and "prev" in links(last)
    back, first = walk(client, reverse("repairs:register") + links(last)["prev"], "prev")
    assert back == pages[-2::-1]
    assert first.context["page"] == 1 and "next" in links(first)


def test_a_call_logged_while_paging_does_not_shift_the_next_page(client, users, orders):
    client.force_login(users["dispatcher"])
    first = client.get(reverse("repairs:register"), {"page_size": 10})
    WorkOrderFactory(status=WorkOrderStatus.NEW)  # a new call on top of the register
    second = client.get(reverse("repairs:register") + links(first)["next"])
    assert numbers(second) == [o.number for o in orders[10:20]]


def test_a_deep_page_is_read_from_its_position_not_by_skipping_rows(client, users, orders):
    client.force_login(users["dispatcher"])
    second = client.get(
        reverse("repairs:register")
        + links(client.get(reverse("repairs:register"), {"page_size": 10}))["next"]
    )
    with CaptureQueriesContext(connection) as captured:
        third = client.get(reverse("repairs:register") + links(second)["next"])
    rows_sql = [q["sql"] for q in captured.captured_queries if 'FROM "repairs_workorder"' in q["sql"]]
    assert rows_sql and not any(" OFFSET " in sql for sql in rows_sql)
    assert numbers(third) == [o.number for o in orders[20:]]


def test_the_filters_and_the_order_stay_on_the_links(client, users, orders):
    client.force_login(users["dispatcher"])
    oldest_first = sorted(orders, key=lambda o: (o.created_at, o.pk))
    pages, _last = walk(
        client, reverse("repairs:register") + "?status=new&ordering=created&page_size=10", "next"
    )
    assert [n for page in pages for n in page] == [o.number for o in oldest_first]


def test_a_list_ordered_by_a_field_that_can_be_empty_still_pages(client, users, orders):
    """The appointment is empty before dispatch: that order is paged by number of rows."""
    client.force_login(users["dispatcher"])
    pages, _last = walk(client, reverse("repairs:register") + "?ordering=appointment&page_size=10", "next")
    assert sorted(n for page in pages for n in page) == sorted(o.number for o in orders)


@pytest.mark.parametrize("value", ["²", "abc", "-1", "1e999999", "%00", "9999-12-31", "W1siYSJd", "x" * 600])
def test_a_position_written_by_hand_shows_the_first_page(client, users, orders, value):
    client.force_login(users["dispatcher"])
    for key in ("after", "before"):
        response = client.get(reverse("repairs:register"), {key: value, "page_size": 10})
        assert response.status_code == 200
        assert numbers(response) == [o.number for o in orders[:10]]
