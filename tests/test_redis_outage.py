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
from pathlib import Path

import pytest
from django.test import override_settings

from learning import caching
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
    assert caches["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    return server, override_settings(
        CACHES=caches, DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS=True
    )


@pytest.fixture
def redis_server():
    server, settings = start_redis()
    with settings:
        yield server
    server.stop()
    caching.pending_replacements.clear()


@pytest.fixture
def persistent_redis_server(tmp_path):
    server, settings = start_redis(tmp_path)
    with settings:
        yield server
    server.stop()
    caching.pending_replacements.clear()


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
    with caplog.at_level(logging.ERROR, logger="django_redis.cache"):
        for url in pages_of(course):
            response = client.get(url)
            assert response.status_code == 200, url
    # The outage is logged, not hidden.
    assert any("Exception ignored" in r.getMessage() for r in caplog.records)

    redis_server.start()
    assert redis_server.stored_keys() == []
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
    generation = caching.catalogue_generation()

    server.stop()
    course.title = "Number Theory"
    course.save_revision().publish()
    assert "Number Theory" in client.get("/courses/").text

    server.start()
    assert caching.GENERATION_KEY in " ".join(server.stored_keys())
    assert caching.catalogue_generation() != generation
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
    response = client.get("/students/courses/")
    assert response.status_code == 200, "logged out after Redis restarted"
    assert response.wsgi_request.user == enrolled
    # cached_db put the session back into the cache on the way.
    assert any(session_key in key for key in redis_server.stored_keys())


def test_permissions_taken_away_during_an_outage_stay_away(
    client, course, instructor, persistent_redis_server
):
    """The permissions' generation, too, is replaced once Redis is back."""
    server = persistent_redis_server
    client.force_login(instructor)
    assert 'href="/admin/"' in client.get(course.url).text  # cached: may use admin

    server.stop()
    instructor.groups.clear()
    assert 'href="/admin/"' not in client.get(course.url).text

    server.start()  # with the entry that still says "may use the admin"
    assert 'href="/admin/"' not in client.get(course.url).text
