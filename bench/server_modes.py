#!/usr/bin/env python
"""Which production server to run: `python bench/server_modes.py`.

Starts the production server in each mode in turn, with 2 HTTP worker processes
each time, on its own Redis, PostgreSQL database (`educa_bench_modes`, the large
demo of bench/run.py, seeded once and reused) and ports:

  pooled             gunicorn + uvicorn workers, educa.asgi as `make serve` runs
                     it: HTTP through educa.handlers' PooledSyncASGIHandler (the
                     whole request on a thread of the worker's own pool,
                     --threads), websockets on the same workers
  stock              the same workers, HTTP through Django's own ASGIHandler
                     (django.core.asgi.get_asgi_application)
  pooled-split       make serve's workers for the pages, websockets on a
                     uvicorn process of their own (gunicorn, one uvicorn worker,
                     educa.asgi), as nginx would route `/ws/`
  pooled-split-nice  the same with the page workers at a lower CPU priority
  wsgi-gthread       gunicorn gthread workers (--threads) serving educa.wsgi;
                     websockets on a uvicorn process of their own (gunicorn, one
                     uvicorn worker, educa.asgi)
  wsgi-gthread-nice  the same with the HTTP workers at a lower CPU priority
                     (nice --nice): the chat's process gets the CPU first

and measures, with wrk (16 connections, 8 s after a 1 s warm-up): the catalogue, a
course page and an enrolled student's module page (req/s, p50, p99); then the chat's
message round trip (bench/chat_load.py: 50 members in 5 rooms, 1 message a second
each) alone, and again while wrk loads the catalogue for the whole time the members
send. Rounds interleave the modes (a b c d a b c d) so a drift of the machine falls
on every mode; the table shows the median of the rounds. It prints the table,
writes bench/server_modes.md and stops everything it started.

The HTTP ports are measured directly (no nginx in front): in the WSGI modes, pages
on gunicorn's port and the chat on the uvicorn process's port, as nginx would route
`/ws/` and the rest.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # noqa: E402 - bench/ is not a package
    BASE_DIR,
    PYTHON,
    Processes,
    app_environment,
    check_page,
    discover,
    free_port,
    log,
    login,
    manage,
    seed,
    wait_for,
    wrk,
)

GUNICORN = str(Path(PYTHON).parent / "gunicorn")
CONFIG = "educa/gunicorn.conf.py"
UVICORN_WORKER = "educa.workers.UvicornWorker"
PAGES = ("catalogue", "course overview", "module (enrolled)")
CHAT_LATENCY = re.compile(r"latency p50 ([\d.na]+) ms, p99 ([\d.na]+) ms")


# --- The ASGI application of the stock mode (gunicorn imports it) ----------------


def asgi_app(http):
    """The site's ASGI application with Django's own handler serving HTTP.

    gunicorn loads it as `bench.server_modes:asgi_app('stock')`; the websocket side
    is the production one (educa.asgi), so only the HTTP handler differs.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educa.settings.production")
    import django

    django.setup(set_prefix=False)
    from channels.routing import ProtocolTypeRouter
    from django.core.asgi import get_asgi_application

    from educa.asgi import application as production

    return ProtocolTypeRouter(
        {
            "http": get_asgi_application(),
            "websocket": production.application_mapping["websocket"],
        }
    )


# --- Modes -----------------------------------------------------------------------


