"""gunicorn for `make serve`: several uvicorn (ASGI) worker processes.

ASGI because the chat's websockets share the server with the pages. Each worker is
one process with one event loop; Django runs the (synchronous) middleware and views
on a small pool of threads of that process (`HTTP_THREADS`, educa/handlers.py),
apart from the thread of the chat's database calls. Python runs one thread at a
time, so throughput scales with processes; the threads keep a slow request from
holding up the others. Settings come from the environment so the same file serves
a laptop and a production machine.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# One worker per core: more processes only contend for the CPU (bench/README.md).
# Without Redis the cache is each process's own memory, and a change published
# through one worker would not reach another's cache: then one worker, unless
# WEB_CONCURRENCY says otherwise.
default_workers = multiprocessing.cpu_count() if os.environ.get("REDIS_URL") else 1
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers)
worker_class = "educa.workers.UvicornWorker"
# Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new
# connections evenly; with one shared socket a busy worker could take most of them.
reuse_port = os.environ.get("REUSE_PORT", "1") == "1"
# Open websockets (chat) are long-lived: a worker restart must not cut them short.
graceful_timeout = 30
timeout = 60
keepalive = 5
# Access logs cost a write per request; the front web server keeps them.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Load the app once before forking: faster start, shared memory pages.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """Keep the app loaded before the fork out of the garbage collector's scans.

    Django, Wagtail and their modules are hundreds of thousands of objects that live
    as long as the process; without this, each full collection walks them all and a
    request that triggers one waits for the walk (it shows in bench/run.py's p99).
    """
    import gc

    from django.core.cache import caches

    gc.freeze()
    # Django keeps its cache objects per asyncio context, and each request runs in a
    # task of its own: made there, a request's cache object (with django-redis, a
    # client and a Redis connection wrapper) would die with it and the next request
    # build another, at a cost bench/run.py sees. Made here, in the context every
    # request task copies, the worker's requests share one.
    for alias in caches:
        caches[alias]
