"""Logins cannot be brute-forced: five wrong passwords lock the username on that address for 15 minutes
(the right one is refused too, in Chinese); another address is not locked; a manager unlocks in the admin;
an API key is not a login and is not locked."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

HERE = {"REMOTE_ADDR": "203.0.113.7"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.9"}


def login(client, password, **meta):
    return client.post(reverse("login"), {"username": "disp", "password": password}, **meta)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_username_here_even_for_the_right_one(client, users):
    for _attempt in range(4):
        assert login(client, "wrong", **HERE).status_code == 200
    assert login(client, "wrong", **HERE).status_code == 429  # the fifth locks

    response = login(client, "pw-12345", **HERE)

    assert response.status_code == 429
    page = response.content.decode()
    assert "登录失败次数过多" in page and "15 分钟" in page
    assert not logged_in(client)


def test_four_wrong_passwords_still_let_the_right_one_in_and_start_the_count_again(client, users):
    for _attempt in range(4):
        login(client, "wrong", **HERE)

    assert login(client, "pw-12345", **HERE).status_code == 302
    assert logged_in(client)
    assert not AccessAttempt.objects.filter(username="disp").exists()


def test_the_lock_holds_the_username_on_that_address_only(client, users):
    for _attempt in range(5):
        login(client, "wrong", **HERE)

    assert login(client, "pw-12345", **ELSEWHERE).status_code == 302
    assert logged_in(client)


def test_fifteen_minutes_later_the_right_password_logs_in(client, users):
    for _attempt in range(5):
        login(client, "wrong", **HERE)
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    assert login(client, "pw-12345", **HERE).status_code == 302
    assert logged_in(client)


def test_a_manager_unlocks_in_the_admin_and_the_user_logs_in(client, users):
    for _attempt in range(5):
        login(client, "wrong", **HERE)
    manager = users["manager"]
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    admin = client.__class__()
    admin.force_login(manager)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "203.0.113.7" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="disp")

    admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert not AccessAttempt.objects.exists()
    assert login(client, "pw-12345", **HERE).status_code == 302


def test_a_dispatcher_may_not_unlock(client, users):
    for _attempt in range(5):
        login(client, "wrong", **HERE)
    dispatcher = users["dispatcher"]
    dispatcher.is_staff = True
    dispatcher.save(update_fields=["is_staff"])
    client.force_login(dispatcher)

    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
    assert AccessAttempt.objects.filter(username="disp").exists()


def test_api_keys_are_not_logins_and_are_not_locked(client, users):
    from integrations.services import api_key_create

    key = api_key_create(dealer=users["dealer_obj"], name="erp", acting_user=users["manager"])
    for _attempt in range(8):
        client.get("/api/v1/work-orders/", HTTP_AUTHORIZATION="Api-Key wrong-key", **HERE)

    response = client.get("/api/v1/work-orders/", HTTP_AUTHORIZATION=f"Api-Key {key.raw_key}", **HERE)

    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
