"""Rosters in the Wagtail admin, for each course's staff (`is_course_staff`).

- Roster: the user's courses (superusers: all), each with its invitations (sent,
  used, expired; resend, revoke) and a form to invite by email. Only staff who
  may edit the course (`may_edit_course`) may let an invitation take a seat
  beyond the course's capacity.
- Import: upload a CSV (email, optional username and name), see what it would
  change (new enrollments, invitations for unknown addresses, those already
  enrolled or invited, invalid rows with the reason), confirm. Confirming plans
  again from the data as it is then, so importing the same file twice changes
  nothing the second time. Enrollments go through `classroom.enrollment.admit`.
- Export: the roster as CSV, cells a spreadsheet could read as a formula quoted.

The CSV is read with the csv module rather than django-import-export: each row
becomes an enrollment through `admit` (the seat lock and the course's rules) or
an invitation with its mail, not a model row saved as imported, and
import-export's preview and confirm screens are django.contrib.admin's, not
Wagtail's. The preview's confirm form carries the file's text back (nothing is
kept on the server between the two steps).
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from classroom import invitations
from classroom.access import staff_courses
from classroom.admin_staff import CourseStaffOnly
from classroom.enrollment import admit
from classroom.models import Enrollment, Invitation, WaitlistEntry
from classroom.progress import Progress, with_enrollment_progress

NAMESPACE = "classroom_roster"
# The confirm form posts the text back, within Django's limit on form fields.
MAX_UPLOAD_BYTES = 1_000_000
MAX_ROWS = 10_000
MAX_INVITE_ADDRESSES = 200
MAX_EMAIL = 254
MAX_USERNAME = 150
MAX_NAME = 150
# Lookups are cut into chunks below SQLite's oldest limit on query parameters.
CHUNK = 500


def url(name, *args):
    return reverse(f"{NAMESPACE}:{name}", args=args)


class AdminPage(CourseStaffOnly, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "group"

    def get_breadcrumbs_items(self):
        crumbs = [*self.breadcrumbs_items, {"url": url("index"), "label": "Roster"}]
        if self.course is not None:
            crumbs.append(
                {"url": url("course", self.course.pk), "label": self.course.title}
            )
        return crumbs

    def get_page_subtitle(self):
        return self.course.title if self.course is not None else ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["course"] = self.course
        context["may_edit"] = self.may_edit()
        return context


# --- Forms --------------------------------------------------------------------------


def split_addresses(text):
    """Addresses separated by commas, semicolons, spaces or new lines."""
    for separator in ",;\r\n\t":
        text = text.replace(separator, " ")
    return [part for part in text.split(" ") if part]


class DaysField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            min_value=1,
            max_value=invitations.MAX_DAYS,
            initial=invitations.DEFAULT_DAYS,
            label="Valid for (days)",
            **kwargs,
        )


class InviteForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_INVITE_ADDRESSES * (MAX_EMAIL + 2),
        help_text="One or several, separated by commas or new lines.",
    )
    days = DaysField()
    beyond_capacity = forms.BooleanField(
        required=False, label="May take a seat beyond capacity"
    )

    def __init__(self, *args, may_edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_edit:
            # Only those who may edit the course decide on its capacity.
            del self.fields["beyond_capacity"]

    def clean_emails(self):
        addresses = split_addresses(self.cleaned_data["emails"])
        if not addresses:
            raise ValidationError("Enter at least one email address.")
        if len(addresses) > MAX_INVITE_ADDRESSES:
            raise ValidationError(
                f"At most {MAX_INVITE_ADDRESSES} addresses at a time; "
                "import a CSV for more."
            )
        bad = [address for address in addresses if not is_email(address)]
        if bad:
            raise ValidationError(
                "Not valid email addresses: "
                + ", ".join(address[:80] for address in bad)
            )
        unique = list(dict.fromkeys(invitations.normalise_email(a) for a in addresses))
        return unique


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email, and optionally username and name. The first line "
        "names the columns.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The file is too large (at most {MAX_UPLOAD_BYTES // 1_000} kB)."
            )
        text = decode(upload.read())
        parse_roster(text)  # raises a ValidationError with the reason
        return text


class ConfirmForm(forms.Form):
    text = forms.CharField(
        widget=forms.HiddenInput, max_length=MAX_UPLOAD_BYTES, strip=False
    )
    days = DaysField()
    beyond_capacity = forms.BooleanField(
        required=False,
        label="New enrollments and invitations may take a seat beyond capacity",
    )

    def __init__(self, *args, may_edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_edit:
            del self.fields["beyond_capacity"]

    def clean_text(self):
        text = self.cleaned_data["text"]
        parse_roster(text)
        return text


# --- Reading and planning an import -------------------------------------------------


def decode(data):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again."
        ) from None


def is_email(value):
    if len(value) > MAX_EMAIL:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


HEADERS = {
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "email address": "email",
    "username": "username",
    "user": "username",
    "login": "username",
    "name": "name",
    "full name": "name",
    "fullname": "name",
}


@dataclass
class Row:
    line: int
    email: str
    username: str
    name: str
    kind: str = ""  # see KINDS
    reason: str = ""
    user: object = None

    @property
    def email_key(self):
        return self.email.lower()


KINDS = {
    "enroll": "New enrollment",
    "invite": "Invitation",
    "already": "Already enrolled",
    "invited": "Already invited",
    "waiting": "Already waiting",
    "invalid": "Invalid",
}


def parse_roster(text):
    """The rows of a roster CSV (ValidationError when the file as a whole is not
    one). Each row keeps its line number in the file."""
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ValidationError("The file is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ValidationError(f"The file is not a valid CSV: {error}.") from None
    records_with_lines = [
        (number, record)
        for number, record in enumerate(records, start=1)
        if any(cell.strip() for cell in record)
    ]
    if not records_with_lines:
        raise ValidationError("The file has no rows.")
    _, head = records_with_lines[0]
    names = [HEADERS.get(cell.strip().lower()) for cell in head]
    if "email" in names or "username" in names:
        columns = names
        records_with_lines = records_with_lines[1:]
    elif "@" in head[0]:
        columns = ["email", "username", "name"]  # no header line
    else:
        raise ValidationError(
            "The first line must name the columns: email, and optionally username "
            "and name."
        )
    if len(records_with_lines) > MAX_ROWS:
        raise ValidationError(f"At most {MAX_ROWS} rows at a time.")
    rows = []
    for number, record in records_with_lines:
        values = {"email": "", "username": "", "name": ""}
        for column, cell in zip(columns, record, strict=False):
            if column is not None and not values[column]:
                values[column] = cell.strip()
        rows.append(Row(line=number, **values))
    return rows


def chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def plan_import(course, rows, now=None):
    """Say for each row what confirming would do (`Row.kind`, `Row.reason`), from
    a fixed number of queries per chunk of rows."""
    now = now or timezone.now()
    User = get_user_model()
    emails = {row.email_key for row in rows if row.email}
    usernames = {row.username for row in rows if row.username}
    by_email = defaultdict(list)
    for chunk in chunks(emails):
        for user in User.objects.annotate(email_key=Lower("email")).filter(
            email_key__in=chunk
        ):
            by_email[user.email_key].append(user)
    by_username = {}
    for chunk in chunks(usernames):
        for user in User.objects.filter(username__in=chunk):
            by_username[user.username] = user
    enrolled = set(
        Enrollment.objects.filter(course=course).values_list("student_id", flat=True)
    )
    waiting = set(
        WaitlistEntry.objects.filter(course=course).values_list("student_id", flat=True)
    )
    invited = {
        email.lower()
        for email in invitations.pending(course, now).values_list("email", flat=True)
    }
    seen = {}
    for row in rows:
        decide(row, by_email, by_username, enrolled, waiting, invited, seen)
    return rows


def invalid(row, reason):
    row.kind, row.reason = "invalid", reason


def decide(row, by_email, by_username, enrolled, waiting, invited, seen):
    if not row.email and not row.username:
        return invalid(row, "No email and no username.")
    for field, limit in (
        ("email", MAX_EMAIL),
        ("username", MAX_USERNAME),
        ("name", MAX_NAME),
    ):
        if len(getattr(row, field)) > limit:
            return invalid(
                row, f"Too long: the {field} has more than {limit} characters."
            )
    if row.email and not is_email(row.email):
        return invalid(row, "Not a valid email address.")
    user = None
    if row.username:
        user = by_username.get(row.username)
        if user is None and not row.email:
            return invalid(row, "Unknown username, and no email to invite.")
    if row.email:
        matches = by_email.get(row.email_key, [])
        if user is not None:
            if matches and user not in matches:
                return invalid(
                    row, "The username and the email belong to different accounts."
                )
        elif len(matches) > 1:
            return invalid(row, "Several accounts use this email: give the username.")
        elif matches:
            user = matches[0]
    if user is not None and not user.is_active:
        return invalid(row, "This account is deactivated.")
    key = ("user", user.pk) if user is not None else ("email", row.email_key)
    if key in seen:
        return invalid(
            row, f"Duplicate in the file: the same person as line {seen[key]}."
        )
    seen[key] = row.line
    row.user = user
    if user is not None:
        if user.pk in enrolled:
            row.kind = "already"
        elif user.pk in waiting:
            row.kind, row.reason = "waiting", "On the waitlist or asked to enroll."
        else:
            row.kind = "enroll"
            if row.username and row.email and row.username not in by_username:
                row.reason = "Found by email (the username is not theirs)."
    elif row.email_key in invited:
        row.kind = "invited"
    else:
        row.kind = "invite"
        if row.username:
            row.reason = "Unknown username: the invitation goes to the email."


@dataclass
class ImportResult:
    outcomes: Counter
    invited: int
    mailed: int


def apply_import(course, rows, by, *, beyond_capacity=False, days=None, request=None):
    """Enroll and invite as planned, in one transaction; mail after it commits."""
    now = timezone.now()
    outcomes = Counter()
    with transaction.atomic():
        for row in rows:
            if row.kind == "enroll":
                outcome = admit(
                    row.user, course, beyond_capacity=beyond_capacity, now=now
                )
                outcomes[outcome.status] += 1
        to_invite = [row for row in rows if row.kind == "invite"]
        created = invitations.create_invitations(
            course,
            [row.email for row in to_invite],
            by,
            beyond_capacity=beyond_capacity,
            days=days or invitations.DEFAULT_DAYS,
        )
    names = {row.email_key: row.name for row in to_invite if row.name}
    mailed = invitations.send_invitations(created, request, names)
    return ImportResult(outcomes=outcomes, invited=len(created), mailed=mailed)


# --- Views --------------------------------------------------------------------------


class IndexView(AdminPage):
    template_name = "classroom/admin/roster_index.html"
    page_title = "Roster"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "Roster"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["courses"] = staff_courses(self.request.user)
        return context


class CourseRosterView(AdminPage):
    """The course's invitations and the form to invite more."""

    template_name = "classroom/admin/roster.html"
    page_title = "Invitations"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        rows = Invitation.objects.filter(course=self.course).select_related(
            "invited_by", "used_by"
        )
        context["invitations"] = [(row, invitations.state_of(row, now)) for row in rows]
        context["form"] = form or InviteForm(may_edit=self.may_edit())
        context["enrolled_count"] = Enrollment.objects.filter(
            course=self.course
        ).count()
        return context

    def post(self, request, course_id):
        form = InviteForm(request.POST, may_edit=self.may_edit())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        addresses = form.cleaned_data["emails"]
        enrolled = {
            email.lower()
            for email in Enrollment.objects.filter(course=self.course).values_list(
                "student__email", flat=True
            )
        }
        already = {
            email.lower()
            for email in invitations.pending(self.course).values_list(
                "email", flat=True
            )
        }
        fresh = [a for a in addresses if a not in enrolled and a not in already]
        created = invitations.create_invitations(
            self.course,
            fresh,
            request.user,
            beyond_capacity=form.cleaned_data.get("beyond_capacity", False),
            days=form.cleaned_data["days"],
        )
        mailed = invitations.send_invitations(created, request)
        if created:
            plural = "es" if len(created) != 1 else ""
            messages.success(request, f"Invited {len(created)} address{plural}.")
        if mailed < len(created):
            messages.error(request, NOT_MAILED)
        skipped = [a for a in addresses if a in enrolled]
        if skipped:
            messages.warning(request, "Already enrolled: " + ", ".join(skipped))
        repeated = [a for a in addresses if a in already and a not in enrolled]
        if repeated:
            messages.warning(
                request,
                "Already invited (resend from the list): " + ", ".join(repeated),
            )
        return redirect(url("course", self.course.pk))


