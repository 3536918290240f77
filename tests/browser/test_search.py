"""A visitor searches from the header box and opens what they found."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils.text import slugify
from playwright.sync_api import expect
from wagtail.rich_text import RichText

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def algebra(catalog, instructor):
    """A course whose word "quadratic" appears only in one module's text."""
    from demo.factories import (
        CoursePageFactory,
        ModulePageFactory,
        SubjectPageFactory,
    )

    subject = SubjectPageFactory(parent=catalog, title="Mathematics")
    course = CoursePageFactory(
        parent=subject,
        title="Algebra",
        slug=slugify("Algebra"),
        overview="<p>Symbols and the rules for them.</p>",
        owner=instructor,
    )
    ModulePageFactory(
        parent=course,
        title="Equations",
        body=[("text", RichText("<p>The quadratic formula solves it.</p>"))],
    )
    return course


def search_from_header(page, base_url, words):
    page.goto(f"{base_url}/courses/")
    box = page.get_by_role("searchbox", name="Search", exact=True)
    box.fill(words)
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")


def test_visitor_finds_a_course_by_its_module_title_not_its_text(
    page, live_server, algebra
):
    # A module's text is for its readers: a visitor learns nothing from it.
    search_from_header(page, live_server.url, "quadratic")
    expect(page.locator(".result")).to_have_count(0)

    search_from_header(page, live_server.url, "equations")
    result = page.locator(".result").first
    expect(result.locator(".hidden-matches")).to_contain_text("Matched in 1 module")
    expect(result).not_to_contain_text("formula solves")
    result.get_by_role("link", name="Algebra").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Algebra")
    expect(page).to_have_url(f"{live_server.url}{algebra.url}")


def test_enrolled_student_opens_the_module_that_matched(
    page, live_server, algebra, student
):
    from classroom.models import Enrollment

    Enrollment.objects.create(student=student, course=algebra)
    client = Client()
    client.force_login(student)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    search_from_header(page, live_server.url, "quadratic")

    match = page.locator(".matched-modules li").first
    expect(match.locator("mark")).to_have_text("quadratic")
    match.get_by_role("link", name="Equations").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Equations")


def test_visitor_with_no_results_is_offered_the_subjects(page, live_server, algebra):
    search_from_header(page, live_server.url, "xylophone")
    expect(page.get_by_role("status")).to_have_text("0 courses found")
    expect(page.locator(".result")).to_have_count(0)

    # A query of common words only is told so, not given every course.
    box = page.get_by_role("searchbox", name="Search courses and what they teach")
    box.fill("the of")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("only very common words")
    expect(page.locator(".result")).to_have_count(0)

    suggestions = page.get_by_role("region", name="Try instead")
    expect(
        suggestions.get_by_role("link", name="Browse the whole catalogue")
    ).to_be_visible()
    suggestions.get_by_role("link", name="Mathematics").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mathematics")
