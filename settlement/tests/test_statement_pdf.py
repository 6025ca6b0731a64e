"""The statement PDF as a centre receives it: every column of the work-order table fits on A4 (a long item
or district wraps, it is never cut, and a row so wrapped is never split by a page break), the totals and
the signature boxes stay on one page, one embedded font (the CJK one) draws every page, a draft carries
a 草稿 watermark on every page, the header names the paying company by its legal name, and the centre's
address reads with its province, city and district."""

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest

from care.calendar import CHINA
from network.factories import CityFactory, DistrictFactory, ProvinceFactory, ServiceCenterFactory, UserFactory
from network.models import FeeSchedule, SettlementLine
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import ProductModel, RepairCall
from settlement.pdf import statement_pdf
from settlement.services import settlement_compute, settlement_confirm

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=CHINA)
A4_WIDTH_PT = 595.28
RIGHT_EDGE_PT = A4_WIDTH_PT - 13 / 25.4 * 72  # the page's right margin is 13 mm


def _nanjing():
    province = ProvinceFactory(code="320000", name="江苏省")
    city = CityFactory(code="320100", name="南京市", parent=province)
    return DistrictFactory(code="320106", name="鼓楼区", parent=city)


def _statement(orders: int):
    """A gold centre in Nanjing's Gulou district with `orders` paid work orders in October (90.00 each)."""
    centre = ServiceCenterFactory(
        code="JS-NJ-01", name="南京鼓楼服务中心", level="gold", region=_nanjing(), address="中山北路 101 号"
    )
    for i in range(orders):
        when = dt.datetime(2026, 10, 1 + i % 28, 10, tzinfo=CHINA)
        order = WorkOrderFactory(
            center=centre,
            status=S.CLOSED,
            closed_at=when,
            completed_at=when,
            call__service_type=ServiceType.FREE,
        )
        FeeSchedule.objects.get_or_create(
            category=order.call.unit.model.category,
            service_kind="on_site_repair",
            center_level="gold",
            valid_from=dt.date(2026, 1, 1),
            defaults={"fee_amount": Decimal("90.00")},
        )
    return settlement_compute(center=centre, month=OCTOBER, now=NOW)


