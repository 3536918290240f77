"""Grading in the Wagtail admin: who may open each screen, the queue of ungraded
hand-ins, the grading screen, overrides, and re-grading a quiz after an edit."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessment import grading
from assessment.items import course_items
from assessment.models import (
    AssignmentGrade,
    GradeOverride,
    QuizAttempt,
    Regrade,
    Submission,
    SubmissionFile,
)
from assessment.tests.test_gradebook import (
    assignment_value,
    graded_module,
    question,
    quiz_value,
)
from assessment.wagtail_hooks import GradesMenuItem
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory

pytestmark = pytest.mark.django_db


def grades_url(name, *args):
    return reverse(f"assessment_grades:{name}", args=args)


@pytest.fixture
def module(course):
    return graded_module(course)


def hand_in(student, module, block_id="essay-1", text="My essay.", minutes=0):
    return Submission.objects.create(
        student=student,
        module=module,
        course=module.get_parent().specific,
        block_id=block_id,
        text=text,
        submitted_at=timezone.now() + timedelta(minutes=minutes),
    )


@pytest.fixture
def submission(module, enrolled):
    return hand_in(enrolled, module)


def every_view(course, module, submission, student):
    """(method, url, data) of every grading screen of `course`."""
    return [
        ("get", grades_url("index"), None),
        ("get", grades_url("queue", course.pk), None),
        ("get", grades_url("grade_submission", course.pk, submission.pk), None),
        (
            "post",
            grades_url("grade_submission", course.pk, submission.pk),
            {"points": "5", "feedback": "Fine."},
        ),
        ("get", grades_url("gradebook", course.pk), None),
        ("get", grades_url("gradebook_csv", course.pk), None),
        (
            "get",
            grades_url("override", course.pk, student.pk, module.pk, "essay-1"),
            None,
        ),
        (
            "post",
            grades_url("override", course.pk, student.pk, module.pk, "essay-1"),
            {"points": "6", "reason": "Checked again."},
        ),
        ("post", grades_url("regrade", course.pk, module.pk, "quiz-1"), {}),
        ("get", grades_url("regrade", course.pk, module.pk, "quiz-1"), {}),
    ]


def call(client, method, url, data):
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize("who", ["instructor", "superuser"])
def test_the_courses_staff_may_use_every_screen(
    client, request, course, module, submission, enrolled, who
):
    client.force_login(request.getfixturevalue(who))
    for method, url, data in every_view(course, module, submission, enrolled):
        response = call(client, method, url, data)
        expected = 302 if method == "post" else 200
        assert response.status_code == expected, (method, url)
    assert AssignmentGrade.objects.count() == 1
    assert GradeOverride.objects.count() == 1
    assert Regrade.objects.count() == 1


def test_another_instructor_gets_403_everywhere(
    client, other_instructor, course, module, submission, enrolled
):
    # They keep a course of their own, so the Grades screen itself opens for them.
    CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    client.force_login(other_instructor)
    for method, url, data in every_view(course, module, submission, enrolled):
        response = call(client, method, url, data)
        if url == grades_url("index"):
            assert response.status_code == 200
            assert "Algebra" not in response.content.decode()
            continue
        assert response.status_code == 403, (method, url)
    assert not AssignmentGrade.objects.exists()
    assert not GradeOverride.objects.exists()
    assert not Regrade.objects.exists()


def test_an_instructor_without_courses_gets_403_on_the_grades_screen(
    client, other_instructor
):
    client.force_login(other_instructor)
    assert client.get(grades_url("index")).status_code == 403


@pytest.mark.parametrize("who", ["student", "anonymous"])
def test_students_and_visitors_are_sent_to_the_admin_login(
    client, course, module, submission, enrolled, who
):
    if who == "student":
        client.force_login(enrolled)
    for method, url, data in every_view(course, module, submission, enrolled):
        response = call(client, method, url, data)
        assert response.status_code == 302, (method, url)
        assert response.url.startswith(reverse("wagtailadmin_login"))
    assert not AssignmentGrade.objects.exists()
    assert not Regrade.objects.exists()


def test_objects_of_other_courses_are_404(
    client, instructor, course, module, enrolled, other_instructor
):
    theirs = CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    their_module = graded_module(theirs, title="Angles")
    outsider = UserFactory(username="outsider")
    their_work = hand_in(outsider, their_module)
    client.force_login(instructor)
    # Their hand-in through my course's address, their module, a student not mine.
    assert (
        client.get(grades_url("grade_submission", course.pk, their_work.pk)).status_code
        == 404
    )
    assert (
        client.get(
            grades_url("override", course.pk, enrolled.pk, their_module.pk, "essay-1")
        ).status_code
        == 404
    )
    assert (
        client.get(
            grades_url("override", course.pk, outsider.pk, module.pk, "essay-1")
        ).status_code
        == 404
    )
    assert (
        client.post(grades_url("regrade", course.pk, module.pk, "essay-1")).status_code
        == 404
    )
    assert client.get(grades_url("queue", 999999)).status_code == 404


def test_the_menu_item_is_for_those_who_keep_grades(
    rf, instructor, other_instructor, superuser, course
):
    item = GradesMenuItem("Grades", grades_url("index"))
    for user, shown in [
        (instructor, True),
        (other_instructor, False),
        (superuser, True),
    ]:
        request = rf.get("/admin/")
        request.user = user
        assert item.is_shown(request) is shown, user


def test_posts_need_the_csrf_token(instructor, course, module, submission):
    client = Client(enforce_csrf_checks=True)
    client.force_login(instructor)
    url = grades_url("grade_submission", course.pk, submission.pk)
    assert client.post(url, {"points": "5"}).status_code == 403
    assert (
        client.post(grades_url("regrade", course.pk, module.pk, "quiz-1")).status_code
        == 403
    )
    assert not AssignmentGrade.objects.exists()
    assert not Regrade.objects.exists()


# --- The queue and the grading screen ---------------------------------------------


def test_grading_empties_the_queue_and_a_new_hand_in_refills_it(
    client, instructor, course, module, enrolled
):
    client.force_login(instructor)
    queue = grades_url("queue", course.pk)
    assert "Nothing waits for a grade" in client.get(queue).content.decode()

    first = hand_in(enrolled, module, text="First draft", minutes=-10)
    latest = hand_in(enrolled, module, text="Final version", minutes=-5)
    page = client.get(queue).content.decode()
    # The latest hand-in only.
    assert grades_url("grade_submission", course.pk, latest.pk) in page
    assert grades_url("grade_submission", course.pk, first.pk) not in page
    index = client.get(grades_url("index")).content.decode()
    assert '<td class="ungraded-count">1</td>' in index

    response = client.post(
        grades_url("grade_submission", course.pk, latest.pk),
        {"points": "8.5", "feedback": "Well argued."},
    )
    assert response.status_code == 302
    grade = AssignmentGrade.objects.get()
    assert (grade.points, grade.feedback, grade.graded_by, grade.submission) == (
        Decimal("8.5"),
        "Well argued.",
        instructor,
        latest,
    )
    assert "Nothing waits for a grade" in client.get(queue).content.decode()
    index = client.get(grades_url("index")).content.decode()
    assert '<td class="ungraded-count">0</td>' in index

    again = hand_in(enrolled, module, text="One more fix")
    page = client.get(queue).content.decode()
    assert grades_url("grade_submission", course.pk, again.pk) in page

    # Grading again updates the one grade.
    client.post(
        grades_url("grade_submission", course.pk, again.pk),
        {"points": "9", "feedback": "Better."},
    )
    assert AssignmentGrade.objects.get().points == Decimal("9")
    assert "Nothing waits for a grade" in client.get(queue).content.decode()


def test_the_grading_screen_shows_the_work_and_its_files(
    client, instructor, course, module, submission
):
    stored = SubmissionFile(submission=submission, name="essay.txt", size=11)
    stored.file.save("essay.txt", ContentFile(b"hello world"), save=False)
    stored.save()
    client.force_login(instructor)
    response = client.get(grades_url("grade_submission", course.pk, submission.pk))
    page = response.content.decode()
    assert "My essay." in page
    link = reverse("submission_file", args=[stored.pk, stored.file.name.split("/")[-1]])
    assert link in page
    assert "out of 10" in page
    # The staff may open the file.
    assert client.get(link).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"points": "11", "feedback": ""},
        {"points": "-1"},
        {"points": "lots"},
        {"points": ""},
        {"points": "1e400"},
        {"points": "5", "feedback": "x\x00y"},
    ],
)
def test_bad_grades_are_form_errors(
    client, instructor, course, module, submission, data
):
    client.force_login(instructor)
    response = client.post(
        grades_url("grade_submission", course.pk, submission.pk), data
    )
    assert response.status_code == 400
    assert "w-field--error" in response.content.decode()
    assert not AssignmentGrade.objects.exists()


def test_a_graded_hand_in_shows_to_the_student(
    client, instructor, course, module, submission, enrolled
):
    client.force_login(instructor)
    client.post(
        grades_url("grade_submission", course.pk, submission.pk),
        {"points": "7", "feedback": "Mind the conclusion."},
    )
    client.force_login(enrolled)
    page = client.get(reverse("student_grades")).content.decode()
    assert "7.00 / 10" in page
    assert "Mind the conclusion." in page


# --- The gradebook and overrides ----------------------------------------------------


def test_the_gradebook_shows_students_items_totals_and_pass_fail(
    client, instructor, course, module, submission, enrolled
):
    AssignmentGrade.objects.create(
        student=enrolled, module=module, course=course, block_id="essay-1", points=9
    )
    client.force_login(instructor)
    page = client.get(grades_url("gradebook", course.pk)).content.decode()
    assert "Check yourself" in page and "Essay" in page
    assert enrolled.username in page
    assert "9.00 / 15" in page and "60.00%" in page
    assert "Re-grade attempts" in page


def test_an_override_through_the_screen_keeps_the_history(
    client, instructor, course, module, submission, enrolled
):
    AssignmentGrade.objects.create(
        student=enrolled, module=module, course=course, block_id="essay-1", points=4
    )
    client.force_login(instructor)
    url = grades_url("override", course.pk, enrolled.pk, module.pk, "essay-1")
    assert (
        client.post(url, {"points": "6", "reason": "Missed page two."}).status_code
        == 302
    )
    assert (
        client.post(url, {"points": "7", "reason": "Appeal upheld."}).status_code == 302
    )
    page = client.get(url).content.decode()
    assert "Missed page two." in page and "Appeal upheld." in page
    assert [(o.points, o.original) for o in GradeOverride.objects.all()] == [
        (Decimal("6"), Decimal("4")),
        (Decimal("7"), Decimal("4")),
    ]
    book = client.get(grades_url("gradebook", course.pk)).content.decode()
    assert "overridden (computed 4.00)" in book

    # No reason, or points out of range: the form says so, nothing is stored.
    for data in [{"points": "5", "reason": ""}, {"points": "50", "reason": "Why not"}]:
        response = client.post(url, data)
        assert response.status_code == 400
        assert "w-field--error" in response.content.decode()
    assert GradeOverride.objects.count() == 2


# --- Re-grading ---------------------------------------------------------------------


def test_regrading_after_an_edit_changes_the_stored_score_and_is_recorded(
    client, instructor, course, enrolled
):
    questions = [question("q1", points="2"), question("q2", points="3")]
    module = ModulePageFactory(
        parent=course,
        title="Checkpoint",
        body=[
            {"type": "quiz", "id": "quiz-1", "value": quiz_value(questions=questions)}
        ],
    )
    [item] = course_items(course)
    snapshot = grading.build_snapshot(item.value, random.Random(1))
    answers = {"q1": "true", "q2": "true"}
    result = grading.grade(snapshot, answers)
    assert result["score"] == "5.00"
    attempt = QuizAttempt.objects.create(
        student=enrolled,
        module=module,
        course=course,
        block_id="quiz-1",
        number=1,
        snapshot=snapshot,
        answers=answers,
        submitted_at=timezone.now(),
        score=Decimal(result["score"]),
        max_score=Decimal(result["max"]),
        passed=True,
        results=result["results"],
    )
    # An attempt in progress is left alone.
    open_attempt = QuizAttempt.objects.create(
        student=enrolled,
        module=module,
        course=course,
        block_id="quiz-1",
        number=2,
        snapshot=snapshot,
    )

    # The right answer of the three-point question changes.
    questions[1] = question("q2", points="3", answer="false")
    module.body = [
        {"type": "quiz", "id": "quiz-1", "value": quiz_value(questions=questions)}
    ]
    module.save_revision().publish()

    client.force_login(instructor)
    response = client.post(grades_url("regrade", course.pk, module.pk, "quiz-1"))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == Decimal("2.00")
    assert attempt.max_score == Decimal("5.00")
    assert attempt.passed is False
    assert attempt.snapshot["questions"][1]["answer"] == "false"
    assert [r["outcome"] for r in attempt.results] == ["right", "wrong"]
    regrade = Regrade.objects.get()
    assert (regrade.module, regrade.block_id, regrade.by) == (
        module,
        "quiz-1",
        instructor,
    )
    assert (regrade.attempts, regrade.changed) == (1, 1)
    open_attempt.refresh_from_db()
    assert open_attempt.score is None

    # The gradebook follows, and re-grading again changes nothing more.
    page = client.get(grades_url("gradebook", course.pk)).content.decode()
    assert "2.00" in page
    assert "1 attempt, 1 changed" in page
    client.post(grades_url("regrade", course.pk, module.pk, "quiz-1"))
    assert [(r.attempts, r.changed) for r in Regrade.objects.order_by("pk")] == [
        (1, 1),
        (1, 0),
    ]


def test_regrading_is_asked_for_and_done_only_on_a_post(
    client, instructor, course, module
):
    client.force_login(instructor)
    response = client.get(grades_url("regrade", course.pk, module.pk, "quiz-1"))
    assert response.status_code == 200
    assert "submitted attempt" in response.content.decode()
    assert not Regrade.objects.exists()


def test_assignment_value_helper_is_a_valid_block(course):
    # The helpers build what the editor would save.
    module = graded_module(course, assignment=assignment_value(points="4"))
    assert [item.points for item in course_items(course) if item.module == module] == [
        Decimal("5"),
        Decimal("4"),
    ]


def test_the_admin_menu_lists_grades_for_a_course_owner(client, instructor, course):
    client.force_login(instructor)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert grades_url("index") in page
