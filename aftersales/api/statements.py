"""A dealer system's list at the cost of its query: the SQL of each shape of request, kept per process.

A dealer's system asks the same list over and over — the closed orders, newest first, page after page — and
building that query costs about what running it does: the view's queryset scoped by for_user(),
django-filter's FilterSet and form, the cursor's position filter and Django compiling it all to SQL took
1.9 ms of a 7.7 ms request (measured at a million work orders). The SQL of such a request does not
depend on the values asked for, only on the request's shape: how many dealers the caller acts for, which
filters it names, the ordering, the page size, whether the page starts after a position. Its parameters are
those values.

`StatementListMixin.list` handles the plain requests of a list that way:
- *Plain*: a caller acting for dealers only, naming nothing but the page (`cursor`, `page_size`,
  `ordering`: one of the list's orderings) and the view's `statement_filters`, each with one value among the
  filter's choices. Anything else (another filter, an unknown parameter, two values, another role) goes the
  ORM's way, unchanged, and so do its errors.
- *The first request of a shape* goes the ORM's way too, and its SQL is compiled once more and kept only if
  Django's parameters are exactly the values this module derives for it, in this order: the caller's
  dealers, the filters' values, the position's values. A scope, filter or position that brings any other
  parameter — the time, a value read from the database — fails that check and the shape is never kept. The
  SQL kept is the ORM's own text, so a scope that adds conditions without parameters is in it.
- *Every later request of the shape* runs the kept SQL with its own values: no queryset, FilterSet or
  compilation. The page, the cursor links and the rows' serialisation are the same code as the ORM's way.

The responses are byte-identical either way (integrations/tests/test_api_statements.py compares them over
statuses, orderings, page sizes, cursors in both directions and two dealers). Kept per process, at most
`LIMIT` shapes; none is kept for a query whose rows the ORM converts after reading them (a field with
`from_db_value`)."""

from __future__ import annotations

from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models.query import ValuesIterable

from aftersales.roles import Role, dealer_ids, user_roles

LIMIT = 512
PAGE_PARAMETERS = frozenset({"cursor", "page_size", "ordering"})
_DEALER_ONLY = {Role.DEALER.value}


class Statement(NamedTuple):
    sql: str
    names: tuple[str, ...]

    def rows(self, alias: str, params: list) -> list[dict]:
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            names = self.names
            return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]


_statements: dict[tuple, Statement | None] = {}


def forget() -> None:
    _statements.clear()


def _one_value(query_params, name: str) -> str | None:
    values = query_params.getlist(name)
    return values[0] if len(values) == 1 else None


def _ordering_plain(view, value: str) -> bool:
    ordering_filter = view.filterset_class.base_filters.get("ordering")
    if ordering_filter is None:
        return False
    return value.removeprefix("-") in ordering_filter.param_map


def _choice_values(filter_) -> frozenset | None:
    choices = filter_.extra.get("choices")
    if choices is None or callable(choices):
        return None
    return frozenset(str(value) for value, _label in choices)


def plain_inputs(view, request) -> tuple[tuple, list] | None:
    """(the shape of the request's scope and filters, their parameters in order), or None when the request
    is not plain (see the module's docstring)."""
    user = request.user
    if not getattr(view, "list_rows_as_values", False) or user_roles(user) != _DEALER_ONLY:
        return None
    query_params = request.query_params
    named = set(query_params)
    if not named <= PAGE_PARAMETERS | set(view.statement_filters):
        return None
    if "ordering" in named:
        ordering = _one_value(query_params, "ordering")
        if ordering is None or not _ordering_plain(view, ordering):
            return None
    if any(_one_value(query_params, name) is None for name in named & PAGE_PARAMETERS):
        return None
    dealers = list(dealer_ids(user))
    shape, params = [len(dealers)], [*dealers]
    for name in view.statement_filters:
        if name not in named:
            shape.append(None)
            continue
        value = _one_value(query_params, name)
        choices = _choice_values(view.filterset_class.base_filters[name])
        if value is None or choices is None or value not in choices:
            return None
        shape.append(name)
        params.append(value)
    return tuple(shape), params


def compiled(queryset, params: list) -> Statement | None:
    """The SQL of `queryset` (a values() list) when its parameters are exactly `params`, in order and type,
    and its rows need no conversion after reading; None otherwise."""
    if queryset._iterable_class is not ValuesIterable:
        return None
    query = queryset.query
    compiler = query.get_compiler(using=queryset.db)
    try:
        sql, compiled_params = compiler.as_sql()
    except EmptyResultSet:  # nothing in scope (a dealer user of no dealer): no SQL is run at all
        return None
    if list(compiled_params) != params or [type(p) for p in compiled_params] != [type(p) for p in params]:
        return None
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    if compiler.get_converters(fields) or compiler.has_composite_fields(fields):
        return None
    names = (
        list(query.selected)
        if query.selected
        else [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
    )
    return Statement(sql, tuple(names))


# For an API viewset whose list reads values() rows (list_rows) through a cursor pagination with prepare(),
# page_queryset() and paginate_rows(); after ReplicaListMixin among its bases, so that its reads go where the
# list's would. `statement_filters`: the FilterSet's choice filters taken as one value each. (A comment, not a
# docstring: drf-spectacular would print a docstring in every endpoint's description.)
class StatementListMixin:
    statement_filters: tuple[str, ...] = ()

    def list(self, request, *args, **kwargs):
        inputs = plain_inputs(self, request)
        paginator = self.paginator
        if inputs is None or paginator is None or not paginator.prepare(request, self.list_rows, self):
            return super().list(request, *args, **kwargs)
        shape, params = inputs
        params += paginator.position_values()
        alias = router.db_for_read(self.list_rows.model)
        key = (type(self), alias, shape, paginator.page_shape())
        statement = _statements.get(key)
        if statement is not None:
            rows = statement.rows(alias, params)
        else:
            queryset = paginator.page_queryset(self.filter_queryset(self.get_queryset()))
            if key not in _statements and len(_statements) < LIMIT:
                _statements[key] = compiled(queryset, params)
            rows = list(queryset)
        page = paginator.paginate_rows(rows)
        return paginator.get_paginated_response(self.get_serializer(page, many=True).data)
