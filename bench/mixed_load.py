#!/usr/bin/env python
"""Reads while the site is written to: `python bench/mixed_load.py`.

The target (architecture issue, "invalidation that forgets only what changed"): with
1 draft save, 1 sign-up and 1 enrollment per second, every page's p99 within 1.5x of
its read-only p99 and its throughput at least 90% of read-only.

In one run it
  1. seeds or reuses the large demo in PostgreSQL database educa_bench, starts its
     own redis-server and the production server (gunicorn + 2 uvicorn workers),
     logs in the large demo's learner1 and finds the pages through the API, all
     with bench/run.py's functions;
  2. starts a draft worker: `manage.py shell` with the server's environment (same
     settings, database and Redis) saving revisions the way the admin's "Save
     draft" does, `page.save_revision(user=owner, log_action=True)`;
  3. measures what the writes alone cost the machine: its busy CPU time per second
     (/proc/stat, all processes: server, PostgreSQL, Redis, the draft worker and
     this script) while they run with no reads, beside the same time idle;
  4. for each page (catalogue, a subject, a course overview, a module page as the
     enrolled learner1, /api/courses/, /api/courses/<pk>/contents/) measures wrk,
     16 connections, 8 s after a 1 s warm-up, read-only and mixed back to back, in
     3 rounds (--rounds) whose order alternates; mixed is the same while a writer
     does, each second (open loop, a third of a second apart, each write in a
     thread of its own): a draft save of a course (every other one the course
     whose pages are measured, else a random one), a sign-up through
     /students/register/ over HTTP, and the enrollment of a student it signed up
     in a random course through /students/enroll-course/ over HTTP (CSRF token
     from the course page, in that student's session). A page's figures are the
     rounds' medians, its verdict the median of the rounds' ratios: the machine
     is shared, and a neighbour's burst would otherwise decide a row;
  5. counts the writer's outcomes (HTTP statuses, draft replies), checks in the
     database that the users, enrollments and revisions exist and that no draft
     reached a live page, prints the table with PASS/FAIL per page and writes it to
     bench/mixed_load.md under `## <label>` (--label; other sections are kept);
  6. stops everything it started.

--pages picks pages (catalogue subject course module api-courses api-contents),
--duration the seconds per wrk run, --rounds the read-only/mixed pairs a page,
--writes some of the kinds only (to see what each costs), --label the section of
bench/mixed_load.md.

The server gets SIGNUP_RATE=1000000/hour: every sign-up comes from 127.0.0.1, and
the default (10/hour per address) would refuse all but the first ten.
"""

import argparse
import contextlib
import http.cookiejar
import itertools
import math
import os
import queue
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

from run import (
    BASE_DIR,
    PYTHON,
    Processes,
    app_environment,
    check_page,
    discover,
    log,
    login,
    psql,
    seed,
    start_app,
    start_redis,
    wrk,
)

RESULTS = BASE_DIR / "bench" / "mixed_load.md"
# --pages accepts these short names (or the page names of bench/run.py).
PAGES = {
    "catalogue": "catalogue",
    "subject": "subject page",
    "course": "course overview",
    "module": "module (enrolled)",
    "api-courses": "/api/courses/",
    "api-contents": "/api/courses/<pk>/contents/",
}
KINDS = ("draft", "sign-up", "enrollment")
P99_LIMIT, RPS_LIMIT = 1.5, 0.9

# The draft worker: one revision per line read ("<page pk> <label>"), not published.
# This is what the admin's edit view does on "Save draft" (it has validated the
# form; save_revision() runs full_clean() itself), in one transaction like the view.
DRAFT_WORKER = """
import sys, time
from django.db import transaction
from wagtail.models import Page

print("ready", flush=True)
for line in sys.stdin:
    pk, label = line.split()
    started = time.monotonic()
    try:
        with transaction.atomic():
            page = Page.objects.get(pk=int(pk)).specific
            page.title = f"{page.title} (draft {label})"
            revision = page.save_revision(user=page.owner, log_action=True)
        ms = (time.monotonic() - started) * 1000
        print(f"ok {revision.pk} {ms:.1f}", flush=True)
    except Exception as error:
        text = " ".join(f"{type(error).__name__}: {error}".split())[:300]
        print(f"error {text}", flush=True)
"""


# --- The draft worker ------------------------------------------------------------


