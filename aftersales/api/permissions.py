"""Who may call which action. Object scope is not decided here but by `for_user()` in get_queryset(), so
another party's object answers 404 whatever the method: the role check of a detail action runs only once
the object was found in the caller's scope."""

from rest_framework import permissions

from aftersales.roles import user_roles


class ActionRoles(permissions.IsAuthenticated):
    """`view.action_roles = {"list": {...}, "create": {...}, "dispatch": {...}, "*": {...}}`: the roles that
    may run each action ("*" for those not named). An action missing from both is refused."""

    def _allowed(self, request, view) -> bool:
        table = getattr(view, "action_roles", {})
        action = getattr(view, "action", None) or ""
        roles = table.get(action, table.get("*"))
        if roles is None:
            return False
        return bool(user_roles(request.user) & {str(r) for r in roles})

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) in (None, "metadata"):
            return True  # a method the endpoint does not have: 405 follows; OPTIONS describes it
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if lookup in view.kwargs:
            return True  # decided in has_object_permission, after the scoped look-up (404 first)
        return self._allowed(request, view)

    def has_object_permission(self, request, view, obj):
        return self._allowed(request, view)
