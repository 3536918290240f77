# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""A Redis outage degrades to the database and heals by itself; nobody is logged out.

Each test starts its own redis-server on a free port (never the shared one), points
the cache at it with the very CACHES that base.py builds from REDIS_URL, and stops and
restarts it mid-test.
"""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.test import override_settings
from django_redis.client import DefaultClient

from sitecache import tags
from sitecache.backend import ResilientRedisCache, breaker
from tests.redis_server import RedisServer

pytestmark = pytest.mark.services

BASE_DIR = Path(__file__).resolve().parent.parent


def production_caches(redis_url):
    """CACHES exactly as educa/settings/base.py builds them when REDIS_URL is set."""
    code = (
        "import json; from educa.settings import base; print(json.dumps(base.CACHES))"
    )
    env = {**os.environ, "REDIS_URL": redis_url}
    output = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def start_redis(data_dir=None):
    server = RedisServer.started(data_dir)
    caches = production_caches(server.url)
    return server, override_settings(CACHES=caches)


@pytest.fixture
def redis_server():
    server, settings = start_redis()
    with settings:
        yield server
    server.stop()
    forget_outage()


@pytest.fixture
def persistent_redis_server(tmp_path):
    server, settings = start_redis(tmp_path)
    with settings:
        yield server
    server.stop()
    forget_outage()


COOLDOWN = 0.2


@pytest.fixture(autouse=True)
def short_cooldown(monkeypatch):
    """The breaker stays open for COOLDOWN after a failure (2 s in production)."""
    monkeypatch.setattr(ResilientRedisCache, "COOLDOWN_SECONDS", COOLDOWN)


def after_cooldown():
    time.sleep(COOLDOWN + 0.1)


def forget_outage():
    tags.retry_timer.cancel()
    tags.pending_replacements.clear()
    breaker.reset()


def pages_of(course):
    module = course.get_children().live().first()
    return ["/", "/courses/", course.get_parent().url, course.url, module.url]


def test_pages_are_served_from_the_database_while_redis_is_down(
    client, course, enrolled, redis_server, caplog
):
    client.force_login(enrolled)
    for url in pages_of(course):
        assert client.get(url).status_code == 200
    assert redis_server.stored_keys(), "the cache was not used while Redis was up"

    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="sitecache.backend"):
        for url in pages_of(course):
            response = client.get(url)
            assert response.status_code == 200, url
    # The outage is logged, not hidden.
    assert any("Cache unavailable" in r.getMessage() for r in caplog.records)

    redis_server.start()
    after_cooldown()
    # Before any request, this process has started a new epoch (its retry timer).
    assert [key.split(":", 2)[2] for key in redis_server.stored_keys()] == [
        tags.token_key(tags.EPOCH)
    ]
    for url in pages_of(course):
        assert client.get(url).status_code == 200
    assert redis_server.stored_keys(), (
        "the cache was not used again after Redis came back"
    )


def test_changes_made_during_an_outage_show_after_it(
    client, course, persistent_redis_server
):
    """Redis comes back with its old keys; the invalidation missed meanwhile is
    made up before anything is read from it."""
    server = persistent_redis_server
    assert "Algebra" in client.get("/courses/").text
    catalogue = course.get_parent().get_parent().specific
    listing = f"below:{catalogue.pk}"
    token = tags.token(listing)

    server.stop()
    course.title = "Number Theory"
    course.save_revision().publish()
    assert "Number Theory" in client.get("/courses/").text

    server.start()
    after_cooldown()
    assert tags.token_key(listing) in " ".join(server.stored_keys())
    assert tags.token(listing) != token
    page = client.get("/courses/").text
    assert "Number Theory" in page
    assert ">Algebra<" not in page


def test_sessions_survive_a_redis_restart(client, enrolled, redis_server):
    client.force_login(enrolled)
    session_key = client.session.session_key
    response = client.get("/students/courses/")
    assert response.status_code == 200
    assert any(session_key in key for key in redis_server.stored_keys())

    redis_server.stop()
    response = client.get("/students/courses/")
    assert response.status_code == 200, "logged out while Redis was down"
    assert response.wsgi_request.user == enrolled

    redis_server.start()  # empty: the session now comes from the database
    after_cooldown()
    response = client.get("/students/courses/")
    assert response.status_code == 200, "logged out after Redis restarted"
    assert response.wsgi_request.user == enrolled
    # cached_db put the session back into the cache on the way.
    assert any(session_key in key for key in redis_server.stored_keys())


def test_permissions_taken_away_during_an_outage_stay_away(
    client, course, instructor, persistent_redis_server
):
    """The permissions' tag, too, is replaced once Redis is back."""
    server = persistent_redis_server
    client.force_login(instructor)
    assert 'href="/admin/"' in client.get(course.url).text  # cached: may use admin

    server.stop()
    instructor.groups.clear()
    assert 'href="/admin/"' not in client.get(course.url).text

    server.start()  # with the entry that still says "may use the admin"
    after_cooldown()
    assert 'href="/admin/"' not in client.get(course.url).text


