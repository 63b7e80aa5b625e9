"""API tokens: `Authorization: Bearer hl_...`.

Only the SHA-256 of a key is stored, so a stolen database does not yield usable
keys; a key is found by its hash (a unique index), so checking one costs one
indexed query whatever the number of tokens.

Guessing is limited like password sign-in (django-axes, config/settings.py AUTH_*):
each unknown key counts against the caller's address, and an address over the
limit is refused (429) without its key being looked up, until the cool-off.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from hiring import services
from hiring.middleware import activate_user_language
from hiring.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the key as: Authorization: Bearer <key>."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        self._refuse_if_locked_out(request._request)
        # The user's profile comes in the same query: its UI language applies below.
        token = (
            ApiToken.objects.select_related("user", "user__interviewer")
            .filter(key_hash=services.hash_api_key(raw))
            .first()
        )
        if token is None:
            self._count_failure(request._request)
        now = timezone.now()
        # One message for every way a key can fail, so a caller learns nothing
        # about which keys exist.
        if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        services.note_api_token_use(token=token, now=now)
        # Authentication runs after the middleware: the token user's own UI language
        # applies from here on (their API messages follow it, else Accept-Language).
        activate_user_language(request._request, token.user)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

    @staticmethod
    def _credentials() -> dict:
        # A token has no account name: failures count per address only (hiring/auth/lockout.py).
        # The name is given as None, or axes would read one from the request body.
        return {settings.AXES_USERNAME_FORM_FIELD: None}

    def _refuse_if_locked_out(self, django_request) -> None:
        if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(django_request, self._credentials()):
            minutes = settings.AUTH_COOLOFF_MINUTES
            raise exceptions.Throttled(
                wait=minutes * 60,
                detail=_("Too many invalid API keys from this address; try again in %(minutes)d minutes.")
                % {"minutes": minutes},
            )

    def _count_failure(self, django_request) -> None:
        # Only an unknown key is a guess: a revoked or expired one was once issued
        # to the caller. django-axes records it as a failed sign-in from this address.
        user_login_failed.send(sender=type(self), credentials=self._credentials(), request=django_request)
        # Axes flags the request for its middleware's HTML lock-out page; the API
        # answers in JSON (this failure's 401 now, a 429 from the next try).
        django_request.axes_locked_out = False


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
