# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Every public and student page, as the visitor who sees it (anonymous, enrolled
student), at 1280 and 390 px wide and in the dark scheme, passes the audit
(tests/browser/accessibility.py: axe-core and the house rules; the audit also takes
the screenshots); and what the accessibility issue found stays fixed: named search
landmarks, contrast, a visible focus on course cards, the h1 first, a favicon."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessment.tests.test_quizzes import quiz_value
from classroom.models import Enrollment, ModuleCompletion
from demo.factories import CoursePageFactory, ModulePageFactory
from learning.models import CATALOG_PAGE_SIZE
from tests.browser.sessions import log_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1280, 390)

# The colours of an element's text and of the first opaque background behind it,
# and the opacity it is drawn with (a translucent text is paler than its colour).
COLOURS = """(el) => {
  let opacity = 1;
  for (let node = el; node; node = node.parentElement) {
    opacity *= Number(getComputedStyle(node).opacity);
  }
  let back = el;
  while (back && ["rgba(0, 0, 0, 0)", "transparent"].includes(
      getComputedStyle(back).backgroundColor)) {
    back = back.parentElement;
  }
  return {
    color: getComputedStyle(el).color,
    background: back ? getComputedStyle(back).backgroundColor : "rgb(255, 255, 255)",
    opacity,
  };
}"""


def _luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _rgb(css):
    return [float(part) for part in css[css.index("(") + 1 : -1].split(",")[:3]]


def contrast_of(locator):
    """The WCAG contrast ratio of the locator's text on its background."""
    colours = locator.evaluate(COLOURS)
    assert colours["opacity"] == 1, f"drawn translucent: {colours}"
    light, dark = sorted(
        (_luminance(_rgb(colours["color"])), _luminance(_rgb(colours["background"]))),
        reverse=True,
    )
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture
def school(course, student):
    """`course` (Algebra: Equations, Inequalities) and a quiz module, with `student`
    enrolled and its first module done; enough courses in its subject for two pages
    of the catalogue."""
    subject = course.get_parent().specific
    for number in range(CATALOG_PAGE_SIZE):
        CoursePageFactory(parent=subject, title=f"Geometry {number + 1}")
    quiz = ModulePageFactory(
        parent=course,
        title="Checkpoint",
        body=[{"type": "quiz", "id": "quiz-1", "value": quiz_value()}],
    )
    Enrollment.objects.create(student=student, course=course)
    first, second = course.modules()[:2]
    ModuleCompletion.objects.create(student=student, module=first, course=course)
    return SimpleNamespace(
        course=course, subject=subject, done=first, todo=second, quiz=quiz
    )


def public_pages(school):
    return [
        ("/", 200),
        ("/courses/", 200),
        ("/courses/?page=2", 200),
        (school.subject.url, 200),
        (school.course.url, 200),
        ("/search/?q=algebra", 200),
        ("/search/?q=zebra", 200),
        (reverse("login"), 200),
        (reverse("student_registration"), 200),
        ("/no-such-page/", 404),
    ]


def student_pages(school):
    return [
        ("/", 200),
        (reverse("student_course_list"), 200),
        (reverse("student_grades"), 200),
        ("/search/?q=equations", 200),
        (school.course.url, 200),
        (school.done.url, 200),
        (school.todo.url, 200),
        (school.quiz.url, 200),
    ]


def chat_room(school):
    """Last in a context: the room's script keeps calling the live server."""
    return [(reverse("chat:course_chat_room", args=[school.course.pk]), 200)]


def visit(page, base_url, pages):
    """Open each page (the audit runs as each one loads) and check what it is."""
    for path, status in pages:
        response = page.goto(base_url + path)
        assert response.status == status, path
        expect(page.get_by_role("heading", level=1)).to_have_count(1)


def open_quiz(page):
    """The quiz itself, from its module's "Open the quiz" link (audited on arrival);
    the module is the page open."""
    page.get_by_role("link", name="Open the quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check yourself")


