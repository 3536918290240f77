# ruff: noqa: S101, S105 - pytest asserts, a test password (pyproject ignores them only under */tests/*)
"""An instructor logs in on the public site, lands on their teaching in the admin,
opens a course's students and one student's progress.

Drives Debian's Chromium against pytest-django's live server; every page, the
admin's included, is audited with axe-core (tests/browser/accessibility.py).
"""

import re

import pytest
from playwright.sync_api import expect

from classroom.models import Enrollment, ModuleCompletion
from demo.factories import (
    CoursePageFactory,
    ModulePageFactory,
    SubjectPageFactory,
    UserFactory,
)
from learning.permissions import setup_instructors_group

PASSWORD = "a-long-demo-password"

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def teaching(catalog):
    subject = SubjectPageFactory(parent=catalog, title="Mathematics")
    irene = UserFactory(
        username="irene", first_name="Irene", last_name="Navarro", password=PASSWORD
    )
    irene.groups.add(setup_instructors_group())
    course = CoursePageFactory(parent=subject, title="Algebra", owner=irene)
    first = ModulePageFactory(parent=course, title="Equations")
    ModulePageFactory(parent=course, title="Inequalities")
    sam = UserFactory(username="sam", first_name="Sam", last_name="Lee")
    Enrollment.objects.create(student=sam, course=course)
    ModuleCompletion.objects.create(student=sam, module=first, course=course)
    Enrollment.objects.create(student=UserFactory(username="noor"), course=course)
    return course


def test_instructor_lands_on_teaching_and_opens_a_students_progress(
    page, live_server, teaching
):
    course = teaching
    base = live_server.url

    # The public login form, with no `next`: an instructor lands on the dashboard.
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("irene")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Educa")

    panel = page.locator("#my-teaching-section")
    expect(panel.get_by_role("heading", name="My teaching")).to_be_visible()
    row = panel.locator("tr.teaching-course", has_text="Algebra")
    expect(row.locator("td.students")).to_have_text("2")
    expect(row.locator("td.completions")).to_have_text("0")
    expect(row.get_by_role("link", name="Chat room of Algebra")).to_have_attribute(
        "href", f"/chat/room/{course.pk}/"
    )

    # Students of that course, then one student's progress.
    row.get_by_role("link", name="Students of Algebra").click()
    page.wait_for_url(re.compile(rf"/admin/students/\?course={course.pk}$"))
    expect(page).to_have_title(re.compile(r"^Students"))
    page.get_by_role("link", name="sam", exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/students/{course.pk}/\d+/$"))
    expect(page).to_have_title(re.compile(r"^Sam Lee"))
    expect(page.locator("dd.progress-summary")).to_contain_text("1 of 2 modules (50%)")
    done = page.locator("tr.module-progress.done")
    expect(done).to_have_count(1)
    expect(done).to_contain_text("Equations")
    expect(page.locator("tr.module-progress.not-done")).to_contain_text("Inequalities")
