"""Idempotency-Key on POST (Stripe's scheme): a retried request with the same key and the same body gets the
first answer again; the same key with another body is refused (422); a retry while the first is still
running is refused (409). Keys are scoped per API key (per user for sessions) and kept
IDEMPOTENCY_TTL_HOURS. Only successful answers are stored: a refused request may be corrected and sent
again under the same key."""

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
    Idempotency-Key behaviour."""

    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return self.create_resource(request)
        key = key.strip()
        if not key or len(key) > 255:
            raise serializers.ValidationError({HEADER: [_("Send a key of 1 to 255 characters.")]})
        owner, request_hash = _owner(request), _request_hash(request)
        record = self._claim(owner=owner, key=key, request=request, request_hash=request_hash)
        if isinstance(record, Response):
            return record
        try:
            response = self.create_resource(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if 200 <= response.status_code < 300:
            body = json.loads(json.dumps(response.data, cls=_Encoder))
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                response_status=response.status_code, response_body=body
            )
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return response

    def _claim(self, *, owner, key, request, request_hash):
        now = timezone.now()
        expired_before = now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        owner=owner,
                        key=key,
                        method=request.method,
                        path=request.path[:300],
                        request_hash=request_hash,
                        created_at=now,
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
                if existing is None:
                    continue  # removed meanwhile (the first request failed): claim it again
                if existing.created_at < expired_before:
                    existing.delete()
                    continue
                if existing.request_hash != request_hash:
                    raise IdempotencyKeyReused() from None
                if existing.response_status is None:
                    raise IdempotencyInProgress() from None
                return Response(
                    existing.response_body,
                    status=existing.response_status,
                    headers={"Idempotent-Replayed": "true"},
                )
        raise IdempotencyInProgress()


class _Encoder(json.JSONEncoder):
    def default(self, o):
        return str(o)
