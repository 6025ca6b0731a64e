"""Every page of the back office, walked with what careless users and attackers type: each query parameter
its forms send (and the paging and id parameters every list reads) is given, one at a time, values that are
not what it expects. Nothing may answer a server error (500) — a form error, an empty list, a 404 or 400 are
all fine. The demo data is seeded once for the module, so every page has rows, forms and objects to show.

A page added to the URL conf without a line in PAGES (or POST_ONLY / NOT_PAGES) fails here."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import demo_seeded_once
from tests.hostile_walk import Fields as _Fields
from tests.hostile_walk import arrived_order as _arrived_order
from tests.hostile_walk import as_posted as _as_posted
from tests.hostile_walk import commit_time_error as _commit_time_error
from tests.hostile_walk import first as _first
from tests.hostile_walk import on_the_way_order as _on_the_way_order
from tests.hostile_walk import quoted_order as _quoted_order

pytestmark = pytest.mark.django_db

HOSTILE = ["²", "abc", "-1", "1e999999", "100000000000000000000", "\x00", "9999-12-31", "9999-12", "１２"]
# Read by most lists whether or not a form shows them.
ALWAYS = [
    *("page", "page_size", "id", "pk", "q", "status", "month", "kind", "state", "view"),
    *("center", "warehouse", "region", "part", "unit", "call", "line", "loaner", "technician"),
]
APPS = (
    *("repairs", "network", "office", "settlement", "inventory", "remedies", "care", "integrations"),
    *("contracts", "inspections", "grading", "quality", "screening", "insight", "portal"),
)
# The demo's household on the customer's own pages (its account is made by the demo, as a first sign-in would).
CUSTOMER = "customer-13700137000"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media"), customers=200):
        yield


def _supervisor_centre() -> int:
    return _first("network.ServiceCenter", supervisors__username="supervisor")


def _supervisor_centre_code() -> str:
    return get_user_model().objects.get(username="supervisor").supervised_centers.order_by("pk").first().code


def _supervisor_technician() -> int:
    return _first("network.Technician", center__supervisors__username="supervisor", active=True)


def _customer_order(*statuses: str) -> int:
    return _first("repairs.WorkOrder", call__customer__phones__number=CUSTOMER[-11:], status__in=statuses)


def _customer_unit() -> int:
    return _first("repairs.ProductUnit", owner__phones__number=CUSTOMER[-11:])


def _tech_order() -> int:
    return _first("repairs.WorkOrder", technician__user__username="tech")


# url name → (who looks, the URL's arguments from the demo data)
PAGES = {
    "portal:home": (CUSTOMER, dict),
    "portal:sign_in": (CUSTOMER, dict),
    "portal:unit_card": (CUSTOMER, lambda: {"pk": _customer_unit()}),
    "portal:report": (CUSTOMER, dict),
    "portal:unit_new": (CUSTOMER, dict),
    "portal:order_detail": (CUSTOMER, lambda: {"pk": _customer_order("dispatched", "accepted")}),
    "repairs:register": ("dispatcher", dict),
    "repairs:call_new": ("dispatcher", dict),
    "repairs:call_detail": ("dispatcher", lambda: {"pk": _first("repairs.RepairCall")}),
    "repairs:lookup": ("dispatcher", dict),
    "repairs:intake_panel": ("dispatcher", dict),
    "repairs:my_orders": ("tech", dict),
    "repairs:tablet_admin_time": ("tech", dict),
    "repairs:tablet_order": ("tech", lambda: {"pk": _tech_order()}),
    "repairs:tablet_need_parts": ("tech", lambda: {"pk": _tech_order()}),
    "repairs:tablet_reschedule": ("tech", lambda: {"pk": _tech_order()}),
    "repairs:tablet_not_home": ("tech", lambda: {"pk": _tech_order()}),
    "repairs:tablet_findings": ("tech", lambda: {"pk": _tech_order()}),
    "repairs:tablet_close": ("tech", lambda: {"pk": _tech_order()}),
    "repairs:office_close": ("supervisor", lambda: {"pk": _tech_order()}),
    "repairs:proof_exceptions": ("manager", dict),
    "repairs:unit_detail": ("dispatcher", lambda: {"pk": _first("repairs.ProductUnit")}),
    "repairs:tablet_quote": ("supervisor", lambda: {"pk": _quoted_order()}),
    "repairs:tablet_decline": ("supervisor", lambda: {"pk": _quoted_order(declined=True)}),
    "repairs:receivables": ("supervisor", dict),
    "office:dashboard": ("manager", dict),
    "office:my_center": ("supervisor", dict),
    "office:dealer_home": ("dealer", dict),
    "office:coverage": ("manager", dict),
    "office:technician_time": ("manager", dict),
    "office:technician_time_csv": ("manager", dict),
    "office:technician_time_detail": ("supervisor", lambda: {"pk": _supervisor_technician()}),
    "office:admin_time_new": ("supervisor", dict),
    "office:certificate_list": ("supervisor", dict),
    "settlement:settlements": ("manager", dict),
    "settlement:settlements_csv": ("manager", dict),
    "settlement:settlements_zip": ("manager", dict),
    "settlement:settlement_detail": ("manager", lambda: {"pk": _first("network.Settlement")}),
    "settlement:settlement_confirm": (
        "manager",
        lambda: {"pk": _first("network.Settlement", status="draft")},
    ),
    "settlement:settlement_csv": ("manager", lambda: {"pk": _first("network.Settlement")}),
    "settlement:settlement_xlsx": ("manager", lambda: {"pk": _first("network.Settlement")}),
    "inventory:stock": ("manager", dict),
    "inventory:stock_operations": ("manager", dict),
    "inventory:part_ledger": ("manager", lambda: {"pk": _first("inventory.Part")}),
    "inventory:my_center": ("supervisor", dict),
    "inventory:center_detail": ("manager", lambda: {"center_pk": _supervisor_centre()}),
    "inventory:deposits": ("manager", lambda: {"center_pk": _supervisor_centre()}),
    "inventory:requests": ("manager", dict),
    "inventory:request_new": ("supervisor", dict),
    "inventory:request_detail": ("manager", lambda: {"pk": _first("inventory.PartRequest")}),
    "inventory:returns": ("manager", dict),
    "inventory:return_detail": ("manager", lambda: {"pk": _first("inventory.DefectiveReturn")}),
    "inventory:import": ("manager", dict),
    "inventory:reorder": ("manager", dict),
    "care:callbacks": ("dispatcher", dict),
    "care:callback_detail": ("dispatcher", lambda: {"pk": _first("care.Callback")}),
    "care:complaints": ("dispatcher", dict),
    "care:complaint_new": ("dispatcher", dict),
    "care:complaint_staff": ("manager", dict),
    "care:complaint_detail": ("manager", lambda: {"pk": _first("care.Complaint")}),
    "care:notifications": ("supervisor", dict),
    "care:breaches": ("manager", dict),
    "care:dashboard": ("manager", dict),
    "integrations:api_keys": ("dealer", dict),
    "contracts:list": ("manager", dict),
    "repairs:acceptance_detail": ("manager", lambda: {"pk": _first("repairs.InstallationAcceptance")}),
    "grading:review": ("manager", dict),
    "grading:center": ("supervisor", lambda: {"code": _supervisor_centre_code()}),
    "screening:index": ("manager", dict),
    "screening:center": ("supervisor", lambda: {"code": _supervisor_centre_code()}),
    "screening:thresholds": ("manager", dict),
    "insight:rates": ("manager", dict),
    "insight:rates_csv": ("manager", dict),
    "insight:rates_xlsx": ("supervisor", dict),
    "insight:budget": ("manager", dict),
    "insight:budget_lines": ("manager", dict),
    "insight:budget_export": ("manager", dict),
    "insight:budget_plans": ("manager", dict),
    "insight:budget_plan_new": ("manager", dict),
    "insight:budget_plan_edit": ("manager", lambda: {"pk": _first("insight.Budget")}),
    "insight:budget_costs": ("manager", dict),
    "insight:budget_prices": ("manager", dict),
    "quality:alerts": ("manager", dict),
    "quality:alert": ("manager", lambda: {"pk": _first("quality.Alert")}),
    "inspections:board": ("manager", dict),
    "inspections:form": (
        "manager",
        lambda: {
            "pk": _first("repairs.WorkOrder", inspection__isnull=False, inspection__done_at__isnull=True)
        },
    ),
    "contracts:new": ("dispatcher", dict),
    "contracts:detail": ("manager", lambda: {"pk": _first("warranty.MaintenanceContract", status="active")}),
    "remedies:list": ("manager", dict),
    "remedies:new": ("dispatcher", dict),
    "remedies:detail": ("manager", lambda: {"pk": _first("remedies.RemedyRequest")}),
    "remedies:doa_list": ("dealer", dict),
    "remedies:doa_new": ("dealer", dict),
    "remedies:doa_detail": ("manager", lambda: {"pk": _first("remedies.DoaCheck")}),
    "remedies:refurb_list": ("manager", dict),
    "remedies:refurb_detail": ("manager", lambda: {"pk": _first("remedies.Refurbishment")}),
    "remedies:rates": ("manager", dict),
}
# Actions only (POST): walked with hostile form values in test_actions_answer_hostile_values_without_500.
POST_ONLY = {
    "grading:assess",
    *("screening:screen", "screening:denial", "screening:decide", "screening:dispute"),
    "insight:budget_refresh",
    "grading:decide",
    "quality:acknowledge",
    "quality:close",
    "office:center_task_done",
    "repairs:work_order_dispatch",
    "repairs:work_order_transition",
    "repairs:work_order_carry_in",
    "repairs:work_order_quote",
    "repairs:work_order_reschedule",
    "repairs:work_order_redispatch",
    "repairs:work_order_not_home",
    "repairs:work_order_not_home_cancel",
    "repairs:tablet_step",
    "repairs:tablet_contact",
    "repairs:tablet_diagnosis",
    "repairs:tablet_carry_in",
    "repairs:tablet_code_resend",
    "repairs:proof_exception_clear",
    "repairs:receivable_paid",
    "repairs:call_service_type",
    "settlement:settlements_compute",
    "settlement:settlement_paid",
    "settlement:settlement_recompute",
    "settlement:adjustment_add",
    "settlement:adjustment_remove",
    "settlement:dispute_raise",
    "settlement:dispute_resolve",
    "office:admin_time_cancel",
    "contracts:activate",
    "contracts:cancel",
    "contracts:renew",
    "contracts:payment",
    "office:coverage_activate",
    "inventory:deposit_action",
    "inventory:request_approve",
    "inventory:request_reject",
    "inventory:request_ship",
    "inventory:request_receive",
    "inventory:request_cancel",
    "inventory:return_ship",
    "inventory:return_scrap",
    "inventory:return_decide_scrap",
    "inventory:return_receive",
    "inventory:return_inspect",
    "care:callback_attempt",
    "care:callback_review",
    "care:complaint_reply",
    "care:complaint_resolve",
    "care:notifications_read",
    "integrations:api_key_revoke",
    "remedies:approve",
    "remedies:reject",
    "remedies:cancel",
    "remedies:exchange",
    "remedies:refund",
    "remedies:refurb_step",
    "repairs:call_confirm",
    "portal:send_code",
    "portal:sign_out",
    "portal:order_reschedule",
    "portal:order_cancel",
    "portal:order_confirm",
    "portal:order_rate",
}
# Files served to those in scope (a signature, a photo, a PDF rendered from the data): no parameters.
NOT_PAGES = {
    "repairs:work_order_voucher",
    "repairs:work_order_signature",
    "repairs:work_order_photo",
    "repairs:consent_signature",
    "repairs:not_home_photo",
    "repairs:finding_photo",
    "inventory:return_photo",
    "settlement:settlement_pdf",
    "insight:budget_pdf",
    "remedies:certificate",
    "repairs:acceptance_signature",
    "repairs:acceptance_record",
    "repairs:call_photo",
    "repairs:unit_invoice_photo",
    "portal:call_photo",
}


def _app_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace in APPS and pattern.name:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return names


def test_every_page_and_action_of_the_apps_is_walked():
    assert _app_url_names() == set(PAGES) | POST_ONLY | NOT_PAGES


@pytest.fixture
def client():
    """A browser's view of errors: a 500 comes back as a response (collected), not as the exception."""
    from django.test import Client

    return Client(raise_request_exception=False)


