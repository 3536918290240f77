"""The analytics screens in the Wagtail admin, for each course's staff
(`classroom.access.is_course_staff`; 403 for anyone else, 404 for no course).

- Analytics: the user's courses (superusers: all), each with its students.
- A course's analytics: its charts, each over the table of its figures, and each
  table as CSV.
"""

import csv
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from analytics.figures import CourseFigures
from analytics.sections import TABLES, sections
from assessment.admin_views import number_cell, text_cell
from classroom.access import staff_courses
from classroom.admin_staff import CourseStaffOnly
from classroom.models import Enrollment

NAMESPACE = "analytics"


class AdminPage(CourseStaffOnly, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "table"

    def get_breadcrumbs_items(self):
        crumbs = [*self.breadcrumbs_items]
        if self.course is None:
            return [*crumbs, {"url": "", "label": "Analytics"}]
        return [
            *crumbs,
            {"url": reverse(f"{NAMESPACE}:index"), "label": "Analytics"},
            {"url": "", "label": self.course.title},
        ]


class IndexView(AdminPage):
    template_name = "analytics/index.html"
    page_title = "Analytics"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        courses = staff_courses(self.request.user)
        enrolled = dict(
            Enrollment.objects.filter(course__in=courses.values("pk"))
            .values("course_id")
            .annotate(n=Count("pk"))
            .values_list("course_id", "n")
        )
        context["courses"] = [
            (course, enrolled.get(course.pk, 0)) for course in courses
        ]
        return context


class CourseView(AdminPage):
    """A course's charts and tables."""

    template_name = "analytics/course.html"
    page_title = "Analytics"

    def get_page_subtitle(self):
        return self.course.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = CourseFigures(self.course)
        context.update(
            course=self.course,
            figures=figures,
            sections=sections(figures),
        )
        return context


def csv_value(value):
    """A cell as CSV: text never read as a formula, numbers and times plain."""
    if value is None:
        return ""
    if isinstance(value, (bool, str)):
        return text_cell(value)
    if isinstance(value, (int, float, Decimal)):
        return number_cell(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return text_cell(value)


def table_csv(course, table):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = course.slug or f"course-{course.pk}"
    response["Content-Disposition"] = content_disposition_header(
        True, f"analytics-{table.slug}-{slug}.csv"
    )
    writer = csv.writer(response)
    writer.writerow([text_cell(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(value) for value in row])
    return response


class TableCSVView(CourseStaffOnly, View):
    """One section's table as CSV (all its rows)."""

    def get(self, request, course_id, table):
        build = TABLES.get(table)
        if build is None:
            raise Http404("No such table.")
        return table_csv(self.course, build(CourseFigures(self.course)))
