"""Test settings: the real PostgreSQL and Redis, on a Redis database of their own.

The Redis database is kept apart from the one `make run` uses so that a test worker and a
development worker never take each other's tasks.
"""

import os

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Under pytest-xdist each worker (gw0, gw1…) takes a Redis database of its own, counting down from the
# one given, so that one worker's Celery purge or cache clear never touches the other's (the test
# PostgreSQL database gets its _gwN suffix from pytest-django).
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist.startswith("gw") and _xdist[2:].isdigit():
    _base, _, _db = os.environ["REDIS_URL"].rpartition("/")
    _db = int(_db) if _db.isdigit() else 0
    os.environ["REDIS_URL"] = f"{_base}/{(_db - int(_xdist[2:])) % 16}"

# The prefix of every Redis key (settings.CACHE_KEY_PREFIX) is the test database's name, set here for the test
# process and the Celery workers it starts alike (their DATABASE_URL names the test database, this one's the
# development database, so the default would differ).
os.environ.setdefault("CACHE_KEY_PREFIX", os.environ.get("TEST_DATABASE_NAME", "test_aftersales"))

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

# The test client speaks plain http.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# Hashing with Argon2 on every test login would only measure Argon2; production keeps it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests must not depend on collectstatic having run.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
CARE_EMAIL_RETRY_SECONDS = 1  # a failed notification email is tried again a second later
SMS_BACKEND = os.environ.get("SMS_BACKEND", "aftersales.sms.backends.locmem.SmsBackend")
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Test data is thrown away: commits need not wait for the disk (the suite's transactional and seed tests
# commit often). Durability of the real database is untouched.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns when it is missing)
# Several test runs on one machine (a developer's and a helper's) each take a database of their own.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_aftersales")}  # noqa: F405
# A read replica for the tests of read routing (aftersales.dbrouting): the test database itself (a mirror), in
# read-only sessions, so that a write reaching it fails. Routing stays off (no DATABASE_ROUTERS) unless a test
# turns it on, so every other test reads and writes the primary only, whatever the environment says.
DATABASES["replica"] = {  # noqa: F405
    **DATABASES["default"],  # noqa: F405
    "OPTIONS": {"options": "-c default_transaction_read_only=on"},
    "TEST": {"MIRROR": "default"},
}
DATABASE_ROUTERS: list[str] = []
# A test that kills a worker mid-task gets its message handed out again within seconds, not minutes.
if os.environ.get("TEST_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405  (the installation's key prefix)
        "visibility_timeout": int(os.environ["TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
# The API's rate limits are tested on their own (those tests switch them on); the rest, schemathesis
# included, run unthrottled. Webhooks go to local http servers.
API_THROTTLE_ENABLED = False
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_HOSTS = True
WEBHOOK_RETRY_BASE_SECONDS = 1
WEBHOOK_TIMEOUT_SECONDS = 5.0
