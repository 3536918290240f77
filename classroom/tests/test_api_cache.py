"""The API's cached answers: cheap when warm, never stale, never a way around access.

Every test starts with an empty cache (the root conftest), so the first request of
each test is a miss and the second a hit.
"""

import pytest
from wagtail.rich_text import RichText

from classroom.models import Enrollment
from classroom.tests.auth import basic
from demo.factories import CoursePageFactory

REFUSED = {
    "detail": "You may see this course's contents only once you are enrolled in it."
}


def get_twice(api, url, django_assert_max_num_queries, hit_queries=0, **extra):
    """The miss's answer and the hit's; the hit costs at most `hit_queries`."""
    first = api.get(url, **extra)
    with django_assert_max_num_queries(hit_queries):
        second = api.get(url, **extra)
    assert second.status_code == first.status_code
    assert second.json() == first.json()
    # Answered from the stored rendering, as DRF rendered it, with DRF's headers.
    assert second.content == first.content
    for header in ("Content-Type", "Vary", "Allow"):
        assert second.headers.get(header) == first.headers.get(header), header
    return first


def titles(api, url="/api/courses/"):
    return [course["title"] for course in api.get(url).json()["results"]]


# The public catalogue


@pytest.mark.parametrize(
    "url",
    ["/api/courses/", "/api/subjects/", "/api/courses/?search=algebra&page_size=5"],
)
def test_a_warm_list_costs_no_query(api, course, url, django_assert_max_num_queries):
    response = get_twice(api, url, django_assert_max_num_queries)

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_warm_course_costs_no_query(api, course, django_assert_max_num_queries):
    response = get_twice(
        api, f"/api/courses/{course.pk}/", django_assert_max_num_queries
    )

    assert response.json()["title"] == "Algebra"


def test_query_parameters_in_another_order_share_the_entry(
    api, course, django_assert_max_num_queries
):
    first = api.get("/api/courses/?page_size=5&search=algebra")

    with django_assert_max_num_queries(0):
        second = api.get("/api/courses/?search=algebra&page_size=5")

    assert second.json() == first.json()


def test_a_published_title_shows_at_once(api, course):
    assert titles(api) == ["Algebra"]

    course.title = "Linear algebra"
    course.save_revision().publish()

    assert titles(api) == ["Linear algebra"]
    assert api.get(f"/api/courses/{course.pk}/").json()["title"] == "Linear algebra"


def test_an_unpublished_course_leaves_at_once(api, course):
    assert titles(api) == ["Algebra"]
    assert api.get(f"/api/courses/{course.pk}/").status_code == 200

    course.unpublish()

    assert titles(api) == []
    assert api.get(f"/api/courses/{course.pk}/").status_code == 404


def test_an_enrollment_shows_in_popular_courses_at_once(api, course, student):
    assert titles(api, "/api/subjects/") == ["Mathematics"]
    popular = api.get("/api/subjects/").json()["results"][0]["popular_courses"]
    assert popular == ["Algebra (0 students)"]

    Enrollment.objects.create(student=student, course=course)

    popular = api.get("/api/subjects/").json()["results"][0]["popular_courses"]
    assert popular == ["Algebra (1 students)"]


def test_a_page_past_the_end_stays_a_404(api, course):
    for _ in range(2):
        response = api.get("/api/courses/", {"page": 99})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid page."}


@pytest.fixture
def eleven_courses(course):
    subject = course.get_parent()
    return [course] + [CoursePageFactory(parent=subject) for _ in range(10)]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "testserver"])
def test_each_host_gets_its_own_links(api, eleven_courses, settings, host):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
    for other in ("localhost", "127.0.0.1", "testserver"):
        api.get("/api/courses/", HTTP_HOST=other)  # warm every host's entry

    for secure, scheme in ((False, "http"), (True, "https")):
        response = api.get("/api/courses/", HTTP_HOST=host, secure=secure)
        assert response.json()["next"] == f"{scheme}://{host}/api/courses/?page=2"


def test_links_keep_the_parameters_the_lists_do_not_read(api, eleven_courses):
    assert api.get("/api/courses/").json()["next"].endswith("/api/courses/?page=2")

    response = api.get("/api/courses/", {"utm": "mail"})

    assert response.json()["next"].endswith("/api/courses/?page=2&utm=mail")
    assert api.get("/api/courses/").json()["next"].endswith("/api/courses/?page=2")


def test_the_browsable_api_keeps_its_page_controls(api, eleven_courses):
    api.get("/api/courses/")  # the JSON answer is cached

    response = api.get("/api/courses/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert 'class="pagination' in response.content.decode()


# Contents


@pytest.fixture
def contents_url(course):
    return f"/api/courses/{course.pk}/contents/"


def test_warm_contents_cost_the_session_user_and_the_access_rule(
    client, contents_url, enrolled, django_assert_max_num_queries
):
    client.force_login(enrolled)

    response = get_twice(
        client, contents_url, django_assert_max_num_queries, hit_queries=2
    )

    assert response.status_code == 200
    assert [m["title"] for m in response.json()["modules"]] == [
        "Equations",
        "Inequalities",
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 403),
        ("outsider", 403),
        ("other-instructor", 403),
        ("instructor", 200),
        ("admin", 200),
    ],
)
def test_warm_contents_still_follow_the_access_table(
    api, contents_url, enrolled, outsider, other_instructor, superuser, who, status
):
    assert api.get(contents_url, **basic("student")).status_code == 200  # warm
    headers = {} if who == "anonymous" else basic(who)

    response = api.get(contents_url, **headers)

    assert response.status_code == status
    if status == 403:
        assert response.json() == REFUSED


def test_warm_contents_of_an_unpublished_course_are_404(
    api, course, contents_url, enrolled
):
    assert api.get(contents_url, **basic("student")).status_code == 200

    course.unpublish()

    assert api.get(contents_url, **basic("student")).status_code == 404


def test_a_published_module_edit_shows_in_warm_contents(
    api, course, contents_url, enrolled
):
    def first_block():
        response = api.get(contents_url, **basic("student"))
        return response.json()["modules"][0]["contents"]

    assert first_block() == []
    module = course.get_children().first().specific
    module.body = [("text", RichText("<p>Solve x + 1 = 2.</p>"))]
    module.save_revision().publish()

    (block,) = first_block()
    assert block["value"] == "<p>Solve x + 1 = 2.</p>"


def test_each_media_type_gets_its_own_rendering(api, course):
    compact = api.get("/api/courses/").content
    indented = api.get("/api/courses/", HTTP_ACCEPT="application/json; indent=4")
    assert b'\n    "count"' in indented.content
    assert api.get("/api/courses/").content == compact  # a hit, still compact
    assert b"\n" not in compact
