"""Forms of the student side: sign-up and the course a student acts on."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from learning.converters import IdConverter
from learning.models import CoursePage, ModulePage


class StudentRegistrationForm(UserCreationForm):
    """Username, email and password (checked by AUTH_PASSWORD_VALIDATORS)."""

    email = forms.EmailField(required=True, help_text="For password reset emails.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class PageChoiceField(forms.ModelChoiceField):
    """A page by its id, refused as unknown before any query when no database
    could hold it (SQLite raises OverflowError past 64 bits: a 500)."""

    def to_python(self, value):
        if value not in self.empty_values and not re.fullmatch(
            IdConverter.regex, str(value)
        ):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class CourseForm(forms.Form):
    """A published course, chosen by id (enroll and leave post this)."""

    course_id = PageChoiceField(
        queryset=CoursePage.objects.live(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "This course does not exist."},
    )


class ModuleDoneForm(forms.Form):
    """Mark a published module done, or (done=false) not done again."""

    module_id = PageChoiceField(
        queryset=ModulePage.objects.live(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "This module does not exist."},
    )
    done = forms.BooleanField(required=False, initial=True)


class EnrollForm(CourseForm):
    """Enroll in a course; `key` for a course that asks for one."""

    key = forms.CharField(
        required=False,
        max_length=200,
        label="Enrollment key",
        help_text="The key your instructor gave you.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "That key is too long."},
    )
