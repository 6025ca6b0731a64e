"""One error shape for every 4xx: {"code": "...", "message": "...", "errors": {"field": ["..."]}}."""

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


def _child_name(prefix: str, key) -> str:
    if isinstance(key, int):  # ListField errors are keyed by index
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(detail, prefix=""):
    """DRF's nested error details → {"field": ["message", ...]} with dotted paths for nesting."""
    errors = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = _child_name(prefix, key)
            errors.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            errors[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                errors.update(_flatten(item, f"{prefix}[{index}]" if prefix else str(index)))
    else:
        errors[prefix or "non_field_errors"] = [str(detail)]
    return errors


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if getattr(getattr(request, "_request", request), "atomic_writes", False):
        # An answered error undoes what the request wrote before it (AtomicWritesMiddleware's transaction).
        transaction.set_rollback(True)
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": _("The request has invalid fields."),
            "errors": _flatten(exc.detail),
        }
    else:
        detail = getattr(exc, "detail", None)
        code = detail.code if hasattr(detail, "code") else getattr(exc, "default_code", "error")
        message = str(detail) if detail is not None else ""
        if response.status_code == status.HTTP_404_NOT_FOUND:
            # Django's Http404 (get_object_or_404) carries no detail, or an English model name: one message.
            code, message = "not_found", str(exceptions.NotFound.default_detail)
        body = {"code": str(code), "message": message, "errors": {}}
    response.data = body
    return response
