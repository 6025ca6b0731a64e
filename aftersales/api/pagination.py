import json

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Lookup, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, serializers

from aftersales.paging import position_value


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        # A page that does not exist is a bad query parameter (400), not a missing resource.
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise serializers.ValidationError({self.page_query_param: [str(exc.detail)]}) from exc


class CursorPagination(pagination.CursorPagination):
    """For the large lists (units, work orders): stable under inserts, no COUNT(*), and every page costs what
    the first costs. The cursor holds the last row's value of every ordering field (the primary key last,
    so the position is unique) and the next page is the rows after it by one row comparison,
    `(created_at, id) < (x, y)`, which the list's index on the same columns starts reading at. DRF's own
    cursor keeps the first field only and skips the rows sharing its value with OFFSET: rows logged in the
    same instant (units registered in one batch) are read again on every page, and past DRF's cap of 1,000
    skipped rows every further page was the same page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's paging with the position filter on every ordering field (_after); the rest as DRF does it,
        # so that get_next_link() and get_previous_link() read the state they expect.
        if not self.prepare(request, queryset, view):
            return None
        return self.paginate_rows(list(self.page_queryset(queryset)))

    def prepare(self, request, queryset, view=None) -> bool:
        """The page asked for — its size, ordering and cursor — read and checked (a bad cursor or ordering
        answers 400); False when the list is not paged. `queryset` gives the model only."""
        self._pk_name = queryset.model._meta.pk.attname
        self._model = queryset.model
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return False
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self._position_values = None
        self.cursor = self.decode_cursor(request)
        return True

    def page_queryset(self, queryset):
        """The rows of the page asked for, and one more (whether a next page exists)."""
        offset, reverse, current_position = self.cursor or (0, False, None)
        queryset = queryset.order_by(
            *(pagination._reverse_ordering(self.ordering) if reverse else self.ordering)
        )
        if current_position is not None:
            queryset = queryset.filter(self._after(self._position_values, reverse))
        # An offset comes only with a cursor of the first field alone (made before positions held every
        # field): new positions are unique, so no page skips rows.
        return queryset[offset : offset + self.page_size + 1]

    def page_shape(self) -> tuple:
        """What the page's SQL depends on besides the position's values (aftersales/api/statements.py)."""
        offset, reverse, _position = self.cursor or (0, False, None)
        return (tuple(self.ordering), self.page_size, offset, reverse, len(self.position_values()))

    def position_values(self) -> list:
        """The values of the position the page starts after (none on the first page)."""
        return list(self._position_values or ()) if self.cursor and self.cursor.position is not None else []

    def paginate_rows(self, results: list) -> list:
        """The page from `page_queryset`'s rows, and the positions of the pages before and after it."""
        offset, reverse, current_position = self.cursor or (0, False, None)
        self.page = results[: self.page_size]
        following = results[-1] if len(results) > len(self.page) else None
        following_position = (
            None if following is None else self._get_position_from_instance(following, self.ordering)
        )
        if reverse:
            self.page.reverse()
            self.has_next = current_position is not None or offset > 0
            self.has_previous = following is not None
            if self.has_next:
                self.next_position = current_position
            if self.has_previous:
                self.previous_position = following_position
        else:
            self.has_next = following is not None
            self.has_previous = current_position is not None or offset > 0
            if self.has_next:
                self.next_position = following_position
            if self.has_previous:
                self.previous_position = current_position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def _columns(self) -> list[tuple[str, bool]]:
        """The ordering as (field name, descending) pairs, `pk` named by its column."""
        return [
            (self._pk_name if term.lstrip("-") == "pk" else term.lstrip("-"), term.startswith("-"))
            for term in self.ordering
        ]

    def _after(self, values: list, reverse: bool) -> Q | Lookup:
        """The rows after the position in the page's direction."""
        columns = self._columns()[: len(values)]
        if len({descending for _name, descending in columns}) == 1:
            # One direction (every list's ordering): a row comparison, an index range start.
            names = [F(name) for name, _descending in columns]
            before = columns[0][1] != reverse
            return (TupleLessThan if before else TupleGreaterThan)(Tuple(*names), tuple(values))
        after = None
        for (name, descending), value in reversed(list(zip(columns, values, strict=True))):
            strict = Q(**{f"{name}__{'lt' if descending != reverse else 'gt'}": value})
            after = strict if after is None else strict | (Q(**{name: value}) & after)
        return after

    def _get_position_from_instance(self, instance, ordering):
        values = []
        for name, _descending in self._columns():
            value = instance[name] if isinstance(instance, dict) else getattr(instance, name)
            values.append(str(value))
        return values[0] if len(values) == 1 else json.dumps(values)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as exc:  # DRF answers 404 to a cursor it cannot read: a bad parameter
            raise serializers.ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc
        if cursor is not None and cursor.position is not None:
            self._position_values = self._position_parsed(cursor.position)
            if self._position_values is None:
                # A cursor made by hand (its position not values of the ordering fields): a bad parameter
                # too, found before the database is asked.
                raise serializers.ValidationError({self.cursor_query_param: [_("The cursor is not valid.")]})
        return cursor

    def _position_parsed(self, position: str) -> list | None:
        """The position's values, one per ordering field, or None when they are not values of those fields.
        A position of one value (a cursor made before positions held every field) is the first field's."""
        texts = [position]
        if len(self.ordering) > 1 and position.startswith("["):
            try:
                texts = json.loads(position)
            except ValueError:
                return None
            if not isinstance(texts, list) or len(texts) != len(self.ordering):
                return None
        values = []
        for (name, _descending), text in zip(self._columns(), texts, strict=False):
            value = self._value(name, text)
            if value is None:
                return None
            values.append(value)
        return values

    def _value(self, name: str, text):
        return position_value(self._model, name, text)


class OrderedCursorPagination(CursorPagination):
    """Cursor pages in the order the list's FilterSet offers (its `ordering` filter, the names the HTML
    list uses: `?ordering=-created`); newest first by default. The cursor needs a non-null first field,
    and the primary key breaks ties."""

    ordering = ("-created_at", "-pk")

    def get_ordering(self, request, queryset, view):
        value = (request.query_params.get("ordering") or "").strip()
        filterset_class = getattr(view, "filterset_class", None)
        ordering_filter = filterset_class.base_filters.get("ordering") if filterset_class else None
        if not value or ordering_filter is None:
            return tuple(getattr(view, "cursor_ordering", self.ordering))
        term = value.split(",")[0].strip()
        descending = term.startswith("-")
        field = ordering_filter.param_map.get(term.lstrip("-"))
        meta = queryset.model._meta
        try:
            nullable = field is None or meta.get_field(meta.pk.name if field == "pk" else field).null
        except FieldDoesNotExist:
            nullable = True
        if nullable:
            raise serializers.ValidationError(
                {"ordering": [_("This list cannot be paged in that order: %(value)s.") % {"value": term}]}
            )
        sign = "-" if descending else ""
        return (f"{sign}{field}",) if field == "pk" else (f"{sign}{field}", f"{sign}pk")
