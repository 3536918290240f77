"""The analytics screen's sections: each a chart and the table of its figures (the
table is also the section's CSV), built from `figures.CourseFigures`."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import formats, timezone

from analytics import charts
from analytics.figures import INACTIVE_DAYS

# Inactive students listed on the screen; the CSV lists them all.
INACTIVE_SHOWN = 100


@dataclass
class Table:
    """Rows of figures: the first cell of each row names it (a row header)."""

    slug: str
    caption: str
    columns: list
    rows: list


@dataclass
class Section:
    slug: str
    title: str
    note: str
    chart: object  # charts.Chart, or None
    table: Table
    empty: str = ""  # said instead of the chart and table when there is nothing
    shown_rows: int | None = None  # rows on the screen, when fewer than the table's

    @property
    def rows(self):
        """The rows shown on the screen, each cell as text."""
        rows = self.table.rows
        if self.shown_rows is not None:
            rows = rows[: self.shown_rows]
        return [[display(cell) for cell in row] for row in rows]

    @property
    def hidden_rows(self):
        if self.shown_rows is None:
            return 0
        return max(0, len(self.table.rows) - self.shown_rows)


def display(value):
    """A table cell as the screen writes it."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, date):
        return day(value)
    return str(value)


def percent_text(value):
    return "–" if value is None else f"{value}%"


def number(value):
    return 0 if value is None else float(value)


def day(value):
    return formats.date_format(value, "j M Y")


def module_label(step):
    return f"{step.position}. {step.module.title}"


# --- Tables -------------------------------------------------------------------------


def enrollments_table(figures):
    return Table(
        "enrollments",
        "New enrollments per week, and the total at the end of each week",
        ["Week of", "New enrollments", "Enrolled in all"],
        [[week.start, week.enrolled, week.total] for week in figures.weeks],
    )


def funnel_table(figures):
    return Table(
        "funnel",
        f"Students who completed each module, of {figures.enrolled} enrolled",
        ["Module", "Completed it", "Share of enrolled (%)"],
        [[module_label(step), step.completed, step.percent] for step in figures.funnel],
    )


def drop_off_table(figures):
    return Table(
        "drop-off",
        "Students who completed a module but not the next one",
        ["From module", "To module", "Completed the first", "Not the next", "Lost (%)"],
        [
            [
                module_label(drop.before),
                module_label(drop.after),
                drop.before.completed,
                drop.lost,
                drop.percent,
            ]
            for drop in figures.drop_off
        ],
    )


def activity_table(figures):
    return Table(
        "activity",
        "Enrolled students by time since their last activity",
        ["Last activity", "Students", "Share (%)"],
        [[bucket.label, bucket.students, bucket.percent] for bucket in figures.buckets],
    )


def quizzes_table(figures):
    return Table(
        "quizzes",
        "Each quiz: students who submitted an attempt and who passed it",
        ["Quiz", "Module", "Students who tried", "Passed", "Pass rate (%)", "Attempts"],
        [
            [
                quiz.item.title,
                quiz.item.module.title,
                quiz.students,
                quiz.passed,
                quiz.percent,
                quiz.attempts,
            ]
            for quiz in figures.quizzes
        ],
    )


def questions_table(figures):
    return Table(
        "questions",
        "Each question: answers in submitted attempts and the share answered right",
        ["Question", "Quiz", "Answers", "Right", "Partly right", "Right (%)"],
        [
            [
                question.label,
                question.quiz.title,
                question.answers,
                question.right,
                question.partly,
                question.percent,
            ]
            for question in figures.questions
        ],
    )


def inactive_table(figures):
    return Table(
        "inactive",
        f"Students inactive for more than {INACTIVE_DAYS} days, "
        "the most recently active first",
        [
            "Student",
            "Name",
            "Email",
            "Last activity",
            "Days since",
            "Modules done",
            "Progress (%)",
        ],
        [
            [
                student.username,
                student.name,
                student.email,
                student.last_activity or "never",
                student.days,
                student.done,
                student.percent,
            ]
            for student in figures.inactive
        ],
    )


TABLES = {
    table.__name__.removesuffix("_table").replace("_", "-"): table
    for table in [
        enrollments_table,
        funnel_table,
        drop_off_table,
        activity_table,
        quizzes_table,
        questions_table,
        inactive_table,
    ]
}


# --- Sections: a chart over each table ---------------------------------------------


def drop_off_summary(drops):
    measured = [d for d in drops if d.percent is not None]
    if not measured:
        return "No student has completed a module followed by another yet."
    worst = max(measured, key=lambda d: d.percent)
    return (
        f"The largest drop-off is {percent_text(worst.percent)}, from module "
        f"{worst.before.position} to module {worst.after.position}."
    )


