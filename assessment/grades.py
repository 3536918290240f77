"""Grades: what each student has earned on each graded item of a course.

A quiz's points are its submitted attempts' percents, aggregated by the quiz's grade
method, times the item's points; an assignment's are the staff's AssignmentGrade.
The latest GradeOverride of a student's item replaces either (the computed value
stays beside it). An item without a grade counts 0 in the total. Each function here
costs a fixed number of queries whatever the number of students and items.
"""

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from assessment.grading import aggregate
from assessment.items import course_items, items_of_module
from assessment.models import (
    AssignmentGrade,
    GradeOverride,
    QuizAttempt,
    Submission,
)
from assessment.signals import attempts_tag
from classroom.models import Enrollment
from learning.models import ModulePage, parent_path_of
from sitecache import tags

CENT = Decimal("0.01")


def cents(value):
    return None if value is None else Decimal(value).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Cell:
    """One student's standing on one item."""

    item: object
    computed: Decimal | None = None  # from attempts or the staff's grade
    grade: AssignmentGrade | None = None
    overrides: list = field(default_factory=list)  # oldest first
    attempts: int = 0  # submitted attempts (quizzes)

    @property
    def override(self):
        return self.overrides[-1] if self.overrides else None

    @property
    def points(self):
        """What counts: the latest override, else the computed value."""
        override = self.override
        return override.points if override is not None else self.computed

    @property
    def max(self):
        return self.item.points

    @property
    def feedback(self):
        return self.grade.feedback if self.grade is not None else ""


@dataclass
class Row:
    student: object
    cells: list
    pass_mark: Decimal

    @property
    def total(self):
        return sum((cell.points or 0 for cell in self.cells), Decimal(0))

    @property
    def max_total(self):
        return sum((cell.max for cell in self.cells), Decimal(0))

    @property
    def percent(self):
        """The total as a percent of the max total (None: nothing to earn)."""
        if not self.max_total:
            return None
        return cents(self.total * 100 / self.max_total)

    @property
    def passed(self):
        percent = self.percent
        return None if percent is None else percent >= self.pass_mark


def item_key(module_id, block_id):
    return (module_id, block_id)


def quiz_points(item, percents):
    percent = aggregate(percents, item.value["grade_method"])
    if percent is None:
        return None
    return cents(Decimal(percent) * item.points / 100)


def _cells(items, students, course_ids, among=None):
    """{(student pk, item key): Cell} for `students` on `items` of `course_ids`:
    three queries whatever their numbers. `among`, a query of student pks, replaces
    the list of them in the queries (a large course's list could pass the
    database's limit on parameters)."""
    student_ids = [student.pk for student in students]
    among = student_ids if among is None else among
    by_key = {item_key(item.module.pk, item.block_id): item for item in items}
    percents = defaultdict(list)
    attempts = (
        QuizAttempt.objects.filter(
            course_id__in=course_ids,
            student_id__in=among,
            submitted_at__isnull=False,
        )
        .order_by("submitted_at", "number")
        .only("student_id", "module_id", "block_id", "score", "max_score")
    )
    for attempt in attempts:
        percent = attempt.percent
        if percent is not None:
            percents[(attempt.student_id, attempt.module_id, attempt.block_id)].append(
                percent
            )
    grades = {
        (grade.student_id, grade.module_id, grade.block_id): grade
        for grade in AssignmentGrade.objects.filter(
            course_id__in=course_ids, student_id__in=among
        )
    }
    overrides = defaultdict(list)
    for override in GradeOverride.objects.filter(
        course_id__in=course_ids, student_id__in=among
    ).select_related("by"):
        overrides[(override.student_id, override.module_id, override.block_id)].append(
            override
        )
    cells = {}
    for student_id in student_ids:
        for key, item in by_key.items():
            lookup = (student_id, *key)
            cell = Cell(item=item, overrides=overrides.get(lookup, []))
            if item.kind == "quiz":
                cell.attempts = len(percents.get(lookup, ()))
                cell.computed = quiz_points(item, percents.get(lookup, []))
            else:
                cell.grade = grades.get(lookup)
                cell.computed = cell.grade.points if cell.grade is not None else None
            cells[(student_id, key)] = cell
    return cells


@dataclass
class Gradebook:
    course: object
    items: list
    rows: list

    @property
    def max_total(self):
        return sum((item.points for item in self.items), Decimal(0))


def gradebook(course, items=None):
    """Every enrolled student × every item of `course`, with totals and pass/fail."""
    items = course_items(course) if items is None else items
    enrollments = Enrollment.objects.filter(course=course)
    students = [
        enrollment.student
        for enrollment in enrollments.select_related("student").order_by(
            "student__username"
        )
    ]
    cells = _cells(items, students, [course.pk], enrollments.values("student_id"))
    rows = [
        Row(
            student=student,
            cells=[
                cells[(student.pk, item_key(item.module.pk, item.block_id))]
                for item in items
            ],
            pass_mark=course.pass_mark,
        )
        for student in students
    ]
    return Gradebook(course=course, items=items, rows=rows)


