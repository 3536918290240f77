"""What an enrollment changes: the student's cached access answers and enrollment
status, the API's counts of students (sitecache.tags), and, once a student leaves,
whatever holds access open (learning.access.access_changed: the chat's sockets).
No page shows who is enrolled, so pages stay cached."""

import functools

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from classroom.models import CourseMember, Enrollment
from classroom.team import grant_admin_access, withdraw_admin_access
from learning.access import access_changed
from sitecache import tags


def enrollment_changed(sender, instance, raw=False, created=False, **kwargs):
    if raw:
        return
    tags.changed(tags.user_tag("enrollments", instance.student_id), "enrollments")
    if not created:  # a new enrollment takes nothing away
        transaction.on_commit(
            functools.partial(
                access_changed.send,
                sender=Enrollment,
                users=[instance.student_id],
                courses=[instance.course_id],
            )
        )


def team_changed(sender, instance, raw=False, created=False, **kwargs):
    """A course-team membership: the member's cached roles and access answers go;
    one taken away (or changed) closes what holds access open."""
    if raw:
        return
    tags.changed(tags.user_tag("team", instance.user_id))
    if kwargs.get("signal") is post_delete:
        withdraw_admin_access(instance.user)
    else:
        grant_admin_access(instance.user)
    if not created:
        transaction.on_commit(
            functools.partial(
                access_changed.send,
                sender=CourseMember,
                users=[instance.user_id],
                courses=[instance.course_id],
            )
        )


def connect():
    for signal in (post_save, post_delete):
        signal.connect(
            enrollment_changed,
            sender=Enrollment,
            dispatch_uid=f"classroom.enrollment_changed.{id(signal)}",
        )
        signal.connect(
            team_changed,
            sender=CourseMember,
            dispatch_uid=f"classroom.team_changed.{id(signal)}",
        )
