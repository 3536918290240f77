"""A user's own account: what the site keeps about them, to take away or to delete.

Classroom knows the user's profile, enrollments, progress, waitlist places and
course-team roles. The apps above it (assessment, chat) keep more, and classroom
must not import them: each registers its *part* here once, from its
AppConfig.ready() (`register_part`), as classroom registers its access rule into
learning (learning.access). The data export and the deletion ask every part.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from classroom import enrollment
from classroom.models import CourseMember, Enrollment, ModuleCompletion, WaitlistEntry
from classroom.progress import Progress, enrolled_courses, with_enrollment_progress
from learning.models import CoursePage

# The user fields a person may take away: never the password hash or permissions.
PROFILE_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "date_joined",
    "last_login",
)


@dataclass(frozen=True)
class AccountPart:
    """What one app keeps about a user.

    `export(user)` returns JSON-ready data (a list of rows or a dict), in a fixed
    number of queries whatever the number of rows. `before_delete(user)`, if any,
    runs inside the deletion's transaction before the user row is deleted (to keep
    what should outlive the account, or to forget files once it commits).
    `on_delete_note` tells the user, on the page that deletes the account, what
    becomes of this part.
    """

    name: str
    export: Any
    before_delete: Any = None
    on_delete_note: str = ""


_parts = {}


def register_part(name, export, before_delete=None, on_delete_note=""):
    """Add an app's part of the account (its name is the export's key)."""
    _parts[name] = AccountPart(name, export, before_delete, on_delete_note)


def registered_parts():
    return list(_parts.values())


# --- What the page shows ---------------------------------------------------------


def courses_taken(user):
    """The user's live courses with their Progress, most recent first (one query):
    [(course, progress)]."""
    return [
        (course, Progress(done=course.done_modules, total=course.published_modules))
        for course in enrolled_courses(user)
    ]


def owned_courses(user):
    return CoursePage.objects.filter(owner=user)


def why_not_delete(user):
    """None if `user` may delete their own account here; else the reason."""
    if user.is_superuser or user.is_staff:
        return (
            "Staff and administrators cannot delete their own account here: "
            "ask another administrator to do it."
        )
    owned = owned_courses(user).count()
    if owned:
        return (
            f"You own {owned} course{'s' if owned != 1 else ''}, which would lose "
            "their owner. Ask an administrator to give them to another instructor "
            "first."
        )
    return None


# --- Download my data ------------------------------------------------------------


def export_profile(user):
    return {field: getattr(user, field) for field in PROFILE_FIELDS}


def export_enrollments(user):
    rows = with_enrollment_progress(
        Enrollment.objects.filter(student=user).select_related("course")
    ).order_by("created", "pk")
    return [
        {
            "course": row.course_id,
            "course_title": row.course.title,
            "enrolled": row.created,
            "modules_done": row.done_modules,
            "modules_published": row.published_modules,
        }
        for row in rows
    ]


def exported(queryset, order, **fields):
    """The rows of `queryset` in `order` as dicts of export key: model field (one
    query): how every part of the export lists its rows."""
    rows = queryset.order_by(*order).values(*fields.values())
    return [{key: row[field] for key, field in fields.items()} for row in rows]


def export_completions(user):
    return exported(
        ModuleCompletion.objects.filter(student=user),
        ("completed", "pk"),
        module="module_id",
        module_title="module__title",
        course="course_id",
        completed="completed",
    )


def export_waitlist(user):
    return exported(
        WaitlistEntry.objects.filter(student=user),
        ("created", "pk"),
        course="course_id",
        course_title="course__title",
        kind="kind",
        since="created",
    )


def export_course_roles(user):
    return exported(
        CourseMember.objects.filter(user=user),
        ("added", "pk"),
        course="course_id",
        course_title="course__title",
        role="role",
        since="added",
    )


def export_data(user):
    """Everything the site keeps about `user`, as one JSON-ready dict: a query per
    kind of row, whatever the number of rows."""
    data = {
        "profile": export_profile(user),
        "enrollments": export_enrollments(user),
        "module_completions": export_completions(user),
        "waitlist": export_waitlist(user),
        "course_roles": export_course_roles(user),
    }
    for part in registered_parts():
        data[part.name] = part.export(user)
    return data


# --- Delete my account -----------------------------------------------------------


class MayNotDelete(Exception):
    """The account may not be deleted here (`why_not_delete` says why)."""


def delete_account(user):
    """Delete `user` and what is theirs, in one transaction.

    Each course they were enrolled in (or waiting for) is left through the
    enrollment service first, under the course's lock, so a seat they free goes to
    the first waiting as with any other leaving. Then each registered part gets
    its say, and deleting the user row cascades to the rest (enrollments,
    progress, attempts, hand-ins, tokens). The cache forgets them by the rows'
    own signals (the user's tags), and the chat closes their open sockets.
    """
    reason = why_not_delete(user)
    if reason is not None:
        raise MayNotDelete(reason)
    with transaction.atomic():
        course_ids = set(
            Enrollment.objects.filter(student=user).values_list("course_id", flat=True)
        ) | set(
            WaitlistEntry.objects.filter(student=user).values_list(
                "course_id", flat=True
            )
        )
        # In pk order, so two deletions never wait for each other's locks.
        for course in CoursePage.objects.filter(pk__in=course_ids).order_by("pk"):
            enrollment.leave(user, course)
        for part in registered_parts():
            if part.before_delete is not None:
                part.before_delete(user)
        user.delete()
