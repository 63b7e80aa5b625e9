"""API tokens: `Authorization: Bearer hl_...`.

Only the SHA-256 of a key is stored, so a stolen database does not yield usable
keys; a key is found by its hash (a unique index), so checking one costs one
indexed query whatever the number of tokens.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from hiring import services
from hiring.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the key as: Authorization: Bearer <key>.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        token = ApiToken.objects.select_related("user").filter(key_hash=services.hash_api_key(raw)).first()
        now = timezone.now()
        # One message for every way a key can fail, so a caller learns nothing
        # about which keys exist.
        if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked API key.")
        services.note_api_token_use(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hiring.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created in the admin (shown once). Scopes: "
            + "; ".join(f"`{name}`: {text}" for name, text in services.API_SCOPES.items()),
        }
