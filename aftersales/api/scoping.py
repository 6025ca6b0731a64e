"""Object scope for every API viewset: one path, `Model.objects.for_user(user)`, so objects outside the
user's scope are not in the queryset and answer 404 on every method."""

from rest_framework import viewsets

from aftersales.roles import Role

from .filtering import UserFilterBackend
from .permissions import ActionRoles

# The roles of the maker's own network, and everyone the API serves (they and the dealers' systems).
INTERNAL = (Role.DISPATCHER, Role.TECHNICIAN, Role.SUPERVISOR, Role.MANAGER)
EVERYONE = (*INTERNAL, Role.DEALER)


# `get_queryset()` narrowed by `for_user()`; the viewset's `queryset` must come from a QuerySet class with
# `for_user()`.
class ScopedQuerysetMixin:
    def get_queryset(self):
        return super().get_queryset().for_user(self.request.user)


# A read-only viewset scoped to the user, with the role checks of ActionRoles (`action_roles`) and the
# filters of the user's scope. (A comment, not a docstring: drf-spectacular would print a docstring in
# every endpoint's description.)
class ScopedViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    filter_backends = [UserFilterBackend]
    permission_classes = [ActionRoles]
