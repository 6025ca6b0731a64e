"""Shared ground of the inspections' tests: a centre covering a district for air conditioners with a certified
technician, a unit installed there, a signature the closing accepts."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, UserFactory, authorise
from repairs.factories import (
    CustomerAddressFactory,
    CustomerPhoneFactory,
    ProductModelFactory,
    ProductUnitFactory,
)
from repairs.models import ProductCategory

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 7, 0))
TODAY = NOW.date()


def signature_png() -> bytes:
    image = Image.new("RGBA", (200, 80), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 60), (90, 10), (190, 70)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def world(*, category_code="air_conditioner", installed_on=dt.date(2026, 10, 1)):
    category = ProductCategory.objects.get(code=category_code)
    district = DistrictFactory()
    center = ServiceCenterFactory(region=district)
    technician = TechnicianFactory(center=center, user=UserFactory(roles=["technician"]))
    authorise(technician, category, district)
    supervisor = UserFactory(roles=["supervisor"])
    center.supervisors.add(supervisor)
    unit = installed_unit(category=category, district=district, installed_on=installed_on)
    return {
        "category": category,
        "district": district,
        "center": center,
        "technician": technician,
        "supervisor": supervisor,
        "unit": unit,
    }


def installed_unit(*, category, district, installed_on):
    unit = ProductUnitFactory(
        model=ProductModelFactory(category=category),
        sale_date=installed_on,
        invoice_date=installed_on,
        factory_date=installed_on - dt.timedelta(days=30),
    )
    CustomerPhoneFactory(customer=unit.owner, number="13900001111")
    CustomerAddressFactory(customer=unit.owner, region=district)
    return unit
