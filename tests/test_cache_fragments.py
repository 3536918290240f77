# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""The catalogue's pages are built from cached fragments on the second request."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from classroom.models import Enrollment


def queries_and_text(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.text


def assert_served_from_cache(client, url):
    first, first_text = queries_and_text(client, url)
    second, second_text = queries_and_text(client, url)
    assert second < first, f"{url}: {first} then {second} queries"
    assert second_text == first_text


def test_catalogue_comes_from_the_cache(client, course):
    assert_served_from_cache(client, "/courses/")


def test_subject_page_comes_from_the_cache(client, course):
    assert_served_from_cache(client, course.get_parent().url)


def test_home_page_comes_from_the_cache(client, course):
    assert_served_from_cache(client, "/")


def test_course_page_comes_from_the_cache(client, course):
    assert_served_from_cache(client, course.url)


def test_course_page_comes_from_the_cache_for_a_student(client, course, student):
    Enrollment.objects.create(student=student, course=course)
    client.force_login(student)
    first, _ = queries_and_text(client, course.url)
    second, text = queries_and_text(client, course.url)
    assert second < first
    # The per-user part is still rendered for this user.
    assert "Leave this course" in text or "Continue" in text


def test_a_renamed_module_shows_on_the_cached_course_page(client, course):
    client.get(course.url)
    module = course.get_children().live().first().specific
    module.title = "Solving equations"
    module.save_revision().publish()
    assert "Solving equations" in client.get(course.url).text
