"""The one way a page shows a service's refusal (a ValidationError whose messages are already in the user's
language): on the form's fields, as {field: [messages]} for a template, or as flash messages. The API's
counterpart is aftersales.api.errors."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError, *, rename: dict | None = None, fallback=None) -> None:
    """Puts the error on the form: each field's messages on that field (under `rename`'s name where the form
    calls it otherwise), the rest on `fallback` (None: the form as a whole)."""
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = rename.get(field, field)
        target = target if target in form.fields else (fallback if fallback in form.fields else None)
        for err in errors:
            form.add_error(target, err.message % err.params if err.params else err.message)


def error_dict(error: ValidationError, *, rest: str = "__all__") -> dict[str, list[str]]:
    """{field: [messages]}; messages that belong to no field under `rest`."""
    if hasattr(error, "error_dict"):
        return {field: [m for e in errs for m in e.messages] for field, errs in error.error_dict.items()}
    return {rest: error.messages}


def flash_errors(request, error: ValidationError) -> None:
    """Every message of the error as an error message on the next page."""
    for message in error.messages:
        messages.error(request, message)
