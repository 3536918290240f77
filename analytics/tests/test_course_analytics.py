"""A course's analytics: its figures on a small course made by hand, who may see
them, their CSV and the number of queries the screen costs."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics import charts
from analytics.figures import CourseFigures
from assessment.models import QuizAttempt, Submission
from classroom.models import CourseMember, Enrollment, ModuleCompletion
from demo.factories import CoursePageFactory, ModulePageFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(days, hours=0):
    return NOW - timedelta(days=days, hours=hours)


def true_false(id, prompt):
    return {
        "type": "true_false",
        "id": id,
        "value": {"prompt": f"<p>{prompt}</p>", "answer": "true", "points": "1"},
    }


def quiz_value(title="Check yourself"):
    return {
        "title": title,
        "instructions": "",
        "attempts": 0,
        "time_limit": None,
        "pass_mark": "60",
        "grade_method": "highest",
        "shuffle_questions": False,
        "shuffle_choices": False,
        "draw": None,
        "feedback": "each",
        "pass_to_complete": False,
        "questions": [
            true_false("q1", "Is <b>x = 2</b> a solution of x + 1 = 3?"),
            true_false("q2", "Is every square a rectangle?"),
        ],
    }


def quiz_module(course, title="Practice", block_id="quiz-1", quiz="Check yourself"):
    return ModulePageFactory(
        parent=course,
        title=title,
        body=[{"type": "quiz", "id": block_id, "value": quiz_value(quiz)}],
    )


def enroll(course, username, days_ago):
    student = UserFactory(username=username)
    enrollment = Enrollment.objects.create(student=student, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(created=ago(days_ago))
    return student


def complete(student, module, days_ago):
    completion = ModuleCompletion.objects.create(
        student=student, module=module, course=module.get_parent().specific
    )
    ModuleCompletion.objects.filter(pk=completion.pk).update(completed=ago(days_ago))


def attempt(student, module, outcomes, passed, days_ago, number=1, submitted=True):
    """A quiz attempt whose stored results say `outcomes` ({question id: outcome})."""
    return QuizAttempt.objects.create(
        student=student,
        module=module,
        course=module.get_parent().specific,
        block_id="quiz-1",
        number=number,
        snapshot={"settings": {}, "questions": []},
        started_at=ago(days_ago, hours=1),
        submitted_at=ago(days_ago) if submitted else None,
        score=Decimal(sum(o == "right" for o in outcomes.values())),
        max_score=Decimal(len(outcomes)),
        passed=passed if submitted else None,
        results=[
            {"id": qid, "points": "0", "max": "1", "outcome": o, "feedback": []}
            for qid, o in outcomes.items()
        ],
    )


@pytest.fixture
def modules(course):
    """The course's three published modules: its two, and a third with a quiz."""
    first, second = course.get_children().specific().order_by("path")
    return [first, second, quiz_module(course)]


def build(course, modules):
    """Seven enrolled students and one who is not, with what they did:

    ana  done 1, 2, 3; quiz passed on her second attempt; active today
    ben  done 1, 2; quiz failed (q2 unanswered); active 5 days ago
    cal  done 1; active 10 days ago
    dee  done 2 only; active 20 days ago
    gus  a quiz attempt only, 40 days ago
    fay  nothing, enrolled 30 days ago
    hal  nothing, enrolled today
    eve  not enrolled: done 1, 2, 3 and a quiz attempt, never counted
    """
    first, second, third = modules
    ana = enroll(course, "ana", 60)
    ben = enroll(course, "ben", 58)
    cal = enroll(course, "cal", 45)
    dee = enroll(course, "dee", 44)
    gus = enroll(course, "gus", 44)
    fay = enroll(course, "fay", 30)
    hal = enroll(course, "hal", 0)
    eve = UserFactory(username="eve")
    complete(ana, first, 20)
    complete(ana, second, 10)
    complete(ana, third, 0)
    complete(ben, first, 8)
    complete(ben, second, 5)
    complete(cal, first, 10)
    complete(dee, second, 20)
    for module in modules:
        complete(eve, module, 1)
    attempt(ana, third, {"q1": "right", "q2": "wrong"}, False, 2, number=1)
    attempt(ana, third, {"q1": "right", "q2": "right"}, True, 1, number=2)
    attempt(ben, third, {"q1": "right", "q2": "unanswered"}, False, 6)
    attempt(gus, third, {"q1": "wrong", "q2": "partly"}, False, 40)
    # Never counted: an attempt in progress, and a student who is not enrolled.
    attempt(ben, third, {"q1": "wrong", "q2": "wrong"}, None, 6, 2, submitted=False)
    attempt(eve, third, {"q1": "wrong", "q2": "wrong"}, False, 1)
    return {
        "ana": ana,
        "ben": ben,
        "cal": cal,
        "dee": dee,
        "gus": gus,
        "fay": fay,
        "hal": hal,
        "eve": eve,
    }


