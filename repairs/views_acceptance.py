"""The installation acceptance's page and signature: scoped like its work order (a technician their own
orders, a centre its own, the office all; others 404)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

from aftersales.roles import Role, role_required

from .acceptance.pdf import acceptance_pdf
from .models import InstallationAcceptance
from .views_tablet import _file_response

ACCEPTANCE_ROLES = (Role.TECHNICIAN, Role.SUPERVISOR, Role.DISPATCHER, Role.MANAGER)


def _acceptance(request, pk) -> InstallationAcceptance:
    return get_object_or_404(
        InstallationAcceptance.objects.for_user(request.user).select_related(
            "work_order__call__customer", "work_order__center", "unit__model__category", "recorded_by"
        ),
        pk=pk,
    )


@role_required(*ACCEPTANCE_ROLES)
def acceptance_detail(request, pk):
    """The acceptance of an installation: what was installed, the trial run, the documents handed over, the
    customer's signature; a failed trial run links to the out-of-box check of the unit."""
    acceptance = _acceptance(request, pk)
    documents = list(acceptance.documents.all())
    return render(
        request,
        "repairs/acceptance_detail.html",
        {
            "acceptance": acceptance,
            "order": acceptance.work_order,
            "unit": acceptance.unit,
            "documents": documents,
            "missing": [d for d in documents if not d.handed_over],
            # The out-of-box check looks the unit up by its serial number or IMEI.
            "doa_serial": acceptance.unit.serial_number or acceptance.unit.imei or "",
        },
    )


@role_required(*ACCEPTANCE_ROLES)
def acceptance_signature(request, pk):
    acceptance = _acceptance(request, pk)
    if not acceptance.signature:
        raise Http404
    return _file_response(acceptance.signature)


@role_required(*ACCEPTANCE_ROLES)
def acceptance_record(request, pk):
    """The acceptance record (安装验收单) as PDF, for the customer: with the QR code of the unit's warranty card."""
    acceptance = _acceptance(request, pk)
    response = HttpResponse(
        acceptance_pdf(acceptance),
        content_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition_header(
                False, f"acceptance-{acceptance.work_order.number}.pdf"
            )
        },
    )
    # A name, an address and a signature: not for shared caches, not kept by the browser.
    add_never_cache_headers(response)
    return response
