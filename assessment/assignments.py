"""Handing in an assignment: its page, the hand-in, the files handed in, and each
student's status inside the shared module body.

What a student hands in is theirs and the course staff's: the page and the files
go through the access rule (learning.access) for the page, and through "author or
staff" for each file. Files live under MEDIA_ROOT/submissions/, outside the folders
MEDIA_URL serves (learning.files.public_media), and are only handed out here, as
downloads.
"""

import os
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, TextField, Value
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import floatformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from assessment.forms import HandInForm
from assessment.grades import cell_of
from assessment.items import find_item, items_of_module
from assessment.models import AssignmentGrade, GradeOverride, Submission, SubmissionFile
from assessment.signals import work_tag
from classroom.access import is_course_staff
from learning.access import can_view_contents
from learning.files import serve_private_file
from learning.models import ModulePage
from sitecache import tags

# The grading screens' URL names, tried in turn (with the arguments each takes):
# the page links to the first one that exists.
# Characters of the staff's feedback a module page shows (the assignment's own
# page and the grades page show it all).
FEEDBACK_SHOWN = 280
# Hand-ins a student may make of one assignment (each is kept, files and all).
MAX_HAND_INS = 20
GRADING_URLS = (("assessment_grades:queue", lambda item, course: [course.pk]),)


def due_of(value):
    """The block's due date as an aware datetime, or None."""
    due = value.get("due")
    if not isinstance(due, datetime):
        return None
    if timezone.is_naive(due):
        due = timezone.make_aware(due)
    return due


def when(moment):
    return date_format(timezone.localtime(moment), "j M Y, H:i")


def file_url(submission_file):
    return reverse(
        "submission_file",
        args=[submission_file.pk, os.path.basename(submission_file.file.name)],
    )


def grading_url(item, course):
    for name, args in GRADING_URLS:
        try:
            return reverse(name, args=args(item, course))
        except NoReverseMatch:
            continue
    return None


class AssignmentView(LoginRequiredMixin, TemplateView):
    """An assignment's page: what to do, the hand-in form, the student's hand-ins
    and their grade. Course staff see it without the form."""

    template_name = "assessment/assignment.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.item = None

    def assignment(self):
        """The assignment as students see it (404 otherwise), for those the access
        rule lets read its module (403 otherwise)."""
        if self.item is None:
            item = find_item(
                self.kwargs["module_id"], self.kwargs["block_id"], "assignment"
            )
            course = item.module.course
            if course is None or not can_view_contents(self.request.user, course):
                raise PermissionDenied("Enroll in the course to hand in its work.")
            self.item, self.course = item, course
            self.staff = is_course_staff(self.request.user, course)
        return self.item

    def get(self, request, *args, **kwargs):
        self.assignment()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        item = self.assignment()
        if self.staff:
            # Staff read the page to see what students see; their work is grading.
            raise PermissionDenied("Course staff do not hand in work here.")
        form = HandInForm(item.value, request.POST, request.FILES)
        now = timezone.now()
        due = due_of(item.value)
        late = due is not None and now > due
        if late and not item.value.get("late"):
            form.add_error(
                None,
                f"The due date ({when(due)}) has passed and this assignment does not "
                "accept late work: nothing was handed in.",
            )
        elif self.hand_ins_so_far() >= MAX_HAND_INS:
            # Every hand-in is kept: without a cap one student could fill the
            # disk that everyone's work is stored on.
            form.add_error(
                None,
                f"You have handed in this assignment {MAX_HAND_INS} times, as often "
                "as it can be: ask the course's staff if you need to hand in again.",
            )
        if not form.is_valid():
            context = self.get_context_data(form=form)
            return self.render_to_response(context, status=400)
        self.hand_in(form, now, late)
        if late:
            messages.warning(
                request,
                "Your work was handed in after the due date: it is marked late.",
            )
        else:
            messages.success(request, "Your work was handed in.")
        url = reverse("assignment", args=[item.module.pk, item.block_id])
        return HttpResponseRedirect(url, status=303)

    def hand_ins_so_far(self):
        return Submission.objects.filter(
            student=self.request.user,
            module=self.item.module,
            block_id=self.item.block_id,
        ).count()

    def hand_in(self, form, now, late):
        """A new Submission with its files; nothing is kept when any part fails."""
        item = self.item
        stored = []
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    student=self.request.user,
                    module=item.module,
                    course=self.course,
                    block_id=item.block_id,
                    text=form.cleaned_data.get("text", ""),
                    submitted_at=now,
                    late=late,
                )
                for upload in form.cleaned_data.get("files", []):
                    handed_in = SubmissionFile(
                        submission=submission,
                        name=upload.safe_name,
                        size=upload.size,
                        content_type=upload.guessed_type,
                    )
                    handed_in.file.save(upload.safe_name, upload, save=False)
                    stored.append(handed_in.file.name)
                    handed_in.save()
        except Exception:
            # The rows are rolled back; the files written so far go too.
            storage = SubmissionFile._meta.get_field("file").storage
            for name in stored:
                storage.delete(name)
            raise
        return submission

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.item
        value = item.value
        due = due_of(value)
        now = timezone.now()
        past_due = due is not None and now > due
        context.update(
            item=item,
            assignment=value,
            module=item.module,
            course=self.course,
            due=due,
            past_due=past_due,
            accepting=not past_due or bool(value.get("late")),
            staff=self.staff,
        )
        if self.staff:
            context["grading_url"] = grading_url(item, self.course)
            return context
        context.setdefault("form", HandInForm(value))
        submissions = list(
            Submission.objects.filter(
                student=self.request.user, module=item.module, block_id=item.block_id
            )
            .prefetch_related("files")
            .order_by("-submitted_at", "-pk")
        )
        for submission in submissions:
            for each in submission.files.all():
                each.url = file_url(each)
        cell = cell_of(self.course, self.request.user, item)
        context.update(submissions=submissions, cell=cell)
        return context


