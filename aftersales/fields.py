"""Form fields, filters and API fields for calendar values, bounded to the years anyone means
(aftersales.parsing.FIRST_DAY to LAST_DAY): a date like 9999-12-31 is a clear field error, never an overflow
when its next day or month is computed, and the bounds are stated in the API schema."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .parsing import FIRST_DAY, LAST_DAY, parse_month
from .validators import normalize_phone, validate_phone

OUT_OF_RANGE = _("Enter a date from %(first)s to %(last)s.")


def _out_of_range() -> str:
    return OUT_OF_RANGE % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}


class DateInput(forms.DateInput):
    """<input type="date">: its value must be YYYY-MM-DD whatever the language's date format (zh-hans
    renders 2026/12/04, which a date input rejects and shows as empty)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class DayField(forms.DateField):
    """A form's day (YYYY-MM-DD), between FIRST_DAY and LAST_DAY."""

    widget = DateInput

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise ValidationError(_out_of_range(), code="out_of_range")


class MonthField(forms.CharField):
    """A calendar month typed as YYYY-MM (what <input type="month"> sends): the first day of it."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-01"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise ValidationError(_("Enter a month as YYYY-MM, e.g. 2025-03."), code="invalid")
        return month


class DayFilter(django_filters.DateFilter):
    field_class = DayField


class AnyOfField(forms.MultipleChoiceField):
    """Several choices, where an empty value means "all": a list's single <select> whose first option is
    全部 sends `status=`, which is no filter rather than an invalid choice."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v not in self.empty_values]


class AnyOfFilter(django_filters.MultipleChoiceFilter):
    field_class = AnyOfField


class DateTimeInRangeField(django_filters.fields.IsoDateTimeField):
    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value.date() <= LAST_DAY:
            raise ValidationError(_out_of_range(), code="out_of_range")


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant within FIRST_DAY and LAST_DAY."""

    field_class = DateTimeInRangeField


class MonthFilter(django_filters.Filter):
    """Rows whose instant `field_name` falls in the month (China's time)."""

    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs

        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(value, dt.time.min, tzinfo=tz)
        following = (value.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = dt.datetime.combine(following, dt.time.min, tzinfo=tz)
        return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


class ApiDayField(serializers.DateField):
    """An API day between FIRST_DAY and LAST_DAY (the schema says so)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "")
        kwargs["help_text"] = (
            f"{kwargs['help_text']} ({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})".strip()
        )
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(_out_of_range(), code="out_of_range")
        return day


class ApiPhoneField(serializers.CharField):
    """A Chinese phone number over the API, validated as the intake form validates it and given back as
    digits (138 1234 5678, +86 138…, full-width digits → 13812345678)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):

        value = super().to_internal_value(data)
        if not value:
            return value
        try:
            validate_phone(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return normalize_phone(value)
