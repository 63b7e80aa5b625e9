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
