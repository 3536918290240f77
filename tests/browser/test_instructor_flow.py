# ruff: noqa: S101, S105 - pytest asserts, a test password (pyproject ignores them only under */tests/*)
"""An instructor writes and publishes a course in the Wagtail admin; a visitor finds it.

Drives Debian's Chromium against pytest-django's live server. The admin's DOM is
Wagtail 8.0's: selectors are its ids, roles and titles.
"""

import re

import pytest
from playwright.sync_api import expect

from demo.factories import ImageFactory, SubjectPageFactory, UserFactory
from learning.models import CoursePage, ModulePage
from learning.permissions import setup_instructors_group
from tests.browser.editor import insert_block, publish
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
    instructor = UserFactory(username="irene", password=PASSWORD)
    instructor.groups.add(setup_instructors_group())
    ImageFactory(title="Triangle figure", uploaded_by_user=instructor)
    return subject, instructor


def fill_title(page, title, slug):
    """Type the title, leave the field (Wagtail fills the slug on blur), and wait
    for the slug: publishing before it is there would only show a form error."""
    page.fill("#id_title", title)
    page.locator("#id_title").press("Tab")
    expect(page.locator("#id_slug")).to_have_value(slug)


def test_instructor_publishes_a_course_that_a_visitor_finds(
    page, browser, live_server, setup
):
    subject, instructor = setup
    base = live_server.url
    log_in_to_admin(page, base, "irene", PASSWORD)

    # A course under the subject: only courses may go there, so Wagtail opens its form.
    page.goto(f"{base}/admin/pages/{subject.pk}/add_subpage/")
    page.wait_for_url(re.compile(r"/admin/pages/add/learning/coursepage/\d+/$"))
    fill_title(page, "Trigonometry for beginners", "trigonometry-for-beginners")
    publish(page)
    course = CoursePage.objects.get(title="Trigonometry for beginners")
    assert course.live
    assert course.owner == instructor

    # A module holding a text block and an image.
    page.goto(f"{base}/admin/pages/{course.pk}/add_subpage/")
    page.wait_for_url(re.compile(r"/admin/pages/add/learning/modulepage/\d+/$"))
    fill_title(page, "Angles and triangles", "angles-and-triangles")
    insert_block(page, page.get_by_title("Insert a block").first, "Text")
    editor = page.locator(".public-DraftEditor-content").last
    editor.click()
    editor.type("The angles of a triangle add up to 180 degrees.")
    # Draftail writes the block's hidden input a moment after the last key: wait
    # for it, or the form would go without the text (a required block, refused).
    expect(page.locator('input[name="body-0-value"]')).to_have_value(
        re.compile("180 degrees")
    )
    insert_block(page, page.get_by_title("Insert a block").last, "Image")
    page.get_by_role("button", name="Choose an image").last.click()
    page.get_by_role("link", name="Triangle figure").click()
    expect(page.locator(".chooser__title", has_text="Triangle figure")).to_be_visible()
    publish(page)
    module = ModulePage.objects.get(title="Angles and triangles")
    assert module.live
    assert [block.block_type for block in module.body] == ["text", "image"]

    # A visitor, in a browser of their own, finds the course in the catalogue.
    visitor = browser.new_context().new_page()
    visitor.goto(f"{base}/courses/")
    card = visitor.get_by_role("link", name=re.compile("Trigonometry for beginners"))
    expect(card).to_be_visible()
    card.click()
    heading = visitor.get_by_role("heading", name="Trigonometry for beginners")
    expect(heading).to_be_visible()
    expect(visitor.get_by_text("Angles and triangles")).to_be_visible()
    visitor.context.close()
