"""Rate limits, counted in the shared cache (Redis in production), so every web
process sees the same count. Over the limit: 429 with Retry-After.

When the cache is down the API stays up (issue 8, fault 2): a rate limit is a
guard, not a rule of the product, and the outbox already lets scheduling go on
without Redis. The throttle then lets requests through, logs a warning, and
leaves the cache alone for a few seconds, so an outage (or a Redis that hangs
until its socket timeout) costs each request nothing.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from hiring.models import ApiToken

logger = logging.getLogger(__name__)

# After a cache error, how long the throttle lets everything through before it tries the cache again.
CACHE_RETRY_SECONDS = 5.0
# Per process: the moment (time.monotonic) before which the cache is taken to be down.
_cache_down_until = 0.0


class ApiRateThrottle(SimpleRateThrottle):
    """One budget per API token, per signed-in user, or per address when anonymous."""

    cache_format = "hiring-api-throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        # Read on every request rather than at import, so a deployment (or a test)
        # can change the rate in settings.
        return settings.HIRING_API_RATE if self.scope == "user" else settings.HIRING_API_ANON_RATE

    def allow_request(self, request, view):
        global _cache_down_until
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if time.monotonic() < _cache_down_until:
            return True
        try:
            return super().allow_request(request, view)
        except Exception:
            # Any error from the cache backend (redis-py's ConnectionError, TimeoutError, ...):
            # fail open rather than answer 500 to every request while Redis is away.
            _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
            logger.warning(
                "API rate limits are not enforced for %ss: the cache is unavailable.",
                CACHE_RETRY_SECONDS,
                exc_info=True,
            )
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
