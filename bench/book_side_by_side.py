#!/usr/bin/env python
"""Our module page against the book's, measured back to back in one run.

`python bench/book_side_by_side.py --book PATH` (from the project, with its venv's
python), PATH being the folder that holds the manage.py of the Educa of the book
"Django 5 by Example" (chapters 12-17; Chapter 17's `educa/`). The book's code is
not ours and never enters this repository: the script only runs it, from PATH,
without writing there (its bytecode goes to the run's temp dir).

  1. ours, as bench/small_module.py does: load_demo's small demo (12 courses) in
     PostgreSQL (educa_small_bench), a redis-server of its own, gunicorn + 2
     uvicorn workers (educa/gunicorn.conf.py), the demo student logged in through
     the login form, the access rule and the student's own parts checked, queries
     counted with an empty cache and warm;
  2. the book's: a virtualenv of its own in the user's cache dir (reused while the
     requirements are the same) with the book's requirements from PyPI (less
     uWSGI, its deploy's server) and the same versions of gunicorn, uvicorn,
     uvicorn-worker, uvloop and httptools as ours; a settings module written to the
     run's temp dir that imports the book's base settings and sets the database
     (educa_book_bench), the cache (a redis-server of its own), ALLOWED_HOSTS,
     DEBUG=False and STATIC_ROOT; migrate; the same shape of data seeded through
     the book's models (4 subjects, 12 courses, 4 modules each with 3 texts, one
     student enrolled in all); gunicorn + 2 uvicorn workers on `educa.asgi`
     (`--book-servers asgi wsgi` adds a row for 2 sync workers on `educa.wsgi`,
     closer to the book's uWSGI deploy); the student logged in through the book's
     login form, the module page found from their course list
     (/students/course/<course pk>/<module pk>/), its queries counted the same
     way, and what a visitor without a session gets from it recorded;
  3. wrk -t2 -c16 on each page, 8 s after a 1 s warm-up, ours then the book's
     (3 rounds, --rounds; the order alternates), and the CPU time the server's
     processes and its Redis used per request meanwhile (from /proc): on a
     machine others load, a page's cost moves much less than its req/s;
  4. prints the table and the ratio ours/book (PASS when, in the median of the
     rounds, ours makes at least 2x the book's fastest row in req/s and our p99 is
     under 50 ms), writes it to bench/book_side_by_side.md with the date, the
     commit, the load average and the command, and stops everything it started,
     also on Ctrl-C or a failure.

The book's project is served as `localhost`: its subdomain middleware takes the
first label of any host with more than two (such as 127.0.0.1) for a course slug.
"""

import argparse
import hashlib
import importlib.metadata
import json
import math
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import run as bench  # noqa: E402  (bench/run.py)
import small_module as ours  # noqa: E402  (bench/small_module.py)

RESULTS = BENCH_DIR / "book_side_by_side.md"
TARGET_RATIO, TARGET_P99_MS = 2.0, 50.0
# The book's deploy serves HTTP with uWSGI: it needs a C compiler to install, and
# gunicorn serves the book here like it serves ours.
LEFT_OUT = {"uwsgi"}
# When PATH has no requirements.txt beside it or above it.
FALLBACK_REQUIREMENTS = [
    "Django~=5.2", "django-braces", "django-embed-video", "djangorestframework",
    "channels[daphne]", "channels-redis", "redis", "pymemcache", "psycopg[binary]",
    "django-debug-toolbar", "django-redisboard", "Pillow", "requests",
    "python-decouple",
]  # fmt: skip
# The HTTP server's packages, at the versions our venv runs.
SERVER_PACKAGES = ["gunicorn", "uvicorn", "uvicorn-worker", "uvloop", "httptools"]

SUBJECTS = {
    "Mathematics": ["Algebra basics", "Geometry in the plane", "Probability"],
    "Programming": ["Python from scratch", "Web development", "Data structures"],
    "Languages": ["Spanish for travellers", "English writing", "French sounds"],
    "Science": ["Introduction to physics", "Everyday chemistry", "Astronomy"],
}
MODULES = ["Getting started", "Core ideas", "Practice", "Review"]


