"""Placeholder: filled in by the area's change."""

from django.http import Http404


def sign_in(request, **kwargs):
    raise Http404


def send_code(request, **kwargs):
    raise Http404


def sign_out(request, **kwargs):
    raise Http404
