"""Rate limits, counted in the shared cache (Redis in production), so every web
process sees the same count. Over the limit: 429 with Retry-After."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from hiring.models import ApiToken


class ApiRateThrottle(SimpleRateThrottle):
    """One budget per API token, per signed-in user, or per address when anonymous."""

    cache_format = "hiring-api-throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        # Read on every request rather than at import, so a deployment (or a test)
        # can change the rate in settings.
        return settings.HIRING_API_RATE if self.scope == "user" else settings.HIRING_API_ANON_RATE

    def allow_request(self, request, view):
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
