"""The sign-in pages: single sign-on start and callback, the lock-out page, and
Django's own password reset and change views in the site's look."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from hiring.auth import lockout, oidc
from hiring.services import identity

logger = logging.getLogger(__name__)

SSO_FAILURES = {
    "state": _(
        "This sign-in link is not the one this browser started, or it was already used. "
        "Start again from the sign-in page."
    ),
    "provider": _(
        "The sign-in service refused the sign-in: its code had expired or was already used, or the service "
        "could not be reached. Start again from the sign-in page."
    ),
    "cancelled": _("The sign-in was cancelled at the sign-in service."),
    "failed": _("The sign-in could not be completed. Start again from the sign-in page."),
}


def sso_failed(request: HttpRequest, *, reason: str, message, status: int) -> HttpResponse:
    context = {"reason": reason, "message": message, "provider_name": settings.OIDC_PROVIDER_NAME}
    return render(request, "hiring/auth/sso_failed.html", context, status=status)


class SsoStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with state, nonce and PKCE kept in the session."""

    def __init__(self, *args, **kwargs):
        # The parent reads the endpoints at construction; here they come from
        # discovery, and only once the request is known to be for SSO.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not oidc.is_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.discovery()["authorization_endpoint"]
        except (requests.RequestException, ValueError):
            logger.exception("The OpenID Connect discovery document could not be read.")
            return sso_failed(request, reason="provider", message=SSO_FAILURES["provider"], status=502)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; a refusal gets a page that says why."""

    def get(self, request):
        if not oidc.is_enabled():
            raise Http404
        if request.GET.get("error"):
            super().get(request)  # forgets the state, signs nobody in
            return sso_failed(request, reason="cancelled", message=SSO_FAILURES["cancelled"], status=403)
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("Single sign-on refused: %s", exc)
            return sso_failed(request, reason="state", message=SSO_FAILURES["state"], status=400)
        except (requests.RequestException, ValueError) as exc:
            logger.warning("Single sign-on failed at the provider: %s", exc)
            return sso_failed(request, reason="provider", message=SSO_FAILURES["provider"], status=400)

    def login_failure(self):
        refusal = getattr(self.request, "sso_refusal", None)
        if refusal is not None:
            return sso_failed(self.request, reason=refusal.code, message=refusal.message, status=403)
        if "oidc_states" not in self.request.session:
            return sso_failed(self.request, reason="state", message=SSO_FAILURES["state"], status=400)
        return sso_failed(self.request, reason="failed", message=SSO_FAILURES["failed"], status=403)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once an account or address is over the limit (429, the password unchecked)."""
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": lockout.cool_off_minutes()}
    response = render(request, "hiring/auth/locked_out.html", context, status=429)
    response["Retry-After"] = str(lockout.cool_off_minutes() * 60)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "hiring/auth/password_reset_form.html"
    email_template_name = "hiring/auth/password_reset_email.txt"
    subject_template_name = "hiring/auth/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # The link points at SITE_URL, never at the Host header a requester sent.
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {"protocol": site.scheme, "domain": site.netloc}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "hiring/auth/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        identity.unlock_account(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "hiring/auth/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused form post (settings.CSRF_FAILURE_VIEW). When the page came over plain HTTP
    while the cookies are HTTPS-only (SECURE_COOKIES), the browser never kept the CSRF
    cookie: say so, instead of Django's "CSRF cookie not set", and log it for the operator."""
    from django.views.csrf import csrf_failure as django_csrf_failure

    from hiring.templatetags.hiring_auth import cookies_need_https

    if cookies_need_https(request):
        logging.getLogger("hiring.auth").warning(
            "A form post over plain HTTP was refused: SECURE_COOKIES is on, so the browser dropped the CSRF "
            "and session cookies. Serve the site over HTTPS, or set SECURE_COOKIES=false."
        )
        return render(request, "hiring/auth/csrf_insecure.html", status=403)
    return django_csrf_failure(request, reason=reason)