NOT_MAILED = (
    "Some invitations could not be mailed (the mail server did not answer): "
    "resend them from the list."
)


class InvitationActionView(CourseStaffOnly, View):
    http_method_names = ["post"]

    def post(self, request, course_id, pk):
        invitation = get_object_or_404(Invitation, pk=pk, course=self.course)
        self.act(invitation)
        return redirect(url("course", self.course.pk))


class ResendView(InvitationActionView):
    def act(self, invitation):
        try:
            mailed = invitations.resend(invitation, self.request)
        except invitations.InvitationRefused as refusal:
            messages.error(self.request, refusal.message)
            return
        if not mailed:
            messages.error(self.request, NOT_MAILED)
            return
        messages.success(
            self.request, f"Sent the invitation to {invitation.email} again."
        )


class RevokeView(InvitationActionView):
    def act(self, invitation):
        if invitation.used is not None:
            messages.error(
                self.request, "This invitation was used: it can no longer be revoked."
            )
            return
        invitation.delete()
        messages.success(
            self.request,
            f"Revoked the invitation to {invitation.email}: its link no longer works.",
        )


class ImportView(AdminPage):
    """Upload (GET, POST of the file → preview) and confirm (POST of the text)."""

    template_name = "classroom/admin/roster_import.html"
    page_title = "Import a roster"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form or UploadForm()
        return context

    def post(self, request, course_id):
        if "text" in request.POST:
            return self.confirm()
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        text = form.cleaned_data["file"]
        rows = plan_import(self.course, parse_roster(text))
        confirm = ConfirmForm(initial={"text": text}, may_edit=self.may_edit())
        return self.preview(rows, confirm)

    def preview(self, rows, confirm, status=200):
        counts = Counter(row.kind for row in rows)
        self.template_name = "classroom/admin/roster_preview.html"
        context = self.get_context_data()
        context.update(
            rows=rows,
            confirm=confirm,
            kinds=[(kind, label, counts.get(kind, 0)) for kind, label in KINDS.items()],
            changes=counts["enroll"] + counts["invite"],
        )
        return self.render_to_response(context, status=status)

    def confirm(self):
        form = ConfirmForm(self.request.POST, may_edit=self.may_edit())
        if not form.is_valid():
            context = self.get_context_data()
            context["errors"] = [e for errors in form.errors.values() for e in errors]
            return self.render_to_response(context, status=400)
        rows = plan_import(self.course, parse_roster(form.cleaned_data["text"]))
        result = apply_import(
            self.course,
            rows,
            self.request.user,
            beyond_capacity=form.cleaned_data.get("beyond_capacity", False),
            days=form.cleaned_data["days"],
            request=self.request,
        )
        messages.success(self.request, summary(result))
        if result.mailed < result.invited:
            messages.error(self.request, NOT_MAILED)
        return redirect(url("course", self.course.pk))


