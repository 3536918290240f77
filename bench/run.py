#!/usr/bin/env python
"""Load test of Educa: `make bench` (or `python bench/run.py`).

By default it
  1. seeds `load_demo --size large` into a PostgreSQL database of its own
     (educa_bench; kept between runs, --reseed to rebuild),
  2. starts its own redis-server, the production server (gunicorn + uvicorn
     workers, educa/gunicorn.conf.py) and nginx: the front cache of deploy/nginx/ on
     one port and, on another, a static copy of the catalogue's HTML (the ceiling),
  3. installs wrk and nginx with apt-get when they are missing,
  4. measures requests per second and p50/p99 latency at 16 and 64 connections for
     the catalogue, a subject, a course overview, a module page as an enrolled
     student, /api/courses/ and /api/courses/<pk>/contents/, then the static ceiling
     and the front-cached catalogue and course pages,
  5. counts SQL queries and response sizes with Django's test client,
  6. prints a table (also written to bench/results.md and bench/results.json) and
     stops everything it started.

`--base-url URL` measures a server that is already running instead (the same pages,
found through its API; the student must exist there: the large demo's learner1).
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STUDENT, PASSWORD = "learner1", "pass-word-123"  # the large demo's accounts
PURGE_MODULE = "/usr/lib/nginx/modules/ngx_http_cache_purge_module.so"


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Tools and processes ---------------------------------------------------------


def ensure_tools():
    """wrk and nginx (with the cache-purge module) from Debian, when missing."""
    missing = []
    if not shutil.which("wrk"):
        missing.append("wrk")
    if not shutil.which("nginx"):
        missing.append("nginx-light")
    if not Path(PURGE_MODULE).exists():
        missing.append("libnginx-mod-http-cache-purge")
    if not missing:
        return
    log(f"installing {' '.join(missing)} with apt-get")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, env=env
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Everything the benchmark starts, stopped in reverse order at the end."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.started = []

    def start(self, name, args, env=None, cwd=BASE_DIR):
        logfile = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: workers die with it
        )
        self.started.append((name, process, logfile))
        return process

    def stop_all(self):
        for name, process, logfile in reversed(self.started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            logfile.close()
            log(f"stopped {name}")
        self.started = []


def wait_for(url, timeout=90, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


# --- The application under test --------------------------------------------------


def manage(args, env, check=True):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def psql(sql, database="postgres", host="127.0.0.1", port="5432"):
    return subprocess.run(
        ["psql", "-h", host, "-p", port, "-U", "postgres", "-tAq", "-c", sql, database],
        capture_output=True,
        text=True,
    )


def seed(env, database, reseed):
    """The large demo in its own database, made once and reused afterwards."""
    count = psql("SELECT count(*) FROM learning_coursepage", database)
    if reseed or count.returncode != 0 or int(count.stdout.strip() or 0) < 2000:
        log(f"seeding the large demo into PostgreSQL database {database}")
        psql(f'DROP DATABASE IF EXISTS "{database}"')
        created = psql(f'CREATE DATABASE "{database}"')
        if created.returncode != 0:
            raise RuntimeError(created.stderr)
        started = time.monotonic()
        manage(["migrate", "--noinput", "-v0"], env)
        migrated = time.monotonic()
        result = manage(["load_demo", "--size", "large"], env)
        psql("ANALYZE", database)  # fresh planner statistics after the bulk load
        log(
            f"migrate {migrated - started:.0f} s, load_demo --size large "
            f"{time.monotonic() - migrated:.0f} s: {result.stdout.strip()[-200:]}"
        )
    else:
        log(f"reusing the large demo in {database} (--reseed to rebuild)")


def app_environment(args, redis_url, front_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "educa.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "API_ANON_RATE": "100000000/minute",
        "WEB_CONCURRENCY": str(args.workers),
        "BIND": f"127.0.0.1:{args.port}",
        "LOG_LEVEL": "ERROR",
    }
    if front_url:
        env["FRONTEND_CACHE_URL"] = front_url
    return env


def start_redis(processes):
    """A redis-server of the benchmark's own on a free port; its URL."""
    redis_port = free_port()
    processes.start(
        "redis",
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--maxmemory", "512mb",
         "--maxmemory-policy", "allkeys-lru"],
    )  # fmt: skip
    return f"redis://127.0.0.1:{redis_port}/0"


def start_app(args, processes, env):
    """collectstatic, then the production server (gunicorn + uvicorn workers) on
    args.port with `env`; its base URL once it answers."""
    manage(["collectstatic", "--noinput", "-v0"], env)
    base_url = f"http://127.0.0.1:{args.port}"
    app = processes.start(
        "gunicorn",
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "educa/gunicorn.conf.py",
         "educa.asgi:application"],
        env=env,
    )  # fmt: skip
    wait_for(f"{base_url}/courses/", process=app)
    log(f"production server up at {base_url} ({args.workers} workers)")
    return base_url