def _login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_answers_hostile_query_values_without_500(demo, client, name):
    who, kwargs = PAGES[name]
    _login(client, who)
    url = reverse(name, kwargs=kwargs())
    plain = client.get(url)
    assert plain.status_code in (200, 202, 302), (name, plain.status_code)
    fields = _Fields()
    if plain.get("Content-Type", "").startswith("text/html"):
        fields.feed(plain.content.decode())
    failures = []
    for parameter in sorted(fields.get | set(ALWAYS)):
        for value in HOSTILE:
            response = client.get(url, {parameter: value})
            if response.status_code >= 500:
                failures.append(f"{url}?{parameter}={value!r}: {response.status_code}")
    if failures:
        pytest.fail("server errors:\n" + "\n".join(failures), pytrace=False)


def _post_forms(client, who, page_name, page_kwargs) -> list[tuple[str, list[list]]]:
    """The POST forms on the page as its user sees it: (action URL, fields with their defaults)."""
    _login(client, who)
    url = reverse(page_name, kwargs=page_kwargs)
    fields = _Fields()
    fields.feed(client.get(url).content.decode())
    return [(action or url, form) for action, form in fields.forms]


# The pages whose forms are the actions, as their users see them.
IN_REPAIR = ("in_repair", "waiting_for_parts")
ACTION_PAGES = [
    # The customer's own pages: a fault reported, a unit registered, a visit moved, a done one confirmed and rated.
    (CUSTOMER, "portal:report", dict),
    (CUSTOMER, "portal:unit_new", dict),
    (CUSTOMER, "portal:order_detail", lambda: {"pk": _customer_order("dispatched", "accepted")}),
    (CUSTOMER, "portal:order_detail", lambda: {"pk": _customer_order("completed", "closed")}),
    (
        "dispatcher",
        "repairs:call_detail",
        lambda: {"pk": _first("repairs.RepairCall", work_orders__status="new")},
    ),
    (
        "manager",
        "repairs:call_detail",
        lambda: {"pk": _first("repairs.RepairCall", work_orders__status__in=IN_REPAIR)},
    ),
    (
        "manager",
        "repairs:call_detail",
        lambda: {
            "pk": _first(
                "repairs.RepairCall",
                service_type="A",
                work_orders__status__in=("accepted", "on_site", *IN_REPAIR),
            )
        },
    ),
    ("manager", "repairs:office_close", lambda: {"pk": _first("repairs.WorkOrder", status__in=IN_REPAIR)}),
    (
        "supervisor",
        "repairs:tablet_order",
        lambda: {
            "pk": _first("repairs.WorkOrder", center__supervisors__username="supervisor", status="accepted")
        },
    ),
    ("supervisor", "repairs:tablet_order", lambda: {"pk": _arrived_order()}),  # the fault found's form
    # The field's exceptions: the call page of an order on its way (nobody at home, for the technician) and of
    # one where nobody was at home twice (the supervisor's decision); the tablet's two forms.
    ("dispatcher", "repairs:call_detail", lambda: {"pk": _on_the_way_order(call=True)}),
    (
        "manager",
        "repairs:call_detail",
        lambda: {"pk": _first("repairs.RepairCall", work_orders__status="to_reschedule")},
    ),
    (
        "supervisor",
        "repairs:tablet_reschedule",
        lambda: {
            "pk": _first("repairs.WorkOrder", center__supervisors__username="supervisor", status="accepted")
        },
    ),
    ("supervisor", "repairs:tablet_not_home", lambda: {"pk": _on_the_way_order()}),
    ("supervisor", "repairs:tablet_findings", lambda: {"pk": _arrived_order()}),  # faulty part, exclusions
    (
        "supervisor",
        "repairs:tablet_need_parts",
        lambda: {
            "pk": _first("repairs.WorkOrder", center__supervisors__username="supervisor", status="accepted")
        },
    ),
    ("manager", "repairs:proof_exceptions", dict),
    ("supervisor", "repairs:tablet_quote", lambda: {"pk": _quoted_order(quote=False)}),  # the quote's form
    ("supervisor", "repairs:tablet_quote", lambda: {"pk": _quoted_order()}),  # consent, decline
    ("supervisor", "repairs:tablet_decline", lambda: {"pk": _quoted_order(declined=True)}),
    ("supervisor", "repairs:receivables", dict),
    ("manager", "settlement:settlements", dict),
    ("manager", "settlement:settlement_detail", lambda: {"pk": _first("network.Settlement", status="draft")}),
    (
        "supervisor",
        "settlement:settlement_detail",
        lambda: {
            "pk": _first("network.Settlement", status="draft", center__supervisors__username="supervisor")
        },
    ),
    ("supervisor", "office:admin_time_new", dict),
    ("supervisor", "office:technician_time_detail", lambda: {"pk": _supervisor_technician()}),
    ("tech", "repairs:tablet_admin_time", dict),
    ("manager", "inventory:stock_operations", dict),
    ("manager", "inventory:deposits", lambda: {"center_pk": _supervisor_centre()}),
    (
        "manager",
        "inventory:request_detail",
        lambda: {"pk": _first("inventory.PartRequest", status="pending")},
    ),
    ("supervisor", "inventory:request_new", dict),
    (
        "manager",
        "inventory:return_detail",
        lambda: {"pk": _first("inventory.DefectiveReturn", status__in=("shipped", "scrap_requested"))},
    ),
    ("dispatcher", "care:callback_detail", lambda: {"pk": _first("care.Callback", status="pending")}),
    ("dispatcher", "care:callback_detail", lambda: {"pk": _first("care.Callback", status="reached")}),
    ("manager", "care:complaint_detail", lambda: {"pk": _first("care.Complaint")}),
    ("dispatcher", "care:complaint_new", dict),
    ("supervisor", "care:notifications", dict),
    ("dealer", "integrations:api_keys", dict),
    # The supervisor's home: a centre's task (a certificate to renew) marked done.
    ("supervisor", "office:my_center", dict),
    # A coverage gap's row: the standby provider activated for it.
    ("manager", "office:coverage", dict),
    # Centre levels: the manager's confirmation or override of the proposals.
    ("manager", "grading:review", dict),
    # Service budget: the month's figures computed again, a budget, a manual cost and a factory price entered.
    ("manager", "insight:budget", dict),
    ("manager", "insight:budget_plan_new", dict),
    ("manager", "insight:budget_costs", dict),
    ("manager", "insight:budget_prices", dict),
    ("manager", "screening:center", lambda: {"code": _supervisor_centre_code()}),
    ("manager", "screening:index", dict),
    ("manager", "screening:thresholds", dict),
    # Quality early warning: an open alert acknowledged or closed with a note.
    ("manager", "quality:alert", lambda: {"pk": _first("quality.Alert", status="open")}),
    # An inspection's checklist, readings, findings and the customer's confirmation.
    (
        "manager",
        "inspections:form",
        lambda: {
            "pk": _first("repairs.WorkOrder", inspection__isnull=False, inspection__done_at__isnull=True)
        },
    ),
    # Maintenance contracts: a new one, and an active one's steps (a payment, renewal, cancellation).
    ("dispatcher", "contracts:new", dict),
    (
        "manager",
        "contracts:detail",
        lambda: {"pk": _first("warranty.MaintenanceContract", status="active", payment_schedule="monthly")},
    ),
    ("manager", "contracts:detail", lambda: {"pk": _first("warranty.MaintenanceContract", status="draft")}),
    # 三包 remedies: the manager's approval, the exchange and the refund, a refurbishment's steps.
    (
        "manager",
        "remedies:detail",
        lambda: {
            "pk": _first(
                "remedies.RemedyRequest", status="awaiting_approval", opened_by__username="dispatcher"
            )
        },
    ),
    (
        "dispatcher",
        "remedies:detail",
        lambda: {
            "pk": _first(
                "remedies.RemedyRequest", status__in=("approved", "waiting_stock"), remedy="exchange"
            )
        },
    ),
    (
        "manager",
        "remedies:refurb_detail",
        lambda: {"pk": _first("remedies.Refurbishment", status="received")},
    ),
    (
        "manager",
        "remedies:refurb_detail",
        lambda: {"pk": _first("remedies.Refurbishment", status="inspected")},
    ),
]


