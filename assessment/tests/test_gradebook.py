"""The gradebook: points per student and item, overrides, totals against the course's
pass mark, a fixed number of queries, the CSV export and the student's own page."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment import grades
from assessment.admin_views import text_cell
from assessment.items import course_items
from assessment.models import AssignmentGrade, GradeOverride, QuizAttempt
from classroom.models import Enrollment
from demo.factories import ModulePageFactory, UserFactory

pytestmark = pytest.mark.django_db


def question(id, points="1", answer="true"):
    return {
        "type": "true_false",
        "id": id,
        "value": {
            "prompt": f"<p>Is {id} true?</p>",
            "answer": answer,
            "points": points,
            "feedback": "",
        },
    }


def quiz_value(title="Check yourself", grade_method="highest", questions=None):
    return {
        "title": title,
        "instructions": "",
        "attempts": 0,
        "time_limit": None,
        "pass_mark": "50",
        "grade_method": grade_method,
        "shuffle_questions": False,
        "shuffle_choices": False,
        "draw": None,
        "feedback": "each",
        "pass_to_complete": False,
        "questions": questions
        or [question("q1", points="2"), question("q2", points="3")],
    }


def assignment_value(title="Essay", points="10"):
    return {
        "title": title,
        "instructions": "<p>Write an essay.</p>",
        "due": None,
        "points": points,
        "hand_in": "text",
        "file_types": "",
        "max_size": 10,
        "late": False,
    }


def graded_module(course, title="Checkpoint", quiz=None, assignment=None, n=1):
    """A module with a quiz (`quiz-<n>`, five points) and an assignment
    (`essay-<n>`, ten points)."""
    return ModulePageFactory(
        parent=course,
        title=title,
        body=[
            {"type": "text", "value": "<p>Read this first.</p>", "id": f"text-{n}"},
            {"type": "quiz", "id": f"quiz-{n}", "value": quiz or quiz_value()},
            {
                "type": "assignment",
                "id": f"essay-{n}",
                "value": assignment or assignment_value(),
            },
        ],
    )


def attempt(student, module, block_id, score, max_score, number, minutes=0):
    return QuizAttempt.objects.create(
        student=student,
        module=module,
        course=module.get_parent().specific,
        block_id=block_id,
        number=number,
        snapshot={"settings": {}, "questions": []},
        submitted_at=timezone.now() + timedelta(minutes=minutes),
        score=Decimal(score),
        max_score=Decimal(max_score),
    )


def assignment_grade(student, module, block_id, points, by=None, feedback=""):
    return AssignmentGrade.objects.create(
        student=student,
        module=module,
        course=module.get_parent().specific,
        block_id=block_id,
        points=Decimal(points),
        feedback=feedback,
        graded_by=by,
    )


def cells_of(book, student):
    row = next(row for row in book.rows if row.student == student)
    return {cell.item.block_id: cell for cell in row.cells}, row


@pytest.fixture
def module(course):
    return graded_module(course)


def test_quiz_points_follow_the_grade_method_and_the_items_points(
    course, module, enrolled
):
    # 40% then 80%, out of the quiz's five points.
    attempt(enrolled, module, "quiz-1", "2", "5", 1)
    attempt(enrolled, module, "quiz-1", "4", "5", 2, minutes=1)
    # An attempt in progress never counts.
    QuizAttempt.objects.create(
        student=enrolled,
        module=module,
        course=course,
        block_id="quiz-1",
        number=3,
        snapshot={},
    )
    cells, _ = cells_of(grades.gradebook(course), enrolled)
    assert cells["quiz-1"].max == Decimal("5")
    assert cells["quiz-1"].points == Decimal("4.00")
    assert cells["quiz-1"].attempts == 2

    for method, expected in [("last", "4.00"), ("first", "2.00"), ("average", "3.00")]:
        value = quiz_value(grade_method=method)
        module.body = [{"type": "quiz", "id": "quiz-1", "value": value}]
        module.save()
        cells, _ = cells_of(grades.gradebook(course), enrolled)
        assert cells["quiz-1"].points == Decimal(expected), method


def test_assignment_points_are_the_staffs_grade(course, module, enrolled, instructor):
    cells, _ = cells_of(grades.gradebook(course), enrolled)
    assert cells["essay-1"].points is None
    assignment_grade(enrolled, module, "essay-1", "7.5", instructor, "Good start.")
    cells, _ = cells_of(grades.gradebook(course), enrolled)
    assert cells["essay-1"].points == Decimal("7.5")
    assert cells["essay-1"].max == Decimal("10")
    assert cells["essay-1"].feedback == "Good start."


def test_every_enrolled_student_has_a_row_and_only_they(course, module, enrolled):
    outsider = UserFactory(username="not-enrolled")
    attempt(outsider, module, "quiz-1", "5", "5", 1)
    book = grades.gradebook(course)
    assert [row.student for row in book.rows] == [enrolled]
    assert [item.block_id for item in book.items] == ["quiz-1", "essay-1"]


def test_an_override_replaces_the_grade_and_keeps_the_original(
    course, module, enrolled, instructor, superuser
):
    attempt(enrolled, module, "quiz-1", "3", "5", 1)
    quiz = next(item for item in course_items(course) if item.kind == "quiz")
    grades.override(instructor, enrolled, quiz, "5", "Question 2 was ambiguous.")
    cells, row = cells_of(grades.gradebook(course), enrolled)
    assert cells["quiz-1"].points == Decimal("5")
    assert cells["quiz-1"].computed == Decimal("3.00")
    assert cells["quiz-1"].override.original == Decimal("3.00")

    # The latest counts; every change stays in the history.
    grades.override(superuser, enrolled, quiz, "4", "Second look.")
    cells, row = cells_of(grades.gradebook(course), enrolled)
    assert cells["quiz-1"].points == Decimal("4")
    history = cells["quiz-1"].overrides
    assert [(o.points, o.original, o.by) for o in history] == [
        (Decimal("5"), Decimal("3.00"), instructor),
        (Decimal("4"), Decimal("3.00"), superuser),
    ]
    assert GradeOverride.objects.count() == 2


def test_an_override_of_an_ungraded_item_has_no_original(
    course, module, enrolled, instructor
):
    essay = next(item for item in course_items(course) if item.kind == "assignment")
    row = grades.override(
        instructor, enrolled, essay, Decimal("6"), "Handed in on paper."
    )
    assert row.original is None
    cells, _ = cells_of(grades.gradebook(course), enrolled)
    assert cells["essay-1"].points == Decimal("6")


@pytest.mark.parametrize(
    "points, reason, field",
    [
        ("11", "Too many", "points"),
        ("-1", "Negative", "points"),
        ("abc", "Not a number", "points"),
        ("NaN", "Not a number", "points"),
        ("Infinity", "Not a number", "points"),
        ("5", "   ", "reason"),
    ],
)
def test_an_override_needs_a_reason_and_points_in_range(
    course, module, enrolled, instructor, points, reason, field
):
    essay = next(item for item in course_items(course) if item.kind == "assignment")
    with pytest.raises(ValidationError) as error:
        grades.override(instructor, enrolled, essay, points, reason)
    assert field in error.value.message_dict
    assert not GradeOverride.objects.exists()


def test_totals_and_pass_fail_against_the_courses_pass_mark(
    course, module, enrolled, instructor
):
    course.pass_mark = Decimal("60")
    course.save()
    other = UserFactory(username="bea")
    Enrollment.objects.create(student=other, course=course)
    # enrolled: quiz 100% (5/5) + essay 5/10 = 10/15 = 66.67% → passed.
    attempt(enrolled, module, "quiz-1", "5", "5", 1)
    assignment_grade(enrolled, module, "essay-1", "5", instructor)
    # bea: quiz 80% (4) + essay not graded (0) = 4/15 = 26.67% → not passed.
    attempt(other, module, "quiz-1", "4", "5", 1)
    book = grades.gradebook(course)
    _, row = cells_of(book, enrolled)
    assert (row.total, row.max_total, row.percent, row.passed) == (
        Decimal("10.00"),
        Decimal("15"),
        Decimal("66.67"),
        True,
    )
    _, row = cells_of(book, other)
    assert (row.total, row.percent, row.passed) == (
        Decimal("4.00"),
        Decimal("26.67"),
        False,
    )
    # Right at the pass mark passes.
    course.pass_mark = Decimal("26.67")
    course.save()
    _, row = cells_of(grades.gradebook(course), other)
    assert row.passed is True


def test_a_course_with_nothing_to_grade_has_no_percent(course, enrolled):
    _, row = cells_of(grades.gradebook(course), enrolled)
    assert row.cells == [] and row.percent is None and row.passed is None


def populate(course, students, modules, start=0):
    """`students` more enrolled students and `modules` more graded modules, each
    student with attempts, a grade and an override."""
    made = [
        graded_module(course, title=f"Unit {start + n}", n=start + n)
        for n in range(modules)
    ]
    items = course_items(course)
    for s in range(students):
        student = UserFactory(username=f"s-{start}-{s}")
        Enrollment.objects.create(student=student, course=course)
        for item in items:
            if item.kind == "quiz":
                attempt(student, item.module, item.block_id, "3", "5", 1)
                attempt(student, item.module, item.block_id, "4", "5", 2, minutes=1)
                continue
            assignment_grade(student, item.module, item.block_id, "8")
            GradeOverride.objects.create(
                student=student,
                module=item.module,
                course=course,
                block_id=item.block_id,
                points=9,
                original=8,
                reason="Re-read",
            )
    return made


def test_the_gradebook_costs_the_same_queries_at_two_sizes(course):
    # The fixture's modules have no graded items; give the course some.
    populate(course, students=2, modules=1, start=100)
    with CaptureQueriesContext(connection) as small:
        book = grades.gradebook(course)
        [row.total for row in book.rows]
    assert len(book.rows) == 2 and len(book.items) == 2

    populate(course, students=8, modules=4, start=200)
    with CaptureQueriesContext(connection) as large:
        book = grades.gradebook(course)
        [row.percent for row in book.rows]
    assert len(book.rows) == 10 and len(book.items) == 10
    assert len(large) == len(small) <= 6


def test_student_grades_cost_the_same_queries_at_two_sizes(
    course, enrolled, django_assert_max_num_queries
):
    populate(course, students=0, modules=1, start=300)
    with CaptureQueriesContext(connection) as small:
        mine = grades.student_grades(enrolled)
    assert [len(entry.row.cells) for entry in mine] == [2]

    populate(course, students=0, modules=5, start=400)
    with django_assert_max_num_queries(len(small)):
        mine = grades.student_grades(enrolled)
    assert [len(entry.row.cells) for entry in mine] == [12]


def test_student_grades_are_the_students_own(course, module, enrolled, instructor):
    other = UserFactory(username="bea")
    Enrollment.objects.create(student=other, course=course)
    attempt(enrolled, module, "quiz-1", "5", "5", 1)
    attempt(other, module, "quiz-1", "1", "5", 1)
    assignment_grade(other, module, "essay-1", "2", instructor, "Bea's feedback")
    [entry] = grades.student_grades(enrolled)
    cells = {cell.item.block_id: cell for cell in entry.row.cells}
    assert cells["quiz-1"].points == Decimal("5.00")
    assert cells["essay-1"].points is None and cells["essay-1"].feedback == ""


# --- CSV ------------------------------------------------------------------------


def test_text_cells_are_neutralised():
    for value in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert text_cell(value) == "'" + value
    assert text_cell("alice") == "alice"
    assert text_cell(None) == ""


def test_the_csv_neutralises_text_and_keeps_numbers(
    client, course, instructor, enrolled
):
    module = graded_module(
        course,
        quiz=quiz_value(title='=HYPERLINK("http://evil")'),
        assignment=assignment_value(title="@Essay"),
    )
    sneaky = UserFactory(username="+sneaky", email="-x@example.com")
    Enrollment.objects.create(student=sneaky, course=course)
    attempt(sneaky, module, "quiz-1", "4", "5", 1)
    assignment_grade(sneaky, module, "essay-1", "7.5")
    client.force_login(instructor)
    response = client.get(reverse("assessment_grades:gradebook_csv", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert header[:2] == ["Username", "Email"]
    assert header[2].startswith("'=HYPERLINK")
    assert header[3].startswith("'@Essay")
    assert header[-4:] == ["Total", "Max", "Percent", "Passed"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["'+sneaky"] == [
        "'+sneaky",
        "'-x@example.com",
        "4",
        "7.5",
        "11.5",
        "15",
        "76.67",
        "yes",
    ]
    assert by_name["student"][2:] == ["", "", "0", "15", "0", "no"]


# --- The student's page -----------------------------------------------------------


def test_the_grades_page_needs_a_login(client):
    response = client.get(reverse("student_grades"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_grades_page_shows_the_students_own_grades(
    client, course, module, enrolled, instructor
):
    other = UserFactory(username="bea")
    Enrollment.objects.create(student=other, course=course)
    attempt(enrolled, module, "quiz-1", "4", "5", 1)
    assignment_grade(
        enrolled, module, "essay-1", "6", instructor, "Clear & well argued."
    )
    assignment_grade(other, module, "essay-1", "1", instructor, "BEA-ONLY-FEEDBACK")
    client.force_login(enrolled)
    response = client.get(reverse("student_grades"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Algebra" in page
    assert "4.00 / 5" in page
    assert "6.00 / 10" in page
    assert "Clear &amp; well argued." in page
    assert "BEA-ONLY-FEEDBACK" not in page
    assert "10.00 / 15" in page and "66.67%" in page
    assert "Passed" in page
    assert module.url in page


def test_the_grades_page_of_a_student_in_no_course(client, student):
    client.force_login(student)
    response = client.get(reverse("student_grades"))
    assert response.status_code == 200
    assert "not enrolled in any course" in response.content.decode()
