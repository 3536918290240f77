"""Grading in the Wagtail admin, for each course's staff
(`classroom.access.is_course_staff`).

- Grades: the user's courses (superusers: all) with their ungraded hand-ins.
- A course's grading queue: the latest hand-in of each student on each assignment
  that no grade is as new as; each opens a screen with the work beside a form.
- The gradebook: students × items, totals and pass/fail; each cell opens its
  overrides (a form and the history); a CSV export; each quiz's "Re-grade".

Every view answers 403 to anyone who is not the course's staff, and 404 to an
object (a hand-in, a student, an item) that is not the course's.
"""

import csv
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from assessment import grades, grading
from assessment.assignments import file_url
from assessment.items import course_items
from assessment.models import AssignmentGrade, QuizAttempt, Regrade, Submission
from assessment.quizzes import complete_if_passed
from classroom.access import staff_courses
from classroom.admin_staff import CourseStaffOnly
from classroom.models import Enrollment

NAMESPACE = "assessment_grades"
MAX_FEEDBACK = 20_000
MAX_REASON = 2_000


def url(name, *args):
    return reverse(f"{NAMESPACE}:{name}", args=args)


class StaffOnly(CourseStaffOnly):
    """The course's staff only, with the course's graded items at hand."""

    def items(self):
        if not hasattr(self, "_items"):
            self._items = course_items(self.course)
        return self._items

    def item(self, module_id, block_id, kind=None):
        for item in self.items():
            same = item.module.pk == module_id and item.block_id == block_id
            if same and (kind is None or item.kind == kind):
                return item
        raise Http404("No such item in this course.")

    def enrolled_student(self, student_id):
        enrollment = (
            Enrollment.objects.filter(course=self.course, student_id=student_id)
            .select_related("student")
            .first()
        )
        if enrollment is None:
            raise Http404("No such student in this course.")
        return enrollment.student