class DraftWorker:
    """A Django process with the server's environment that saves drafts on demand."""

    def __init__(self, env, processes, workdir):
        logfile = open(workdir / "draft-worker.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "shell", "--no-imports", "-c", DRAFT_WORKER],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=logfile,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        # Stopped with everything else (bench/run.py's Processes).
        processes.started.append(("draft worker", self.process, logfile))
        self.lock = threading.Lock()
        self.replies = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 120
        while True:
            line = self.replies.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError("the draft worker exited: see draft-worker.log")
            if line == "ready":
                return

    def _read(self):
        for line in self.process.stdout:
            self.replies.put(line.strip())
        self.replies.put(None)

    def save(self, pk, label):
        """("ok", revision pk) or ("error", message); one at a time."""
        with self.lock:
            self.process.stdin.write(f"{pk} {label}\n")
            self.process.stdin.flush()
            reply = self.replies.get(timeout=60)
        if reply is None:
            return "error", "the draft worker exited"
        outcome, _, rest = reply.partition(" ")
        return outcome, rest.split()[0] if outcome == "ok" else rest


# --- HTTP as a browser does it ---------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to count (302 after a good POST), not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(jar)
    )
    return opener, jar


def call(opener, url, form=None, referer=None):
    """(status, body, headers); status is a string for a failure below HTTP."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    headers = {"Referer": referer} if referer else {}
    # Only the http URLs this script builds.
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers
    except (urllib.error.URLError, OSError) as error:
        return type(error).__name__, b"", {}


def csrf_token(body):
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    return found.group(1).decode() if found else None


# --- The writer ------------------------------------------------------------------


class Writes:
    """What the writer did during one measurement."""

    def __init__(self, kinds=KINDS):
        self.kinds = kinds
        self.lock = threading.Lock()
        self.outcomes = defaultdict(Counter)  # kind -> outcome -> count
        self.ok = Counter()
        self.seconds = defaultdict(list)  # kind -> durations of good writes
        self.elapsed = 0.0

    def record(self, kind, outcome, ok, started):
        with self.lock:
            self.outcomes[kind][str(outcome)] += 1
            if ok:
                self.ok[kind] += 1
                self.seconds[kind].append(time.monotonic() - started)

    def rate(self, kind):
        return self.ok[kind] / self.elapsed if self.elapsed else 0.0

    def valid(self, rate):
        """Every kind done at >= 90% of the asked rate, and nothing failed."""
        return all(
            self.rate(kind) >= RPS_LIMIT * rate
            and sum(self.outcomes[kind].values()) == self.ok[kind]
            for kind in self.kinds
        )

    def summary(self):
        parts = []
        for kind in self.kinds:
            durations = self.seconds[kind]
            median = (
                f", median {statistics.median(durations) * 1000:.0f} ms, "
                f"max {max(durations) * 1000:.0f} ms"
                if durations
                else ""
            )
            outcomes = " ".join(
                f"{k}x{v}" for k, v in sorted(self.outcomes[kind].items())
            )
            parts.append(
                f"{kind} {self.rate(kind):.2f}/s [{outcomes or 'none'}{median}]"
            )
        return "; ".join(parts)


class Writer:
    """Each period: a draft save, a sign-up, and an enrollment of a student signed
    up by the writer, a third of a period apart.

    Open loop: each write starts on time in a thread of its own, whether or not the
    ones before it have finished (a slow sign-up does not lower the rate asked of
    the others). Enrollments take the students the sign-ups made, each once, in
    order; drafts go one at a time through the draft worker.
    """

    def __init__(self, base_url, drafts, courses, focus_course, run_id, args):
        self.kinds = [kind for kind in KINDS if kind in args.writes]
        self.base_url = base_url
        self.drafts = drafts
        self.courses = courses  # [(pk, path)] of live courses
        self.focus_course = focus_course  # the measured pages' course
        self.run_id = run_id
        self.period = 1 / args.rate
        self.random = random.Random(args.seed)
        # Numbers for draft labels and usernames, unique across measurements.
        self.draft_numbers, self.signup_numbers = itertools.count(), itertools.count()
        self.password = f"Mixed-{secrets.token_urlsafe(12)}-9"
        self.usernames, self.revisions = [], []
        self.enrolled = []  # (username, course pk)
        self.students = queue.Queue()  # (username, browser) signed up, not enrolled

    def sign_up_beforehand(self, count):
        """Students for the enrollments when sign-ups are not among the writes."""
        self.writes = Writes()
        for _ in range(count):
            self.sign_up()
        if self.students.qsize() < count:
            raise RuntimeError(f"signing up students failed: {self.writes.summary()}")

    def start(self):
        self.writes = Writes(self.kinds)
        self.stopping = threading.Event()
        self.in_flight = []
        self.started = time.monotonic()
        self.scheduler = threading.Thread(target=self._schedule, daemon=True)
        self.scheduler.start()

    def stop(self):
        """Start no more writes, wait for those under way; what was done."""
        self.stopping.set()
        self.writes.elapsed = time.monotonic() - self.started
        self.scheduler.join()
        for thread in self.in_flight:
            thread.join(timeout=120)
        return self.writes

    def _schedule(self):
        every = {
            "draft": self.draft,
            "sign-up": self.sign_up,
            "enrollment": self.enroll,
        }
        actions = [every[kind] for kind in self.kinds]
        tick = 0
        while True:
            for i, action in enumerate(actions):
                due = self.started + (tick + (i + 0.5) / len(actions)) * self.period
                if self.stopping.wait(max(0.0, due - time.monotonic())):
                    return
                thread = threading.Thread(target=action, daemon=True)
                thread.start()
                self.in_flight.append(thread)
            tick += 1

    def draft(self):
        started = time.monotonic()
        number = next(self.draft_numbers)
        if number % 2 == 0:
            pk = self.focus_course
        else:
            pk = self.random.choice(self.courses)[0]
        outcome, detail = self.drafts.save(pk, f"{self.run_id}-{number}")
        if outcome == "ok":
            self.revisions.append(int(detail))
        else:
            log(f"draft of page {pk} failed: {detail}")
        self.writes.record("draft", outcome, outcome == "ok", started)

    def sign_up(self):
        started = time.monotonic()
        opener, jar = browser()
        url = f"{self.base_url}/students/register/"
        status, body, _h = call(opener, url)
        token = csrf_token(body) if status == 200 else None
        if token is None:
            self.writes.record("sign-up", f"form {status}", False, started)
            return
        username = f"mix{self.run_id}n{next(self.signup_numbers)}"
        form = {
            "csrfmiddlewaretoken": token,
            "username": username,
            "email": f"{username}@example.com",
            "password1": self.password,
            "password2": self.password,
        }
        status, body, _h = call(opener, url, form, referer=url)
        logged_in = any(cookie.name == "sessionid" for cookie in jar)
        ok = status == 302 and logged_in
        if ok:
            self.usernames.append(username)
            self.students.put((username, opener))
        elif status == 200:
            errors = re.findall(rb'class="errorlist[^"]*"[^>]*>(.*?)</ul>', body, re.S)
            log(f"sign-up refused: {b' '.join(errors)[:300]!r}")
        self.writes.record("sign-up", status, ok, started)

    def enroll(self):
        started = time.monotonic()
        try:  # the sign-up of this period may still be under way
            username, student = self.students.get(timeout=30)
        except queue.Empty:
            self.writes.record("enrollment", "no student", False, started)
            return
        pk, path = self.random.choice(self.courses)
        status, body, _h = call(student, self.base_url + path)
        token = csrf_token(body) if status == 200 else None
        if token is None or f'name="course_id" value="{pk}"'.encode() not in body:
            self.writes.record("enrollment", f"page {status}", False, started)
            return
        status, _body, headers = call(
            student,
            f"{self.base_url}/students/enroll-course/",
            {"csrfmiddlewaretoken": token, "course_id": pk},
            referer=self.base_url + path,
        )
        location = urllib.parse.urlsplit(headers.get("Location", "")).path
        ok = status == 302 and location == path
        if ok:
            self.enrolled.append((username, pk))
        self.writes.record("enrollment", status, ok, started)


# --- Setting up ------------------------------------------------------------------


def live_courses(database):
    """[(pk, path)] of every live course, paths relative to the default site."""
    root = psql(
        "SELECT p.url_path FROM wagtailcore_site s JOIN wagtailcore_page p "
        "ON p.id = s.root_page_id WHERE s.is_default_site",
        database,
    ).stdout.strip()
    rows = psql(
        "SELECT p.id, p.url_path FROM wagtailcore_page p JOIN learning_coursepage c "
        "ON c.page_ptr_id = p.id WHERE p.live ORDER BY p.id",
        database,
    ).stdout.split()
    if not root or not rows:
        raise RuntimeError(f"no site root or no live course in {database}")
    courses = []
    for row in rows:
        pk, url_path = row.split("|")
        if url_path.startswith(root):
            courses.append((int(pk), "/" + url_path[len(root) :]))
    return courses


def chosen_pages(pages, wanted):
    if not wanted:
        return pages
    names = []
    for item in wanted:
        name = PAGES.get(item, item)
        if name not in pages:
            raise SystemExit(
                f"--pages: unknown page {item!r} (one of {', '.join(PAGES)})"
            )
        names.append(name)
    return {name: pages[name] for name in pages if name in names}


def scalar(sql, database):
    result = psql(sql, database)
    if result.returncode:
        raise RuntimeError(result.stderr)
    return int(result.stdout.strip() or 0)


def sql_list(values):
    return ",".join(str(int(v)) for v in values) or "NULL"


def check_writes(writer, database, base_url, focus_path):
    """What the database holds after the run, against what the writer counted."""
    # Only what this script made goes into the SQL: the run id's digits and pks.
    run_id, revision_ids = int(writer.run_id), sql_list(writer.revisions)
    marker = f"(draft {run_id}-"
    students = f"SELECT id FROM auth_user WHERE username LIKE 'mix{run_id}n%'"  # noqa: S608
    sql = {
        "users": f"SELECT count(*) FROM ({students}) AS s",  # noqa: S608
        "enrollments": "SELECT count(*) FROM classroom_enrollment"  # noqa: S608
        f" WHERE student_id IN ({students})",
        "revisions": "SELECT count(*) FROM wagtailcore_revision"  # noqa: S608
        f" WHERE id IN ({revision_ids})",
        "live titles": "SELECT count(*) FROM wagtailcore_page"  # noqa: S608
        f" WHERE title LIKE '%{marker}%'",
        "draft titles": "SELECT count(*) FROM wagtailcore_page"  # noqa: S608
        f" WHERE draft_title LIKE '%{marker}%'",
    }
    found = {name: scalar(query, database) for name, query in sql.items()}
    users, enrollments = found["users"], found["enrollments"]
    revisions = found["revisions"]
    live_titles, draft_titles = found["live titles"], found["draft titles"]
    _s, body, _h = call(browser()[0], base_url + focus_path)
    checks = [
        ("users signed up", len(writer.usernames), users),
        ("enrollments", len(writer.enrolled), enrollments),
        ("draft revisions", len(writer.revisions), revisions),
    ]
    lines = [
        f"- {name}: {counted} counted by the writer, {found} in the database"
        + ("" if counted == found else " (MISMATCH)")
        for name, counted, found in checks
    ]
    draft_shown = marker.encode() in body
    lines.append(
        f"- drafts: {draft_titles} pages with a draft title of this run, "
        f"{live_titles} live titles changed, draft title "
        f"{'SHOWN' if draft_shown else 'not shown'} on {focus_path}"
    )
    good = (
        all(counted == found for _n, counted, found in checks)
        and live_titles == 0
        and not draft_shown
    )
    return good, lines


# --- Measuring -------------------------------------------------------------------


def measure(args, processes, workdir):
    redis_url = start_redis(processes)
    env = app_environment(args, redis_url, None)
    # All sign-ups come from 127.0.0.1 (classroom.limits: SIGNUP_RATE per address).
    env["SIGNUP_RATE"] = args.signup_rate
    seed(env, args.database, args.reseed)
    base_url = start_app(args, processes, env)

    all_pages = discover(base_url)
    pages = chosen_pages(all_pages, args.pages)
    cookie = login(base_url)
    focus_path = all_pages["course overview"][0]
    contents_path = all_pages["/api/courses/<pk>/contents/"][0]
    focus_course = int(re.search(r"/api/courses/(\d+)/", contents_path).group(1))
    courses = live_courses(args.database)
    log(f"pages: {', '.join(path for path, _a in pages.values())}")
    log(f"{len(courses)} live courses to enroll in; drafts alternate {focus_path}")

    drafts = DraftWorker(env, processes, workdir) if "draft" in args.writes else None
    run_id = str(int(time.time()))
    writer = Writer(base_url, drafts, courses, focus_course, run_id, args)
    if "enrollment" in args.writes and "sign-up" not in args.writes:
        windows = len(pages) * args.rounds + 1  # and the writes alone
        count = math.ceil(windows * args.duration * args.rate) + 1
        log(f"signing up {count} students for the enrollments, before measuring")
        writer.sign_up_beforehand(count)
    cost = write_cost(writer, args.duration)
    log(
        f"writes alone: {cost['busy_ms']:.0f} ms of CPU a second on the machine "
        f"({cost['share']:.0%} of its {os.cpu_count()} cores; idle "
        f"{cost['idle_ms']:.0f} ms); {cost['writes'].summary()}"
    )
    rows = []
    for name, (path, needs_login) in pages.items():
        url = base_url + path
        page_cookie = cookie if needs_login else None
        check_page(url, page_cookie)
        wrk(url, args.connections, 1, page_cookie)  # warm-up
        rounds = []
        for number in range(args.rounds):
            # Alternate which goes first, so a drift of the machine's speed during
            # a round weighs on both sides alike.
            order = ("alone", "mixed") if number % 2 == 0 else ("mixed", "alone")
            result = {}
            for side in order:
                if side == "mixed":
                    writer.start()
                result[side] = wrk(url, args.connections, args.duration, page_cookie)
                if side == "mixed":
                    result["writes"] = writer.stop()
            rounds.append(result)
        check_page(url, page_cookie)
        rows.append(verdict(name, rounds, args.rate))
        row = rows[-1]
        alone, mixed = row["alone"], row["mixed"]
        log(
            f"{name:<28} read-only {alone['rps']:6.0f} rps p99 {alone['p99_ms']:6.1f} "
            f"ms | mixed {mixed['rps']:6.0f} rps p99 {mixed['p99_ms']:6.1f} ms | "
            f"{row['result']} (medians of {args.rounds} rounds; ratios per round: "
            f"{row['ratios']})"
        )
        log(f"  writer: {row['summary']}")
    good, checks = check_writes(writer, args.database, base_url, focus_path)
    for line in checks:
        log(line)
    return rows, good, checks, cost


def machine_busy_ms():
    """CPU time all cores have spent busy since boot (/proc/stat), in ms."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) * 1000 / os.sysconf("SC_CLK_TCK")


