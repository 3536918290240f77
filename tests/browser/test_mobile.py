# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A phone, 390 px wide: the header is one row with a menu button that opens the
nav and the search (still reachable without JavaScript), and every tap target the
student uses is at least 44 px tall."""

import pytest
from playwright.sync_api import expect

from classroom.models import Enrollment, ModuleCompletion
from demo.factories import CoursePageFactory
from learning.models import CATALOG_PAGE_SIZE
from tests.browser.sessions import log_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
TAP = 44


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def assert_tall_enough(locator, what):
    count = locator.count()
    assert count, f"no {what} on the page"
    for index in range(count):
        item = locator.nth(index)
        box = item.bounding_box()
        assert box is not None, f"{what} #{index} is not shown"
        assert box["height"] >= TAP - 0.5, (
            f"{what} #{index} ({item.inner_text()!r}) is {box['height']:.1f} px tall"
        )


def test_header_is_one_row_and_its_menu_button_opens_the_nav_and_search(
    phone, live_server, course
):
    phone.goto(live_server.url + "/")
    header = phone.locator(".site-header")
    brand = phone.locator(".brand")
    button = phone.get_by_role("button", name="Menu")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    menu_id = button.get_attribute("aria-controls")
    menu = phone.locator(f"#{menu_id}")
    nav = phone.get_by_role("navigation", name="Main")
    search = phone.get_by_role("searchbox", name="Search", exact=True)
    expect(nav).to_be_hidden()
    expect(search).to_be_hidden()

    # One row: the brand and the button side by side, the header no taller.
    brand_box, button_box = brand.bounding_box(), button.bounding_box()
    assert (
        abs(
            (brand_box["y"] + brand_box["height"] / 2)
            - (button_box["y"] + button_box["height"] / 2)
        )
        < 4
    )
    assert header.bounding_box()["height"] < 2 * TAP
    assert button_box["x"] + button_box["width"] <= PHONE["width"]
    assert button_box["height"] >= TAP

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(nav.get_by_role("link", name="Courses")).to_be_visible()
    expect(search).to_be_visible()
    # The page does not scroll sideways.
    assert (
        phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    )

    # Escape folds it and gives the focus back to the button.
    search.focus()
    phone.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(nav).to_be_hidden()

    button.click()
    search.fill("algebra")
    search.press("Enter")
    phone.wait_for_url("**/search/?q=algebra")
    expect(phone.locator(".result")).to_have_count(1)


def test_without_its_script_the_nav_and_search_are_shown(browser, live_server, course):
    # The menu's script never arrives (blocked, failed, or no JavaScript at all; a
    # context without JavaScript would leave the page's audit nothing to run on).
    context = browser.new_context(viewport=PHONE)
    context.route("**/js/menu.js", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/courses/")
    expect(page.locator(".menu-toggle")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Courses")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    context.close()


def test_the_desktop_header_has_no_menu_button(page, live_server, course):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    expect(page.locator(".menu-toggle")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search", exact=True)).to_be_visible()


def test_tap_targets_are_at_least_44_px_tall(phone, live_server, course, student):
    subject = course.get_parent().specific
    for number in range(CATALOG_PAGE_SIZE):
        CoursePageFactory(parent=subject, title=f"Geometry {number + 1}")
    Enrollment.objects.create(student=student, course=course)
    first = course.modules().first()
    ModuleCompletion.objects.create(student=student, module=first, course=course)

    # Anonymous: the header's links, the pagination.
    phone.goto(live_server.url + "/courses/")
    phone.get_by_role("button", name="Menu").click()
    assert_tall_enough(phone.locator(".site-header a:visible"), "header link")
    assert_tall_enough(phone.locator(".site-header input:visible"), "header field")
    assert_tall_enough(phone.locator(".site-header button:visible"), "header button")
    assert_tall_enough(
        phone.locator(".pagination a, .pagination .disabled"), "pagination item"
    )

    # An enrolled student: the header, the course's actions, a done module's.
    log_in(phone, live_server, student)
    phone.goto(live_server.url + course.url)
    phone.get_by_role("button", name="Menu").click()
    assert_tall_enough(phone.locator(".site-header a:visible"), "header link")
    assert_tall_enough(phone.locator(".site-header button:visible"), "header button")
    actions = phone.locator(".course-actions")
    assert_tall_enough(actions.get_by_role("link", name="Continue"), "Continue")
    assert_tall_enough(actions.get_by_role("link", name="Chat room"), "Chat room")
    assert_tall_enough(actions.locator("a, button"), "course action")

    phone.goto(live_server.url + first.url)
    assert_tall_enough(
        phone.get_by_role("button", name="Mark as not done"), "Mark as not done"
    )
    assert_tall_enough(phone.locator("main button:visible"), "button")
    assert_tall_enough(phone.locator(".prev-next a"), "previous/next link")