def nginx_config(workdir, app_port, front_port, static_port, static_root):
    deploy = BASE_DIR / "deploy" / "nginx"
    return f"""
load_module {PURGE_MODULE};
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    default_type text/html;
    keepalive_requests 100000;
    proxy_cache_path {workdir}/nginx-cache levels=1:2 keys_zone=educa:20m
                     max_size=1g inactive=1h use_temp_path=off;
    include {deploy}/front-cache-maps.conf;
    upstream educa_app {{ server 127.0.0.1:{app_port}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{front_port};
        location / {{
            proxy_pass http://educa_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            include {deploy}/front-cache.conf;
        }}
        include {deploy}/front-cache-purge.conf;
    }}
    server {{
        listen 127.0.0.1:{static_port};
        root {static_root};
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


# --- HTTP helpers ----------------------------------------------------------------


def fetch(url, data=None, headers=None, opener=None):
    # Only the http URLs this script builds.
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    with (opener or urllib.request.build_opener()).open(request, timeout=30) as r:
        return r.status, r.read(), r.headers


def basic_auth(user, password):
    token = b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def login(base_url):
    """The demo student's cookies, through the site's login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _status, body, _headers = fetch(f"{base_url}/accounts/login/", opener=opener)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode(
        {
            "username": STUDENT,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.decode(),
        }
    ).encode()
    fetch(
        f"{base_url}/accounts/login/",
        data=form,
        headers={"Referer": f"{base_url}/accounts/login/"},
        opener=opener,
    )
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"could not log in as {STUDENT} at {base_url}")
    # What a browser sends back: the session and the CSRF cookie.
    return "; ".join(f"{name}={value}" for name, value in sorted(cookies.items()))


def path_of(url):
    return urllib.parse.urlsplit(url).path


def discover(base_url):
    """The pages to measure, found through the API like any client would."""
    auth = basic_auth(STUDENT, PASSWORD)
    _s, body, _h = fetch(f"{base_url}/api/me/courses/", headers=auth)
    mine = json.loads(body)["results"]
    if mine:
        course_id = mine[0]["course"]["id"]
    else:
        _s, body, _h = fetch(f"{base_url}/api/courses/")
        course_id = json.loads(body)["results"][0]["id"]
        fetch(f"{base_url}/api/courses/{course_id}/enroll/", data=b"", headers=auth)
    _s, body, _h = fetch(f"{base_url}/api/v2/pages/{course_id}/")
    course = json.loads(body)
    _s, body, _h = fetch(f"{base_url}/api/v2/pages/{course['meta']['parent']['id']}/")
    subject = json.loads(body)
    _s, body, _h = fetch(f"{base_url}/api/v2/pages/?child_of={course_id}&limit=1")
    module = json.loads(body)["items"][0]
    return {
        "catalogue": ("/courses/", False),
        "subject page": (path_of(subject["meta"]["html_url"]), False),
        "course overview": (path_of(course["meta"]["html_url"]), False),
        "module (enrolled)": (path_of(module["meta"]["html_url"]), True),
        "/api/courses/": ("/api/courses/", False),
        "/api/courses/<pk>/contents/": (f"/api/courses/{course_id}/contents/", True),
    }


# --- Measuring -------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_latency(text):
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * UNITS[unit]


def wrk(url, connections, duration, cookie=None, threads=2):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
               "--timeout", "10s", "--latency"]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    nan = float("nan")  # no request finished: no latency to report
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": parse_latency(latency["50"]) if "50" in latency else nan,
        "p99_ms": parse_latency(latency["99"]) if "99" in latency else nan,
        "errors": (int(bad.group(1)) if bad else 0)
        + (int(timeouts.group(1)) if timeouts else 0),
    }


def check_page(url, cookie):
    headers = {"Cookie": cookie} if cookie else {}
    status, body, response_headers = fetch(url, headers=headers)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    return len(body), response_headers