class SubmissionFileView(LoginRequiredMixin, View):
    """A handed-in file, for its author and the course's staff only; anyone else
    gets 404, as for a file that does not exist."""

    def get(self, request, pk, filename):
        handed_in = (
            SubmissionFile.objects.select_related("submission__course")
            .filter(pk=pk)
            .first()
        )
        if handed_in is None or os.path.basename(handed_in.file.name) != filename:
            raise Http404("No such file.")
        submission = handed_in.submission
        if submission.student_id != request.user.pk and not is_course_staff(
            request.user, submission.course
        ):
            raise Http404("No such file.")
        return serve_private_file(
            request, handed_in.file, handed_in.name, handed_in.content_type or None
        )


submission_file = require_safe(SubmissionFileView.as_view())


# --- Each student's status in the shared module body (a decoration) -------------


NOT_HANDED_IN = mark_safe(  # noqa: S308 - a constant of ours
    '<span class="status-todo">Not handed in yet</span>'
)


def parse_status_ids(ids):
    """{id: (module pk, block id)} for the ids that name one ("<pk>.<block id>")."""
    parsed = {}
    for each in ids:
        module, _, block = str(each).partition(".")
        if module.isdigit() and block:
            parsed[each] = (int(module), block)
    return parsed


def assignment_points(module_pk):
    """{block id: points} of the assignments of a module as students see it; from
    the cache, forgotten when the module changes."""

    def compute():
        module = ModulePage.objects.filter(pk=module_pk).first()
        if module is None:
            return {}
        return {
            item.block_id: item.points
            for item in items_of_module(module)
            if item.kind == "assignment"
        }

    return tags.remember(
        "assignment-points", [module_pk], compute, [f"page:{module_pk}"]
    )


def marks_of(user_pk, module_pks, block_ids):
    """The student's latest hand-in and the grade that counts, per assignment:
    two queries: {(module, block): (submitted_at, late)}, {(module, block):
    points}, {(module, block): the staff's written feedback}."""
    mine = {
        "student_id": user_pk,
        "module_id__in": module_pks,
        "block_id__in": block_ids,
    }

    latest = {}
    for module, block, submitted_at, late in (
        Submission.objects.filter(**mine)
        .order_by("submitted_at", "pk")
        .values_list("module_id", "block_id", "submitted_at", "late")
    ):
        latest[(module, block)] = (submitted_at, late)

    # The staff's grade, and their overrides, newest last: the last one counts.
    columns = ("m", "b", "p", "t", "o", "f")
    grades = AssignmentGrade.objects.filter(**mine).annotate(
        m=F("module_id"),
        b=F("block_id"),
        p=F("points"),
        t=F("graded_at"),
        o=Value(0),
        f=F("feedback"),
    )
    overrides = GradeOverride.objects.filter(**mine).annotate(
        m=F("module_id"),
        b=F("block_id"),
        p=F("points"),
        t=F("at"),
        o=Value(1),
        f=Value("", output_field=TextField()),
    )
    graded, feedback = {}, {}
    rows = (
        grades.order_by()
        .values_list(*columns)
        .union(overrides.order_by().values_list(*columns), all=True)
    )
    for module, block, points, _at, override, text in sorted(
        rows, key=lambda row: (row[4], row[3])
    ):
        graded[(module, block)] = points
        if not override and text:
            feedback[(module, block)] = text

    return latest, graded, feedback


def assignment_statuses(request, ids):
    """{id: html} for the "assignment-status" decorations of `request`'s user: from
    the cache until their work or its grades change (two queries when cold,
    whatever the number of ids)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    wanted = parse_status_ids(ids)
    if not wanted:
        return {}
    pairs = set(wanted.values())
    module_pks = {module for module, _block in pairs}
    block_ids = {block for _module, block in pairs}
    latest, graded, feedback = tags.remember(
        "assignment-marks",
        [user.pk, *sorted(f"{module}.{block}" for module, block in pairs)],
        lambda: marks_of(user.pk, module_pks, block_ids),
        [work_tag(user.pk)],
    )

    answer = {}
    for each, pair in wanted.items():
        if pair in graded:
            out_of = assignment_points(pair[0]).get(pair[1])
            points = floatformat(graded[pair], "-2")
            if out_of is None:
                answer[each] = format_html(
                    '<span class="status-graded">Graded: {} points</span>', points
                )
            else:
                answer[each] = format_html(
                    '<span class="status-graded">Graded: {} / {}</span>',
                    points,
                    floatformat(out_of, "-2"),
                )
            if pair in feedback:
                answer[each] += format_html(
                    '<span class="status-feedback"> · Feedback: {}</span>',
                    Truncator(feedback[pair]).chars(FEEDBACK_SHOWN),
                )
        elif pair in latest:
            submitted_at, late = latest[pair]
            answer[each] = format_html(
                '<span class="status-handed-in">Handed in {}{}</span>',
                when(submitted_at),
                " (late)" if late else "",
            )
        else:
            answer[each] = NOT_HANDED_IN
    return answer
