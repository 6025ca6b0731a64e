from django.contrib.auth.decorators import login_required
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
