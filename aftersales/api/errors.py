"""Service errors (Django's ValidationError) become the API's 400 with the one error shape."""

import contextlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from .exceptions import _flatten


def _detail(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [str(m) for m in errs]
            for field, errs in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


@contextlib.contextmanager
def service_errors():
    try:
        yield
    except DjangoValidationError as exc:
        raise serializers.ValidationError(_detail(exc)) from exc


def error_body(exc: DjangoValidationError) -> dict:
    """A service error in the API's one error shape, for a view that answers it itself instead of raising
    (a raised error rolls the request's transaction back)."""

    return {
        "code": "invalid",
        "message": _("The request has invalid fields."),
        "errors": _flatten(_detail(exc)),
    }
