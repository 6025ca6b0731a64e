"""The initial stock import: all or nothing, a report line by line, UTF-8 with or without BOM and GBK, no
double counting, the command and the manager's upload page."""

import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from inventory import services
from inventory.checks import stock_discrepancies
from inventory.factories import PartFactory, WarehouseFactory
from inventory.imports import stock_import_csv
from inventory.models import StockLevel, StockMovement

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(users):
    return {
        "central": WarehouseFactory(central=True),
        "center_wh": WarehouseFactory(center=users["center"]),
        "defective": WarehouseFactory(defective=True),
        "a": PartFactory(code="A-001", name="压缩机"),
        "b": PartFactory(code="B-002", name="遥控器"),
        "manager": users["manager"],
        **users,
    }


GOOD = (
    "warehouse_code,part_code,quantity,unit_cost\nCW,A-001,10,120.50\nCW,B-002,3,8\nWH-SC-A,A-001,2,121.00\n"
)


def _run(text, stock, **kwargs):
    with translation.override("en"):
        return stock_import_csv(file=text, acting_user=stock["manager"], **kwargs)


def _levels():
    return sorted(StockLevel.objects.values_list("warehouse__code", "part__code", "quantity", "value_amount"))


def test_a_good_file_posts_one_receipt_per_line_and_the_levels(stock):
    result = _run(GOOD, stock)

    assert result.ok, result.errors
    assert _levels() == [
        ("CW", "A-001", 10, Decimal("1205.00")),
        ("CW", "B-002", 3, Decimal("24.00")),
        ("WH-SC-A", "A-001", 2, Decimal("242.00")),
    ]
    movements = StockMovement.objects.all()
    assert {m.kind for m in movements} == {"receipt"} and len(movements) == 3
    assert {m.reference for m in movements} == {result.reference} and result.reference.startswith("期初导入 ")
    assert {m.created_by for m in movements} == {stock["manager"]}
    assert [(t.warehouse.code, t.lines, t.quantity, t.value) for t in result.totals] == [
        ("CW", 2, 13, Decimal("1229.00")),
        ("WH-SC-A", 1, 2, Decimal("242.00")),
    ]
    assert (result.lines, result.quantity, result.value) == (3, 15, Decimal("1471.00"))
    assert stock_discrepancies() == []


def test_one_bad_line_among_good_ones_posts_nothing_and_names_every_bad_line(stock):
    text = (
        "warehouse_code,part_code,quantity,unit_cost\n"
        "CW,A-001,10,120.50\n"  # 2 good
        "CW,NOPE,1,1\n"  # 3 unknown part
        "XX,A-001,1,1\n"  # 4 unknown warehouse
        "CW,B-002,0,1\n"  # 5 zero
        "CW,B-002,1.5,1\n"  # 6 not whole
        "WH-SC-A,B-002,2,-3\n"  # 7 negative cost
        "WH-SC-A,A-001,2,abc\n"  # 8 cost not a number
        "CW,A-001,4,120.50\n"  # 9 duplicate of line 2
        "CW,B-002,1\n"  # 10 too few columns
        "CW-JJ,A-001,1,0\n"  # 11 the defective store
        "\n"
        "WH-SC-A,B-002,5,10.00\n"  # 13 good
    )
    result = _run(text, stock)

    assert not result.ok
    by_line = {e.line: e.message for e in result.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "NOPE" in by_line[3] and "XX" in by_line[4]
    assert "greater than zero" in by_line[5] and "whole number" in by_line[6]
    assert "negative" in by_line[7] and "abc" in by_line[8]
    assert "line 2" in by_line[9]
    assert StockMovement.objects.count() == 0 and StockLevel.objects.count() == 0


def test_the_report_is_in_chinese_by_default(stock):
    with translation.override("zh-hans"):
        result = stock_import_csv(
            file="仓库编码,备件编码,数量,单价\nCW,NOPE,1,1\n", acting_user=stock["manager"]
        )
    assert [e.line for e in result.errors] == [2]
    assert "NOPE" in result.errors[0].message


def test_a_part_already_in_the_warehouse_is_refused_and_nothing_else_is_posted(stock):
    services.stock_receive(
        warehouse=stock["center_wh"],
        lines=[(stock["a"], 1, "100")],
        reference="PO-1",
        acting_user=stock["manager"],
    )
    before = _levels()

    result = _run(GOOD, stock)

    assert [e.line for e in result.errors] == [4]
    assert "WH-SC-A" in result.errors[0].message and "twice" in result.errors[0].message
    assert _levels() == before and StockMovement.objects.count() == 1


def test_importing_the_same_file_twice_is_refused_the_second_time(stock):
    assert _run(GOOD, stock).ok
    again = _run(GOOD, stock)
    assert [e.line for e in again.errors] == [2, 3, 4]
    assert StockMovement.objects.count() == 3


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda s: s.encode("gbk"), id="gbk"),
        pytest.param(lambda s: s.encode("utf-8-sig"), id="utf8-bom"),
        pytest.param(lambda s: s.encode("utf-8"), id="utf8"),
        pytest.param(lambda s: "\ufeff" + s, id="text-bom"),
    ],
)
def test_chinese_headers_in_gbk_or_utf8_with_or_without_bom(stock, encode):
    PartFactory(code="遥控-01", name="遥控器")
    text = "仓库编码,备件编码,数量,单价\r\nCW,遥控-01,4,12.00\r\nCW,A-001,1,100\r\n"
    result = _run(encode(text), stock)
    assert result.ok, result.errors
    assert _levels() == [("CW", "A-001", 1, Decimal("100.00")), ("CW", "遥控-01", 4, Decimal("48.00"))]


