"""Writes of the integrations app: API keys, webhook endpoints and the webhook events of work orders."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import urllib.request
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.roles import Role

from .models import ApiKey, DeliveryStatus, WebhookDelivery, WebhookEndpoint

KEY_TAG = "ask"  # after-sales key: lets secret scanners recognise a leaked key
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)  # last_used_at is written at most once a minute per key


def api_key_hash(raw_key: str) -> str:
    """SHA-256 of the whole key. The key carries 256 random bits, so a fast hash is enough (no salt or
    stretching needed, unlike passwords) and the lookup is one unique-index probe."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def dealer_principal(*, dealer):
    """The user an API key of `dealer` acts as: of the dealer role, a user of this dealer only, no password."""
    username = f"api-{dealer.code}".lower()[:150]
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": dealer.name[:150], "is_active": True}
    )
    if created:
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
    api_key = (
        ApiKey.objects.usable(now)
        .select_related("principal", "dealer")
        .filter(key_hash=api_key_hash(raw_key))
        .first()
    )
    if api_key is None or not api_key.principal.is_active:
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def idempotency_records_purge(*, now=None) -> int:
    from .models import IdempotencyRecord

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
    validate_webhook_url(url)
    return WebhookEndpoint.objects.create(
        dealer=dealer,
        url=url,
        secret="whsec_" + secrets.token_urlsafe(32),
        description=(description or "").strip()[:200],
        created_by=acting_user,
    )


def validate_webhook_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme != "https" and not (settings.WEBHOOK_ALLOW_HTTP and parts.scheme == "http"):
        raise ValidationError({"url": _("A webhook URL must use HTTPS.")})
    if not parts.hostname:
        raise ValidationError({"url": _("Enter a full URL with a host name.")})
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS and not _public_host(parts.hostname):
        raise ValidationError({"url": _("A webhook URL must name a public host on the internet.")})


def _public_host(hostname: str) -> bool:
    """Every address the name resolves to is a global one: no loopback, private, link-local or reserved
    address, so a dealer's URL cannot reach our own network (checked at registration and at each attempt)."""
    import ipaddress
    import socket

    try:
        infos = socket.getaddrinfo(hostname, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other (not 2xx: retried), never followed to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


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
    """Called by repairs.services with every event of a work order, in its transaction: a status change of
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
    from .tasks import webhook_deliver

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
    from .tasks import webhook_deliver

    now = now or timezone.now()
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
    caller retries while attempts remain (WEBHOOK_MAX_ATTEMPTS)."""
    import json
    import urllib.error

    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.SUCCEEDED:
        return AttemptResult(delivered=True, retry=False)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int((now or timezone.now()).timestamp())
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "aftersales-webhooks/1",
            "X-Aftersales-Event": delivery.event_type,
            "X-Aftersales-Delivery": str(delivery.pk),
            "X-Aftersales-Event-Id": str(delivery.event_id),
            SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=timestamp, body=body),
        },
    )
    status_code, excerpt, error = None, "", ""
    try:
        validate_webhook_url(endpoint.url)
        opener = urllib.request.build_opener(_NoRedirects)
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
            excerpt = response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status_code = exc.code
        excerpt = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    except OSError as exc:  # refused, timed out, DNS, TLS
        error = str(exc) or exc.__class__.__name__
    delivered = status_code is not None and 200 <= status_code < 300
    attempts = delivery.attempts + 1
    retry = not delivered and attempts < settings.WEBHOOK_MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_status_code=status_code,
        response_excerpt=excerpt[:500],
        last_error=error[:300],
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
