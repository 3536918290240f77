"""The OpenAPI schema at /api/schema/ describes what the API really answers.

schemathesis generates requests for every operation of the schema and checks the
answers: never a 5xx, only documented status codes and content types, and bodies
that match the schema. Each operation runs twice per example: with the generated
(mostly unknown) ids, then with the ids of a real course and module; and each of
those as every kind of caller: anonymous, HTTP basic and `Authorization: Token`.
Examples are valid and invalid (schemathesis' negative mode) and strings may hold
NUL: enough to meet the kinds of input that once answered 500 (NUL in ?subject= on
PostgreSQL, page_size=-1 answered silently).
"""

import base64

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
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
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        allow_x00=True,
        # The callers below bring their own credentials; generated ones would make
        # "anonymous" a failed login (and, repeated, a locked-out one).
        with_security_parameters=False,
    )
    return schema


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


@pytest.fixture
def callers(student_enrolled):
    """Headers of each kind of caller: anonymous, HTTP basic, token."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=student_enrolled)
    credentials = base64.b64encode(f"student:{PASSWORD}".encode()).decode()
    return [
        {},
        {"Authorization": f"Basic {credentials}"},
        {"Authorization": f"Token {token.key}"},
    ]


def with_nul(value):
    if isinstance(value, list):
        return [with_nul(item) for item in value]
    return f"{value}\x00"


def call_as_everyone(case, callers):
    for headers in callers:
        case.call_and_validate(headers=headers, checks=CHECKS)
    if case.query:
        # A NUL in every query value: generated strings seldom hold one within a
        # few examples, and PostgreSQL refuses them (a 500 until the API checked).
        generated = case.query
        case.query = {name: with_nul(value) for name, value in generated.items()}
        case.call_and_validate(headers=callers[0], checks=CHECKS)
        case.query = generated


@schema.parametrize()
@settings(
    # About 25 s for all operations; enough for negative numbers and other invalid
    # values to reach every parameter (NUL is added to each below).
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, course, callers):
    call_as_everyone(case, callers)

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
        call_as_everyone(case, callers)


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
        "/api/courses/{id}/leave/",
        "/api/courses/{id}/modules/{module_pk}/done/",
        "/api/courses/{id}/students/",
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