class AdminPage(StaffOnly, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "clipboard-list"

    def get_breadcrumbs_items(self):
        crumbs = [*self.breadcrumbs_items, {"url": url("index"), "label": "Grades"}]
        if self.course is not None:
            crumbs.append(
                {"url": url("queue", self.course.pk), "label": self.course.title}
            )
        return crumbs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["course"] = self.course
        return context


class IndexView(AdminPage):
    template_name = "assessment/admin/index.html"
    page_title = "Grades"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "Grades"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        courses = staff_courses(self.request.user)
        waiting = dict(
            grades.ungraded_submissions(course__in=courses.values("pk"))
            .values("course_id")
            .annotate(n=Count("pk"))
            .values_list("course_id", "n")
        )
        context["courses"] = [(course, waiting.get(course.pk, 0)) for course in courses]
        return context


class QueueView(AdminPage):
    template_name = "assessment/admin/queue.html"
    page_title = "Grading queue"

    def get_page_subtitle(self):
        return self.course.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["queue"] = grades.grading_queue(self.course, self.items())
        return context


class GradeForm(forms.Form):
    points = forms.DecimalField(min_value=0, max_digits=9, decimal_places=2)
    feedback = forms.CharField(
        required=False,
        max_length=MAX_FEEDBACK,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The student reads it with the grade.",
    )

    def __init__(self, *args, max_points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["points"].max_value = max_points
        self.fields["points"].validators.append(MaxValueValidator(max_points))
        self.fields["points"].help_text = f"From 0 to {max_points}"
        self.fields["points"].widget.attrs.update(
            {"min": 0, "max": max_points, "step": "0.01"}
        )


class GradeSubmissionView(AdminPage):
    """The work (text and files) beside the grade and feedback."""

    template_name = "assessment/admin/grade_submission.html"
    page_title = "Grade"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.form = None

    def get_submission(self):
        submission = (
            Submission.objects.filter(pk=self.kwargs["pk"], course=self.course)
            .select_related("student", "module")
            .prefetch_related("files")
            .first()
        )
        if submission is None:
            raise Http404("No such hand-in in this course.")
        return submission

    def load(self):
        self.submission = self.get_submission()
        self.item_ = self.item(
            self.submission.module_id, self.submission.block_id, "assignment"
        )
        self.grade = AssignmentGrade.objects.filter(
            student_id=self.submission.student_id,
            module_id=self.submission.module_id,
            block_id=self.submission.block_id,
        ).first()

    def get_page_subtitle(self):
        return f"{self.item_.title} · {self.submission.student.get_username()}"

    def get(self, request, *args, **kwargs):
        self.load()
        initial = {}
        if self.grade is not None:
            initial = {"points": self.grade.points, "feedback": self.grade.feedback}
        self.form = GradeForm(initial=initial, max_points=self.item_.points)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        self.form = GradeForm(request.POST, max_points=self.item_.points)
        if not self.form.is_valid():
            return self.render_to_response(self.get_context_data(), status=400)
        grades.save_grade(
            self.submission,
            self.form.cleaned_data["points"],
            self.form.cleaned_data["feedback"],
            request.user,
        )
        messages.success(
            request,
            f"Graded {self.submission.student.get_username()}'s “{self.item_.title}”.",
        )
        return redirect(url("queue", self.course.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for each in self.submission.files.all():
            each.url = file_url(each)
        history = list(
            Submission.objects.filter(
                student_id=self.submission.student_id,
                module_id=self.submission.module_id,
                block_id=self.submission.block_id,
            )
            .exclude(pk=self.submission.pk)
            .order_by("-submitted_at")
            .prefetch_related("files")
        )
        later = [s for s in history if s.submitted_at > self.submission.submitted_at]
        context.update(
            submission=self.submission,
            item=self.item_,
            grade=self.grade,
            form=self.form,
            other_hand_ins=history,
            newer_hand_in=later[0] if later else None,
        )
        return context


class GradebookView(AdminPage):
    template_name = "assessment/admin/gradebook.html"
    page_title = "Gradebook"

    def get_page_subtitle(self):
        return self.course.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        book = grades.gradebook(self.course, self.items())
        last = {}
        for regrade in Regrade.objects.filter(
            module_id__in={item.module.pk for item in book.items}
        ).select_related("by"):
            last.setdefault((regrade.module_id, regrade.block_id), regrade)
        context["book"] = book
        context["quizzes"] = [
            (item, last.get((item.module.pk, item.block_id)))
            for item in book.items
            if item.kind == "quiz"
        ]
        return context


# --- CSV ---------------------------------------------------------------------------

# What a spreadsheet may read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value):
    """A text column's value, never read as a formula by a spreadsheet."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def number_cell(value):
    """A number as a plain number (empty for none)."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f") if value else "0"


def gradebook_csv(book):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = book.course.slug or f"course-{book.course.pk}"
    response["Content-Disposition"] = f'attachment; filename="grades-{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            text_cell(header)
            for header in [
                "Username",
                "Email",
                *(
                    f"{item.title} ({item.module.title}, /{item.points})"
                    for item in book.items
                ),
                "Total",
                "Max",
                "Percent",
                "Passed",
            ]
        ]
    )
    for row in book.rows:
        writer.writerow(
            [
                text_cell(row.student.get_username()),
                text_cell(row.student.email),
                *(number_cell(cell.points) for cell in row.cells),
                number_cell(row.total),
                number_cell(row.max_total),
                number_cell(row.percent),
                "" if row.passed is None else ("yes" if row.passed else "no"),
            ]
        )
    return response


class GradebookCSVView(StaffOnly, View):
    def get(self, request, course_id):
        return gradebook_csv(grades.gradebook(self.course, self.items()))


# --- Overrides ---------------------------------------------------------------------


class OverrideForm(GradeForm):
    """Points as for a hand-in's grade, with why instead of feedback."""

    feedback = None
    reason = forms.CharField(
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the change.",
    )


class OverrideView(AdminPage):
    """One student's grade on one item: what it is, its overrides, a new one."""

    template_name = "assessment/admin/override.html"
    page_title = "Override a grade"

    def load(self):
        self.student = self.enrolled_student(self.kwargs["student_id"])
        self.item_ = self.item(self.kwargs["module_id"], self.kwargs["block_id"])
        self.cell = grades.cell_of(self.course, self.student, self.item_)

    def get_page_subtitle(self):
        return f"{self.item_.title} · {self.student.get_username()}"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": url("gradebook", self.course.pk), "label": "Gradebook"},
        ]

    def get(self, request, *args, **kwargs):
        self.load()
        self.form = OverrideForm(
            initial={"points": self.cell.points}
            if self.cell.points is not None
            else {},
            max_points=self.item_.points,
        )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        self.form = OverrideForm(request.POST, max_points=self.item_.points)
        if self.form.is_valid():
            try:
                grades.override(
                    request.user,
                    self.student,
                    self.item_,
                    self.form.cleaned_data["points"],
                    self.form.cleaned_data["reason"],
                )
            except ValidationError as error:
                self.form.add_error(None, error)
        if not self.form.is_valid():
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(
            request,
            f"Changed {self.student.get_username()}'s grade on “{self.item_.title}”.",
        )
        return redirect(url("gradebook", self.course.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            student=self.student,
            item=self.item_,
            cell=self.cell,
            history=list(reversed(self.cell.overrides)),
            form=self.form,
        )
        return context


# --- Re-grading a quiz -------------------------------------------------------------


def attempt_pass_mark(snapshot, item):
    """The pass mark the attempt ran by (its snapshot's), else the quiz's."""
    settings = snapshot.get("settings") if isinstance(snapshot, dict) else None
    value = (settings or {}).get("pass_mark")
    try:
        pass_mark = Decimal(str(value))
    except (ArithmeticError, ValueError):
        pass_mark = None
    if pass_mark is None or not pass_mark.is_finite():
        pass_mark = Decimal(item.value.get("pass_mark") or 50)
    return pass_mark


def regrade_quiz(item, by):
    """Re-grade every submitted attempt at `item` against its questions as they
    are now; returns the Regrade recorded."""
    changed = 0
    students = set()
    with transaction.atomic():
        attempts = list(
            QuizAttempt.objects.select_for_update()
            .filter(
                module_id=item.module.pk,
                block_id=item.block_id,
                submitted_at__isnull=False,
            )
            .order_by("pk")
        )
        for attempt in attempts:
            snapshot = grading.regrade_snapshot(attempt.snapshot, item.value)
            result = grading.grade(snapshot, attempt.answers)
            score = Decimal(result["score"])
            max_score = Decimal(result["max"])
            passed = Decimal(result["percent"]) >= attempt_pass_mark(snapshot, item)
            if score != attempt.score or max_score != attempt.max_score:
                changed += 1
            attempt.snapshot = snapshot
            attempt.score = score
            attempt.max_score = max_score
            attempt.passed = passed
            attempt.results = result["results"]
            attempt.save(
                update_fields=["snapshot", "score", "max_score", "passed", "results"]
            )
            complete_if_passed(attempt)
            students.add(attempt.student_id)
        regrade = Regrade.objects.create(
            module=item.module,
            block_id=item.block_id,
            by=by,
            at=timezone.now(),
            attempts=len(attempts),
            changed=changed,
        )
    for student_id in students:
        grades.grades_changed(student_id)
    return regrade


class RegradeView(AdminPage):
    """Re-grading rewrites stored scores (and may complete modules): it is asked
    for on a page of its own, saying what it will do, then done on a POST."""

    template_name = "assessment/admin/regrade.html"
    page_title = "Re-grade a quiz"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.item(kwargs["module_id"], kwargs["block_id"], "quiz")
        context.update(
            item=item,
            attempts=QuizAttempt.objects.filter(
                module_id=item.module.pk,
                block_id=item.block_id,
                submitted_at__isnull=False,
            ).count(),
            last=Regrade.objects.filter(
                module_id=item.module.pk, block_id=item.block_id
            ).first(),
        )
        return context

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": url("gradebook", self.course.pk), "label": "Gradebook"},
        ]

    def post(self, request, course_id, module_id, block_id):
        item = self.item(module_id, block_id, "quiz")
        regrade = regrade_quiz(item, request.user)
        plural = "" if regrade.attempts == 1 else "s"
        messages.success(
            request,
            f"Re-graded {regrade.attempts} attempt{plural} of “{item.title}”: "
            f"{regrade.changed} changed.",
        )
        return redirect(url("gradebook", self.course.pk))
