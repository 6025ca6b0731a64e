"""Defective-part returns (旧件返还) and the append-only ledgers."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils.translation import override

from inventory import services
from inventory.choices import (
    DefectiveReturnStatus,
    InspectionOutcome,
    MovementKind,
)
from inventory.models import (
    CreditEntry,
    DefectiveReturnPhoto,
    DepositEntry,
    StockMovement,
)

from .helpers import NOW, fund, level, png, receive, stock_centre

pytestmark = pytest.mark.django_db


def test_shipping_an_old_part_back_needs_a_tracking_number(world, tag):
    with override("en"), pytest.raises(ValidationError) as refused:
        services.defective_return_ship(
            tag=tag, courier="顺丰", tracking_number="  ", acting_user=world["supervisor"]
        )
    assert refused.value.message_dict == {"tracking_number": ["Enter the courier's tracking number."]}
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN

    shipped = services.defective_return_ship(
        tag=tag, courier="顺丰", tracking_number=" SF1234567890 ", acting_user=world["supervisor"], now=NOW
    )

    assert (shipped.status, shipped.courier, shipped.tracking_number, shipped.shipped_at) == (
        DefectiveReturnStatus.SHIPPED,
        "顺丰",
        "SF1234567890",
        NOW,
    )


def test_only_the_owning_centres_supervisor_or_a_manager_acts_on_a_tag(world, tag):
    for outsider in (world["other_supervisor"], world["technician"], world["nobody"]):
        with pytest.raises(ValidationError) as refused:
            services.defective_return_ship(
                tag=tag, courier="顺丰", tracking_number="SF1", acting_user=outsider
            )
        assert refused.value.code == "forbidden"
        with pytest.raises(ValidationError):
            services.defective_return_request_scrap(
                tag=tag, reason="烧毁", photos=[png()], acting_user=outsider
            )
        for manager_only in (
            lambda u: services.defective_return_receive(tag=tag, acting_user=u),
            lambda u: services.defective_return_decide_scrap(tag=tag, approve=True, acting_user=u),
        ):
            with pytest.raises(ValidationError):
                manager_only(outsider)
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN and not tag.tracking_number
    assert not DefectiveReturnPhoto.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.DEFECTIVE_IN).exists()

    services.defective_return_ship(tag=tag, courier="", tracking_number="SF1", acting_user=world["manager"])
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.SHIPPED


def test_scrapping_on_site_needs_a_reason_and_a_photo_and_a_managers_approval(world, tag):
    with override("en"), pytest.raises(ValidationError) as refused:
        services.defective_return_request_scrap(
            tag=tag, reason="", photos=[], acting_user=world["supervisor"]
        )
    assert refused.value.message_dict == {
        "scrap_reason": ["Say why the part cannot be sent back."],
        "photos": ["Add at least one photo of the part."],
    }
    not_a_photo = SimpleUploadedFile("part.png", b"not an image at all", content_type="image/png")
    with override("en"), pytest.raises(ValidationError) as bad_photo:
        services.defective_return_request_scrap(
            tag=tag, reason="外壳烧毁", photos=[not_a_photo], acting_user=world["supervisor"]
        )
    assert "photos" in bad_photo.value.message_dict
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN and not DefectiveReturnPhoto.objects.exists()

    requested = services.defective_return_request_scrap(
        tag=tag,
        reason="外壳烧毁，无法运输",
        photos=[png(), png("b.png")],
        acting_user=world["supervisor"],
        now=NOW,
    )

    assert requested.status == DefectiveReturnStatus.SCRAP_REQUESTED
    assert requested.photos.count() == 2
    assert all(p.image.name.startswith(f"defective/{tag.pk}/") for p in requested.photos.all())
    with pytest.raises(ValidationError):
        services.defective_return_decide_scrap(tag=tag, approve=True, acting_user=world["supervisor"])

    refused_scrap = services.defective_return_decide_scrap(
        tag=tag, approve=False, note="照片不清楚，请寄回", acting_user=world["manager"]
    )
    assert refused_scrap.status == DefectiveReturnStatus.OPEN
    assert refused_scrap.inspection_note == "照片不清楚，请寄回"

    services.defective_return_request_scrap(
        tag=tag, reason="外壳烧毁", photos=[png()], acting_user=world["supervisor"]
    )
    approved = services.defective_return_decide_scrap(
        tag=tag, approve=True, acting_user=world["manager"], now=NOW
    )
    assert (approved.status, approved.scrap_approved_by, approved.scrapped_at) == (
        DefectiveReturnStatus.SCRAPPED,
        world["manager"],
        NOW,
    )


def test_the_old_part_is_received_worth_nothing_and_inspected(world, tag):
    services.defective_return_ship(
        tag=tag, courier="顺丰", tracking_number="SF1", acting_user=world["supervisor"]
    )

    received = services.defective_return_receive(tag=tag, acting_user=world["manager"], now=NOW)

    movement = received.receipt_movement
    assert (movement.kind, movement.warehouse, movement.quantity, movement.value_amount) == (
        MovementKind.DEFECTIVE_IN,
        world["defective"],
        1,
        Decimal("0.00"),
    )
    assert (movement.serial_number, movement.reference) == ("OLD-9", tag.number)
    assert level(world["defective"], world["compressor"]) == (1, Decimal("0.00"))
    assert received.status == DefectiveReturnStatus.RECEIVED

    with override("en"), pytest.raises(ValidationError) as no_note:
        services.defective_return_inspect(
            tag=tag, outcome=InspectionOutcome.NOT_FAULTY, acting_user=world["manager"]
        )
    assert no_note.value.message_dict == {"inspection_note": ["Describe what was found."]}
    with pytest.raises(ValidationError):
        services.defective_return_inspect(tag=tag, outcome="broken", acting_user=world["manager"])

    inspected = services.defective_return_inspect(
        tag=tag, outcome=InspectionOutcome.FAULTY, acting_user=world["manager"], now=NOW
    )
    assert (inspected.status, inspected.outcome, inspected.inspected_by) == (
        DefectiveReturnStatus.INSPECTED,
        InspectionOutcome.FAULTY,
        world["manager"],
    )


def test_tags_move_only_from_the_states_that_allow_it(world, tag):
    manager, supervisor = world["manager"], world["supervisor"]
    attempts = [
        lambda: services.defective_return_inspect(
            tag=tag, outcome=InspectionOutcome.FAULTY, acting_user=manager
        ),
        lambda: services.defective_return_decide_scrap(tag=tag, approve=True, acting_user=manager),
    ]
    for attempt in attempts:
        with override("en"), pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == [f"Tag {tag.number} is Awaiting return."]

    services.defective_return_receive(tag=tag, acting_user=manager)
    for attempt in (
        lambda: services.defective_return_ship(
            tag=tag, courier="", tracking_number="SF1", acting_user=supervisor
        ),
        lambda: services.defective_return_request_scrap(
            tag=tag, reason="烧毁", photos=[png()], acting_user=supervisor
        ),
        lambda: services.defective_return_receive(tag=tag, acting_user=manager),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.code == "invalid_transition"
    assert level(world["defective"], world["compressor"]) == (1, Decimal("0.00"))
    assert not DefectiveReturnPhoto.objects.exists()


@pytest.mark.parametrize(
    "table", ["inventory_stockmovement", "inventory_depositentry", "inventory_creditentry"]
)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET created_at = created_at", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_delete_ledger_rows(world, table, statement):
    fund(world, world["center"])
    stock_centre(world, world["fan"], 2, "10.00")
    counts = (StockMovement.objects.count(), DepositEntry.objects.count(), CreditEntry.objects.count())

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table))

    assert (
        StockMovement.objects.count(),
        DepositEntry.objects.count(),
        CreditEntry.objects.count(),
    ) == counts


def test_the_orm_refuses_to_change_or_delete_a_movement(world):
    (movement,) = receive(world, world["central"], world["fan"], 2, "10.00")

    movement.quantity = 200
    with pytest.raises(ValidationError):
        movement.save()
    with pytest.raises(ValidationError):
        movement.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(quantity=200)
    entry = services.deposit_pay(center=world["center"], amount="10", acting_user=world["manager"])
    entry.amount = Decimal("99.00")
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()

    assert StockMovement.objects.get().quantity == 2
    assert DepositEntry.objects.get().amount == Decimal("10.00")
