"""A student's progress in one course, opened from a row of the admin's "Students":
each published module done or not and when, the enrollment's date and the
student's last activity in the course.

For the course's staff only (`classroom.access.is_course_staff`); anyone else, an
unknown course or a student not enrolled in it get a 404, so the screen never
tells an outsider who is enrolled where. A fixed number of queries whatever the
number of modules.
"""

from django.http import Http404
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from classroom.access import is_course_staff
from classroom.models import Enrollment, ModuleCompletion
from classroom.progress import Progress
from learning.models import CoursePage, ModulePage


def display_name(user):
    return user.get_full_name() or user.get_username()


def module_rows(course, student):
    """[(module, completed datetime or None)] for the course's published modules,
    in page-tree order (two queries)."""
    modules = list(
        ModulePage.objects.child_of(course).live().order_by("path").defer("body")
    )
    completed = dict(
        ModuleCompletion.objects.filter(
            student=student, module_id__in=[module.pk for module in modules]
        ).values_list("module_id", "completed")
    )
    return [(module, completed.get(module.pk)) for module in modules]


class StudentProgressView(WagtailAdminTemplateMixin, TemplateView):
    """One student's progress in one course (`students:progress`)."""

    template_name = "classroom/admin/student_progress.html"
    header_icon = "user"

    def dispatch(self, request, course_id, student_id):
        self.course = CoursePage.objects.filter(pk=course_id).first()
        if self.course is None or not is_course_staff(request.user, self.course):
            raise Http404("No such course among yours.")
        self.enrollment = (
            Enrollment.objects.select_related("student")
            .filter(course_id=self.course.pk, student_id=student_id)
            .first()
        )
        if self.enrollment is None:
            raise Http404("No such student in this course.")
        self.student = self.enrollment.student
        return super().dispatch(request, course_id, student_id)

    def get_page_title(self):
        return display_name(self.student)

    def get_page_subtitle(self):
        return self.course.title

    def students_url(self):
        return f"{reverse('students:index')}?course={self.course.pk}"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": self.students_url(), "label": "Students"},
            {
                "url": "",
                "label": self.get_page_title(),
                "sublabel": self.get_page_subtitle(),
            },
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = module_rows(self.course, self.student)
        dates = [self.enrollment.created] + [done for _, done in rows if done]
        context.update(
            course=self.course,
            student=self.student,
            enrollment=self.enrollment,
            rows=rows,
            progress=Progress(done=sum(1 for _, done in rows if done), total=len(rows)),
            last_activity=max(dates),
            students_url=self.students_url(),
        )
        return context
