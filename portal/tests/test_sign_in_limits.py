"""The sign-in code's rules (the maker's rules for the customer's pages): 5 minutes, 5 wrong tries, a newer
code ends the older, at most 5 codes per number and 20 per address in any hour — the limits also for
requests made at the same instant."""

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from aftersales import sms
from portal import signin
from portal.models import PortalAccount, SignInCode

T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
NUMBER = "13812345678"


@pytest.fixture
def outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def send(outbox, django_capture_on_commit_callbacks):
    """Sends a code (the SMS goes on commit) and returns the code texted."""

    def _send(number=NUMBER, *, ip="203.0.113.5", now=T0):
        with django_capture_on_commit_callbacks(execute=True):
            signin.sign_in_code_send(number=number, ip=ip, now=now)
        return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)

    return _send


def _refused(expected, func, /, **kwargs):
    with pytest.raises(ValidationError) as caught:
        func(**kwargs)
    assert caught.value.code == expected, caught.value.messages
    return caught.value


def _wrong(code):
    return "000000" if code != "000000" else "111111"


def test_a_right_code_signs_in_once_and_makes_the_account_on_the_first_time(db, send, outbox):
    code = send(" 138 1234 5678 ")

    assert [m.to for m in outbox] == [NUMBER] and outbox[0].secrets == (code,)
    row = SignInCode.objects.get()
    assert code not in row.code_hash and row.expires_at == T0 + dt.timedelta(minutes=5)
    account = signin.sign_in_code_check(number=NUMBER, code=code, now=T0 + dt.timedelta(minutes=1))
    assert account.phone == NUMBER and account.last_sign_in_at == T0 + dt.timedelta(minutes=1)
    user = account.user
    assert user.username == f"customer-{NUMBER}" and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["customer"]
    # Used up: the same code again is no code at all; a second sign-in keeps the one account.
    _refused(signin.NO_CODE, signin.sign_in_code_check, number=NUMBER, code=code, now=T0)
    again = send(now=T0 + dt.timedelta(minutes=2))
    assert signin.sign_in_code_check(number=NUMBER, code=again, now=T0 + dt.timedelta(minutes=3)) == account
    assert PortalAccount.objects.count() == 1


def test_a_code_expires_after_five_minutes(db, send):
    code = send()

    error = _refused(
        signin.EXPIRED_CODE,
        signin.sign_in_code_check,
        number=NUMBER,
        code=code,
        now=T0 + dt.timedelta(minutes=5),
    )
    assert "expired" in error.messages[0] or "过期" in error.messages[0]
    assert signin.sign_in_code_check(number=NUMBER, code=code, now=T0 + dt.timedelta(seconds=299))


def test_five_wrong_tries_kill_the_code_and_are_counted(db, send):
    code = send()

    for left in (4, 3, 2, 1):
        error = _refused(
            signin.WRONG_CODE, signin.sign_in_code_check, number=NUMBER, code=_wrong(code), now=T0
        )
        assert str(left) in error.messages[0]
    _refused(signin.CODE_DEAD, signin.sign_in_code_check, number=NUMBER, code=_wrong(code), now=T0)
    # The right code no longer works either; a malformed one is not a try.
    _refused(signin.CODE_DEAD, signin.sign_in_code_check, number=NUMBER, code=code, now=T0)
    _refused(signin.WRONG_CODE, signin.sign_in_code_check, number=NUMBER, code="12345", now=T0)
    assert SignInCode.objects.get().failures == 5
    # A new code works again.
    assert signin.sign_in_code_check(number=NUMBER, code=send(now=T0 + dt.timedelta(minutes=1)), now=T0)


def test_a_new_code_ends_the_older_one_and_no_code_is_said_so(db, send):
    _refused(signin.NO_CODE, signin.sign_in_code_check, number=NUMBER, code="123456", now=T0)
    first = send()
    second = send(now=T0 + dt.timedelta(seconds=30))
    if first != second:
        _refused(signin.WRONG_CODE, signin.sign_in_code_check, number=NUMBER, code=first, now=T0)
    assert signin.sign_in_code_check(number=NUMBER, code=second, now=T0 + dt.timedelta(minutes=1))


@pytest.mark.parametrize("typed", ["", "1381234567", "23812345678", "12812345678", "0755-12345678", "abc"])
def test_only_a_mainland_mobile_number_gets_a_code(db, send, typed):
    _refused(signin.NOT_MOBILE, signin.sign_in_code_send, number=typed, ip="203.0.113.5", now=T0)
    assert not SignInCode.objects.exists()


def test_five_codes_per_number_in_any_hour_and_when_to_try_again(db, send):
    for minute in range(5):
        send(ip=f"203.0.113.{minute}", now=T0 + dt.timedelta(minutes=minute * 10))

    error = _refused(
        signin.TOO_MANY_CODES,
        signin.sign_in_code_send,
        number=NUMBER,
        ip="198.51.100.1",
        now=T0 + dt.timedelta(minutes=59),
    )
    assert error.retry_at == T0 + dt.timedelta(hours=1) and "19:00" in error.messages[0]  # Asia/Shanghai
    send(ip="198.51.100.1", now=T0 + dt.timedelta(hours=1))
    _refused(
        signin.TOO_MANY_CODES,
        signin.sign_in_code_send,
        number=NUMBER,
        ip="198.51.100.1",
        now=T0 + dt.timedelta(hours=1),
    )
    assert SignInCode.objects.filter(phone=NUMBER).count() == 6


def test_twenty_codes_per_address_in_any_hour(db, send):
    for i in range(20):
        send(f"139000000{i:02d}", ip="203.0.113.9", now=T0 + dt.timedelta(minutes=i))

    _refused(
        signin.TOO_MANY_CODES,
        signin.sign_in_code_send,
        number="13700000000",
        ip="203.0.113.9",
        now=T0 + dt.timedelta(minutes=30),
    )
    send("13700000000", ip="203.0.113.10", now=T0 + dt.timedelta(minutes=30))
    send("13700000001", ip="203.0.113.9", now=T0 + dt.timedelta(hours=1, seconds=1))


def _at_once(calls):
    """Runs the calls in threads released together; each thread on its own connection, in its own
    transaction. Returns how many got a code and how many were refused."""
    barrier = threading.Barrier(len(calls))
    results = []

    def run(kwargs):
        try:
            barrier.wait()
            signin.sign_in_code_send(now=T0, **kwargs)
            results.append("sent")
        except ValidationError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(kwargs,)) for kwargs in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results.count("sent"), results.count(signin.TOO_MANY_CODES)


@pytest.mark.django_db(transaction=True)
def test_the_limits_hold_for_requests_made_at_the_same_instant(outbox):
    # One number from 12 addresses at once, then one address for 30 numbers at once.
    sent, refused = _at_once([{"number": NUMBER, "ip": f"203.0.113.{i}"} for i in range(12)])
    assert (sent, refused) == (5, 7)
    sent, refused = _at_once([{"number": f"139000000{i:02d}", "ip": "198.51.100.7"} for i in range(30)])
    assert (sent, refused) == (20, 10)
    assert SignInCode.objects.filter(phone=NUMBER).count() == 5
    assert SignInCode.objects.filter(ip="198.51.100.7").count() == 20
    assert len(outbox) == 25  # a text for every code kept, none for a refused one
