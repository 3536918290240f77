# ruff: noqa: S101 - pytest asserts (pyproject ignores S101 only under */tests/*)
"""The production settings and server that `make serve` runs."""

import importlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def run_with_production_settings(args, tmp_path, **env):
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}},
        "DJANGO_SETTINGS_MODULE": "educa.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "ALLOWED_HOSTS": "educa.example.com",
        **env,
    }
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_setting(names, tmp_path, **env):
    """Settings as educa/settings/production.py computes them from `env`.

    The module is imported on its own (no django.setup()), which takes a moment
    rather than the seconds that loading every app does.
    """
    code = (
        "import json; from educa.settings import production as settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, "
        "default=str))"
    )
    result = run_with_production_settings(["-c", code], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_check_passes_without_warnings(tmp_path):
    result = run_with_production_settings(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_with_production_settings(
        ["manage.py", "check"], tmp_path, SECRET_KEY=""
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_static_files_are_compressed_and_hashed(tmp_path):
    storages = production_setting(["STORAGES"], tmp_path)["STORAGES"]
    assert storages["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_postgresql_connections_come_from_a_pool(tmp_path):
    databases = production_setting(
        ["DATABASES"],
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/educa_unused",
    )["DATABASES"]
    assert databases["default"]["OPTIONS"]["pool"]["max_size"] >= 2
    assert databases["default"]["CONN_MAX_AGE"] == 0


def test_redis_backs_the_cache_sessions_and_front_cache_purges(tmp_path):
    values = production_setting(
        ["CACHES", "SESSION_ENGINE", "WAGTAILFRONTENDCACHE"],
        tmp_path,
        REDIS_URL="redis://127.0.0.1:6379/7",
        FRONTEND_CACHE_URL="http://127.0.0.1:8081",
    )
    backend = values["CACHES"]["default"]["BACKEND"]
    assert backend == "sitecache.backend.ResilientRedisCache"
    # A hung Redis must cost a request less than a second (its socket timeouts).
    options = values["CACHES"]["default"]["OPTIONS"]
    assert options["SOCKET_TIMEOUT"] <= 0.5 and options["SOCKET_CONNECT_TIMEOUT"] <= 0.5
    # Django's cached_db engine (sessions survive a Redis restart), read early.
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedDB

    engine = importlib.import_module(values["SESSION_ENGINE"])
    assert issubclass(engine.SessionStore, CachedDB)
    purge = values["WAGTAILFRONTENDCACHE"]["default"]
    assert purge["LOCATION"] == "http://127.0.0.1:8081"
    assert purge["BACKEND"].endswith("HTTPBackend")


def test_every_front_cache_is_purged(tmp_path):
    backends = production_setting(
        ["WAGTAILFRONTENDCACHE"],
        tmp_path,
        FRONTEND_CACHE_URL="http://10.0.0.1, http://10.0.0.2",
    )["WAGTAILFRONTENDCACHE"]
    assert sorted(b["LOCATION"] for b in backends.values()) == [
        "http://10.0.0.1",
        "http://10.0.0.2",
    ]


def test_plain_http_on_this_machine_is_an_explicit_choice(tmp_path):
    default = production_setting(
        ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"], tmp_path
    )
    assert default == {"SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True}
    local = production_setting(
        ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"],
        tmp_path,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
    )
    assert local == {"SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False}


def gunicorn_config(tmp_path, **env):
    """educa/gunicorn.conf.py's settings, with production settings and `env`."""
    code = (
        "import runpy, json, multiprocessing; c = runpy.run_path("
        "'educa/gunicorn.conf.py'); c['cores'] = multiprocessing.cpu_count(); "
        "print(json.dumps({k: c[k] for k in ('worker_class', 'workers', 'bind', "
        "'reuse_port', 'cores')}))"
    )
    result = run_with_production_settings(["-c", code], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_gunicorn_runs_uvicorn_workers(tmp_path):
    config = gunicorn_config(tmp_path, WEB_CONCURRENCY="3", BIND="127.0.0.1:8009")
    assert config["worker_class"] == "educa.workers.UvicornWorker"  # uvicorn's
    assert config["workers"] == 3
    assert config["bind"] == "127.0.0.1:8009"
    assert config["reuse_port"] is True


def test_without_redis_one_worker_keeps_the_caches_exact(tmp_path):
    # run_with_production_settings leaves REDIS_URL out.
    assert gunicorn_config(tmp_path, WEB_CONCURRENCY="")["workers"] == 1
    shared = gunicorn_config(
        tmp_path, WEB_CONCURRENCY="", REDIS_URL="redis://127.0.0.1:6379/7"
    )
    assert shared["workers"] == shared["cores"]
