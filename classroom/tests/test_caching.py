"""Module contents are cached per revision; the per-student parts never are."""

import json

import pytest
from django.core.cache import cache

from classroom.models import Enrollment, ModuleCompletion
from demo.factories import UserFactory


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def classmate(course):
    user = UserFactory(username="classmate")
    Enrollment.objects.create(student=user, course=course)
    return user


def test_no_student_sees_another_students_progress(client, enrolled, classmate, course):
    module = course.modules().first()
    ModuleCompletion.objects.create(student=enrolled, module=module, course=course)
    client.force_login(enrolled)
    mine = client.get(module.url).content.decode()
    assert "You have done this module." in mine
    assert "1 of 2 modules done" in mine

    client.force_login(classmate)
    theirs = client.get(module.url).content.decode()
    assert "Mark as done" in theirs
    assert "You have done this module." not in theirs
    assert "0 of 2 modules done" in theirs
    assert "classmate" in theirs and ">student<" not in theirs


def test_visitor_never_gets_a_page_rendered_for_a_student(client, enrolled, course):
    client.force_login(enrolled)
    assert ">Continue</a>" in client.get(course.url).content.decode()
    module = course.modules().first()
    assert client.get(module.url).status_code == 200

    client.logout()
    page = client.get(course.url).content.decode()
    assert "Register to enroll" in page
    assert ">Continue</a>" not in page and "Leave this course" not in page
    assert client.get(module.url).status_code == 302


def test_per_user_pages_vary_on_the_session_cookie(client, enrolled, course):
    client.force_login(enrolled)
    for url in (course.url, course.modules().first().url):
        response = client.get(url)
        assert "Cookie" in response["Vary"]


def test_cached_contents_are_shared_but_the_enrollment_rule_is_not(
    client, enrolled, outsider, course
):
    module = course.modules().first()
    client.force_login(enrolled)
    client.get(module.url)  # fills the contents fragment
    client.force_login(outsider)
    response = client.get(module.url)
    assert response.status_code == 302
    assert response["Location"] == course.url


def test_publishing_a_new_revision_shows_at_once(client, enrolled, course):
    module = course.modules().first().specific
    module.body = json.dumps([{"type": "text", "value": "<p>First version</p>"}])
    module.save_revision().publish()
    client.force_login(enrolled)
    assert "First version" in client.get(module.url).content.decode()

    module.body = json.dumps([{"type": "text", "value": "<p>Second version</p>"}])
    module.save_revision().publish()
    page = client.get(module.url).content.decode()
    assert "Second version" in page and "First version" not in page
