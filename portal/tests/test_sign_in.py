"""The sign-in page at /my/: a number the hotline knows and one it does not get the same answer, the code
signs in and goes back to a page of /my/ only, sign-out, staff and customers kept apart, the demo code."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from aftersales import sms
from network.factories import UserFactory
from portal.factories import customer_with_account
from portal.models import PortalAccount, SignInCode
from portal.views_sign_in import PENDING_COOKIE, _next_url

HOME = "/my/"
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _code(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


def _ask(client, number, **extra):
    with_next = {"next": extra.pop("next")} if "next" in extra else {}
    return client.post(reverse("portal:send_code"), {"phone": number, **with_next}, **extra)


def test_a_known_and_an_unknown_number_get_the_same_answer(db, outbox, django_capture_on_commit_callbacks):
    customer_with_account(phone="13800001234")  # the hotline's customer, signed up before
    answers = []
    for number in ("13800001234", "13899991234"):  # the same 138****1234 on the page
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            sent = _ask(client, number)
        page = client.get(HOME)
        answers.append((sent.status_code, sent["Location"], page.status_code, CSRF.sub(b"", page.content)))

    assert answers[0] == answers[1]
    assert answers[0][:3] == (302, HOME, 200) and b"138****1234" in answers[0][3]
    assert [m.to for m in outbox] == ["13800001234", "13899991234"]


def test_the_code_signs_in_as_the_numbers_account_and_goes_back_to_the_page_asked_for(
    client, db, outbox, django_capture_on_commit_callbacks
):
    customer, account = customer_with_account(phone="13812345678")
    client.get(f"{HOME}?next=/my/units/7/")
    with django_capture_on_commit_callbacks(execute=True):
        sent = _ask(client, "138 1234 5678", next="/my/units/7/")
    assert sent["Location"] == "/my/?next=%2Fmy%2Funits%2F7%2F"
    page = client.get(sent["Location"])
    assert b"138****5678" in page.content and b'autocomplete="one-time-code"' in page.content
    assert b'value="/my/units/7/"' in page.content
    before = client.session.session_key

    wrong = "000000" if _code(outbox) != "000000" else "111111"
    refused = client.post(reverse("portal:sign_in"), {"code": wrong, "next": "/my/units/7/"})
    assert refused.status_code == 400 and SESSION_KEY not in client.session
    assert SignInCode.objects.get().failures == 1  # counted, though the answer is an error

    signed = client.post(reverse("portal:sign_in"), {"code": _code(outbox), "next": "/my/units/7/"})
    assert signed.status_code == 302 and signed["Location"] == "/my/units/7/"
    assert client.session[SESSION_KEY] == str(account.user.pk) and not client.cookies[PENDING_COOKIE].value
    assert client.session.session_key != before  # a new session id once signed in
    account.refresh_from_db()
    assert account.last_sign_in_at is not None


def test_a_first_sign_in_makes_a_customer_account_the_staff_pages_refuse(
    client, db, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "13912345678")
    assert client.post(reverse("portal:sign_in"), {"code": _code(outbox)})["Location"] == HOME

    account = PortalAccount.objects.get(phone="13912345678")
    assert account.user.username == "customer-13912345678" and not account.user.has_usable_password()
    assert client.get("/repairs/register/").status_code == 403


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/my/orders/3/?tab=1", "/my/orders/3/?tab=1"),
        ("https://evil.example/my/", HOME),
        ("//evil.example/my/", HOME),
        ("/\\evil.example/my/", HOME),
        ("/repairs/register/", HOME),
        ("/my/../repairs/register/", HOME),
        ("/my/%2e%2e/admin/", HOME),
        ("javascript:alert(1)", HOME),
    ],
)
def test_next_is_only_a_page_of_my_on_this_site(rf, target, expected):
    assert _next_url(rf.post(HOME, {"next": target})) == expected


def test_sign_out_is_a_post_and_ends_the_session(customer_client):
    assert customer_client.get(reverse("portal:sign_out")).status_code == 405
    assert SESSION_KEY in customer_client.session

    answer = customer_client.post(reverse("portal:sign_out"))

    assert answer.status_code == 302 and answer["Location"] == HOME
    assert SESSION_KEY not in customer_client.session


def test_staff_signed_in_see_the_sign_in_page(client, db):
    client.force_login(UserFactory(username="disp", roles=["dispatcher"]))

    page = client.get(HOME)

    assert page.status_code == 200 and b'name="phone"' in page.content
    assert b'inputmode="numeric"' in page.content and len(page.content) < 20_000


def test_errors_and_the_hourly_limit_through_the_proxy(client, db, settings, outbox):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert _ask(client, "").status_code == 400
    assert _ask(client, "12345").status_code == 400
    no_number = client.post(reverse("portal:sign_in"), {"code": "123456"})  # no code asked from here
    assert no_number.status_code == 400 and b'name="phone"' in no_number.content
    for _i in range(5):
        assert _ask(client, "13712345678", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.23").status_code == 302
    assert set(SignInCode.objects.values_list("ip", flat=True)) == {"198.51.100.23"}

    refused = client.post(reverse("portal:send_code"), {"resend": "1"}, HTTP_X_FORWARDED_FOR="198.51.100.24")

    assert refused.status_code == 429 and b'name="code"' in refused.content  # still the code's step
    assert SignInCode.objects.count() == 5


def test_the_demo_code_only_with_debug_and_no_real_sms(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "13612345678")
    assert b"123456" in client.get(HOME).content
    assert client.post(reverse("portal:sign_in"), {"code": "123456"}).status_code == 302

    settings.SMS_BACKEND = "aftersales.sms.backends.http.SmsBackend"
    assert b"123456" not in Client().get(HOME).content
    settings.DEBUG = False
    settings.SMS_BACKEND = "aftersales.sms.backends.locmem.SmsBackend"
    assert b"123456" not in Client().get(HOME).content