@pytest.fixture
def students(course, modules):
    return build(course, modules)


@pytest.fixture
def figures(course, students):
    return CourseFigures(course, now=NOW)


def page_url(course):
    return reverse("analytics:course", args=[course.pk])


def csv_url(course, table):
    return reverse("analytics:csv", args=[course.pk, table])


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


# --- Figures --------------------------------------------------------------------


def test_enrollments_are_counted_per_week_with_empty_weeks(figures):
    weeks = figures.weeks
    assert sum(week.enrolled for week in weeks) == 7
    assert weeks[-1].total == 7
    assert figures.enrolled == 7
    # Every week from the first enrollment's to this one, each a Monday.
    assert all(week.start.weekday() == 0 for week in weeks)
    assert [b.start - a.start for a, b in zip(weeks, weeks[1:], strict=False)] == [
        timedelta(days=7)
    ] * (len(weeks) - 1)
    assert weeks[-1].start <= timezone.localdate(NOW) < weeks[-1].start + timedelta(7)
    assert any(week.enrolled == 0 for week in weeks)
    by_week = {week.start: week.enrolled for week in weeks}
    monday = timezone.localdate(ago(44)) - timedelta(
        days=timezone.localdate(ago(44)).weekday()
    )
    assert by_week[monday] >= 2  # dee and gus


def test_the_funnel_counts_enrolled_students_who_completed_each_module(figures):
    assert [(s.position, s.completed) for s in figures.funnel] == [
        (1, 3),  # ana, ben, cal (not eve: she is not enrolled)
        (2, 3),  # ana, ben, dee
        (3, 1),  # ana
    ]
    assert [s.percent for s in figures.funnel] == [
        Decimal("42.9"),
        Decimal("42.9"),
        Decimal("14.3"),
    ]


def test_drop_off_counts_who_completed_a_module_and_not_the_next(figures):
    drops = figures.drop_off
    # 1 → 2: of ana, ben, cal, only cal did not complete module 2.
    assert (drops[0].before.position, drops[0].lost) == (1, 1)
    assert drops[0].percent == Decimal("33.3")
    # 2 → 3: of ana, ben, dee, ben and dee did not complete module 3.
    assert (drops[1].before.position, drops[1].lost) == (2, 2)
    assert drops[1].percent == Decimal("66.7")


def test_inactivity_falls_in_buckets(figures):
    assert {b.label: b.students for b in figures.buckets} == {
        "Today": 1,  # ana
        "1–7 days": 1,  # ben
        "8–14 days": 1,  # cal
        "15–30 days": 1,  # dee
        "Over 30 days": 1,  # gus
        "Never": 2,  # fay, hal
    }


def test_last_activity_is_the_latest_completion_attempt_or_hand_in(
    course, modules, figures, students
):
    by_name = {s.username: s for s in figures.students}
    assert by_name["ben"].days == 5
    assert by_name["gus"].days == 40
    assert (by_name["ana"].done, by_name["ana"].total) == (3, 3)
    assert by_name["ben"].percent == 67
    # A hand-in is activity too.
    Submission.objects.create(
        student=students["cal"],
        module=modules[2],
        course=course,
        block_id="essay",
        submitted_at=ago(2),
    )
    again = {s.username: s for s in CourseFigures(course, now=NOW).students}
    assert again["cal"].days == 2


def test_students_inactive_for_more_than_fourteen_days_are_listed(figures):
    # fay enrolled 30 days ago and did nothing; hal enrolled today: not yet.
    assert [s.username for s in figures.inactive] == ["dee", "gus", "fay"]
    assert [s.days for s in figures.inactive] == [20, 40, None]


