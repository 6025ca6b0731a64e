"""The register (叫修登记簿): the dispatcher's list of calls and its CSV."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.paging import page_window
from aftersales.roles import Role, has_role, role_required
from aftersales.spreadsheets import SafeWriter

from .. import selectors
from ..choices import (
    ServiceType,
)
from ..filters import WorkOrderFilterSet

INTAKE_ROLES = (Role.DISPATCHER, Role.MANAGER)
REGISTER_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 50


# The register ------------------------------------------------------------------------------------------


@role_required(*REGISTER_ROLES)
def register(request):
    """The register: every work order with its call, filtered, searched, sorted, a page at a time.

    Pages are fetched as page_size + 1 rows (no COUNT over a million rows): the extra row says whether
    there is a next page. One query for the rows whatever the page size."""
    filterset = WorkOrderFilterSet(
        request.GET or None, queryset=selectors.register_rows(user=request.user), user=request.user
    )
    rows = (
        filterset.qs
        if filterset.is_bound and filterset.is_valid()
        else selectors.register_rows(user=request.user)
    )
    if not (filterset.is_bound and filterset.form.cleaned_data.get("ordering")):
        rows = rows.order_by("-created_at", "-pk")
    if request.GET.get("export") == "csv":
        return _register_csv(rows)
    window = page_window(request, rows, sizes=PAGE_SIZES, default=DEFAULT_PAGE_SIZE)
    return render(
        request,
        "repairs/register.html",
        {
            **window,
            "filterset": filterset,
            "orders": window["rows"],
            "now": timezone.now(),
            "can_log_calls": has_role(request.user, *INTAKE_ROLES),
            "service_types": ServiceType.choices,
        },
    )


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = [
    (gettext_noop("Work order number"), lambda o: o.number),
    (gettext_noop("Call number"), lambda o: o.call.number),
    (gettext_noop("Logged"), lambda o: timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M")),
    (gettext_noop("Status"), lambda o: o.get_status_display()),
    (gettext_noop("Service type"), lambda o: o.call.get_service_type_display()),
    (gettext_noop("Customer"), lambda o: o.call.customer.name),
    (gettext_noop("Caller phone"), lambda o: o.call.caller_phone),
    (gettext_noop("Category"), lambda o: o.call.unit.model.category.local_name),
    (gettext_noop("Model"), lambda o: str(o.call.unit.model)),
    (gettext_noop("Serial number / IMEI"), lambda o: o.call.unit.imei or o.call.unit.serial_number),
    (
        gettext_noop("Fault symptom"),
        lambda o: " ".join(filter(None, [str(o.call.symptom or ""), o.call.symptom_text])),
    ),
    (gettext_noop("Service centre"), lambda o: o.center.name if o.center else ""),
    (gettext_noop("Technician"), lambda o: o.technician.name if o.technician else ""),
    (
        gettext_noop("Appointment"),
        lambda o: (
            timezone.localtime(o.appointment_start).strftime("%Y-%m-%d %H:%M") if o.appointment_start else ""
        ),
    ),
]


def _register_csv(rows):
    """The filtered register as CSV (UTF-8 with BOM, so that Excel opens the Chinese right), streamed."""
    writer = SafeWriter(_Echo())
    # The rows are streamed after the view has returned, when the request's language is no longer active:
    # the stream keeps it (the header and the statuses came out in English).
    language = translation.get_language()

    def lines():
        with translation.override(language):
            yield "\ufeff"
            yield writer.writerow([_(title) for title, _get in CSV_COLUMNS])
            for order in rows.iterator(chunk_size=2000):
                yield writer.writerow([get(order) for _title, get in CSV_COLUMNS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="register-{timezone.localdate():%Y%m%d}.csv"'
    return response
