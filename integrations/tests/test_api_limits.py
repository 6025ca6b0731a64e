import threading

import pytest
from django.test import override_settings

from integrations.models import IdempotencyRecord
from integrations.throttling import forget
from repairs.factories import finish
from repairs.models import ProductUnit, RepairCall

from .test_api_resources import _sale_body

pytestmark = pytest.mark.django_db


def _forget_rates(*keys):
    for key in keys:
        forget(f"key{key.api_key.pk}")


@override_settings(API_THROTTLE_ENABLED=True, API_THROTTLE_RATES={"burst": "3/min", "sustained": "1000/day"})
def test_a_key_over_its_burst_rate_gets_429_with_retry_after_and_other_keys_do_not(client, api_world):
    _forget_rates(api_world.key_a, api_world.key_b)
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}"}
    assert [client.get("/api/v1/units/", **a).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/units/", **a)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled" and refused.json()["errors"] == {}
    english = client.get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en", **a)
    assert "throttled" in english.json()["message"]
    b = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_b.raw_key}"}
    assert client.get("/api/v1/units/", **b).status_code == 200
    _forget_rates(api_world.key_a, api_world.key_b)


@override_settings(API_THROTTLE_ENABLED=True, API_THROTTLE_RATES={"burst": "1000/min", "sustained": "2/day"})
def test_the_sustained_rate_applies_too(client, api_world):
    _forget_rates(api_world.key_a)
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}"}
    assert [client.get("/api/v1/units/", **a).status_code for _ in range(3)] == [200, 200, 429]
    _forget_rates(api_world.key_a)