@pytest.mark.parametrize(
    ("who", "page_name", "kwargs"), ACTION_PAGES, ids=[f"{w}-{p}" for w, p, _k in ACTION_PAGES]
)
def test_actions_answer_hostile_values_without_500(demo, client, who, page_name, kwargs):
    """Each POST form of the page as the browser sends it untouched, then with every field given each
    hostile value in turn (the others left as the page filled them): a message, a form error or a 4xx —
    never a 500, and nothing that the commit would refuse."""
    forms = _post_forms(client, who, page_name, kwargs())
    assert forms, f"{page_name} shows no form to {who}"
    failures = []
    for action, form in forms:
        attempts = [(None, None)] + [
            (name, value) for name in sorted({f for f, _d in form}) for value in HOSTILE
        ]
        for name, value in attempts:
            response = client.post(action, _as_posted(form, name, value))
            what = "untouched" if name is None else f"{name}={value!r}"
            if response.status_code >= 500:
                failures.append(f"POST {action} {what}: {response.status_code}")
            refused = _commit_time_error()
            if refused:
                failures.append(f"POST {action} {what}: the commit would fail: {refused}")
                break
    if failures:
        pytest.fail("server errors:\n" + "\n".join(failures), pytrace=False)


def _api_lists() -> dict[str, list[str]]:
    """Every GET of the committed API schema without a path parameter, with its query parameters."""
    from pathlib import Path

    import yaml

    schema = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi.yaml").read_text())
    lists = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get and "{" not in path:
            names = [p["name"] for p in get.get("parameters", []) if p.get("in") == "query"]
            lists[path] = names or ["page"]
    return lists


