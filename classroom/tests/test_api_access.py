"""The DRF API's writes and protected reads: auth, enrollment, contents, progress."""

import pytest
import wagtail_factories
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle
from wagtail.rich_text import RichText

from classroom.models import Enrollment, ModuleCompletion
from classroom.tests.auth import PASSWORD, basic
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory


@pytest.fixture
def modules(course):
    return list(course.modules())


# Enrollment with each way of authenticating


def test_enroll_with_basic_auth(api, course, student):
    response = api.post(f"/api/courses/{course.pk}/enroll/", **basic("student"))

    assert response.status_code == 200
    assert response.json() == {"enrolled": True}
    assert Enrollment.objects.filter(student=student, course=course).exists()


def test_enroll_is_idempotent(api, course, student):
    for _ in range(2):
        response = api.post(f"/api/courses/{course.pk}/enroll/", **basic("student"))
        assert response.json() == {"enrolled": True}

    assert Enrollment.objects.filter(student=student, course=course).count() == 1


def test_enroll_with_a_token(api, course, student):
    response = api.post(
        "/api/token/", {"username": "student", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=student).key

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.post(f"/api/courses/{course.pk}/enroll/")

    assert response.status_code == 200
    assert Enrollment.objects.filter(student=student, course=course).exists()


def test_the_same_token_comes_back(api, student):
    tokens = {
        api.post("/api/token/", {"username": "student", "password": PASSWORD}).json()[
            "token"
        ]
        for _ in range(2)
    }

    assert len(tokens) == 1


def test_enroll_with_a_session_needs_the_csrf_token(course, student):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(student)
    url = f"/api/courses/{course.pk}/enroll/"

    refused = api.post(url)

    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF Failed")
    assert not Enrollment.objects.exists()

    secret = _get_new_csrf_string()
    api.cookies["csrftoken"] = secret
    accepted = api.post(url, HTTP_X_CSRFTOKEN=secret)

    assert accepted.status_code == 200
    assert accepted.json() == {"enrolled": True}
    assert Enrollment.objects.filter(student=student, course=course).exists()


def test_a_write_without_credentials_is_challenged(api, course):
    response = api.post(f"/api/courses/{course.pk}/enroll/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="api"'
    assert response.json() == {
        "detail": "Authentication credentials were not provided."
    }
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        basic("student", "wrong-password"),
        basic("nobody"),
        {"HTTP_AUTHORIZATION": "Basic not-base64!"},
        {"HTTP_AUTHORIZATION": "Token not-a-token"},
    ],
)
def test_bad_credentials_are_401(api, course, student, header):
    response = api.post(f"/api/courses/{course.pk}/enroll/", **header)

    assert response.status_code == 401
    assert response.json()["detail"]
    assert not Enrollment.objects.exists()


def test_enroll_in_an_unknown_or_draft_course_is_404(api, course, student):
    draft = CoursePageFactory(parent=course.get_parent(), live=False)

    for pk in (draft.pk, 999999):
        response = api.post(f"/api/courses/{pk}/enroll/", **basic("student"))
        assert response.status_code == 404
        assert response.json()["detail"]
    assert not Enrollment.objects.exists()


# Tokens and bad request bodies


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"username": "student", "password": "wrong"}', "application/json"),
        ('{"username": "student"}', "application/json"),
        ('{"username": ["student"], "password": {"x": 1}}', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('{"username": "student", "password": ', "application/json"),
        ("username=student", "application/x-www-form-urlencoded"),
    ],
)
def test_bad_token_requests_are_400_with_a_message(api, student, body, content_type):
    response = api.generic("POST", "/api/token/", body, content_type=content_type)

    assert response.status_code == 400
    assert response.json()
    assert not Token.objects.exists()


def test_token_refuses_an_unknown_content_type(api, student):
    response = api.generic("POST", "/api/token/", "<xml/>", content_type="text/xml")

    assert response.status_code == 415
    assert response.json()["detail"]


def test_anonymous_reads_are_throttled(api, course, student, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)

    statuses = [api.get("/api/courses/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    response = api.get("/api/courses/")
    assert response.json()["detail"].startswith("Request was throttled")
    # Signed-in callers are not throttled as anonymous.
    assert api.get("/api/courses/", **basic("student")).status_code == 200


# Contents: the access table of the README


@pytest.fixture
def users(db, instructor, student):
    return {
        "student": student,
        "owner": instructor,
        "other instructor": UserFactory(username="instructor2"),
        "superuser": UserFactory(username="admin", is_superuser=True, is_staff=True),
    }


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", False),
        ("student", False),
        ("enrolled student", True),
        ("owner", True),
        ("other instructor", False),
        ("superuser", True),
    ],
)
def test_contents_follow_the_access_table(api, course, users, who, allowed):
    if who == "enrolled student":
        Enrollment.objects.create(student=users["student"], course=course)
        who = "student"
    headers = {} if who == "anonymous" else basic(users[who].username)

    response = api.get(f"/api/courses/{course.pk}/contents/", **headers)

    if allowed:
        assert response.status_code == 200
        assert [m["title"] for m in response.json()["modules"]] == [
            "Equations",
            "Inequalities",
        ]
    else:
        assert response.status_code == 403
        assert response.json() == {
            "detail": "You may see this course's contents only once you are "
            "enrolled in it."
        }


