import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from integrations.services import webhook_attempt
from repairs import services as repair_services
from repairs.choices import WorkOrderStatus


class Receiver:
    """A real local HTTP server that answers the given status codes in turn (the last one after that) and
    keeps what it received."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                code = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(f"answer {code}".encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/aftersales"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _register(client, api_world, url):
    response = client.post(
        "/api/v1/webhooks/",
        {"url": url, "description": "门店系统"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {api_world.key_a.raw_key}",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _verify(secret: str, header: str, body: bytes) -> bool:
    """What a dealer's receiver does, written independently of our code."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.mark.django_db
def test_a_status_change_is_posted_signed_and_recorded(client, api_world, django_capture_on_commit_callbacks):
    with Receiver([200]) as receiver:
        created = _register(client, api_world, receiver.url)
        secret = created["secret"]
        assert secret.startswith("whsec_")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            repair_services.work_order_transition(
                work_order=api_world.order_a,
                to_status=WorkOrderStatus.ACCEPTED,
                acting_user=api_world.tech_x.user,
            )
        assert len(callbacks) == 1  # queued only for after the commit
        delivery = WebhookDelivery.objects.get()
        assert webhook_attempt(delivery_id=delivery.pk).delivered
    request = receiver.received[0]
    assert _verify(secret, request["headers"]["X-Aftersales-Signature"], request["body"])
    assert not _verify("whsec_wrong", request["headers"]["X-Aftersales-Signature"], request["body"])
    event = json.loads(request["body"])
    assert event["type"] == "work_order.status_changed" == request["headers"]["X-Aftersales-Event"]
    assert event["data"]["work_order"]["status"] == "accepted"
    assert event["data"]["work_order"]["previous_status"] == "dispatched"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.response_excerpt == "answer 200"
    # The secret is never listed again.
    listed = client.get("/api/v1/webhooks/", HTTP_AUTHORIZATION=f"Api-Key {api_world.key_a.raw_key}").json()
    assert "secret" not in listed["results"][0]


@pytest.mark.django_db
def test_other_dealers_units_and_notes_send_nothing(client, api_world, django_capture_on_commit_callbacks):
    _register(client, api_world, "http://127.0.0.1:9/none")
    with django_capture_on_commit_callbacks(execute=False):
        repair_services.work_order_transition(
            work_order=api_world.order_b,
            to_status=WorkOrderStatus.ACCEPTED,
            acting_user=api_world.tech_y.user,
        )
        repair_services.work_order_note(
            work_order=api_world.order_a, acting_user=api_world.manager, note="备注"
        )
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_HTTP=False)
def test_only_https_urls_are_accepted(client, api_world):
    response = client.post(
        "/api/v1/webhooks/",
        {"url": "http://example.com/hook"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {api_world.key_a.raw_key}",
    )
    assert response.status_code == 400 and "url" in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
@override_settings(WEBHOOK_MAX_ATTEMPTS=2)
def test_a_failing_receiver_is_tried_until_the_attempts_run_out(client, api_world):
    with Receiver([500]) as receiver:
        _register(client, api_world, receiver.url)
        endpoint = WebhookEndpoint.objects.get()
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type="x", payload={"a": 1})
        first = webhook_attempt(delivery_id=delivery.pk)
        assert (first.delivered, first.retry) == (False, True)
        second = webhook_attempt(delivery_id=delivery.pk)
        assert (second.delivered, second.retry) == (False, False)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    assert delivery.last_status_code == 500 and delivery.response_excerpt == "answer 500"


