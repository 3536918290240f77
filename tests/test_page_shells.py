# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Module pages for logged-in users come from one shared shell (sitecache/shells.py):
rendered once, with every user's own parts rendered for each request."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from classroom.models import Enrollment, ModuleCompletion
from demo.factories import UserFactory
from learning.models import ModulePage
from sitecache import shells

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def module(course):
    return ModulePage.objects.child_of(course).live().order_by("path").first()


@pytest.fixture
def shells_rendered(monkeypatch):
    rendered = []
    render_shell = shells.render_shell

    def spy(response):
        rendered.append(response.context_data["page"].pk)
        return render_shell(response)

    monkeypatch.setattr(shells, "render_shell", spy)
    return rendered


def page_for(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_one_shell_serves_everyone_with_their_own_parts(
    course, module, enrolled, instructor, superuser, shells_rendered
):
    other = UserFactory(username="another-student")
    Enrollment.objects.create(student=other, course=course)
    ModuleCompletion.objects.create(student=enrolled, module=module, course=course)

    pages = {
        user.username: page_for(user, module.url)
        for user in (enrolled, other, instructor, superuser)
    }
    assert shells_rendered == [module.pk]  # rendered once, for the first user

    for name, html in pages.items():
        assert f'class="username" href="/account/">{name}<' in html
        others = [other_name for other_name in pages if other_name != name]
        assert not [o for o in others if f'href="/account/">{o}<' in html], name
        assert "Equations" in html  # the shared part: the module itself
        assert "<!--peruser:" not in html  # every marker filled
    assert "You have done this module" in pages["student"]
    assert "Mark as done" in pages["another-student"]
    assert "You have done this module" not in pages["another-student"]
    assert "You teach this course" in pages["instructor"]
    assert 'href="/admin/"' in pages["instructor"]
    assert 'href="/admin/"' not in pages["student"]
    assert "wagtail-userbar" in pages["admin"]
    assert "wagtail-userbar" not in pages["student"]


def test_each_page_from_the_shell_has_a_fresh_working_csrf_token(
    module, enrolled, shells_rendered
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    first = CSRF.findall(client.get(module.url).content.decode())
    second = CSRF.findall(client.get(module.url).content.decode())
    assert shells_rendered == [module.pk]
    assert first and second
    assert set(first).isdisjoint(second)  # masked anew for each response
    response = client.post(
        reverse("student_module_done"),
        {"module_id": module.pk, "done": "true", "csrfmiddlewaretoken": second[-1]},
    )
    assert response.status_code == 302
    assert ModuleCompletion.objects.filter(student=enrolled, module=module).exists()


def test_messages_show_on_a_page_from_the_shell(course, enrolled, shells_rendered):
    client = Client()
    client.force_login(enrolled)
    modules = list(ModulePage.objects.child_of(course).live().order_by("path"))
    for module in modules:
        client.get(module.url)
    for module in modules:
        response = client.post(
            reverse("student_module_done"),
            {"module_id": module.pk, "done": "true"},
            follow=True,
        )
    html = response.content.decode()
    assert "Well done: you completed Algebra!" in html
    assert "Well done" not in client.get(modules[-1].url).content.decode()
    # Completing the course lands on the course page: its shell too.
    assert sorted(shells_rendered) == sorted([course.pk, *(m.pk for m in modules)])


def test_the_shell_follows_edits_and_group_changes(
    module, enrolled, student, shells_rendered
):
    assert "Equations" in page_for(enrolled, module.url)
    module.title = "Linear equations"
    module.save_revision().publish()
    assert "Linear equations" in page_for(enrolled, module.url)
    assert len(shells_rendered) == 2

    # Who gets the admin link is the user's own part: no new shell needed.
    student.groups.add(Group.objects.get(name="Instructors"))
    assert 'href="/admin/"' in page_for(student, module.url)


def test_students_who_may_not_see_the_module_never_get_the_shell(
    module, instructor, outsider, shells_rendered
):
    assert "Equations" in page_for(instructor, module.url)  # the shell is made
    client = Client()
    client.force_login(outsider)
    response = client.get(module.url)
    assert response.status_code == 302  # to the course, to enroll
    assert Client().get(module.url).status_code == 302  # visitors: to log in


def test_a_course_page_has_one_shell_for_readers_and_one_for_the_rest(
    course, enrolled, instructor, outsider, shells_rendered
):
    other = UserFactory(username="another-student")
    Enrollment.objects.create(student=other, course=course)
    module_link = f'href="{ModulePage.objects.child_of(course).first().url}"'

    pages = {
        user.username: page_for(user, course.url)
        for user in (enrolled, other, instructor, outsider)
    }
    assert shells_rendered == [course.pk, course.pk]  # readers' shell, then others'
    for name in ("student", "another-student", "instructor"):
        assert module_link in pages[name], name
    assert module_link not in pages["outsider"]
    assert "Leave this course" in pages["student"]
    assert "You teach this course" in pages["instructor"]
    assert "Enroll</button>" in pages["outsider"]
    for name, html in pages.items():
        assert f'class="username" href="/account/">{name}<' in html
        assert "<!--peruser:" not in html

    # Enrolling moves the outsider to the readers' shell at once.
    Enrollment.objects.create(student=outsider, course=course)
    assert module_link in page_for(outsider, course.url)


def test_a_per_user_part_inside_a_shared_fragment_is_refused():
    from django.template import Template, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="cannot be inside"):
        Template(
            '{% load shared_cache %}{% sharedcache "f" %}'
            '{% peruser "parts/account.html" %}{% endsharedcache %}'
        )
