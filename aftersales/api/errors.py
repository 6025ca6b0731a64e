"""Service errors (Django's ValidationError) become the API's 400 with the one error shape."""

import contextlib

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


@contextlib.contextmanager
def service_errors():
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            detail = {
                (field if field != "__all__" else "non_field_errors"): [str(m) for m in errs]
                for field, errs in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        raise serializers.ValidationError(detail) from exc
