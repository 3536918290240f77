# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""Fault suite: `make serve`'s server for real (gunicorn, two uvicorn workers,
production settings) on a redis-server of the test's own, which the tests kill,
pause (SIGSTOP) and restart mid-test. Pages never answer 5xx, access taken away
never comes back, no session is lost, and every chat message the server accepted
is stored."""

import asyncio
import http.cookiejar
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import websockets

from tests.chat_support import (
    _wait_until_listening,
    free_port,
    live_database,
    make_members,
)
from tests.redis_server import RedisServer

pytestmark = pytest.mark.services

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET = "Zanzibar-contents-only-for-members"

ADD_MODULE = f"""
from learning.models import CoursePage, ModulePage
from demo.factories import ModulePageFactory
course = CoursePage.objects.get(pk=ROOM)
module = ModulePageFactory(
    parent=course, title="Secret module", slug="secret-module",
    body=[{{"type": "text", "value": "<p>{SECRET}</p>"}}],
)
print(module.url_path)
"""


def env_for(database_url, redis_url, port):
    prefix = f"educa-fault-{secrets.token_hex(6)}"
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "DJANGO_SETTINGS_MODULE": "educa.settings.production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "CHANNEL_LAYER_PREFIX": prefix,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SERVE_MEDIA": "true",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "DB_CONN_MAX_AGE": "60",
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    redis = RedisServer.started(data_dir=tmp_path_factory.mktemp("redis"))
    static_root = tmp_path_factory.mktemp("static")
    try:
        with live_database() as database_url:
            plan = make_members(database_url, clients=3)
            port = free_port()
            env = {
                **env_for(database_url, redis.url, port),
                "STATIC_ROOT": str(static_root),
            }
            room = plan["rooms"][0]
            module_path = subprocess.run(  # noqa: S603 - our own command line
                [sys.executable, "manage.py", "shell", "-c",
                 ADD_MODULE.replace("ROOM", str(room))],
                cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True,
                timeout=120,
            ).stdout.strip().splitlines()[-1]  # fmt: skip
            subprocess.run(  # noqa: S603 - our own command line
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=BASE_DIR, env=env, check=True, timeout=300,
            )  # fmt: skip
            gunicorn = Path(sys.executable).parent / "gunicorn"
            with tempfile.TemporaryFile() as log:
                process = subprocess.Popen(  # noqa: S603 - our own command line
                    [str(gunicorn), "-c", "educa/gunicorn.conf.py",
                     "educa.asgi:application"],
                    cwd=BASE_DIR, env=env, stdout=log, stderr=log,
                )  # fmt: skip
                url = f"http://127.0.0.1:{port}"
                try:
                    _wait_until_listening(process, url, log)
                    # /courses/<subject>/<course>/secret-module/ below the site root
                    module_url = url + "/" + module_path.split("/", 2)[2]
                    yield {
                        "url": url,
                        "module": module_url,
                        "plan": plan,
                        "room": room,
                        "redis": redis,
                        "database_url": database_url,
                        "env": env,
                    }
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-3000:]
                    print(tail)  # shown when a test failed
    finally:
        redis.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """Requests with a cookie jar of their own, each on a new connection (the
    kernel spreads connections over both workers); redirects are not followed."""

    def __init__(self, url):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def get(self, url, data=None, headers=None):
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post_form(self, url, form_page, fields):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page)
        assert token, form_page[:500]
        body = urllib.parse.urlencode(
            {**fields, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        return self.get(url, data=body, headers={"Referer": url})


MEMBERS = {}


def member(site, n=0):
    """Member n of the room, logged in through the login form once."""
    if n not in MEMBERS:
        visitor = Visitor(site["url"])
        login = site["url"] + "/accounts/login/"
        _status, form = visitor.get(login)
        status, _page = visitor.post_form(
            login,
            form,
            {
                "username": site["plan"]["clients"][n]["username"],
                "password": site["plan"]["password"],
            },
        )
        assert status == 302, "could not log in"
        MEMBERS[n] = visitor
    return MEMBERS[n]


def pages(site):
    """(visitor, address) pairs: anonymous pages and a member's module page."""
    url, anonymous, student = site["url"], Visitor(site["url"]), member(site)
    return [
        (anonymous, f"{url}/"),
        (anonymous, f"{url}/courses/"),
        (anonymous, f"{url}/api/courses/"),
        (student, f"{url}/students/courses/"),
        (student, site["module"]),
    ]


def assert_no_server_error(site, rounds):
    for _ in range(rounds):
        for visitor, address in pages(site):
            status, _body = visitor.get(address)
            assert status < 500, (address, status)


