"""Real server processes for the chat's live tests (two-process test, browser test).

The servers are separate processes (uvicorn), so they cannot see the test run's
in-memory SQLite database: they get a database of their own, migrated once per
test session and copied for each use (a temp SQLite file, or a PostgreSQL database
made from a template when DATABASE_URL points at PostgreSQL). Members, rooms and
their logged-in sessions come from `manage.py chat_load_setup`.
"""

import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

BASE_DIR = Path(__file__).resolve().parent.parent
_template = {}


def _server_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="educa.settings.dev",
        DEBUG="1",  # the development settings serve the room's JavaScript
        DB_CONN_MAX_AGE="60",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _manage(database_url, *args):
    subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=_server_env(DATABASE_URL=database_url),
        check=True,
        capture_output=True,
        timeout=300,
    )


def _postgres_admin(database_url):
    import psycopg

    admin_url = urlunparse(urlparse(database_url)._replace(path="/postgres"))
    return psycopg.connect(admin_url, autocommit=True)


def _with_name(database_url, name):
    return urlunparse(urlparse(database_url)._replace(path=f"/{name}"))


def _migrated_template():
    """A migrated database to copy: made once per test session."""
    if _template:
        return _template
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        name = f"educa_chat_tpl_{uuid.uuid4().hex[:10]}"
        with _postgres_admin(configured) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_name(configured, name)
        _template.update(kind="postgres", url=url, name=name, base=configured)

        def drop():
            with _postgres_admin(configured) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        atexit.register(drop)
    else:
        folder = tempfile.mkdtemp(prefix="educa-chat-live-")
        path = Path(folder) / "template.sqlite3"
        url = f"sqlite:///{path}"
        _template.update(kind="sqlite", url=url, path=path)
        atexit.register(shutil.rmtree, folder, True)
    _manage(url, "migrate", "--noinput")
    return _template


@contextlib.contextmanager
def live_database():
    """A fresh migrated database (URL) for server processes; removed afterwards."""
    template = _migrated_template()
    if template["kind"] == "postgres":
        name = f"educa_chat_live_{uuid.uuid4().hex[:10]}"
        with _postgres_admin(template["base"]) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template["name"]}"')
        try:
            yield _with_name(template["base"], name)
        finally:
            with _postgres_admin(template["base"]) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = template["path"].with_name(f"live-{uuid.uuid4().hex[:10]}.sqlite3")
        shutil.copyfile(template["path"], path)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


def make_members(database_url, clients, rooms=1):
    """Rooms, enrolled members, a teacher and an outsider with sessions (a dict)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "plan.json"
        _manage(
            database_url,
            "chat_load_setup",
            f"--clients={clients}",
            f"--rooms={rooms}",
            f"--prefix=live{uuid.uuid4().hex[:6]}",
            f"--out={out}",
        )
        return json.loads(out.read_text())


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def servers(database_url, count=1, redis_url="", layer=""):
    """`count` uvicorn processes serving the site; yields their http:// URLs.

    With `redis_url` they share a Redis channel layer (`layer` picks the backend)
    under a prefix of their own; without, each has an in-memory layer.
    """
    extra = {"DATABASE_URL": database_url}
    if redis_url:
        extra["REDIS_URL"] = redis_url
        extra["CHANNEL_LAYER_PREFIX"] = f"educa-test-{uuid.uuid4().hex[:12]}"
        extra["CACHE_KEY_PREFIX"] = extra["CHANNEL_LAYER_PREFIX"]
        if layer:
            extra["CHANNEL_LAYER_BACKEND"] = layer
    else:
        extra["REDIS_URL"] = ""
    env = _server_env(**extra)
    processes, urls = [], []
    # A file, not a pipe, for the servers' output: a full pipe would stall them.
    with tempfile.TemporaryFile() as log:
        try:
            for _ in range(count):
                port = free_port()
                processes.append(
                    subprocess.Popen(  # noqa: S603 (our own command line)
                        [
                            sys.executable,
                            "-m",
                            "uvicorn",
                            "educa.asgi:application",
                            "--host",
                            "127.0.0.1",
                            "--port",
                            str(port),
                            "--lifespan",
                            "off",
                            "--log-level",
                            "warning",
                            "--ws-per-message-deflate",
                            "false",
                        ],  # fmt: skip
                        cwd=BASE_DIR,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=log,
                    )
                )
                urls.append(f"http://127.0.0.1:{port}")
            for process, url in zip(processes, urls, strict=True):
                _wait_until_listening(process, url, log)
            yield urls
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_until_listening(process, url, log, timeout=60):
    parsed = urlparse(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server {url} exited: {log.read().decode()[-2000:]}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection((parsed.hostname, parsed.port), timeout=1),
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server {url} did not start within {timeout} s")
