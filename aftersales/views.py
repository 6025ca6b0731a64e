from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .health import health_report
from .roles import HOME_BY_ROLE, user_roles


@login_required
def home(request):
    """Send each role to its place; a user without a role is told so (403)."""
    roles = user_roles(request.user)
    for role, url_name in HOME_BY_ROLE:
        if role in roles:
            return redirect(url_name)
    return render(request, "aftersales/no_role.html", status=403)


@never_cache
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def client_address(request) -> str:
    """The caller's address for login lockouts, counted as the API's rate limits count it: REMOTE_ADDR, or
    behind NUM_PROXIES trusted proxies the address they forwarded (X-Forwarded-For, from the right)."""

    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once a username has failed too often from this address: the login page again
    (429), saying so in the user's language, with no hint whether the password was right."""

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {
            "form": AuthenticationForm(request),
            "locked_out": True,
            "cooloff_minutes": minutes,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        },
        status=429,
    )
