"""Placeholder: filled in by the area's change."""

from django.http import Http404


def home(request, **kwargs):
    raise Http404
