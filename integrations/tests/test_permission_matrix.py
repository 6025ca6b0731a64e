"""Every endpoint under /api/v1/ × every role × own and other party's object, generated from the URL conf:
an endpoint added without a line in RULES fails here. Out-of-scope objects answer 404 on every method; a
refused write changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from integrations.models import IdempotencyRecord, WebhookDelivery, WebhookEndpoint
from integrations.services import webhook_endpoint_create
from inventory.models import Part
from network.models import Settlement
from remedies import services as remedy_services
from remedies.models import DealerCredit, DoaCheck, RemedyRequest
from repairs.models import ProductUnit, RepairCall, WorkOrder, WorkOrderEvent
from warranty.contracts import contract_create
from warranty.services import unit_facts, warranty_decision_record

from .conftest import PUBLIC_HOOK_URL

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "dealer_a", "dealer_b", "dispatcher", "technician_x", "supervisor_x", "manager"]
INTERNAL = {"dispatcher", "technician_x", "supervisor_x", "manager"}
DEALERS = {"dealer_a", "dealer_b"}
EVERYONE = INTERNAL | DEALERS
PASS = "pass"  # got past authentication, scope and role: any answer but 401/403/404/405 and no 5xx


class Rollback(Exception):
    pass


def api_endpoints():
    """(url name, kwargs names, {method: action}) of every pattern in the api namespace."""
    found = []

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, namespaces + ([pattern.namespace] if pattern.namespace else []))
            elif isinstance(pattern, URLPattern) and namespaces[:1] == ["api"]:
                callback = pattern.callback
                actions = getattr(callback, "actions", None)
                if actions is None:
                    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
                    methods = [
                        m for m in ("get", "post", "put", "patch", "delete") if cls and hasattr(cls, m)
                    ]
                    actions = {m: m for m in methods}
                found.append((pattern.name, sorted(pattern.pattern.regex.groupindex), dict(actions)))

    walk(get_resolver().url_patterns, [])
    return found


# What each party sees (its for_user() scope), stated independently of the code: A's objects belong to
# dealer A, centre X and technician X; B's to dealer B, centre Y and technician Y.
SCOPE = {
    "unit": {
        "dealer_a": "a",
        "dealer_b": "b",
        "technician_x": "a",
        "supervisor_x": "a",
        "dispatcher": "ab",
        "manager": "ab",
    },
    "call": {
        "dealer_a": "a",
        "dealer_b": "b",
        "technician_x": "a",
        "supervisor_x": "a",
        "dispatcher": "ab",
        "manager": "ab",
    },
    "order": {
        "dealer_a": "a",
        "dealer_b": "b",
        "technician_x": "a",
        "supervisor_x": "a",
        "dispatcher": "ab",
        "manager": "ab",
    },
    "center": {
        "technician_x": "a",
        "supervisor_x": "a",
        **dict.fromkeys(DEALERS | {"dispatcher", "manager"}, "ab"),
    },
    "part": dict.fromkeys(EVERYONE, "ab"),
    "model": dict.fromkeys(EVERYONE, "ab"),
    "settlement": {"manager": "ab", "supervisor_x": "a"},
    "webhook": {"dealer_a": "a", "dealer_b": "b", "manager": "ab"},
    # A's remedy request and out-of-box check: on dealer A's unit, about centre X's work order.
    "remedy": {"dealer_a": "a", "dealer_b": "b", "supervisor_x": "a", "dispatcher": "ab", "manager": "ab"},
    "credit": {"dealer_a": "a", "dealer_b": "b", "dispatcher": "ab", "manager": "ab"},
}
SCOPE["doa"] = SCOPE["remedy"]
# A's maintenance contract: sold by dealer A, centre X responsible (its technicians are in scope, not in role).
SCOPE["contract"] = {**SCOPE["remedy"], "technician_x": "a"}
VERBS = [
    "accept",
    "set-off",
    "arrive",
    "start-repair",
    "wait-for-parts",
    "complete",
    "close",
    "cancel",
    "guide-by-phone",
]
ON_SITE = {"accept", "set-off", "arrive", "start-repair"}
REGISTER = {"dispatcher", "supervisor_x", "manager"}
REMEDIES = DEALERS | REGISTER  # the office and the dealers; no technician

# url name → (object kind or None, {action: roles allowed})
RULES = {
    "schema": (None, {"get": "public"}),
    "docs": (None, {"get": "public"}),
    "redoc": (None, {"get": "public"}),
    "me": (None, {"get": EVERYONE}),
    "warranty-evaluate": (None, {"post": EVERYONE}),
    "unit-warranty": ("unit", {"get": EVERYONE}),
    "product-model-list": (None, {"list": EVERYONE}),
    "product-model-detail": ("model", {"retrieve": EVERYONE}),
    "unit-list": (None, {"list": EVERYONE, "create": {"dealer_a", "dealer_b"}}),
    "unit-detail": ("unit", {"retrieve": EVERYONE}),
    "repair-call-list": (None, {"list": EVERYONE, "create": DEALERS | {"dispatcher", "manager"}}),
    "repair-call-detail": ("call", {"retrieve": EVERYONE}),
    "work-order-list": (None, {"list": EVERYONE}),
    "work-order-detail": ("order", {"retrieve": EVERYONE}),
    "work-order-dispatch-order": ("order", {"dispatch_order": {"dispatcher", "manager"}}),
    **{
        f"work-order-{verb}": (
            "order",
            {verb.replace("-", "_"): REGISTER | ({"technician_x"} if verb in ON_SITE else set())},
        )
        for verb in VERBS
    },
    # The field's exceptions: the office's roles (a technician moves and records on the tablet).
    "work-order-reschedule": ("order", {"reschedule": REGISTER}),
    "work-order-redispatch": ("order", {"redispatch": REGISTER}),
    "work-order-not-home": ("order", {"not_home": REGISTER}),
    "service-center-list": (None, {"list": EVERYONE}),
    "service-center-detail": ("center", {"retrieve": EVERYONE}),
    "part-list": (None, {"list": INTERNAL}),
    "part-detail": ("part", {"retrieve": INTERNAL}),
    "settlement-list": (None, {"list": {"manager", "supervisor_x"}}),
    "settlement-detail": ("settlement", {"retrieve": {"manager", "supervisor_x"}}),
    "webhook-list": (None, {"list": DEALERS, "create": DEALERS}),
    "webhook-detail": ("webhook", {"retrieve": DEALERS, "destroy": DEALERS}),
    "webhook-delivery-list": (None, {"list": DEALERS}),
    "webhook-delivery-detail": ("webhook", {"retrieve": DEALERS}),
    "webhook-delivery-replay": ("webhook", {"replay": DEALERS}),
    "remedy-request-list": (None, {"list": REMEDIES, "create": REMEDIES}),
    "remedy-request-detail": ("remedy", {"retrieve": REMEDIES}),
    "remedy-request-approve": ("remedy", {"approve": {"manager"}}),
    "remedy-request-reject": ("remedy", {"reject": {"manager"}}),
    "doa-check-list": (None, {"list": REMEDIES, "create": REMEDIES}),
    "doa-check-detail": ("doa", {"retrieve": REMEDIES}),
    "dealer-credit-list": (None, {"list": DEALERS | {"dispatcher", "manager"}}),
    "dealer-credit-detail": ("credit", {"retrieve": DEALERS | {"dispatcher", "manager"}}),
    "maintenance-contract-list": (None, {"list": REMEDIES}),
    "maintenance-contract-detail": ("contract", {"retrieve": REMEDIES}),
    "rates-list": (None, {"list": {"manager"}}),  # the service rates: managers only
}
SKIP = {"not-found"}  # the catch-all 404 (tested on its own)


def expected(role, name, action, party):
    kind, allowed = RULES[name]
    roles = allowed[action]
    if roles == "public":
        return PASS
    if role == "anonymous":
        return 401
    if kind is not None and party not in SCOPE[kind].get(role, ""):
        return 404
    return PASS if role in roles else 403


@pytest.fixture
def matrix(api_world, client):
    now = timezone.now()
    part = Part.objects.create(code="P-1", name="压缩机", category=api_world.unit_a.model.category)
    settlements = {
        party: Settlement.objects.create(
            center=center, month=dt.date(2026, 10, 1), center_level="a", computed_at=now
        )
        for party, center in (("a", api_world.center_x), ("b", api_world.center_y))
    }
    webhooks = {
        party: webhook_endpoint_create(dealer=dealer, url=PUBLIC_HOOK_URL)
        for party, dealer in (("a", api_world.dealer_a), ("b", api_world.dealer_b))
    }
    deliveries = {
        party: WebhookDelivery.objects.create(endpoint=endpoint, event_type="x", payload={})
        for party, endpoint in webhooks.items()
    }
    objects = {
        "unit": {"a": api_world.unit_a, "b": api_world.unit_b},
        "call": {"a": api_world.call_a, "b": api_world.call_b},
        "order": {"a": api_world.order_a, "b": api_world.order_b},
        "center": {"a": api_world.center_x, "b": api_world.center_y},
        "part": {"a": part, "b": part},
        "model": {"a": api_world.unit_a.model, "b": api_world.unit_b.model},
        "settlement": settlements,
        "webhook": webhooks,
        **_remedies(api_world),
        "contract": {
            party: contract_create(
                customer=order.call.unit.owner,
                units=[order.call.unit],
                starts_on=api_world.today,
                ends_on=api_world.today + dt.timedelta(days=364),
                price_amount=Decimal("600.00"),
                center=order.center,
                sold_by_dealer=dealer,
            )
            for party, order, dealer in (
                ("a", api_world.order_a, api_world.dealer_a),
                ("b", api_world.order_b, api_world.dealer_b),
            )
        },
    }
    delivery_objects = deliveries
    users = {
        "dispatcher": api_world.dispatcher,
        "technician_x": api_world.tech_x.user,
        "supervisor_x": api_world.supervisor_x,
        "manager": api_world.manager,
    }
    keys = {"dealer_a": api_world.key_a.raw_key, "dealer_b": api_world.key_b.raw_key}
    return objects, delivery_objects, users, keys


def _remedies(world) -> dict:
    """Per party: a remedy request awaiting approval about its centre's work order, an out-of-box check
    at that centre (failed: no request) and a credit note to its dealer."""
    found = {"remedy": {}, "doa": {}, "credit": {}}
    for party, order, dealer in (("a", world.order_a, world.dealer_a), ("b", world.order_b, world.dealer_b)):
        unit = order.call.unit
        decision = warranty_decision_record(unit=unit, facts=unit_facts(unit=unit, report_date=world.today))
        row = remedy_services.remedy_request_open(
            decision=decision,
            remedy="return",
            override_reason="测试",
            work_order=order,
            acting_user=world.manager,
        )
        found["remedy"][party] = row
        found["doa"][party] = DoaCheck.objects.create(
            number=f"KX-{party}",
            unit=unit,
            dealer=dealer,
            center=order.center,
            fault="黑屏",
            confirmed_by="李师傅",
            status="rejected",
            recorded_by=world.manager,
        )
        found["credit"][party] = DealerCredit.objects.create(
            number=f"XD-{party}", dealer=dealer, request=row, amount="1.00", reason="换货"
        )
    return found


def _state():
    return (
        ProductUnit.objects.count(),
        RepairCall.objects.count(),
        sorted(WorkOrder.objects.values_list("pk", "status", "center_id")),
        WorkOrderEvent.objects.count(),
        sorted(WebhookEndpoint.objects.values_list("pk", "active")),
        WebhookDelivery.objects.count(),
        IdempotencyRecord.objects.count(),
        sorted(RemedyRequest.objects.values_list("pk", "status")),
        DoaCheck.objects.count(),
        DealerCredit.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_the_matrix_says(client, matrix, role):
    objects, deliveries, users, keys = matrix
    headers = {}
    if role in users:
        client.force_login(users[role])
    elif role in keys:
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {keys[role]}"
    endpoints = api_endpoints()
    names = {name for name, _kwargs, _actions in endpoints}
    assert names - SKIP <= RULES.keys(), (
        f"endpoints without a line in RULES: {sorted(names - SKIP - RULES.keys())}"
    )
    mismatches, checked = [], 0
    for name, kwarg_names, actions in endpoints:
        if name in SKIP:
            continue
        kind, allowed = RULES[name]
        assert set(actions.values()) == set(allowed), f"{name}: actions {actions} vs RULES {allowed}"
        parties = ["a", "b"] if kwarg_names else ["-"]
        for party in parties:
            kwargs = {}
            if kwarg_names:
                obj = (deliveries if name.startswith("webhook-delivery") else objects[kind])[party]
                kwargs = {kwarg_names[0]: obj.pk}
            url = reverse(f"api:{name}", kwargs=kwargs)
            for method in ("get", "post", "put", "patch", "delete"):
                action = actions.get(method)
                want = 405 if action is None else expected(role, name, action, party)
                if action is None and role == "anonymous" and allowed.get("get") != "public":
                    want = 401
                if action is None and allowed.get("get") == "public":
                    continue
                before = _state()
                try:
                    with transaction.atomic():
                        response = getattr(client, method)(
                            url, {}, content_type="application/json", **headers
                        )
                        after = _state()
                        raise Rollback
                except Rollback:
                    pass
                got = response.status_code
                ok = got < 500 and (got not in (401, 403, 404, 405) if want == PASS else got == want)
                if ok and want != PASS and after != before:
                    ok = False
                if ok and got >= 400 and "json" in response.get("Content-Type", ""):
                    ok = set(response.json()) == {"code", "message", "errors"}
                if not ok:
                    mismatches.append(
                        f"{method.upper()} {url} ({name}, party {party}): expected {want}, got {got}"
                    )
                checked += 1
    assert not mismatches, "\n".join(mismatches)
    assert checked > 100
