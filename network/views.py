from django.http import Http404
from django.shortcuts import render

from aftersales.roles import Role, role_required

from .choices import CenterLevel
from .models import Dealer, ServiceCenter
from .selectors import network_overview


@role_required(Role.MANAGER)
def dashboard(request):
    overview = network_overview(user=request.user)
    levels = [(value, label, overview["by_level"].get(value, 0)) for value, label in CenterLevel.choices]
    return render(request, "network/dashboard.html", {**overview, "levels": levels})


@role_required(Role.SUPERVISOR)
def my_center(request):
    centers = (
        ServiceCenter.objects.filter(supervisors=request.user)
        .select_related("region", "region__parent")
        .prefetch_related("technicians__categories", "coverage")
    )
    return render(request, "network/my_center.html", {"centers": centers})


@role_required(Role.DEALER)
def dealer_home(request):
    dealers = Dealer.objects.for_user(request.user).select_related("region", "region__parent")
    if not dealers:
        raise Http404
    return render(request, "network/dealer_home.html", {"dealers": dealers})
