"""Signing in: password lock-out (django-axes), single sign-on (OpenID Connect),
password reset and change. The writes (linking an SSO identity, making an
account) are in hiring/services/identity.py; this package holds the edges."""