def test_every_public_page_passes_the_audit_at_both_widths(
    browser, live_server, school
):
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        visit(page, live_server.url, public_pages(school))
        context.close()


def test_every_student_page_passes_the_audit_at_both_widths(
    browser, live_server, school, student
):
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        log_in(page, live_server, student)
        visit(page, live_server.url, student_pages(school))
        open_quiz(page)
        visit(page, live_server.url, chat_room(school))
        context.close()


def test_pages_pass_the_audit_in_the_dark_scheme(browser, live_server, school, student):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(15000)
    visit(page, live_server.url, [("/courses/", 200), ("/no-such-page/", 404)])
    assert page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
    background = page.locator("body").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert _luminance(_rgb(background)) < 0.05, background

    log_in(page, live_server, student)
    visit(page, live_server.url, student_pages(school))
    open_quiz(page)
    visit(page, live_server.url, chat_room(school))
    context.close()


def test_each_search_landmark_has_a_name_of_its_own(page, live_server, school):
    page.goto(live_server.url + "/search/?q=algebra")
    landmarks = page.get_by_role("search")
    expect(landmarks).to_have_count(2)
    expect(page.get_by_role("search", name="Site", exact=True)).to_have_count(1)
    expect(page.get_by_role("search", name="Courses", exact=True)).to_have_count(1)

    page.goto(live_server.url + "/no-such-page/")
    expect(page.get_by_role("search", name="Site", exact=True)).to_have_count(1)
    expect(page.get_by_role("search", name="Courses", exact=True)).to_have_count(1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_done_message_and_disabled_previous_have_enough_contrast(
    browser, live_server, school, student, scheme
):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + "/courses/")
    disabled = page.locator(".pagination .disabled", has_text="Previous")
    expect(disabled).to_be_visible()
    assert contrast_of(disabled) >= 4.5

    log_in(page, live_server, student)
    page.goto(live_server.url + school.done.url)
    done = page.get_by_text("✓ You have done this module.")
    expect(done).to_be_visible()
    assert contrast_of(done) >= 4.5
    context.close()


def test_keyboard_focus_on_a_course_card_is_visible(page, live_server, school):
    page.goto(live_server.url + school.subject.url)
    card = page.locator(".card").first
    link = card.get_by_role("link")
    box = card.bounding_box()
    ring = {
        "x": box["x"] - 6,
        "y": box["y"] - 6,
        "width": box["width"] + 12,
        "height": box["height"] + 12,
    }
    page.mouse.move(0, 0)
    before = page.screenshot(clip=ring)
    # Onto the card with the keyboard, as a keyboard user gets there.
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    assert link.evaluate("a => a.matches(':focus-visible')")
    style = card.evaluate(
        "c => [getComputedStyle(c).outlineStyle, getComputedStyle(c).outlineWidth]"
    )
    assert style[0] == "solid" and float(style[1].rstrip("px")) >= 2
    # The ring is drawn where it can be seen: the pixels around the card change.
    assert page.screenshot(clip=ring) != before


@pytest.mark.parametrize("path", ["/courses/", "subject", "/search/?q=algebra"])
def test_the_h1_is_the_first_heading(page, live_server, school, path):
    page.goto(live_server.url + (school.subject.url if path == "subject" else path))
    first = page.locator("h1, h2, h3, h4, h5, h6").first
    assert first.evaluate("h => h.tagName") == "H1"
    expect(page.locator(".sidebar")).to_be_visible()


def test_the_favicon_is_linked_and_answers_at_favicon_ico(page, live_server, school):
    page.goto(live_server.url + "/")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("type", "image/svg+xml")
    linked = page.request.get(live_server.url + icon.get_attribute("href"))
    assert linked.status == 200
    assert linked.headers["content-type"].startswith("image/svg+xml")

    answer = page.request.get(live_server.url + "/favicon.ico", max_redirects=0)
    assert answer.status == 302
    assert answer.headers["location"] == icon.get_attribute("href")
    followed = page.request.get(live_server.url + "/favicon.ico")
    assert followed.status == 200 and followed.body() == linked.body()
