from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("hiring/auth/sso_button.html")
def sso_button(next_url: str = "") -> dict:
    """'Sign in with <provider>' on the sign-in pages, when single sign-on is configured."""
    return {"sso_enabled": settings.OIDC_ENABLED, "provider_name": settings.OIDC_PROVIDER_NAME, "next": next_url}
