"""Who the signed-in customer is and what they may see: the customers registered under their mobile number,
those customers' units and the calls about them. Every /my/ page reads through these; anything else answers
404 (another customer's unit or order id in the URL tells nothing)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from repairs.models import Customer, ProductUnit, RepairCall, WorkOrder

from .models import PortalAccount


def account_of(user) -> PortalAccount | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.portal_account
    except PortalAccount.DoesNotExist:
        return None


def customer_required(view):
    """The page needs a signed-in customer: anyone else is sent to the sign-in at /my/, and comes back to the
    page after signing in (a warranty card's QR code opens the card)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = account_of(request.user)
        if account is None:
            if request.method != "GET":  # an action sent after the session ended: sign in, then start again
                return redirect("portal:home")
            return redirect(f"{reverse('portal:home')}?{urlencode({'next': request.get_full_path()})}")
        request.account = account
        return view(request, *args, **kwargs)

    return wrapper


def customers_of(account: PortalAccount):
    """The customers registered under the account's number (a family may share one)."""
    return Customer.objects.filter(phones__number=account.phone)


def units_of(account: PortalAccount):
    return ProductUnit.objects.filter(owner__in=customers_of(account).values("pk"))


def calls_of(account: PortalAccount):
    return RepairCall.objects.filter(customer__in=customers_of(account).values("pk"))


def orders_of(account: PortalAccount):
    return WorkOrder.objects.filter(call__customer__in=customers_of(account).values("pk"))
