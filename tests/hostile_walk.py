"""The page walker of the hostile-input tests: the forms a page holds (GET filters, POST forms with what a
browser sends untouched), a form as posted with one field changed, and what the commit would refuse."""

from __future__ import annotations

from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.db import connection


class Fields(HTMLParser):
    """The forms of a page: the names GET forms send (the filters), and each POST form's fields with what a
    browser sends for them untouched (an input's value, a checked box, a select's chosen or first option, a
    text area's text)."""

    def __init__(self):
        super().__init__()
        self.get: set[str] = set()
        self.forms: list[tuple[str, list[list]]] = []  # (action, [[name, value], …]) of POST forms
        self._method = None
        self._select = None  # [name, value] of the select being read
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._method = (attrs.get("method") or "get").lower()
            if self._method == "post":
                self.forms.append((attrs.get("action") or "", []))
            return
        if not self._method:
            return
        name = attrs.get("name")
        if tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in attrs:
                self._select[1] = attrs.get("value", "")
            return
        if tag not in ("input", "select", "textarea") or not name:
            return
        kind = attrs.get("type", "text")
        if kind in ("submit", "file", "button") or name == "csrfmiddlewaretoken":
            return
        if self._method == "get":
            self.get.add(name)
            return
        fields = self.forms[-1][1]
        if tag == "select":
            self._select = [name, None]
            fields.append(self._select)
        elif tag == "textarea":
            self._textarea = [name, ""]
            fields.append(self._textarea)
        elif kind not in ("checkbox", "radio"):
            fields.append([name, attrs.get("value", "")])
        elif "checked" in attrs:
            fields.append([name, attrs.get("value", "on")])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._method = None
        elif tag == "select" and self._select is not None:
            self._select[1] = self._select[1] or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def as_posted(form: list[list], name: str | None = None, value: str | None = None) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for field, default in form:
        data.setdefault(field, []).append(value if field == name else default)
    return data


def commit_time_error() -> str | None:
    """What the commit would refuse (deferred checks: a work order completed without its closing…), asked
    now inside the test's transaction, which never commits."""
    from django.db import IntegrityError, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    except IntegrityError as exc:
        return str(exc).splitlines()[0]
    return None


# The demo data the walk reads, and orders moved on inside the test's transaction (rolled back with it).
def first(model_path: str, **filters) -> int:
    from django.apps import apps

    model = apps.get_model(model_path)
    pk = model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()
    assert pk is not None, f"the demo has no {model_path} {filters}"
    return pk


def arrived_order() -> int:
    """An on-site order of the supervisor's centre the technician has just arrived at, so that its page shows
    the fault found's form: the demo has none on site, so an accepted one is moved there (inside the test's
    transaction, rolled back with it)."""
    from repairs.models import WorkOrder
    from repairs.services import work_order_transition

    order = WorkOrder.objects.get(
        pk=first(
            "repairs.WorkOrder", center__supervisors__username="supervisor", status="accepted", mode="on_site"
        )
    )
    supervisor = get_user_model().objects.get(username="supervisor")
    for status in ("en_route", "on_site"):
        order = work_order_transition(work_order=order, to_status=status, acting_user=supervisor)
    return order.pk


def on_the_way_order(*, call: bool = False) -> int:
    """An order of the supervisor's centre its technician has set off for (moved there inside the test's
    transaction): the form for a visit where nobody was at home. Its call's id when `call`."""
    from repairs.models import WorkOrder
    from repairs.services import work_order_transition

    order = WorkOrder.objects.get(
        pk=first(
            "repairs.WorkOrder", center__supervisors__username="supervisor", status="accepted", mode="on_site"
        )
    )
    order = work_order_transition(
        work_order=order,
        to_status="en_route",
        acting_user=get_user_model().objects.get(username="supervisor"),
    )
    return order.call_id if call else order.pk


def quoted_order(*, quote: bool = True, declined: bool = False) -> int:
    """A paid (A) order of the supervisor's centre the technician has arrived at (moved there inside the test's
    transaction), with a quote waiting for the customer's answer — or none, or declined."""
    from decimal import Decimal

    from repairs import paid, services
    from repairs.models import RepairCall, WorkOrder

    order = WorkOrder.objects.get(
        pk=first(
            "repairs.WorkOrder", center__supervisors__username="supervisor", status="accepted", mode="on_site"
        )
    )
    RepairCall.objects.filter(pk=order.call_id).update(service_type="A", suggested_service_type="A")
    supervisor = get_user_model().objects.get(username="supervisor")
    for status in ("en_route", "on_site"):
        order = services.work_order_transition(work_order=order, to_status=status, acting_user=supervisor)
    if quote or declined:
        line = services.QuoteLineInput("labour", "小修工时费", 1, Decimal("80.00"))
        made = services.quote_create(work_order=order, lines=[line], acting_user=supervisor)
        if declined:
            paid.quote_decline(quote=made, acting_user=supervisor)
    return order.pk
