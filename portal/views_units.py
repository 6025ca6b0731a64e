"""The electronic warranty card (电子保修卡) of one of the customer's units: what it is, the cover it has today
and until when, what was done to it, its next inspection, and the QR code that opens the card again (the
same code as on the installation's acceptance record and an exchange certificate)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from repairs.models import ProductUnit

from . import cards, qr
from .access import customer_required


@customer_required
def unit_card(request, pk):
    try:
        unit = cards.card_unit(request.account, pk)
    except ProductUnit.DoesNotExist:
        # Another customer's unit, or none: the same answer (the id tells nothing).
        raise Http404 from None
    context = cards.card(request.account, unit, today=timezone.localdate())
    context["qr"] = qr.unit_card_qr(unit_id=unit.pk)
    return render(request, "portal/unit_card.html", context)
