"""Enrollment in the Wagtail admin, for each course's staff
(`classroom.access.is_course_staff`).

- Enrollment: the user's courses (superusers: all) with their mode, seats, waitlist
  and pending requests.
- A course's screen: its enrollment settings (a form for those who may edit the
  course, `may_edit_course`; a summary for its assistants), its pending requests
  with Approve and Refuse, and its waitlist in order with Remove.

The key is typed once and stored hashed: the form never shows it. Every change goes
through classroom.enrollment, under the course's lock.
"""

from django import forms
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.views import View
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateTimeInput

from classroom import enrollment
from classroom.access import may_edit_course, staff_courses
from classroom.admin_staff import CourseStaffOnly, forbidden
from classroom.models import Enrollment, EnrollmentSettings, WaitlistEntry

NAMESPACE = "classroom_enrollment"


def url(name, *args):
    return reverse(f"{NAMESPACE}:{name}", args=args)


class SettingsForm(forms.ModelForm):
    key = forms.CharField(
        required=False,
        max_length=enrollment.MAX_KEY_LENGTH,
        strip=True,
        label="New key",
        help_text="Students type it to enroll. It is stored hashed and never shown "
        "again: leave empty to keep the current one.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = EnrollmentSettings
        fields = ["mode", "key", "opens", "closes", "capacity", "waitlist"]
        widgets = {"opens": AdminDateTimeInput, "closes": AdminDateTimeInput}
        help_texts = {
            "opens": "Empty: open now",
            "closes": "Empty: never closes",
            "capacity": "Seats; empty for no limit",
            "waitlist": "When full, students may join a waitlist; a freed seat "
            "goes to the first waiting, who is told by email",
        }

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", "Enrollment must close after it opens.")
        has_key = bool(self.instance.key_hash) or bool(data.get("key"))
        if data.get("mode") == EnrollmentSettings.KEY and not has_key:
            self.add_error("key", "Type the key students will use.")
        return data


class AdminPage(CourseStaffOnly, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "user"

    def get_breadcrumbs_items(self):
        crumbs = [*self.breadcrumbs_items, {"url": url("index"), "label": "Enrollment"}]
        if self.course is not None:
            crumbs.append({"url": "", "label": self.course.title})
        return crumbs


class IndexView(AdminPage):
    template_name = "classroom/admin/enrollment_index.html"
    page_title = "Enrollment"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "Enrollment"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        courses = list(staff_courses(self.request.user))
        pks = [course.pk for course in courses]
        settings = {
            row.course_id: row
            for row in EnrollmentSettings.objects.filter(course_id__in=pks)
        }
        taken = dict(
            Enrollment.objects.filter(course_id__in=pks)
            .values("course_id")
            .annotate(n=Count("pk"))
            .values_list("course_id", "n")
        )
        waiting = {}
        for course_id, kind, n in (
            WaitlistEntry.objects.filter(course_id__in=pks)
            .values("course_id", "kind")
            .annotate(n=Count("pk"))
            .values_list("course_id", "kind", "n")
        ):
            waiting[course_id, kind] = n
        context["rows"] = [
            {
                "course": course,
                "settings": settings.get(course.pk)
                or EnrollmentSettings(course_id=course.pk),
                "taken": taken.get(course.pk, 0),
                "waiting": waiting.get((course.pk, WaitlistEntry.WAITING), 0),
                "requests": waiting.get((course.pk, WaitlistEntry.REQUESTED), 0),
            }
            for course in courses
        ]
        return context


class CourseView(AdminPage):
    template_name = "classroom/admin/enrollment_course.html"
    page_title = "Enrollment"

    def get_page_subtitle(self):
        return self.course.title

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.form = None

    def get(self, request, *args, **kwargs):
        if may_edit_course(request.user, self.course):
            self.form = SettingsForm(instance=enrollment.settings_of(self.course))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not may_edit_course(request.user, self.course):
            return forbidden(request)
        self.form = SettingsForm(
            request.POST, instance=enrollment.settings_of(self.course)
        )
        if not self.form.is_valid():
            messages.error(request, "The settings could not be saved: see below.")
            return self.render_to_response(self.get_context_data(), status=400)
        data = self.form.cleaned_data
        enrollment.update_settings(
            self.course,
            key=data["key"] or None,
            **{name: data[name] for name in enrollment.SETTING_FIELDS},
        )
        messages.success(request, f"Saved the enrollment settings of {self.course}.")
        return redirect(url("course", self.course.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = WaitlistEntry.objects.filter(course=self.course).select_related(
            "student"
        )
        settings = enrollment.settings_of(self.course)
        context.update(
            course=self.course,
            form=self.form,
            settings=settings,
            has_key=bool(settings.key_hash),
            taken=Enrollment.objects.filter(course=self.course).count(),
            seats_left=enrollment.seats_left(self.course),
            requests=[e for e in entries if e.kind == WaitlistEntry.REQUESTED],
            waiting=[e for e in entries if e.kind == WaitlistEntry.WAITING],
        )
        return context


class EntryActionView(CourseStaffOnly, View):
    """Approve or refuse a request; remove a student from the waitlist (POST)."""

    http_method_names = ["post"]

    def post(self, request, course_id, pk, verb):
        entry = get_object_or_404(
            WaitlistEntry.objects.select_related("student", "course"),
            pk=pk,
            course=self.course,
        )
        name = entry.student.get_username()
        if verb == "approve":
            outcome = enrollment.approve(entry, by=request.user)
            if outcome.status in (enrollment.ENROLLED, enrollment.ALREADY):
                messages.success(request, f"{name} is enrolled.")
            elif outcome.status == enrollment.WAITLISTED:
                messages.warning(
                    request,
                    f"The course is full: {name} is "
                    f"{enrollment.ordinal(outcome.position)} on the waitlist.",
                )
            else:
                messages.error(request, f"{name} was not enrolled: {outcome.reason}")
        else:
            enrollment.refuse(entry, by=request.user)
            if entry.kind == WaitlistEntry.REQUESTED:
                messages.success(request, f"Refused {name}'s request.")
            else:
                messages.success(request, f"Removed {name} from the waitlist.")
        return redirect(url("course", self.course.pk))


urlpatterns = [
    path("", IndexView.as_view(), name="index"),
    path("<id:course_id>/", CourseView.as_view(), name="course"),
    path(
        "<id:course_id>/entries/<id:pk>/approve/",
        EntryActionView.as_view(),
        {"verb": "approve"},
        name="approve",
    ),
    path(
        "<id:course_id>/entries/<id:pk>/refuse/",
        EntryActionView.as_view(),
        {"verb": "refuse"},
        name="refuse",
    ),
    path(
        "<id:course_id>/entries/<id:pk>/remove/",
        EntryActionView.as_view(),
        {"verb": "remove"},
        name="remove",
    ),
]


@hooks.register("register_admin_urls")
def register_enrollment_urls():
    return [path("enrollment/", include((urlpatterns, NAMESPACE), namespace=NAMESPACE))]


class EnrollmentMenuItem(MenuItem):
    """Shown to the staff of some course."""

    def is_shown(self, request):
        return staff_courses(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_enrollment_menu_item():
    return EnrollmentMenuItem(
        "Enrollment",
        reverse(f"{NAMESPACE}:index"),
        name="enrollment",
        icon_name="user",
        order=255,
    )
