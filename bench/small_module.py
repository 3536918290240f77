#!/usr/bin/env python
"""One row of the benchmark: an enrolled student's module page on the small demo.

`python bench/small_module.py` (from the project, with its venv's python):

  1. seeds `manage.py load_demo` (the default size: 12 courses, 48 modules) into a
     PostgreSQL database of its own (educa_small_bench; migrated on every run,
     --reseed rebuilds it),
  2. starts its own redis-server and the production server (gunicorn + 2 uvicorn
     workers, educa/gunicorn.conf.py, educa.settings.production),
  3. logs in as the demo student (`student`, enrolled through the API in the first
     course when load_demo left them in none) and checks the access rule on the
     page: the student gets it with their own parts, a visitor is sent to the login
     page, and it is never served from a shared entry to either,
  4. counts the page's SQL queries with an empty cache and again (bench/page_stats.py),
  5. measures it with wrk (16 connections, 8 s after a 1 s warm-up): req/s, p50, p99,
  6. prints a table, writes it to bench/small_module.md and stops everything it
     started.

The functions of bench/run.py do the work (processes, Redis, the server, login,
wrk); this script only picks the small demo and the one page.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as bench  # noqa: E402  (bench/run.py)

BASE_DIR = bench.BASE_DIR
PAGE = "module (enrolled), small demo"
STUDENT, PASSWORD = "student", "student-demo-pass"  # load_demo's student
RESULTS = BENCH_DIR / "small_module.md"


def log(message):
    print(f"[small_module {time.strftime('%H:%M:%S')}] {message}", flush=True)


def seed_small(env, database, reseed):
    """load_demo's default size in its own database; migrated on every run."""
    count = bench.psql("SELECT count(*) FROM learning_coursepage", database)
    have = int(count.stdout.strip() or 0) if count.returncode == 0 else -1
    if reseed or have != 12:
        log(f"seeding the small demo into PostgreSQL database {database}")
        bench.psql(f'DROP DATABASE IF EXISTS "{database}"')
        created = bench.psql(f'CREATE DATABASE "{database}"')
        if created.returncode != 0:
            raise RuntimeError(created.stderr)
    bench.manage(["migrate", "--noinput", "-v0"], env)
    result = bench.manage(["load_demo"], env)  # idempotent
    log(f"load_demo: {result.stdout.strip().splitlines()[-1:]}")


def as_student():
    """bench/run.py's helpers log in as its STUDENT: make that the demo student."""
    bench.STUDENT, bench.PASSWORD = STUDENT, PASSWORD


def enrolled_module(base_url):
    """The first module of a course the student is enrolled in, and whether
    load_demo had enrolled them (if not, they enroll through the API, as run.py's
    discover does)."""
    auth = bench.basic_auth(STUDENT, PASSWORD)
    _s, body, _h = bench.fetch(f"{base_url}/api/me/courses/", headers=auth)
    was_enrolled = bool(json.loads(body)["results"])
    pages = bench.discover(base_url)  # enrolls the student when they are in none
    return pages["module (enrolled)"][0], was_enrolled


def status_of(url, cookie=None):
    """Status and body of one GET, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    headers = {"Cookie": cookie} if cookie else {}
    try:
        status, body, headers = bench.fetch(url, headers=headers, opener=opener)
    except urllib.error.HTTPError as error:
        return error.code, b"", error.headers
    return status, body, headers


def check_access(url, cookie):
    """The access rule and the student's own parts, after the page is warm."""
    for _ in range(3):  # warm: shells and fragments cached
        status, body, headers = status_of(url, cookie)
    if status != 200:
        raise RuntimeError(f"{url} answered {status} to the enrolled student")
    if b"Mark as done" not in body and b"Mark as not done" not in body:
        raise RuntimeError(f"{url}: no done button for the student")
    if f'class="username" href="/account/">{STUDENT}<'.encode() not in body:
        raise RuntimeError(f"{url}: the student's account menu is missing")
    if "no-store" not in headers.get("Cache-Control", ""):
        raise RuntimeError(f"{url}: a student's page without Cache-Control no-store")
    anonymous, anonymous_body, anonymous_headers = status_of(url)
    location = anonymous_headers.get("Location", "")
    if anonymous != 302 or "login" not in location:
        raise RuntimeError(f"{url} answered {anonymous} to a visitor ({location})")
    return len(body)