def write_cost(writer, duration):
    """What the writes cost the machine with no reads: its busy CPU time per second
    while they run, beside the same time idle just before."""
    before = machine_busy_ms()
    time.sleep(duration)
    idle_ms = (machine_busy_ms() - before) / duration
    writer.start()
    before = machine_busy_ms()
    time.sleep(duration)
    busy_ms = (machine_busy_ms() - before) / duration
    writes = writer.stop()
    return {
        "busy_ms": busy_ms,
        "idle_ms": idle_ms,
        "share": (busy_ms - idle_ms) / (1000 * os.cpu_count()),
        "writes": writes,
    }


def verdict(name, rounds, rate):
    """A page's figures: medians over the rounds; the verdict on the median of the
    rounds' ratios (each round's two sides measured back to back)."""
    med = statistics.median
    p99_ratios = [r["mixed"]["p99_ms"] / r["alone"]["p99_ms"] for r in rounds]
    rps_ratios = [r["mixed"]["rps"] / r["alone"]["rps"] for r in rounds]
    p99_ratio, rps_ratio = med(p99_ratios), med(rps_ratios)
    met = p99_ratio <= P99_LIMIT and rps_ratio >= RPS_LIMIT
    valid = all(r["writes"].valid(rate) for r in rounds)
    errors = any(r["alone"]["errors"] or r["mixed"]["errors"] for r in rounds)
    if not valid:
        result = "INVALID (writer)"
    elif errors:
        result = f"{'PASS' if met else 'FAIL'} (wrk errors)"
    else:
        result = "PASS" if met else "FAIL"
    side = {
        key: {
            "rps": med(r[key]["rps"] for r in rounds),
            "p99_ms": med(r[key]["p99_ms"] for r in rounds),
        }
        for key in ("alone", "mixed")
    }
    writes = rounds[-1]["writes"]
    return {
        "page": name,
        **side,
        "p99_ratio": p99_ratio,
        "rps_ratio": rps_ratio,
        "ratios": ", ".join(
            f"{rps:.0%} {p99:.2f}x"
            for rps, p99 in zip(rps_ratios, p99_ratios, strict=True)
        ),
        "rates": {
            kind: min(r["writes"].rate(kind) for r in rounds) for kind in writes.kinds
        },
        "summary": "; ".join(r["writes"].summary() for r in rounds),
        "result": result,
    }


