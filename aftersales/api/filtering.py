import copy
import functools
import inspect

from django_filters import utils
from django_filters.filters import FilterMethod
from django_filters.filterset import BaseFilterSet
from django_filters.rest_framework import DjangoFilterBackend


@functools.cache
def _takes_user(filterset_class) -> bool:
    return "user" in inspect.signature(filterset_class.__init__).parameters


def _asked(name: str, params) -> bool:
    """Whether the query names the filter: by its name, or a widget's suffixed part of it (a range's
    `<name>_min` / `<name>_after`…)."""
    return name in params or any(param.startswith(name + "_") for param in params)


@functools.cache
def _plain(filter_class) -> bool:
    """django-filter's own filter, or one of ours that only names its field class: its state per request is
    attributes (model, parent, the field built, the label) and `extra` (the scoped queryset put there)."""
    return all(
        klass.__module__.startswith("django_filters.")
        or set(vars(klass)) <= {"__module__", "__qualname__", "__doc__", "field_class"}
        for klass in filter_class.__mro__[:-1]
    )


def _copy(filter_, memo, asked: bool):
    """A FilterSet's own filter for one request. A plain filter (see _plain) gets what a deep copy gave it
    at a tenth of the cost: itself, its `extra` and its method bound to the copy, sharing what no request
    changes (choices, widgets, the class's queryset, which its form field copies). Another class is
    deep-copied when the query names it; one it does not name is only seen by FilterSet.__init__ (which may
    set its queryset), then left out."""
    if asked and not _plain(type(filter_)):
        return copy.deepcopy(filter_, memo)
    copied = copy.copy(filter_)
    copied.extra = filter_.extra.copy()
    if isinstance(vars(filter_).get("filter"), FilterMethod):
        copied.filter = FilterMethod(copied)  # finds the method on this copy's FilterSet
    return copied


class _AskedFilters(dict):
    """A FilterSet's `base_filters` for one request: what FilterSet.__init__ deep-copies (every filter, its
    choices, querysets and widgets) copied as `_copy` does."""

    def __init__(self, filters, asked: frozenset):
        super().__init__(filters)
        self.asked = asked

    def __deepcopy__(self, memo):
        return {name: _copy(f, memo, name in self.asked) for name, f in self.items()}


class _Fresh(dict):
    """A filter form class's fields when each was built for this request from its filter's own copy: the
    form takes them as they are (Form.__init__ deep-copies its class's fields, which elsewhere are shared by
    every form of the class)."""

    def __deepcopy__(self, memo):
        return dict(self)


def _form(filterset):
    """`filterset.form` (the same class as get_form_class() makes, bound to the same data) without that
    second copy of the fields; a FilterSet that builds its form otherwise, or whose form class declares
    fields of its own, gets its own `form`."""
    cls = type(filterset)
    if cls.get_form_class is not BaseFilterSet.get_form_class or cls.form is not BaseFilterSet.form:
        return filterset.form
    if filterset._meta.form.base_fields or not filterset.is_bound:
        return filterset.form
    fields = {name: filter_.field for name, filter_ in filterset.filters.items()}
    form_class = type(f"{cls.__name__}Form", (filterset._meta.form,), fields)
    form_class.base_fields = _Fresh(form_class.base_fields)
    filterset._form = form_class(filterset.data, prefix=filterset.form_prefix)
    return filterset._form


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
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        params = set(request.query_params)
        asked = frozenset(name for name in filterset_class.base_filters if _asked(name, params))
        # The FilterSet built as its class builds it, from base filters copied as _copy does (an instance
        # attribute: the class and other requests keep theirs).
        filterset = filterset_class.__new__(filterset_class)
        filterset.base_filters = _AskedFilters(filterset_class.base_filters, asked)
        filterset.__init__(**self.get_filterset_kwargs(request, queryset, view))
        filterset.filters = {name: f for name, f in filterset.filters.items() if name in asked}
        if not _form(filterset).is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
