"""API keys page: a manager (any dealer) or a dealer's own users create and revoke keys; a new key is shown
once, on the page that created it."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aftersales.roles import Role, role_required
from network.models import Dealer

from .forms import ApiKeyForm
from .models import ApiKey
from .services import api_key_create, api_key_revoke

KEY_ROLES = (Role.MANAGER, Role.DEALER)


def _dealers(user):
    return Dealer.objects.for_user(user).filter(active=True).order_by("code")


@never_cache  # the page that shows a new key once must not be kept by the browser or a proxy
@role_required(*KEY_ROLES)
def api_keys(request):
    dealers = _dealers(request.user)
    form = ApiKeyForm(request.POST or None, dealers=dealers)
    new_key = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = (
            timezone.make_aware(dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min))
            if expires_on
            else None
        )
        try:
            new_key = api_key_create(
                dealer=form.cleaned_data["dealer"],
                name=form.cleaned_data["name"],
                acting_user=request.user,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            form = ApiKeyForm(dealers=dealers)
    keys = (
        ApiKey.objects.for_user(request.user)
        .filter(dealer__in=dealers)
        .select_related("dealer", "created_by")
        .order_by("-created_at")[:200]
    )
    return render(
        request,
        "integrations/api_keys.html",
        {"form": form, "keys": keys, "new_key": new_key, "now": timezone.now()},
    )


@require_POST
@role_required(*KEY_ROLES)
def api_key_revoke_view(request, pk):
    api_key = get_object_or_404(ApiKey.objects.for_user(request.user), pk=pk)
    api_key_revoke(api_key=api_key, acting_user=request.user)
    messages.success(request, _("API key %(prefix)s… revoked.") % {"prefix": api_key.prefix})
    return redirect("integrations:api_keys")
