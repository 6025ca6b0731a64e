"""The customer's proof at closing, and the confirmation code."""

from __future__ import annotations

import base64
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from aftersales import sms
from demo.repairs import signature_png
from network.factories import UserFactory
from network.models import SettlementRate
from repairs import closing as closing_services
from repairs import services
from repairs.choices import ServiceMode, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, close_with_record, finish
from repairs.models import ConfirmationCodeSend, WorkOrder, WorkOrderClosing
from settlement.services import settlement_compute

from .helpers import CHINA, _fee, _fee_for, api_closing, closing_post, in_repair, unchanged


def test_a_technician_cannot_close_without_the_customers_proof_even_with_a_reason(client, world):
    order = in_repair(world)
    client.force_login(world["technician"])

    response = client.post(
        reverse("repairs:tablet_close", args=[order.pk]),
        closing_post(order, signature_data=None, proof_exception_reason="客户不在家，邻居代收"),
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    assert "主任" in response.json()["errors"]["proof_exception_reason"][0]
    unchanged(order)


def test_another_centres_supervisor_never_reaches_the_order(client, world):
    order = in_repair(world)
    client.force_login(world["other_supervisor"])

    response = client.post(
        reverse("repairs:office_close", args=[order.pk]),
        closing_post(order, signature_data=None, proof_exception_reason="代为完工"),
    )

    assert response.status_code == 404
    unchanged(order)


def test_the_supervisors_exception_completes_the_order_but_is_held_and_listed(client, world):
    order = in_repair(world)
    client.force_login(world["supervisor"])

    response = client.post(
        reverse("repairs:office_close", args=[order.pk]),
        closing_post(order, signature_data=None, proof_exception_reason="客户手机停机，纸质凭证已签字"),
    )

    assert response.status_code == 302
    order.refresh_from_db()
    closing = order.closing
    assert order.status == S.COMPLETED
    assert closing.proof_pending and closing.channel == "office" and not closing.confirmed_by_code
    assert "客户手机停机" in order.events.last().note
    client.force_login(world["manager"])
    listed = client.get(reverse("repairs:proof_exceptions")).content.decode()
    assert order.number in listed and "客户手机停机" in listed
    client.force_login(world["other_supervisor"])
    assert order.number not in client.get(reverse("repairs:proof_exceptions")).content.decode()


def test_the_office_form_untouched_is_refused_field_by_field_and_saves_nothing(client, world):
    order = in_repair(world, mode=ServiceMode.CARRY_IN)
    client.force_login(world["dispatcher"])
    page = client.get(reverse("repairs:office_close", args=[order.pk]))
    assert page.status_code == 200 and "办公室" in page.content.decode()

    response = client.post(
        reverse("repairs:office_close", args=[order.pk]),
        {"client_id": page.context["client_id"], "fault_code": "", "cause": "", "resolution": "",
         "labour_minutes": "", "signature_data": "", "confirmation_code": ""},
    )  # fmt: skip

    assert response.status_code == 400
    errors = response.context["errors"]
    assert {"fault_code", "cause", "resolution", "labour_minutes", "signature"} <= set(errors)
    unchanged(order)


def test_the_office_takes_a_photo_of_the_signed_voucher(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = in_repair(world, mode=ServiceMode.CARRY_IN)
    client.force_login(world["dispatcher"])
    voucher = SimpleUploadedFile("voucher.png", signature_png(), content_type="image/png")

    response = client.post(
        reverse("repairs:office_close", args=[order.pk]),
        closing_post(order, signature_data=None, signature=voucher),
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.COMPLETED and order.closing.signature and order.closing.channel == "office"


def test_only_a_manager_clears_an_exception_with_a_reason(client, world):
    closing = close_with_record(
        in_repair(world), world["supervisor"], signature_png=None, proof_exception_reason="客户无法签字"
    )
    url = reverse("repairs:proof_exception_clear", args=[closing.pk])
    client.force_login(world["supervisor"])
    assert client.post(url, {"note": "同意"}).status_code == 403
    client.force_login(world["manager"])
    client.post(url, {"note": ""})
    closing.refresh_from_db()
    assert closing.proof_pending

    client.post(url, {"note": "已电话核实"})

    closing.refresh_from_db()
    assert not closing.proof_pending and closing.proof_cleared_by == world["manager"]
    assert "已电话核实" in closing.work_order.events.last().note


def test_the_settlement_holds_an_exception_until_cleared_and_pays_it_in_the_month_it_is_cleared(world):
    SettlementRate.objects.update(base_subsidy_amount=Decimal("0.00"))
    signed = in_repair(world)
    held = in_repair(world)
    _fee(signed)
    october = dt.datetime(2026, 10, 12, 10, 0, tzinfo=CHINA)
    close_with_record(signed, world["technician"], now=october)
    close_with_record(
        held, world["supervisor"], now=october, signature_png=None, proof_exception_reason="客户无法签字"
    )
    for order in (signed, held):
        services.work_order_transition(
            work_order=order, to_status=S.CLOSED, acting_user=world["dispatcher"], now=october
        )

    settlement = settlement_compute(
        center=world["center"], month=dt.date(2026, 10, 1), now=dt.datetime(2026, 11, 2, tzinfo=CHINA)
    )
    assert {line.work_order_id for line in settlement.lines.all()} == {signed.pk}

    closing_services.closing_proof_clear(
        closing=held.closing,
        acting_user=world["manager"],
        note="已电话核实",
        now=dt.datetime(2026, 11, 20, 9, 0, tzinfo=CHINA),
    )
    november = settlement_compute(
        center=world["center"], month=dt.date(2026, 11, 1), now=dt.datetime(2026, 12, 2, tzinfo=CHINA)
    )
    assert [(line.work_order_id, line.amount) for line in november.lines.all()] == [
        (held.pk, Decimal("80.00"))
    ]


@pytest.mark.django_db(transaction=True)
def test_ten_wrong_codes_at_once_count_five_and_the_rest_are_refused(users):
    world = {**users, "tech": users["technician"].technician}
    order = in_repair(world)
    order.confirmation_code_hash = make_password("135790")
    order.save(update_fields=["confirmation_code_hash"])
    answers, barrier = [], threading.Barrier(10)

    def attempt(i):
        try:
            barrier.wait()
            close_with_record(
                WorkOrder.objects.get(pk=order.pk),
                world["technician"],
                signature_png=None,
                confirmation_code=f"{i:06d}",
            )
        except ValidationError as exc:
            answers.append(exc.message_dict["confirmation_code"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    order.refresh_from_db()
    assert order.confirmation_failures == 5
    assert len(answers) == 10
    counted = sorted(a for a in answers if "还可尝试" in a)
    assert len(counted) == 5 and len(set(counted)) == 5  # 4, 3, 2, 1, 0 tries left: each counted once
    assert sum("不能再使用" in a for a in answers) == 5
    with pytest.raises(ValidationError, match="不能再使用"):
        close_with_record(order, world["technician"], signature_png=None, confirmation_code="135790")


def test_a_new_code_does_not_reset_the_count_and_is_sent_at_most_three_times_an_hour(
    world, django_capture_on_commit_callbacks
):
    order = in_repair(world)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert closing_services.confirmation_code_send(work_order=order, now=now)  # at dispatch
    for _attempt in range(2):
        with pytest.raises(ValidationError, match="还可尝试"):
            close_with_record(order, world["technician"], signature_png=None, confirmation_code="000000")
    for minute in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert closing_services.confirmation_code_send(
                work_order=order,
                acting_user=world["technician"],
                resend=True,
                now=now + dt.timedelta(minutes=minute),
            )
    order.refresh_from_db()
    assert order.confirmation_failures == 2 and len(sms.outbox) == 4

    with pytest.raises(ValidationError, match="3 次"):
        closing_services.confirmation_code_send(
            work_order=order, acting_user=world["technician"], resend=True, now=now + dt.timedelta(minutes=30)
        )
    assert len(sms.outbox) == 4
    # An hour after the first, one more may go.
    with django_capture_on_commit_callbacks(execute=True):
        assert closing_services.confirmation_code_send(
            work_order=order, acting_user=world["technician"], resend=True, now=now + dt.timedelta(minutes=61)
        )
    assert ConfirmationCodeSend.objects.filter(work_order=order, resend=True).count() == 4


def test_the_tablets_resend_button_sends_through_a_worker_and_says_when_the_hourly_limit_is_reached(
    client, world, eager_tasks, django_capture_on_commit_callbacks
):
    order = in_repair(world)
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_code_resend", args=[order.pk])
    for _i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)
    assert len(sms.outbox) == 3 and all(order.number in m.body for m in sms.outbox)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, follow=True)

    assert "1 小时内已发送 3 次" in response.content.decode()
    assert not callbacks and len(sms.outbox) == 3
    assert ConfirmationCodeSend.objects.filter(work_order=order, resend=True).count() == 3


def test_a_gateway_that_is_down_is_retried_by_the_sending_task():
    from aftersales.sms.backends.http import SmsGatewayError
    from repairs.tasks import confirmation_code_send

    assert issubclass(SmsGatewayError, tuple(confirmation_code_send.autoretry_for))


def test_a_manager_does_not_clear_the_exception_they_recorded(world):
    closing = close_with_record(
        in_repair(world), world["manager"], signature_png=None, proof_exception_reason="客户不在家，邻居代收"
    )

    with pytest.raises(ValidationError, match="另一位服务经理"):
        closing_services.closing_proof_clear(closing=closing, acting_user=world["manager"], note="同意")

    other = UserFactory(username="mgr_2", roles=["manager"])
    closing_services.closing_proof_clear(closing=closing, acting_user=other, note="已核实")
    closing.refresh_from_db()
    assert closing.proof_cleared_by == other


def test_a_signature_claiming_a_huge_image_is_refused_without_decoding_it(client, world):
    import io
    import struct
    import zlib

    # A valid PNG header for 15000 × 15000 pixels with almost no data: decoding it would take gigabytes.
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = io.BytesIO()
    png.write(b"\x89PNG\r\n\x1a\n")
    png.write(chunk(b"IHDR", struct.pack(">IIBBBBB", 15000, 15000, 8, 2, 0, 0, 0)))
    png.write(chunk(b"IDAT", zlib.compress(b"\x00" * 1000)))
    png.write(chunk(b"IEND", b""))
    order = in_repair(world)
    client.force_login(world["supervisor"])

    response = client.post(
        f"/api/v1/work-orders/{order.pk}/complete/",
        api_closing(order, signature_png=base64.b64encode(png.getvalue()).decode()),
        content_type="application/json",
    )

    assert response.status_code == 400 and "signature" in response.json()["errors"]
    unchanged(order)


def test_a_wrong_code_through_the_api_stays_counted(client, world):
    order = in_repair(world)
    order.confirmation_code_hash = make_password("112233")
    order.save(update_fields=["confirmation_code_hash"])
    client.force_login(world["supervisor"])

    response = client.post(
        f"/api/v1/work-orders/{order.pk}/complete/",
        api_closing(order, confirmation_code="999999"),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "还可尝试 4 次" in response.json()["errors"]["confirmation_code"][0]
    order.refresh_from_db()
    assert order.confirmation_failures == 1
    unchanged(order)


def test_phone_guidance_is_paid_once_its_callback_hears_it_solved(world):
    from care.models import Callback
    from care.services import callback_record_attempt

    SettlementRate.objects.update(base_subsidy_amount=Decimal("0.00"))
    heard, unheard = (
        WorkOrderFactory(center=world["center"], status=S.ACCEPTED, call__service_type=ServiceType.FREE)
        for _i in range(2)
    )
    _fee_for(heard, "phone_guidance")
    october = dt.datetime(2026, 10, 9, 10, 0, tzinfo=CHINA)
    for order in (heard, unheard):
        services.work_order_guide_by_phone(
            work_order=order, acting_user=world["supervisor"], note="指导客户复位", now=october
        )
        # The centre's supervisor closes it at once, without the hotline's callback.
        services.work_order_transition(
            work_order=order, to_status=S.CLOSED, acting_user=world["supervisor"], now=october
        )
    callback_record_attempt(
        callback=Callback.objects.get(work_order=heard),
        outcome="reached",
        satisfaction=5,
        solved=True,
        acting_user=world["dispatcher"],
        now=october + dt.timedelta(hours=2),
    )

    settled = settlement_compute(
        center=world["center"], month=dt.date(2026, 10, 1), now=dt.datetime(2026, 11, 2, tzinfo=CHINA)
    )
    assert [line.work_order_id for line in settled.lines.all()] == [heard.pk]

    # The other customer is reached in November and says it is solved: paid in November.
    callback_record_attempt(
        callback=Callback.objects.get(work_order=unheard),
        outcome="reached",
        satisfaction=4,
        solved=True,
        acting_user=world["dispatcher"],
        now=dt.datetime(2026, 11, 3, 10, 0, tzinfo=CHINA),
    )
    november = settlement_compute(
        center=world["center"], month=dt.date(2026, 11, 1), now=dt.datetime(2026, 12, 2, tzinfo=CHINA)
    )
    assert [line.work_order_id for line in november.lines.all()] == [unheard.pk]


def test_work_redone_and_cleared_later_is_paid_in_the_month_it_is_cleared(world):
    SettlementRate.objects.update(base_subsidy_amount=Decimal("0.00"))
    original = in_repair(world)
    _fee(original)
    october = dt.datetime(2026, 10, 12, 10, 0, tzinfo=CHINA)
    close_with_record(
        original, world["supervisor"], now=october, signature_png=None, proof_exception_reason="客户无法签字"
    )
    redo = services.work_order_redo(
        work_order=original,
        acting_user=world["dispatcher"],
        note="未修好",
        now=october + dt.timedelta(days=2),
    )
    finish(
        redo, status=S.COMPLETED, center=world["center"], completed_at=dt.datetime(2026, 11, 5, tzinfo=CHINA)
    )
    WorkOrder.objects.filter(pk=original.pk).update(
        payment_held=False
    )  # as care does when the redo completes

    def month(first, now):
        return settlement_compute(center=world["center"], month=first, now=now)

    assert not month(dt.date(2026, 11, 1), dt.datetime(2026, 12, 1, 1, tzinfo=CHINA)).lines.exists()
    closing_services.closing_proof_clear(
        closing=original.closing,
        acting_user=world["manager"],
        note="已核实",
        now=dt.datetime(2026, 12, 10, 9, 0, tzinfo=CHINA),
    )
    december = month(dt.date(2026, 12, 1), dt.datetime(2027, 1, 2, tzinfo=CHINA))
    assert [(line.work_order_id, line.amount) for line in december.lines.all()] == [
        (original.pk, Decimal("80.00"))
    ]
    # November's draft, recomputed after the clearing, still does not take it: it is December's.
    assert not month(dt.date(2026, 11, 1), dt.datetime(2026, 12, 11, tzinfo=CHINA)).lines.exists()


def test_orders_completed_before_closing_records_are_held_as_exceptions(world):
    """What the migration that introduced closing records does for work completed before: an exception
    closing for the unpaid (listed, held until cleared), nothing for the work already on a statement."""
    import importlib

    from network.models import Settlement, SettlementLine

    backfill = importlib.import_module("repairs.migrations.0015_backfill_closing_exceptions").BACKFILL
    unpaid, paid = (in_repair(world) for _i in range(2))
    with connection.cursor() as cursor:  # as before the rule: completed without a closing
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE repairs_workorder DISABLE TRIGGER work_order_completed_has_closing_update"
        )
        WorkOrder.objects.filter(pk__in=[unpaid.pk, paid.pk]).update(
            status=S.CLOSED, completed_at=timezone.now()
        )
        cursor.execute("ALTER TABLE repairs_workorder ENABLE TRIGGER work_order_completed_has_closing_update")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    settlement = Settlement.objects.create(
        center=world["center"], month=dt.date(2026, 9, 1), center_level="a", computed_at=timezone.now()
    )
    SettlementLine.objects.create(
        settlement=settlement, work_order=paid, kind="service_fee", service_kind="on_site_repair",
        closed_on=dt.date(2026, 9, 3), amount=Decimal("50.00"),
    )  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute(backfill)

    closing = WorkOrderClosing.objects.get(work_order=unpaid)
    assert closing.proof_pending and "系统补记" in closing.proof_exception_reason
    assert not WorkOrderClosing.objects.filter(work_order=paid).exists()