def mode_commands(mode, port, ws_port, args):
    """(HTTP server command, websocket server command or None) for `mode`."""
    gunicorn = [GUNICORN, "-c", CONFIG, "-w", str(args.workers)]
    bind = ["-b", f"127.0.0.1:{port}"]
    if mode == "pooled":
        return [*gunicorn, *bind, "-k", UVICORN_WORKER, "educa.asgi:application"], None
    if mode == "stock":
        app = "bench.server_modes:asgi_app('stock')"
        return [*gunicorn, *bind, "-k", UVICORN_WORKER, app], None
    # "-nice": the pages' processes yield the CPU to the chat's when both want it.
    nice = ["nice", "-n", str(args.nice)] if mode.endswith("-nice") else []
    if mode.startswith("pooled-split"):
        asgi = ["-k", UVICORN_WORKER, "educa.asgi:application"]
        http = [*nice, *gunicorn, *bind, *asgi]
    else:
        worker = ["-k", "gthread", "--threads", str(args.threads)]
        http = [*nice, *gunicorn, *bind, *worker, "educa.wsgi:application"]
    websockets = [
        GUNICORN, "-c", CONFIG, "-w", str(args.ws_workers),
        "-b", f"127.0.0.1:{ws_port}", "-k", UVICORN_WORKER, "educa.asgi:application",
    ]  # fmt: skip
    return http, websockets


MODE_LABELS = {
    "pooled": "(a) make serve: PooledSyncASGIHandler (uvicorn workers)",
    "stock": "(b) Django's ASGIHandler (uvicorn workers)",
    "pooled-split": "(a') make serve's workers for pages; /ws/ on uvicorn",
    "pooled-split-nice": "(a') the same, page workers niced; /ws/ on uvicorn",
    "wsgi-gthread": "(c) WSGI, gunicorn gthread workers; /ws/ on uvicorn",
    "wsgi-gthread-nice": "(c') WSGI gthread workers, niced; /ws/ on uvicorn",
}


