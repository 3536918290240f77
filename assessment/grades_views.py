"""The student's own grades: /students/grades/."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from assessment.grades import student_grades


class StudentGradesView(LoginRequiredMixin, TemplateView):
    """Each enrolled course's items with the student's points, the staff's feedback
    on graded assignments, the course total and pass/fail: only their own."""

    template_name = "assessment/grades.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["courses"] = student_grades(self.request.user)
        return context