# --- Reporting -------------------------------------------------------------------


def git(*args):
    result = subprocess.run(
        ["git", "-C", str(BASE_DIR), *args], capture_output=True, text=True
    )
    return result.stdout.strip()


def machine_note(load_before):
    model = ""
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = f" ({found.group(1).strip()})" if found else ""
    return f"{os.cpu_count()} cores{model}, load average before the run {load_before}"


def report(rows, good, checks, cost, args, load_before, seconds):
    dirty = (
        " (work tree with uncommitted changes)" if git("status", "--porcelain") else ""
    )
    commit = git("rev-parse", "--short", "HEAD")
    lines = [
        f"## {args.label}",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {commit}"
        f"{dirty}; {machine_note(load_before)}. Large demo on PostgreSQL, Redis, "
        f"gunicorn + {args.workers} uvicorn workers (educa.settings.production, "
        f"SIGNUP_RATE={args.signup_rate}); wrk {args.connections} connections, "
        f"{args.duration} s per measurement after a 1 s warm-up, {args.rounds} rounds "
        f"a page of read-only and mixed back to back (the order alternating), mixed "
        f"with {args.rate:g} {', '.join(args.writes)} per second; the figures are "
        f"the rounds' medians. PASS: the median of the rounds' ratios, mixed p99 <= "
        f"{P99_LIMIT}x read-only and req/s >= {RPS_LIMIT:.0%}. "
        f"Run took {seconds:.0f} s.",
        "",
        f"The writes alone (no reads, {args.duration} s): the machine busy "
        f"{cost['busy_ms']:.0f} ms of CPU a second (idle before: "
        f"{cost['idle_ms']:.0f} ms), {cost['share']:.1%} of its {os.cpu_count()} "
        f"cores; {cost['writes'].summary()}.",
        "",
        "| page | read-only req/s | read-only p99 ms | mixed req/s | mixed p99 ms | "
        "req/s ratio | p99 ratio | ratios per round (req/s, p99) | drafts/s | "
        "sign-ups/s | enrollments/s | result |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        alone, mixed, rates = r["alone"], r["mixed"], r["rates"]
        lines.append(
            f"| {r['page']} | {alone['rps']:.0f} | {alone['p99_ms']:.1f} | "
            f"{mixed['rps']:.0f} | {mixed['p99_ms']:.1f} | {r['rps_ratio']:.0%} | "
            f"{r['p99_ratio']:.2f}x | {r['ratios']} | "
            + " | ".join(
                f"{rates[kind]:.2f}" if kind in rates else "-" for kind in KINDS
            )
            + f" | {r['result']} |"
        )
    lines += ["", "Writer per page (outcome x count, median time of a good write):", ""]
    lines += [f"- {r['page']}: {r['summary']}" for r in rows]
    lines += ["", "Writes checked in the database after the run:", "", *checks]
    if not good:
        lines += ["", "**The writes do not match the database: the run is not valid.**"]
    passed = all(r["result"] == "PASS" for r in rows) and good
    lines += ["", f"Target: **{'met' if passed else 'not met'}**."]
    return "\n".join(lines)


def save_section(section, label):
    """Replace `## <label>` in bench/mixed_load.md (or add it); keep the rest."""
    title = "# Mixed load: reads while drafts, sign-ups and enrollments happen\n\n"
    text = RESULTS.read_text() if RESULTS.exists() else title
    pattern = re.compile(rf"^## {re.escape(label)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section.rstrip() + "\n\n", text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section.rstrip() + "\n"
    RESULTS.write_text(text.rstrip() + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="educa_bench")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--port", type=int, default=8017)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=3, help="read-only/mixed pairs per page"
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="PAGE",
        help=f"only these pages: {', '.join(PAGES)}",
    )
    parser.add_argument(
        "--rate", type=float, default=1.0, help="writes of each kind per second"
    )
    parser.add_argument(
        "--writes",
        nargs="+",
        choices=KINDS,
        default=list(KINDS),
        help="the writer's kinds of writes (default: all three)",
    )
    parser.add_argument("--signup-rate", default="1000000/hour")
    parser.add_argument("--seed", type=int, default=6, help="random courses' seed")
    parser.add_argument(
        "--label", default="latest", help="section of bench/mixed_load.md to write"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (or run bench/run.py)")

    started = time.monotonic()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    workdir = Path(tempfile.mkdtemp(prefix="educa-mixed-"))
    processes = Processes(workdir)
    try:
        rows, good, checks, cost = measure(args, processes, workdir)
    finally:
        processes.stop_all()
    section = report(
        rows,
        good,
        checks,
        cost,
        args,
        " ".join(load_before),
        time.monotonic() - started,
    )
    print()
    print(section)
    save_section(section, args.label)
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"written to {RESULTS.relative_to(BASE_DIR)} under '## {args.label}'")
    return 0 if all(r["result"] == "PASS" for r in rows) and good else 1


if __name__ == "__main__":
    sys.exit(main())
