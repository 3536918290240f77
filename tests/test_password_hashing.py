"""Passwords are stored with Argon2id at OWASP's minimum cost (classroom/hashers.py);
hashes of the hasher before it still log in, and are upgraded then."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import make_password

from educa.settings import base

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def test_a_new_password_is_hashed_with_argon2id():
    user = get_user_model().objects.create_user("ada", password="pass-word-123")
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert authenticate(username="ada", password="pass-word-123") == user


def test_an_older_pbkdf2_hash_logs_in_and_is_upgraded():
    old = make_password("pass-word-123", hasher="pbkdf2_sha256")
    user = get_user_model().objects.create(username="grace", password=old)
    assert authenticate(username="grace", password="pass-word-123") == user
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
