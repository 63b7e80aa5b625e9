import os

import pytest

from tests.factories import World, make_recruiter


def pytest_configure(config):
    # In CI every service the suite needs must be there; nothing skips quietly.
    if os.environ.get("CI") and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("CI must run the tests against PostgreSQL: set DATABASE_URL.")


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def recruiter(db):
    return make_recruiter()


# --- API (issue 5) ----------------------------------------------------------------


@pytest.fixture
def api_rate(settings):
    """API throttling loose enough that no test but the throttling one meets it."""
    settings.HIRING_API_RATE = "100000/min"
    settings.HIRING_API_ANON_RATE = "100000/min"
    return settings


@pytest.fixture
def token_for(db, api_rate):
    """token_for(user, scopes=...) -> an APIClient sending that user's fresh API token."""
    from rest_framework.test import APIClient

    from hiring import services
    from hiring.services import API_SCOPES

    def make(user, scopes=tuple(API_SCOPES)):
        _, raw = services.create_api_token(user=user, name=f"test token for {user}", scopes=scopes, by=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.raw_key = raw
        return client

    return make
