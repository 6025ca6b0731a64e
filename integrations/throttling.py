"""Rate limits per API key (a burst and a sustained rate, settings.API_THROTTLE_RATES); a signed-in user is
limited per user, an anonymous caller per address. A refused request answers 429 with Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiKey


class _KeyRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        # Read at call time (not at import like DRF's default), so settings and tests can change it.
        return settings.API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user{request.user.pk}"
        else:
            ident = f"ip{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BurstRateThrottle(_KeyRateThrottle):
    scope = "burst"


class SustainedRateThrottle(_KeyRateThrottle):
    scope = "sustained"
