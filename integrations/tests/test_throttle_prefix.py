"""Two installations on one Redis (the same database number) keep their counters apart: every key the
project writes there starts with its CACHE_KEY_PREFIX. Real Redis, real requests, no mocks."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from aftersales import health
from integrations import throttling

pytestmark = pytest.mark.django_db

LIMITED = {"burst": "3/min", "sustained": "1000/day"}


def _as(prefix):
    """The settings of an installation whose prefix is `prefix` (the rest as the tests' own)."""
    return override_settings(
        CACHE_KEY_PREFIX=prefix,
        API_THROTTLE_ENABLED=True,
        API_THROTTLE_RATES=LIMITED,
    )


def _forget(ident):
    for prefix in ("install_a", "install_b"):
        with _as(prefix):
            throttling.forget(ident)


def test_a_key_used_up_on_one_installation_is_fresh_on_another_sharing_the_redis(client, api_world):
    """The same key id (both installations numbered their first key 1) on two prefixes: installation A's
    caller is refused after its burst, installation B's first call is answered."""
    ident = f"key{api_world.key_a.api_key.pk}"
    _forget(ident)
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {api_world.key_a.raw_key}"}
    try:
        with _as("install_a"):
            assert [client.get("/api/v1/units/", **auth).status_code for _ in range(4)] == [
                200,
                200,
                200,
                429,
            ]
        with _as("install_b"):
            assert [client.get("/api/v1/units/", **auth).status_code for _ in range(3)] == [200, 200, 200]
            assert client.get("/api/v1/units/", **auth).status_code == 429
        # Forgetting B's counters leaves A's limit in force.
        with _as("install_b"):
            throttling.forget(ident)
            assert client.get("/api/v1/units/", **auth).status_code == 200
        with _as("install_a"):
            assert client.get("/api/v1/units/", **auth).status_code == 429
        keys = [k.decode() for k in throttling.redis_client().scan_iter(f"*ratelimit*{ident}:*")]
        assert keys and all(k.startswith(("install_a:", "install_b:")) for k in keys), keys
    finally:
        _forget(ident)


def test_the_cache_and_the_beat_heartbeat_carry_the_prefix():
    """Django's cache is prefixed from the same setting, and so is beat's last tick shown on /healthz:
    one installation's beat does not make the other's look alive."""
    assert settings.CACHES["default"]["KEY_PREFIX"] == settings.CACHE_KEY_PREFIX
    client = throttling.redis_client()
    with _as("install_a"):
        client.delete("install_a:beat:last_tick", "install_b:beat:last_tick")
        health.beat_heartbeat_record()
        assert health.check_beat()["last_tick_seconds_ago"] is not None
    with _as("install_b"):
        assert health.check_beat() == {"last_tick_seconds_ago": None}
    assert client.exists("install_a:beat:last_tick")
    client.delete("install_a:beat:last_tick")

    cache = caches["default"]
    cache.set("dashboard-figures", "mine")
    raw = [k.decode() for k in client.scan_iter("*dashboard-figures")]
    assert raw == [f"{settings.CACHE_KEY_PREFIX}:1:dashboard-figures"]
    cache.delete("dashboard-figures")


def test_celery_queues_and_results_live_under_the_prefix():
    """The broker's queues and the task results carry the prefix too: a worker of another installation on
    the same Redis never takes this one's tasks."""
    from aftersales.celery import app

    prefix = settings.CACHE_KEY_PREFIX
    assert app.conf.broker_transport_options["global_keyprefix"] == f"{prefix}:"
    assert app.conf.result_backend_transport_options["global_keyprefix"] == f"{prefix}:"
    client = throttling.redis_client()
    queue = "prefix-check"
    with app.connection_for_write() as conn:
        app.send_task("aftersales.tasks.beat_heartbeat", queue=queue, connection=conn)
        try:
            assert client.llen(f"{prefix}:{queue}") == 1
            assert not client.exists(queue)
        finally:
            client.delete(f"{prefix}:{queue}")