QUERY_COUNT = """
import json, sys
from types import SimpleNamespace
sys.argv = ["page_stats.py", sys.argv[1]]
sys.path.insert(0, {bench_dir!r})
import page_stats  # django.setup() on import

# page_stats.main() logs in as the large demo's learner1; here it is {student!r}.
users = page_stats.get_user_model()
page_stats.get_user_model = lambda: SimpleNamespace(
    objects=SimpleNamespace(get=lambda **kw: users.objects.get(username={student!r}))
)
page_stats.main()
"""


def count_queries(env, path):
    """Queries of the page with an empty cache, then warm (bench/page_stats.py)."""
    code = QUERY_COUNT.format(bench_dir=str(BENCH_DIR), student=STUDENT)
    result = subprocess.run(
        [bench.PYTHON, "-c", code, json.dumps({PAGE: [path, True]})],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"query counting failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])[PAGE]


def start(args, processes):
    """Database, Redis and the production server; what the measurement needs."""
    as_student()
    redis_url = bench.start_redis(processes)
    env = bench.app_environment(args, redis_url, None)
    seed_small(env, args.database, args.reseed)
    base_url = bench.start_app(args, processes, env)
    path, was_enrolled = enrolled_module(base_url)
    enrolled = "yes" if was_enrolled else "no: enrolled now through the API"
    log(f"page {path}; student already enrolled: {enrolled}")
    cookie = bench.login(base_url)
    size = check_access(base_url + path, cookie)
    stats = count_queries(env, path)
    if stats["status"] != 200:
        raise RuntimeError(f"{path}: the test client got {stats['status']}")
    return {
        "env": env,
        "url": base_url + path,
        "cookie": cookie,
        "bytes": size,
        "was_enrolled": was_enrolled,
        **stats,
    }


def measure(target, connections, duration):
    """wrk after a 1 s warm-up: req/s, p50, p99 (ms) and errors."""
    bench.wrk(target["url"], connections, 1, target["cookie"])
    return bench.wrk(target["url"], connections, duration, target["cookie"])


def load_average():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def commit():
    out = subprocess.run(
        ["git", "-C", str(BASE_DIR), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    )
    dirty = subprocess.run(
        ["git", "-C", str(BASE_DIR), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    modified = " (work tree modified)" if dirty.stdout.strip() else ""
    return out.stdout.strip() + modified


def table(rows, args, load_before):
    header = (
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit()}, "
        f"{os.cpu_count()} cores, "
        f"load average before {load_before}, wrk -t2 {args.duration} s after 1 s "
        f"warm-up, app: gunicorn + {args.workers} uvicorn workers, PostgreSQL, Redis, "
        "load_demo (12 courses)"
    )
    lines = [
        "| server | page | conns | req/s | p50 ms | p99 ms | SQL (1st/2nd) | bytes |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        errors = f" ({r['errors']} errors)" if r["errors"] else ""
        lines.append(
            f"| app | {PAGE}{errors} | {r['connections']} | {r['rps']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['queries_first']}/{r['queries_second']} | {r['bytes']} |"
        )
    return header + "\n\n" + "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="educa_small_bench")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--port", type=int, default=8017)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, nargs="+", default=[16])
    args = parser.parse_args()

    started = time.monotonic()
    load_before = load_average()
    log(f"load average {load_before} on {os.cpu_count()} cores")
    workdir = Path(tempfile.mkdtemp(prefix="educa-small-bench-"))
    processes = bench.Processes(workdir)
    rows = []
    try:
        target = start(args, processes)
        for connections in args.connections:
            result = measure(target, connections, args.duration)
            result.update(
                connections=connections,
                bytes=target["bytes"],
                queries_first=target["queries_first"],
                queries_second=target["queries_second"],
            )
            rows.append(result)
            log(
                f"c={connections} {result['rps']:.0f} rps p50 {result['p50_ms']:.2f} "
                f"ms p99 {result['p99_ms']:.2f} ms"
            )
    finally:
        processes.stop_all()
    report = table(rows, args, load_before)
    print()
    print(report)
    RESULTS.write_text(report + "\n")
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {time.monotonic() - started:.0f} s; load average {load_average()}")


if __name__ == "__main__":
    main()
