"""Writes of the integrations app: API keys, webhook endpoints and the webhook events of work orders."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role
from network.models import Dealer

from .models import ApiKey, DeliveryStatus, IdempotencyRecord, WebhookDelivery, WebhookEndpoint
from .tasks import webhook_deliver

KEY_TAG = "ask"  # after-sales key: lets secret scanners recognise a leaked key
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)  # last_used_at is written at most once a minute per key


def api_key_hash(raw_key: str) -> str:
    """SHA-256 of the whole key. The key carries 256 random bits, so a fast hash is enough (no salt or
    stretching needed, unlike passwords) and the lookup is one unique-index probe."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def dealer_principal(*, dealer):
    """The user the API keys of `dealer` act as: the one its earlier keys act as, else a new user of the
    dealer role with no password and a name no one else has (never found by name: a user called like it,
    or another dealer's code, must not become this dealer's principal). Requests made with a key are
    scoped to the key's dealer in any case (ApiKeyAuthentication)."""
    earlier = (
        ApiKey.objects.filter(dealer=dealer).order_by("pk").values_list("principal_id", flat=True).first()
    )
    if earlier is not None:
        return get_user_model().objects.get(pk=earlier)
    user = get_user_model().objects.create(
        username=f"api-{dealer.pk}-{secrets.token_hex(6)}",
        first_name=dealer.name[:150],
        is_active=True,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=Role.DEALER))
    dealer.users.add(user)
    return user


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    raw_key: str


def api_key_create(*, dealer, name: str, acting_user=None, expires_at=None, now=None) -> NewApiKey:
    """A new key for the dealer. The raw key is returned once and never stored."""
    now = now or timezone.now()
    name = (name or "").strip() or _("API key")
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    if not dealer.active:
        raise ValidationError({"dealer": _("The dealer is not active.")})
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_TAG}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        # The dealer's row lock: two first keys created at once still share one principal.
        type(dealer).objects.select_for_update(no_key=True).filter(pk=dealer.pk).first()
        principal = dealer_principal(dealer=dealer)
        api_key = ApiKey.objects.create(
            dealer=dealer,
            principal=principal,
            name=name[:100],
            prefix=prefix,
            key_hash=api_key_hash(raw_key),
            created_by=acting_user,
            created_at=now,
            expires_at=expires_at,
        )
    return NewApiKey(api_key=api_key, raw_key=raw_key)


def api_key_revoke(*, api_key: ApiKey, acting_user=None, now=None) -> ApiKey:
    now = now or timezone.now()
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=acting_user
    )
    api_key.refresh_from_db()
    if not updated and api_key.revoked_at is None:  # pragma: no cover - the row vanished
        raise ValidationError(_("The API key could not be revoked."))
    return api_key


def api_key_authenticate(*, raw_key: str, now=None) -> ApiKey | None:
    """The usable key whose hash matches, with its dealer and principal; None otherwise. Records the use
    (at most once a minute, so a busy key does not write on every request)."""
    now = now or timezone.now()
    api_key = _usable_key_by_hash(api_key_hash(raw_key), now)
    if api_key is None or not api_key.principal.is_active:
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


@functools.cache
def _key_lookup():
    """The SQL of ApiKey.objects.usable(now).select_related("dealer", "principal").filter(key_hash=…),
    written out once from the models' own tables and columns: it runs on every API request, and composing
    it through the ORM cost ten times the query (integrations/tests/test_api_keys.py holds it to usable())."""

    quote = connection.ops.quote_name
    User = get_user_model()
    parts = [("k", ApiKey), ("d", Dealer), ("u", User)]
    if any(
        hasattr(field, "from_db_value") for _alias, model in parts for field in model._meta.concrete_fields
    ):
        return None  # a field converting what the database hands back: the ORM's query then
    shapes = [(model, [f.attname for f in model._meta.concrete_fields]) for _alias, model in parts]
    columns = ", ".join(
        f"{alias}.{quote(field.column)}" for alias, model in parts for field in model._meta.concrete_fields
    )

    def column(model, name):
        return quote(model._meta.get_field(name).column)

    sql = (
        f"SELECT {columns} FROM {quote(ApiKey._meta.db_table)} k"
        f" JOIN {quote(Dealer._meta.db_table)} d ON d.{quote(Dealer._meta.pk.column)} = k.{column(ApiKey, 'dealer')}"
        f" JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = k.{column(ApiKey, 'principal')}"
        f" WHERE k.{column(ApiKey, 'key_hash')} = %s AND k.{column(ApiKey, 'revoked_at')} IS NULL"
        f" AND d.{column(Dealer, 'active')}"
        f" AND (k.{column(ApiKey, 'expires_at')} IS NULL OR k.{column(ApiKey, 'expires_at')} > %s)"
    )
    return sql, shapes


