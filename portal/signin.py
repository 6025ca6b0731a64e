"""The customer's sign-in with a code texted to their mobile number (the maker's rules for the customer's own
pages): a 6-digit code, valid for CODE_TTL, dead after MAX_FAILURES wrong tries or once a newer code is sent;
at most CODES_PER_NUMBER_PER_HOUR codes per number and CODES_PER_ADDRESS_PER_HOUR per address in any hour.

Nothing here looks at whether the hotline knows the number: a code goes to any mobile number within the
limits, and the account is made on the first right code, so no answer tells a known number from another."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from aftersales import sms
from aftersales.roles import Role, has_role
from aftersales.validators import MOBILE_RE, normalize_phone

from .models import PortalAccount, SignInCode

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=5)
MAX_FAILURES = 5
CODES_PER_NUMBER_PER_HOUR = 5
CODES_PER_ADDRESS_PER_HOUR = 20
LIMIT_WINDOW = dt.timedelta(hours=1)
# The code every sign-in gets where nothing is really texted (DEBUG with a printing, file or memory SMS
# backend, `make run`): the console backend prints codes as asterisks, so the page tells it instead.
DEMO_CODE = "123456"
_DEMO_SMS_BACKENDS = frozenset(
    f"aftersales.sms.backends.{name}.SmsBackend" for name in ("console", "filebased", "locmem")
)
# The two namespaces of pg_advisory_xact_lock(int4, int4) keys: a number and an address never share a lock.
_LOCK_NUMBER = 0x5349_4E01  # "SIN" 1
_LOCK_ADDRESS = 0x5349_4E02

# The errors' codes (ValidationError.code), for the views and the tests.
NOT_MOBILE = "not_mobile"
TOO_MANY_CODES = "too_many_codes"
WRONG_CODE = "wrong_code"
CODE_DEAD = "code_dead"
EXPIRED_CODE = "expired_code"
NO_CODE = "no_code"


def demo_code() -> str | None:
    """DEMO_CODE where the code is not really texted and DEBUG is on; None everywhere else (production never
    shows or uses it, whatever its SMS backend)."""
    if settings.DEBUG and settings.SMS_BACKEND in _DEMO_SMS_BACKENDS:
        return DEMO_CODE
    return None


def mobile_number(value: str) -> str:
    """The number as stored ("138 1234 5678", "+86 13812345678" → "13812345678"), or a ValidationError."""
    number = normalize_phone((value or "").strip())
    if not number:
        raise ValidationError(_("Enter your mobile number."), code=NOT_MOBILE)
    if not MOBILE_RE.match(number):
        raise ValidationError(_("Enter an 11-digit mobile number starting with 1."), code=NOT_MOBILE)
    return number


def masked(number: str) -> str:
    """138****5678: what a page shows of a number."""
    return f"{number[:3]}****{number[-4:]}"


def _code_hash(number: str, code: str, salt: str | None = None) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY, salted per code — on purpose not the password hasher (Argon2, slow
    by design). A slow hash guards long-lived secrets against offline guessing; a sign-in code has only 10^6
    values, works for 5 minutes and allows 5 tries, so a slow hash would add nothing: a copy of the table
    without the key cannot be checked offline at all, and with it 10^6 Argon2 guesses would still be quick
    enough — for a code long expired. What Argon2 did add was cost: every "send me a code" took ~240 ms of
    CPU (bench/portal_sms_bench.py: 2.5 requests/s against ~200 with this hash), an easy way to load the
    site."""
    salt = salt or secrets.token_hex(8)
    digest = salted_hmac("portal.signin.code", f"{salt}:{number}:{code}", algorithm="sha256").hexdigest()
    return f"hmac_sha256${salt}${digest}"


def _code_matches(row: SignInCode, code: str) -> bool:
    _algorithm, _sep, rest = row.code_hash.partition("$")
    salt, _sep, _digest = rest.partition("$")
    return constant_time_compare(_code_hash(row.phone, code, salt), row.code_hash)


