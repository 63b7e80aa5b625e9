from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("hiring/auth/sso_button.html")
def sso_button(next_url: str = "") -> dict:
    """'Sign in with <provider>' on the sign-in pages, when single sign-on is configured."""
    return {"sso_enabled": settings.OIDC_ENABLED, "provider_name": settings.OIDC_PROVIDER_NAME, "next": next_url}


def cookies_need_https(request) -> bool:
    """True when this page came over plain HTTP but sign-in cookies are HTTPS-only
    (SECURE_COOKIES): the browser drops them and signing in cannot work."""
    return bool(
        request is not None
        and not request.is_secure()
        and (settings.SESSION_COOKIE_SECURE or settings.CSRF_COOKIE_SECURE)
    )


@register.inclusion_tag("hiring/auth/insecure_cookies.html", takes_context=True)
def insecure_cookie_warning(context) -> dict:
    """On the sign-in pages: say why signing in will fail, before someone tries."""
    request = context.get("request")
    warn = cookies_need_https(request)
    if warn and request.method == "POST":
        import logging

        logging.getLogger("hiring.auth").warning(
            "Sign-in over plain HTTP while SECURE_COOKIES is on: the browser drops the session cookie. "
            "Serve the site over HTTPS (behind a proxy: SECURE_PROXY_SSL_HEADER), or set SECURE_COOKIES=false."
        )
    return {"warn": warn}