def _key_row(sql: str, params: list):
    """The key look-up as a prepared statement of this database session: PostgreSQL plans the three-table
    join once per session instead of on every request (its planning took 0.3 ms, the query 0.1 ms). It is
    prepared in the same round trip as its first use, so every request makes one query either way. A session
    is known by its connection object: a new connection prepares it again. A failed first use (a timeout)
    may still have left the statement prepared — a rollback does not undo a PREPARE — so the next attempt
    prepares it under a new name. Off with settings.DATABASE_PREPARED_STATEMENTS (behind a pooler that
    shares sessions)."""
    with connection.cursor() as cursor:
        if not settings.DATABASE_PREPARED_STATEMENTS:
            cursor.execute(sql, params)
            return cursor.fetchone()
        raw = connection.connection
        prepared_on, name = getattr(connection, "_api_key_statement", (None, None))
        if prepared_on is raw:
            cursor.execute(f"EXECUTE {name}(%s, %s)", params)
        else:
            attempt = getattr(connection, "_api_key_statement_attempts", 0) + 1
            connection._api_key_statement_attempts = attempt
            name = f"api_key_lookup_{attempt}"
            body = sql.replace("%s", "$1", 1).replace("%s", "$2", 1)
            cursor.execute(f"PREPARE {name} (varchar, timestamptz) AS {body}; EXECUTE {name}(%s, %s)", params)
            connection._api_key_statement = (raw, name)
        return cursor.fetchone()


def _usable_key_by_hash(key_hash: str, now) -> ApiKey | None:
    lookup = _key_lookup()
    if lookup is None:
        found = ApiKey.objects.usable(now).select_related("principal", "dealer").filter(key_hash=key_hash)
        return next(iter(found[:1]), None)
    sql, shapes = lookup
    row = _key_row(sql, [key_hash, now])
    if row is None:
        return None
    objects, start = [], 0
    for model, attnames in shapes:
        objects.append(model.from_db(connection.alias, attnames, row[start : start + len(attnames)]))
        start += len(attnames)
    api_key, dealer, principal = objects
    api_key.dealer, api_key.principal = dealer, principal
    return api_key