@pytest.mark.django_db
def test_a_dealer_lists_and_replays_its_deliveries_and_not_anothers(client, api_world):
    created = _register(client, api_world, "http://127.0.0.1:9/none")
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="work_order.status_changed", payload={}
    )
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}"}
    b = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_b.raw_key}"}
    assert [d["id"] for d in client.get("/api/v1/webhook-deliveries/", **a).json()["results"]] == [
        delivery.pk
    ]
    assert client.get("/api/v1/webhook-deliveries/", **b).json()["results"] == []
    assert client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/", **b).status_code == 404
    replay = client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/", **a)
    assert replay.status_code == 202
    assert replay.json()["replay_of"] == delivery.pk and replay.json()["event_id"] == str(delivery.event_id)
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_real_worker_retries_with_backoff_until_the_receiver_accepts(client, api_world):
    """The receiver fails twice (500, then 503) and accepts the third attempt, 1 s and 2 s later (the test
    settings' backoff base is 1 s)."""
    from conftest import celery_worker

    with Receiver([500, 503, 200]) as receiver, celery_worker(name="webhooks"):
        created = _register(client, api_world, receiver.url)
        repair_services.work_order_transition(
            work_order=api_world.order_a,
            to_status=WorkOrderStatus.ACCEPTED,
            acting_user=api_world.tech_x.user,
        )
        deadline = time.monotonic() + 30
        delivery = WebhookDelivery.objects.get()
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status != DeliveryStatus.PENDING:
                break
            time.sleep(0.2)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 3 and delivery.last_status_code == 200
    assert len(receiver.received) == 3
    assert all(
        _verify(created["secret"], r["headers"]["X-Aftersales-Signature"], r["body"])
        for r in receiver.received
    )
    assert len({r["body"] for r in receiver.received}) == 1  # the same event each time


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE_HOSTS=False)
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/h", "https://10.1.2.3/h", "https://[::1]/h", "https://localhost/h"]
)
def test_urls_into_our_own_network_are_refused(client, api_world, url):
    response = client.post(
        "/api/v1/webhooks/",
        {"url": url},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {api_world.key_a.raw_key}",
    )
    assert response.status_code == 400 and "url" in response.json()["errors"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_a_delivery_to_a_host_turned_private_is_refused_at_the_attempt(client, api_world):
    with Receiver([200]) as receiver:
        _register(client, api_world, receiver.url)
        delivery = WebhookDelivery.objects.create(
            endpoint=WebhookEndpoint.objects.get(), event_type="x", payload={}
        )
        with override_settings(WEBHOOK_ALLOW_PRIVATE_HOSTS=False):
            assert not webhook_attempt(delivery_id=delivery.pk).delivered
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and delivery.last_error


@pytest.mark.django_db
def test_a_redirect_is_not_followed(client, api_world):
    with Receiver([302]) as receiver:
        _register(client, api_world, receiver.url)
        delivery = WebhookDelivery.objects.create(
            endpoint=WebhookEndpoint.objects.get(), event_type="x", payload={}
        )
        assert not webhook_attempt(delivery_id=delivery.pk).delivered
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302


@pytest.mark.django_db
def test_the_attempt_connects_to_the_address_that_was_checked(client, api_world, monkeypatch):
    """DNS rebinding: the dealer's name resolves once, is checked, and the POST goes to that very address
    with the name in the Host header. (The name here exists only in this test's resolver: a second,
    independent resolution by an HTTP library would fail the delivery.)"""
    from integrations import services

    with Receiver([200]) as receiver:
        port = receiver.server.server_port
        monkeypatch.setattr(
            services, "_resolve", lambda host: ["127.0.0.1"] if host == "hooks.dealer.invalid" else []
        )
        _register(client, api_world, f"http://hooks.dealer.invalid:{port}/hooks/aftersales?shop=1")
        delivery = WebhookDelivery.objects.create(
            endpoint=WebhookEndpoint.objects.get(), event_type="x", payload={"a": 1}
        )
        assert webhook_attempt(delivery_id=delivery.pk).delivered
    assert receiver.received[0]["headers"]["Host"] == f"hooks.dealer.invalid:{port}"


@pytest.mark.django_db
@override_settings(WEBHOOK_ALLOW_PRIVATE_HOSTS=False)
def test_a_name_resolving_to_a_public_and_a_private_address_is_refused(client, api_world, monkeypatch):
    from integrations import services

    monkeypatch.setattr(services, "_resolve", lambda host: ["203.0.113.7", "192.168.1.5"])
    response = client.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.dealer.invalid/h"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {api_world.key_a.raw_key}",
    )
    assert response.status_code == 400 and "url" in response.json()["errors"]
    monkeypatch.setattr(services, "_resolve", lambda host: ["::ffff:127.0.0.1"])
    with pytest.raises(ValidationError, match="公网"):
        services.validate_webhook_url("https://hooks.dealer.invalid/h")


@pytest.mark.django_db
def test_a_removed_endpoint_gets_no_more_attempts_nor_replays(client, api_world):
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}"}
    with Receiver([500]) as receiver:
        created = _register(client, api_world, receiver.url)
        delivery = WebhookDelivery.objects.create(
            endpoint=WebhookEndpoint.objects.get(), event_type="x", payload={}
        )
        assert client.delete(f"/api/v1/webhooks/{created['id']}/", **a).status_code == 204
        result = webhook_attempt(delivery_id=delivery.pk)
        assert (result.delivered, result.retry) == (False, False)
        replay = client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/", **a)
    assert replay.status_code == 400 and "已删除" in replay.json()["message"] + str(replay.json()["errors"])
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
@override_settings(WEBHOOK_MAX_ENDPOINTS=2)
def test_a_dealer_has_a_bounded_number_of_endpoints(client, api_world):
    a = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}"}
    first = _register(client, api_world, "http://127.0.0.1:9/one")
    _register(client, api_world, "http://127.0.0.1:9/two")
    third = client.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:9/three"}, content_type="application/json", **a
    )
    assert third.status_code == 400 and "2" in str(third.json()["errors"]["url"])
    client.delete(f"/api/v1/webhooks/{first['id']}/", **a)
    _register(client, api_world, "http://127.0.0.1:9/three")
    assert WebhookEndpoint.objects.filter(active=True).count() == 2
