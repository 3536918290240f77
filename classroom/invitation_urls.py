"""Invitations to enroll (signed links sent by email): /students/invitations/<token>/.

GET shows the course with an "Accept" button to a logged-in user, or the sign-up
form (and a login link back here) to a visitor; POST accepts, or signs up and
accepts. Dead links (changed, withdrawn, used, expired) get a page saying so with
400 or 410, never a 500. The rules are in classroom.invitations.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from classroom import invitations
from classroom.forms import StudentRegistrationForm
from classroom.limits import client_address, hit, wait_text

OUTCOME_MESSAGES = {
    "enrolled": (messages.SUCCESS, "You are enrolled in {course}."),
    "already": (messages.INFO, "You were already enrolled in {course}."),
    "waitlisted": (
        messages.INFO,
        "{course} is full: you are on its waitlist (number {position}).",
    ),
    "requested": (
        messages.INFO,
        "Your request to join {course} waits for the course's staff.",
    ),
}


def tell_outcome(request, accepted):
    """A message saying what the invitation did; where to go next."""
    course = accepted.invitation.course
    outcome = accepted.outcome
    level, text = OUTCOME_MESSAGES.get(
        outcome.status,
        (messages.ERROR, "We could not enroll you in {course}: {reason}"),
    )
    messages.add_message(
        request,
        level,
        text.format(
            course=course.title,
            position=getattr(outcome, "position", None) or "",
            reason=getattr(outcome, "reason", None) or "enrollment is closed.",
        ),
    )
    if outcome.status in ("enrolled", "already") and course.live:
        return redirect("student_course_detail", pk=course.pk)
    return redirect(course.url or reverse("student_course_list"))


class InvitationForm(StudentRegistrationForm):
    """The sign-up form, its email filled in from the invitation."""


@method_decorator(never_cache, name="dispatch")
class InvitationView(View):
    template_name = "classroom/invitation.html"
    refused_template = "classroom/invitation_refused.html"

    def refused(self, refusal):
        return render(
            self.request,
            self.refused_template,
            {"reason": refusal.reason, "message": refusal.message},
            status=refusal.status,
        )

    def page(self, invitation, form=None, status=200):
        user = self.request.user
        if form is None and not user.is_authenticated:
            form = InvitationForm(initial={"email": invitation.email})
        return render(
            self.request,
            self.template_name,
            {
                "invitation": invitation,
                "course": invitation.course,
                "form": form,
                "here": self.request.path,
            },
            status=status,
        )

    def get(self, request, token):
        try:
            invitation = invitations.usable_invitation(token)
        except invitations.InvitationRefused as refusal:
            return self.refused(refusal)
        return self.page(invitation)

    def post(self, request, token):
        try:
            invitation = invitations.usable_invitation(token)
        except invitations.InvitationRefused as refusal:
            return self.refused(refusal)
        if request.user.is_authenticated:
            return self.accept(token)
        return self.sign_up(token, invitation)

    def accept(self, token):
        try:
            accepted = invitations.accept(token, self.request.user)
        except invitations.InvitationRefused as refusal:
            return self.refused(refusal)
        return tell_outcome(self.request, accepted)

    def sign_up(self, token, invitation):
        form = InvitationForm(self.request.POST)
        # Counted as the sign-up page counts: the form tells whether an email is used.
        wait = hit("signup", client_address(self.request), settings.SIGNUP_RATE)
        if wait is not None:
            form.is_valid()
            form.add_error(
                None,
                f"Too many sign-ups from your network. Try again in {wait_text(wait)}.",
            )
            response = self.page(invitation, form, status=429)
            response["Retry-After"] = str(wait)
            return response
        if not form.is_valid():
            return self.page(invitation, form)
        try:
            accepted = invitations.sign_up_and_accept(token, form, self.request)
        except invitations.InvitationRefused as refusal:
            return self.refused(refusal)
        messages.success(
            self.request,
            f"Welcome to Educa, {self.request.user.get_username()}!",
        )
        return tell_outcome(self.request, accepted)


urlpatterns = [
    path("<str:token>/", InvitationView.as_view(), name="invitation"),
]
