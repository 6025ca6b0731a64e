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
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
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


def _same(value):
    return value


def _only_bool(value):
    if type(value) is not bool:
        raise _Slow
    return value


def _choice(choices):
    def convert(value):
        if type(value) is not str:
            raise _Slow
        return choices.get(value, value)

    return convert


class _Slow(Exception):
    """A value the fast path does not take: the field goes DRF's way for this row."""


def _iso(field, setting) -> bool:
    output = getattr(field, "format", setting)
    return isinstance(output, str) and output.lower() == ISO_8601


def _recipe(field, model):
    """How to read the field without the field: ("pk", attribute, column), (source attributes, converter
    kind, argument), or None for DRF's path. Depends on the field's declaration only, not on a request."""
    kind = type(field)
    attrs = tuple(field.source_attrs)
    if not attrs or field.source == "*":
        return None
    if kind is relations.PrimaryKeyRelatedField:
        # DRF's pk-only optimization reads the foreign key's column, never the related row; a row read as
        # values() has the column under its own name (call_id).
        if field.pk_field is not None or len(attrs) != 1 or model is None:
            return None
        try:
            column = model._meta.get_field(attrs[0]).attname
        except FieldDoesNotExist:
            return None
        return "pk", attrs[0], column
    if kind is fields.CharField:
        return attrs, "str", None
    if kind is fields.IntegerField or (
        kind is fields.BigIntegerField
        and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    ):
        return attrs, "int", None
    if kind is fields.ReadOnlyField:
        return attrs, "same", None
    if kind is fields.BooleanField:
        return attrs, "bool", None
    if kind is fields.ChoiceField:
        return attrs, "choice", field.choice_strings_to_values
    if (
        kind is fields.DateTimeField
        and not hasattr(field, "timezone")
        and _iso(field, api_settings.DATETIME_FORMAT)
    ):
        return attrs, "instant", None
    if kind is fields.DateField and _iso(field, api_settings.DATE_FORMAT):
        return attrs, "date", None
    return None


def _converter(kind, argument, tz):
    if kind == "instant":
        return _iso_instant(tz) if tz is not None else None
    return {"str": str, "int": int, "same": _same, "bool": _only_bool, "date": _iso_date}.get(kind) or (
        _choice(argument) if kind == "choice" else None
    )


# Recipes per serializer class: its fields are declared by the class (a serializer that builds them per
# instance, overriding get_fields or __init__, is asked every time).
_RECIPES: dict[type, list] = {}


def _recipes(child) -> list:
    cls = type(child)
    constant = cls.__init__ is serializers.BaseSerializer.__init__ and cls.get_fields in (
        serializers.ModelSerializer.get_fields,
        serializers.Serializer.get_fields,
    )
    recipes = _RECIPES.get(cls) if constant else None
    if recipes is None:
        model = getattr(getattr(cls, "Meta", None), "model", None)
        recipes = [(field.field_name, _recipe(field, model)) for field in child._readable_fields]
        if constant:
            _RECIPES[cls] = recipes
    return recipes


def _extractor(child, name, recipe, tz, mapping: bool):
    def slow(row):
        return _drf_value(child.fields[name], row)  # the child's fields are built at the first need

    if recipe is None:
        return slow
    if recipe[0] == "pk":
        if mapping:
            return operator.itemgetter(recipe[2])
        attribute = recipe[1]

        def related_pk(row):
            try:
                return row.serializable_value(attribute)
            except AttributeError:
                return slow(row)

        return related_pk
    attrs, kind, argument = recipe
    convert = _converter(kind, argument, tz)
    if convert is None:
        return slow
    if mapping:
        if len(attrs) != 1:
            return slow
        getter = operator.itemgetter(attrs[0])
    else:
        getter = operator.attrgetter(".".join(attrs))

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
        child = self.child
        plan = [(name, _extractor(child, name, recipe, tz, mapping)) for name, recipe in _recipes(child)]
        answer = []
        for row in rows:
            item = {}
            for name, extract in plan:
                value = extract(row)
                if value is not _SKIP:
                    item[name] = value
            answer.append(item)
        return answer
