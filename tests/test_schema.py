"""The OpenAPI schema: valid, warning-free, served with its docs from this app
(no CDN), and true to what the API answers, which schemathesis checks against
the live server with generated requests (NUL bytes and odd Unicode included)."""

from __future__ import annotations

import io

import pytest
import schemathesis
import yaml
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hiring import services
from tests.factories import CandidateFactory


def test_the_schema_generates_and_validates_without_a_single_warning(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/loops/{id}/decision/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_every_operation_documents_the_errors_it_can_answer(db):
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "429"} <= codes, (method, path)
            if method == "post":
                assert {"400", "409"} <= codes, (method, path)


def test_the_docs_are_served_from_this_app_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert client.get("/api/schema/").status_code == 200


# --- schemathesis against the live server --------------------------------------------------
# Every operation gets generated requests, valid ones and invalid ones (NUL bytes
# and any Unicode included: schemathesis allows both by default), as a superuser
# so that every operation is reachable. Bounded, so the run takes about a minute.

EXAMPLES_PER_OPERATION = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def superuser_key(transactional_db, api_rate):
    """A superuser's token (every scope), and some data for the generated ids to find."""
    from django.contrib.auth.models import User

    from tests.factories import World

    world = World()
    world.scheduled_loop()
    world.awaiting_decision_loop()
    services.start_loop(candidate=CandidateFactory(), position=world.position, by=world.recruiter)
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    _, raw = services.create_api_token(user=admin, name="schemathesis", scopes=services.API_SCOPES, by=None)
    return raw


def _fuzz(operation, mode: GenerationMode, headers: dict) -> None:
    # Valid requests must satisfy every check; an invalid one need only be
    # refused properly (a documented 4xx, never a 5xx).
    checks = CHECKS if mode == GenerationMode.POSITIVE else [not_a_server_error, status_code_conformance]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=checks)

    run()


def test_the_live_api_never_answers_5xx_and_matches_its_schema(live_server, superuser_key):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    headers = {"Authorization": f"Bearer {superuser_key}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, headers)
            except Exception as exc:  # collect every operation's failure, then report them all
                failures.append(f"{operation.label} [{mode}]: {exc}"[:3000])
    assert operations >= 25
    assert not failures, "\n\n".join(failures)
