"""The network's reads: the fee schedule row and the travel fee in force on a day."""

from django.db.models import Q

from .models import FeeSchedule, TravelFee


def fee_for(*, category_id: int, service_kind: str, center_level: str, day):
    """The fee schedule row that pays work of this kind closed on `day` (the latest in force by then), or
    None when the schedule has no row for it — which the settlement reports as a warning."""

    return (
        FeeSchedule.objects.filter(
            category_id=category_id, service_kind=service_kind, center_level=center_level, valid_from__lte=day
        )
        .order_by("-valid_from")
        .first()
    )


def travel_fee_for(*, center_level: str, km: int, day):
    """The travel fee of the distance band `km` falls in, from the band set in force on `day` (a new set
    replaces the whole previous one for that level), or None."""

    in_force = (
        TravelFee.objects.filter(center_level=center_level, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    if in_force is None:
        return None
    return (
        TravelFee.objects.filter(center_level=center_level, valid_from=in_force, km_from__lte=km)
        .filter(Q(km_to__isnull=True) | Q(km_to__gt=km))
        .first()
    )
