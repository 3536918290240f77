"""Sign-up, login, logout and password reset for students."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

REGISTER = "/students/register/"


def sign_up(client, **overrides):
    data = {
        "username": "newstudent",
        "email": "new@example.com",
        "password1": "a-long-enough-secret-42",
        "password2": "a-long-enough-secret-42",
        **overrides,
    }
    return client.post(REGISTER, data)


def test_register_url_is_the_documented_one():
    assert reverse("student_registration") == REGISTER


@pytest.mark.django_db
def test_registration_creates_student_logs_in_and_opens_my_courses(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("student_course_list")
    user = get_user_model().objects.get(username="newstudent")
    assert user.email == "new@example.com"
    assert not user.is_staff
    assert client.get(reverse("student_course_list")).status_code == 200
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_an_email_longer_than_the_column_is_a_form_error(client):
    response = sign_up(client, email="a" * 190 + "@" + "b" * 60 + ".com")
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Ensure this value has at most 254 characters (it has 255)."
    ]
    assert not get_user_model().objects.filter(username="newstudent").exists()


@pytest.mark.django_db
def test_registration_returns_to_a_local_next_url(client):
    response = client.post(
        f"{REGISTER}?next=/courses/maths/algebra/",
        {
            "username": "newstudent",
            "email": "new@example.com",
            "password1": "a-long-enough-secret-42",
            "password2": "a-long-enough-secret-42",
        },
    )
    assert response["Location"] == "/courses/maths/algebra/"


@pytest.mark.django_db
def test_registration_ignores_a_foreign_next_url(client):
    response = sign_up(client, next="https://evil.example/")
    assert response["Location"] == reverse("student_course_list")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, message",
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("83749201938475", "entirely numeric"),
        ("newstudent-x", "too similar"),
    ],
)
def test_weak_passwords_are_refused_by_djangos_validators(client, password, message):
    response = sign_up(client, password1=password, password2=password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="newstudent").exists()


@pytest.mark.django_db
def test_email_is_required_and_unique(client, student):
    response = sign_up(client, email="")
    assert "This field is required." in response.content.decode()
    response = sign_up(client, email=student.email.upper())
    assert "already exists" in response.content.decode()
    assert not get_user_model().objects.filter(username="newstudent").exists()


@pytest.mark.django_db
def test_logged_in_user_is_sent_from_register_to_my_courses(client, student):
    client.force_login(student)
    response = client.get(REGISTER)
    assert response["Location"] == reverse("student_course_list")


@pytest.mark.django_db
def test_login_lands_on_my_courses(client, enrolled):
    # A student with no course lands on the home page (classroom.login).
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"Forgot your password?" in page.content
    response = client.post(
        reverse("login"), {"username": "student", "password": "pass-word-123"}
    )
    assert response["Location"] == reverse("student_course_list")


@pytest.mark.django_db
def test_logout_is_a_post(client, student):
    client.force_login(student)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_by_email(client, student):
    response = client.post(reverse("password_reset"), {"email": student.email})
    assert response["Location"] == reverse("password_reset_done")
    assert b"Check your email" in client.get(response["Location"]).content
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [student.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body)[1]

    form_url = client.get(link)["Location"]  # Django hides the token in the session
    assert b"Choose a new password" in client.get(form_url).content
    response = client.post(
        form_url,
        {
            "new_password1": "brand-new-secret-77",
            "new_password2": "brand-new-secret-77",
        },
    )
    assert response["Location"] == reverse("password_reset_complete")
    student.refresh_from_db()
    assert student.check_password("brand-new-secret-77")
