"""Site forms: one field markup, short password rules, errors where they belong."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from classroom.forms import StudentRegistrationForm, password_rules

REGISTER = "/students/register/"
VALIDATION = "django.contrib.auth.password_validation."


def field_block(html, field_id):
    """The markup of the .field that holds the input `field_id`."""
    blocks = re.findall(r'<div class="field[^"]*">.*?</div>', html, re.S)
    return next(block for block in blocks if f'id="{field_id}"' in block)


def test_password_rules_follow_the_configured_validators():
    assert password_rules() == (
        "At least 8 characters, not only digits, not like your username, name or "
        "email, not a common password."
    )


@override_settings(
    AUTH_PASSWORD_VALIDATORS=[
        {"NAME": VALIDATION + "NumericPasswordValidator"},
        {"NAME": VALIDATION + "MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
        {
            "NAME": VALIDATION + "UserAttributeSimilarityValidator",
            "OPTIONS": {"user_attributes": ["username"]},
        },
    ]
)
def test_password_rules_read_the_validators_options():
    assert password_rules() == (
        "At least 10 characters, not only digits, not like your username."
    )
    form = StudentRegistrationForm()
    assert form.fields["password1"].help_text == password_rules()


@override_settings(AUTH_PASSWORD_VALIDATORS=[])
def test_no_validators_no_rules():
    assert password_rules() == ""


@pytest.mark.django_db
def test_signup_page_shows_the_short_rules_tied_to_the_field(client):
    html = client.get(REGISTER).content.decode()

    block = field_block(html, "id_password1")
    assert '<label for="id_password1">Password</label>' in block
    assert 'aria-describedby="id_password1_helptext"' in block
    assert f'id="id_password1_helptext">{password_rules()}</p>' in block
    assert "<ul" not in block  # not Django's list of sentences


@pytest.mark.django_db
def test_a_refused_password_is_told_under_the_password_field(client):
    response = client.post(
        REGISTER,
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    html = response.content.decode()

    assert response.status_code == 200
    block = field_block(html, "id_password1")
    assert 'aria-invalid="true"' in block
    assert 'aria-describedby="id_password1_helptext id_password1_error"' in block
    assert 'id="id_password1_error"' in block
    assert "This password is entirely numeric." in block
    assert "aria-invalid" not in field_block(html, "id_password2")
    assert 'class="form-errors"' not in html


@pytest.mark.django_db
def test_mismatched_passwords_are_told_under_the_confirmation(client):
    html = client.post(
        REGISTER,
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password1": "a-long-enough-secret-42",
            "password2": "a-long-enough-secret-43",
        },
    ).content.decode()

    assert "didn’t match" in field_block(html, "id_password2")


@pytest.mark.django_db
def test_a_failed_login_is_told_once_above_the_fields(client, student):
    html = client.post(
        "/accounts/login/", {"username": "student", "password": "wrong"}
    ).content.decode()

    alert = html.index('<div class="form-errors" role="alert">')
    assert alert < html.index('id="id_username"')
    assert "Please enter a correct username and password" in html


@pytest.mark.django_db
def test_password_reset_confirm_says_the_rules_in_one_line(client, student):
    uid = urlsafe_base64_encode(force_bytes(student.pk))
    token = default_token_generator.make_token(student)
    # Django swaps the token for a session marker, then shows the form.
    response = client.get(f"/accounts/reset/{uid}/{token}/", follow=True)
    html = response.content.decode()

    block = field_block(html, "id_new_password1")
    assert password_rules() in block
    assert "<ul" not in block

    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "1234567890", "new_password2": "1234567890"},
    )
    block = field_block(response.content.decode(), "id_new_password1")
    assert "This password is entirely numeric." in block