def items_by_course(courses):
    """`course_items` of each of `courses` in one query: {course pk: [Item]}."""
    courses = list(courses)
    if not courses:
        return {}
    by_path = {course.path: course.pk for course in courses}
    children = reduce(
        operator.or_,
        (Q(path__startswith=c.path, depth=c.depth + 1) for c in courses),
    )
    modules = ModulePage.objects.live_for_students().filter(children).order_by("path")
    found = {course.pk: [] for course in courses}
    for module in modules:
        course_pk = by_path.get(parent_path_of(module.path))
        if course_pk is not None:
            found[course_pk].extend(items_of_module(module))
    return found


@dataclass
class CourseGrades:
    course: object
    row: Row

    @property
    def items(self):
        return [cell.item for cell in self.row.cells]


def student_grades(user):
    """The student's own grades in each published course they are enrolled in."""
    courses = [
        enrollment.course
        for enrollment in Enrollment.objects.filter(student=user, course__live=True)
        .select_related("course")
        .order_by("course__title")
    ]
    items = items_by_course(courses)
    every_item = [item for course in courses for item in items[course.pk]]
    cells = _cells(every_item, [user], [course.pk for course in courses])
    return [
        CourseGrades(
            course=course,
            row=Row(
                student=user,
                cells=[
                    cells[(user.pk, item_key(item.module.pk, item.block_id))]
                    for item in items[course.pk]
                ],
                pass_mark=course.pass_mark,
            ),
        )
        for course in courses
    ]


def grades_changed(student_id):
    """Forget what the student's pages remember of their grades."""
    tags.changed(attempts_tag(student_id))


def cell_of(course, student, item):
    """One student's cell on one item of `course`."""
    return _cells([item], [student], [course.pk])[
        (student.pk, item_key(item.module.pk, item.block_id))
    ]


def override(user_by, student, item, points, reason):
    """Set `student`'s grade on `item` by hand; the computed value is kept as the
    override's `original`. Raises ValidationError on a bad reason or points."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why the grade changes."
    try:
        points = cents(points)
    except (ArithmeticError, TypeError, ValueError):
        points = None
    if points is None or not points.is_finite():
        errors["points"] = "Enter a number of points."
    elif not 0 <= points <= item.points:
        errors["points"] = f"Points go from 0 to {item.points}."
    if errors:
        raise ValidationError(errors)
    course = item.module.course
    cell = cell_of(course, student, item)
    row = GradeOverride.objects.create(
        student=student,
        module=item.module,
        course=course,
        block_id=item.block_id,
        points=points,
        original=cell.computed,
        reason=reason,
        by=user_by,
        at=timezone.now(),
    )
    grades_changed(student.pk)
    return row


# --- The grading queue ------------------------------------------------------------


def ungraded_submissions(**filters):
    """Latest hand-ins (per student and assignment) that no grade is as new as, of
    modules students see."""
    later = Submission.objects.filter(
        student_id=OuterRef("student_id"),
        module_id=OuterRef("module_id"),
        block_id=OuterRef("block_id"),
        submitted_at__gt=OuterRef("submitted_at"),
    )
    graded = AssignmentGrade.objects.filter(
        student_id=OuterRef("student_id"),
        module_id=OuterRef("module_id"),
        block_id=OuterRef("block_id"),
        graded_at__gte=OuterRef("submitted_at"),
    )
    return Submission.objects.filter(
        module_id__in=ModulePage.objects.live_for_students().values("pk"),
        **filters,
    ).filter(~Exists(later), ~Exists(graded))


def grading_queue(course, items=None):
    """[(submission, item)] waiting for a grade in `course`, oldest first."""
    items = course_items(course) if items is None else items
    by_key = {item_key(item.module.pk, item.block_id): item for item in items}
    queue = (
        ungraded_submissions(course=course)
        .select_related("student")
        .prefetch_related("files")
        .order_by("submitted_at", "pk")
    )
    return [
        (submission, by_key[key])
        for submission in queue
        if (key := item_key(submission.module_id, submission.block_id)) in by_key
        and by_key[key].kind == "assignment"
    ]


def save_grade(submission, points, feedback, by):
    """The staff's grade of `submission`'s student on its assignment."""
    with transaction.atomic():
        grade, _ = AssignmentGrade.objects.update_or_create(
            student_id=submission.student_id,
            module_id=submission.module_id,
            block_id=submission.block_id,
            defaults={
                "course_id": submission.course_id,
                "submission": submission,
                "points": points,
                "feedback": feedback,
                "graded_by": by,
                "graded_at": timezone.now(),
            },
        )
    grades_changed(submission.student_id)
    return grade
