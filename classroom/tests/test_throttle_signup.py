"""Sign-up and password reset are limited per address (reset per email too), with the
real limits: the form again with the reason and 429 once past them."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from demo.factories import UserFactory

REGISTER = "/students/register/"
RESET = "/accounts/password_reset/"


def sign_up(n, address="10.3.0.1"):
    """Each sign-up from a fresh browser (a sign-up logs the new student in)."""
    return Client().post(
        REGISTER,
        {
            "username": f"newstudent{n}",
            "email": f"new{n}@example.com",
            "password1": "a-long-enough-secret-42",
            "password2": "a-long-enough-secret-42",
        },
        REMOTE_ADDR=address,
    )


def reset(client, email, address="10.4.0.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_an_address_may_sign_up_ten_accounts_an_hour():
    assert [sign_up(n).status_code for n in range(10)] == [302] * 10
    refused = sign_up(10)
    assert refused.status_code == 429
    assert "Too many sign-ups from your network" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert not get_user_model().objects.filter(username="newstudent10").exists()
    # Another address is counted apart.
    assert sign_up(11, address="10.3.0.2").status_code == 302


@pytest.mark.django_db
def test_refused_sign_up_keeps_what_was_typed():
    for n in range(10):
        sign_up(n)
    assert 'value="newstudent10"' in sign_up(10).content.decode()


@pytest.mark.django_db
def test_password_reset_mails_one_address_three_times_an_hour(client, student):
    for _ in range(3):
        assert reset(client, student.email).status_code == 302
    refused = reset(client, student.email, address="10.4.0.9")  # any address
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.content.decode()
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_password_reset_limit_does_not_tell_whether_an_account_exists(client):
    for _ in range(3):
        assert reset(client, "nobody@example.com").status_code == 302
    assert reset(client, "nobody@example.com").status_code == 429


@pytest.mark.django_db
def test_an_address_may_ask_ten_password_resets_an_hour(client):
    users = [UserFactory(username=f"reader{n}") for n in range(11)]
    statuses = [reset(client, user.email).status_code for user in users]
    assert statuses == [302] * 10 + [429]
    assert len(mail.outbox) == 10
    assert reset(client, users[10].email, address="10.4.0.2").status_code == 302


@pytest.mark.django_db
def test_the_admins_unlimited_password_reset_is_off(client):
    """Instructors reset their password at the limited /accounts/password_reset/."""
    assert client.get("/admin/password_reset/").status_code == 404
    assert client.post("/admin/password_reset/", {"email": "a@b.c"}).status_code == 404
    assert b"password_reset" not in client.get("/admin/login/").content


@pytest.mark.django_db
def test_sign_up_fails_open_when_the_cache_cannot_count(monkeypatch):
    """Chosen: without the cache sign-ups are not limited (logins still are: the
    lockout is in the database)."""

    class Down:
        def incr(self, *args, **kwargs):
            raise ConnectionError("cache down")

        add = incr

    # Only the counters' cache: the rest of the site has its own outage handling.
    monkeypatch.setattr("classroom.limits.cache", Down())
    assert [sign_up(n).status_code for n in range(11)] == [302] * 11
