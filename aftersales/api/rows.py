"""Read-only lists at the speed of their rows.

DRF serializes a row field by field through `get_attribute` (a walk over the source with a Mapping test
and a callable test per step) and `to_representation` (for a datetime: the current time zone looked up
through asgiref's Local on every value). On a page of 50 work orders of 15 fields that is most of the
request. `RowListSerializer` asks each field once per serializer class how to read and convert it: the common
read-only fields (text, numbers, choices, dates and instants in ISO 8601, primary keys of relations) get a
getter and a converter; any other field, and any value they do not expect (a callable, a missing
attribute, a naive datetime, a subclass), takes DRF's own path, so the answer is the same as DRF's
(integrations/tests/test_api_rows.py compares every API list both ways).

Use it as a read-only ModelSerializer's `Meta.list_serializer_class`."""

from __future__ import annotations

import datetime as dt
import functools
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
        # DRF makes a naive one aware first, passes a string through, fails an overflow: its way.
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise _Slow
        try:
            text = value.astimezone(tz).isoformat()
        except OverflowError:
            raise _Slow from None
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _iso_date(value):
    if type(value) is not dt.date:  # a string passes through, a datetime fails: DRF's way
        raise _Slow
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
            model_field = model._meta.get_field(attrs[0])
        except FieldDoesNotExist:
            return None
        if not model_field.concrete or not (model_field.many_to_one or model_field.one_to_one):
            return None  # a reverse relation: no column of this row
        return "pk", attrs[0], model_field.attname
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


# Recipes per serializer class and output settings, for classes whose fields are the class's declaration:
# a serializer that shapes its fields per instance (any of these overridden), or whose fields were
# already built or edited on this instance, is read from its own fields every time.
_RECIPES: dict[tuple, list] = {}
_FIELD_SHAPING = ("__init__", "get_fields", "fields", "get_field_names", "build_field", "get_extra_kwargs")


@functools.cache
def _declared_by_class(cls) -> bool:
    """Each method that shapes the fields is DRF's own, none of a subclass of ours."""
    for name in _FIELD_SHAPING:
        owner = next((klass for klass in cls.__mro__ if name in vars(klass)), None)
        if owner is not None and owner.__module__ not in (
            "rest_framework.serializers",
            "rest_framework.fields",
        ):
            return False
    return True


def _recipes(child) -> list:
    cls = type(child)
    key = (cls, api_settings.DATETIME_FORMAT, api_settings.DATE_FORMAT, api_settings.COERCE_BIGINT_TO_STRING)
    shared = "fields" not in vars(child) and _declared_by_class(cls)
    recipes = _RECIPES.get(key) if shared else None
    if recipes is None:
        model = getattr(getattr(cls, "Meta", None), "model", None)
        recipes = [(field.field_name, _recipe(field, model)) for field in child._readable_fields]
        if shared:
            _RECIPES[key] = recipes
    return recipes


def _extractor(child, name, recipe, tz, mapping: bool):
    def slow(row):
        return _drf_value(child.fields[name], row)  # the child's fields are built at the first need

    if recipe is None:
        return slow
    if recipe[0] == "pk":
        if mapping:
            column = recipe[2]

            def related_pk_column(row):
                try:
                    return row[column]
                except KeyError:
                    return slow(row)

            return related_pk_column
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


_NO_COLUMN = object()  # a key no row holds: the field is read by its extractor


def _column_plan(child, recipes, tz) -> list:
    """For rows read as values() (dicts), per field: (name, column, types answered as they are, the type
    `convert` takes, convert, extractor). A value of the first types is its own answer and None answers
    None, as the extractor would answer them, without a call per value; any other value, a failed
    conversion and a missing column take the field's extractor (DRF's way when unusual)."""
    plan = []
    for name, recipe in recipes:
        extract = _extractor(child, name, recipe, tz, True)
        column, as_is, convert_type, convert = _NO_COLUMN, frozenset(), None, None
        if recipe is not None and recipe[0] == "pk":
            column, as_is = recipe[2], frozenset({int, str})  # the column's value as it is
        elif recipe is not None and len(recipe[0]) == 1:
            (column,), kind, argument = recipe[0], recipe[1], recipe[2]
            as_is = _AS_IS.get(kind, frozenset())
            if kind == "choice":
                convert_type, convert = str, _choice(argument)
            elif kind == "date":
                convert_type, convert = dt.date, dt.date.isoformat
            elif kind == "instant" and tz is not None:
                convert_type, convert = dt.datetime, tz  # converted in the loop: a third of the values
        plan.append((name, column, as_is, convert_type, convert, extract))
    return plan


# The values each kind answers unchanged (a callable never: the extractor calls DRF for one).
_AS_IS = {
    "str": frozenset({str}),
    "int": frozenset({int}),
    "same": frozenset({str, int, bool}),
    "bool": frozenset({bool}),
}


def _column_rows(rows, plan) -> list:
    answer = []
    for row in rows:
        item = {}
        for name, column, as_is, convert_type, convert, extract in plan:
            try:
                value = row[column]
            except KeyError:
                value = _NO_COLUMN
            kind = type(value)
            if value is None or kind in as_is:
                item[name] = value
                continue
            if kind is convert_type:
                try:
                    if kind is dt.datetime:  # _iso_instant's conversion inline, `convert` the zone
                        if value.tzinfo is None:
                            raise _Slow
                        text = value.astimezone(convert).isoformat()
                        item[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                    else:
                        item[name] = convert(value)
                    continue
                except (_Slow, OverflowError):
                    pass
            value = extract(row)
            if value is not _SKIP:
                item[name] = value
        answer.append(item)
    return answer


class RowListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        if type(self.child).to_representation is not serializers.Serializer.to_representation:
            return super().to_representation(data)  # the child shapes its rows itself
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        rows = iterable if isinstance(iterable, list) else list(iterable)
        if not rows:
            return []
        tz = timezone.get_current_timezone() if settings.USE_TZ else None
        child = self.child
        if isinstance(rows[0], Mapping):
            return _column_rows(rows, _column_plan(child, _recipes(child), tz))
        plan = [(name, _extractor(child, name, recipe, tz, False)) for name, recipe in _recipes(child)]
        answer = []
        for row in rows:
            item = {}
            for name, extract in plan:
                value = extract(row)
                if value is not _SKIP:
                    item[name] = value
            answer.append(item)
        return answer
