"""Single sign-on with the company's OpenID Connect provider, through mozilla-django-oidc.

The library does the protocol (state, nonce, PKCE, the code exchange, the ID
token's signature against the provider's keys); this module adds what it leaves
to the site: endpoints from the provider's discovery document, the issuer and
audience checks on the ID token, and the matching rules (hiring/services/identity.py).
"""

from __future__ import annotations

import threading
import time

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from hiring.services import identity

# The provider's discovery document, kept for an hour per process: it names the
# endpoints and the signing keys' address, which change rarely.
DISCOVERY_TTL_SECONDS = 3600
_discovery: dict[str, tuple[float, dict]] = {}
_discovery_lock = threading.Lock()


def discovery() -> dict:
    url = settings.OIDC_DISCOVERY_URL
    with _discovery_lock:
        cached = _discovery.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    document = response.json()
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        if not document.get(key):
            raise requests.RequestException(f"The discovery document at {url} has no {key}.")
    with _discovery_lock:
        _discovery[url] = (time.monotonic() + DISCOVERY_TTL_SECONDS, document)
    return document


def forget_discovery() -> None:
    with _discovery_lock:
        _discovery.clear()


def is_enabled() -> bool:
    return bool(settings.OIDC_ENABLED)


class OidcBackend(OIDCAuthenticationBackend):
    """Signs in only from the SSO callback (which passes the nonce); a password sign-in
    never reaches the provider."""

    def __init__(self, *args, **kwargs):
        # Django makes a backend for every authenticate() and every session's user:
        # no settings check or network here, unlike the parent.
        self.UserModel = get_user_model()

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return discovery()["token_endpoint"]

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return discovery()["userinfo_endpoint"]

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return discovery()["jwks_uri"]

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return settings.OIDC_RP_SIGN_ALGO

    def authenticate(self, request, **kwargs):
        if not is_enabled() or request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # The library checks the signature, expiry and nonce, not who issued the
        # token or for whom: a token another client of the same provider obtained
        # must not sign anyone in here.
        if payload.get("iss") != discovery()["issuer"]:
            raise SuspiciousOperation("The ID token was issued by someone else.")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is meant for another client.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            # OpenID Connect Core 5.3.2: userinfo about someone else is not to be used.
            raise SuspiciousOperation("The userinfo answer is about another subject.")
        try:
            return identity.sign_in_with_sso(
                issuer=discovery()["issuer"],
                claims=claims,
                now=timezone.now(),
                create_users=settings.OIDC_CREATE_USERS,
                groups_claim=settings.OIDC_GROUPS_CLAIM,
                recruiter_groups=settings.OIDC_RECRUITER_GROUPS,
            )
        except identity.SsoRefused as refusal:
            # The callback view shows the reason.
            self.request.sso_refusal = refusal
            return None


def ignore_sso_in_lockout(request, credentials: dict | None) -> bool:
    """django-axes' whitelist: an SSO callback is no password guess, so it is neither
    counted nor refused by the password lock-out (the provider guards its own sign-in)."""
    return bool(credentials) and "nonce" in credentials
