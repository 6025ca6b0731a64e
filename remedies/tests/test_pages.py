"""The remedies' pages as their users meet them: the dispatcher finds the unit and opens a request (the form
sent untouched first, then filled), the manager's queue and approval, the exchange and its certificate PDF,
the refund, the out-of-box check, a refurbishment's steps; scope (404) and roles (403); lists without queries
growing with their rows."""

import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from network.factories import ServiceCenterFactory, UserFactory
from remedies import services
from remedies.choices import RemedyStatus
from remedies.models import DoaCheck, Refurbishment, RemedyRequest

from .helpers import APPLIANCE_DOCS, DOA_PHONE, NOW, PHONE_DOCS, TWO_REPAIRS, decided, in_stock, sold_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_the_dispatcher_finds_the_unit_and_opens_an_exchange_in_the_sale_window(client, users):
    unit = sold_unit(days_ago=5, phone=True, base=timezone.localdate())
    client.force_login(users["dispatcher"])
    page = client.get(reverse("remedies:new"), {"serial": "nothing-like-it"})
    assert "没有这个序列号或 IMEI 的产品" in page.content.decode()
    found = client.get(reverse("remedies:new"), {"serial": unit.imei})
    assert found.status_code == 302 and found["Location"].endswith(f"?unit={unit.pk}")
    form = client.get(found["Location"])
    html = form.content.decode()
    assert "今日三包状态" in html and "退货" in html and "进网许可标志" in html
    # Sent untouched: no remedy chosen, nothing ticked.
    untouched = client.post(reverse("remedies:new"), {"unit": unit.pk, "work_order": "", "customer_note": ""})
    assert untouched.status_code == 400 and "请选择换货或退货" in untouched.content.decode()
    missing = client.post(
        reverse("remedies:new"), {"unit": unit.pk, "remedy": "exchange", "documents_exchange": PHONE_DOCS[:2]}
    )
    assert missing.status_code == 400 and "缺少" in missing.content.decode()
    # The form keeps what was ticked.
    assert 'value="warranty_card" checked' in missing.content.decode()
    assert not RemedyRequest.objects.exists()
    done = client.post(
        reverse("remedies:new"),
        {
            "unit": unit.pk,
            "remedy": "exchange",
            "documents_exchange": PHONE_DOCS,
            "customer_note": "屏幕闪烁",
        },
    )
    row = RemedyRequest.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("remedies:detail", args=[row.pk])
    assert row.status == RemedyStatus.APPROVED and row.customer_note == "屏幕闪烁"
    assert row.decision.decided_by == users["dispatcher"]


def test_the_unit_page_offers_the_request_and_links_old_and_new_units(client, users):
    unit = sold_unit(days_ago=5, phone=True, base=timezone.localdate())
    client.force_login(users["dispatcher"])
    page = client.get(reverse("repairs:unit_detail", args=[unit.pk])).content.decode()
    assert f'href="{reverse("remedies:new")}?unit={unit.pk}"' in page
    in_stock(unit.model, "868000000000027", user=users["manager"], imei=True)
    row = services.remedy_request_open(
        decision=decided(unit, on=timezone.localdate()),
        remedy="exchange",
        documents=PHONE_DOCS,
        acting_user=users["dispatcher"],
    )
    services.remedy_exchange(request=row, acting_user=users["dispatcher"])
    row.refresh_from_db()
    old_page = client.get(reverse("repairs:unit_detail", args=[unit.pk])).content.decode()
    assert 'id="replaced-by"' in old_page and "868000000000027" in old_page and row.number in old_page
    assert 'id="open-remedy"' not in old_page and 'id="taken-back"' in old_page
    new_page = client.get(reverse("repairs:unit_detail", args=[row.replacement_id])).content.decode()
    assert 'id="replaces"' in new_page and unit.imei in new_page


