"""A course's team (instructors and assistants beside its owner) in the one access
rule: they see its contents in every door, at once, and lose them at once."""

import pytest
from django.contrib.auth.models import Permission

from classroom.access import (
    can_view_contents,
    is_course_staff,
    may_edit_course,
    role_in,
)
from classroom.models import CourseMember
from classroom.team import TEAM_GROUP
from demo.factories import CoursePageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assistant(course):
    user = UserFactory(username="assistant")
    CourseMember.objects.create(course=course, user=user, role=CourseMember.ASSISTANT)
    return user


@pytest.fixture
def co_instructor(course):
    user = UserFactory(username="co-instructor")
    CourseMember.objects.create(course=course, user=user, role=CourseMember.INSTRUCTOR)
    return user


def test_roles_and_what_each_may_do(
    course, instructor, assistant, co_instructor, student
):
    assert role_in(instructor, course) == "owner"
    assert role_in(co_instructor, course) == "instructor"
    assert role_in(assistant, course) == "assistant"
    assert role_in(student, course) is None
    assert [
        is_course_staff(u, course) for u in (co_instructor, assistant, student)
    ] == [
        True,
        True,
        False,
    ]
    assert [may_edit_course(u, course) for u in (co_instructor, assistant)] == [
        True,
        False,
    ]


def test_the_team_reads_the_contents_even_unpublished(client, course, assistant):
    module = course.modules().first()
    client.force_login(assistant)
    assert client.get(module.url).status_code == 200
    course.unpublish()
    course.refresh_from_db()
    assert can_view_contents(assistant, course)


def test_a_member_taken_off_the_team_loses_the_contents_at_once(
    client, course, assistant
):
    module = course.modules().first()
    client.force_login(assistant)
    assert client.get(module.url).status_code == 200  # cached: may read
    CourseMember.objects.filter(user=assistant).delete()
    response = client.get(module.url)
    assert response.status_code == 302 and response.url == course.url
    assert not can_view_contents(assistant, course)


def test_one_courses_team_sees_nothing_of_another(course, assistant):
    other = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    assert not can_view_contents(assistant, other)
    assert role_in(assistant, other) is None


def test_an_assistant_grades_the_course(client, course, assistant):
    client.force_login(assistant)
    assistant.user_permissions.add(Permission.objects.get(codename="access_admin"))
    index = client.get("/admin/grades/")
    assert index.status_code == 200 and "Algebra" in index.text
    assert client.get(f"/admin/grades/{course.pk}/").status_code == 200


def test_a_membership_made_anywhere_opens_the_admin_and_its_end_closes_it(course):
    member = UserFactory(username="made-in-the-shell")
    membership = CourseMember.objects.create(
        course=course, user=member, role=CourseMember.ASSISTANT
    )
    assert member.groups.filter(name=TEAM_GROUP).exists()
    assert member.has_perm("wagtailadmin.access_admin")
    membership.delete()
    member = type(member).objects.get(pk=member.pk)
    assert not member.groups.filter(name=TEAM_GROUP).exists()
