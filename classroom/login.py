"""The site's login form, which sends each person where their work is when no
`next` says otherwise: instructors (the Instructors group, or staff of a course)
to their teaching on the Wagtail dashboard, students to the courses they take, or
to the home page while they take none.

Only the landing changes: the form, the password check and the lockout
(django-axes, `classroom.limits`, through `authenticate`) are Django's.
"""

from django.contrib.auth.views import LoginView
from django.urls import reverse

from classroom.admin_staff import teaches
from classroom.models import Enrollment


def landing_url(user):
    """Where `user` lands after logging in without a `next`."""
    if teaches(user):
        return reverse("wagtailadmin_home")
    if Enrollment.objects.filter(student=user).exists():
        return reverse("student_course_list")
    return "/"


class LandingLoginView(LoginView):
    """Django's LoginView, landing each user on their own work."""

    def get_default_redirect_url(self):
        if self.next_page:
            return super().get_default_redirect_url()
        return landing_url(self.request.user)