def test_the_manager_approves_from_the_queue_and_the_exchange_prints_a_certificate(client, users, tmp_path):
    unit = sold_unit(days_ago=120)
    row = services.remedy_request_open(
        decision=decided(unit, repairs=TWO_REPAIRS),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    client.force_login(users["manager"])
    queue = client.get(reverse("remedies:list"), {"view": "queue"}).content.decode()
    assert row.number in queue and "待审批" in queue
    client.post(reverse("remedies:approve", args=[row.pk]), {"note": "同意"})
    row.refresh_from_db()
    assert row.status == RemedyStatus.APPROVED
    in_stock(unit.model, "SN-NEW-77", user=users["manager"])
    page = client.get(reverse("remedies:detail", args=[row.pk])).content.decode()
    assert 'id="exchange-form"' in page
    client.force_login(users["dispatcher"])
    response = client.post(
        reverse("remedies:exchange", args=[row.pk]), {"warehouse": "", "serial_number": ""}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == RemedyStatus.DONE and row.replacement.serial_number == "SN-NEW-77"
    pdf = client.get(reverse("remedies:certificate", args=[row.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "换货证明" in text and "SN-NEW-77" in text and unit.serial_number in text and row.number in text
    today = timezone.localdate()
    # The new unit's repair period: a year from the exchange (today).
    assert f"{today.year + 1}年{today.month}月" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])


def test_the_refund_form_shows_what_is_due_and_refuses_more_than_the_price(client, users):
    unit = sold_unit(days_ago=3, phone=True, price="1999.00", base=timezone.localdate())
    row = services.remedy_request_open(
        decision=decided(unit, on=timezone.localdate()),
        remedy="return",
        documents=PHONE_DOCS,
        acting_user=users["dispatcher"],
    )
    client.force_login(users["dispatcher"])
    page = client.get(reverse("remedies:detail", args=[row.pk])).content.decode()
    assert "¥1999.00" in page and 'id="refund-form"' in page
    client.post(
        reverse("remedies:refund", args=[row.pk]), {"amount": "2500", "method": "cash", "reference": ""}
    )
    row.refresh_from_db()
    assert row.status == RemedyStatus.APPROVED
    page = client.get(reverse("remedies:detail", args=[row.pk])).content.decode()
    assert "退款金额不能超过发票金额 1999.00 元" in page
    client.post(
        reverse("remedies:refund", args=[row.pk]),
        {"amount": "1999.00", "method": "alipay", "reference": "ZFB1"},
    )
    row.refresh_from_db()
    assert row.status == RemedyStatus.DONE and row.refund.amount == 1999


def test_scope_and_roles(client, users):
    unit = sold_unit(days_ago=120)
    row = services.remedy_request_open(
        decision=decided(unit, repairs=TWO_REPAIRS),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
    )
    other = UserFactory(username="sup_b", roles=["supervisor"])
    ServiceCenterFactory(code="SC-B").supervisors.add(other)
    client.force_login(other)
    assert client.get(reverse("remedies:detail", args=[row.pk])).status_code == 404
    assert client.post(reverse("remedies:cancel", args=[row.pk]), {"reason": "x"}).status_code == 404
    client.force_login(users["technician"])
    assert client.get(reverse("remedies:list")).status_code == 403
    client.force_login(users["dispatcher"])
    assert client.post(reverse("remedies:approve", args=[row.pk])).status_code == 403
    assert client.get(reverse("remedies:refurb_list")).status_code == 403
    row.refresh_from_db()
    assert row.status == RemedyStatus.AWAITING_APPROVAL


def test_the_dealer_records_an_out_of_box_check_in_the_browser(client, users):
    unit = sold_unit(days_ago=1, phone=True, dealer=users["dealer_obj"], base=timezone.localdate())
    client.force_login(users["dealer"])
    page = client.get(reverse("remedies:doa_new"), {"serial": unit.imei}).content.decode()
    assert "屏幕保护膜" in page
    untouched = client.post(
        reverse("remedies:doa_new"), {"serial": unit.imei, "fault": "", "confirmed_by": ""}
    )
    assert untouched.status_code == 400 and "请描述开箱或安装时发现的故障" in untouched.content.decode()
    assert not DoaCheck.objects.exists()
    done = client.post(
        reverse("remedies:doa_new"),
        {"serial": unit.imei, "fault": "无法开机", "confirmed_by": "王工", "checked": DOA_PHONE},
    )
    check = DoaCheck.objects.get()
    assert done.status_code == 302 and check.status == "approved" and check.request.status == "waiting_stock"
    listed = client.get(reverse("remedies:doa_list")).content.decode()
    assert check.number in listed
    assert client.get(reverse("remedies:detail", args=[check.request_id])).status_code == 403


def test_a_refurbishment_is_walked_through_its_steps_in_the_browser(client, users):
    unit = sold_unit(days_ago=3, phone=True, base=timezone.localdate())
    row = services.remedy_request_open(
        decision=decided(unit, on=timezone.localdate()),
        remedy="return",
        documents=PHONE_DOCS,
        acting_user=users["dispatcher"],
    )
    services.remedy_refund(request=row, method="cash", acting_user=users["dispatcher"])
    item = Refurbishment.objects.get()
    client.force_login(users["manager"])
    step = lambda name, data: client.post(reverse("remedies:refurb_step", args=[item.pk, name]), data)  # noqa: E731
    step("inspect", {"grade": "A", "note": ""})
    repaired = step("repair", {"part": "", "quantity": "1", "labour_amount": "30"})
    assert {str(m) for m in repaired.wsgi_request._messages} == {"已保存。"}
    step("test", {"passed": "1", "note": "整机测试通过"})
    from inventory.factories import WarehouseFactory

    warehouse = WarehouseFactory(central=True)
    step("restock", {"warehouse": warehouse.pk})
    item.refresh_from_db()
    assert item.status == "restocked" and item.labour_cost_amount == 30 and item.restocked_to == warehouse
    rates = client.get(reverse("remedies:rates")).content.decode()
    assert "100.00%" in rates


def test_list_pages_do_not_grow_queries_with_their_rows(client, users, django_assert_max_num_queries):
    client.force_login(users["manager"])

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [
        reverse("remedies:list") + "?view=all",
        reverse("remedies:doa_list"),
        reverse("remedies:refurb_list"),
    ]
    before = [count(u) for u in urls]
    for _n in range(6):
        unit = sold_unit(days_ago=3, phone=True, base=timezone.localdate())
        row = services.remedy_request_open(
            decision=decided(unit, on=timezone.localdate()),
            remedy="return",
            documents=PHONE_DOCS,
            acting_user=users["dispatcher"],
        )
        services.remedy_refund(request=row, method="cash", acting_user=users["dispatcher"])
        services.doa_check_record(
            unit=sold_unit(days_ago=2, phone=True, base=timezone.localdate()),
            fault="黑屏",
            confirmed_by="王工",
            checked=DOA_PHONE[:2],
            acting_user=users["dispatcher"],
        )
    after = [count(u) for u in urls]
    assert after == before


def test_the_managers_dashboard_shows_the_queue_and_the_out_of_box_rate(client, users):
    today = timezone.localdate()
    first = sold_unit(days_ago=2, phone=True, base=today)
    units = [first] + [sold_unit(days_ago=2, phone=True, base=today, model=first.model) for _i in range(3)]
    services.doa_check_record(
        unit=units[0], fault="黑屏", confirmed_by="王工", checked=DOA_PHONE, acting_user=users["dispatcher"]
    )
    old = sold_unit(days_ago=120)
    services.remedy_request_open(
        decision=decided(old, repairs=TWO_REPAIRS),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    client.force_login(users["manager"])
    html = client.get(reverse("office:dashboard")).content.decode()
    panel = html[html.index('id="remedies-panel"') : html.index('id="centres-title"')]
    # One out-of-box failure among the four phones of that model sold this month: 25 %.
    assert "25.00%" in panel and units[0].model.model_number in panel
    assert "待审批" in panel and "1 件逾期" in panel
