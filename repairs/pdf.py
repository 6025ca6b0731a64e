"""WeasyPrint rendering of templates/repairs/pdf/*.html: the service voucher (服务凭证) of a work order."""

from django.http import Http404

from aftersales.roles import Role, role_required


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.TECHNICIAN)
def work_order_voucher(request, pk):
    raise Http404