def log(message):
    print(f"[book_side_by_side {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args, **kwargs):
    """A command whose failure stops the run, with the end of what it said."""
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        said = (result.stdout + result.stderr)[-3000:]
        raise RuntimeError(f"{shlex.join(map(str, args))} failed:\n{said}")
    return result


# --- The book's project: its own virtualenv, settings, database and data ---------


def book_requirements(book):
    """The book's requirements.txt (in PATH or a folder above it), less uWSGI, and
    psycopg with its binary so no libpq headers are needed; then our server's
    packages pinned to our versions."""
    found = next(
        (d / "requirements.txt" for d in [book, *book.parents][:3]
         if (d / "requirements.txt").is_file()),
        None,
    )  # fmt: skip
    lines = found.read_text().splitlines() if found else FALLBACK_REQUIREMENTS
    requirements = []
    for line in lines:
        line = line.split("#")[0].strip()
        name = re.match(r"[A-Za-z0-9_.-]+", line)
        if not name or name.group(0).lower() in LEFT_OUT:
            continue
        if name.group(0).lower() == "psycopg":
            line = "psycopg[binary]" + line[len(name.group(0)) :]
        requirements.append(line)
    for package in SERVER_PACKAGES:
        requirements.append(f"{package}=={importlib.metadata.version(package)}")
    return requirements, found


def book_venv(requirements, venv_dir):
    """A virtualenv with `requirements`, made once per set of requirements."""
    digest = hashlib.sha256("\n".join([sys.version, *requirements]).encode())
    key = digest.hexdigest()[:12]
    venv = Path(venv_dir or Path.home() / ".cache" / "educa-bench" / f"book-{key}")
    marker = venv / "installed.txt"
    if marker.is_file() and marker.read_text() == "\n".join(requirements):
        log(f"reusing the book's virtualenv {venv}")
        return venv
    log(f"making the book's virtualenv {venv} (pip install, about a minute)")
    run([sys.executable, "-m", "venv", "--clear", str(venv)])
    run([venv / "bin" / "python", "-m", "pip", "install", "-q",
         "--disable-pip-version-check", *requirements])  # fmt: skip
    marker.write_text("\n".join(requirements))
    return venv


SETTINGS = '''"""The book's Educa as bench/book_side_by_side.py runs it."""

from educa.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["localhost", "testserver"]
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": {database!r},
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": 5432,
    }}
}}
CACHES = {{
    "default": {{
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": {redis_url!r},
    }}
}}
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{redis_url!r}]  # noqa: F405
STATIC_ROOT = {static_root!r}
'''

SEED = """
import os
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify
from courses.models import Content, Course, Module, Subject, Text

subjects = {subjects!r}
modules = {modules!r}
with transaction.atomic():
    owner = User.objects.create_user("instructor", password=os.urandom(8).hex())
    student = User.objects.create_user(
        os.environ["BENCH_STUDENT"], password=os.environ["BENCH_PASSWORD"]
    )
    for subject_title, courses in subjects.items():
        subject = Subject.objects.create(
            title=subject_title, slug=slugify(subject_title)
        )
        for course_title in courses:
            course = Course.objects.create(
                owner=owner,
                subject=subject,
                title=course_title,
                slug=slugify(course_title),
                overview=f"{{course_title}} is a {{len(modules)}}-module course.",
            )
            course.students.add(student)
            for module_title in modules:
                module = Module.objects.create(
                    course=course,
                    title=module_title,
                    description=f"{{module_title}} of {{course_title}}.",
                )
                for number in range(1, 4):
                    text = Text.objects.create(
                        owner=owner,
                        title=f"{{module_title}}, part {{number}}",
                        content=f"In this part of {{course_title}} we work "
                        "through the ideas step by step. Read the explanation, "
                        "look at the example, then note one question.",
                    )
                    Content.objects.create(module=module, item=text)
print(Course.objects.count(), Module.objects.count(), Content.objects.count())
"""

QUERIES = """
import json, os
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client()
client.force_login(User.objects.get(username=os.environ["BENCH_STUDENT"]))
cache.clear()
counts = []
for _ in range(2):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(os.environ["BENCH_PATH"])
    counts.append(len(queries))
print(json.dumps({"status": response.status_code,
                  "queries_first": counts[0], "queries_second": counts[1]}))
"""


def book_environment(args, venv, workdir, redis_url):
    """The environment of every command run in the book's project."""
    settings_dir = workdir / "book_settings"
    settings_dir.mkdir(exist_ok=True)
    (settings_dir / "book_bench_settings.py").write_text(
        SETTINGS.format(
            database=args.book_database,
            redis_url=redis_url,
            static_root=str(workdir / "book_static"),
        )
    )
    return {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)},
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": f"{settings_dir}:{args.book}",
        "PYTHONPYCACHEPREFIX": str(workdir / "book_pycache"),  # nothing in PATH
        "DJANGO_SETTINGS_MODULE": "book_bench_settings",
        "BENCH_STUDENT": ours.STUDENT,
        "BENCH_PASSWORD": ours.PASSWORD,
    }