# --- A quiet machine -------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _processes():
    """{pid: (parent pid, command name, CPU seconds incl. reaped children)}."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        cpu = sum(int(value) for value in fields[11:15]) / TICK
        table[int(entry.name)] = (int(fields[1]), name, cpu)
    return table


def snapshot():
    """(time, busy CPU seconds of the machine, of this run's processes, of PostgreSQL).

    PostgreSQL serves this run (the chat stores its messages) as well as anybody
    else's, so it counts as neither ours nor foreign.
    """
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:8]]
    busy = (sum(values) - values[3] - values[4]) / TICK  # all but idle and iowait
    table = _processes()
    children = {}
    for pid, (parent, _name, _cpu) in table.items():
        children.setdefault(parent, []).append(pid)
    ours, stack = 0.0, [os.getpid()]
    while stack:
        pid = stack.pop()
        ours += table.get(pid, (0, "", 0.0))[2]
        stack.extend(children.get(pid, ()))
    postgres = sum(cpu for _p, name, cpu in table.values() if name == "postgres")
    return time.monotonic(), busy, ours, postgres


def foreign_cores(before, after):
    """Cores' worth of CPU that other people's processes used between snapshots."""
    (time0, busy0, ours0, pg0), (time1, busy1, ours1, pg1) = before, after
    used = (busy1 - busy0) - (ours1 - ours0) - (pg1 - pg0)
    return max(0.0, used) / (time1 - time0)


def wait_until_quiet(args):
    """Wait until other processes leave the machine (almost) alone."""
    waited = time.monotonic()
    while True:
        before = snapshot()
        time.sleep(3)
        used = foreign_cores(before, snapshot())
        if used <= args.max_foreign:
            return
        if time.monotonic() - waited > args.quiet_timeout:
            log(f"still {used:.2f} cores busy with other work: measuring anyway")
            return
        log(f"waiting for a quiet machine: {used:.2f} cores busy with other work")
        time.sleep(20)


# --- Measuring -------------------------------------------------------------------


def chat_command(args, plan, ws_url):
    return [
        PYTHON, str(BASE_DIR / "bench" / "chat_load.py"), "--plan", str(plan),
        "--url", ws_url, "--messages", str(args.chat_messages),
        "--rate", str(args.chat_rate), "--settle", str(args.chat_settle),
    ]  # fmt: skip


def parse_chat(output):
    latency = CHAT_LATENCY.search(output)
    lost = re.search(r"^lost (-?\d+)", output, re.MULTILINE)
    refused = re.search(r"refused (\d+)", output)
    if not latency:
        raise RuntimeError(f"chat_load said:\n{output[-3000:]}")
    return {
        "p50_ms": float(latency.group(1)),
        "p99_ms": float(latency.group(2)),
        "lost": int(lost.group(1)) if lost else None,
        "refused": int(refused.group(1)) if refused else None,
    }


def chat_alone(args, env, plan, ws_url):
    result = subprocess.run(
        chat_command(args, plan, ws_url),
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return parse_chat(result.stdout + result.stderr)


def chat_under_load(args, env, plan, ws_url, page_url):
    """The chat's round trip while wrk loads `page_url` all the time members send."""
    chat = subprocess.Popen(
        chat_command(args, plan, ws_url),
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = []
        for line in chat.stdout:
            seen.append(line)
            if "connected in" in line:
                break
        else:
            raise RuntimeError("chat_load exited early:\n" + "".join(seen)[-3000:])
        # Members start sending after the settle time; cover it, the sending and
        # a margin for the last deliveries.
        duration = round(args.chat_settle + args.chat_messages / args.chat_rate + 2)
        load = wrk(page_url, args.connections, duration)
        rest, _ = chat.communicate(timeout=300)
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
    return parse_chat("".join(seen) + rest), load


def measure_mode(mode, args, env_base, plan, workdir):
    processes = Processes(workdir)
    port, ws_port = free_port(), free_port()
    before = snapshot()
    try:
        redis_port = free_port()
        processes.start(
            f"{mode}-redis",
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--maxmemory", "512mb",
             "--maxmemory-policy", "allkeys-lru"],
        )  # fmt: skip
        env = {
            **env_base,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "HTTP_THREADS": str(args.threads),
        }
        http_command, ws_command = mode_commands(mode, port, ws_port, args)
        http = processes.start(f"{mode}-http", http_command, env=env)
        base_url = f"http://127.0.0.1:{port}"
        ws_url = f"ws://127.0.0.1:{port}"
        wait_for(f"{base_url}/courses/", process=http)
        if ws_command:
            ws = processes.start(f"{mode}-ws", ws_command, env=env)
            wait_for(f"http://127.0.0.1:{ws_port}/courses/", process=ws)
            ws_url = f"ws://127.0.0.1:{ws_port}"
        log(f"{mode}: up at {base_url}, websockets at {ws_url}")

        found = discover(base_url)
        cookie = login(base_url)
        result = {"mode": mode}
        for name in PAGES:
            path, needs_login = found[name]
            url = base_url + path
            check_page(url, cookie if needs_login else None)
            wrk(url, args.connections, 1, cookie if needs_login else None)
            row = wrk(
                url, args.connections, args.duration, cookie if needs_login else None
            )
            result[name] = row
            log(
                f"{mode:<12} {name:<18} {row['rps']:7.0f} req/s p50 "
                f"{row['p50_ms']:6.2f} ms p99 {row['p99_ms']:6.2f} ms"
                + (f" ({row['errors']} errors)" if row["errors"] else "")
            )
        result["chat alone"] = chat_alone(args, env, plan, ws_url)
        chat, load = chat_under_load(
            args, env, plan, ws_url, base_url + found["catalogue"][0]
        )
        result["chat under load"] = chat
        result["catalogue during chat"] = load
        for name in ("chat alone", "chat under load"):
            row = result[name]
            log(
                f"{mode:<12} {name:<18} p50 {row['p50_ms']:6.1f} ms p99 "
                f"{row['p99_ms']:6.1f} ms lost {row['lost']} refused {row['refused']}"
            )
        log(f"{mode:<12} catalogue meanwhile {load['rps']:7.0f} req/s")
        result["foreign"] = foreign_cores(before, snapshot())
        return result
    except Exception:
        for name, _process, _logfile in processes.started:
            text = (workdir / f"{name}.log").read_text(errors="replace")
            log(f"{name} said:\n{text[-3000:]}")
        raise
    finally:
        processes.stop_all()


def quiet_measure(mode, args, env, plan, workdir):
    """measure_mode on a quiet machine: again when other work took the CPU."""
    for attempt in range(1, args.attempts + 1):
        wait_until_quiet(args)
        result = measure_mode(mode, args, env, plan, workdir)
        if result["foreign"] <= args.max_foreign:
            break
        log(
            f"{mode}: other processes used {result['foreign']:.2f} cores meanwhile "
            f"(attempt {attempt}/{args.attempts})"
            + (": measuring again" if attempt < args.attempts else ": keeping it")
        )
    return result


# --- Report ----------------------------------------------------------------------


def median(results, name, key):
    values = [r[name][key] for r in results if r[name][key] is not None]
    return statistics.median(values) if values else float("nan")


def spread(results, name, key, digits=0):
    values = sorted(r[name][key] for r in results)
    text = f"{statistics.median(values):.{digits}f}"
    if len(values) > 1:
        text += f" ({values[0]:.{digits}f}-{values[-1]:.{digits}f})"
    return text


def verdict(by_mode, limit):
    """The fastest mode for pages among those keeping the chat's p99 under limit."""
    passing = [
        mode
        for mode, results in by_mode.items()
        if median(results, "chat under load", "p99_ms") < limit
    ]
    if not passing:
        return None, passing

    def pages_score(mode):
        # Relative to the best mode on each page, so one page does not outweigh.
        return sum(
            median(by_mode[mode], page, "rps")
            / max(median(r, page, "rps") for r in by_mode.values())
            for page in PAGES
        )

    return max(passing, key=pages_score), passing


def report(by_mode, args, started_load, finished_load, seconds):
    rounds = len(next(iter(by_mode.values())))
    lines = [
        f"# Server modes, {time.strftime('%Y-%m-%d')}",
        "",
        f"`{' '.join(['python', 'bench/server_modes.py', *sys.argv[1:]])}` "
        f"({seconds / 60:.0f} min): {os.cpu_count()} cores, load average "
        f"{started_load:.2f} at the start and {finished_load:.2f} at the end; "
        f"PostgreSQL database `{args.database}` with `load_demo --size large` "
        "(2,000 courses, 20,000 modules, 10,000 students), a Redis of its own per "
        f"mode, {args.workers} HTTP worker processes in every mode, wrk "
        f"{args.connections} connections {args.duration} s per page after a 1 s "
        f"warm-up, median of {rounds} rounds (range in brackets).",
        "",
        f"Chat: bench/chat_load.py, {args.chat_clients} members in "
        f"{args.chat_rooms} rooms, each sending {args.chat_messages} messages at "
        f"{args.chat_rate:g}/s; *alone* with no other load, *under load* while "
        f"wrk ({args.connections} connections) loads the catalogue for the whole "
        "time they send. WSGI modes: websockets on their own process (gunicorn, "
        f"{args.ws_workers} uvicorn worker, educa.asgi); {args.threads} HTTP "
        "threads per worker (gthread, or HTTP_THREADS); *-nice*: HTTP workers at nice "
        f"{args.nice}.",
        "",
        "| mode | page | req/s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for mode, results in by_mode.items():
        for page in PAGES:
            lines.append(
                f"| {MODE_LABELS[mode]} | {page} | {spread(results, page, 'rps')} | "
                f"{spread(results, page, 'p50_ms', 1)} | "
                f"{spread(results, page, 'p99_ms', 1)} |"
            )
        for name in ("chat alone", "chat under load"):
            lost = sum(r[name]["lost"] or 0 for r in results)
            lines.append(
                f"| {MODE_LABELS[mode]} | {name}"
                + (f" ({lost} lost)" if lost else "")
                + f" |  | {spread(results, name, 'p50_ms', 1)} | "
                f"{spread(results, name, 'p99_ms', 1)} |"
            )
        lines.append(
            f"| {MODE_LABELS[mode]} | catalogue while the chat runs | "
            f"{spread(results, 'catalogue during chat', 'rps')} | "
            f"{spread(results, 'catalogue during chat', 'p50_ms', 1)} | "
            f"{spread(results, 'catalogue during chat', 'p99_ms', 1)} |"
        )
    best, passing = verdict(by_mode, args.chat_p99_limit)
    foreign = "; ".join(
        f"{mode} " + ", ".join(f"{r['foreign']:.2f}" for r in results)
        for mode, results in by_mode.items()
    )
    lines += [
        "",
        f"Other processes' CPU while each mode ran, in cores (per round): {foreign}.",
        "",
        f"Chat p99 under load below {args.chat_p99_limit:g} ms: "
        + (", ".join(passing) or "no mode")
        + (f". Fastest for pages among them: **{best}**." if best else "."),
    ]
    return "\n".join(lines)


# --- Set-up ----------------------------------------------------------------------


def prepare(args, workdir):
    """The database (seeded once), static files, and the chat's members."""
    if not shutil.which("wrk"):
        log("installing wrk with apt-get")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=apt_env)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=apt_env
        )
    settings = SimpleNamespace(database=args.database, workers=args.workers, port=0)
    env = app_environment(settings, "", None)
    del env["REDIS_URL"], env["BIND"]  # per mode; the command lines bind
    media = Path(tempfile.gettempdir()) / f"{args.database}-media"
    env.update(
        # The demo's images belong with the database: kept between runs.
        MEDIA_ROOT=str(media),
        STATIC_ROOT=str(workdir / "static"),
        PYTHONPATH=str(BASE_DIR),
    )
    if not media.exists():
        args.reseed = True
    seed(env, args.database, args.reseed)
    media.mkdir(exist_ok=True)
    manage(["migrate", "--noinput", "-v0"], env)  # code may have moved on since
    manage(["collectstatic", "--noinput", "-v0"], env)
    plan = workdir / "chat-plan.json"
    subprocess.run(
        [PYTHON, str(BASE_DIR / "bench" / "chat_load.py"), "--setup",
         "--clients", str(args.chat_clients), "--rooms", str(args.chat_rooms),
         "--prefix", "modes", "--plan", str(plan)],
        cwd=BASE_DIR, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return env, plan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=list(MODE_LABELS))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database", default="educa_bench_modes")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ws-workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="HTTP threads a worker")
    parser.add_argument("--nice", type=int, default=10, help="-nice modes' HTTP")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--chat-clients", type=int, default=50)
    parser.add_argument("--chat-rooms", type=int, default=5)
    parser.add_argument("--chat-messages", type=int, default=20)
    parser.add_argument("--chat-rate", type=float, default=1.0)
    parser.add_argument("--chat-settle", type=float, default=2.0)
    parser.add_argument("--chat-p99-limit", type=float, default=50.0)
    parser.add_argument(
        "--max-foreign",
        type=float,
        default=0.1,
        help="cores' worth of CPU other processes may use during a mode",
    )
    parser.add_argument("--attempts", type=int, default=4)
    parser.add_argument("--quiet-timeout", type=float, default=300)
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "server_modes.md"))
    args = parser.parse_args()
    unknown = set(args.modes) - set(MODE_LABELS)
    if unknown:
        parser.error(f"unknown modes: {', '.join(sorted(unknown))}")

    started = time.monotonic()
    started_load = os.getloadavg()[0]
    log(f"load average {started_load:.2f} on {os.cpu_count()} cores")
    workdir = Path(tempfile.mkdtemp(prefix="educa-modes-"))
    try:
        env, plan = prepare(args, workdir)
        by_mode = {mode: [] for mode in args.modes}
        for round_number in range(1, args.rounds + 1):
            for mode in args.modes:
                log(f"round {round_number}/{args.rounds}: {MODE_LABELS[mode]}")
                by_mode[mode].append(quiet_measure(mode, args, env, plan, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(
        by_mode, args, started_load, os.getloadavg()[0], time.monotonic() - started
    )
    print()
    print(text)
    Path(args.out).write_text(text + "\n")
    log(f"written to {args.out}; done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
