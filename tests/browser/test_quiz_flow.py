# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""An enrolled student takes a timed quiz with the keyboard, submits it, reads the
feedback and finds the module done; the pages on the way pass axe-core's audit."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import QuizAttempt
from assessment.tests.test_quizzes import quiz_value
from classroom.models import Enrollment, ModuleCompletion
from demo.factories import ModulePageFactory
from tests.browser.sessions import log_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_student_takes_a_timed_quiz_and_completes_the_module(
    page, live_server, course, student
):
    Enrollment.objects.create(student=student, course=course)
    module = ModulePageFactory(
        parent=course,
        title="Checkpoint",
        body=[
            {"type": "text", "value": "<p>Read this first.</p>"},
            {
                "type": "quiz",
                "id": "quiz-1",
                "value": quiz_value(time_limit=10, pass_to_complete=True),
            },
        ],
    )
    log_in(page, live_server, student)
    page.goto(live_server.url + module.url)
    quiz = page.locator(".block-quiz")
    expect(quiz.get_by_role("heading", name="Quiz Check yourself")).to_be_visible()
    expect(quiz.locator(".quiz-status")).to_have_text("Not attempted yet")
    expect(page.get_by_text("Pass this module's quiz to complete it.")).to_be_visible()
    quiz.get_by_role("link", name="Open the quiz").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check yourself")
    page.get_by_role("button", name="Start the quiz").click()

    # The timer counts down from the server's deadline.
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^9:[0-5][0-9]$|^10:00$"))
    # Keyboard only: each answer by its label, through focus and keys.
    page.get_by_role("group", name="Question 1").get_by_label("four").focus()
    page.keyboard.press("Space")
    page.get_by_label("Your answer", exact=True).fill("Lutetia")
    page.get_by_label("Your answer (a number)").fill("3.14")
    page.get_by_role("button", name="Submit for grading").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("3 / 3")
    expect(page.locator(".quiz-outcome")).to_contain_text("passed")
    expect(page.get_by_text("Yes.", exact=True)).to_be_visible()
    assert ModuleCompletion.objects.filter(student=student, module=module).exists()

    page.get_by_role("link", name="Back to the quiz").click()
    expect(page.locator(".quiz-grade")).to_contain_text("100%")
    page.get_by_role("link", name="Back to Checkpoint").click()
    expect(page.locator(".block-quiz .quiz-status")).to_contain_text("Your grade: 100%")
    expect(page.get_by_text("You have done this module.")).to_be_visible()


def test_answers_saved_mid_attempt_are_there_after_a_reload(
    page, live_server, course, student
):
    Enrollment.objects.create(student=student, course=course)
    module = ModulePageFactory(
        parent=course,
        body=[{"type": "quiz", "id": "quiz-1", "value": quiz_value()}],
    )
    log_in(page, live_server, student)
    page.goto(f"{live_server.url}/students/quiz/{module.pk}/quiz-1/")
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Your answer", exact=True).fill("Lutetia")
    # Without waiting for the autosave's period: the form's own save button.
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Your answer", exact=True)).to_have_value("Lutetia")


def test_answers_are_saved_when_the_student_leaves_the_page(
    page, live_server, course, student
):
    Enrollment.objects.create(student=student, course=course)
    module = ModulePageFactory(
        parent=course,
        title="Checkpoint",
        body=[{"type": "quiz", "id": "quiz-1", "value": quiz_value()}],
    )
    log_in(page, live_server, student)
    page.goto(f"{live_server.url}/students/quiz/{module.pk}/quiz-1/")
    page.get_by_role("button", name="Start the quiz").click()
    attempt_url = page.url
    page.get_by_label("Your answer", exact=True).fill("Lutetia")
    # Away by a link, without saving: the page's script saves on its way out.
    page.get_by_role("link", name="Quiz").click()
    expect(page.get_by_role("link", name="Continue attempt 1")).to_be_visible()
    page.goto(attempt_url)
    expect(page.get_by_label("Your answer", exact=True)).to_have_value("Lutetia")


def test_the_timer_submits_the_attempt_when_time_is_up(
    page, live_server, course, student
):
    Enrollment.objects.create(student=student, course=course)
    module = ModulePageFactory(
        parent=course,
        body=[{"type": "quiz", "id": "quiz-1", "value": quiz_value(time_limit=5)}],
    )
    log_in(page, live_server, student)
    page.goto(f"{live_server.url}/students/quiz/{module.pk}/quiz-1/")
    page.get_by_role("button", name="Start the quiz").click()
    # Five minutes are long for a test: the deadline moves to 3 seconds from now.
    attempt = QuizAttempt.objects.get(student=student)
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() + timedelta(seconds=3)
    )
    page.reload()
    page.get_by_role("group", name="Question 1").get_by_label("four").check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("1 / 3", timeout=15000)
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 1
