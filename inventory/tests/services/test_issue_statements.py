"""A part issue is the busiest write of the stock (every repair that uses a part): what it asks of the
database is pinned, statement by statement, for each kind of issue; and the compatibility rule it checks
in one written-out statement is the catalogue's rule (`compatible_with`) for every kind of part."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory import services
from inventory.factories import PartFactory
from inventory.models import Part
from repairs.choices import ServiceType
from repairs.factories import ProductCategoryFactory, ProductModelFactory

from .helpers import NOW, level, stock_centre, work_order

pytestmark = pytest.mark.django_db

# The statements of every issue, then those of a returnable part (its defective-return tag, numbered) and
# those of free service (the credit the consumed part frees).
EVERY_ISSUE = [
    "pg_advisory_xact_lock",  # the idempotency key, so that a retry waits for the first call
    "FROM inventory_stockmovement WHERE idempotency_key",  # posted before?
    "FOR NO KEY UPDATE OF o",  # the work order, locked, with its call and unit
    "SELECT EXISTS (SELECT 1 FROM inventory_part",  # the part fits the unit's model
    "FROM inventory_warehouse WHERE center_id",  # the centre's warehouse
    "FROM inventory_stocklevel WHERE (warehouse_id, part_id) IN",  # the level, locked (FOR UPDATE)
    "INSERT INTO inventory_stockmovement",
    "UPDATE inventory_stocklevel",
]
TAG = ["INSERT INTO aftersales_dailysequence", 'INSERT INTO "inventory_defectivereturn"']
CREDIT = [
    'FROM "inventory_depositaccount" WHERE',  # the account, locked (FOR NO KEY UPDATE)
    'UPDATE "inventory_depositaccount"',
    'INSERT INTO "inventory_creditentry"',
]


def _statements(captured) -> list[str]:
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize(
    ("returnable", "service_type", "expected"),
    [
        (False, ServiceType.PAID, EVERY_ISSUE),
        (True, ServiceType.PAID, EVERY_ISSUE + TAG),
        (False, ServiceType.FREE, EVERY_ISSUE + CREDIT),
        (True, ServiceType.FREE, EVERY_ISSUE + TAG + CREDIT),
    ],
)
def test_one_issue_runs_its_statements_and_no_others(world, returnable, service_type, expected):
    part = world["compressor"]
    part.return_required = returnable
    part.save()
    stock_centre(world, part, 3, "100.00")
    order = work_order(world, service_type=service_type)

    with CaptureQueriesContext(connection) as captured:
        movement = services.part_issue(
            work_order=order, part=part, acting_user=world["technician"], now=NOW, idempotency_key="tablet:1"
        )

    statements = _statements(captured.captured_queries)
    assert len(statements) == len(expected), "\n".join(statements)
    for sql, shape in zip(statements, expected, strict=True):
        assert shape in sql, f"{shape!r} not in {sql!r}"
    assert movement.value_amount == Decimal("-100.00") and level(world["wh_a"], part) == (
        2,
        Decimal("200.00"),
    )
    assert movement.defective_returns.count() == (1 if returnable else 0)


def test_the_written_out_rule_of_what_fits_is_the_catalogues_for_every_kind_of_part():
    aircon, phone = (
        ProductCategoryFactory(code="ac", name="空调"),
        ProductCategoryFactory(code="mp", name="手机"),
    )
    model, other_model = ProductModelFactory(category=aircon), ProductModelFactory(category=aircon)
    parts = {
        "of the category, listing no model": PartFactory(category=aircon),
        "of another category": PartFactory(category=phone),
        "listed for the model": PartFactory(category=aircon),
        "listed for another model only": PartFactory(category=aircon),
        "listed for the model and another": PartFactory(category=aircon),
        "of another category, listed for the model": PartFactory(category=phone),
        "a whole unit of the model": PartFactory(category=aircon, product_model=model),
    }
    parts["listed for the model"].compatible_models.add(model)
    parts["listed for another model only"].compatible_models.add(other_model)
    parts["listed for the model and another"].compatible_models.add(model, other_model)
    parts["of another category, listed for the model"].compatible_models.add(model)

    catalogue = set(Part.objects.compatible_with(model).values_list("pk", flat=True))
    for kind, part in parts.items():
        assert Part.objects.fits(part.pk, model.pk) == (part.pk in catalogue), kind
    assert {kind for kind, part in parts.items() if Part.objects.fits(part.pk, model.pk)} == {
        "of the category, listing no model",
        "listed for the model",
        "listed for the model and another",
        "of another category, listed for the model",
    }
