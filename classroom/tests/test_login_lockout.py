"""Password guessing is limited: a username is locked after a few failures and an
address after more, on every way in (login form, Wagtail admin, HTTP basic, tokens),
until the cool-off has passed. These tests run with the real limits."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token

from classroom.tests.auth import PASSWORD, basic

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
USER_LIMIT = settings.AXES_FAILURE_LIMIT
ADDRESS_LIMIT = settings.LOGIN_ADDRESS_FAILURE_LIMIT


def log_in(client, username, password, path=LOGIN, address="10.1.0.1"):
    return client.post(
        path, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, username, times, path=LOGIN, address="10.1.0.1"):
    """Wrong passwords; the statuses answered (the form again, 200, until locked)."""
    return [
        log_in(client, username, "wrong-guess", path, address).status_code
        for _ in range(times)
    ]


def age_attempts(by):
    AccessAttempt.objects.update(attempt_time=timezone.now() - by)


def test_limits_are_the_documented_ones():
    assert USER_LIMIT == 5
    assert ADDRESS_LIMIT == 30
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


@pytest.mark.django_db
def test_right_password_is_refused_after_five_wrong_ones(client, student):
    # The fifth failure locks.
    assert fail(client, "student", USER_LIMIT) == [200] * (USER_LIMIT - 1) + [429]

    response = log_in(client, "student", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    text = response.content.decode()
    assert "Too many failed login attempts" in text
    assert "Try again after" in text
    assert 0 < int(response["Retry-After"]) <= 15 * 60


@pytest.mark.django_db
def test_username_lock_holds_from_any_address(client, student):
    fail(client, "student", USER_LIMIT, address="10.1.0.1")
    assert log_in(client, "student", PASSWORD, address="10.9.9.9").status_code == 429


@pytest.mark.django_db
def test_lockout_ends_after_the_cool_off(client, student):
    fail(client, "student", USER_LIMIT)
    assert log_in(client, "student", PASSWORD).status_code == 429
    age_attempts(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    response = log_in(client, "student", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == student.pk


@pytest.mark.django_db
def test_failures_during_a_lockout_do_not_extend_it(client, student):
    fail(client, "student", USER_LIMIT)
    age_attempts(timedelta(minutes=10))
    assert log_in(client, "student", "wrong-guess").status_code == 429
    # Refused and not counted: the lock still ends 15 minutes after the fifth.
    attempt = AccessAttempt.objects.get(username="student")
    assert attempt.failures_since_start == USER_LIMIT
    assert attempt.attempt_time < timezone.now() - timedelta(minutes=9)


@pytest.mark.django_db
def test_an_address_is_locked_after_thirty_failures_across_usernames(client, student):
    per_name = USER_LIMIT - 1  # never enough to lock a username
    names = [f"guess{n}" for n in range(ADDRESS_LIMIT // per_name + 1)]
    failures = 0
    for name in names:
        for _ in range(per_name):
            if failures == ADDRESS_LIMIT:
                break
            log_in(client, name, "wrong-guess")
            failures += 1
    assert failures == ADDRESS_LIMIT
    assert log_in(client, "student", PASSWORD).status_code == 429
    # Another address may still log in: only this one is locked.
    response = log_in(client, "student", PASSWORD, address="10.2.0.2")
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_good_login_forgets_that_users_failures_from_that_address(client, student):
    fail(client, "student", USER_LIMIT - 1)
    assert log_in(client, "student", PASSWORD).status_code == 302
    client.logout()
    fail(client, "student", USER_LIMIT - 1)
    assert log_in(client, "student", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_lockout_is_kept_in_the_database_not_the_cache(client, student):
    """Redis may be down or flushed: the record that locks is the database's."""
    fail(client, "student", USER_LIMIT)
    cache.clear()
    assert log_in(client, "student", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_wagtail_admin_login_is_locked_too(client, superuser):
    fail(client, "admin", USER_LIMIT, path=ADMIN_LOGIN)
    response = log_in(client, "admin", PASSWORD, path=ADMIN_LOGIN)
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_http_basic_auth_is_locked_with_a_json_429(api, student):
    for _ in range(USER_LIMIT - 1):
        response = api.get("/api/me/courses/", **basic("student", "wrong-guess"))
        assert response.status_code == 401
    assert (
        api.get("/api/me/courses/", **basic("student", "wrong-guess")).status_code
        == 429
    )
    response = api.get("/api/me/courses/", **basic("student"))
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.json()["detail"]
    assert "Try again after" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 15 * 60


@pytest.mark.django_db
def test_token_endpoint_is_locked_with_a_json_429(api, student):
    for _ in range(USER_LIMIT - 1):
        response = api.post(
            "/api/token/", {"username": "student", "password": "wrong-guess"}
        )
        assert response.status_code == 400
    api.post("/api/token/", {"username": "student", "password": "wrong-guess"})
    response = api.post("/api/token/", {"username": "student", "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again after" in response.json()["detail"]
    assert not Token.objects.filter(user=student).exists()


@pytest.mark.django_db
def test_locked_basic_auth_does_not_lock_a_token(api, student):
    token = Token.objects.create(user=student)
    for _ in range(USER_LIMIT):
        api.get("/api/me/courses/", **basic("student", "wrong-guess"))
    response = api.get("/api/me/courses/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_good_logins_and_logouts_leave_no_rows_behind(client, student):
    """Only failures are recorded: a row per login would grow for ever."""
    for _ in range(3):
        assert log_in(client, student.username, PASSWORD).status_code == 302
        client.post("/accounts/logout/")
    assert not AccessLog.objects.exists()
