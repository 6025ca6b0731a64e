"""Validators for the identifiers a hotline clerk types: Chinese phone numbers and IMEIs.

Messages are marked for translation; the zh-hans catalogue gives the Chinese a clerk sees.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

_SEPARATORS = re.compile(r"[\s\-()（）－]")
# Full-width digits and plus (a Chinese input method's) are the same characters: read as ASCII.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_RE = re.compile(r"^0[0-9]{9,11}$")
IMEI_RE = re.compile(r"^[0-9]{15}$")


def normalize_phone(value: str) -> str:
    """Digits only, without the +86 / 0086 country prefix: "138 1234 5678" → "13812345678", full-width
    "１３８１２３４５６７８" too."""
    digits = _SEPARATORS.sub("", str(value or "").translate(_FULL_WIDTH))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def is_mobile(number: str) -> bool:
    return bool(MOBILE_RE.match(normalize_phone(number)))


def validate_phone(value: str) -> None:
    """A Chinese mobile number (11 digits, 1[3-9]…) or a landline with its area code."""
    number = normalize_phone(value)
    if not (number.isascii() and number.isdigit()):
        raise ValidationError(
            _("Phone number may contain digits only (spaces and hyphens are allowed)."),
            code="phone_not_digits",
        )
    if number.startswith("1"):
        if not MOBILE_RE.match(number):
            raise ValidationError(
                _("A mobile number has 11 digits and starts with 13–19."), code="mobile_invalid"
            )
        return
    if not number.startswith("0"):
        raise ValidationError(
            _("A landline number needs its area code, for example 010-12345678 or 0755-12345678."),
            code="landline_without_area_code",
        )
    if not LANDLINE_RE.match(number) or not _is_known_landline(number):
        raise ValidationError(
            _("Landline number is not valid: check the area code and the 7- or 8-digit number."),
            code="landline_invalid",
        )


def _is_known_landline(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def format_phone(value: str) -> str:
    """For display: mobiles as 138 1234 5678, landlines as 010-12345678."""
    number = normalize_phone(value)
    if MOBILE_RE.match(number):
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if number.startswith("0") and number.isascii() and number.isdigit():
        try:
            parsed = phonenumbers.parse(number, "CN")
            national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
            area, _, local = national.partition(" ")
            return f"{area}-{local.replace(' ', '')}"
        except phonenumbers.NumberParseException:
            return number
    return number


def validate_imei(value: str) -> None:
    """15 digits, the last one a Luhn check digit."""
    imei = str(value or "").strip()
    if not IMEI_RE.match(imei):
        raise ValidationError(_("An IMEI has exactly 15 digits."), code="imei_length")
    if not luhn.is_valid(imei):
        raise ValidationError(
            _("The IMEI check digit (the last digit) is wrong: check the number on the box or dial *#06#."),
            code="imei_checksum",
        )


def imei_with_check_digit(first14: str) -> str:
    """Completes a 14-digit body with its Luhn check digit (demo data, tests)."""
    return first14 + luhn.calc_check_digit(first14)