API_LISTS = _api_lists()


@pytest.mark.parametrize("path", sorted(API_LISTS))
def test_api_lists_answer_hostile_filters_with_400_not_500(demo, client, path):
    _login(client, "manager")
    failures = []
    for parameter in API_LISTS[path]:
        for value in HOSTILE:
            response = client.get(path, {parameter: value})
            if response.status_code >= 500:
                failures.append(f"{path}?{parameter}={value!r}: {response.status_code}")
    if failures:
        pytest.fail("server errors:\n" + "\n".join(failures), pytrace=False)


def test_the_walk_finds_the_forms_it_walks_and_sends_them_as_a_browser_would():
    """The field finder itself: a GET form's filters; a POST form's fields with what the browser sends
    untouched — an input's value, a checked box only, a select's chosen (else first) option, a text area's
    text — and no buttons."""
    fields = _Fields()
    fields.feed(
        '<form method="get"><input name="q"><select name="center"></select><button type="submit">go</button>'
        '</form><form method="post" action="/x/"><input type="hidden" name="csrfmiddlewaretoken" value="t">'
        '<input name="n" value="1"><input type="checkbox" name="off"><input type="checkbox" name="on" checked>'
        '<select name="s"><option value="a">A</option><option value="b" selected>B</option></select>'
        '<select name="first"><option value="x">X</option><option value="y">Y</option></select>'
        '<textarea name="note">hi</textarea><input type="submit" name="go"></form>'
    )
    assert fields.get == {"q", "center"}
    ((action, form),) = fields.forms
    assert action == "/x/"
    assert _as_posted(form) == {"n": ["1"], "on": ["on"], "s": ["b"], "first": ["x"], "note": ["hi"]}
    assert _as_posted(form, "n", "²")["n"] == ["²"]
