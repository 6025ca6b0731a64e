"""Reads that can move: the reports, dashboards, exports and the API's lists read from a replica of the
database when one is configured (DATABASE_REPLICA_URL); every write, and everything else, on the primary.

What moves is marked, never guessed: a view wrapped in `replica_view`, an API viewset with `ReplicaListMixin`
(its list only), or any code inside `replica_reads()`. Even there a read stays on the primary when

- the request may write (POST, PUT, PATCH, DELETE: those run in a transaction on the primary anyway),
- the primary's connection is in a transaction (`atomic()`): what the transaction reads must be what it
  writes against, and a replica does not see the transaction's own rows,
- the user wrote within the last DATABASE_REPLICA_PIN_SECONDS (read your own writes): a replica applies
  the primary's changes a moment later, so the page a form redirects to, or the list an integrator reads
  right after creating a record, would otherwise miss what was just saved.

Writes always go to the primary, whatever read them (`db_for_write`): an object read from the replica is
saved on the primary. Raw SQL reads use `read_connection()` to follow the same rule. Without the replica
alias, or without the router in DATABASE_ROUTERS, everything reads the primary and the pin is never set.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
ROUTER = "aftersales.dbrouting.ReplicaRouter"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_enabled() -> bool:
    """A replica is configured and the router sends reads to it."""
    return REPLICA in settings.DATABASES and ROUTER in settings.DATABASE_ROUTERS


@contextlib.contextmanager
def replica_reads():
    """The reads inside may go to the replica: read-only work that tolerates data a moment old."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    """Where a read goes now: the replica inside `replica_reads()` outside any transaction, else the primary."""
    if _replica_reads.get() and replica_enabled() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


def read_connection():
    """The connection for a raw SQL read (`read_connection().cursor()`), routed as the ORM's reads are."""
    return connections[read_alias()]


class ReplicaRouter:
    """Reads to `read_alias()`; writes and migrations to the primary. The primary is named even when no
    replica is configured, so that an object read from the replica is read again and saved on the primary
    (Django would otherwise keep using the database the object came from)."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        ours = {DEFAULT_DB_ALIAS, REPLICA}
        return True if obj1._state.db in ours and obj2._state.db in ours else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


# --- read your own writes ----------------------------------------------------------------------------------


def pin_key(user_id) -> str:
    return f"replica-pin:{user_id}"


def primary_pin(user) -> None:
    """The user's reads stay on the primary for DATABASE_REPLICA_PIN_SECONDS (they may have just written)."""
    if getattr(user, "is_authenticated", False) and replica_enabled():
        cache.set(pin_key(user.pk), 1, timeout=settings.DATABASE_REPLICA_PIN_SECONDS)


def primary_pinned(user) -> bool:
    return getattr(user, "is_authenticated", False) and cache.get(pin_key(user.pk)) is not None


@contextlib.contextmanager
def replica_reads_for(request):
    """`replica_reads()` for this request's read-only work, unless it may write or its user just wrote."""
    if request.method in SAFE_METHODS and replica_enabled() and not primary_pinned(request.user):
        with replica_reads():
            yield
    else:
        yield


def replica_view(view):
    """View decorator: the view's reads may go to the replica (see `replica_reads_for`). Put it under the
    role check, so that who may see the page is decided on the primary."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with replica_reads_for(request):
            return view(request, *args, **kwargs)

    return wrapped


def replica_action(method):
    """The same for an API viewset's method (`def list(self, request, ...)`). Authentication, throttling and
    permissions run before it, on the primary."""

    @wraps(method)
    def wrapped(self, request, *args, **kwargs):
        with replica_reads_for(request):
            return method(self, request, *args, **kwargs)

    return wrapped


# For an API viewset, first among its bases: its list reads from the replica (see `replica_reads_for`); a single
# object, and every write, stays on the primary. (A comment, not a docstring: drf-spectacular would print a
# docstring in the description of every endpoint of the viewsets without one of their own.)
class ReplicaListMixin:
    @replica_action
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class ReplicaPinMiddleware:
    """After a request that may write, the user's reads stay on the primary for DATABASE_REPLICA_PIN_SECONDS:
    the page a form redirects to, or an integrator's next list, shows what was just saved. Nothing is stored
    when no replica is configured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            # The API authenticates in the view; DRF hands its user back to the request.
            primary_pin(getattr(request, "user", None))
        return response
