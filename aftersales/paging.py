"""Pages of a list without a COUNT and without an OFFSET.

The rows of one page are fetched as page_size + 1, the extra row saying whether there is a next one, so the
query count does not depend on the page size. The links to the next and the previous page carry the
position of the page's last (first) row — its value of every ordering field, the primary key last so the
position is unique — and the page is the rows after it by one row comparison, `(created_at, id) < (x, y)`,
where the list's index starts reading: page 200 costs what page 1 costs (an OFFSET reads and throws away
every row before the page). A list ordered by a field that can be empty, by a related or computed value,
or in mixed directions is paged by OFFSET, as is `?page=N` without a position (a link written by hand).
Rendered by templates/_pager.html."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from .parsing import FIRST_DAY, LAST_DAY, MAX_ID, parse_int

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50


MAX_PAGE = 100_000  # deeper than any list is read by paging; a larger number is not a page
MAX_POSITION = 512  # characters of a position in a link; a longer one was not made here


def page_and_size(request, *, param: str = "page", sizes=PAGE_SIZES, default: int = DEFAULT_PAGE_SIZE):
    """The page asked for (1 when absent or not a page) and the page size (one of `sizes`, else `default`)."""
    size = parse_int(request.GET.get("page_size"), default=default)
    if size not in sizes:
        size = default
    return parse_int(request.GET.get(param), default=1, low=1, high=MAX_PAGE), size


def page_queries(request, *drop: str) -> tuple[str, str]:
    """The query string without `drop` (for the pager's links), and also without the size (for the sizes')."""
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    sizeless = params.copy()
    for key in ("page_size", "page", "after", "before"):  # a new size starts at the first page
        sizeless.pop(key, None)
    return params.urlencode(), sizeless.urlencode()


def position_value(model, name: str, text):
    """The value of field `name` written as `text` in a position, or None when it is not one (a position
    edited by hand: ids beyond bigint, days outside the calendar the system reads, NUL bytes)."""
    meta = model._meta
    if not isinstance(text, str) or "\x00" in text:
        return None
    try:
        field = meta.pk if name in ("pk", meta.pk.attname) else meta.get_field(name)
        value = field.to_python(text)
    except (ValidationError, FieldDoesNotExist, ValueError, TypeError, OverflowError):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -MAX_ID <= value <= MAX_ID else None
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return value if FIRST_DAY <= day <= LAST_DAY else None
    return value


def _ordering_terms(rows) -> list[str] | None:
    """The model rows' ordering as field names ("-created_at"), or None: rows as dicts or tuples, DISTINCT,
    UNION, an ordering by expressions — those are paged as they are, by OFFSET."""
    if not isinstance(rows, QuerySet) or rows._fields or rows.query.distinct or rows.query.combinator:
        return None
    terms = list(rows.query.order_by or rows.model._meta.ordering)
    return terms if terms and all(isinstance(term, str) for term in terms) else None


def keyset_ordering(rows) -> tuple[tuple[str, ...], bool] | None:
    """The rows' ordering as plain non-null field names with the primary key last, and whether it is
    descending — or None when the rows cannot be paged by position (see the module's note)."""
    terms = _ordering_terms(rows)
    if not terms:
        return None
    meta = rows.model._meta
    descending = {term.startswith("-") for term in terms}
    if len(descending) != 1:
        return None
    pk = meta.pk.attname
    names = [pk if term.lstrip("-") == "pk" else term.lstrip("-") for term in terms]
    for name in names:
        if name == pk:
            continue
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.null or field.is_relation:
            return None
    if pk not in names:
        names.append(pk)
    return tuple(names), descending.pop()


def encode_position(row, names) -> str:
    values = [str(getattr(row, name)) for name in names]
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def _decode(text, model, names) -> list | None:
    if not text or len(text) > MAX_POSITION:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(names):
        return None
    parsed = [position_value(model, name, value) for name, value in zip(names, values, strict=True)]
    return None if any(value is None for value in parsed) else parsed


def _tie_broken(rows):
    """Rows in an order that has the primary key last, so that rows sharing the other values (no
    appointment yet, logged in one instant) keep one order from page to page and none is shown twice."""
    terms = _ordering_terms(rows)
    if not terms or any(term.lstrip("-") in ("pk", rows.model._meta.pk.attname) for term in terms):
        return rows
    return rows.order_by(*terms, "-pk" if terms[-1].startswith("-") else "pk")


def page_window(request, rows, *, sizes=PAGE_SIZES, default=DEFAULT_PAGE_SIZE) -> dict:
    """One page of `rows` (ordered) and the pager's links: `rows`, `page`, `has_next`, `next_href`,
    `previous_href`, the sizes and the query strings the pager's size links use."""
    page, size = page_and_size(request, sizes=sizes, default=default)
    query, sizeless = page_queries(request, "page", "after", "before")
    keyset = keyset_ordering(rows)
    after = before = None
    if keyset is not None:
        names, descending = keyset
        rows = rows.order_by(*(f"{'-' if descending else ''}{name}" for name in names))
        after = _decode(request.GET.get("after"), rows.model, names)
        before = None if after else _decode(request.GET.get("before"), rows.model, names)
    if after is not None or before is not None:
        backwards = before is not None
        columns = Tuple(*(F(name) for name in names))
        lookup = TupleLessThan if descending != backwards else TupleGreaterThan
        if backwards:
            rows = rows.reverse()
        window = list(rows.filter(lookup(columns, tuple(after or before)))[: size + 1])
        more = len(window) > size
        window = window[:size]
        if backwards:
            window.reverse()
        has_next, has_previous = (True, more) if backwards else (more, True)
        page = max(page, 2) if has_previous else 1
    else:
        window = list(_tie_broken(rows)[(page - 1) * size : page * size + 1])
        has_next, has_previous = len(window) > size, page > 1
        window = window[:size]

    def href(number: int, position: str | None = None) -> str:
        parts = [p for p in (query, position, f"page={number}" if number > 1 else "") if p]
        return "?" + "&".join(parts)

    next_href = previous_href = ""
    if has_next and window:
        next_href = href(page + 1, f"after={encode_position(window[-1], names)}" if keyset else None)
    elif has_next:
        next_href = href(page + 1)
    if has_previous:
        first_page = page - 1 <= 1 or not window
        previous_href = href(
            page - 1, None if first_page or not keyset else f"before={encode_position(window[0], names)}"
        )
    return {
        "rows": window,
        "page": page,
        "has_next": has_next,
        "has_previous": has_previous,
        "next_href": next_href,
        "previous_href": previous_href,
        "page_size": size,
        "page_sizes": sizes,
        "query": query,
        "sizeless_query": sizeless,
    }
