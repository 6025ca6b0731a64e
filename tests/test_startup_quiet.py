"""A first start says what a person needs and nothing else: seeding the demo sends no message (no
confirmation code texted, no e-mail, nothing queued for the worker), manage.py commands print no WeasyPrint
chatter, and scripts/run.sh prints the address, the logins and the demo API key, then stops web, worker and
beat on Ctrl-C with status 0. Real PostgreSQL, Redis, Celery, gunicorn."""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from aftersales import sms
from aftersales.celery import QUEUES
from care.models import Notification
from demo.integrations import DEMO_API_KEY
from integrations.throttling import redis_client
from repairs.models import ConfirmationCodeSend, WorkOrder

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra):
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,
        **extra,
    }
    env.pop("PYTEST_XDIST_WORKER", None)  # REDIS_URL above is already this worker's own database
    return env


def _queued() -> int:
    """Messages waiting in this installation's Celery queues (under its key prefix)."""
    return sum(redis_client().llen(f"{settings.CACHE_KEY_PREFIX}:{queue}") for queue in QUEUES)


def _children(pid: int) -> set[int]:
    """Every descendant process of `pid` (Linux /proc)."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += list(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split(") ", 1)[1][0] != "Z"


def _without_root_warning(lines: list[str]) -> list[str]:
    """Celery's SecurityWarning when the worker runs as root (containers, this CI machine): Celery's to give,
    not a line of ours; a desktop user never sees it."""
    if os.geteuid() != 0:
        return lines
    kept, skipping = [], False
    for line in lines:
        if "SecurityWarning: You're running the worker with superuser privileges" in line:
            skipping = True
        if not skipping:
            kept.append(line)
        if skipping and "_warn_or_raise_security_error(" in line:
            skipping = False
    return kept


# Started as a terminal's shell starts a command, SIGINT at its default and unblocked, whatever this process
# inherited: a suite started in the background by a non-interactive shell (`make test > log &` in a script) has
# SIGINT ignored, make, pytest and its xdist workers pass that on, and bash can never trap a signal that was
# ignored when it started, so run.sh would not see the Ctrl-C (and the stop below would time out). The exec
# keeps run.sh's pid.
AS_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
)


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:  # 503: the report says what is down
        return error.code, json.loads(error.read())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_seeding_the_demo_sends_nothing_and_run_sh_starts_quietly_and_stops_on_ctrl_c(reference_data):
    from aftersales.celery import app

    app.control.purge()
    sms.outbox.clear()
    mail.outbox = []

    call_command("seed_demo", customers=60, stdout=io.StringIO())

    # The demo's history is committed (the transaction's after-commit work has run) and notified nobody.
    assert WorkOrder.objects.filter(dispatched_at__isnull=False).count() > 20
    assert ConfirmationCodeSend.objects.count() == 0
    assert not WorkOrder.objects.exclude(confirmation_code_hash="").exists()
    assert sms.outbox == [] and mail.outbox == []
    assert _queued() == 0
    # The bell still has what the SLA scan found; what the scan e-mails (breaches, escalations) was handled
    # without an e-mail (the demo users have none). A warning ("due in N minutes") is the bell's only, never
    # e-mailed (care.services.sla), and appears when the seed's clock falls in a deadline's warning window.
    assert Notification.objects.exists()
    assert not Notification.objects.filter(emailed_at__isnull=True).exclude(kind="warning").exists()

    # `make run`'s last step, against this database.
    port = _free_port()
    run = subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_TERMINAL, "scripts/run.sh"],
        cwd=ROOT,
        env=_env(PORT=str(port), VENV=str(Path(sys.executable).parent.parent)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines, started = [], set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = run.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C stops"):
                break
        assert lines and lines[-1].startswith("Ctrl-C stops"), "\n".join(lines)
        started = _children(run.pid)
        time.sleep(3)  # the workers and beat are up and say nothing more
        # A worker per queue, each named after it, and /healthz says so once they answer.
        named = {queue: [f"{queue}@{socket.gethostname()}"] for queue in QUEUES}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5)
            if {name for reply in replies for name in reply} >= {w for ws in named.values() for w in ws}:
                break
        status, health = _health(port)
        assert status == 200 and health["checks"]["celery"]["queues"] == named, health
        # What they print from now on is read as a terminal would (a pipe nobody reads fills up and blocks the
        # writer: the stop would then hang on the test, not on the script).
        rest: list[str] = []
        reader = threading.Thread(target=lambda: rest.extend(run.stdout.read().splitlines()), daemon=True)
        reader.start()
        caught = Path(f"/proc/{run.pid}/status").read_text().split("SigCgt:")[1].split()[0]
        assert int(caught, 16) & 1 << (signal.SIGINT - 1), "run.sh does not trap SIGINT"
        run.send_signal(signal.SIGINT)
        status = run.wait(timeout=90)
        reader.join(10)
    finally:
        for pid in [run.pid, *started]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        run.wait()

    output = _without_root_warning(lines + rest)
    text = "\n".join(output)
    assert status == 0, text
    assert f"http://127.0.0.1:{port}/" in text
    assert "dispatcher" in text and "demo-2026" in text
    assert DEMO_API_KEY in text and "D001" in text
    # Once each, and nothing else but a blank line or two and the goodbye.
    assert text.count("Demo logins") == 1 and text.count(DEMO_API_KEY) == 1
    assert "Traceback" not in text and "Step 2" not in text and "Error" not in text
    assert len(output) <= 15, text
    assert output[-1] == "Stopped web, workers and beat."
    # Web, the workers and beat (and their children) are all gone.
    assert started and not [pid for pid in started if _alive(pid)]


def test_manage_py_commands_print_no_weasyprint_chatter():
    """`check` and `shell -c ''` load the PDF modules (and with them WeasyPrint's stylesheets): they print
    their own line and nothing from WeasyPrint, at the default log level."""
    env = _env(DJANGO_SETTINGS_MODULE="aftersales.settings", DEBUG="1")
    env.pop("LOG_LEVEL", None)
    env.pop("WEASYPRINT_LOG_LEVEL", None)
    check = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout == "System check identified no issues (0 silenced).\n"
    assert check.stderr == ""
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", "import settlement.pdf, repairs.pdf"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout == shell.stderr == ""
