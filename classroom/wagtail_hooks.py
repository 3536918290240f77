"""Classroom in the Wagtail admin.

- "Students": the enrollments, with progress, of every course the user is staff
  of: its owner, or on its team as an instructor or assistant (a read-only Wagtail
  ModelViewSet); superusers see every enrollment. Who sees which enrollment is
  decided in one place, the screen's permission policy (a
  `learning.permissions.CourseOwnerPermissionPolicy`, which reads the team
  through `learning.access`), for the listing and for its course filter.
  Each row opens the student's progress in that course (classroom.admin_progress).
- "Course teams" (classroom.admin_team): a course's owner and members, managed by
  the owner and superusers.
- "My teaching" on the dashboard (classroom.admin_dashboard) and the courses'
  owners in the page explorer (classroom.admin_explorer).
"""

import django_filters
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

# Each screen's hooks are registered where the screen is written.
from classroom import (  # noqa: F401
    admin_dashboard,
    admin_enrollment,
    admin_explorer,
    admin_roster,
    admin_team,
)
from classroom.admin_progress import StudentProgressView
from classroom.models import Enrollment
from classroom.progress import Progress, with_enrollment_progress
from learning.permissions import (
    CourseOwnerPermissionPolicy,
    courses_administered_by,
)


class EnrollmentPermissionPolicy(CourseOwnerPermissionPolicy):
    """Read-only: enrollments are made by students, so nobody adds, edits or deletes
    them here."""

    actions = frozenset({"view"})


enrollment_policy = EnrollmentPermissionPolicy(Enrollment)
register_permission_policy(Enrollment, enrollment_policy, exact_class=True)


class EnrollmentFilterSet(WagtailFilterSet):
    # Only the courses the user is staff of are offered.
    course = django_filters.ModelChoiceFilter(
        queryset=courses_administered_by, label="Course"
    )

    class Meta:
        model = Enrollment
        fields = ["course"]


class EnrollmentIndexView(IndexView):
    # The model is Enrollment, but the screen is the staff's list of students.
    page_title = "Students"

    def get_base_queryset(self):
        enrollments = enrollment_policy.instances_user_has_permission_for(
            self.request.user, "view"
        )
        return with_enrollment_progress(enrollments.select_related("student", "course"))


def progress_label(enrollment):
    progress = Progress(
        done=enrollment.done_modules, total=enrollment.published_modules
    )
    label = f"{progress.done} / {progress.total} ({progress.percent}%)"
    return f"{label} · completed" if progress.completed else label


def progress_url(enrollment):
    return reverse(
        "students:progress", args=[enrollment.course_id, enrollment.student_id]
    )


class EnrollmentViewSet(ModelViewSet):
    """The students of the courses I teach or assist and how far they have got.

    Only the listing and a student's progress are exposed (no add/edit/delete/
    inspect/history pages): the listing shows the staff-filtered queryset, and the
    progress screen answers the course's staff only (classroom.admin_progress).
    """

    model = Enrollment
    index_view_class = EnrollmentIndexView
    menu_label = "Students"
    icon = "group"
    add_to_admin_menu = True
    menu_order = 250
    copy_view_enabled = False
    inspect_view_enabled = False
    exclude_form_fields = []
    filterset_class = EnrollmentFilterSet
    search_fields = ["student__username", "student__email"]
    ordering = ["course__title", "-created"]
    list_display = [
        TitleColumn(
            "student",
            label="Student",
            accessor="student.get_username",
            get_url=progress_url,
        ),
        Column("email", label="Email", accessor="student.email"),
        Column("course", label="Course", accessor="course.title"),
        Column("progress", label="Progress", accessor=progress_label),
        DateColumn("created", label="Enrolled"),
    ]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(
                "<id:course_id>/<id:student_id>/",
                StudentProgressView.as_view(),
                name="progress",
            ),
        ]


@hooks.register("register_admin_viewset")
def register_enrollment_viewset():
    return EnrollmentViewSet("students")
