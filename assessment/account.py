"""Assessment's part of a user's account (classroom.account): their quiz attempts,
hand-ins and grades in the data export; the files they handed in are removed from
storage once their account's deletion commits (the rows go with the user)."""

import functools
import logging

from django.db import transaction
from django.db.models import Prefetch

from assessment.models import AssignmentGrade, QuizAttempt, Submission, SubmissionFile
from classroom.account import register_part

log = logging.getLogger(__name__)

ON_DELETE_NOTE = (
    "your quiz attempts, the work you handed in (its files too) and your grades "
    "are deleted."
)


def export_attempts(user):
    """The user's quiz attempts: what they answered and what they got (one query).
    The questions' snapshot is left out: it holds the right answers."""
    rows = (
        QuizAttempt.objects.filter(student=user)
        .order_by("started_at", "pk")
        .values(
            "module_id",
            "module__title",
            "course_id",
            "block_id",
            "number",
            "started_at",
            "deadline",
            "submitted_at",
            "answers",
            "score",
            "max_score",
            "passed",
        )
    )
    return [
        {
            "module": row["module_id"],
            "module_title": row["module__title"],
            "course": row["course_id"],
            "quiz": row["block_id"],
            "number": row["number"],
            "started": row["started_at"],
            "deadline": row["deadline"],
            "submitted": row["submitted_at"],
            "answers": row["answers"],
            "score": row["score"],
            "max_score": row["max_score"],
            "passed": row["passed"],
        }
        for row in rows
    ]


def export_submissions(user):
    """The user's hand-ins with their files' names and sizes (two queries)."""
    files = SubmissionFile.objects.order_by("pk").only(
        "submission_id", "name", "size", "content_type"
    )
    rows = (
        Submission.objects.filter(student=user)
        .order_by("submitted_at", "pk")
        .select_related("module")
        .only(
            "module_id",
            "module__title",
            "course_id",
            "block_id",
            "text",
            "submitted_at",
            "late",
        )
        .prefetch_related(Prefetch("files", queryset=files))
    )
    return [
        {
            "id": row.pk,
            "module": row.module_id,
            "module_title": row.module.title,
            "course": row.course_id,
            "assignment": row.block_id,
            "text": row.text,
            "submitted": row.submitted_at,
            "late": row.late,
            "files": [
                {"name": f.name, "size": f.size, "content_type": f.content_type}
                for f in row.files.all()
            ],
        }
        for row in rows
    ]


def export_grades(user):
    """The staff's grades of the user's assignments, with feedback (one query)."""
    rows = (
        AssignmentGrade.objects.filter(student=user)
        .order_by("graded_at", "pk")
        .values(
            "module_id",
            "course_id",
            "block_id",
            "submission_id",
            "points",
            "feedback",
            "graded_at",
        )
    )
    return [
        {
            "module": row["module_id"],
            "course": row["course_id"],
            "assignment": row["block_id"],
            "submission": row["submission_id"],
            "points": row["points"],
            "feedback": row["feedback"],
            "graded": row["graded_at"],
        }
        for row in rows
    ]


def export(user):
    return {
        "quiz_attempts": export_attempts(user),
        "submissions": export_submissions(user),
        "assignment_grades": export_grades(user),
    }


def remove_files(names):
    storage = SubmissionFile._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # the account is gone either way
            log.exception("Could not delete the handed-in file %s", name)


def forget_files(user):
    """Before the user is deleted: their handed-in files leave storage once the
    deletion commits (never before: a rollback keeps the rows that name them)."""
    names = list(
        SubmissionFile.objects.filter(submission__student=user).values_list(
            "file", flat=True
        )
    )
    if names:
        transaction.on_commit(functools.partial(remove_files, names))


def register():
    """Called once, from AssessmentConfig.ready()."""
    register_part(
        "assessment",
        export,
        before_delete=forget_files,
        on_delete_note=ON_DELETE_NOTE,
    )
