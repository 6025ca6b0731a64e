from decimal import Decimal

import factory

from repairs.factories import ProductCategoryFactory

from .choices import WarehouseKind
from .models import Part, Warehouse


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"P{n:06d}")
    name = factory.Sequence(lambda n: f"备件{n}")
    category = factory.SubFactory(ProductCategoryFactory)
    unit_cost_amount = Decimal("100.00")
    retail_price_amount = Decimal("150.00")


class WarehouseFactory(factory.django.DjangoModelFactory):
    """A service centre's warehouse by default; `central=True` or `defective=True` for the two head-office ones."""

    class Meta:
        model = Warehouse
        django_get_or_create = ["code"]

    class Params:
        central = factory.Trait(
            kind=WarehouseKind.CENTRAL, center=None, code="CW", name="中央仓库", replenish_days=14
        )
        defective = factory.Trait(kind=WarehouseKind.DEFECTIVE, center=None, code="CW-JJ", name="旧件库")

    kind = WarehouseKind.CENTER
    center = factory.SubFactory("network.factories.ServiceCenterFactory")
    code = factory.LazyAttribute(lambda o: f"WH-{o.center.code}" if o.center else "WH")
    name = factory.LazyAttribute(lambda o: f"{o.center.name}仓库" if o.center else "仓库")
