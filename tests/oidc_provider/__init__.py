"""A real OpenID Connect provider for tests/test_oidc.py: django-oauth-toolkit's,
in a Django project of its own, run as a separate process on 127.0.0.1 with its
own SQLite database. Nothing of it is installed in the product's settings."""
