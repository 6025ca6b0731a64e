import inspect

from django_filters.rest_framework import DjangoFilterBackend


class UserFilterBackend(DjangoFilterBackend):
    """django-filter's backend, handing the request's user to FilterSets that take one (their choice lists
    are scoped by for_user, as in the HTML views)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and "user" in inspect.signature(filterset_class.__init__).parameters:
            kwargs["user"] = request.user
        return kwargs
