import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = (
    "import json, django; from django.conf import settings as s; django.setup();"
    "d=s.DATABASES['default'];"
    "print(json.dumps({'db': [d['NAME'], d['HOST'], d['PORT'], d['USER']], 'redis': s.REDIS_URL,"
    " 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'tz': s.TIME_ZONE,"
    " 'use_tz': s.USE_TZ, 'lang': s.LANGUAGE_CODE, 'key': s.SECRET_KEY}))"
)


def _run(code_or_args, **env):
    # A clean environment, as a deployment has: nothing leaks in from the test process.
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    base["DJANGO_SETTINGS_MODULE"] = "aftersales.settings"
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_settings_come_from_the_environment():
    result = _run(
        PRINT_SETTINGS,
        DATABASE_URL="postgres://svc:pw@db.internal:6543/aftersales_prod",
        REDIS_URL="redis://cache.internal:6380/3",
        DEBUG="1",
        SECRET_KEY="from-the-environment",
        ALLOWED_HOSTS="service.example.cn,admin.example.cn",
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["db"] == ["aftersales_prod", "db.internal", 6543, "svc"]
    assert got["redis"] == got["broker"] == "redis://cache.internal:6380/3"
    assert got["debug"] is True
    assert got["hosts"] == ["service.example.cn", "admin.example.cn"]
    assert got["key"] == "from-the-environment"


def test_defaults_work_on_this_machine_and_speak_chinese_in_shanghai_time():
    got = json.loads(_run(PRINT_SETTINGS).stdout)
    assert got["db"] == ["aftersales", "127.0.0.1", 5432, "postgres"]
    assert got["redis"] == "redis://127.0.0.1:6379/0"
    assert got["debug"] is False
    assert (got["tz"], got["use_tz"], got["lang"]) == ("Asia/Shanghai", True, "zh-hans")


PRODUCTION_SMS = {
    "SMS_BACKEND": "aftersales.sms.backends.http.SmsBackend",
    "SMS_HTTP_URL": "https://sms-gateway.internal/send",
    "SMS_HTTP_TOKEN": "token-from-the-vault",
}


def test_deploy_check_is_clean_with_production_values():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="service.example.cn",
        **PRODUCTION_SMS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_catches_the_development_key():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_outside_debug_a_missing_sms_gateway_fails_the_deploy_check_and_the_web_start():
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "service.example.cn",
    }

    check = _run(["manage.py", "check", "--deploy"], **production)
    console = _run(
        ["manage.py", "check", "--deploy"],
        SMS_BACKEND="aftersales.sms.backends.console.SmsBackend",
        **production,
    )
    web = _run("import aftersales.wsgi", **production)
    configured = _run("import aftersales.wsgi", **production, **PRODUCTION_SMS)

    assert check.returncode != 0 and "aftersales.E001" in check.stdout + check.stderr
    assert console.returncode != 0 and "aftersales.E002" in console.stdout + console.stderr
    assert web.returncode != 0 and "ImproperlyConfigured" in web.stderr and "SMS_BACKEND" in web.stderr
    assert configured.returncode == 0, configured.stderr


def test_development_prints_messages_but_never_the_code_itself():
    """DEBUG's default backend is the console: the message shows, its code as asterisks."""
    result = _run(
        "import django; django.setup();"
        "from aftersales import sms; from django.conf import settings;"
        "print(settings.SMS_BACKEND);"
        "sms.send_sms('13812345678', '您的确认码：482913，请交给上门的工程师。', secrets=('482913',))",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert "console" in result.stdout
    assert "确认码：******" in result.stdout and "482913" not in result.stdout + result.stderr
