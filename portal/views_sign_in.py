"""The sign-in page at /my/ (for anyone who is not a signed-in customer, staff included): the mobile number,
then the code texted to it. The number waiting for its code is kept in a signed cookie (PENDING_COOKIE), never
in the page, so the code form checks only the number a code was asked for from this browser; a cookie and
not the session, because asking for a code must not write a session row for every visitor (a flood of
requests would fill the session table, and the write and its commit were half of the request's time — see
bench/portal_sms_bench.py). Works without JavaScript."""

from __future__ import annotations

from urllib.parse import unquote, urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.views import client_address

from .access import account_of
from .signin import (
    CODE_TTL,
    demo_code,
    masked,
    mobile_number,
    sign_in_code_check,
    sign_in_code_send,
)

# The number waiting for its code: signed (a changed value is ignored), HTTP-only, for an hour (the limits'
# window: "get a new code" keeps working as long as a new one may be sent), on /my/ only.
PENDING_COOKIE = "portal_sign_in"
_PENDING_SALT = "portal.sign_in.pending_number"
_PENDING_MAX_AGE = 3600


def pending_number(request) -> str | None:
    return request.get_signed_cookie(
        PENDING_COOKIE, default=None, salt=_PENDING_SALT, max_age=_PENDING_MAX_AGE
    )


def _remember(response, number: str):
    response.set_signed_cookie(
        PENDING_COOKIE,
        number,
        salt=_PENDING_SALT,
        max_age=_PENDING_MAX_AGE,
        path=reverse("portal:home"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _forget(response):
    response.delete_cookie(PENDING_COOKIE, path=reverse("portal:home"), samesite="Lax")
    return response


def _next_url(request) -> str:
    """Where to go after signing in: `next` when it is a page of /my/ on this site, else /my/."""
    home = reverse("portal:home")
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(candidate)
        segments = unquote(parts.path).split("/")
        if (
            not parts.scheme
            and not parts.netloc
            and parts.path.startswith(home)
            and "." not in segments
            and ".." not in segments
        ):
            return candidate
    return home


def _page(request, *, number: str = "", typed: str = "", error: str = "", status: int = 200):
    """The page: the code's step while a number waits for its code (unless another number was just typed),
    else the number's step; `error` under the step's field."""
    pending = pending_number(request)
    code_step = bool(pending) and (number == pending or not typed)
    next_url = _next_url(request)
    return render(
        request,
        "portal/sign_in.html",
        {
            "code_step": code_step,
            "pending_masked": masked(pending) if code_step else "",
            "typed": typed,
            "error": error,
            "next": "" if next_url == reverse("portal:home") else next_url,
            "demo_code": demo_code(),
            "lang_next": request.get_full_path() if request.method == "GET" else reverse("portal:home"),
            "minutes": int(CODE_TTL.total_seconds() // 60),
        },
        status=status,
    )


def _back(request):
    """To the page at /my/, keeping `next` (after a POST: a reload sends nothing again)."""
    home = reverse("portal:home")
    target = _next_url(request)
    return redirect(f"{home}?{urlencode({'next': target})}" if target != home else home)


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request, **kwargs):
    """GET: the page (the number, or the code once one was sent). POST: the code, or "another number"."""
    if account_of(request.user) is not None and request.method != "POST":
        return redirect(_next_url(request))
    if request.method != "POST":
        return _page(request)
    if "restart" in request.POST:
        return _forget(_back(request))
    number = pending_number(request)
    if not number:  # the cookie is gone (an hour passed, or cookies are off): the number's step again
        return _page(request, error=_("No code was requested for this number: get a code first."), status=400)
    try:
        account = sign_in_code_check(number=number, code=request.POST.get("code", ""))
    except ValidationError as error:
        return _page(request, number=number, error=error.messages[0], status=400)
    next_url = _next_url(request)
    # login() gives the session a new key (another user's session is emptied first): a session id known
    # before the sign-in is worth nothing after it.
    login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
    return _forget(redirect(next_url))


@require_POST
def send_code(request, **kwargs):
    """The number typed (or "get a new code" for the number waiting for its code): a code is texted to it
    within the limits, whether or not the hotline knows the number — the answer is the same either way."""
    resend = "resend" in request.POST and pending_number(request)
    typed = resend or request.POST.get("phone", "")
    try:
        number = mobile_number(typed)
    except ValidationError as error:
        return _page(request, typed=typed, error=error.messages[0], status=400)
    try:
        sign_in_code_send(number=number, ip=client_address(request))
    except ValidationError as error:  # past the hourly limits: says when to try again
        return _page(request, number=number, typed=typed, error=error.messages[0], status=429)
    return _remember(_back(request), number)


@require_POST
def sign_out(request, **kwargs):
    logout(request)
    return redirect("portal:home")
