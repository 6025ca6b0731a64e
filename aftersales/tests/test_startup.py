"""The web process puts its startup heap out of the garbage collector's sight once loaded (a full
collection walking it took 50–100 ms inside a request)."""

import json
import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, json
before = gc.get_freeze_count()
import aftersales.wsgi
import sys
print(json.dumps({"before": before, "after": gc.get_freeze_count(),
                  "views_loaded": "repairs.api.views" in sys.modules}))
"""


def test_the_wsgi_application_freezes_what_it_loaded():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "aftersales.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "DEBUG": "1",
        "SECRET_KEY": "a-key-for-this-probe-only-0123456789-abcdefghijklmnop",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["before"] == 0
    assert found["views_loaded"]
    assert found["after"] > 100_000  # every module, model and URL pattern loaded
