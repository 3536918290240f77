"""What a student's assessment rows change: their cached quiz and assignment
statuses (sitecache.tags), whichever door wrote the row (a view, the admin, a
re-grade). No shared page shows anyone's marks, so pages stay cached."""

from django.db.models.signals import post_delete, post_save

from assessment.models import (
    AssignmentGrade,
    GradeOverride,
    QuizAttempt,
    Submission,
)
from sitecache import tags


def attempts_tag(user_pk):
    """A student's quiz attempts."""
    return tags.user_tag("attempts", user_pk)


def work_tag(user_pk):
    """A student's hand-ins and the grades given for them (overrides included)."""
    return tags.user_tag("work", user_pk)


def attempt_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        tags.changed(attempts_tag(instance.student_id))


def work_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        tags.changed(work_tag(instance.student_id))


def connect():
    for signal in (post_save, post_delete):
        signal.connect(
            attempt_changed,
            sender=QuizAttempt,
            dispatch_uid=f"assessment.attempt_changed.{id(signal)}",
        )
        for model in (Submission, AssignmentGrade, GradeOverride):
            signal.connect(
                work_changed,
                sender=model,
                dispatch_uid=f"assessment.work_changed.{model.__name__}.{id(signal)}",
            )