def _address(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def _retry_at(sent: list[dt.datetime], limit: int) -> dt.datetime | None:
    """When one more code may go, given the send times of the last hour (oldest first): once the oldest of
    the last `limit` is an hour old; None while fewer than `limit` were sent."""
    if len(sent) < limit:
        return None
    return sent[len(sent) - limit] + LIMIT_WINDOW


def sign_in_code_send(*, number: str, ip: str | None, now: dt.datetime | None = None) -> SignInCode:
    """Texts a new sign-in code to the mobile number (after the commit) and keeps its hash; older codes of
    the number stop working. Refused (ValidationError TOO_MANY_CODES, saying when to try again) past the
    number's or the address's hourly limit. The limits hold for requests made at the same instant: the
    number's and then the address's advisory lock (always in this order, so two requests never wait on each
    other crosswise) are held to the end of the transaction, and the counts are read under them."""
    now = now or timezone.now()
    number = mobile_number(number)
    address = _address(ip)
    since = now - LIMIT_WINDOW
    # No savepoint of its own inside the request's transaction (two statements less on the busiest form of
    # the site): nothing raises inside the block but a database error, which fails the request anyway.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_NUMBER, number])
            if address:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_ADDRESS, address])
        # The number's and the address's codes of the last hour in one query (at most 5 + 20 rows).
        recent = list(
            SignInCode.objects.filter(Q(phone=number) | Q(ip=address) if address else Q(phone=number))
            .filter(sent_at__gt=since)
            .order_by("sent_at")
            .values_list("phone", "ip", "sent_at")
        )
        retry_at = max(
            filter(
                None,
                (
                    _retry_at([at for p, _ip, at in recent if p == number], CODES_PER_NUMBER_PER_HOUR),
                    _retry_at(
                        [at for _p, i, at in recent if address and i == address], CODES_PER_ADDRESS_PER_HOUR
                    ),
                ),
            ),
            default=None,
        )
        if retry_at is None:
            code = demo_code() or "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
            row = SignInCode.objects.create(
                phone=number,
                ip=address,
                code_hash=_code_hash(number, code),
                sent_at=now,
                expires_at=now + CODE_TTL,
            )
            body = _(
                "[After-sales service] Your sign-in code is %(code)s, valid for %(minutes)s minutes. "
                "Do not give it to anyone: we never ask for it."
            ) % {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)}
            # After the commit: a code the database does not hold must never reach the customer. Named as a
            # secret, so that no backend writes it to a log.
            # robust: a gateway that fails is logged, and the customer asks for a new code, not a server error.
            transaction.on_commit(partial(sms.send_sms, number, body, secrets=(code,)), robust=True)
    if retry_at is not None:
        # Raised after the block (the locks stay held to the end of the request's transaction).
        error = ValidationError(
            _("Too many codes were requested. Try again after %(time)s.")
            % {"time": time_format(timezone.localtime(retry_at), "H:i")},
            code=TOO_MANY_CODES,
        )
        error.retry_at = retry_at
        raise error
    return row


def sign_in_code_check(*, number: str, code: str, now: dt.datetime | None = None) -> PortalAccount:
    """The account of the number when `code` is the number's newest code, unused, unexpired and with tries
    left; the code is then used up. The account (a user in the customer role) is made on the number's first
    sign-in. A wrong code is counted under the code's row lock, so that tries made at once are counted one
    after another, and the count stays though the answer is an error."""
    now = now or timezone.now()
    number = mobile_number(number)
    code = (code or "").strip()
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        raise ValidationError(_("Enter the 6-digit code from the text message."), code=WRONG_CODE)
    with transaction.atomic():
        row = SignInCode.objects.select_for_update().filter(phone=number).order_by("-sent_at", "-pk").first()
        if row is None or row.used_at is not None:
            raise ValidationError(_("No code was requested for this number: get a code first."), code=NO_CODE)
        if row.failures >= MAX_FAILURES:
            raise ValidationError(
                _("The code was typed wrong too many times and no longer works: get a new code."),
                code=CODE_DEAD,
            )
        if now >= row.expires_at:
            raise ValidationError(_("The code has expired: get a new code."), code=EXPIRED_CODE)
        if _code_matches(row, code):
            row.used_at = now
            row.save(update_fields=["used_at"])
            return account_for_number(number, now)
        row.failures += 1
        row.save(update_fields=["failures"])
        left = MAX_FAILURES - row.failures
    # Raised after the block, so that the count above is kept.
    if left <= 0:
        raise ValidationError(_("The code is wrong, and it no longer works: get a new code."), code=CODE_DEAD)
    raise ValidationError(_("The code is wrong: %(left)s tries left.") % {"left": left}, code=WRONG_CODE)


def account_for_number(number: str, now: dt.datetime) -> PortalAccount:
    """The number's account, made on its first sign-in (a user in the customer role, no password)."""
    account = PortalAccount.objects.select_related("user").filter(phone=number).first()
    if account is None:
        user = get_user_model().objects.filter(username=f"customer-{number}").first()
        if user is None:
            user = get_user_model().objects.create_user(username=f"customer-{number}", password=None)
        elif not has_role(user, Role.CUSTOMER) or user.is_staff or user.is_superuser:
            # A staff user someone named like a customer's account is never signed in by a texted code.
            raise ValidationError(_("This number cannot sign in here: please call the service hotline."))
        user.groups.add(Group.objects.get_or_create(name=Role.CUSTOMER)[0])
        account = PortalAccount.objects.create(user=user, phone=number, created_at=now)
    account.last_sign_in_at = now
    account.save(update_fields=["last_sign_in_at"])
    return account