def summary(result):
    outcomes = result.outcomes
    parts = [
        f"{outcomes['enrolled']} enrolled",
        f"{result.invited} invited",
    ]
    for status, label in (
        ("waitlisted", "put on the waitlist"),
        ("requested", "waiting for approval"),
        ("already", "already enrolled"),
        ("refused", "refused by the course's enrollment rules"),
    ):
        if outcomes[status]:
            parts.append(f"{outcomes[status]} {label}")
    return "Import done: " + ", ".join(parts) + "."


# What a spreadsheet may read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value):
    """A text cell, never read as a formula by a spreadsheet."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class ExportView(CourseStaffOnly, View):
    def get(self, request, course_id):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        slug = self.course.slug or f"course-{self.course.pk}"
        response["Content-Disposition"] = f'attachment; filename="roster-{slug}.csv"'
        writer = csv.writer(response)
        writer.writerow(["username", "email", "name", "enrolled", "progress %"])
        enrollments = with_enrollment_progress(
            Enrollment.objects.filter(course=self.course).select_related("student")
        ).order_by("student__username")
        for enrollment in enrollments:
            student = enrollment.student
            progress = Progress(
                done=enrollment.done_modules, total=enrollment.published_modules
            )
            writer.writerow(
                [
                    text_cell(student.get_username()),
                    text_cell(student.email),
                    text_cell(student.get_full_name()),
                    timezone.localtime(enrollment.created).date().isoformat(),
                    progress.percent,
                ]
            )
        return response


urlpatterns = [
    path("", IndexView.as_view(), name="index"),
    path("<id:course_id>/", CourseRosterView.as_view(), name="course"),
    path(
        "<id:course_id>/invitations/<id:pk>/resend/",
        ResendView.as_view(),
        name="resend",
    ),
    path(
        "<id:course_id>/invitations/<id:pk>/revoke/",
        RevokeView.as_view(),
        name="revoke",
    ),
    path("<id:course_id>/import/", ImportView.as_view(), name="import"),
    path("<id:course_id>/roster.csv", ExportView.as_view(), name="export"),
]


@hooks.register("register_admin_urls")
def register_roster_urls():
    return [path("roster/", include((urlpatterns, NAMESPACE), namespace=NAMESPACE))]


class RosterMenuItem(MenuItem):
    """Shown to the staff of some course."""

    def is_shown(self, request):
        return staff_courses(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_roster_menu_item():
    return RosterMenuItem(
        "Roster", url("index"), name="roster", icon_name="mail", order=255
    )
