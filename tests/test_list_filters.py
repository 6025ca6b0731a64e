"""Every list page's filter form, submitted as a browser submits it: untouched first (each field's default as
the browser sends it — an empty "全部" option, an unticked box left out), then each field changed on its own.
No submission may answer a form error, and the value chosen must come back chosen (the filter was read, not
dropped). The register's filters are then checked for what they select.

The pages are the hostile walk's table (tests/test_hostile_input.py PAGES): a list page added there is
covered here too."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.test_hostile_input import PAGES, client, demo  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

FORM_ERRORS = re.compile(
    r'class="errorlist|选择一个有效的选项|输入一个有效的|Select a valid choice|Enter a valid'
)


class _GetForms(HTMLParser):
    """The GET forms of a page: each field with what a browser sends untouched and what else it could send."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[dict]] = []
        self._in_get = False
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_get = (attrs.get("method") or "get").lower() == "get"
            if self._in_get:
                self.forms.append([])
            return
        if not self._in_get:
            return
        if tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select["options"].append(value)
            if "selected" in attrs or self._select["default"] is None:
                self._select["default"] = value
            return
        name = attrs.get("name")
        if tag not in ("input", "select") or not name:
            return
        kind = attrs.get("type", "text") if tag == "input" else "select"
        if kind in ("submit", "button", "file", "reset"):
            return
        field = {"name": name, "kind": kind, "options": [], "checked": "checked" in attrs}
        field["default"] = (
            None if kind == "select" else attrs.get("value", "on" if kind == "checkbox" else "")
        )
        if kind == "select":
            self._select = field
        self.forms[-1].append(field)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get = False
        elif tag == "select" and self._select is not None:
            self._select["default"] = self._select["default"] or ""
            self._select = None


