"""The OpenAPI schema at /api/schema/ describes what the API really answers.

schemathesis generates requests for every operation of the schema and checks the
answers: never a 5xx, only documented status codes and content types, and bodies
that match the schema. Each operation runs twice per example: with the generated
(mostly unknown) ids, then with the ids of a real course and module.
"""

import base64

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PASSWORD = "pass-word-123"  # noqa: S105 - UserFactory's test password


def load_schema():
    """The schema as the running app serves it (no database needed to build it)."""
    from educa.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = load_schema()


@pytest.fixture
def test_transaction_survives_wsgi_calls():
    """Keep Django from closing the test's connection at each WSGI request.

    Django's test client does the same: without it the request-finished signal
    closes the PostgreSQL connection that holds the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def student_enrolled(course, student, test_transaction_survives_wsgi_calls):
    from classroom.models import Enrollment

    Enrollment.objects.create(student=student, course=course)
    return student


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, course, student_enrolled):
    credentials = base64.b64encode(f"student:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {credentials}"}

    case.call_and_validate(headers=headers, checks=CHECKS)

    if case.path_parameters:
        module = course.modules().first()
        case.path_parameters = {
            **case.path_parameters,
            **{"id": course.pk, "module_pk": module.pk},
        }
        case.path_parameters = {
            name: value
            for name, value in case.path_parameters.items()
            if "{" + name + "}" in case.path
        }
        case.call_and_validate(headers=headers, checks=CHECKS)


def test_schema_describes_every_endpoint(client, db):
    response = client.get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/",
        "/api/courses/",
        "/api/courses/{id}/",
        "/api/courses/{id}/contents/",
        "/api/courses/{id}/enroll/",
        "/api/courses/{id}/modules/{module_pk}/done/",
        "/api/me/courses/",
        "/api/subjects/",
        "/api/subjects/{id}/",
        "/api/token/",
    }
    assert {"basicAuth", "cookieAuth", "tokenAuth"} <= set(
        document["components"]["securitySchemes"]
    )


def test_swagger_ui_is_served_from_our_static_files(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    )
    assert "cdn" not in html.lower()
