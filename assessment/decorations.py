"""Each student's own status of the quizzes and assignments in a module's body.

The body is a shared, cached fragment; its quiz and assignment blocks carry
`{% decoration "quiz-status" "<module pk>.<block id>" %}` markers, filled here for
each request (sitecache.decorations). Registered by `AssessmentConfig.ready()`.
"""

from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from assessment import grading
from assessment.assignments import assignment_statuses
from assessment.models import GradeOverride, QuizAttempt
from assessment.signals import attempts_tag, work_tag
from sitecache import decorations, tags


def parse_ids(ids):
    """{(module pk, block id): marker id} for the well-formed ids."""
    pairs = {}
    for each in ids:
        module, _, block = each.partition(".")
        if module.isdigit() and block:
            pairs[(int(module), block)] = each
    return pairs


def quiz_rows(user_pk, module_ids):
    """The student's attempts at quizzes of these modules, and the grades course
    staff set by hand, {(module, block): points} (cached until the next attempt is
    started, saved or submitted, or a grade of theirs is set)."""

    def compute():
        attempts = list(
            QuizAttempt.objects.filter(student_id=user_pk, module_id__in=module_ids)
            .order_by("number")
            .values(
                "module_id",
                "block_id",
                "number",
                "submitted_at",
                "score",
                "max_score",
                "snapshot__settings",
            )
        )
        overrides = {
            (module, block): points
            for module, block, points in GradeOverride.objects.filter(
                student_id=user_pk, module_id__in=module_ids
            )
            .order_by("at", "pk")
            .values_list("module_id", "block_id", "points")
        }
        return attempts, overrides

    return tags.remember(
        "quiz-statuses",
        [user_pk, *sorted(module_ids)],
        compute,
        [attempts_tag(user_pk), work_tag(user_pk)],
    )


NOT_ATTEMPTED = mark_safe(  # noqa: S308 - a constant of ours
    '<span class="quiz-status-text">Not attempted yet</span>'
)


def status_text(rows, override=None):
    if override is not None:
        return format_html(
            '<span class="quiz-status-text">Your grade: {} points, set by the '
            "course's staff</span>",
            floatformat(override, "-2"),
        )
    if not rows:
        return NOT_ATTEMPTED
    settings = rows[-1]["snapshot__settings"] or {}
    if any(row["submitted_at"] is None for row in rows):
        return format_html(
            '<span class="quiz-status-text">Attempt {} in progress</span>', len(rows)
        )
    percents = [
        Decimal(row["score"]) * 100 / Decimal(row["max_score"])
        for row in rows
        if row["score"] is not None and row["max_score"]
    ]
    grade = grading.aggregate(percents, settings.get("grade_method", "highest"))
    passed = grade is not None and grade >= Decimal(settings.get("pass_mark", "0"))
    allowed = settings.get("attempts") or 0
    left = (
        ""
        if not allowed
        else f" · {max(0, allowed - len(rows))} attempt"
        f"{'' if allowed - len(rows) == 1 else 's'} left"
    )
    return format_html(
        '<span class="quiz-status-text">Your grade: {}% · {}{}</span>',
        f"{grade:.0f}" if grade is not None else "–",
        "passed" if passed else "not passed yet",
        left,
    )


def quiz_statuses(request, ids):
    user = request.user
    if not user.is_authenticated:
        return {}
    pairs = parse_ids(ids)
    if not pairs:
        return {}
    rows, overrides = quiz_rows(user.pk, {module for module, _block in pairs})
    by_quiz = {}
    for row in rows:
        by_quiz.setdefault((row["module_id"], row["block_id"]), []).append(row)
    return {
        marker: status_text(by_quiz.get(pair, []), overrides.get(pair))
        for pair, marker in pairs.items()
    }


def register():
    decorations.register("quiz-status", quiz_statuses)
    decorations.register("assignment-status", assignment_statuses)