def _untouched(form: list[dict]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for field in form:
        if field["kind"] in ("checkbox", "radio") and not field["checked"]:
            continue
        data.setdefault(field["name"], []).append(field["default"])
    return data


def _call_number() -> str:
    from repairs.models import RepairCall

    return RepairCall.objects.order_by("pk").values_list("number", flat=True).first()


# A text field that looks something up is typed with what exists (any text is a filter elsewhere); what was
# found replaces the look-up, so it is not asked to come back chosen.
TEXT_VALUES = {"call_number": _call_number}


def _other_values(field: dict) -> list[str]:
    """Values a user could choose instead of the default (a few of a long select)."""
    kind = field["kind"]
    if field["name"] in TEXT_VALUES:
        return [TEXT_VALUES[field["name"]]()]
    if kind == "select":
        return [v for v in field["options"] if v != field["default"]][:3]
    if kind == "checkbox":
        return [] if field["checked"] else [field["default"]]
    if kind == "hidden" or kind == "radio":
        return []
    today = timezone.localdate()
    if kind == "date":
        return [(today - dt.timedelta(days=30)).isoformat()]
    if kind == "month":
        return [today.strftime("%Y-%m")]
    if kind == "number":
        return ["1"]
    return ["1"]


def _echoed(html: str, field: dict, value: str) -> bool:
    name = re.escape(field["name"])
    if field["kind"] == "select":
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
        return bool(select) and bool(
            re.search(rf'<option[^>]*value="{re.escape(value)}"[^>]*selected', select.group(1))
        )
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    if not tag:
        return False
    if field["kind"] == "checkbox":
        return "checked" in tag.group(0)
    return f'value="{value}"' in tag.group(0)


def _rows(html: str) -> int:
    """Rows of the page's lists (outside its forms)."""
    body = re.sub(r"<form.*?</form>", "", html, flags=re.S)
    return len(re.findall(r"<tbody>.*?</tbody>", body, re.S)) and body.count("<tr")


def _page_forms(http, name):
    who, kwargs = PAGES[name]
    http.force_login(get_user_model().objects.get(username=who))
    url = reverse(name, kwargs=kwargs())
    plain = http.get(url)
    if not plain.get("Content-Type", "").startswith("text/html"):
        return url, plain, []
    parser = _GetForms()
    parser.feed(plain.content.decode())
    return url, plain, [form for form in parser.forms if form]


def _lists_with_filters():
    # Read once at collection: the names only (the pages are fetched in the tests).
    return sorted(PAGES)


@pytest.mark.parametrize("name", _lists_with_filters())
def test_every_filter_form_works_untouched_and_field_by_field(demo, client, name):  # noqa: F811
    url, plain, forms = _page_forms(client, name)
    failures = []
    if b">---------<" in plain.content:
        failures.append(f"{url}: an empty choice reads ---------, not what it means (全部, 不指定…)")
    for form in forms:
        untouched = client.get(url, _untouched(form))
        html = untouched.content.decode()
        if untouched.status_code != 200 or FORM_ERRORS.search(html):
            failures.append(f"untouched {url}?{_untouched(form)}: {untouched.status_code} form error")
        elif _rows(html) != _rows(plain.content.decode()):
            failures.append(
                f"untouched {url}: {_rows(html)} rows, the plain page shows {_rows(plain.content.decode())}"
            )
        for field in form:
            for value in _other_values(field):
                data = _untouched(form)
                data[field["name"]] = [value]
                response = client.get(url, data)
                html = response.content.decode()
                if response.status_code != 200 or FORM_ERRORS.search(html):
                    failures.append(f"{url} {field['name']}={value!r}: {response.status_code} form error")
                elif field["name"] not in TEXT_VALUES and not _echoed(html, field, value):
                    failures.append(f"{url} {field['name']}={value!r}: not shown as chosen after submitting")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def test_some_pages_have_filter_forms(demo, client):  # noqa: F811
    """The walk above is not empty: the register, stock, requests and callbacks have filter forms."""
    with_forms = {
        name
        for name in ("repairs:register", "inventory:stock", "inventory:requests", "care:callbacks")
        if _page_forms(client, name)[2]
    }
    assert with_forms == {"repairs:register", "inventory:stock", "inventory:requests", "care:callbacks"}


# The register's filters select what they say ----------------------------------------------------------


def _register(http, **params):
    from repairs.models import WorkOrder

    http.force_login(get_user_model().objects.get(username="dispatcher"))
    url = reverse("repairs:register")
    parser = _GetForms()
    parser.feed(http.get(url).content.decode())
    data = _untouched(parser.forms[0])
    data["page_size"] = ["100"]
    for key, value in params.items():
        data[key] = [value]
    html = http.get(url, data).content.decode()
    assert not FORM_ERRORS.search(html), html[:500]
    numbers = re.findall(r'class="mono">(PG\d{8}-\d{5})</a>', html)
    return html, list(WorkOrder.objects.filter(number__in=numbers).select_related("center", "call"))


def test_register_status_left_on_all_with_other_filters(demo, client):  # noqa: F811
    from repairs.models import WorkOrder

    order = WorkOrder.objects.filter(center__isnull=False).order_by("-created_at").first()
    _html, rows = _register(client, center=str(order.center_id))
    assert rows and {o.center_id for o in rows} == {order.center_id}
    _html, rows = _register(client, status="in_repair")
    assert rows and {o.status for o in rows} == {"in_repair"}
    _html, rows = _register(client, q=order.number)
    assert [o.pk for o in rows] == [order.pk]


def test_register_overdue_box_as_the_browser_sends_it(demo, client):  # noqa: F811
    from repairs.choices import OPEN_STATUSES
    from repairs.models import WorkOrder

    now = timezone.now()
    overdue = WorkOrder.objects.filter(status__in=OPEN_STATUSES, appointment_end__lt=now).count()
    assert overdue, "the demo has overdue orders to find"
    _html, rows = _register(client, overdue="on")
    assert rows and all(o.status in OPEN_STATUSES and o.appointment_end < now for o in rows)
    assert len(rows) == min(overdue, 100)
