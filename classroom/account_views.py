"""The account page of every logged-in user: their details, password, courses, a
download of their data, and deleting the account (classroom.account)."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import PasswordChangeView
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import FormView, UpdateView

from classroom import account
from classroom.account_forms import DeleteAccountForm, ProfileForm


class AccountView(LoginRequiredMixin, UpdateView):
    """The user's details (editable), their courses with progress, and the ways
    to their password, their data and deleting the account."""

    template_name = "classroom/account/account.html"
    form_class = ProfileForm
    success_url = reverse_lazy("account:index")

    def get_object(self, queryset=None):
        return self.request.user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        courses = account.courses_taken(self.request.user)
        context["in_progress"] = [row for row in courses if not row[1].completed]
        context["completed"] = [row for row in courses if row[1].completed]
        return context

    def form_valid(self, form):
        messages.success(self.request, "Your details were saved.")
        return super().form_valid(form)


class AccountPasswordChangeView(PasswordChangeView):
    """Django's password change (its form and template), back to the account page
    with a message. The form at /accounts/password_change/ posts here."""

    success_url = reverse_lazy("account:index")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session logged in
        messages.success(self.request, "Your password was changed.")
        return response


class AccountDataView(LoginRequiredMixin, View):
    """Download my data: everything the site keeps about the user, as a JSON file."""

    def get(self, request):
        data = {
            "exported": timezone.now(),
            **account.export_data(request.user),
        }
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        filename = f"educa-{request.user.get_username()}-data.json"
        return HttpResponse(
            body,
            content_type="application/json; charset=utf-8",
            headers={"Content-Disposition": content_disposition_header(True, filename)},
        )


class AccountDeleteView(LoginRequiredMixin, FormView):
    """Delete my account: says what happens, asks for the password, deletes the
    user, logs them out and lands on the home page."""

    template_name = "classroom/account/delete.html"
    form_class = DeleteAccountForm

    def get_form_kwargs(self):
        return {"request": self.request, **super().get_form_kwargs()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["refusal"] = account.why_not_delete(self.request.user)
        context["notes"] = [
            part.on_delete_note
            for part in account.registered_parts()
            if part.on_delete_note
        ]
        return context

    def post(self, request, *args, **kwargs):
        reason = account.why_not_delete(request.user)
        if reason is not None:
            return self.render_to_response(self.get_context_data(), status=403)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        account.delete_account(self.request.user)
        logout(self.request)
        messages.success(self.request, "Your account was deleted. Goodbye!")
        return redirect("/")
