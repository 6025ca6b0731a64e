"""Placeholder: filled in by the area's change."""

from django.http import Http404


def order_detail(request, **kwargs):
    raise Http404


def order_reschedule(request, **kwargs):
    raise Http404


def order_cancel(request, **kwargs):
    raise Http404


def order_confirm(request, **kwargs):
    raise Http404


def order_rate(request, **kwargs):
    raise Http404