def module_of(course):
    return course.get_children().live().first()


def test_leaving_a_course_during_an_outage_takes_its_contents_away_at_once(
    client, course, enrolled, persistent_redis_server
):
    """Each request has a memo of its own (django-redis's failed get_many gave
    every request the same dict), so an answer of the access rule made during
    an outage is not reused by later requests, nor after the outage."""
    server = persistent_redis_server
    module = module_of(course)
    client.force_login(enrolled)
    assert client.get(module.url).status_code == 200  # cached: may see contents

    server.stop()
    assert client.get(module.url).status_code == 200
    assert client.get(module.url).status_code == 200
    enrolled.enrollments.all().delete()
    assert client.get(module.url).status_code == 302, "read contents after leaving"

    server.start()  # with the entries that still say "may see the contents"
    after_cooldown()
    assert client.get(module.url).status_code == 302, "access came back"
    assert client.get(module.url).status_code == 302


def test_an_unpublished_module_is_not_served_during_or_after_an_outage(
    client, course, enrolled, persistent_redis_server
):
    server = persistent_redis_server
    module = module_of(course)
    client.force_login(enrolled)
    assert client.get(module.url).status_code == 200
    assert client.get(module.url).status_code == 200

    server.stop()
    assert client.get(module.url).status_code == 200
    module.unpublish()
    assert client.get(module.url).status_code == 404

    server.start()
    after_cooldown()
    assert client.get(module.url).status_code == 404


def test_a_session_ended_during_an_outage_does_not_come_back(
    client, enrolled, persistent_redis_server
):
    server = persistent_redis_server
    client.force_login(enrolled)
    cookie = client.cookies["sessionid"].value
    assert client.get("/students/courses/").status_code == 200  # session cached

    server.stop()
    client.post("/accounts/logout/")  # deleted from the database only
    server.start()  # the cache still holds the session
    after_cooldown()
    client.cookies["sessionid"] = cookie
    response = client.get("/students/courses/")
    assert response.status_code == 302, "a logged-out session came back"


def test_a_hung_redis_is_left_alone_until_it_answers(
    client, course, enrolled, redis_server, monkeypatch, caplog
):
    """With Redis paused (SIGSTOP: connections open, no answers) the first call
    waits its socket timeout; then the breaker skips Redis for a cooldown, so the
    next pages are built from the database without waiting on it."""
    module = module_of(course)
    client.force_login(enrolled)
    assert client.get(module.url).status_code == 200
    # Requests' calls, not those of the retry timer, which probes Redis on purpose.
    calls, requests = [], threading.current_thread()
    for name in ("get", "get_many", "set", "add", "delete"):
        real = getattr(DefaultClient, name)
        monkeypatch.setattr(
            DefaultClient,
            name,
            lambda self, *a, _real=real, _name=name, **k: (
                (threading.current_thread() is requests and calls.append(_name))
                or _real(self, *a, **k)
            ),
        )
    monkeypatch.setattr(ResilientRedisCache, "COOLDOWN_SECONDS", 30)
    redis_server.pause()
    try:
        with caplog.at_level(logging.WARNING, logger="sitecache.backend"):
            for _ in range(10):
                assert client.get(module.url).status_code == 200
                assert client.get("/courses/").status_code == 200
    finally:
        redis_server.resume()
    assert len(calls) == 1, f"Redis was asked {len(calls)} times while hung"
    outages = [r for r in caplog.records if "Cache unavailable" in r.getMessage()]
    assert len(outages) == 1


def test_a_restart_unseen_by_this_process_still_forgets_what_it_held(
    client, course, enrolled, persistent_redis_server
):
    """Another worker handled the leave while Redis was down and could not replace
    the token; this one sent nothing meanwhile. redis-py reconnects its pooled
    connections without an error, so only the server's new run_id tells it that
    Redis restarted with entries that may have missed an invalidation."""
    server = persistent_redis_server
    module = module_of(course)
    client.force_login(enrolled)
    assert client.get(module.url).status_code == 200  # cached: may see contents

    server.kill()
    enrolled.enrollments.all().delete()  # the other worker's write
    forget_outage()  # ...and this process saw nothing of it
    server.start()  # with the entries that still say "may see the contents"
    assert client.get(module.url).status_code == 302, "access came back"
    assert client.get(module.url).status_code == 302
