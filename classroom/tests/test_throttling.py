# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Anonymous API callers: a fixed number of requests per window, then 429."""

from rest_framework.throttling import AnonRateThrottle

from classroom.api.throttling import AnonWindowThrottle


def test_a_new_window_lets_the_caller_in_again(api, course, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/minute", raising=False)
    now = [600.0]  # the start of a window
    monkeypatch.setattr(AnonWindowThrottle, "timer", lambda self: now[0])

    assert [api.get("/api/courses/").status_code for _ in range(2)] == [200, 200]
    now[0] = 615.0
    refused = api.get("/api/courses/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json()["detail"].startswith("Request was throttled")

    now[0] = 660.0  # the next window
    assert api.get("/api/courses/").status_code == 200


def test_callers_are_counted_apart(api, course, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "1/minute", raising=False)
    assert api.get("/api/courses/", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert api.get("/api/courses/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api.get("/api/courses/", REMOTE_ADDR="10.0.0.2").status_code == 200
