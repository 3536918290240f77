"""What a course's students do, counted in the database.

Each figure of `CourseFigures` is one grouped query (or two), whatever the number
of students, modules and quizzes: the screen costs the same number of queries for
a course of ten students and one of ten thousand. Only the course's published
modules count (what students can open, as in `classroom.progress`), and only its
enrolled students: someone who unenrolled no longer weighs on its figures.

A student's *activity* is what the database records of them in the course: a
module marked done, a quiz attempt started, saved or submitted, an assignment
handed in. Reading a page leaves no trace, so a student who only reads counts as
never active.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db import connection
from django.db.models import BigIntegerField, Case, Count, Max, Q, Sum, When
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from assessment.items import items_of_module
from assessment.models import QuizAttempt, Submission
from classroom.models import Enrollment, ModuleCompletion
from learning.models import ModulePage

INACTIVE_DAYS = 14
# Modules per mask column of `CourseFigures.completed` (a signed 64-bit sum).
MASK_BITS = 62
# Time since the last activity, in whole days: (label, longest, or None: older).
BUCKETS = [
    ("Today", 0),
    ("1–7 days", 7),
    ("8–14 days", 14),
    ("15–30 days", 30),
    ("Over 30 days", None),
]
NEVER = "Never"


def share(part, whole):
    """`part` as a percent of `whole`, to one decimal (None when `whole` is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def week_of(day):
    """The Monday of `day`'s week (weeks as the database's TruncWeek counts them)."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Week:
    start: date
    enrolled: int  # that week
    total: int  # by the end of that week


@dataclass(frozen=True)
class Step:
    """One module of the funnel: how many enrolled students completed it."""

    position: int
    module: ModulePage
    completed: int
    percent: Decimal | None  # of the enrolled students


@dataclass(frozen=True)
class DropOff:
    """From a module to the next: who completed the first and not the second."""

    before: Step
    after: Step
    lost: int
    percent: Decimal | None  # of those who completed `before`


@dataclass(frozen=True)
class Bucket:
    label: str
    students: int
    percent: Decimal | None


@dataclass(frozen=True)
class StudentActivity:
    student_id: int
    username: str
    name: str
    email: str
    enrolled: object  # datetime
    last_activity: object  # datetime or None
    days: int | None  # since the last activity
    days_enrolled: int
    done: int
    total: int

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class QuizFigures:
    item: object  # assessment.items.Item
    students: int  # who submitted an attempt
    passed: int  # who passed at least once
    attempts: int

    @property
    def percent(self):
        return share(self.passed, self.students)


@dataclass(frozen=True)
class QuestionFigures:
    quiz: object  # assessment.items.Item
    question_id: str
    label: str
    answers: int  # times it was served in a submitted attempt
    right: int
    partly: int

    @property
    def percent(self):
        """The share of right answers: the higher, the easier."""
        return share(self.right, self.answers)


def question_labels(item):
    """{question id: its prompt as short plain text} of a quiz as it is now."""
    labels = {}
    for i, child in enumerate(item.value.get("questions") or []):
        text = " ".join(strip_tags(str(child.value.get("prompt") or "")).split())
        labels[str(child.id or i)] = Truncator(text).chars(90) or f"Question {i + 1}"
    return labels


class CourseFigures:
    """Every figure of the analytics screen for one course, each computed when
    first read (a CSV export reads one)."""

    def __init__(self, course, now=None):
        self.course = course
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)

    # --- What the figures share ---------------------------------------------------

    @cached_property
    def modules(self):
        """The course's published modules, in the course's order (bodies too: the
        quizzes are read from them)."""
        return list(ModulePage.objects.child_of(self.course).live().order_by("path"))

    @cached_property
    def module_ids(self):
        return [module.pk for module in self.modules]

    def enrolled_ids(self):
        """The enrolled students, as a subquery."""
        return Enrollment.objects.filter(course=self.course).values("student_id")

    @cached_property
    def weeks(self):
        """Enrollments per week, from the first enrollment's week to this one,
        weeks without any included."""
        rows = (
            Enrollment.objects.filter(course=self.course)
            .annotate(week=TruncWeek("created"))
            .values("week")
            .annotate(n=Count("pk"))
            .order_by("week")
        )
        counts = {}
        for row in rows:
            week = week_of(timezone.localdate(row["week"]))
            counts[week] = counts.get(week, 0) + row["n"]
        if not counts:
            return []
        weeks = []
        total = 0
        start = min(counts)
        last = max(week_of(self.today), max(counts))
        while start <= last:
            total += counts.get(start, 0)
            weeks.append(Week(start=start, enrolled=counts.get(start, 0), total=total))
            start += timedelta(days=7)
        return weeks

    @cached_property
    def enrolled(self):
        """How many students are enrolled."""
        return self.weeks[-1].total if self.weeks else 0

    # --- The funnel and its drop-off ------------------------------------------------

    @cached_property
    def completed(self):
        """{student pk: (modules done as bits, last completion)} of the enrolled
        students, in one query grouped by student: bit n of the mask is set when
        the student completed the n-th published module (a sum of distinct
        powers of two, since a student completes a module once). The funnel, the
        drop-off and each student's progress are read from these masks."""
        words = [
            self.module_ids[start : start + MASK_BITS]
            for start in range(0, len(self.module_ids), MASK_BITS)
        ]
        masks = {
            f"mask{n}": Sum(
                Case(
                    *(When(module_id=pk, then=1 << bit) for bit, pk in enumerate(word)),
                    default=0,
                    output_field=BigIntegerField(),
                )
            )
            for n, word in enumerate(words)
        }
        rows = (
            ModuleCompletion.objects.filter(
                Q(course=self.course) | Q(module_id__in=self.module_ids),
                student_id__in=self.enrolled_ids(),
            )
            .values("student_id")
            .annotate(last=Max("completed"), **masks)
        )
        completed = {}
        for row in rows:
            mask = 0
            for n in range(len(words)):
                mask |= (row[f"mask{n}"] or 0) << (n * MASK_BITS)
            completed[row["student_id"]] = (mask, row["last"])
        return completed

    @cached_property
    def funnel(self):
        """[Step] per published module: enrolled students who completed it."""
        counts = [0] * len(self.modules)
        for mask, students in self.masks.items():
            for n in range(len(counts)):
                if mask >> n & 1:
                    counts[n] += students
        return [
            Step(
                position=n + 1,
                module=module,
                completed=counts[n],
                percent=share(counts[n], self.enrolled),
            )
            for n, module in enumerate(self.modules)
        ]

    @cached_property
    def masks(self):
        """{mask: how many students completed exactly those modules}."""
        return Counter(mask for mask, _ in self.completed.values())

    @cached_property
    def drop_off(self):
        """[DropOff] between consecutive modules: who completed one and not the
        next, whatever order they took them in."""
        steps = self.funnel
        lost = [0] * len(steps)
        for mask, students in self.masks.items():
            for n in range(len(steps) - 1):
                if mask >> n & 1 and not mask >> (n + 1) & 1:
                    lost[n] += students
        return [
            DropOff(
                before=a,
                after=b,
                lost=lost[n],
                percent=share(lost[n], a.completed),
            )
            for n, (a, b) in enumerate(zip(steps, steps[1:], strict=False))
        ]

    # --- Activity ---------------------------------------------------------------------

    @cached_property
    def students(self):
        """[StudentActivity] of every enrolled student, by username: four grouped
        queries (the enrollments, `completed`, and the latest quiz attempt and
        hand-in of each)."""
        enrolled = self.enrolled_ids()
        done = {}
        last = {}

        def later(student_id, when):
            if when is not None and (
                last.get(student_id) is None or when > last[student_id]
            ):
                last[student_id] = when

        for student_id, (mask, when) in self.completed.items():
            done[student_id] = mask.bit_count()
            later(student_id, when)
        # An attempt's latest moment: submitted, else last saved, else started.
        attempts = (
            QuizAttempt.objects.filter(course=self.course, student_id__in=enrolled)
            .values("student_id")
            .annotate(last=Max(Coalesce("submitted_at", "saved_at", "started_at")))
            .values_list("student_id", "last")
        )
        for student_id, when in attempts:
            later(student_id, when)
        hand_ins = (
            Submission.objects.filter(course=self.course, student_id__in=enrolled)
            .values("student_id")
            .annotate(last=Max("submitted_at"))
            .values_list("student_id", "last")
        )
        for student_id, when in hand_ins:
            later(student_id, when)
        rows = (
            Enrollment.objects.filter(course=self.course)
            .order_by("student__username")
            .values_list(
                "student_id",
                "student__username",
                "student__first_name",
                "student__last_name",
                "student__email",
                "created",
            )
        )
        total = len(self.modules)
        # Looked up once: timezone.localdate() looks it up on every call.
        zone = timezone.get_current_timezone()
        students = []
        for student_id, username, first, family, email, created in rows:
            when = last.get(student_id)
            students.append(
                StudentActivity(
                    student_id=student_id,
                    username=username,
                    name=f"{first} {family}".strip(),
                    email=email,
                    enrolled=created,
                    last_activity=when,
                    days=None
                    if when is None
                    else (self.today - when.astimezone(zone).date()).days,
                    days_enrolled=(self.today - created.astimezone(zone).date()).days,
                    done=done.get(student_id, 0),
                    total=total,
                )
            )
        return students

    @cached_property
    def buckets(self):
        """[Bucket] of the time since each student's last activity."""
        counts = dict.fromkeys([label for label, _ in BUCKETS] + [NEVER], 0)
        for student in self.students:
            counts[bucket_of(student.days)] += 1
        return [
            Bucket(label=label, students=n, percent=share(n, len(self.students)))
            for label, n in counts.items()
        ]

    @cached_property
    def inactive(self):
        """Students with no activity for more than INACTIVE_DAYS days (or none
        since they enrolled, that long ago), the most recently active first."""
        inactive = [
            student
            for student in self.students
            if (student.days if student.days is not None else student.days_enrolled)
            > INACTIVE_DAYS
        ]
        inactive.sort(key=lambda s: (s.days is None, s.days or 0, s.username))
        return inactive

    # --- Quizzes ----------------------------------------------------------------------

    @cached_property
    def quiz_items(self):
        """The quizzes of the published modules, in the course's order."""
        return [
            item
            for module in self.modules
            for item in items_of_module(module)
            if item.kind == "quiz"
        ]

    @cached_property
    def quizzes(self):
        """[QuizFigures] of each quiz: who tried it, who passed it."""
        rows = {
            (row["module_id"], row["block_id"]): row
            for row in submitted_attempts(self.course, self.module_ids)
            .values("module_id", "block_id")
            .annotate(
                students=Count("student_id", distinct=True),
                passed=Count("student_id", distinct=True, filter=Q(passed=True)),
                attempts=Count("pk"),
            )
        }
        figures = []
        for item in self.quiz_items:
            row = rows.get((item.module.pk, item.block_id), {})
            figures.append(
                QuizFigures(
                    item=item,
                    students=row.get("students", 0),
                    passed=row.get("passed", 0),
                    attempts=row.get("attempts", 0),
                )
            )
        return figures

    @cached_property
    def questions(self):
        """[QuestionFigures] of each question of each quiz, from the results the
        submitted attempts stored (assessment.grading.grade): the quiz's current
        questions in its order, then any asked before and deleted since."""
        counts = question_counts(self.course, self.module_ids)
        figures = []
        for item in self.quiz_items:
            labels = question_labels(item)
            seen = {
                question_id: n
                for (module_id, block_id, question_id), n in counts.items()
                if module_id == item.module.pk and block_id == item.block_id
            }
            ids = list(labels) + [qid for qid in sorted(seen) if qid not in labels]
            for question_id in ids:
                answers, right, partly = seen.get(question_id, (0, 0, 0))
                figures.append(
                    QuestionFigures(
                        quiz=item,
                        question_id=question_id,
                        label=labels.get(question_id, "A question deleted since"),
                        answers=answers,
                        right=right,
                        partly=partly,
                    )
                )
        return figures


def bucket_of(days):
    """The label of the BUCKETS (or NEVER) that `days` of inactivity falls in."""
    if days is None:
        return NEVER
    for label, longest in BUCKETS:
        if longest is None or days <= longest:
            return label
    return BUCKETS[-1][0]


# --- Per-question counts: the one query Django's ORM cannot write --------------------

# Submitted attempts of the course's enrolled students at the given modules.
ATTEMPTS_WHERE = """
    a.submitted_at IS NOT NULL
    AND a.module_id IN ({modules})
    AND a.student_id IN (
        SELECT e.student_id FROM classroom_enrollment e WHERE e.course_id = %s
    )
"""
QUESTION_COUNTS_SQL = {
    # Each stored result is a JSON object {"id", "outcome", ...} in an array.
    "sqlite": """
        SELECT a.module_id, a.block_id, json_extract(r.value, '$.id'),
               json_extract(r.value, '$.outcome'), COUNT(*)
        FROM assessment_quizattempt a, json_each(a.results) r
        WHERE {where} AND r.type = 'object'
        GROUP BY 1, 2, 3, 4
    """,
    "postgresql": """
        SELECT a.module_id, a.block_id, r.value ->> 'id', r.value ->> 'outcome',
               COUNT(*)
        FROM assessment_quizattempt a
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(a.results) = 'array' THEN a.results
            ELSE '[]'::jsonb END
        ) AS r(value)
        WHERE {where} AND jsonb_typeof(r.value) = 'object'
        GROUP BY 1, 2, 3, 4
    """,
}


def question_counts(course, module_ids):
    """{(module pk, block id, question id): (answers, right, partly)} over the
    results of the submitted attempts of `course`'s enrolled students at the
    quizzes of `module_ids`, in one query.

    The results are a JSON array per attempt: the database unnests them
    (SQLite's json_each, PostgreSQL's jsonb_array_elements) and counts; any other
    database gets the same counts read row by row.
    """
    if not module_ids:
        return {}
    template = QUESTION_COUNTS_SQL.get(connection.vendor)
    if template is None:
        return _question_counts_in_python(course, module_ids)
    placeholders = ", ".join(["%s"] * len(module_ids))
    sql = template.format(where=ATTEMPTS_WHERE.format(modules=placeholders))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*module_ids, course.pk])
        rows = cursor.fetchall()
    counts = {}
    for module_id, block_id, question_id, outcome, n in rows:
        if question_id is None:
            continue
        key = (module_id, block_id, str(question_id))
        answers, right, partly = counts.get(key, (0, 0, 0))
        counts[key] = (
            answers + n,
            right + (n if outcome == "right" else 0),
            partly + (n if outcome == "partly" else 0),
        )
    return counts


def submitted_attempts(course, module_ids):
    """Submitted attempts of `course`'s enrolled students at `module_ids`' quizzes."""
    return QuizAttempt.objects.filter(
        module_id__in=module_ids,
        submitted_at__isnull=False,
        student_id__in=Enrollment.objects.filter(course=course).values("student_id"),
    )


def _question_counts_in_python(course, module_ids):
    counts = {}
    rows = submitted_attempts(course, module_ids).values_list(
        "module_id", "block_id", "results"
    )
    for module_id, block_id, results in rows.iterator(chunk_size=2000):
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict) or result.get("id") is None:
                continue
            key = (module_id, block_id, str(result["id"]))
            n, right, partly = counts.get(key, (0, 0, 0))
            outcome = result.get("outcome")
            counts[key] = (
                n + 1,
                right + (outcome == "right"),
                partly + (outcome == "partly"),
            )
    return counts
