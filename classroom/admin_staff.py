"""What the admin screens of a course's staff share (grades, enrollment, roster,
team): who may open them, how a refusal answers, and who counts as teaching."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.views.defaults import permission_denied

from classroom.access import is_course_staff, may_edit_course, staff_courses
from learning.models import CoursePage
from learning.permissions import INSTRUCTORS


def forbidden(request):
    # A real 403: Wagtail turns a raised PermissionDenied into a redirect home.
    return permission_denied(request, PermissionDenied())


class CourseStaffOnly:
    """403 unless the user is staff of the view's course (`course_id` in its
    path); a view without a course, unless they are staff of some course."""

    course = None

    def dispatch(self, request, *args, **kwargs):
        if "course_id" in kwargs:
            self.course = get_object_or_404(CoursePage, pk=kwargs["course_id"])
            if not is_course_staff(request.user, self.course):
                return forbidden(request)
        elif not staff_courses(request.user).exists():
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def may_edit(self):
        """Whether the user may also edit the course (not only keep it)."""
        return self.course is not None and may_edit_course(
            self.request.user, self.course
        )


def teaches(user):
    """Whether `user` is an instructor: in the Instructors group, or on the staff
    of a course (its owner, its team, or a superuser). Two queries at most."""
    return user.is_authenticated and (
        user.is_superuser
        or user.groups.filter(name=INSTRUCTORS).exists()
        or staff_courses(user).exists()
    )