def _pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def _words(pdf: bytes, tmp_path) -> list[tuple[int, float, float, float, float, str]]:
    """Every word drawn, with its page and box in points (pdftotext -bbox)."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for page, chunk in enumerate(html.split("<page ")[1:], start=1):
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', chunk
        ):
            words.append((page, float(x0), float(y0), float(x1), float(y1), word))
    return words


def test_every_column_fits_the_page_a_long_item_or_district_wraps_instead_of_being_cut(tmp_path):
    settlement = _statement(3)
    line = settlement.lines.order_by("pk").first()
    # The longest things a row carries: parts reimbursed at cost with their codes, a district of a
    # prefecture with a long name, a long model number.
    SettlementLine.objects.filter(pk=line.pk).update(
        note="AC-CAPACITOR-35UF ×1, RF-PTC-STARTER ×2, AC-SNS-TEMP-SENSOR ×1, AC-FAN-MOTOR-YDK ×1"
    )
    district = DistrictFactory(
        name="和静县", parent=CityFactory(name="巴音郭楞蒙古自治州", parent=ProvinceFactory(name="新疆"))
    )
    RepairCall.objects.filter(pk=line.work_order.call_id).update(service_region=district)
    pdf = statement_pdf(settlement)

    # A wrapped cell's lines joined (pdftotext drops the hyphen a line ends with).
    text = re.sub(r"[\s-]", "", "".join(_pages(pdf, tmp_path)))
    assert "ACCAPACITOR35UF×1,RFPTCSTARTER×2,ACSNSTEMPSENSOR×1,ACFANMOTORYDK×1" in text
    assert "巴音郭楞蒙古自治州和静县" in text
    drawn = [w for w in _words(pdf, tmp_path) if not set(w[5]) <= set("草稿")]  # the watermark aside
    beyond = [w[5] for w in drawn if w[3] > RIGHT_EDGE_PT + 0.5]
    assert beyond == []  # nothing runs past the right margin
    overlapping = [
        (a[5], b[5])
        for i, a in enumerate(drawn)
        for b in drawn[i + 1 :]
        if a[0] == b[0]
        and min(a[4], b[4]) - max(a[2], b[2]) > 2  # the same text line
        and min(a[3], b[3]) - max(a[1], b[1]) > 0.5  # sharing horizontal space
    ]
    assert overlapping == []  # no cell's text runs under its neighbour's


def test_the_signature_boxes_stay_on_the_page_of_the_totals(tmp_path):
    """However many lines fill the page before them, the total and the boxes to sign are never split."""
    settlement = _statement(34)
    lines = list(settlement.lines.order_by("-pk"))
    seen_pages = set()
    for count in range(34, 4, -1):  # a page's worth of positions for the block at its end
        pages = _pages(statement_pdf(settlement), tmp_path)
        seen_pages.add(len(pages))
        with_total = [i for i, page in enumerate(pages) if "人民币（大写）" in page]
        with_signatures = [i for i, page in enumerate(pages) if "网点盖章" in page]
        assert with_total == with_signatures, (
            f"{count} lines: total on {with_total}, boxes on {with_signatures}"
        )
        SettlementLine.objects.filter(pk=lines[34 - count].pk).delete()
        if count < 22 and seen_pages == {1, 2}:
            break
    assert seen_pages == {1, 2}  # the sweep did cross a page break


def test_a_draft_is_watermarked_on_every_page_a_confirmed_statement_is_not(tmp_path):
    settlement = _statement(40)

    def watermarked_pages(pdf):
        # 草稿 drawn large across the page: its characters' boxes are several centimetres tall.
        return {w[0] for w in _words(pdf, tmp_path) if w[5] in ("草", "稿", "草稿") and w[4] - w[2] > 50}

    draft = statement_pdf(settlement)
    pages = len(_pages(draft, tmp_path))
    assert pages >= 2 and watermarked_pages(draft) == set(range(1, pages + 1))
    confirmed = settlement_confirm(settlement=settlement, acting_user=UserFactory(roles=["manager"]), now=NOW)
    assert watermarked_pages(statement_pdf(confirmed)) == set()


def test_the_header_names_the_paying_company_and_the_centres_full_address(tmp_path, settings):
    settings.PAYER_LEGAL_NAME = "华南测试电器股份有限公司"
    settlement = _statement(1)
    first = _pages(statement_pdf(settlement), tmp_path)[0]
    assert "华南测试电器股份有限公司" in first
    assert "江苏省南京市鼓楼区中山北路 101 号" in first


def test_a_row_that_wraps_is_never_cut_by_a_page_break_and_one_font_draws_every_page(tmp_path):
    """A row two lines tall (a long model number wraps) moves to the next page whole, wherever the break
    falls; the statement embeds one font, the CJK one, which also draws the page numbers."""
    settlement = _statement(40)
    models = list(
        settlement.lines.order_by("closed_on", "work_order__number").values_list(
            "work_order__call__unit__model", flat=True
        )
    )
    for n, pk in enumerate(models):
        ProductModel.objects.filter(pk=pk).update(model_number=f"BCD-510WGHSS95S9U1-{n:02d}")
    for shorter in range(3):  # rows one line tall first move the break through the rows' height
        if shorter:
            ProductModel.objects.filter(pk=models[shorter - 1]).update(model_number=f"S{shorter}")
        pdf = statement_pdf(settlement)
        pages = _pages(pdf, tmp_path)
        assert len(pages) >= 2
        for number, page in enumerate(pages, start=1):
            # Each row prints its closing date once and its model number once: on the same page.
            assert page.count("2026-10-") == page.count("BCD-510WGHSS95S9U1-") + sum(
                page.count(f"S{k}\n") for k in range(1, shorter + 1)
            ), f"{shorter} short rows first: page {number} has a row cut in two"
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = [row.split()[0] for row in fonts.splitlines()[2:]]
    assert len(embedded) == 1 and embedded[0].endswith("+Noto-Sans-CJK-SC")
    assert f"第1页/共{len(pages)}页" in re.sub(r"\s", "", pages[0])
