"""Forms of the student side: sign-up, new passwords, the course a student acts on."""

import re

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import (
    SetPasswordForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError

from learning.converters import IdConverter
from learning.models import CoursePage, ModulePage

# How each of Django's validators' rule reads in the one-line summary.
ATTRIBUTE_WORDS = {
    "username": "username",
    "first_name": "name",
    "last_name": "name",
    "email": "email",
}


def _words(items):
    """Words joined as prose: "a", "a or b", "a, b or c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def password_rules(validators=None):
    """The password validators' rules in one short sentence, such as "At least 8
    characters, not only digits, not like your username or email."

    Read from AUTH_PASSWORD_VALIDATORS (or `validators`), so the sentence follows
    the settings; a validator this does not know is described by its own help text.
    """
    if validators is None:
        validators = password_validation.get_default_password_validators()
    rules = []  # (order, words): length first, then what a password must not be
    for validator in validators:
        if isinstance(validator, password_validation.MinimumLengthValidator):
            rules.append((0, f"at least {validator.min_length} characters"))
        elif isinstance(validator, password_validation.NumericPasswordValidator):
            rules.append((1, "not only digits"))
        elif isinstance(
            validator, password_validation.UserAttributeSimilarityValidator
        ):
            named = []
            for attribute in validator.user_attributes:
                word = ATTRIBUTE_WORDS.get(attribute, attribute.replace("_", " "))
                if word not in named:
                    named.append(word)
            if named:
                rules.append((2, f"not like your {_words(named)}"))
        elif isinstance(validator, password_validation.CommonPasswordValidator):
            rules.append((3, "not a common password"))
        else:
            rules.append((4, str(validator.get_help_text()).rstrip(". ")))
    rules = [words for _order, words in sorted(rules, key=lambda rule: rule[0])]
    if not rules:
        return ""
    sentence = ", ".join(rules)
    return f"{sentence[0].upper()}{sentence[1:]}."


class ShortPasswordRules:
    """A new password's rules said in one line under its first field (not Django's
    list of sentences), and the errors of those rules shown there too."""

    new_password_fields = ("password1", "new_password1")
    repeat_fields = ("password2", "new_password2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.new_password_fields:
            if name in self.fields:
                self.fields[name].help_text = password_rules()
        for name in self.repeat_fields:
            if name in self.fields:
                self.fields[name].help_text = "The same password again, to be sure."

    def validate_password_for_user(self, user, password_field_name="password2"):  # noqa: S107 - a field name
        # Django checks the rules on the repeat field; they are told on the first.
        first = dict(zip(self.repeat_fields, self.new_password_fields, strict=True))
        super().validate_password_for_user(
            user, first.get(password_field_name, password_field_name)
        )


class StudentRegistrationForm(ShortPasswordRules, UserCreationForm):
    """Username, email and password (checked by AUTH_PASSWORD_VALIDATORS)."""

    # Required here; as long as the column allows (a form field's own default is
    # longer, and a longer address would fail to save).
    email = forms.EmailField(
        required=True,
        max_length=get_user_model()._meta.get_field("email").max_length,
        help_text="For password reset emails.",
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = "Letters, digits and @ . + - _ only."
        self.fields["email"].widget.attrs.setdefault("autocomplete", "email")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class SiteSetPasswordForm(ShortPasswordRules, SetPasswordForm):
    """Choose a new password (after a reset link), rules said in one line."""


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
