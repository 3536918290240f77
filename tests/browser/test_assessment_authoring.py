# ruff: noqa: S101, S105 - pytest asserts, a test password (pyproject ignores them only under */tests/*)
"""Quizzes from the instructor's side, as the people involved click through them.

The course's instructor writes a quiz into a module in Wagtail's page editor (a
"Quiz" block whose questions are a StreamField of their own) and publishes it; an
enrolled student takes it and gets the points. In the admin's Grades screens the
instructor overrides a student's grade with a reason, and re-grades a quiz whose
right answer was changed. Every page on the way passes axe-core's audit.
"""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from assessment.models import GradeOverride, QuizAttempt, Regrade
from assessment.tests.test_quizzes import quiz_value
from classroom.models import Enrollment
from demo.factories import ModulePageFactory
from learning.models import ModulePage
from tests.browser.editor import insert_block, publish
from tests.browser.sessions import log_in, log_in_to_admin

# UserFactory's password: the `instructor` fixture logs in to the admin with it.
PASSWORD = "pass-word-123"
REASON = "The short answer “Lutèce” is right too: marked by hand."

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def type_rich_text(region, hidden_input, text):
    """Type into the region's Draftail editor and wait for Draftail to write its
    hidden input (a moment after the last key; the prompt is required)."""
    editor = region.locator(".public-DraftEditor-content")
    editor.click()
    editor.type(text)
    expect(hidden_input).to_have_value(re.compile(re.escape(text.split()[-1])))


