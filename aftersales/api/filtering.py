import functools
import inspect

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend


@functools.cache
def _takes_user(filterset_class) -> bool:
    return "user" in inspect.signature(filterset_class.__init__).parameters


def _asked(name: str, params) -> bool:
    """Whether the query names the filter: by its name, or a widget's suffixed part of it (a range's
    `<name>_min` / `<name>_after`…)."""
    return name in params or any(param.startswith(name + "_") for param in params)


class UserFilterBackend(DjangoFilterBackend):
    """django-filter's backend, handing the request's user to FilterSets that take one (their choice lists
    are scoped by for_user, as in the HTML views). A list is filtered by the filters its query names only:
    the others would take no part (an empty value filters nothing) but each costs a form field built,
    copied and cleaned on every request."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and _takes_user(filterset_class):
            kwargs["user"] = request.user
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        params = set(request.query_params)
        filterset.filters = {name: f for name, f in filterset.filters.items() if _asked(name, params)}
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
