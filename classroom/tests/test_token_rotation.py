"""An API token dies with the password it was obtained with, and with the account."""

import pytest
from rest_framework.authtoken.models import Token

from classroom.password_adapter import RAW_PASSWORD_ATTRIBUTE


def token_works(api, token):
    response = api.get("/api/me/courses/", HTTP_AUTHORIZATION=f"Token {token.key}")
    return response.status_code == 200


@pytest.mark.django_db
def test_changing_the_password_revokes_the_api_token(api, student):
    token = Token.objects.create(user=student)
    student.set_password("a-new-secret-99")
    student.save()
    assert not Token.objects.filter(key=token.key).exists()
    assert not token_works(api, token)


@pytest.mark.django_db
def test_password_change_form_revokes_the_api_token(client, api, student):
    token = Token.objects.create(user=student)
    client.force_login(student)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "pass-word-123",
            "new_password1": "a-new-secret-99",
            "new_password2": "a-new-secret-99",
        },
    )
    assert response.status_code == 302
    assert not token_works(api, token)


@pytest.mark.django_db
def test_deactivating_the_account_revokes_the_api_token(student):
    Token.objects.create(user=student)
    student.is_active = False
    student.save()
    assert not Token.objects.filter(user=student).exists()


@pytest.mark.django_db
def test_other_saves_keep_the_api_token(api, student):
    token = Token.objects.create(user=student)
    student.first_name = "Ada"
    student.save()
    student.save(update_fields=["last_login"])
    assert token_works(api, token)


@pytest.mark.django_db
def test_a_rehash_of_the_same_password_keeps_the_api_token(api, student):
    """Django re-hashes a checked password when its hasher settings change."""
    token = Token.objects.create(user=student)
    student.set_password("pass-word-123")  # a new salt: a new hash, same password
    student.save(update_fields=["password"])
    assert token_works(api, token)


def test_django_keeps_the_raw_password_until_the_save(student):
    """The adapter's contract (classroom/password_adapter.py)."""
    student.set_password("a-new-pass-word")
    assert getattr(student, RAW_PASSWORD_ATTRIBUTE) == "a-new-pass-word"
    student.save()
    assert getattr(student, RAW_PASSWORD_ATTRIBUTE) is None
