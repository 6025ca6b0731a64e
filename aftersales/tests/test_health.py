import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_is_503_without_a_celery_worker(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    # Each queue reported, and none has a worker: nothing would run the SLA scan, a PDF or an SMS.
    assert body["checks"]["celery"] == {
        "ok": False,
        "workers": [],
        "queues": {"clock": [], "documents": [], "notify": []},
    }
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


def test_healthz_reports_redis_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_healthz_reports_database_down(client):
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = 1
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
    connection.ensure_connection()