def sections(figures):
    """Every section of the screen, in order."""
    weeks = figures.weeks
    funnel = figures.funnel
    drops = figures.drop_off
    buckets = figures.buckets
    quizzes = figures.quizzes
    questions = figures.questions
    no_students = "No student is enrolled in this course yet."
    return [
        Section(
            "enrollments",
            "Enrollments over time",
            "New enrollments each week (Monday to Sunday), from the first one.",
            charts.columns(
                "chart-enrollments",
                "Enrollments per week",
                f"{figures.enrolled} students enrolled over {len(weeks)} weeks; "
                f"the busiest week had {max((w.enrolled for w in weeks), default=0)}.",
                [(day(w.start), w.enrolled, str(w.enrolled)) for w in weeks],
            ),
            enrollments_table(figures),
            empty="" if weeks else no_students,
        ),
        Section(
            "funnel",
            "Students reaching each module",
            "How many of the enrolled students completed each published module, "
            "in the course's order.",
            charts.bars(
                "chart-funnel",
                "Students who completed each module",
                f"Of {figures.enrolled} enrolled students, "
                + (
                    f"{funnel[0].completed} completed the first module and "
                    f"{funnel[-1].completed} the last."
                    if funnel
                    else "none completed a module."
                ),
                [
                    (
                        module_label(step),
                        step.completed,
                        f"{step.completed} ({percent_text(step.percent)})",
                    )
                    for step in funnel
                ],
                maximum=figures.enrolled,
            ),
            funnel_table(figures),
            empty="" if funnel else "This course has no published module.",
        ),
        Section(
            "drop-off",
            "Drop-off between modules",
            "Of the students who completed a module, the share who have not "
            "completed the next one.",
            charts.bars(
                "chart-drop-off",
                "Drop-off between consecutive modules",
                drop_off_summary(drops),
                [
                    (
                        f"{d.before.position} → {d.after.position}",
                        number(d.percent),
                        f"{percent_text(d.percent)} ({d.lost})",
                    )
                    for d in drops
                ],
                maximum=100,
            ),
            drop_off_table(figures),
            empty="" if drops else "Drop-off needs at least two published modules.",
        ),
        Section(
            "activity",
            "Time since last activity",
            "Activity is a module marked done, a quiz attempt or a hand-in in this "
            "course; reading pages leaves no trace. “Never”: nothing since "
            "enrolling.",
            charts.columns(
                "chart-activity",
                "Students by time since their last activity",
                ", ".join(f"{b.label}: {b.students}" for b in buckets) + ".",
                [(b.label, b.students, str(b.students)) for b in buckets],
            ),
            activity_table(figures),
            empty="" if figures.students else no_students,
        ),
        Section(
            "quizzes",
            "Quiz pass rates",
            "Of the students who submitted an attempt at a quiz, the share who "
            "passed it at least once.",
            charts.bars(
                "chart-quizzes",
                "Pass rate of each quiz",
                "; ".join(f"{q.item.title}: {percent_text(q.percent)}" for q in quizzes)
                + ".",
                [
                    (
                        q.item.title,
                        number(q.percent),
                        f"{percent_text(q.percent)} of {q.students}",
                    )
                    for q in quizzes
                ],
                maximum=100,
            ),
            quizzes_table(figures),
            empty="" if quizzes else "No published module of this course has a quiz.",
        ),
        Section(
            "questions",
            "Question difficulty",
            "The share of right answers to each question in submitted attempts: "
            "the lower, the harder. An unanswered question counts as not right.",
            charts.bars(
                "chart-questions",
                "Share of right answers to each question",
                (
                    f"{len(questions)} questions; the hardest has "
                    + percent_text(
                        min(
                            (q.percent for q in questions if q.percent is not None),
                            default=None,
                        )
                    )
                    + " right answers."
                ),
                [
                    (
                        f"{q.quiz.title}: {q.label}",
                        number(q.percent),
                        f"{percent_text(q.percent)} of {q.answers}",
                    )
                    for q in questions
                ],
                maximum=100,
            ),
            questions_table(figures),
            empty="" if questions else "No published module of this course has a quiz.",
        ),
        Section(
            "inactive",
            f"Inactive for more than {INACTIVE_DAYS} days",
            "Students worth a message: no activity in this course for more than "
            f"{INACTIVE_DAYS} days (or none since they enrolled, that long ago).",
            None,
            inactive_table(figures),
            empty="" if figures.inactive else "Every student has been active lately.",
            shown_rows=INACTIVE_SHOWN,
        ),
    ]