@override_settings(API_THROTTLE_ENABLED=True, API_THROTTLE_RATES={"burst": "3/min", "sustained": "1000/day"})
def test_the_burst_rate_counts_the_last_minute_not_the_clock_minute(client, api_world, monkeypatch):
    """Three requests at 12:01:40 fill the minute; at 12:02:01 the window has moved on but the last 60 s
    still hold them, so a fourth is refused (a clock-minute counter would let 3 more through at once);
    refused requests count for nothing; by 12:02:50 one fits again."""
    from integrations import throttling

    _forget_rates(api_world.key_a)
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}"}
    clock = {"now": 1_800_000_000 // 60 * 60 + 60 + 40.0}
    monkeypatch.setattr(throttling, "_now", lambda: clock["now"])
    assert [client.get("/api/v1/me/", **a).status_code for _ in range(4)] == [200, 200, 200, 429]
    clock["now"] += 21
    refused = [client.get("/api/v1/me/", **a) for _ in range(5)]
    assert {r.status_code for r in refused} == {429}
    assert 1 <= int(refused[0]["Retry-After"]) <= 60
    clock["now"] += 49
    assert client.get("/api/v1/me/", **a).status_code == 200
    _forget_rates(api_world.key_a)


def test_a_retried_sale_with_the_same_key_returns_the_first_answer_and_registers_once(client, api_world):
    headers = {
        "HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}",
        "HTTP_IDEMPOTENCY_KEY": "sale-0001",
    }
    body = _sale_body(api_world)
    first = client.post("/api/v1/units/", body, content_type="application/json", **headers)
    again = client.post("/api/v1/units/", body, content_type="application/json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ProductUnit.objects.filter(serial_number="GR2026A0001").count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused_with_422(client, api_world):
    headers = {
        "HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}",
        "HTTP_IDEMPOTENCY_KEY": "sale-0002",
    }
    client.post("/api/v1/units/", _sale_body(api_world), content_type="application/json", **headers)
    other = client.post(
        "/api/v1/units/",
        _sale_body(api_world, serial_number="OTHER-1"),
        content_type="application/json",
        **headers,
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert not ProductUnit.objects.filter(serial_number="OTHER-1").exists()


def test_idempotency_keys_are_scoped_per_api_key(client, api_world):
    body = {"unit": api_world.unit_a.pk, "symptom_text": "x"}
    finish(api_world.order_a)
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}", "HTTP_IDEMPOTENCY_KEY": "same"}
    b = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_b.raw_key}", "HTTP_IDEMPOTENCY_KEY": "same"}
    assert client.post("/api/v1/repair-calls/", body, content_type="application/json", **a).status_code == 201
    # Dealer B's same key is its own: its request is judged on its own (the unit is not B's).
    refused = client.post("/api/v1/repair-calls/", body, content_type="application/json", **b)
    assert refused.status_code == 400 and "unit" in refused.json()["errors"]


def test_a_refused_request_is_not_stored_so_the_corrected_one_goes_through(client, api_world):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}", "HTTP_IDEMPOTENCY_KEY": "fix-me"}
    bad = client.post(
        "/api/v1/repair-calls/", {"unit": api_world.unit_a.pk}, content_type="application/json", **headers
    )
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="fix-me").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_two_simultaneous_retries_log_one_call(api_world):
    """Two threads post the same call with the same key at once: one call is logged; the other request
    gets the stored answer or 409 (still running), never a second call."""
    from django.db import connection
    from django.test import Client

    finish(api_world.order_a)
    before = RepairCall.objects.count()
    answers = []
    barrier = threading.Barrier(2)

    def post():
        barrier.wait()
        response = Client().post(
            "/api/v1/repair-calls/",
            {"unit": api_world.unit_a.pk, "symptom_text": "同时重试"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Api-Key {api_world.key_a.raw_key}",
            HTTP_IDEMPOTENCY_KEY="race-1",
        )
        answers.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert RepairCall.objects.count() == before + 1
    assert sorted(answers) in ([201, 201], [201, 409])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_key_is_claimed_and_answered_in_one_commit(client, api_world, monkeypatch):
    """While the sale is being registered, another connection sees no record of the key: a process that
    dies at that moment leaves no key stuck "in progress". Once answered, the key and the answer are there."""
    import psycopg2
    from django.db import connection

    from integrations.api.sales import UnitViewSet

    seen = []
    register = UnitViewSet.create_resource

    def watched(self, request):
        params = connection.get_connection_params()
        other = psycopg2.connect(
            dbname=params["dbname"], user=params["user"], host=params["host"], port=params["port"]
        )
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM integrations_idempotencyrecord WHERE key = 'sale-crash'")
                seen.append(cursor.fetchone()[0])
        finally:
            other.close()
        return register(self, request)

    monkeypatch.setattr(UnitViewSet, "create_resource", watched)
    headers = {
        "HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}",
        "HTTP_IDEMPOTENCY_KEY": "sale-crash",
    }
    response = client.post(
        "/api/v1/units/", _sale_body(api_world), content_type="application/json", **headers
    )
    assert response.status_code == 201 and seen == [0]
    record = IdempotencyRecord.objects.get(key="sale-crash")
    assert record.response_status == 201 and record.response_body["id"] == response.json()["id"]


def test_405_and_404_share_the_shape_in_english_on_request(client, api_world):
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}", "HTTP_ACCEPT_LANGUAGE": "en"}
    gone = client.delete(f"/api/v1/units/{api_world.unit_a.pk}/", **a)
    assert gone.status_code == 405 and gone.json()["code"] == "method_not_allowed"
    assert "DELETE" in gone.json()["message"]
    missing = client.get(f"/api/v1/units/{api_world.unit_b.pk}/", **a)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    zh = client.get(f"/api/v1/units/{api_world.unit_b.pk}/", HTTP_AUTHORIZATION=a["HTTP_AUTHORIZATION"])
    assert zh.json()["message"] != missing.json()["message"]


def test_expired_idempotency_records_are_purged(api_world):
    import datetime as dt

    from django.utils import timezone

    from integrations.services import idempotency_records_purge

    now = timezone.now()
    old = IdempotencyRecord.objects.create(
        owner="user:1",
        key="old",
        method="POST",
        path="/",
        request_hash="x",
        created_at=now - dt.timedelta(hours=25),
    )
    fresh = IdempotencyRecord.objects.create(
        owner="user:1", key="new", method="POST", path="/", request_hash="x"
    )
    assert idempotency_records_purge(now=now) == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
