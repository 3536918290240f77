# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""`make run`: the address it prints is the one it serves (HOST, PORT), and with
DEBUG=false its server still answers the stylesheet and the site's own 404 page."""

import io
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from demo.management.commands.load_demo import Command as LoadDemo
from tests.chat_support import _wait_until_listening, free_port, live_database

BASE_DIR = Path(__file__).resolve().parent.parent
MAKE_VARIABLES = {"HOST", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}


def make_dry_run(*args, **env):
    """The commands `make` would run (`make -n`), with `env` in its environment."""
    environment = {
        # Not an outer make's settings either (`make test` runs this test).
        **{k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES},
        **env,
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "-n", *args],  # noqa: S607 - make from the PATH, as a person runs it
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("args", "env", "address"),
    [
        ([], {}, "127.0.0.1:8000"),
        ([], {"PORT": "8050"}, "127.0.0.1:8050"),
        (["HOST=0.0.0.0", "PORT=8060"], {}, "0.0.0.0:8060"),  # noqa: S104
    ],
)
def test_make_run_serves_and_announces_host_and_port(args, env, address):
    commands = make_dry_run("run", *args, **env).splitlines()
    host, port = address.split(":")
    load_demo = next(line for line in commands if "load_demo" in line)
    assert load_demo.startswith(f"HOST={host} PORT={port} ")
    runserver = next(line for line in commands if "runserver" in line)
    assert runserver.startswith(f"HOST={host} PORT={port} ")
    assert runserver.endswith(f"runserver {address}")


@pytest.mark.django_db
def test_load_demo_prints_the_address_from_host_and_port(monkeypatch):
    out = io.StringIO()
    LoadDemo(stdout=out).print_summary()
    assert "Site: http://127.0.0.1:8000/" in out.getvalue()

    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104
    monkeypatch.setenv("PORT", "8050")
    out = io.StringIO()
    LoadDemo(stdout=out).print_summary()
    assert "Site: http://0.0.0.0:8050/" in out.getvalue()


@pytest.fixture(scope="module")
def dev_server_without_debug():
    """`make run`'s server command (dev settings) with DEBUG=false, on a free port."""
    with live_database() as database_url:
        port = free_port()
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
            },
            "DJANGO_SETTINGS_MODULE": "educa.settings.dev",
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "DEBUG": "false",
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(  # noqa: S603 - our own command line
                [
                    sys.executable,
                    "manage.py",
                    "runserver",
                    "--noreload",
                    f"127.0.0.1:{port}",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=log,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_listening(process, url, log)
                yield url
            finally:
                process.terminate()
                process.wait(timeout=30)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_without_debug_the_stylesheet_is_served(dev_server_without_debug):
    status, headers, body = get(dev_server_without_debug + "/static/css/educa.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "--color-primary" in body
    status, headers, _ = get(dev_server_without_debug + "/static/img/favicon.svg")
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")


def test_without_debug_a_missing_page_is_the_sites_404(dev_server_without_debug):
    status, _, body = get(dev_server_without_debug + "/no-such-page/")
    assert status == 404
    assert "We couldn’t find that page" in body  # templates/404.html
    assert 'href="/static/css/educa.css"' in body
    assert "Traceback" not in body and "Page not found at" not in body