def start_attempt(student, module, answers):
    """A submitted attempt through the site's own quiz views."""
    client = Client()
    client.force_login(student)
    response = client.post(reverse("quiz", args=[module.pk, "quiz-1"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(response.url, {**answers, "action": "submit"})
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    return QuizAttempt.objects.get(student=student, module=module)


def quiz_module(course, **settings):
    return ModulePageFactory(
        parent=course,
        title="Checkpoint",
        body=[{"type": "quiz", "id": "quiz-1", "value": quiz_value(**settings)}],
    )


def open_gradebook(page, base):
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Grades").click()
    page.get_by_role("link", name="Gradebook of Algebra").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gradebook")
    return page.get_by_role("table", name=re.compile("Every student's points"))


# --- 1. Writing a quiz in the page editor --------------------------------------------


def test_instructor_writes_a_quiz_that_a_student_takes(
    page, browser, live_server, course, instructor, student
):
    Enrollment.objects.create(student=student, course=course)
    module = ModulePage.objects.child_of(course).get(title="Equations")
    base = live_server.url
    log_in_to_admin(page, base, instructor.username, PASSWORD)
    page.goto(f"{base}/admin/pages/{module.pk}/edit/")

    # A "Quiz" block at the end of the body, and its title.
    insert_block(
        page,
        page.get_by_role("region", name="Body").get_by_title("Insert a block").last,
        "Quiz",
    )
    quiz = page.get_by_role("region", name=re.compile("^Quiz"))
    quiz.get_by_label("Title").fill("Numbers check")
    questions = quiz.locator('[data-contentpath="questions"]')

    # A "True or false" question: its prompt and its answer.
    insert_block(page, questions.get_by_title("Insert a block").first, "True or false")
    true_false = questions.get_by_role("region", name=re.compile("^True or false"))
    type_rich_text(
        true_false,
        true_false.locator('input[name$="-value-prompt"]'),
        "The sum of two even numbers is even.",
    )
    true_false.get_by_label("Answer").select_option(label="True")

    # A "Single choice" question after it, with two choices, the first one right.
    insert_block(page, questions.get_by_title("Insert a block").last, "Single choice")
    single = questions.get_by_role("region", name=re.compile("^Single choice"))
    type_rich_text(
        single, single.locator('input[name$="-value-prompt"]'), "What is 3 times 4?"
    )
    choice_texts = single.get_by_label(re.compile("^Text"))
    expect(choice_texts).to_have_count(1)
    choice_texts.first.fill("12")
    single.get_by_label("Correct").first.check()
    single.get_by_title("Add", exact=True).last.click()
    expect(choice_texts).to_have_count(2)
    choice_texts.last.fill("7")
    publish(page)

    module.refresh_from_db()
    assert module.live
    [block] = [block for block in module.body if block.block_type == "quiz"]
    assert block.value["title"] == "Numbers check"
    kinds = [question.block_type for question in block.value["questions"]]
    assert kinds == ["true_false", "single_choice"]
    choices = block.value["questions"][1].value["choices"]
    assert [(c["text"], c["correct"]) for c in choices] == [
        ("12", True),
        ("7", False),
    ]

    # An enrolled student, in a browser of their own, finds the quiz and takes it.
    learner = browser.new_context().new_page()
    log_in(learner, live_server, student)
    learner.goto(base + module.url)
    shown = learner.get_by_role("region", name="Quiz Numbers check")
    expect(shown).to_contain_text("2 questions")
    expect(shown).to_contain_text("1 attempt")
    expect(shown.locator(".quiz-status")).to_have_text("Not attempted yet")
    shown.get_by_role("link", name="Open the quiz").click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("Numbers check")
    learner.get_by_role("button", name="Start the quiz").click()

    first = learner.get_by_role("group", name=re.compile("^Question 1"))
    expect(first).to_contain_text("The sum of two even numbers is even.")
    first.get_by_label("True").check()
    second = learner.get_by_role("group", name=re.compile("^Question 2"))
    expect(second).to_contain_text("What is 3 times 4?")
    second.get_by_label("12").check()
    learner.get_by_role("button", name="Submit for grading").click()

    expect(learner.get_by_role("heading", level=1)).to_have_text("Attempt 1: 2 / 2")
    expect(learner.locator(".quiz-outcome")).to_contain_text("100% — passed")
    attempt = QuizAttempt.objects.get(student=student, module=module)
    assert attempt.score == attempt.max_score == Decimal("2")
    learner.context.close()


# --- 2. Overriding a grade in the gradebook ------------------------------------------


def test_instructor_overrides_a_quiz_grade_with_a_reason(
    page, browser, live_server, course, instructor, student
):
    Enrollment.objects.create(student=student, course=course)
    module = quiz_module(course)
    # Right on the sum only: 1 of 3 points.
    start_attempt(student, module, {"q-q-sum": "c-right", "q-q-city": "Lutèce"})
    base = live_server.url
    log_in_to_admin(page, base, instructor.username, PASSWORD)

    book = open_gradebook(page, base)
    row = book.get_by_role("row", name=re.compile("^student"))
    expect(row).to_contain_text(re.compile(r"1(\.00)? / 3"))
    row.get_by_role(
        "link", name=re.compile(r"^1(\.00)? points for student on “Check yourself”")
    ).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Override a grade")
    expect(page.get_by_text("Never overridden.")).to_be_visible()
    page.get_by_label("Points").fill("2.5")
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Save override").click()

    # Back in the gradebook: the new points, and the computed ones beside them.
    expect(
        page.get_by_text("Changed student's grade on “Check yourself”.")
    ).to_be_visible()
    row = book.get_by_role("row", name=re.compile("^student"))
    cell = row.get_by_role(
        "link", name="2.50 points for student on “Check yourself”: override"
    )
    expect(cell).to_be_visible()
    expect(row).to_contain_text("overridden (computed 1.00)")
    expect(row).to_contain_text("2.50 / 3")

    # The cell opens its history: who, the points, what was computed then, why.
    cell.click()
    history = page.get_by_role("table", name=re.compile("Overrides of this grade"))
    entry = history.get_by_role("row").nth(1)
    expect(entry).to_contain_text(instructor.username)
    expect(entry).to_contain_text("2.50")
    expect(entry).to_contain_text("1.00")
    expect(entry).to_contain_text(REASON)
    expect(page.get_by_label("Points")).to_have_value("2.50")
    override = GradeOverride.objects.get(student=student, module=module)
    assert (override.points, override.original) == (Decimal("2.5"), Decimal("1"))
    assert override.by == instructor

    # The student reads the new points on their grades page.
    student_page = browser.new_context().new_page()
    log_in(student_page, live_server, student)
    student_page.goto(base + reverse("student_grades"))
    table = student_page.get_by_role("table", name="Grades in Algebra")
    grade = table.get_by_role("row", name=re.compile("^Check yourself"))
    expect(grade).to_contain_text("2.50 / 3")
    expect(grade).to_contain_text("adjusted by the course's staff")
    student_page.context.close()


# --- 3. Re-grading a quiz after its answer key changed -------------------------------


def test_instructor_regrades_a_quiz_after_changing_its_answer(
    page, live_server, course, instructor, student
):
    Enrollment.objects.create(student=student, course=course)
    module = quiz_module(course)
    # "five" for the sum, the rest right: 2 of 3 points.
    attempt = start_attempt(
        student,
        module,
        {"q-q-sum": "c-wrong", "q-q-city": "Lutetia", "q-q-pi": "3.14"},
    )
    assert attempt.score == Decimal("2")

    # The instructor decides "five" is the right answer after all.
    value = quiz_value()
    first, second = value["questions"][0]["value"]["choices"]
    first["value"]["correct"], second["value"]["correct"] = False, True
    module.body = [{"type": "quiz", "id": "quiz-1", "value": value}]
    module.save_revision().publish()

    base = live_server.url
    log_in_to_admin(page, base, instructor.username, PASSWORD)
    book = open_gradebook(page, base)
    row = book.get_by_role("row", name=re.compile("^student"))
    expect(row).to_contain_text(re.compile(r"2(\.00)? / 3"))
    quizzes = page.get_by_role("table", name=re.compile("Quizzes of this course"))
    listed = quizzes.get_by_role("row", name=re.compile("^Check yourself"))
    expect(listed).to_contain_text("never")
    # Each quiz's link says which quiz it re-grades; a page asks before it does.
    listed.get_by_role(
        "link", name="Re-grade attempts of “Check yourself” (Checkpoint)"
    ).click()
    expect(page.get_by_text("checks the 1 submitted attempt of")).to_be_visible()
    page.get_by_role("button", name="Re-grade 1 attempt").click()

    expect(
        page.get_by_text("Re-graded 1 attempt of “Check yourself”: 1 changed.")
    ).to_be_visible()
    row = book.get_by_role("row", name=re.compile("^student"))
    expect(
        row.get_by_role("link", name=re.compile(r"^3(\.00)? points for student"))
    ).to_be_visible()
    expect(row).to_contain_text(re.compile(r"3(\.00)? / 3"))
    expect(listed).to_contain_text(f"by {instructor.username}")
    expect(listed).to_contain_text("1 changed")
    attempt.refresh_from_db()
    assert attempt.score == Decimal("3")
    regrade = Regrade.objects.get(module=module)
    assert (regrade.attempts, regrade.changed, regrade.by) == (1, 1, instructor)
