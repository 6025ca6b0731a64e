import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from aftersales.validators import format_phone, normalize_phone, validate_imei, validate_phone


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize(
    "number",
    ["13812345678", "138 1234 5678", "+86 199-1234-5678", "010-12345678", "0755-8888 6666", "020 38886666"],
)
def test_good_phone_numbers_pass(number):
    validate_phone(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1381234567", "手机号码应为 11 位数字"),  # 10 digits
        ("138123456789", "手机号码应为 11 位数字"),  # 12 digits
        ("12812345678", "手机号码应为 11 位数字"),  # 12… is no mobile prefix
        ("88886666", "固定电话须带区号"),  # landline without its area code
        ("0001234567", "固定电话号码无效"),  # no such area code
        ("010-1234", "固定电话号码无效"),  # too short
        ("138abc45678", "电话号码只能包含数字"),
    ],
)
def test_bad_phone_numbers_are_refused_in_chinese(number, message):
    with pytest.raises(ValidationError) as info:
        validate_phone(number)
    assert message in str(info.value.messages[0])


def test_phones_are_normalised_and_formatted_for_display():
    assert normalize_phone("+86 138-1234-5678") == "13812345678"
    assert format_phone("13812345678") == "138 1234 5678"
    assert format_phone("075588886666") == "0755-88886666"


@pytest.mark.parametrize("imei", ["490154203237518", "356938035643809", "860000000000009"])
def test_valid_imeis_pass(imei):
    validate_imei(imei)


@pytest.mark.parametrize(
    ("imei", "message"),
    [
        ("49015420323751", "IMEI 应为 15 位数字"),
        ("4901542032375188", "IMEI 应为 15 位数字"),
        ("49015420323751X", "IMEI 应为 15 位数字"),
        ("490154203237519", "IMEI 校验位"),  # last digit off by one
    ],
)
def test_bad_imeis_are_refused_in_chinese(imei, message):
    with pytest.raises(ValidationError) as info:
        validate_imei(imei)
    assert message in info.value.messages[0]


@pytest.mark.django_db
def test_a_sale_date_after_today_is_refused(unit_factory):
    unit = unit_factory()
    unit.sale_date = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        unit.full_clean()
    assert info.value.message_dict["sale_date"] == ["销售日期不能晚于今天。"]


@pytest.mark.django_db
def test_an_invoice_before_the_factory_date_is_refused(unit_factory):
    unit = unit_factory()
    unit.factory_date, unit.invoice_date = dt.date(2026, 5, 1), dt.date(2026, 4, 30)
    with pytest.raises(ValidationError) as info:
        unit.full_clean()
    assert info.value.message_dict["invoice_date"] == ["发票日期不能早于出厂日期。"]


@pytest.mark.django_db
def test_a_phone_unit_needs_a_valid_imei(unit_factory):
    unit = unit_factory(phone=True)
    unit.imei = "490154203237519"
    with pytest.raises(ValidationError) as info:
        unit.full_clean()
    assert "IMEI 校验位" in info.value.message_dict["imei"][0]
    unit.imei = None
    with pytest.raises(ValidationError) as info:
        unit.full_clean()
    assert info.value.message_dict["imei"] == ["手机以 IMEI 识别：请输入 15 位 IMEI。"]


@pytest.mark.django_db
def test_a_good_unit_passes_and_the_database_backs_the_date_rule(unit_factory):
    from django.db import IntegrityError, transaction

    unit = unit_factory(phone=True)
    unit.full_clean()
    unit.invoice_date = unit.factory_date - dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        unit.save()


@pytest.mark.django_db
def test_a_customer_phone_is_stored_as_digits(unit_factory):
    from repairs.models import CustomerPhone

    unit = unit_factory()
    phone = CustomerPhone.objects.create(customer=unit.owner, number="+86 138-0013-8000")
    phone.refresh_from_db()
    assert phone.number == "13800138000"
