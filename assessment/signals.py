"""What a student's assessment rows change: their cached quiz and assignment
statuses (sitecache.tags), whichever door wrote the row (a view, the admin, a
re-grade). No shared page shows anyone's marks, so pages stay cached. And a module
moved to another course takes its attempts, hand-ins and grades along: its new
course's staff grade them, its old course's no longer see them."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import post_page_move

from assessment.models import (
    AssignmentGrade,
    GradeOverride,
    QuizAttempt,
    Submission,
)
from learning.models import ModulePage
from sitecache import tags

# The rows that name their module's course (for the gradebook and staff access).
COURSE_ROWS = (QuizAttempt, Submission, AssignmentGrade, GradeOverride)


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


def module_moved(sender, instance, parent_page_before, parent_page_after, **kwargs):
    if parent_page_before.pk == parent_page_after.pk:
        return  # reordered among its course's modules
    for model in COURSE_ROWS:
        model.objects.filter(module_id=instance.pk).update(
            course_id=parent_page_after.pk
        )


def connect():
    post_page_move.connect(
        module_moved, sender=ModulePage, dispatch_uid="assessment.module_moved"
    )
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
