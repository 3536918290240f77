# ruff: noqa: S101, S105 - pytest asserts, a test password (pyproject ignores them only under */tests/*)
"""A course's owner adds an assistant on the course's Team screen; the assistant
then sees the course's students in the admin but may not edit the course.

Drives Debian's Chromium against pytest-django's live server (every page is
audited with axe-core, see tests/browser/accessibility.py).
"""

import re

import pytest
from playwright.sync_api import expect

from classroom.models import CourseMember, Enrollment
from demo.factories import (
    CoursePageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    UserFactory,
)
from learning.permissions import setup_instructors_group
from tests.browser.sessions import log_in_to_admin

PASSWORD = "a-long-demo-password"

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: the live server needs a committed database, and the
    # data migrations' rows (root page, collections, groups) come back afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def setup(catalog):
    subject = SubjectPageFactory(parent=catalog, title="Mathematics")
    owner = UserFactory(username="irene", password=PASSWORD)
    owner.groups.add(setup_instructors_group())
    course = CoursePageFactory(parent=subject, title="Algebra", owner=owner)
    ModulePageFactory(parent=course, title="Equations")
    student = UserFactory(username="sam-student", password=PASSWORD)
    Enrollment.objects.create(student=student, course=course)
    UserFactory(username="alex", email="alex@example.com", password=PASSWORD)
    return course


def test_owner_adds_an_assistant_who_sees_the_students_but_cannot_edit(
    page, browser, live_server, setup
):
    course = setup
    base = live_server.url

    # The owner opens the course's team from the admin menu's "Course teams".
    log_in_to_admin(page, base, "irene", PASSWORD)
    page.get_by_role("link", name="Course teams").click()
    page.wait_for_url(f"{base}/admin/teams/")
    page.get_by_role("link", name=re.compile(r"^Algebra\b")).click()
    page.wait_for_url(f"{base}/admin/teams/{course.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Team")
    expect(page.get_by_text("Nobody else is on the team yet.")).to_be_visible()

    # An unknown name is refused with the reason, next to the field.
    add_form = page.locator("form.team-add-form")
    add_form.get_by_label(re.compile("Username or email")).fill("nobody-like-that")
    page.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_text("No user has that username or email.")).to_be_visible()

    add_form.get_by_label(re.compile("Username or email")).fill("alex")
    add_form.get_by_label(re.compile("Role")).select_option("assistant")
    page.get_by_role("button", name="Add to the team").click()
    page.wait_for_url(f"{base}/admin/teams/{course.pk}/")
    expect(page.get_by_text("alex joined the team as assistant.")).to_be_visible()
    row = page.locator("tr.team-member", has_text="alex")
    expect(row.get_by_label("Role of alex")).to_have_value("assistant")
    assert CourseMember.objects.get(user__username="alex").role == "assistant"

    # The assistant, in a browser of their own, reaches the admin and the students.
    assistant = browser.new_context().new_page()
    assistant.set_default_timeout(15000)
    log_in_to_admin(assistant, base, "alex", PASSWORD)
    assistant.get_by_role("link", name="Students", exact=True).click()
    assistant.wait_for_url(re.compile(r"/admin/students/"))
    students = assistant.locator("table.listing tbody")
    expect(students).to_contain_text("sam-student")
    expect(students).to_contain_text("Algebra")

    # They may look at the team, not change it.
    assistant.goto(f"{base}/admin/teams/{course.pk}/")
    expect(
        assistant.get_by_text("Only the course's owner and administrators")
    ).to_be_visible()
    expect(assistant.get_by_role("button", name="Add to the team")).to_have_count(0)

    # And they get no edit for the course page: a plain 403.
    response = assistant.goto(f"{base}/admin/pages/{course.pk}/edit/")
    assert response.status == 403
    assistant.context.close()
