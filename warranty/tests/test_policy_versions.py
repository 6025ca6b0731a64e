"""The stored default policies: air conditioners on the maker's 30-day parts-supply limit as a new version
(v2), the first version kept for the decisions taken under it, the other categories on their own terms."""

import datetime as dt

import pytest
from django.urls import reverse

from network.factories import UserFactory
from repairs.factories import ProductUnitFactory
from repairs.models import Component, ProductCategory
from warranty.defaults import EFFECTIVE_FROM, default_policies_sync, policy_versions_sync
from warranty.models import ComponentPeriod, WarrantyDecision, WarrantyPolicy
from warranty.rules import Facts, RepairRecord
from warranty.services import warranty_evaluate

pytestmark = pytest.mark.django_db

MODELS = (WarrantyPolicy, ComponentPeriod, ProductCategory, Component)


def test_a_migrated_database_decides_air_conditioners_on_the_makers_30_days():
    v1 = WarrantyPolicy.objects.get(category__code="air_conditioner", version="v1")
    v2 = WarrantyPolicy.objects.get(category__code="air_conditioner", version="v2")
    assert (v1.effective_from, v1.parts_supply_limit_days) == (EFFECTIVE_FROM, 90)
    assert v2.parts_supply_limit_days == 30 and v2.effective_from > v1.effective_from
    assert {p.component.code for p in v2.periods.all()} == {p.component.code for p in v1.periods.all()}
    # A unit sold years ago is decided on v2 as well.
    assert WarrantyPolicy.objects.effective_on("air_conditioner", dt.date(2005, 3, 1)) == v2
    limits = {
        code: WarrantyPolicy.objects.effective_on(code, dt.date(2026, 6, 1)).parts_supply_limit_days
        for code in ("air_conditioner", "refrigerator", "washing_machine", "mobile_phone")
    }
    assert limits == {"air_conditioner": 30, "refrigerator": 90, "washing_machine": 90, "mobile_phone": 60}


@pytest.mark.parametrize(("days", "verdict"), [(30, "free_repair"), (35, "exchange")])
def test_waiting_35_days_for_the_makers_part_gives_an_air_conditioner_an_exchange(days, verdict):
    sent = dt.date(2026, 8, 1)
    facts = Facts(
        category="air_conditioner",
        component="main_unit",
        report_date=sent + dt.timedelta(days=days + 1),
        sale_date=dt.date(2026, 6, 1),
        invoice_date=dt.date(2026, 6, 1),
        repairs=(RepairRecord(sent, sent + dt.timedelta(days=days), delay_cause="parts_supply"),),
    )
    decision, policy = warranty_evaluate(facts=facts)
    assert decision.policy_version == "air_conditioner/v2" and policy.version == "v2"
    assert decision.verdict == verdict
    if verdict == "exchange":
        assert decision.liable == "maker"
        assert any(r.rule == "delay.parts_supply" and "超过 30 日" in r.zh for r in decision.reasons)


def test_an_existing_database_gets_v2_once_and_v1_is_left_as_it_was():
    """As the data migration finds a database seeded before: only v1 there."""
    WarrantyPolicy.objects.filter(category__code="air_conditioner", version="v2").delete()
    v1 = WarrantyPolicy.objects.get(category__code="air_conditioner", version="v1")
    before = {f.name: getattr(v1, f.name) for f in WarrantyPolicy._meta.concrete_fields}
    decision = WarrantyDecision.objects.create(
        unit=ProductUnitFactory(),
        policy=v1,
        policy_version="air_conditioner/v1",
        facts={},
        verdict="free_repair",
        liable="maker",
        result={},
    )
    policy_versions_sync(*MODELS)
    policy_versions_sync(*MODELS)
    default_policies_sync(*MODELS)
    rows = WarrantyPolicy.objects.filter(category__code="air_conditioner").order_by("effective_from")
    assert [(p.version, p.parts_supply_limit_days) for p in rows] == [("v1", 90), ("v2", 30)]
    v1.refresh_from_db()
    assert {f.name: getattr(v1, f.name) for f in WarrantyPolicy._meta.concrete_fields} == before
    decision.refresh_from_db()
    assert (decision.policy_id, decision.policy_version) == (v1.pk, "air_conditioner/v1")


def test_a_category_whose_policy_an_administrator_replaced_gets_no_v2():
    category = ProductCategory.objects.get(code="air_conditioner")
    WarrantyPolicy.objects.filter(category=category).delete()
    own = WarrantyPolicy.objects.create(
        category=category,
        version="2024",
        effective_from=dt.date(2024, 1, 1),
        return_days=7,
        exchange_days=15,
        parts_supply_limit_days=45,
        no_invoice_start_value=3,
        no_invoice_start_unit="months",
        depreciation_percent_per_day="0.100",
    )
    policy_versions_sync(*MODELS)
    assert list(WarrantyPolicy.objects.filter(category=category)) == [own]


def test_the_admin_lists_each_versions_parts_supply_limit(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    category = ProductCategory.objects.get(code="air_conditioner")
    html = client.get(
        reverse("admin:warranty_warrantypolicy_changelist"), {"category__id__exact": category.pk}
    ).content.decode()
    assert html.count('class="field-parts_supply_limit_days">30<') == 1
    assert html.count('class="field-parts_supply_limit_days">90<') == 1
    assert 'class="field-version">v2<' in html
