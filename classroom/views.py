"""The student side: sign up, enroll, study a course and mark modules done."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import PasswordResetView
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import CreateView, FormView, TemplateView

from classroom import enrollment
from classroom.access import can_view_contents
from classroom.forms import (
    CourseForm,
    EnrollForm,
    ModuleDoneForm,
    StudentRegistrationForm,
)
from classroom.limits import client_address, hit, wait_text
from classroom.models import Enrollment, EnrollmentSettings, ModuleCompletion
from classroom.progress import (
    next_module_for,
    progress_of,
    split_studies,
    studies_of,
    why_not_done_by_hand,
)
from learning.models import CoursePage


def safe_next_url(request, default):
    """The `next` parameter when it points at this site, else `default`."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


class RefusesOverLimit:
    """A form view that answers 429 with the form, what was typed and the reason."""

    def refuse(self, form, message, wait):
        form.add_error(None, f"{message} Try again in {wait_text(wait)}.")
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


class StudentRegistrationView(RefusesOverLimit, CreateView):
    """Sign a student up and log them in; SIGNUP_RATE sign-ups per address."""

    template_name = "classroom/register.html"
    form_class = StudentRegistrationForm

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("student_course_list")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Every attempt counts: the form also tells whether an email has an account.
        wait = hit("signup", client_address(request), settings.SIGNUP_RATE)
        if wait is not None:
            self.object = None
            return self.refuse(
                self.get_form(), "Too many sign-ups from your network.", wait
            )
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next_url(self.request, "")
        return context

    def form_valid(self, form):
        user = form.save()
        # The backend that loads users for sessions (the first one only checks lockout).
        login(self.request, user, backend="sitecache.auth.CachedModelBackend")
        messages.success(self.request, f"Welcome to Educa, {user.get_username()}!")
        return redirect(safe_next_url(self.request, reverse("student_course_list")))