def test_pages_never_fail_while_redis_is_killed_or_paused(site):
    redis = site["redis"]
    assert_no_server_error(site, 2)
    redis.kill()
    try:
        assert_no_server_error(site, 4)
    finally:
        redis.start()
    assert_no_server_error(site, 2)
    redis.pause()
    try:
        started = time.monotonic()
        assert_no_server_error(site, 4)
        hung = time.monotonic() - started
    finally:
        redis.resume()
    # 20 requests through two workers: each worker waits one socket timeout, then
    # its breaker skips Redis; waiting on every call took seconds a request.
    assert hung < 15, f"20 requests took {hung:.1f} s while Redis was hung"
    assert_no_server_error(site, 2)


def reads_contents(visitor, site, times=6):
    """Whether any of `times` requests (over both workers) got the contents."""
    answers = [visitor.get(site["module"]) for _ in range(times)]
    return any(status == 200 and SECRET in body for status, body in answers)


@pytest.mark.parametrize("fault", ["kill", "pause"])
def test_access_taken_away_during_an_outage_never_comes_back(site, fault):
    n = 1 if fault == "kill" else 2
    student = member(site, n)
    assert reads_contents(student, site)  # cached by both workers: may read
    redis = site["redis"]
    course_url = site["module"].rsplit("/", 2)[0] + "/"
    status, course_page = student.get(course_url)
    assert status == 200
    getattr(redis, fault)()
    try:
        status, _page = student.post_form(
            site["url"] + "/students/leave-course/",
            course_page,
            {"course_id": site["room"]},
        )
        assert status == 302
        assert not reads_contents(student, site), "read contents after leaving"
    finally:
        redis.start() if fault == "kill" else redis.resume()
    # Redis is back with the entries that say "may read" (its data persisted).
    for _ in range(3):
        assert not reads_contents(student, site), "access came back after the outage"
        time.sleep(0.5)


def test_no_session_is_lost_in_an_outage(site):
    student = member(site)
    assert student.get(site["url"] + "/students/courses/")[0] == 200
    redis = site["redis"]
    redis.kill()
    try:
        for _ in range(4):
            assert student.get(site["url"] + "/students/courses/")[0] == 200
    finally:
        redis.start()
    for _ in range(4):
        assert student.get(site["url"] + "/students/courses/")[0] == 200


async def chat_session(site, visitor, actions):
    """Open the room's socket as `visitor` and run `actions(socket)`."""
    session = next(c.value for c in visitor.jar if c.name == "sessionid")
    host = site["url"].removeprefix("http://")
    async with websockets.connect(
        f"ws://{host}/ws/chat/room/{site['room']}/",
        additional_headers={"Cookie": f"sessionid={session}"},
        origin=f"http://{host}",
        open_timeout=10,
    ) as socket:
        return await actions(socket)


async def frames_until_quiet(socket, quiet=1.0):
    frames = []
    while True:
        try:
            frames.append(json.loads(await asyncio.wait_for(socket.recv(), quiet)))
        except TimeoutError:
            return frames


@pytest.mark.parametrize("fault", ["kill", "pause"])
def test_every_chat_message_the_server_accepted_is_stored(site, fault):
    """Ten messages sent while Redis is away: each is stored (the database is the
    record) or refused with an error frame; a client that reconnects afterwards
    finds every accepted one in the history."""
    redis = site["redis"]
    visitor = member(site, 0)
    texts = [f"{fault} message {n} {secrets.token_hex(4)}" for n in range(10)]

    async def send_during_outage(socket):
        await frames_until_quiet(socket, 0.5)  # presence and the like
        getattr(redis, fault)()
        try:
            for text in texts:
                await socket.send(json.dumps({"message": text}))
                await asyncio.sleep(0.1)
            return await frames_until_quiet(socket, 2.0)
        finally:
            redis.start() if fault == "kill" else redis.resume()

    frames = asyncio.run(chat_session(site, visitor, send_during_outage))
    refused = [frame for frame in frames if "error" in frame]
    # Errors name no message; at most as many refusals as messages sent.
    assert len(refused) <= len(texts)

    async def history(socket):
        await socket.send(json.dumps({"type": "history"}))
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
            if frame.get("type") == "history":
                return [message["message"] for message in frame["messages"]]

    time.sleep(0.5)
    stored = asyncio.run(chat_session(site, visitor, history))
    missing = [text for text in texts if text not in stored]
    assert len(missing) <= len(refused), f"accepted but never stored: {missing}"