def test_columns_in_another_order_and_a_missing_header(stock):
    assert _run("unit_cost,quantity,part_code,warehouse_code\n5,2,A-001,CW\n", stock).ok
    result = _run("CW,B-002,1,1\n", stock)
    assert [e.line for e in result.errors] == [1]
    assert "warehouse_code" in result.errors[0].message
    assert [e.line for e in _run("", stock).errors] == [1]
    assert [e.line for e in _run("warehouse_code,part_code,quantity,unit_cost\n", stock).errors] == [1]


def test_ten_thousand_lines_import_in_a_few_seconds(stock):
    parts = PartFactory.create_batch(5000)
    lines = ["warehouse_code,part_code,quantity,unit_cost"]
    for code in ("CW", "WH-SC-A"):
        lines += [f"{code},{p.code},{i % 7 + 1},{i % 50}.25" for i, p in enumerate(parts)]
    started = time.monotonic()
    result = _run("\n".join(lines), stock)
    elapsed = time.monotonic() - started
    assert result.ok, result.errors[:3]
    assert result.lines == 10_000 and StockMovement.objects.count() == 10_000
    assert stock_discrepancies() == []
    assert elapsed < 5, f"{elapsed:.1f} s"


# The command ---------------------------------------------------------------------------------------------


def test_the_command_imports_a_file(stock, tmp_path, capsys):
    path = tmp_path / "count.csv"
    path.write_bytes(GOOD.encode("gbk"))
    with translation.override("en"):
        call_command("import_stock", str(path), "--user", "mgr")
    out = capsys.readouterr().out
    assert "Imported 3 lines, 15 pieces, 1471.00 yuan" in out
    assert StockMovement.objects.filter(created_by=stock["manager"]).count() == 3


def test_the_command_exits_1_with_the_report_and_imports_nothing(stock, tmp_path, capsys):
    path = tmp_path / "count.csv"
    path.write_text(GOOD + "CW,NOPE,1,1\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(SystemExit) as exit_:
        call_command("import_stock", str(path))
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "Line 5:" in err and "NOPE" in err and "nothing was imported" in err
    assert StockMovement.objects.count() == 0


# The page ------------------------------------------------------------------------------------------------


def _upload(client, user, content: bytes, name="count.csv"):
    client.force_login(user)
    return client.post(
        reverse("inventory:import"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_manager_uploads_a_file_and_sees_the_summary(client, stock):
    response = _upload(client, stock["manager"], GOOD.encode("gbk"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-summary"' in html and "1471.00" in html
    assert StockMovement.objects.count() == 3


def test_the_manager_sees_the_bad_lines_and_nothing_is_imported(client, stock):
    response = _upload(client, stock["manager"], (GOOD + "CW,NOPE,1,1\nCW,A-001,x,1\n").encode("utf-8-sig"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html and "NOPE" in html
    assert [e.line for e in response.context["result"].errors] == [5, 6]
    assert StockMovement.objects.count() == 0


def test_supervisors_and_others_cannot_import(client, stock):
    for role in ("supervisor", "technician", "dispatcher", "nobody"):
        response = _upload(client, stock[role], GOOD.encode())
        assert response.status_code == 403, role
        client.force_login(stock[role])
        assert client.get(reverse("inventory:import")).status_code == 403
    assert StockMovement.objects.count() == 0 and StockLevel.objects.count() == 0


def test_the_upload_form_shows(client, stock, django_assert_max_num_queries):
    client.force_login(stock["manager"])
    with django_assert_max_num_queries(4):
        response = client.get(reverse("inventory:import"))
    assert response.status_code == 200 and b'type="file"' in response.content
