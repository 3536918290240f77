# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A student opens their account from the header, changes their name and email
(a taken email is refused), changes their password, downloads their data and
deletes their account; every page on the way passes axe-core's audit."""

import json

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from classroom.models import Enrollment, ModuleCompletion
from demo.factories import UserFactory
from tests.browser.sessions import log_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; restore the migrations' rows afterwards.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "pass-word-123"  # noqa: S105 - demo.factories.UserFactory's
NEW_PASSWORD = "a brand new passphrase"  # noqa: S105


def test_student_manages_and_deletes_their_account(page, live_server, course, student):
    Enrollment.objects.create(student=student, course=course)
    first = course.modules()[0]
    ModuleCompletion.objects.create(student=student, module=first, course=course)
    UserFactory(username="someone", email="taken@example.com")

    log_in(page, live_server, student)
    page.goto(live_server.url + "/students/courses/")
    page.get_by_role("link", name="student (my account)").click()
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Algebra", exact=True)).to_be_visible()
    expect(page.get_by_text("1 of 2 modules done (50%)")).to_be_visible()

    # Name and email; someone else's email is refused.
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill("TAKEN@example.com")
    page.get_by_role("button", name="Save my details").click()
    expect(
        page.get_by_text("An account with this email already exists.")
    ).to_be_visible()
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your details were saved.")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Ada")
    student.refresh_from_db()
    assert (student.first_name, student.email) == ("Ada", "ada@example.org")

    # Password: Django's form, back to the account page.
    page.get_by_role("link", name="Change my password").click()
    expect(page).to_have_url(live_server.url + "/accounts/password_change/")
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    expect(page).to_have_url(live_server.url + "/account/")
    expect(page.get_by_text("Your password was changed.")).to_be_visible()

    # Download my data.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    download = download_info.value
    assert download.suggested_filename == "educa-student-data.json"
    with open(download.path(), encoding="utf-8") as data_file:
        data = json.load(data_file)
    assert data["profile"]["email"] == "ada@example.org"
    assert [e["course"] for e in data["enrollments"]] == [course.pk]
    assert [c["module"] for c in data["module_completions"]] == [first.pk]

    # Delete my account: the old password no longer works, the new one does.
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    page.get_by_label("Your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_text("Your account was deleted. Goodbye!")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert not get_user_model().objects.filter(pk=student.pk).exists()
    assert not Enrollment.objects.filter(course=course).exists()
