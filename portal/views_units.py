"""Placeholder: filled in by the area's change."""

from django.http import Http404


def unit_card(request, **kwargs):
    raise Http404
