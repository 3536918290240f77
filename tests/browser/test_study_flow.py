# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A student comes back: continues from the home page, moves on module by module,
sees their progress in My courses, and leaves a course once they confirm."""

from datetime import timedelta

import pytest
import wagtail_factories
from django.utils import timezone
from playwright.sync_api import expect

from classroom.models import Enrollment, ModuleCompletion
from demo.factories import CoursePageFactory, ModulePageFactory
from tests.browser.sessions import log_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def studies(course, student):
    """`student` in Algebra (3 modules, with a cover) since 3 days, and done with
    Geometry."""
    ModulePageFactory(parent=course, title="Systems")
    course.image = wagtail_factories.ImageFactory(title="IMG_0001.jpg")
    course.cover_alt = "A balance scale with x on one side"
    course.save_revision().publish()
    geometry = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    angles = ModulePageFactory(parent=geometry, title="Angles")
    Enrollment.objects.create(student=student, course=course)
    Enrollment.objects.filter(student=student, course=course).update(
        created=timezone.now() - timedelta(days=3)
    )
    Enrollment.objects.create(student=student, course=geometry)
    ModuleCompletion.objects.create(student=student, module=angles, course=geometry)
    return course, list(course.modules())


def test_student_continues_moves_on_and_leaves(page, live_server, student, studies):
    course, (first, second, third) = studies
    log_in(page, live_server, student)
    page.goto(live_server.url + "/")

    # The home page says where to pick up, and what is finished.
    continuing = page.get_by_role("region", name="Continue learning")
    cover = continuing.get_by_role("img", name="A balance scale with x on one side")
    expect(cover).to_be_visible()
    expect(continuing.get_by_text("Last activity 3 days ago")).to_be_visible()
    expect(
        continuing.get_by_role("progressbar", name="Progress in Algebra")
    ).to_be_visible()
    completed = page.get_by_role("region", name="Completed")
    expect(completed.get_by_role("link", name="Geometry", exact=True)).to_be_visible()
    expect(completed.get_by_text("Completed · 1 of 1 module done")).to_be_visible()

    continuing.get_by_role("link", name=f"Continue: {first.title}").click()
    expect(page.locator("article.module h1")).to_have_text(first.title)

    # Done: on to the next module, with the tick in the sidebar.
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator("article.module h1")).to_have_text(second.title)
    sidebar = page.get_by_role("navigation", name="Modules of Algebra")
    done = sidebar.get_by_role("link", name=f"{first.title} (done)", exact=True)
    expect(done.locator(".module-done-tick")).to_be_visible()
    expect(sidebar.locator(".module-done-tick")).to_have_count(1)

    # My courses: the progress, the next module, the activity just now.
    page.get_by_role("link", name="My courses").click()
    algebra = page.locator(".enrolled-course", has_text="Algebra")
    bar = algebra.get_by_role("progressbar", name="Progress in Algebra")
    expect(bar).to_have_attribute("value", "1")
    expect(bar).to_have_attribute("max", "3")
    expect(algebra.get_by_text("1 of 3 modules done (33%)")).to_be_visible()
    expect(algebra.get_by_text("Last activity just now")).to_be_visible()
    expect(
        algebra.get_by_role("link", name=f"Continue: {second.title}")
    ).to_have_attribute("href", second.url)
    expect(
        page.get_by_role("region", name="Completed").locator(".enrolled-course")
    ).to_have_count(1)

    # Leaving asks first; staying changes nothing.
    algebra.get_by_role("link", name="Algebra", exact=True).click()
    page.get_by_role("link", name="Leave this course").click()
    expect(page.locator("h1")).to_have_text("Leave Algebra?")
    expect(page.get_by_text("Your progress is kept")).to_be_visible()
    page.get_by_role("link", name="Stay in Algebra").click()
    expect(page.get_by_role("link", name="Leave this course")).to_be_visible()
    assert Enrollment.objects.filter(student=student, course=course).exists()

    page.get_by_role("link", name="Leave this course").click()
    page.get_by_role("button", name="Leave the course").click()
    expect(page.get_by_text("You left Algebra.")).to_be_visible()
    assert not Enrollment.objects.filter(student=student, course=course).exists()

    # Enrolling again finds the progress where it was.
    page.get_by_role("button", name="Enroll").click()
    expect(page.locator(".course-actions .progress-text")).to_contain_text(
        "1 of 3 modules done"
    )
