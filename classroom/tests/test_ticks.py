# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A tick on each module a student has done, in the module sidebar and the course
outline: filled for each request into the pages' shared shells and fragments
(classroom/decorations.py, sitecache/decorations.py)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from classroom.models import Enrollment
from demo.factories import UserFactory
from sitecache import shells

TICK = '<span class="module-done-tick">'


@pytest.fixture
def modules(course):
    return list(course.modules())


@pytest.fixture
def shells_rendered(monkeypatch):
    rendered = []
    render_shell = shells.render_shell

    def spy(response):
        rendered.append(response.context_data["page"].pk)
        return render_shell(response)

    monkeypatch.setattr(shells, "render_shell", spy)
    return rendered


def login(user):
    client = Client()
    client.force_login(user)
    return client


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def ticked(html, modules):
    """The titles of the modules whose link (sidebar or outline) carries a tick."""
    found = {m.title for m in modules if re.search(rf">{m.title}{TICK}", html)}
    assert html.count(TICK) == len(found)  # no tick anywhere else
    return found


def mark(client, module, done=True):
    response = client.post(
        reverse("student_module_done"),
        {"module_id": module.pk, "done": "true" if done else "false"},
    )
    assert response.status_code == 302


def test_each_student_sees_their_own_ticks_from_the_shared_pages(
    course, modules, enrolled, shells_rendered, django_assert_num_queries
):
    first, second = modules
    other = UserFactory(username="another-student")
    Enrollment.objects.create(student=other, course=course)
    ann, bob = login(enrolled), login(other)
    mark(ann, first)

    for url in (second.url, course.url):
        assert ticked(html_of(ann, url), modules) == {first.title}
        assert ticked(html_of(bob, url), modules) == set()
    # One shell of each page served both (their ticks are filled per request).
    assert shells_rendered == [second.pk, course.pk]

    # A warm module page still costs no query.
    with django_assert_num_queries(0):
        html = html_of(ann, second.url)
    assert ticked(html, modules) == {first.title}
    assert "(done)" in html  # what a screen reader reads

    # The next mark shows on the next request, from the same shells.
    mark(ann, second)
    for url in (second.url, course.url):
        assert ticked(html_of(ann, url), modules) == {first.title, second.title}
        assert ticked(html_of(bob, url), modules) == set()
    mark(ann, first, done=False)
    assert ticked(html_of(ann, first.url), modules) == {second.title}
    assert shells_rendered == [second.pk, course.pk, first.pk]


def test_visitors_and_students_not_enrolled_see_no_tick(
    course, modules, student, outsider
):
    Enrollment.objects.create(student=student, course=course)
    ann = login(student)
    mark(ann, modules[0])
    # Leaving keeps the completion; the outline then names modules without links.
    ann.post(reverse("student_leave_course"), {"course_id": course.pk})
    for client in (ann, login(outsider), Client()):
        html = html_of(client, course.url)
        assert ticked(html, modules) == set()
        assert "<!--deco:" not in html
