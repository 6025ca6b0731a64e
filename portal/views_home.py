"""Placeholder: filled in by the area's change. /my/ is the sign-in page for anyone not signed in."""

from django.http import Http404

from .access import account_of
from .views_sign_in import sign_in


def home(request, **kwargs):
    if account_of(request.user) is None:
        return sign_in(request)
    raise Http404
