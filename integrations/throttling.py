"""Rate limits per API key (a burst and a sustained rate, settings.API_THROTTLE_RATES); a signed-in user is
limited per user, an anonymous caller per address. A refused request answers 429 with Retry-After.

Counters are Redis keys `<CACHE_KEY_PREFIX>:ratelimit:<scope>:<caller>:<window>`: the installation's prefix
keeps two installations on one Redis apart (their key ids start at 1 alike).

Counted in Redis as sliding windows (the current window's counter plus the previous one's, weighted by how
much of it still lies in the last `duration` seconds): both rates in one round trip, one script of
INCR/EXPIRE/GET (redis-py's pipeline of the six commands took twice the work to pack and parse), the same
cost whatever the rate. (DRF's SimpleRateThrottle keeps every request's timestamp of the window in one
cache value: 20,000 a day makes each request read and write a list of up to 20,000 floats.) A refused
request is not counted."""

from __future__ import annotations

import math
import time

import redis
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from .models import ApiKey

SCOPES = ("burst", "sustained")
_now = time.time  # the clock (a test moves it)
_client = None


def key_prefix() -> str:
    """This installation's counters: read at each use, so that a test may stand for another installation."""
    return f"{settings.CACHE_KEY_PREFIX}:ratelimit"


def redis_client():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client


# KEYS: each rate's current window and previous window; ARGV: each current window's lifetime (seconds).
# Answers each rate's new count and the previous window's (nil when none).
_COUNT = """
local answers = {}
for rate = 1, #ARGV do
    local current = KEYS[2 * rate - 1]
    answers[2 * rate - 1] = redis.call('INCR', current)
    redis.call('EXPIRE', current, ARGV[rate])
    answers[2 * rate] = redis.call('GET', KEYS[2 * rate])
end
return answers
"""
_count_script = None


def _count(keys: list[str], lifetimes: list[int]) -> list:
    global _count_script
    if _count_script is None or _count_script.registered_client is not redis_client():
        _count_script = redis_client().register_script(_COUNT)
    return _count_script(keys=keys, args=lifetimes)


def parse_rate(rate: str) -> tuple[int, int]:
    """ "120/min" → (120, 60): as DRF's, the period by its first letter (s, m, h, d)."""
    number, period = rate.split("/")
    return int(number), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]


def forget(ident: str) -> None:
    """Clears the counters of one caller (`key<id>`, `user<id>`, `ip<address>`)."""
    client = redis_client()
    pattern = f"{_glob_escape(key_prefix())}:*:{_glob_escape(ident)}:*"
    keys = list(client.scan_iter(pattern))
    if keys:
        client.delete(*keys)


def _glob_escape(text: str) -> str:
    """A prefix or address taken literally in a SCAN pattern (a database name may hold `[` or `*`)."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class KeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        self._wait = None
        if not settings.API_THROTTLE_ENABLED:
            return True
        rates = []
        for scope in SCOPES:
            rate = settings.API_THROTTLE_RATES.get(scope)
            if rate:
                rates.append((scope, *parse_rate(rate)))
        if not rates:
            return True
        ident = self._ident(request)
        prefix = key_prefix()
        now = _now()
        windows, keys, lifetimes = [], [], []
        for scope, limit, duration in rates:
            window = int(now // duration)
            current = f"{prefix}:{scope}:{ident}:{window}"
            keys += [current, f"{prefix}:{scope}:{ident}:{window - 1}"]
            lifetimes.append(2 * duration + 1)
            windows.append((current, limit, duration, window))
        answers = _count(keys, lifetimes)
        refused = []
        for index, (current, limit, duration, window) in enumerate(windows):
            count, previous = int(answers[2 * index]), int(answers[2 * index + 1] or 0)
            elapsed = now / duration - window  # the part of the current window gone by, 0…1
            if previous * (1 - elapsed) + count > limit:
                refused.append(current)
                self._wait = max(
                    self._wait or 0, self._retry_after(limit, duration, elapsed, previous, count)
                )
        if refused:
            # Not counted: a client waiting out its limit does not use up the next window.
            pipe = redis_client().pipeline(transaction=False)
            for current, *_rest in windows:
                pipe.decr(current)
            pipe.execute()
            return False
        return True

    @staticmethod
    def _retry_after(limit, duration, elapsed, previous, count) -> float:
        """Seconds until one more request fits: when the previous window's weight has shrunk enough, or,
        when the current window alone is full, at its end (and the weight of this one then)."""
        if count - 1 < limit and previous:
            # previous × (1 − e) + count ≤ limit  ⇔  e ≥ 1 − (limit − count) / previous
            needed = 1 - (limit - count) / previous
            return max((needed - elapsed) * duration, 1)
        return max((1 - elapsed) * duration, 1)

    def wait(self):
        return None if self._wait is None else math.ceil(self._wait)

    def _ident(self, request) -> str:
        if isinstance(request.auth, ApiKey):
            return f"key{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return f"user{request.user.pk}"
        return f"ip{self.get_ident(request)}"
