"""Taking a quiz: the answers stay on the server, grading is there, attempts and
deadlines hold, a pass may complete the module, and only the student sees theirs."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assessment.models import QuizAttempt
from classroom.models import ModuleCompletion
from demo.factories import ModulePageFactory, UserFactory

pytestmark = pytest.mark.django_db

# Strings only the server may know before an attempt is submitted.
SECRETS = ["Lutetia", "WRONG-CHOICE-FEEDBACK", "OVERALL-FEEDBACK", "0.0137"]


def item(text, id, **value):
    return {"type": "item", "id": id, "value": {"text": text, **value}}


def quiz_value(**settings):
    return {
        "title": "Check yourself",
        "instructions": "<p>Two questions.</p>",
        "attempts": 2,
        "time_limit": None,
        "pass_mark": "50",
        "grade_method": "highest",
        "shuffle_questions": False,
        "shuffle_choices": False,
        "draw": None,
        "feedback": "each",
        "pass_to_complete": False,
        "questions": [
            {
                "type": "single_choice",
                "id": "q-sum",
                "value": {
                    "prompt": "<p>What is 2 + 2?</p>",
                    "choices": [
                        item("four", "c-right", correct=True, feedback="Yes."),
                        item(
                            "five",
                            "c-wrong",
                            correct=False,
                            feedback="WRONG-CHOICE-FEEDBACK",
                        ),
                    ],
                    "points": "1",
                    "feedback": "OVERALL-FEEDBACK",
                },
            },
            {
                "type": "short_text",
                "id": "q-city",
                "value": {
                    "prompt": "<p>The old name of Paris?</p>",
                    "accepted": [{"type": "item", "id": "a1", "value": "Lutetia"}],
                    "points": "1",
                    "feedback": "",
                },
            },
            {
                "type": "numeric",
                "id": "q-pi",
                "value": {
                    "prompt": "<p>Pi to two places?</p>",
                    "value": "3.14",
                    "tolerance": "0.0137",
                    "points": "1",
                    "feedback": "",
                },
            },
        ],
        **settings,
    }


@pytest.fixture
def quiz_module(course):
    return ModulePageFactory(
        parent=course,
        title="Checkpoint",
        body=[
            {"type": "text", "value": "<p>Read this first.</p>"},
            {"type": "quiz", "id": "quiz-1", "value": quiz_value()},
        ],
    )


def quiz_url(module):
    return f"/students/quiz/{module.pk}/quiz-1/"


def start(client, module):
    response = client.post(quiz_url(module))
    assert response.status_code == 302, response.content[:300]
    return response.url


RIGHT = {"q-q-sum": "c-right", "q-q-city": "  lutetia ", "q-q-pi": "3,14"}


def test_no_answer_reaches_the_page_the_apis_or_search(
    client, api, quiz_module, enrolled
):
    client.force_login(enrolled)
    page = client.get(quiz_module.url)
    assert page.status_code == 200
    html = page.text
    assert "Check yourself" in html and quiz_url(quiz_module) in html
    api.force_authenticate(enrolled)
    contents = api.get(f"/api/courses/{quiz_module.course.pk}/contents/")
    assert contents.status_code == 200
    v2 = api.get(f"/api/v2/pages/{quiz_module.pk}/")
    for text in (html, contents.content.decode(), v2.content.decode()):
        for secret in SECRETS:
            assert secret not in text
    # Nor can a student test an answer by searching for it.
    search = client.get("/search/", {"q": "Lutetia"})
    assert search.status_code == 200 and "Checkpoint" not in search.text
    assert "Checkpoint" in client.get("/search/", {"q": "questions"}).text
    assert "Check yourself" in contents.content.decode()


def test_an_attempt_shows_its_questions_without_their_answers(
    client, quiz_module, enrolled
):
    client.force_login(enrolled)
    attempt_page = client.get(start(client, quiz_module))
    html = attempt_page.text
    assert "What is 2 + 2?" in html and "five" in html and "Pi to two" in html
    for secret in SECRETS:
        assert secret not in html
    # Each question is a fieldset with a legend; every input has a label.
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3
    assert 'for="q-q-city"' in html


def test_answers_are_graded_on_the_server(client, quiz_module, enrolled):
    client.force_login(enrolled)
    attempt_url = start(client, quiz_module)
    response = client.post(attempt_url, {**RIGHT, "action": "submit"})
    assert response.status_code == 302
    attempt = QuizAttempt.objects.get(student=enrolled)
    assert (attempt.score, attempt.max_score, attempt.passed) == (3, 3, True)
    result = client.get(attempt_url).text
    assert "3 / 3" in result and "Yes." in result and "OVERALL-FEEDBACK" in result
    # A forged "correct" flag or an unknown choice earns nothing.
    second = start(client, quiz_module)
    client.post(second, {"q-q-sum": "c-nope", "correct": "true", "action": "submit"})
    last = QuizAttempt.objects.get(student=enrolled, number=2)
    assert last.score == 0 and last.passed is False


def test_the_attempts_allowed_are_all_a_student_gets(client, quiz_module, enrolled):
    client.force_login(enrolled)
    for _ in range(2):
        client.post(start(client, quiz_module), {"action": "submit"})
    response = client.post(quiz_url(quiz_module))
    assert response.status_code == 302 and response.url == quiz_url(quiz_module)
    assert QuizAttempt.objects.filter(student=enrolled).count() == 2
    assert "used every attempt" in client.get(quiz_url(quiz_module)).text


def test_starting_twice_continues_the_open_attempt(client, quiz_module, enrolled):
    client.force_login(enrolled)
    assert start(client, quiz_module) == start(client, quiz_module)
    assert QuizAttempt.objects.filter(student=enrolled).count() == 1


def test_after_the_deadline_what_was_saved_by_then_is_graded(
    client, quiz_module, enrolled
):
    client.force_login(enrolled)
    attempt_url = start(client, quiz_module)
    attempt = QuizAttempt.objects.get(student=enrolled)
    save_url = f"/students/attempts/{attempt.pk}/save/"
    saved = client.post(
        save_url,
        json.dumps({"q-q-sum": "c-right"}),
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["saved"] is True
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(minutes=2)
    )
    late = client.post(save_url, json.dumps(RIGHT), content_type="application/json")
    assert late.status_code == 409 and late.json()["closed"] is True
    client.post(attempt_url, {**RIGHT, "action": "submit"})
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert attempt.score == 1  # the saved answer only, not the late ones


def test_an_attempt_left_open_past_its_deadline_is_closed_when_next_seen(
    client, quiz_module, enrolled
):
    client.force_login(enrolled)
    start(client, quiz_module)
    attempt = QuizAttempt.objects.get(student=enrolled)
    QuizAttempt.objects.filter(pk=attempt.pk).update(
        answers={"q-sum": "c-right"}, deadline=timezone.now() - timedelta(hours=1)
    )
    assert "1 / 3" in client.get(quiz_url(quiz_module)).text
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 1


def test_a_timed_attempt_shows_a_timer_counted_by_the_server(client, course, enrolled):
    module = ModulePageFactory(
        parent=course,
        body=[{"type": "quiz", "id": "quiz-1", "value": quiz_value(time_limit=10)}],
    )
    client.force_login(enrolled)
    html = client.get(start(client, module)).text
    left = int(re.search(r'data-seconds-left="(\d+)"', html).group(1))
    assert 590 <= left <= 600
    assert 'role="timer"' in html and 'role="status"' in html


def test_bad_autosaves_get_a_clear_answer(client, quiz_module, enrolled):
    client.force_login(enrolled)
    start(client, quiz_module)
    url = f"/students/attempts/{QuizAttempt.objects.get().pk}/save/"
    for body in ("{not json", "[1, 2]", '"text"'):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400 and "detail" in response.json()
    junk = {"q-q-sum": ["x"] * 50, "q-q-city": "y" * 5000, "q-nope": {"a": 1}}
    response = client.post(url, json.dumps(junk), content_type="application/json")
    assert response.status_code == 200
    huge = json.dumps({"q-q-city": "z" * 100_000})
    assert client.post(url, huge, content_type="application/json").status_code == 413


def test_an_edited_question_never_changes_a_stored_score(client, quiz_module, enrolled):
    client.force_login(enrolled)
    client.post(start(client, quiz_module), {**RIGHT, "action": "submit"})
    value = quiz_value()
    value["questions"][0]["value"]["choices"][0]["value"]["correct"] = False
    value["questions"][0]["value"]["choices"][1]["value"]["correct"] = True
    quiz_module.body = [{"type": "quiz", "id": "quiz-1", "value": value}]
    quiz_module.save_revision().publish()
    attempt = QuizAttempt.objects.get(student=enrolled)
    assert attempt.score == 3
    assert "3 / 3" in client.get(quiz_url(quiz_module)).text


def test_passing_a_pass_to_complete_quiz_completes_the_module(
    client, api, course, enrolled
):
    module = ModulePageFactory(
        parent=course,
        body=[
            {
                "type": "quiz",
                "id": "quiz-1",
                "value": quiz_value(pass_to_complete=True, attempts=0),
            }
        ],
    )
    client.force_login(enrolled)
    html = client.get(module.url).text
    assert "Mark as done" not in html and "Pass this module" in html
    # The done button's door refuses too.
    client.post("/students/module-done/", {"module_id": module.pk, "done": "true"})
    assert not ModuleCompletion.objects.filter(module=module).exists()
    api.force_authenticate(enrolled)
    refused = api.post(f"/api/courses/{course.pk}/modules/{module.pk}/done/")
    assert refused.status_code == 409 and "quiz" in refused.json()["detail"]
    assert not ModuleCompletion.objects.filter(module=module).exists()
    client.post(start(client, module), {"action": "submit"})  # fails
    assert not ModuleCompletion.objects.filter(module=module).exists()
    client.post(start(client, module), {**RIGHT, "action": "submit"})
    assert ModuleCompletion.objects.filter(student=enrolled, module=module).exists()


def test_the_module_page_shows_each_student_their_own_status(
    client, quiz_module, enrolled, course
):
    other = UserFactory(username="other-student")
    course.enrollments.create(student=other)
    client.force_login(enrolled)
    assert "Not attempted yet" in client.get(quiz_module.url).text
    client.post(start(client, quiz_module), {**RIGHT, "action": "submit"})
    assert "Your grade: 100%" in client.get(quiz_module.url).text
    client.force_login(other)
    html = client.get(quiz_module.url).text
    assert "Not attempted yet" in html and "100%" not in html


def test_only_the_course_readers_take_it_and_only_the_student_sees_an_attempt(
    client, quiz_module, enrolled, outsider
):
    anonymous = client.get(quiz_url(quiz_module))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    client.force_login(outsider)
    assert client.get(quiz_url(quiz_module)).status_code == 403
    assert client.post(quiz_url(quiz_module)).status_code == 403
    client.force_login(enrolled)
    attempt_url = start(client, quiz_module)
    client.force_login(outsider)
    assert client.get(attempt_url).status_code == 404
    assert client.post(attempt_url, {"action": "submit"}).status_code == 404
    assert client.get("/students/quiz/999999/quiz-1/").status_code == 404
    assert client.get(f"/students/quiz/{quiz_module.pk}/nope/").status_code == 404


def test_a_students_statuses_cost_no_query_until_their_work_changes(
    client, course, enrolled, django_assert_num_queries
):
    module = ModulePageFactory(
        parent=course,
        body=[
            {"type": "quiz", "id": "quiz-1", "value": quiz_value()},
            {
                "type": "assignment",
                "id": "essay",
                "value": {
                    "title": "Essay",
                    "instructions": "<p>Write.</p>",
                    "points": "10",
                    "hand_in": "text",
                    "max_size": 1,
                },
            },
        ],
    )
    client.force_login(enrolled)
    for _ in range(3):
        html = client.get(module.url).text
    assert "Not attempted yet" in html and "Not handed in yet" in html
    with django_assert_num_queries(0):
        html = client.get(module.url).text
    assert "Not attempted yet" in html and "Not handed in yet" in html
    client.post(start(client, module), {**RIGHT, "action": "submit"})
    client.post(
        f"/students/assignments/{module.pk}/essay/", {"text": "My three sentences."}
    )
    html = client.get(module.url).text
    assert "Your grade: 100%" in html and "Handed in" in html


def test_a_grade_set_by_hand_shows_in_the_quiz_status(
    client, quiz_module, enrolled, instructor
):
    from assessment import grades
    from assessment.items import items_of_module

    client.force_login(enrolled)
    client.post(start(client, quiz_module), {"action": "submit"})  # 0 / 3
    assert "Your grade: 0%" in client.get(quiz_module.url).text
    (item,) = items_of_module(quiz_module)
    grades.override(instructor, enrolled, item, "2.5", "Marked the essay by hand")
    html = client.get(quiz_module.url).text
    assert "Your grade: 2.50 points, set by the course" in html
    html = client.get(quiz_url(quiz_module)).text
    assert "2.50 points</strong>, set by the course" in html
    assert "Your grade: <strong>0%" not in html


def test_a_regrade_that_turns_an_attempt_into_a_pass_completes_the_module(
    course, enrolled, instructor, client
):
    from assessment.admin_views import regrade_quiz
    from assessment.items import items_of_module

    value = quiz_value(pass_to_complete=True, pass_mark="100")
    module = ModulePageFactory(
        parent=course, body=[{"type": "quiz", "id": "quiz-1", "value": value}]
    )
    client.force_login(enrolled)
    client.post(
        start(client, module), {**RIGHT, "q-q-sum": "c-wrong", "action": "submit"}
    )
    assert not ModuleCompletion.objects.filter(module=module).exists()
    # The instructor finds the key was wrong: "five" is accepted too.
    value["questions"][0]["value"]["choices"][1]["value"]["correct"] = True
    value["questions"][0]["type"] = "single_choice"
    value["questions"][0]["value"]["choices"][0]["value"]["correct"] = False
    module.body = [{"type": "quiz", "id": "quiz-1", "value": value}]
    module.save_revision().publish()
    module.refresh_from_db()
    (item,) = items_of_module(module)
    regrade = regrade_quiz(item, instructor)
    assert (regrade.attempts, regrade.changed) == (1, 1)
    assert ModuleCompletion.objects.filter(student=enrolled, module=module).exists()


def test_a_modules_items_cost_no_query_for_its_other_blocks(
    course, django_assert_num_queries
):
    from wagtail_factories import DocumentFactory, ImageFactory

    from assessment.items import items_of_module
    from learning.models import ModulePage

    image, document = ImageFactory(), DocumentFactory()
    module = ModulePageFactory(
        parent=course,
        body=[
            {"type": "image", "value": {"image": image.pk, "caption": ""}},
            {"type": "file", "value": {"document": document.pk, "description": ""}},
            {"type": "quiz", "id": "quiz-1", "value": quiz_value()},
        ],
    )
    module = ModulePage.objects.get(pk=module.pk)
    with django_assert_num_queries(0):
        (item,) = items_of_module(module)
        assert item.points == 3 and module.completed_by_quiz is False


def test_ids_no_database_holds_are_404s(client, enrolled, superuser):
    huge = "9" * 30
    client.force_login(enrolled)
    for url in (
        f"/students/quiz/{huge}/quiz-1/",
        f"/students/attempts/{huge}/",
        f"/students/assignments/{huge}/essay/",
        f"/students/submissions/{huge}/notes.txt",
        f"/students/course/{huge}/",
        f"/chat/room/{huge}/",
        "/students/quiz/1/" + "x" * 41 + "/",
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(superuser)
    assert client.get(f"/admin/grades/{huge}/").status_code == 404


def test_a_block_id_no_path_can_hold_shows_the_quiz_without_its_link(
    client, course, enrolled
):
    module = ModulePageFactory(
        parent=course,
        body=[{"type": "quiz", "id": "an id/with spaces", "value": quiz_value()}],
    )
    client.force_login(enrolled)
    response = client.get(module.url)
    assert response.status_code == 200
    assert "Check yourself" in response.text and "Open the quiz" not in response.text


def test_a_module_moved_to_another_course_takes_its_work_along(
    client, quiz_module, enrolled, course, instructor
):
    from assessment.models import Submission
    from demo.factories import CoursePageFactory

    client.force_login(enrolled)
    client.post(start(client, quiz_module), {**RIGHT, "action": "submit"})
    Submission.objects.create(
        student=enrolled, module=quiz_module, course=course, block_id="essay"
    )
    other = CoursePageFactory(parent=course.get_parent(), title="Geometry")
    quiz_module.move(other, pos="last-child")
    assert set(QuizAttempt.objects.values_list("course_id", flat=True)) == {other.pk}
    assert set(Submission.objects.values_list("course_id", flat=True)) == {other.pk}