def test_quiz_pass_rate_counts_students_who_passed_once(figures):
    [quiz] = figures.quizzes
    assert (quiz.students, quiz.passed, quiz.attempts) == (3, 1, 4)
    assert quiz.percent == Decimal("33.3")


def test_question_difficulty_is_the_share_of_right_answers(figures):
    rows = {q.question_id: q for q in figures.questions}
    assert list(rows) == ["q1", "q2"]
    assert (rows["q1"].answers, rows["q1"].right, rows["q1"].partly) == (4, 3, 0)
    assert rows["q1"].percent == Decimal("75.0")
    assert (rows["q2"].answers, rows["q2"].right, rows["q2"].partly) == (4, 1, 1)
    assert rows["q2"].percent == Decimal("25.0")
    assert rows["q1"].label == "Is x = 2 a solution of x + 1 = 3?"


def test_a_question_deleted_since_keeps_its_figures(course, modules, students):
    attempt(students["hal"], modules[2], {"q1": "right", "old": "wrong"}, True, 0)
    rows = {q.question_id: q for q in CourseFigures(course, now=NOW).questions}
    assert list(rows) == ["q1", "q2", "old"]
    assert rows["old"].label == "A question deleted since"
    assert (rows["old"].answers, rows["old"].right) == (1, 0)


def test_a_course_without_students_or_quizzes_has_empty_figures(course):
    figures = CourseFigures(course, now=NOW)
    assert figures.weeks == []
    assert [s.completed for s in figures.funnel] == [0, 0]
    assert [d.percent for d in figures.drop_off] == [None]
    assert figures.quizzes == [] and figures.questions == []
    assert figures.inactive == []


# --- The screen -------------------------------------------------------------------


def test_the_screen_draws_each_chart_over_its_table(
    client, instructor, course, students
):
    client.force_login(instructor)
    response = client.get(page_url(course))
    assert response.status_code == 200
    page = response.content.decode()
    charts = re.findall(r'<svg role="img" aria-labelledby="([^"]+)"', page)
    assert len(charts) == 6
    for labelled_by in charts:
        for id in labelled_by.split():
            assert f'id="{id}"' in page
    assert page.count("<caption>") == 7
    assert page.count('<th scope="col">') > 20
    for table in ["enrollments", "funnel", "drop-off", "activity", "quizzes"]:
        assert csv_url(course, table) in page
    assert csv_url(course, "inactive") in page
    assert "analytics/analytics.css" in page
    # Fills come from the stylesheet's classes, not from the markup.
    assert "fill=" not in page


def test_the_menu_lists_the_users_courses(client, instructor, course, other_instructor):
    CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    client.force_login(instructor)
    admin = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("analytics:index") in admin
    page = client.get(reverse("analytics:index")).content.decode()
    assert page_url(course) in page
    assert "Geometry" not in page


# --- Who may see it -----------------------------------------------------------------


def every_url(course):
    return [page_url(course), csv_url(course, "funnel"), csv_url(course, "inactive")]


@pytest.mark.parametrize("role", ["owner", "instructor", "assistant", "superuser"])
def test_the_courses_staff_see_it(client, course, instructor, superuser, role):
    user = {"owner": instructor, "superuser": superuser}.get(role)
    if user is None:
        user = UserFactory(username=f"team-{role}")
        CourseMember.objects.create(course=course, user=user, role=role)
        user.groups.add(Group.objects.get_or_create(name="Course team")[0])
    client.force_login(user)
    for url in every_url(course):
        assert client.get(url).status_code == 200, url


def test_another_instructor_gets_403(client, course, other_instructor):
    CoursePageFactory(
        parent=course.get_parent(), title="Geometry", owner=other_instructor
    )
    client.force_login(other_instructor)
    for url in every_url(course):
        assert client.get(url).status_code == 403, url
    # Their own course's list opens, without this one.
    page = client.get(reverse("analytics:index"))
    assert page.status_code == 200
    assert "Algebra" not in page.content.decode()


def test_an_instructor_without_courses_gets_403_on_the_list(client, other_instructor):
    client.force_login(other_instructor)
    assert client.get(reverse("analytics:index")).status_code == 403


@pytest.mark.parametrize("who", ["student", "anonymous"])
def test_students_and_visitors_are_sent_to_the_admin_login(
    client, course, enrolled, who
):
    if who == "student":
        client.force_login(enrolled)
    for url in [reverse("analytics:index"), *every_url(course)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("wagtailadmin_login"))