class LimitedPasswordResetView(RefusesOverLimit, PasswordResetView):
    """Django's password reset, PASSWORD_RESET_RATE per address and
    PASSWORD_RESET_EMAIL_RATE per email (whether or not an account uses it, so the
    refusal tells nothing about accounts)."""

    def post(self, request, *args, **kwargs):
        wait = hit(
            "password-reset", client_address(request), settings.PASSWORD_RESET_RATE
        )
        if wait is not None:
            return self.refuse(
                self.get_form(),
                "Too many password reset requests from your network.",
                wait,
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        wait = hit("password-reset-email", email, settings.PASSWORD_RESET_EMAIL_RATE)
        if wait is not None:
            return self.refuse(
                form, "Too many password reset requests for this email address.", wait
            )
        return super().form_valid(form)


class CourseActionView(LoginRequiredMixin, FormView):
    """A POST about one course; bad input gets a 400 page with the reason."""

    form_class = CourseForm
    http_method_names = ["post"]
    template_name = "classroom/form_error.html"

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class StudentEnrollCourseView(CourseActionView):
    """Ask to enroll the logged-in user (classroom.enrollment decides); asking twice
    answers where they stand. A wrong or missing key shows the key form again with
    the reason (429 while keys are being guessed)."""

    form_class = EnrollForm

    def form_valid(self, form):
        course = form.cleaned_data["course_id"]
        outcome = enrollment.enroll(
            self.request.user, course, key=form.cleaned_data["key"] or None
        )
        if outcome.code in KEY_REFUSALS:
            return key_form_response(self.request, course, form, outcome)
        say_outcome(self.request, course, outcome)
        return redirect(safe_next_url(self.request, course.url))


# Refusals answered with the key form and its error (status), not a message.
KEY_REFUSALS = {"key_needed": 400, "wrong_key": 403, "throttled": 429}


def say_outcome(request, course, outcome):
    """A message saying what became of a request to enroll."""
    if outcome.status == enrollment.ENROLLED:
        messages.success(request, f"You are enrolled in {course.title}.")
    elif outcome.status == enrollment.ALREADY:
        messages.info(request, f"You were already enrolled in {course.title}.")
    elif outcome.status == enrollment.WAITLISTED:
        messages.info(
            request,
            f"{course.title} is full: you are "
            f"{enrollment.ordinal(outcome.position)} on its waitlist. "
            "We will email you when a seat is yours.",
        )
    elif outcome.status == enrollment.REQUESTED:
        messages.info(request, outcome.reason)
    else:
        messages.error(request, outcome.reason)


def key_form_response(request, course, form, outcome):
    form.add_error("key", outcome.reason)
    response = render(
        request,
        "classroom/enroll_key.html",
        {"course": course, "form": form, "next": safe_next_url(request, "")},
        status=KEY_REFUSALS[outcome.code],
    )
    if outcome.retry_after:
        response["Retry-After"] = str(outcome.retry_after)
    return response


class StudentEnrollKeyView(LoginRequiredMixin, View):
    """The key form of a course on a page of its own (the course page has it too)."""

    def get(self, request, pk):
        course = get_object_or_404(CoursePage.objects.live(), pk=pk)
        form = EnrollForm(initial={"course_id": course.pk})
        return render(
            request,
            "classroom/enroll_key.html",
            {"course": course, "form": form, "next": safe_next_url(request, "")},
        )


class StudentLeaveCourseConfirmView(LoginRequiredMixin, View):
    """Ask before leaving: the course, the progress, that the progress is kept,
    and what coming back would take. Its form posts to StudentLeaveCourseView."""

    def get(self, request, pk):
        course = get_object_or_404(CoursePage.objects.live(), pk=pk)
        if not Enrollment.objects.filter(student=request.user, course=course).exists():
            messages.info(request, f"You are not enrolled in {course.title}.")
            return redirect(course.url)
        return render(
            request,
            "classroom/leave_course.html",
            {
                "course": course,
                "progress": progress_of(request.user, course),
                "coming_back": coming_back(course),
            },
        )


def coming_back(course, now=None):
    """What enrolling in `course` again would take, said to a student about to
    leave it (empty when anyone may enroll at any time)."""
    summary = enrollment.course_summary(course)
    now = now or timezone.now()
    notes = []
    closes = summary["closes"]
    if closes is not None and closes <= now:
        notes.append("Enrollment in this course is closed: you could not enroll again.")
    elif closes is not None:
        notes.append(
            "Enrollment in this course closes on "
            f"{date_format(timezone.localtime(closes), 'j F Y, H:i T')}."
        )
    mode = summary["mode"]
    if mode == EnrollmentSettings.INVITATION:
        notes.append(
            "This course is by invitation only: to come back you would need a new "
            "invitation."
        )
    elif mode == EnrollmentSettings.APPROVAL:
        notes.append("To come back you would ask again, and the staff would decide.")
    elif mode == EnrollmentSettings.KEY:
        notes.append("To come back you would need the course's enrollment key.")
    if summary["capacity"] is not None:
        notes.append(
            "This course has a limited number of seats: once you leave, yours may "
            "go to someone else."
        )
    return notes


class StudentLeaveCourseView(CourseActionView):
    """Leave a course (the POST of the confirmation page). Completions are kept, so
    enrolling again restores progress; the seat goes to the first on the waitlist."""

    def form_valid(self, form):
        course = form.cleaned_data["course_id"]
        enrollment.leave(self.request.user, course)
        messages.info(self.request, f"You left {course.title}.")
        return redirect(safe_next_url(self.request, course.url))


class StudentLeaveWaitlistView(CourseActionView):
    """Leave a course's waitlist, or withdraw a request to enroll."""

    def form_valid(self, form):
        course = form.cleaned_data["course_id"]
        if enrollment.leave_waitlist(self.request.user, course):
            messages.info(self.request, f"You no longer wait for {course.title}.")
        else:
            messages.info(self.request, f"You were not waiting for {course.title}.")
        return redirect(safe_next_url(self.request, course.url))


class StudentCourseListView(LoginRequiredMixin, TemplateView):
    """The student's courses in progress, each with its next module, progress and
    last activity, then those completed."""

    template_name = "classroom/course_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["studies"] = split_studies(studies_of(self.request.user))
        return context


class StudentCourseDetailView(LoginRequiredMixin, View):
    """Open a course: go to the first module the student has not done yet."""

    def get(self, request, pk):
        course = get_object_or_404(CoursePage.objects.live(), pk=pk)
        if not can_view_contents(request.user, course):
            messages.info(request, "Enroll in this course to open its modules.")
            return redirect(course.url)
        module = next_module_for(request.user, course)
        if module is None:
            messages.info(request, "This course has no modules yet.")
            return redirect(course.url)
        return redirect(module.url)


class StudentModuleDoneView(LoginRequiredMixin, FormView):
    """Mark a module done and move on to the next module of the course (after the
    last, or once the course is complete, to the course page); or mark it not done
    again and stay on it."""

    form_class = ModuleDoneForm
    http_method_names = ["post"]
    template_name = "classroom/form_error.html"

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        user = self.request.user
        module = form.cleaned_data["module_id"]
        course = module.course
        if not Enrollment.objects.filter(student=user, course=course).exists():
            # Owners and superusers may read modules, but only students have progress.
            messages.info(self.request, "Enroll in this course to track your progress.")
            return redirect(course.url)
        refusal = why_not_done_by_hand(module)
        if refusal:
            messages.info(self.request, refusal)
            return redirect(module.url)
        if not form.cleaned_data["done"]:
            ModuleCompletion.objects.filter(student=user, module=module).delete()
            return redirect(module.url)
        ModuleCompletion.objects.get_or_create(
            student=user, module=module, defaults={"course": course}
        )
        progress = progress_of(user, course)
        if progress.completed:
            messages.success(self.request, f"Well done: you completed {course.title}!")
            return redirect(course.url)
        following = module_after(course, module)
        if following is not None:
            return redirect(following.url)
        left = progress.total - progress.done
        messages.info(
            self.request,
            f"That was the last module of {course.title}. {left} module"
            f"{pluralize(left)} still to do: they have no tick in the list below.",
        )
        return redirect(course.url)


def module_after(course, module):
    """The published module that follows `module` in its course, or None."""
    modules = course.module_outline()
    for position, each in enumerate(modules):
        if each.pk == module.pk:
            return modules[position + 1] if position + 1 < len(modules) else None
    return None
