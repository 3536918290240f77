"""Credentials for API tests: every factory-made user has the same test password."""

import base64

PASSWORD = "pass-word-123"  # noqa: S105 - UserFactory's test password


def basic(username, password=PASSWORD):
    """Headers for HTTP basic authentication as `username`."""
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {credentials}"}