def test_no_such_course_or_table_is_404(client, instructor, course):
    client.force_login(instructor)
    assert client.get(reverse("analytics:course", args=[999999])).status_code == 404
    assert client.get(csv_url(course, "nonsense")).status_code == 404


# --- CSV --------------------------------------------------------------------------


def test_each_table_downloads_as_csv(client, instructor, course, students):
    client.force_login(instructor)
    response = client.get(csv_url(course, "funnel"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="analytics-funnel-{course.slug}.csv"'
    )
    assert read_csv(response) == [
        ["Module", "Completed it", "Share of enrolled (%)"],
        ["1. Equations", "3", "42.9"],
        ["2. Inequalities", "3", "42.9"],
        ["3. Practice", "1", "14.3"],
    ]
    questions = read_csv(client.get(csv_url(course, "questions")))
    assert questions[1] == [
        "Is x = 2 a solution of x + 1 = 3?",
        "Check yourself",
        "4",
        "3",
        "0",
        "75",
    ]
    inactive = read_csv(client.get(csv_url(course, "inactive")))
    assert [row[0] for row in inactive[1:]] == ["dee", "gus", "fay"]
    assert inactive[3][3:5] == ["never", ""]


def test_the_csv_never_starts_a_text_cell_with_a_formula(
    client, instructor, course, modules, students
):
    quiz_module(course, title="-Bonus", quiz='=HYPERLINK("http://x")')
    dee = students["dee"]
    dee.first_name, dee.last_name = "@SUM(A1)", ""
    dee.save()
    client.force_login(instructor)
    quizzes = read_csv(client.get(csv_url(course, "quizzes")))
    assert quizzes[2][:2] == ['\'=HYPERLINK("http://x")', "'-Bonus"]
    inactive = read_csv(client.get(csv_url(course, "inactive")))
    assert inactive[1][:2] == ["dee", "'@SUM(A1)"]
    # Numbers stay numbers (a negative one would too).
    assert quizzes[2][2:] == ["0", "0", "", "0"]


# --- Queries ------------------------------------------------------------------------


def grow(course, modules, start, students=20, extra_modules=3):
    """More students, modules, completions and quiz attempts."""
    more = [
        quiz_module(course, title=f"Extra {start + n}", block_id="quiz-1")
        for n in range(extra_modules)
    ]
    every = [*modules, *more]
    for n in range(students):
        student = enroll(course, f"s{start + n}", n % 50)
        for module in every[: n % len(every) + 1]:
            complete(student, module, n % 40)
        attempt(student, more[0], {"q1": "right", "q2": "wrong"}, n % 2 == 0, n % 30)


def test_the_screen_costs_the_same_queries_at_two_sizes(
    client, instructor, course, modules, students, django_assert_max_num_queries
):
    client.force_login(instructor)
    grow(course, modules, 100, students=2, extra_modules=1)
    client.get(page_url(course))  # the session and the menu's cached parts
    with CaptureQueriesContext(connection) as small:
        assert client.get(page_url(course)).status_code == 200

    grow(course, modules, 200, students=40, extra_modules=6)
    with django_assert_max_num_queries(len(small)):
        response = client.get(page_url(course))
    assert response.status_code == 200
    assert response.content.decode().count('<svg role="img"') == 6


def test_a_csv_costs_the_same_queries_at_two_sizes(
    client, instructor, course, modules, students, django_assert_max_num_queries
):
    client.force_login(instructor)
    client.get(csv_url(course, "inactive"))
    with CaptureQueriesContext(connection) as small:
        client.get(csv_url(course, "inactive"))
    grow(course, modules, 300, students=30, extra_modules=4)
    with django_assert_max_num_queries(len(small)):
        assert client.get(csv_url(course, "inactive")).status_code == 200


@pytest.mark.parametrize(
    "maximum, top, ticks",
    [
        (0, 1, [0, 1]),
        (3, 3, [0, 1, 2, 3]),
        (5, 6, [0, 2, 4, 6]),
        (37, 40, [0, 10, 20, 30, 40]),
        (100, 100, [0, 25, 50, 75, 100]),
    ],
)
def test_column_axes_count_in_round_whole_steps(maximum, top, ticks):
    assert charts.axis_steps(maximum) == (top, ticks)