def book_manage(venv, book, env, *args):
    return run([venv / "bin" / "python", "manage.py", *args], cwd=book, env=env)


def seed_book(args, venv, env):
    """The book's database, made anew on every run (it takes seconds)."""
    bench.psql(f'DROP DATABASE IF EXISTS "{args.book_database}"')
    created = bench.psql(f'CREATE DATABASE "{args.book_database}"')
    if created.returncode != 0:
        raise RuntimeError(created.stderr)
    book_manage(venv, args.book, env, "migrate", "--noinput", "-v0")
    seeded = book_manage(
        venv, args.book, env, "shell", "-c",
        SEED.format(subjects=SUBJECTS, modules=MODULES),
    )  # fmt: skip
    courses, modules, contents = seeded.stdout.split()[-3:]
    log(f"book: seeded {courses} courses, {modules} modules, {contents} contents")


def start_book_server(args, processes, venv, env, kind, port):
    """gunicorn with 2 uvicorn workers on educa.asgi (as ours), or 2 sync workers
    on educa.wsgi; its base URL once it answers."""
    if kind == "asgi":
        app = ["-k", "uvicorn_worker.UvicornWorker", "educa.asgi:application"]
    else:
        app = ["-k", "sync", "educa.wsgi:application"]
    server = processes.start(
        f"book-{kind}",
        [str(venv / "bin" / "gunicorn"), "-w", str(args.workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", *app],
        env=env,
        cwd=args.book,
    )  # fmt: skip
    base_url = f"http://localhost:{port}"
    bench.wait_for(f"{base_url}/", process=server)
    log(f"book's server up at {base_url} ({args.workers} {kind} workers)")
    return base_url


def book_module_page(base_url, cookie):
    """The first module of the student's first course, found as a student would:
    their course list, then the course's page."""
    headers = {"Cookie": cookie}
    _s, body, _h = bench.fetch(f"{base_url}/students/courses/", headers=headers)
    course = re.search(rb'href="(/students/course/\d+/)"', body)
    if not course:
        raise RuntimeError("the book's student sees no course in their list")
    _s, body, _h = bench.fetch(base_url + course.group(1).decode(), headers=headers)
    module = re.search(rb'href="(/students/course/\d+/\d+/)"', body)
    if not module:
        raise RuntimeError("no module link on the book's course page")
    return module.group(1).decode()


def check_book_page(url, cookie):
    """The page for the student; what a visitor without a session gets."""
    for _ in range(3):
        status, body, _headers = ours.status_of(url, cookie)
    if status != 200 or b"Sign out" not in body:
        raise RuntimeError(f"{url} answered {status} to the book's student")
    visitor, visitor_body, visitor_headers = ours.status_of(url)
    if visitor == 200 and b"Sign out" in visitor_body:
        seen = "200: the student's page from the cache"
    elif visitor in (301, 302):
        seen = f"{visitor} to {bench.path_of(visitor_headers.get('Location', ''))}"
    else:
        seen = str(visitor)
    return len(body), seen


def count_book_queries(venv, book, env, path):
    result = book_manage(
        venv, book, {**env, "BENCH_PATH": path}, "shell", "-c", QUERIES
    )
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    if stats["status"] != 200:
        raise RuntimeError(f"{path}: the book's test client got {stats['status']}")
    return stats


def start_book(args, processes, workdir):
    """The book's project, seeded and served; one target per server kind."""
    requirements, found = book_requirements(args.book)
    log(f"book's requirements from {found or 'the fallback list'}")
    venv = book_venv(requirements, args.book_venv)
    django_version = run(
        [venv / "bin" / "python", "-c", "import django; print(django.__version__)"]
    ).stdout.strip()
    redis_url = bench.start_redis(processes)
    redis = started_since(processes, len(processes.started) - 1)
    env = book_environment(args, venv, workdir, redis_url)
    seed_book(args, venv, env)
    targets = []
    for offset, kind in enumerate(args.book_servers):
        before = len(processes.started)
        base_url = start_book_server(
            args, processes, venv, env, kind, args.book_port + offset
        )
        sessions = redis | started_since(processes, before)
        cookie = bench.login(base_url)  # the book's form: same path and field names
        path = book_module_page(base_url, cookie)
        stats = count_book_queries(venv, args.book, env, path)
        size, visitor = check_book_page(base_url + path, cookie)
        log(f"book ({kind}): page {path}; a visitor gets {visitor}")
        targets.append({
            "server": f"book ({kind}, Django {django_version})",
            "page": f"module (enrolled) {path}",
            "url": base_url + path,
            "cookie": cookie,
            "bytes": size,
            "visitor": visitor,
            "sessions": sessions,
            **stats,
        })  # fmt: skip
    return targets


# --- Ours ------------------------------------------------------------------------


def start_ours(args, processes):
    """bench/small_module.py's setup, unchanged: seeded, served, checked, counted."""
    target = ours.start(args, processes)
    target["sessions"] = started_since(processes, 0)
    visitor, _body, headers = ours.status_of(target["url"])
    where = bench.path_of(headers.get("Location", ""))
    return {
        **target,
        "server": "ours (Wagtail, Django 5.2)",
        "page": f"module (enrolled) {bench.path_of(target['url'])}",
        "visitor": f"{visitor} to {where}",
    }


# --- Measuring and reporting -----------------------------------------------------


def started_since(processes, index):
    """Session ids of what `processes` started from its `index`th process on: each
    runs in a session of its own, with its children (gunicorn's workers)."""
    return {process.pid for _name, process, _log in processes.started[index:]}


def cpu_seconds(sessions):
    """CPU time (user + system) used so far by every process of `sessions`."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # from the state, field 3, on
        if int(fields[3]) in sessions:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(target, args):
    """wrk after a 1 s warm-up, and the CPU time the server and its Redis used
    per request: the cost of a page, which other people's load on the machine
    changes far less than its req/s."""
    bench.wrk(target["url"], args.connections, 1, target["cookie"])
    load = ours.load_average()
    cpu = cpu_seconds(target["sessions"])
    result = bench.wrk(target["url"], args.connections, args.duration, target["cookie"])
    cpu = cpu_seconds(target["sessions"]) - cpu
    requests = result["rps"] * args.duration
    result.update(load=load, cpu_ms=1000 * cpu / requests if requests else math.nan)
    log(
        f"{target['server']}: {result['rps']:.0f} rps p50 {result['p50_ms']:.2f} ms "
        f"p99 {result['p99_ms']:.2f} ms, {result['cpu_ms']:.2f} CPU ms a request "
        f"(load before {load})"
    )
    hidden = ("cookie", "sessions")
    return {**{k: v for k, v in target.items() if k not in hidden}, **result}


def verdict(rounds):
    """Ours against the book's fastest row, per round; the medians of the rounds;
    and the median ratio against each of the book's servers."""
    ratios, p99s, per_server, cpu = [], [], {}, []
    for rows in rounds:
        mine = next(r for r in rows if r["server"].startswith("ours"))
        books = [r for r in rows if r["server"].startswith("book")]
        for book in books:
            per_server.setdefault(book["server"], []).append(
                mine["rps"] / book["rps"] if book["rps"] else float("inf")
            )
        fastest = max(books, key=lambda r: r["rps"])
        ratios.append(mine["rps"] / fastest["rps"] if fastest["rps"] else float("inf"))
        p99s.append(mine["p99_ms"])
        cpu.append(min(b["cpu_ms"] for b in books) / mine["cpu_ms"])
    ratio, p99 = statistics.median(ratios), statistics.median(p99s)
    passed = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS
    each = {server: statistics.median(r) for server, r in per_server.items()}
    return ratios, ratio, p99, passed, each, statistics.median(cpu)


def report(rounds, args, load_before, command, book_source):
    header = (
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {ours.commit()}, "
        f"{os.cpu_count()} cores, load average before the run {load_before} "
        f"(1, 5, 15 min), wrk -t2 -c{args.connections} {args.duration} s after a "
        f"1 s warm-up, each server gunicorn + {args.workers} workers, PostgreSQL, "
        "a Redis of its own, 12 courses (ours: load_demo; the book's: 4 subjects x "
        "3 courses x 4 modules x 3 texts through its models), one student enrolled."
        f"\n\nCommand: `{command}`\n\nThe book's project: {book_source}"
    )
    lines = [
        "| round | server | page | req/s | p50 ms | p99 ms | CPU ms/req "
        "| SQL (cold/warm) | bytes | a visitor gets | load before |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for number, rows in enumerate(rounds, 1):
        for r in rows:
            errors = f" ({r['errors']} errors)" if r["errors"] else ""
            lines.append(
                f"| {number} | {r['server']} | {r['page']}{errors} | {r['rps']:.0f} | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['cpu_ms']:.2f} | "
                f"{r['queries_first']}/{r['queries_second']} | {r['bytes']} | "
                f"{r['visitor']} | {r['load']} |"
            )
    ratios, ratio, p99, passed, each, cpu = verdict(rounds)
    rounds_note = ", ".join(f"{r:.2f}x" for r in ratios)
    against = "; ".join(f"against {server}: {r:.2f}x" for server, r in each.items())
    summary = (
        f"Ours / the book's fastest row, req/s: {ratio:.2f}x"
        + (f" (median of the rounds' {rounds_note})" if len(ratios) > 1 else "")
        + (f" ({against})" if len(each) > 1 else "")
        + f"; our p99 {p99:.1f} ms. Target: at least {TARGET_RATIO:.0f}x and p99 "
        f"under {TARGET_P99_MS:.0f} ms: **{'PASS' if passed else 'FAIL'}**.\n\n"
        f"CPU time per request (the server's processes and its Redis), the book's "
        f"cheapest row / ours: {cpu:.2f}x (median of the rounds)."
    )
    return header + "\n\n" + "\n".join(lines) + "\n\n" + summary


def book_source(args):
    """Where the book's code came from: --book-label, or its git commit when PATH
    is in a clone."""
    if args.book_label:
        return args.book_label
    head = subprocess.run(
        ["git", "-C", str(args.book), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    )
    commit = f", commit {head.stdout.strip()}" if head.returncode == 0 else ""
    return f"`{args.book.name}/` of a checkout of the book's code{commit}"


def stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt  # the `finally` below stops what was started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, required=True,
                        help="the folder with the book's manage.py")  # fmt: skip
    parser.add_argument("--book-label", help="where the book's code came from")
    parser.add_argument("--book-venv", type=Path, help="default: ~/.cache/...")
    parser.add_argument("--book-servers", nargs="+", choices=["asgi", "wsgi"],
                        default=["asgi"])  # fmt: skip
    parser.add_argument("--database", default="educa_small_bench")
    parser.add_argument("--book-database", default="educa_book_bench")
    parser.add_argument("--reseed", action="store_true", help="ours' database")
    parser.add_argument("--port", type=int, default=8017)
    parser.add_argument("--book-port", type=int, default=8027)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    args.book = args.book.resolve()
    if not (args.book / "manage.py").is_file():
        parser.error(f"no manage.py in {args.book}")
    command = shlex.join(["python", "bench/book_side_by_side.py", *sys.argv[1:]])

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    started = time.monotonic()
    load_before = ours.load_average()
    log(f"load average {load_before} on {os.cpu_count()} cores")
    if not shutil.which("wrk"):
        parser.error("wrk is missing: apt-get install wrk")
    ours.as_student()  # both sites' student: same name and password
    with tempfile.TemporaryDirectory(prefix="educa-book-bench-") as tmp:
        workdir = Path(tmp)
        processes = bench.Processes(workdir)
        rounds = []
        try:
            targets = [start_ours(args, processes)]
            targets += start_book(args, processes, workdir)
            for number in range(args.rounds):
                order = targets if number % 2 == 0 else targets[::-1]
                rows = [measure(target, args) for target in order]
                rounds.append(sorted(rows, key=lambda r: r["server"], reverse=True))
        finally:
            processes.stop_all()
    text = report(rounds, args, load_before, command, book_source(args))
    print()
    print(text)
    RESULTS.write_text(text + "\n")
    took = time.monotonic() - started
    log(f"done in {took:.0f} s; load average {ours.load_average()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted; everything it started is stopped")
        sys.exit(130)
