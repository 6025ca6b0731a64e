import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_pages_are_in_chinese_by_default(client):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "售后服务" in html


@pytest.mark.django_db
def test_the_language_switch_turns_the_ui_english_and_back(client, users):
    client.force_login(users["manager"])
    client.post(reverse("set_language"), {"language": "en", "next": "/network/dashboard/"})
    html = client.get(reverse("office:dashboard")).content.decode()
    assert '<html lang="en">' in html
    assert "Service centres" in html and "服务网点" not in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "服务网点" in client.get(reverse("office:dashboard")).content.decode()


def test_the_chinese_catalogue_translates_every_string():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_no_marked_string_is_missing_from_the_catalogue(tmp_path):
    """Re-extract the strings; anything new that nobody translated fails here, named."""
    root = PO.parents[3]
    original = PO.read_bytes()
    try:
        subprocess.run(
            [
                str(root / ".venv" / "bin" / "python") if (root / ".venv").exists() else "python",
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "--ignore=.venv",
                "--ignore=var",
                "--ignore=test-artifacts",
                "--no-location",
                "-v0",
            ],
            cwd=root,
            check=True,
            capture_output=True,
            timeout=120,
        )
        result = subprocess.run(
            ["msgattrib", "--untranslated", "--no-obsolete", str(PO)],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        PO.write_bytes(original)
    untranslated = [
        line for line in result.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""'
    ]
    assert untranslated == []


@pytest.mark.django_db
def test_pages_stay_chinese_for_a_browser_that_prefers_english(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html and "登录" in html


@pytest.mark.django_db
def test_the_api_answers_in_the_language_asked_for(client):
    assert "身份认证" in client.get("/api/v1/me/").json()["message"]
    english = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert english == "Authentication credentials were not provided."
