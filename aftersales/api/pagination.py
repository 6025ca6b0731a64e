import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, serializers

from aftersales.parsing import FIRST_DAY, LAST_DAY, MAX_ID


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
    """For the large lists (units, work orders): stable under inserts, no COUNT(*)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-pk"

    def paginate_queryset(self, queryset, request, view=None):
        self._pk_name = queryset.model._meta.pk.attname
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def _get_position_from_instance(self, instance, ordering):
        # A row read as values() names its primary key by the column (id), not pk.
        if isinstance(instance, dict) and ordering[0].lstrip("-") == "pk":
            return str(instance[self._pk_name])
        return super()._get_position_from_instance(instance, ordering)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except (
            exceptions.NotFound
        ) as exc:  # DRF answers 404 to a cursor it cannot read: it is a bad parameter
            raise serializers.ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc
        if cursor is not None and cursor.position is not None and not self._position_fits(cursor.position):
            # A cursor made by hand (its position not a value of the ordering field): a bad parameter too,
            # found before the database is asked.
            raise serializers.ValidationError({self.cursor_query_param: [_("The cursor is not valid.")]})
        return cursor

    def _position_fits(self, position: str) -> bool:

        name = self.ordering[0].lstrip("-")
        meta = self._model._meta
        try:
            field = meta.pk if name == "pk" else meta.get_field(name)
            value = field.to_python(position)
        except (DjangoValidationError, FieldDoesNotExist, ValueError, TypeError, OverflowError):
            return False
        if isinstance(value, int) and not isinstance(value, bool):
            return -MAX_ID <= value <= MAX_ID
        if isinstance(value, dt.datetime | dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
            return FIRST_DAY <= day <= LAST_DAY
        if isinstance(value, str):
            return "\x00" not in value
        return True


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
