"""The customer's home at /my/: their units with the state of each one's warranty today, their open orders
and the last closed ones, and the way to report a fault. Nobody signed in: the sign-in page, at the same
address (a warranty card's QR code lands there first)."""

from django.shortcuts import render
from django.utils import timezone

from . import cards
from .access import account_of
from .views_sign_in import sign_in


def home(request, **kwargs):
    account = account_of(request.user)
    if account is None:
        return sign_in(request)
    request.account = account
    context = cards.home(account, today=timezone.localdate())
    return render(request, "portal/home.html", context)
