# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""`make serve`'s server for real: gunicorn with educa/gunicorn.conf.py (two uvicorn
workers, educa.handlers), production settings, on a migrated database of its own."""

import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.chat_support import (
    _wait_until_listening,
    free_port,
    live_database,
    make_members,
)

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    static_root = tmp_path_factory.mktemp("static")
    with live_database() as database_url:
        plan = make_members(database_url, clients=1)
        port = free_port()
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
            },
            "DJANGO_SETTINGS_MODULE": "educa.settings.production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "STATIC_ROOT": str(static_root),
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
        }
        subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            timeout=300,
        )
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(  # noqa: S603 - our own command line
                [
                    str(gunicorn),
                    "-c",
                    "educa/gunicorn.conf.py",
                    "educa.asgi:application",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=log,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_listening(process, url, log)
                yield url, plan
            finally:
                process.terminate()
                process.wait(timeout=30)


def fetch(url, opener=None, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_anonymous_pages_are_served_again_from_the_cache(server):
    url, _plan = server
    status, headers, first = fetch(f"{url}/courses/")
    assert status == 200
    assert "public" in headers["Cache-Control"]
    # Two workers (the kernel spreads connections; one may still be starting): each
    # answers its first request as a miss, the later ones as hits.
    answers = [fetch(f"{url}/courses/") for _ in range(10)]
    assert all(status == 200 and body == first for status, _h, body in answers)
    caching = [headers["X-Educa-Cache"] for _status, headers, _body in answers]
    assert "hit" in caching
    assert caching.count("miss") <= 1, caching  # at most the other worker's first
    # Static files by WhiteNoise under hashed names, cached "forever".
    css = re.search(r'href="(/static/css/educa\.[0-9a-f]+\.css)"', first).group(1)
    status, headers, _css = fetch(url + css)
    assert status == 200
    assert "immutable" in headers["Cache-Control"]


def test_a_student_logs_in_and_studies_through_the_real_server(server):
    url, plan = server
    member = plan["clients"][0]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _status, _headers, form = fetch(f"{url}/accounts/login/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode(
        {
            "username": member["username"],
            "password": plan["password"],
            "csrfmiddlewaretoken": token,
        }
    ).encode()
    status, _headers, page = fetch(
        f"{url}/accounts/login/",
        opener,
        data=body,
        headers={"Referer": f"{url}/accounts/login/"},
    )
    assert status == 200  # followed to "My courses"
    assert member["username"] in page
    room = plan["rooms"][0]
    status, headers, contents = fetch(f"{url}/api/courses/{room}/contents/", opener)
    assert status == 200, contents
    assert "private" in fetch(f"{url}/students/courses/", opener)[1]["Cache-Control"]
    # A POST without the CSRF token is refused, as by any Django server.
    refused = fetch(f"{url}/api/courses/{room}/enroll/", opener, data=b"", headers={})
    assert refused[0] == 403