def test_contents_of_a_draft_course_are_404_even_for_its_owner(api, course):
    draft = CoursePageFactory(parent=course.get_parent(), live=False)

    response = api.get(f"/api/courses/{draft.pk}/contents/", **basic("instructor"))

    assert response.status_code == 404


@pytest.fixture
def lesson(modules):
    """The first module with a text block and an image block."""
    module = modules[0]
    image = wagtail_factories.ImageFactory(title="A graph")
    module.body = [
        ("text", RichText("<p>Solve <b>x + 1 = 2</b>.</p>")),
        ("image", {"image": image, "caption": "The line y = x"}),
    ]
    module.save_revision().publish()
    return module


def test_contents_give_each_block_rendered_as_the_site_does(
    api, course, enrolled, lesson
):
    response = api.get(f"/api/courses/{course.pk}/contents/", **basic("student"))

    assert response.status_code == 200
    data = response.json()
    assert list(data) == [
        "id",
        "subject",
        "title",
        "slug",
        "overview",
        "created",
        "owner",
        "modules",
    ]
    first, second = data["modules"]
    assert list(first) == ["id", "order", "title", "description", "contents"]
    assert (first["id"], first["order"], first["title"]) == (lesson.pk, 0, "Equations")
    assert second["contents"] == []
    text, image = first["contents"]
    assert list(text) == ["order", "item", "type", "value"]
    assert (text["order"], text["type"]) == (0, "text")
    assert "<b>x + 1 = 2</b>" in text["item"]
    assert text["value"] == "<p>Solve <b>x + 1 = 2</b>.</p>"
    assert (image["order"], image["type"]) == (1, "image")
    assert "<figcaption>The line y = x</figcaption>" in image["item"]
    assert image["value"]["caption"] == "The line y = x"
    assert image["value"]["image"]["title"] == "A graph"

    # The same HTML the module page shows to this student.
    site = Client()
    site.force_login(enrolled)
    page = site.get(lesson.get_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert text["item"] in html
    assert image["item"] in html


# My courses and progress


def test_my_courses_need_credentials(api):
    response = api.get("/api/me/courses/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def test_my_courses_list_enrollments_with_progress(api, course, enrolled, modules):
    other = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    Enrollment.objects.create(student=enrolled, course=other)
    ModuleCompletion.objects.create(student=enrolled, module=modules[0], course=course)
    CoursePageFactory(parent=course.get_parent(), title="Not mine")

    response = api.get("/api/me/courses/", **basic("student"))

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    newest, oldest = data["results"]
    assert newest["course"] == {"id": other.pk, "title": "Geometry", "slug": "geometry"}
    assert newest["progress"] == {"done": 0, "total": 0, "percent": 0}
    assert oldest["course"] == {"id": course.pk, "title": "Algebra", "slug": "algebra"}
    assert oldest["progress"] == {"done": 1, "total": 2, "percent": 50}
    assert list(oldest) == ["course", "enrolled", "progress"]


def test_mark_a_module_done(api, course, enrolled, modules):
    url = f"/api/courses/{course.pk}/modules/{modules[1].pk}/done/"

    for _ in range(2):  # idempotent
        response = api.post(url, **basic("student"))
        assert response.status_code == 200
        assert response.json() == {
            "done": True,
            "progress": {"done": 1, "total": 2, "percent": 50},
        }

    assert ModuleCompletion.objects.filter(student=enrolled).count() == 1


def test_marking_done_needs_access_to_the_course(api, course, student, modules):
    url = f"/api/courses/{course.pk}/modules/{modules[0].pk}/done/"

    assert api.post(url).status_code == 401
    response = api.post(url, **basic("student"))
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not ModuleCompletion.objects.exists()


def test_marking_a_module_of_another_course_done_is_404(api, course, enrolled):
    other = CoursePageFactory(parent=course.get_parent())
    elsewhere = ModulePageFactory(parent=other)
    draft = ModulePageFactory(parent=course, live=False)

    for module in (elsewhere, draft):
        url = f"/api/courses/{course.pk}/modules/{module.pk}/done/"
        response = api.post(url, **basic("student"))
        assert response.status_code == 404
        assert response.json()["detail"]
    assert not ModuleCompletion.objects.exists()


def test_the_books_client_calls_work(api, course, student):
    """The calls of the book's API client, in its order, against our API."""
    base_url = "/api/"

    subjects = api.get(f"{base_url}subjects/").json()["results"]
    courses = api.get(f"{base_url}courses/").json()["results"]
    assert [s["title"] for s in subjects] == ["Mathematics"]
    assert [c["title"] for c in courses] == ["Algebra"]

    for item in courses:
        response = api.post(
            f"{base_url}courses/{item['id']}/enroll/", **basic("student")
        )
        assert response.status_code == 200
        assert response.json() == {"enrolled": True}

    contents = api.get(f"{base_url}courses/{course.pk}/contents/", **basic("student"))
    assert contents.status_code == 200
    assert [m["title"] for m in contents.json()["modules"]] == [
        "Equations",
        "Inequalities",
    ]
