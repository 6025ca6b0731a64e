"""A statement's number is its centre's code and its month, read once: JS-NJ-01-202611 for the Nanjing
centre JS-NJ-01 — not JS-JS-NJ-01-202611, where the document's old "JS" prefix ran into the province's.
A manager's correction cites an earlier statement by that number (or by the longer form printed on
statements before), and the page's example is a number of the centre itself."""

import datetime as dt
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from care.calendar import CHINA
from network.factories import ServiceCenterFactory, UserFactory
from settlement.pdf import statement_pdf
from settlement.services import adjustment_add, settlement_compute, settlement_confirm

pytestmark = pytest.mark.django_db
OCTOBER, NOVEMBER = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture
def nanjing():
    centre = ServiceCenterFactory(code="JS-NJ-01", name="南京鼓楼服务中心", level="gold")
    manager = UserFactory(roles=["manager"])
    october = settlement_compute(center=centre, month=OCTOBER, now=dt.datetime(2026, 11, 2, tzinfo=CHINA))
    settlement_confirm(settlement=october, acting_user=manager, now=dt.datetime(2026, 11, 2, tzinfo=CHINA))
    november = settlement_compute(center=centre, month=NOVEMBER, now=dt.datetime(2026, 12, 2, tzinfo=CHINA))
    return centre, manager, october, november


def test_the_number_reads_the_centres_code_once_then_the_month(nanjing, client, tmp_path):
    _centre, manager, october, november = nanjing
    assert (october.number, november.number) == ("JS-NJ-01-202610", "JS-NJ-01-202611")
    client.force_login(manager)
    page = client.get(reverse("settlement:settlement_detail", args=[november.pk])).content.decode()
    assert "JS-NJ-01-202611" in page and "JS-JS-" not in page
    csv = client.get(reverse("settlement:settlement_csv", args=[november.pk])).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("JS-NJ-01-202611,")
    path = tmp_path / "s.pdf"
    path.write_bytes(statement_pdf(november))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "JS-NJ-01-202611" in text and "JS-JS-" not in text


def test_a_correction_cites_the_earlier_statement_by_its_number_or_the_longer_form_printed_before(nanjing):
    _centre, manager, october, november = nanjing
    cited = adjustment_add(
        settlement=november,
        kind="correction",
        reason="十月少结一单",
        reference="JS-NJ-01-202610",
        amount="20.00",
        acting_user=manager,
    )
    assert cited.reference == october.number
    # Statements printed before carried "JS-" before the centre's code: a clerk copying one off the paper is
    # understood, and the reference is kept as the statement's number.
    legacy = adjustment_add(
        settlement=november,
        kind="correction",
        reason="十月多结一单",
        reference="JS-JS-NJ-01-202610",
        amount="-20.00",
        acting_user=manager,
    )
    assert legacy.reference == "JS-NJ-01-202610"
    with pytest.raises(ValidationError) as refused:
        adjustment_add(
            settlement=november,
            kind="correction",
            reason="引用了本月",
            reference="JS-NJ-01-202611",
            amount="5.00",
            acting_user=manager,
        )
    assert "JS-NJ-01-202611" in refused.value.message_dict["reference"][0]


def test_the_example_of_a_reference_is_a_number_of_the_centre_itself(nanjing, client):
    _centre, manager, _october, november = nanjing
    with pytest.raises(ValidationError) as missing:
        adjustment_add(
            settlement=november, kind="correction", reason="更正", amount="5.00", acting_user=manager
        )
    message = missing.value.message_dict["reference"][0]
    assert "JS-NJ-01-202610" in message and "SC001" not in message
    client.force_login(manager)
    page = client.get(reverse("settlement:settlement_detail", args=[november.pk])).content.decode()
    assert 'placeholder="JS-NJ-01-202610"' in page and "SC001" not in page