def idempotency_records_purge(*, now=None) -> int:

    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# Webhooks -----------------------------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Aftersales-Signature"


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>` (the scheme in README)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_endpoint_create(*, dealer, url: str, description: str = "", acting_user=None) -> WebhookEndpoint:
    """A new endpoint with its own signing secret. A dealer has at most WEBHOOK_MAX_ENDPOINTS active ones:
    every status change of its customers' orders becomes one delivery per endpoint."""
    validate_webhook_url(url)
    with transaction.atomic():
        type(dealer).objects.select_for_update(no_key=True).filter(pk=dealer.pk).first()
        active = WebhookEndpoint.objects.filter(dealer=dealer, active=True).count()
        if active >= settings.WEBHOOK_MAX_ENDPOINTS:
            raise ValidationError(
                {
                    "url": _("A dealer has at most %(n)d active webhook endpoints: switch one off first.")
                    % {"n": settings.WEBHOOK_MAX_ENDPOINTS}
                }
            )
        return WebhookEndpoint.objects.create(
            dealer=dealer,
            url=url,
            secret=webhook_secret_new(),
            description=(description or "").strip()[:200],
            created_by=acting_user,
        )


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def validate_webhook_url(url: str) -> str:
    """Checks the URL (HTTPS, a host name, a public host) and returns the address to connect to: the host
    is resolved once here, and the attempt connects to exactly this address (a name that resolves to a
    public address for the check and to an internal one for the request — DNS rebinding — gets nowhere)."""

    parts = urlsplit(url or "")
    if parts.scheme != "https" and not (settings.WEBHOOK_ALLOW_HTTP and parts.scheme == "http"):
        raise ValidationError({"url": _("A webhook URL must use HTTPS.")})
    if not parts.hostname:
        raise ValidationError({"url": _("Enter a full URL with a host name.")})
    addresses = _resolve(parts.hostname)
    if not addresses:
        raise ValidationError({"url": _("The host name of the webhook URL does not resolve.")})
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS and not all(_is_public(a) for a in addresses):
        raise ValidationError({"url": _("A webhook URL must name a public host on the internet.")})
    return addresses[0]


def _resolve(hostname: str) -> list[str]:

    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0] for info in infos))


def _is_public(address: str) -> bool:
    """A global address: no loopback, private, link-local, shared or reserved one, so a dealer's URL
    cannot reach our own network."""

    ip = ipaddress.ip_address(address.split("%")[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _post_pinned(*, url: str, address: str, body: bytes, headers: dict, timeout: float):
    """POSTs to `url` over a connection to `address` (the checked one), with the URL's host name in the
    Host header and for TLS (SNI and certificate check). No proxy from the environment, no redirect
    followed. Returns (status, first 500 bytes of the answer)."""

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sock = socket.create_connection((address, port), timeout=timeout)
    try:
        if parts.scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
        connection.sock = sock
        connection.request("POST", path, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read(500)
    finally:
        sock.close()


def _order_event_payload(*, order, event_type: str, previous: str, at: dt.datetime, event_id) -> dict:
    call = order.call
    return {
        "id": str(event_id),
        "type": event_type,
        "created_at": at.isoformat(),
        "data": {
            "work_order": {
                "id": order.pk,
                "number": order.number,
                "status": order.status,
                "previous_status": previous or None,
                "status_changed_at": order.status_changed_at.isoformat(),
            },
            "repair_call": {"id": call.pk, "number": call.number, "unit": call.unit_id},
        },
    }


def work_order_event_notify(*, order, previous: str, now: dt.datetime) -> int:
    """Listens to WORK_ORDER_CHANGED (aftersales.events), every event of a work order, in its transaction: a status change of
    a unit the dealer sold becomes one delivery per active endpoint of that dealer, sent after commit.
    Returns the number of deliveries queued."""
    if previous == order.status:
        return 0
    dealer_id = order.call.unit.dealer_id
    if dealer_id is None:
        return 0
    endpoints = list(WebhookEndpoint.objects.filter(dealer_id=dealer_id, active=True).only("pk"))
    if not endpoints:
        return 0
    if previous:
        event_type = "work_order.status_changed"
    else:  # a new order: the call's first one, or a redo
        event_type = "work_order.created" if order.redo_of_id else "repair_call.created"

    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event_type=event_type, created_at=now)
        delivery.payload = _order_event_payload(
            order=order, event_type=event_type, previous=previous, at=now, event_id=delivery.event_id
        )
        delivery.save()
        transaction.on_commit(partial(webhook_deliver.delay, delivery.pk))
    return len(endpoints)


def webhook_delivery_replay(*, delivery: WebhookDelivery, now=None) -> WebhookDelivery:
    """Sends the same event (same id and payload) again as a new delivery, e.g. after the dealer fixed its
    receiver."""

    now = now or timezone.now()
    if not delivery.endpoint.active:
        raise ValidationError(_("The endpoint was removed: its deliveries are not sent again."))
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            payload=delivery.payload,
            created_at=now,
            replay_of=delivery,
        )
        transaction.on_commit(partial(webhook_deliver.delay, replay.pk))
    return replay


@dataclass(frozen=True)
class AttemptResult:
    delivered: bool
    retry: bool


def webhook_attempt(*, delivery_id: int, now=None) -> AttemptResult:
    """One POST of the delivery to its endpoint. 2xx: delivered. Otherwise the attempt is recorded and the
    caller retries while attempts remain (WEBHOOK_MAX_ATTEMPTS). An endpoint switched off meanwhile fails
    the delivery without a request."""

    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return AttemptResult(
            delivered=delivery is not None and delivery.status == DeliveryStatus.SUCCEEDED, retry=False
        )
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int((now or timezone.now()).timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "aftersales-webhooks/1",
        "X-Aftersales-Event": delivery.event_type,
        "X-Aftersales-Delivery": str(delivery.pk),
        "X-Aftersales-Event-Id": str(delivery.event_id),
        SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    status_code, excerpt, error, final = None, "", "", False
    if not endpoint.active:
        error, final = _("The endpoint is switched off."), True
    else:
        try:
            address = validate_webhook_url(endpoint.url)
            status_code, raw = _post_pinned(
                url=endpoint.url,
                address=address,
                body=body,
                headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            )
            excerpt = raw.decode("utf-8", "replace")
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        except (OSError, http.client.HTTPException) as exc:  # refused, timed out, TLS, a broken answer
            error = str(exc) or exc.__class__.__name__
    delivered = status_code is not None and 200 <= status_code < 300
    attempts = delivery.attempts + (0 if final else 1)
    retry = not delivered and not final and attempts < settings.WEBHOOK_MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_status_code=status_code,
        response_excerpt=excerpt[:500],
        last_error=str(error)[:300],
        last_attempt_at=timezone.now(),
        status=DeliveryStatus.SUCCEEDED
        if delivered
        else (DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED),
        delivered_at=timezone.now() if delivered else None,
    )
    return AttemptResult(delivered=delivered, retry=retry)


def webhook_retry_countdown(*, attempts: int) -> int:
    """Exponential backoff: base, 2×base, 4×base… seconds after the n-th failed attempt."""
    return settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
