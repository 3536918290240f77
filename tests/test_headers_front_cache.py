# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""What a front cache may keep, and the purges that keep it exact."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from classroom.models import Enrollment
from demo.factories import CoursePageFactory, SubjectPageFactory


def cache_control(response):
    return {
        part.strip() for part in response.headers.get("Cache-Control", "").split(",")
    }


def vary(response):
    return {
        part.strip().lower() for part in response.headers.get("Vary", "").split(",")
    }


@pytest.mark.parametrize("which", ["home", "catalogue", "subject", "course"])
def test_anonymous_pages_may_be_kept_by_shared_caches(client, course, which):
    url = {
        "home": "/",
        "catalogue": "/courses/",
        "subject": course.get_parent().url,
        "course": course.url,
    }[which]
    response = client.get(url)
    assert response.status_code == 200
    assert {"public", "max-age=0", "s-maxage=600"} <= cache_control(response)
    assert "cookie" in vary(response)
    assert not response.cookies


def test_logged_in_pages_are_private_and_never_stored(client, course, student):
    """no-store: after logging out on a shared computer, the back button or a
    proxy shows nothing of the student's pages."""
    Enrollment.objects.create(student=student, course=course)
    client.force_login(student)
    module = course.get_children().live().first()
    for url in ["/", "/courses/", course.url, module.url, "/students/courses/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= cache_control(response), url
        assert "public" not in cache_control(response)
        assert "cookie" in vary(response)


def test_redirect_to_login_is_not_public(client, course):
    module = course.get_children().live().first()
    response = client.get(module.url)
    assert response.status_code == 302
    assert "public" not in cache_control(response)


def test_pages_that_set_a_cookie_are_not_public(client, db):
    response = client.get("/accounts/login/")  # sets the CSRF cookie
    assert response.status_code == 200
    assert "public" not in cache_control(response)


def test_front_cache_lifetime_comes_from_settings(client, course):
    with override_settings(FRONT_CACHE_SECONDS=42):
        response = client.get(course.url)
    assert "s-maxage=42" in cache_control(response)


def test_api_is_not_marked_public(client, course):
    response = client.get("/api/courses/")
    assert "public" not in cache_control(response)


# --- Purges ------------------------------------------------------------------------


class PurgeRecorder(BaseHTTPRequestHandler):
    """A stand-in front cache: records every PURGE it receives."""

    received = []

    def do_PURGE(self):  # noqa: N802 - the HTTP method's name
        self.received.append((self.headers["Host"], self.path))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def front_cache():
    PurgeRecorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    location = f"http://127.0.0.1:{server.server_address[1]}"
    backends = {
        "default": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": location,
        }
    }
    with override_settings(WAGTAILFRONTENDCACHE=backends):
        yield PurgeRecorder.received
    server.shutdown()
    server.server_close()


def purged_paths(received):
    return {path for _host, path in received}


def test_publishing_purges_the_page_and_the_listings_that_show_it(
    course, front_cache, django_capture_on_commit_callbacks
):
    subject = course.get_parent()
    with django_capture_on_commit_callbacks(execute=True):
        course.title = "Linear Algebra"
        course.save_revision().publish()
    paths = purged_paths(front_cache)
    assert {course.url, subject.url, "/courses/", "/"} <= paths


def test_unpublishing_purges(course, front_cache, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        course.unpublish()
    assert {course.url, course.get_parent().url, "/courses/"} <= purged_paths(
        front_cache
    )


def test_moving_purges_the_old_and_the_new_addresses(
    course, catalog, front_cache, django_capture_on_commit_callbacks
):
    old_url, old_subject = course.url, course.get_parent().url
    physics = SubjectPageFactory(parent=catalog, title="Physics")
    with django_capture_on_commit_callbacks(execute=True):
        course.move(physics, pos="last-child")
    course.refresh_from_db()
    paths = purged_paths(front_cache)
    assert {old_url, old_subject, course.url, physics.url, "/courses/"} <= paths
    assert old_url != course.url


def test_deleting_purges(course, front_cache, django_capture_on_commit_callbacks):
    url, subject = course.url, course.get_parent().url
    with django_capture_on_commit_callbacks(execute=True):
        course.delete()
    assert {url, subject, "/courses/"} <= purged_paths(front_cache)


def test_every_page_of_a_paginated_listing_is_purged(
    catalog, front_cache, django_capture_on_commit_callbacks
):
    subject = SubjectPageFactory(parent=catalog, title="History")
    courses = [CoursePageFactory(parent=subject) for _ in range(13)]
    with django_capture_on_commit_callbacks(execute=True):
        courses[0].save_revision().publish()
    paths = purged_paths(front_cache)
    assert {subject.url, f"{subject.url}?page=2", "/courses/?page=2"} <= paths


def test_purges_wait_for_the_commit(course, front_cache):
    # Without a commit nothing of ours is sent (a purge before the commit could be
    # refilled with the old page by a concurrent request).
    course.title = "Still a draft in this transaction"
    course.save_revision().publish()
    assert course.get_parent().url not in purged_paths(front_cache)


def test_nothing_is_purged_without_a_front_cache(
    course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        course.save_revision().publish()
    # Other apps run callbacks of their own on a publish (the chat re-checks its
    # members' access); none of them is a purge.
    names = [
        getattr(callback, "__qualname__", repr(callback)) for callback in callbacks
    ]
    assert not [name for name in names if "purge" in name], names