def page_stats(env, pages):
    """SQL queries (first and second request) and response size per page."""
    result = subprocess.run(
        [PYTHON, str(BASE_DIR / "bench" / "page_stats.py"), json.dumps(pages)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        log(f"query counting failed: {result.stderr[-2000:]}")
        return {}
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(args, processes, workdir):
    front_url = static_url = None
    stats = {}
    if args.base_url:
        base_url = args.base_url.rstrip("/")
    else:
        ensure_tools()
        redis_url = start_redis(processes)
        front_port, static_port = args.front_port, args.static_port
        front_url = f"http://127.0.0.1:{front_port}"
        env = app_environment(args, redis_url, front_url)
        seed(env, args.database, args.reseed)
        base_url = start_app(args, processes, env)

    pages = discover(base_url)
    cookie = login(base_url)
    log("pages: " + ", ".join(path for path, _auth in pages.values()))

    # The ceiling: the catalogue's own HTML as a static file served by nginx.
    static_root = workdir / "static-copy"
    static_root.mkdir(exist_ok=True)
    _s, catalogue_html, _h = fetch(f"{base_url}/courses/")
    (static_root / "catalogue.html").write_bytes(catalogue_html)
    if not args.base_url:
        stats = page_stats(env, {name: list(v) for name, v in pages.items()})
    if shutil.which("nginx"):
        config = workdir / "nginx.conf"
        app_port = urllib.parse.urlsplit(base_url).port or 80
        front_port = args.front_port if not args.base_url else free_port()
        static_port = args.static_port if not args.base_url else free_port()
        config.write_text(
            nginx_config(workdir, app_port, front_port, static_port, static_root)
        )
        nginx = processes.start(
            "nginx", ["nginx", "-c", str(config), "-p", str(workdir)]
        )
        static_url = f"http://127.0.0.1:{static_port}"
        front_url = f"http://127.0.0.1:{front_port}"
        wait_for(f"{static_url}/catalogue.html", process=nginx)

    rows = []

    def run(name, url, cookie_header, kind):
        size, headers = check_page(url, cookie_header)
        # Warm up: fill caches and pools, then measure.
        wrk(url, 16, 1, cookie_header)
        for connections in args.connections:
            result = wrk(url, connections, args.duration, cookie_header)
            result.update(
                page=name,
                kind=kind,
                connections=connections,
                bytes=size,
                cache=headers.get("X-Cache-Status", ""),
                **stats.get(name, {}),
            )
            rows.append(result)
            log(
                f"{kind:<6} {name:<28} c={connections:<3} {result['rps']:8.0f} rps "
                f"p50 {result['p50_ms']:6.2f} ms p99 {result['p99_ms']:6.2f} ms"
            )

    if static_url:
        run("catalogue (static copy)", f"{static_url}/catalogue.html", None, "static")
    for name, (path, needs_login) in pages.items():
        run(name, base_url + path, cookie if needs_login else None, "app")
    if front_url and static_url:
        for name in ("catalogue", "course overview"):
            run(name, front_url + pages[name][0], None, "front")
        if not args.base_url:
            check_purge(env, front_url, pages["course overview"][0])
    return rows


PUBLISH = """
from learning.models import CoursePage
page = CoursePage.objects.get(url_path__endswith={path!r})
page.save_revision().publish()
"""


def check_purge(env, front_url, path):
    """Publish the course through Django: Wagtail must PURGE it from nginx."""
    _s, _b, before = fetch(front_url + path)
    result = manage(["shell", "-c", PUBLISH.format(path=path)], env, check=False)
    if result.returncode or result.stderr.strip():
        log(f"publishing said: {(result.stdout + result.stderr)[-1500:]}")
    _s, _b, after = fetch(front_url + path)
    log(
        f"front cache purge on publish: X-Cache-Status {before['X-Cache-Status']} "
        f"before, {after['X-Cache-Status']} after publishing {path}"
    )


def table(rows, args):
    ceiling = {r["connections"]: r["rps"] for r in rows if r["kind"] == "static"}
    lines = [
        "| server | page | conns | req/s | p50 ms | p99 ms | % of static | "
        "SQL (1st/2nd) | bytes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        share = r["rps"] / ceiling[r["connections"]] * 100 if ceiling else None
        queries = (
            f"{r['queries_first']}/{r['queries_second']}"
            if "queries_first" in r
            else ""
        )
        errors = f" ({r['errors']} errors)" if r["errors"] else ""
        lines.append(
            f"| {r['kind']} | {r['page']}{errors} | {r['connections']} | "
            f"{r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{'' if share is None else f'{share:.{0 if share >= 10 else 1}f}%'} | "
            f"{queries} | {r['bytes']} |"
        )
    header = (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, wrk {args.duration} s "
        f"per row, app: {args.base_url or f'gunicorn + {args.workers} uvicorn workers'}"
        ", PostgreSQL, Redis"
    )
    return header + "\n\n" + "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="measure this running server instead")
    parser.add_argument("--database", default="educa_bench")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--port", type=int, default=8007)
    parser.add_argument("--front-port", type=int, default=8080)
    parser.add_argument("--static-port", type=int, default=8081)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    args = parser.parse_args()

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="educa-bench-"))
    workdir.chmod(0o755)  # nginx's workers run as an unprivileged user
    processes = Processes(workdir)
    try:
        rows = measure(args, processes, workdir)
    finally:
        processes.stop_all()
    report = table(rows, args)
    print()
    print(report)
    (BASE_DIR / "bench" / "results.md").write_text(report + "\n")
    (BASE_DIR / "bench" / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
