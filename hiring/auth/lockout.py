"""How django-axes counts failed sign-ins here.

A password failure counts against the account *and* the address it came from;
an unknown API token has no account, so it counts against the address only
(counting it under an empty username would let one client lock every other
token client out). See AUTH_FAILURE_LIMIT in config/settings.py.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def lockout_parameters(request_or_attempt, credentials: dict | None) -> list[str]:
    if credentials and credentials.get(settings.AXES_USERNAME_FORM_FIELD):
        return ["username", "ip_address"]
    return ["ip_address"]


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, behind AUTH_TRUSTED_PROXY_COUNT proxies,
    the address the outermost trusted proxy saw (what a client writes into
    X-Forwarded-For itself is ignored, so it cannot pick a fresh address per guess)."""
    proxies = settings.AUTH_TRUSTED_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def cool_off_minutes() -> int:
    return settings.AUTH_COOLOFF_MINUTES
