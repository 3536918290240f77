"""Logging in for browser tests: a site session by cookie, or the admin's form."""

from django.conf import settings
from django.test import Client


def log_in(page, live_server, user):
    """The site's session cookie for `user`, as after a login."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def log_in_to_admin(page, base_url, username, password):
    """Through Wagtail's login form, as a person would."""
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/admin/")
