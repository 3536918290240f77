"""A visitor narrows the catalogue by level and language, sorts it, reads the counts,
then opens a course and reads what it says about itself."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def shelves(catalog, instructor):
    from demo.factories import CoursePageFactory, ImageFactory, SubjectPageFactory

    maths = SubjectPageFactory(parent=catalog, title="Mathematics")
    languages = SubjectPageFactory(parent=catalog, title="Languages")
    now = timezone.now()
    specs = [
        (maths, "Calculus", "advanced", "en"),
        (languages, "Zarzuela", "beginner", "es"),
        (maths, "Algebra", "beginner", "en"),
        (languages, "Spanish for travellers", "beginner", "es"),
        (languages, "Bonjour", "beginner", "fr"),
    ]
    courses = {}
    for age, (subject, title, level, language) in enumerate(specs):
        courses[title] = CoursePageFactory(
            parent=subject,
            title=title,
            owner=instructor,
            level=level,
            language=language,
            estimated_hours=10,
            created=now - timedelta(days=age),
            outcomes="Order a meal\nAsk the way",
            prerequisites="None: the course starts from zero.",
        )
    spanish = courses["Spanish for travellers"]
    spanish.image = ImageFactory(title="DSC_0042.jpg")
    spanish.cover_alt = "A market stall piled with oranges"
    spanish.save_revision().publish()
    return courses


def card_titles(page):
    return page.locator(".course-card .card-title").all_inner_texts()


def option(page, legend, label):
    return page.get_by_role("group", name=legend).get_by_role("radio", name=label)


def test_visitor_filters_sorts_and_reads_a_course(page, live_server, shelves):
    page.goto(f"{live_server.url}/courses/")
    expect(page.locator(".course-card")).to_have_count(5)

    # Counts beside each option: courses it would list with the other filters.
    beginner = page.get_by_role("group", name="Level").locator(
        ".facet-option", has_text="Beginner"
    )
    expect(beginner.locator(".count")).to_contain_text("4")

    option(page, "Level", "Beginner").check()
    option(page, "Language", "Spanish").check()
    page.get_by_label("Sort by").select_option(label="Title, A to Z")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/courses/?*")

    assert "level=beginner" in page.url and "language=es" in page.url
    assert card_titles(page) == ["Spanish for travellers", "Zarzuela"]
    expect(page.locator("#course-count")).to_contain_text("2 courses match")
    expect(option(page, "Level", "Beginner")).to_be_checked()
    # With Spanish chosen, the level counts are of Spanish courses.
    french = page.get_by_role("group", name="Language").locator(
        ".facet-option", has_text="French"
    )
    expect(french.locator(".count")).to_contain_text("1")
    advanced = page.get_by_role("group", name="Level").locator(
        ".facet-option", has_text="Advanced"
    )
    expect(advanced.locator(".count")).to_contain_text("0")

    # Newest first instead: Zarzuela is the newer one.
    page.get_by_label("Sort by").select_option(label="Newest first")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**sort=newest*")
    assert card_titles(page) == ["Zarzuela", "Spanish for travellers"]

    cover = page.locator(".course-card img.card-image")
    expect(cover).to_have_attribute("alt", "A market stall piled with oranges")

    page.get_by_role("link", name="Spanish for travellers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spanish for travellers")
    facts = page.locator(".course-header .course-facts")
    expect(facts).to_contain_text("Beginner")
    expect(facts).to_contain_text("About 10 hours")
    expect(facts).to_contain_text("Spanish")
    outcomes = page.get_by_role("region", name="What you will learn")
    expect(outcomes.get_by_role("listitem")).to_have_text(
        ["Order a meal", "Ask the way"]
    )
    expect(page.get_by_role("region", name="Before you start")).to_contain_text(
        "starts from zero"
    )
    expect(page.locator("img.course-image")).to_have_attribute(
        "alt", "A market stall piled with oranges"
    )

    # Reset brings every course back.
    page.go_back()
    page.get_by_role("link", name="Reset filters").click()
    page.wait_for_url(f"{live_server.url}/courses/")
    expect(page.locator(".course-card")).to_have_count(5)
