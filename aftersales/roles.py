"""Roles are auth groups with fixed names (see CONTRACT.md): dispatcher, technician, supervisor,
manager, dealer. This module is the one place that says what each role may do.

`roles_sync()` creates the groups and sets their model permissions exactly; it runs after every
`migrate` (like Django's own permission creation) and from `seed_demo`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("Dispatcher")
    TECHNICIAN = "technician", _("Technician")
    SUPERVISOR = "supervisor", _("Service-centre supervisor")
    MANAGER = "manager", _("Manager")
    DEALER = "dealer", _("Dealer")
    # A customer signed in on their own pages (/my/) with an SMS code: no model permission, sees only what
    # the pages under /my/ show them.
    CUSTOMER = "customer", _("Customer")


# The roles of the service network's own people (every role but the customer's).
STAFF_ROLES = tuple(r for r in Role.values if r != Role.CUSTOMER)

# Model permissions per role, as "app_label.action_model". Object scope (own centre, own dealer,
# own work orders) is enforced separately by each model's QuerySet.for_user().
_MASTER_VIEW = [
    "network.view_region",
    "network.view_servicecenter",
    "network.view_technician",
    "network.view_dealer",
    "repairs.view_productcategory",
    "repairs.view_component",
    "repairs.view_productmodel",
    "repairs.view_customer",
    "repairs.view_customerphone",
    "repairs.view_customeraddress",
    "repairs.view_productunit",
    "warranty.view_warrantypolicy",
    "warranty.view_componentperiod",
    "warranty.view_warrantydecision",
    "warranty.view_extendedwarranty",
]
_CUSTOMER_EDIT = [
    "repairs.add_customer",
    "repairs.change_customer",
    "repairs.add_customerphone",
    "repairs.change_customerphone",
    "repairs.add_customeraddress",
    "repairs.change_customeraddress",
    "repairs.add_productunit",
    "repairs.change_productunit",
]
_INVENTORY_VIEW = [
    f"inventory.view_{model}"
    for model in (
        "part",
        "warehouse",
        "stocklevel",
        "stockmovement",
        "partrequest",
        "partrequestline",
        "depositaccount",
        "depositentry",
        "creditentry",
        "defectivereturn",
        "reordersuggestion",
    )
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DISPATCHER: _MASTER_VIEW + _CUSTOMER_EDIT,
    Role.TECHNICIAN: [
        "repairs.view_productcategory",
        "repairs.view_component",
        "repairs.view_productmodel",
        "repairs.view_customer",
        "repairs.view_productunit",
        "warranty.view_warrantydecision",
        "warranty.view_extendedwarranty",
        "inventory.view_part",
    ],
    Role.SUPERVISOR: _MASTER_VIEW + _INVENTORY_VIEW + ["network.change_technician"],
    Role.MANAGER: _MASTER_VIEW
    + _CUSTOMER_EDIT
    + _INVENTORY_VIEW
    + ["inventory.view_inventorysettings", "inventory.change_inventorysettings"]
    + [
        f"{app}.{action}_{model}"
        for app, model in [
            ("network", "region"),
            ("network", "servicecenter"),
            ("network", "technician"),
            ("network", "dealer"),
            ("repairs", "productcategory"),
            ("repairs", "component"),
            ("repairs", "productmodel"),
            ("warranty", "warrantypolicy"),
            ("warranty", "componentperiod"),
            ("warranty", "extendedwarranty"),
            ("inventory", "part"),
            ("inventory", "warehouse"),
            ("network", "feeschedule"),
            ("network", "travelfee"),
            ("network", "settlementrate"),
            ("care", "slapolicy"),
            ("care", "workcalendar"),
            ("care", "regionalmanager"),
        ]
        for action in ("add", "change", "delete")
    ]
    + [
        f"care.view_{m}"
        for m in (
            "slapolicy",
            "workcalendar",
            "regionalmanager",
            "deadline",
            "escalation",
            "callback",
            "complaint",
        )
    ]
    # Login lockouts (django-axes): the manager sees the failed attempts and unlocks by deleting them.
    + ["axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accessfailurelog"],
    Role.DEALER: [
        "repairs.view_productcategory",
        "repairs.view_productmodel",
        "repairs.view_productunit",
        "repairs.add_productunit",
        "repairs.view_customer",
        "repairs.add_customer",
        "warranty.view_extendedwarranty",
    ],
    Role.CUSTOMER: [],
}

# Where each role starts; the first role a user holds in this order wins.
HOME_BY_ROLE = [
    (Role.MANAGER, "office:dashboard"),
    (Role.SUPERVISOR, "office:my_center"),
    (Role.DISPATCHER, "repairs:register"),
    (Role.TECHNICIAN, "repairs:my_orders"),
    (Role.DEALER, "office:dealer_home"),
    (Role.CUSTOMER, "portal:home"),
]


def roles_sync() -> None:
    """Create the role groups and set their permissions to exactly ROLE_PERMISSIONS."""
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_key = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in={key.split(".")[0] for key in wanted}
        )
    }
    missing = sorted(wanted - by_key.keys())
    if missing:
        raise LookupError(f"Permissions not found (migrate first?): {', '.join(missing)}")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set([by_key[p] for p in perms])


def user_roles(user) -> set[str]:
    """The role names a user holds; a superuser holds every role."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return {r.value for r in Role}
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._role_names = cached
    return cached


def dealer_ids(user) -> list[int]:
    """The dealers a user acts for, read once per request (cached on the user like their roles). A request
    made with an API key acts for the key's dealer only (set by the key authentication)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_dealer_ids", None)
    if cached is None:
        cached = sorted(user.dealers.values_list("pk", flat=True))
        user._dealer_ids = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & {str(r) for r in roles})


def supervises(user, center) -> bool:
    """Whether the user holds the supervisor role and runs this centre (is one of its supervisors)."""
    return (
        center is not None
        and has_role(user, Role.SUPERVISOR)
        and center.supervisors.filter(pk=user.pk).exists()
    )


def may_act_for_center(user, center) -> bool:
    """The one rule of who may act for a service centre: a manager for any, a supervisor for those they run."""
    return has_role(user, Role.MANAGER) or supervises(user, center)


def role_required(*roles: str):
    """View decorator: anonymous → login page; signed in without one of `roles` → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_roles = tuple(str(r) for r in roles)
        return wrapped

    return decorator


def roles_context(request):
    """Template context: the signed-in user's roles, for the navigation."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    return {"user_roles": roles, "role_labels": [Role(r).label for r in Role.values if r in roles]}
