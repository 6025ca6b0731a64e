from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from aftersales.roles import Role, role_required
from warranty.selectors import unit_warranty_position

from .models import ProductUnit


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
def register(request):
    """The repair-call register (叫修登记簿). The register itself arrives with issue 4; until then the
    page shows the most recently registered units the dispatcher can already look up."""
    units = (
        ProductUnit.objects.for_user(request.user)
        .select_related("model", "model__category", "owner", "dealer")
        .order_by("-created_at", "-pk")[:20]
    )
    return render(request, "repairs/register.html", {"units": units})


@role_required(Role.TECHNICIAN)
def my_orders(request):
    """The technician's tablet home ("my work orders"); the orders arrive with issue 6."""
    technician = getattr(request.user, "technician", None)
    return render(request, "repairs/tablet/my_orders.html", {"technician": technician})


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.TECHNICIAN)
def unit_detail(request, pk):
    """A product unit with its 三包 position today, its extended warranties and the decisions taken."""
    unit = get_object_or_404(
        ProductUnit.objects.for_user(request.user).select_related("model__category", "owner", "dealer"), pk=pk
    )
    position = unit_warranty_position(unit=unit, as_of=timezone.localdate())
    return render(request, "repairs/unit_detail.html", {"unit": unit, **position})
