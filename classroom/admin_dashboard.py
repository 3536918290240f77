""" "My teaching" on the Wagtail dashboard: the courses the user is staff of (owner
or on the team; superusers: the most recently active few), each with its students,
how many finished every module, its last activity and the doors an instructor
uses (edit, students, chat room, analytics).

A fixed number of queries whatever the number of courses and students: one for
the courses with their counts and latest dates, one for the students who finished,
and one to count every course when a superuser's list is cut.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, DateTimeField, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from laces.components import Component
from wagtail import hooks

from classroom.access import role_in, staff_courses
from classroom.admin_staff import teaches
from classroom.models import Enrollment, ModuleCompletion
from classroom.progress import with_enrollment_progress

# A superuser is staff of every course: the panel shows the most recently active.
SUPERUSER_LIMIT = 20

# Sorts courses nobody has touched after every active one, on every database
# (GREATEST ignores NULLs on PostgreSQL but returns NULL on SQLite).
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _latest(queryset, field):
    """The latest `field` of `queryset`'s rows of the outer course, or NEVER."""
    return Coalesce(
        Subquery(
            queryset.filter(course=OuterRef("pk"))
            .order_by(f"-{field}")
            .values(field)[:1]
        ),
        Value(NEVER),
        output_field=DateTimeField(),
    )


def _count_enrollments():
    return Coalesce(
        Subquery(
            Enrollment.objects.filter(course=OuterRef("pk"))
            .order_by()
            .values("course")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def teaching_courses(user):
    """`staff_courses(user)` with `students`, `last_enrolled`, `last_completed`
    and `last_activity` (NEVER when nothing happened yet), most recently active
    first (one query)."""
    return (
        staff_courses(user)
        .annotate(
            students=_count_enrollments(),
            last_enrolled=_latest(Enrollment.objects, "created"),
            last_completed=_latest(ModuleCompletion.objects, "completed"),
        )
        .annotate(last_activity=Greatest(F("last_enrolled"), F("last_completed")))
        .order_by("-last_activity", "title", "pk")
    )


def completions_by_course(course_pks):
    """{course pk: students who finished every published module} (one query)."""
    finished = (
        with_enrollment_progress(Enrollment.objects.filter(course_id__in=course_pks))
        .filter(published_modules__gt=0, done_modules__gte=F("published_modules"))
        .values_list("course_id", flat=True)
    )
    counts = {}
    for course_id in finished:
        counts[course_id] = counts.get(course_id, 0) + 1
    return counts


@dataclass(frozen=True)
class CourseRow:
    """One course on the panel."""

    course: object
    role: str
    students: int
    completions: int
    last_activity: datetime | None
    edit_url: str | None
    students_url: str
    chat_url: str
    analytics_url: str


def teaching_rows(user, limit=None):
    """(rows, total): the panel's rows, at most `limit` of them, and how many
    courses there are in all (None when every one is shown)."""
    courses = teaching_courses(user)
    if limit is not None:
        courses = list(courses[: limit + 1])
        total = staff_courses(user).count() if len(courses) > limit else None
        courses = courses[:limit]
    else:
        courses, total = list(courses), None
    completions = completions_by_course([course.pk for course in courses])
    students_index = reverse("students:index")
    rows = []
    for course in courses:
        role = role_in(user, course)
        rows.append(
            CourseRow(
                course=course,
                role=role,
                students=course.students,
                completions=completions.get(course.pk, 0),
                last_activity=(
                    course.last_activity if course.last_activity != NEVER else None
                ),
                edit_url=(
                    reverse("wagtailadmin_pages:edit", args=[course.pk])
                    if role in ("owner", "instructor")
                    else None
                ),
                students_url=f"{students_index}?course={course.pk}",
                chat_url=reverse("chat:course_chat_room", args=[course.pk]),
                # The analytics app is above this one: its screen is named only.
                analytics_url=reverse("analytics:course", args=[course.pk]),
            )
        )
    return rows, total


class TeachingPanel(Component):
    """The dashboard's "My teaching" panel."""

    name = "my_teaching"
    template_name = "classroom/admin/teaching_panel.html"
    # First on the dashboard: it is what an instructor comes for.
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        limit = SUPERUSER_LIMIT if self.user.is_superuser else None
        rows, total = teaching_rows(self.user, limit)
        return {"rows": rows, "total": total, "limit": limit}


@hooks.register("construct_homepage_panels")
def add_teaching_panel(request, panels):
    if teaches(request.user):
        panels.append(TeachingPanel(request.user))
