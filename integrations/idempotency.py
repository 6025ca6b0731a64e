"""Idempotency-Key on POST (Stripe's scheme): a retried request with the same key and the same body gets the
first answer again; the same key with another body is refused (422); a retry while the first is still
running waits for it and gets its answer. Keys are scoped per API key (per user for sessions) and kept
IDEMPOTENCY_TTL_HOURS. Only successful answers are stored: a refused request may be corrected and sent
again under the same key. (409 is left for a key that keeps changing hands under contention.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from .models import ApiKey, IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was used with a different request.")


class IdempotencyInProgress(exceptions.APIException):
    status_code = 409
    default_code = "idempotency_in_progress"
    default_detail = _("A request with this Idempotency-Key is still being processed: try again shortly.")


def _owner(request) -> str:
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _request_hash(request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


class IdempotentCreateMixin:
    """For viewsets: `create` (POST on the list) runs the view's `create_resource(request)` under the
    Idempotency-Key behaviour.

    The key's record is inserted, the resource created and the answer stored in one transaction: a
    process that dies halfway leaves nothing behind (no key stuck "in progress"), and a simultaneous retry
    with the same key waits on the record's unique index until the first commits, then gets its answer."""

    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return self.create_resource(request)
        key = key.strip()
        if not key or len(key) > 255:
            raise serializers.ValidationError({HEADER: [_("Send a key of 1 to 255 characters.")]})
        owner, request_hash = _owner(request), _request_hash(request)
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    try:
                        with transaction.atomic():
                            record = IdempotencyRecord.objects.create(
                                owner=owner,
                                key=key,
                                method=request.method,
                                path=request.path[:300],
                                request_hash=request_hash,
                                created_at=timezone.now(),
                            )
                    except IntegrityError:
                        replay = self._replay(owner=owner, key=key, request_hash=request_hash)
                        if replay is None:
                            continue  # an expired record was removed: claim the key again
                        return replay
                    response = self.create_resource(request)
                    if not 200 <= response.status_code < 300:
                        raise _NotStored(response)  # rolls the record back: a corrected retry may follow
                    record.response_status = response.status_code
                    record.response_body = json.loads(json.dumps(response.data, cls=_Encoder))
                    record.save(update_fields=["response_status", "response_body"])
                    return response
            except _NotStored as refused:
                return refused.response
        raise IdempotencyInProgress()

    def _replay(self, *, owner, key, request_hash):
        """The stored answer for the key; None when the record had expired (it is removed)."""
        existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        expired_before = timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        if existing is None or existing.created_at < expired_before:
            IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__lt=expired_before).delete()
            return None
        if existing.request_hash != request_hash:
            raise IdempotencyKeyReused()
        if existing.response_status is None:  # pragma: no cover - stored in the same transaction
            raise IdempotencyInProgress()
        return Response(
            existing.response_body, status=existing.response_status, headers={"Idempotent-Replayed": "true"}
        )


class _NotStored(Exception):
    def __init__(self, response):
        super().__init__()
        self.response = response


class _Encoder(json.JSONEncoder):
    def default(self, o):
        return str(o)
