from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class StudentCourseListView(LoginRequiredMixin, TemplateView):
    template_name = "classroom/course_list.html"


class StudentRegistrationView(TemplateView):
    template_name = "classroom/register.html"
