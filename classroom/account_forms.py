"""Forms of the account page: the user's name and email, and deleting the account."""

from django import forms
from django.contrib.auth import authenticate, get_user_model


class ProfileForm(forms.ModelForm):
    """First and last name, and an email no other account uses (in any case)."""

    # Declared again to be required; as long as the column allows (a form field's
    # own default is longer, and a longer address would fail to save).
    email = forms.EmailField(
        required=True,
        max_length=get_user_model()._meta.get_field("email").max_length,
        help_text="For password reset emails and course invitations.",
    )

    class Meta:
        model = get_user_model()
        fields = ("first_name", "last_name", "email")

    def clean_email(self):
        email = self.cleaned_data["email"]
        others = get_user_model().objects.exclude(pk=self.instance.pk)
        if others.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class DeleteAccountForm(forms.Form):
    """The user's password, to be sure it is them (a left-open session is not).

    Checked through `authenticate`, as a login is: a wrong password counts towards
    the login lockout (classroom.limits), so this form is no way to guess one.
    """

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(
            self.request, username=user.get_username(), password=password
        )
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError("That is not your password.")
        return password
