"""A visitor signs up with a password the rules refuse, reads why under the
password field, and signs up with a better one."""

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_signup_shows_the_password_error_under_its_field_then_succeeds(
    page, live_server, site_tree
):
    from django.contrib.auth import get_user_model

    page.goto(f"{live_server.url}/students/register/")
    password = page.get_by_label("Password", exact=True)
    # The rules are one short line, tied to the field.
    expect(password).to_have_accessible_description(
        "At least 8 characters, not only digits, not like your username, name or "
        "email, not a common password."
    )

    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    password.fill("12345678")
    page.get_by_label("Password confirmation").fill("12345678")
    page.get_by_role("button", name="Create my account").click()

    # Back with the error under the password field, tied to it.
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    error = page.locator(".field", has=password).locator(".errorlist")
    expect(error).to_contain_text("This password is too common.")
    expect(error).to_contain_text("This password is entirely numeric.")
    expect(password).to_have_accessible_description(
        "At least 8 characters, not only digits, not like your username, name or "
        "email, not a common password. This password is too common. This password "
        "is entirely numeric."
    )
    confirmation = page.get_by_label("Password confirmation")
    expect(confirmation).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Username")).to_have_value("newcomer")
    assert not get_user_model().objects.filter(username="newcomer").exists()

    password.fill("a-long-enough-secret-42")
    confirmation.fill("a-long-enough-secret-42")
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_text("Welcome to Educa, newcomer!")).to_be_visible()
    assert get_user_model().objects.filter(username="newcomer").exists()
