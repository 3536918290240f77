# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A logged-in user's page from the cache (sitecache's UserPageCacheMiddleware):
served again without the database, to that user only, never after what it shows has
changed, with a CSRF token of its own each time."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from classroom.models import Enrollment, ModuleCompletion
from demo.factories import UserFactory
from learning.models import ModulePage
from sitecache import tags
from sitecache.middleware import CSRF_INPUT, RequestCacheMiddleware

HEADER = RequestCacheMiddleware.HEADER
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


@pytest.fixture
def module(course):
    return ModulePage.objects.child_of(course).live().first()


@pytest.fixture
def student_client(enrolled):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled)
    return client


def warm(client, url):
    """Until the page comes from the user-page cache (the first request fills the
    other caches, the next stores the page)."""
    for _ in range(3):
        response, _queries = get(client, url)
        if response.get(HEADER) == "user-hit":
            return response
    pytest.fail(f"{url} never came from the user-page cache")


def test_a_students_module_page_is_served_again_without_the_database(
    student_client, module
):
    first, _ = get(student_client, module.url)
    assert first.status_code == 200
    warm(student_client, module.url)
    again, queries = get(student_client, module.url)
    assert again[HEADER] == "user-hit"
    assert queries == 0
    assert again["Content-Type"] == first["Content-Type"]
    assert "no-store" in again["Cache-Control"]
    # The same page but for its CSRF token, which is new each time.
    assert TOKEN.sub("", again.text) == TOKEN.sub("", first.text)
    assert TOKEN.findall(again.text) != TOKEN.findall(first.text)


def test_each_answer_has_a_fresh_token_that_its_forms_post_with(student_client, module):
    warm(student_client, module.url)
    tokens = []
    for _ in range(2):
        response, _ = get(student_client, module.url)
        assert response[HEADER] == "user-hit"
        found = TOKEN.findall(response.text)
        assert len(found) == 2  # the logout and "Mark as done" forms
        tokens.append(found[-1])
    assert tokens[0] != tokens[1]
    # Both are good for this user's CSRF secret (the client enforces the check).
    for done, token in zip(("true", "false"), tokens, strict=True):
        answer = student_client.post(
            "/students/module-done/",
            {"module_id": module.pk, "done": done, "csrfmiddlewaretoken": token},
        )
        assert answer.status_code in (200, 302), answer.status_code
        assert ModuleCompletion.objects.filter(module=module).exists() == (
            done == "true"
        )


def test_csrf_inputs_are_what_djangos_tag_writes():
    html = (
        engines["django"]
        .from_string("{% csrf_token %}")
        .render({"csrf_token": "a" * 64})
    )
    assert CSRF_INPUT.fullmatch(html)


def test_another_user_never_gets_the_page(student_client, module, course):
    warm(student_client, module.url)
    other = UserFactory(username="otherstudent")
    Enrollment.objects.create(student=other, course=course)
    client = Client()
    client.force_login(other)
    for _ in range(3):
        response, _ = get(client, module.url)
        assert response.status_code == 200
        assert "otherstudent" in response.text
        assert ">student<" not in response.text
    assert response[HEADER] == "user-hit"  # the other user's own entry


def test_progress_shows_on_the_next_request(student_client, module, enrolled):
    warm(student_client, module.url)
    ModuleCompletion.objects.create(
        student=enrolled, module=module, course=module.get_parent().specific
    )
    response, _ = get(student_client, module.url)
    assert response.get(HEADER) != "user-hit"
    assert "You have done this module" in response.text


def test_leaving_the_course_takes_the_module_away_at_once(
    student_client, module, enrolled
):
    warm(student_client, module.url)
    Enrollment.objects.filter(student=enrolled).delete()
    response, _ = get(student_client, module.url)
    assert response.status_code in (302, 403)


def test_a_publish_shows_on_the_next_request(student_client, module):
    warm(student_client, module.url)
    module.title = "Equations, revised"
    module.save_revision().publish()
    response, _ = get(student_client, module.url)
    assert response.get(HEADER) != "user-hit"
    assert "Equations, revised" in response.text


def test_a_message_is_shown_once_and_never_stored(student_client, module):
    warm(student_client, module.url)
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "You are enrolled.")
    carrier = HttpResponse()
    storage.update(carrier)
    student_client.cookies["messages"] = carrier.cookies["messages"].value
    with_message, _ = get(student_client, module.url)
    assert with_message.get(HEADER) != "user-hit"
    assert "You are enrolled." in with_message.text
    again, _ = get(student_client, module.url)
    assert "You are enrolled." not in again.text


def test_logging_out_ends_it(student_client, module):
    warm(student_client, module.url)
    student_client.logout()
    response, _ = get(student_client, module.url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_from_an_empty_cache_the_second_request_needs_no_query(student_client, module):
    # The session is stored under the epoch the first request starts (and not under
    # the one before the cache was emptied), so the second finds it.
    cache.clear()
    get(student_client, module.url)
    second, queries = get(student_client, module.url)
    assert second.status_code == 200
    assert queries == 0


def test_a_page_is_never_stored_under_a_token_it_was_not_made_from(
    student_client, module, enrolled, monkeypatch
):
    """A replacement that failed in another thread (a cache blip while the student
    left) lands while this request renders: the page it made from the old token is
    not stored, let alone under a new one (which would clear the retry)."""
    warm(student_client, module.url)
    with monkeypatch.context() as blip:
        blip.setattr(cache, "set", lambda *args, **kwargs: False)
        blip.setattr(cache, "add", lambda *args, **kwargs: False)
        Enrollment.objects.filter(student=enrolled).delete()
    tags.retry_timer.cancel()
    failed = set(tags.pending_replacements)
    assert tags.user_tag("enrollments", enrolled.pk) in failed
    tags.pending_replacements.clear()
    tags_read = tags.tags_read

    def read_as_the_other_thread_fails():
        tags.pending_replacements.update(failed)
        return tags_read()

    monkeypatch.setattr(tags, "tags_read", read_as_the_other_thread_fails)
    tags.user_page_tags.clear()
    during, _ = get(student_client, module.url)
    assert during.get(HEADER) != "user-miss"  # not stored
    monkeypatch.setattr(tags, "tags_read", tags_read)
    after, _ = get(student_client, module.url)
    assert after.status_code == 302  # the student left: sent to the course page


def test_a_hit_asks_the_cache_once(student_client, module, monkeypatch):
    """The tokens the stored page names come with the first round trip (the hint
    is found by the user the session names)."""
    warm(student_client, module.url)
    get_many = cache.get_many
    asked = []

    def spy(keys, *args, **kwargs):
        asked.append(list(keys))
        return get_many(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", spy)
    response, _ = get(student_client, module.url)
    assert response[HEADER] == "user-hit"
    assert len(asked) == 1, asked
