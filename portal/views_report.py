"""Placeholder: filled in by the area's change."""

from django.http import Http404


def report(request, **kwargs):
    raise Http404


def unit_new(request, **kwargs):
    raise Http404
