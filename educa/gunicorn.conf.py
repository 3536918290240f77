"""gunicorn for `make serve`: several uvicorn (ASGI) worker processes.

ASGI because the chat's websockets share the server with the pages. Each worker is
one process with one event loop; Django runs the (synchronous) views in a thread
of that process, so throughput scales with processes, not threads. Settings come
from the environment so the same file serves a laptop and a production machine.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Measured on 2 cores (see the README's benchmark): 2 workers per core keep both
# cores busy while one worker waits on PostgreSQL or Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "uvicorn.workers.UvicornWorker"
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
