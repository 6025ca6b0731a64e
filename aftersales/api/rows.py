"""Read-only lists at the speed of their rows.

DRF serializes a row field by field through `get_attribute` (a walk over the source with a Mapping test
and a callable test per step) and `to_representation` (for a datetime: the current time zone looked up
through asgiref's Local on every value). On a page of 50 work orders of 15 fields that is most of the
request. `RowListSerializer` asks each field once per page how to read and convert it: the common
read-only fields (text, numbers, choices, dates and instants in ISO 8601, primary keys of relations) get a
getter and a converter; any other field, and any value they do not expect (a callable, a missing
attribute, a naive datetime, a subclass), takes DRF's own path, so the answer is the same as DRF's
(tests/test_api_rows.py compares every API list both ways).

Use it as a read-only ModelSerializer's `Meta.list_serializer_class`."""

from __future__ import annotations

import operator
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

_SKIP = object()


def _drf_value(field, row):
    """One field of one row exactly as Serializer.to_representation does it."""
    try:
        attribute = field.get_attribute(row)
    except SkipField:
        return _SKIP
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    if check_for_none is None:
        return None
    return field.to_representation(attribute)


def _iso_instant(tz):
    def convert(value):
        if value.tzinfo is None:  # DRF makes it aware first: not ours to guess
            raise _Slow
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _iso_date(value):
    return value.isoformat()


def _converter(field, tz):
    """A fast converter for a value of the field (not None), or None when only DRF's path will do."""
    kind = type(field)
    if kind is fields.CharField:
        return str
    if kind is fields.IntegerField:
        return int
    if kind is fields.ReadOnlyField:
        return lambda value: value
    if kind is fields.BooleanField:
        return lambda value: value if type(value) is bool else _slow()
    if kind is fields.ChoiceField:
        choices = field.choice_strings_to_values
        return lambda value: choices.get(value, value) if type(value) is str else _slow()
    if kind is fields.DateTimeField:
        output = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if (
            tz is None
            or hasattr(field, "timezone")
            or not isinstance(output, str)
            or output.lower() != ISO_8601
        ):
            return None
        return _iso_instant(tz)
    if kind is fields.DateField:
        output = getattr(field, "format", api_settings.DATE_FORMAT)
        if not isinstance(output, str) or output.lower() != ISO_8601:
            return None
        return _iso_date
    return None


class _Slow(Exception):
    """A value the fast path does not take: the field goes DRF's way for this row."""


def _slow():
    raise _Slow


def _plain_getter(field, mapping: bool):
    """Reads the field's source from a row, or None when the source is not a plain attribute path."""
    attrs = field.source_attrs
    if not attrs or field.source == "*":
        return None
    if mapping:
        return operator.itemgetter(attrs[0]) if len(attrs) == 1 else None
    return operator.attrgetter(".".join(attrs))


def _extractor(field, tz, mapping: bool):
    slow = lambda row: _drf_value(field, row)  # noqa: E731
    if isinstance(field, relations.PrimaryKeyRelatedField):
        if type(field) is not relations.PrimaryKeyRelatedField or field.pk_field is not None:
            return slow
        if mapping or len(field.source_attrs) != 1:
            return slow
        name = field.source_attrs[0]

        def related_pk(row):
            # DRF's pk-only optimization reads the foreign key's column, never the related row.
            try:
                return row.serializable_value(name)
            except AttributeError:
                return slow(row)

        return related_pk
    convert = _converter(field, tz)
    getter = _plain_getter(field, mapping) if convert is not None else None
    if getter is None:
        return slow

    def extract(row):
        try:
            value = getter(row)
        except (AttributeError, KeyError, ObjectDoesNotExist):
            return slow(row)  # defaults, allow_null and SkipField as DRF decides them
        if value is None:
            return None
        if callable(value):
            return slow(row)
        try:
            return convert(value)
        except _Slow:
            return slow(row)

    return extract


class RowListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        rows = iterable if isinstance(iterable, list) else list(iterable)
        if not rows:
            return []
        tz = timezone.get_current_timezone() if settings.USE_TZ else None
        mapping = isinstance(rows[0], Mapping)
        plan = [(field.field_name, _extractor(field, tz, mapping)) for field in self.child._readable_fields]
        answer = []
        for row in rows:
            item = {}
            for name, extract in plan:
                value = extract(row)
                if value is not _SKIP:
                    item[name] = value
            answer.append(item)
        return answer
