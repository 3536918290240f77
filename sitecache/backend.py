"""django-redis, with an outage handled here rather than by its IGNORE_EXCEPTIONS.

django-redis's own option returns one shared default object for a failed call (the
same `{}` from every failed `get_many`), so a caller that keeps the answer and writes
to it shares state across requests; and a hung Redis costs every call its socket
timeout. This backend answers a failed call with a fresh default, stops calling
Redis for `COOLDOWN_SECONDS` after a failure (a circuit breaker: while it is open,
pages are built from the database at full speed), and sends `cache_unavailable` so
that what depends on the cache's contents (sitecache.tags) can treat everything
stored before the outage as suspect once Redis returns. A restart is an outage too,
even for a process that sent nothing while Redis was down (see `on_connect`).
"""

import contextlib
import functools
import logging
import threading
import time

from django.dispatch import Signal
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Sent (with `location`) when a call fails while the breaker was closed, or when a
# new connection finds the server restarted.
cache_unavailable = Signal()

FAILURES = (ConnectionInterrupted, RedisError, OSError)


class Breaker:
    """Per process and Redis location: until when calls are not even tried.

    A thread that must reach Redis as soon as it is back (sitecache.tags's retry
    of missed invalidations) calls through it inside `probing()`; its success
    closes the breaker for everyone.
    """

    def __init__(self):
        self.open_until = {}
        self.lock = threading.Lock()
        self.local = threading.local()

    def is_open(self, location):
        if getattr(self.local, "probing", False):
            return False
        return self.tripped(location)

    def tripped(self, location):
        return time.monotonic() < self.open_until.get(location, 0.0)

    @contextlib.contextmanager
    def probing(self):
        self.local.probing = True
        try:
            yield
        finally:
            self.local.probing = False

    def succeeded(self, location):
        if getattr(self.local, "probing", False) and location in self.open_until:
            with self.lock:
                self.open_until.pop(location, None)

    def trip(self, location, seconds):
        """Open the breaker; True if it was closed (a new failure, not a repeat)."""
        with self.lock:
            was_closed = not self.tripped(location)
            self.open_until[location] = time.monotonic() + seconds
        return was_closed

    def reset(self):
        with self.lock:
            self.open_until.clear()


breaker = Breaker()


def _default_arg(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


# Each method's answer when Redis does not answer: built anew for every call.
FALLBACKS = {
    "get": _default_arg,
    "get_many": lambda args, kwargs: {},
    "set_many": lambda args, kwargs: list(args[0]) if args else [],
    "delete_many": lambda args, kwargs: 0,
    "incr": lambda args, kwargs: None,
    "decr": lambda args, kwargs: None,
}
FALSE_ON_FAILURE = ["set", "add", "delete", "has_key", "touch", "expire", "persist"]
NONE_ON_FAILURE = ["clear", "ttl", "pttl", "keys", "delete_pattern", "close"]


def guarded(name, fallback):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if breaker.is_open(self.location):
            return fallback(args, kwargs)
        try:
            answer = method(self, *args, **kwargs)
        except FAILURES as error:
            self.failed(error)
            return fallback(args, kwargs)
        breaker.succeeded(self.location)
        return answer

    return call


class RunIds:
    """The run_id (new at each start) of each Redis server this process talked to."""

    def __init__(self):
        self.seen = {}
        self.lock = threading.Lock()

    def restarted(self, address, run_id):
        """Record `run_id`; True if the server at `address` had another one."""
        with self.lock:
            previous = self.seen.get(address)
            self.seen[address] = run_id
        return previous is not None and previous != run_id


run_ids = RunIds()


def on_connect(connection):
    """redis-py's hook for each new connection (`redis_connect_func`).

    A pooled connection whose server went away reconnects on its next use without
    an error. A Redis restarted with its data (AOF) would then go unnoticed by a
    process that sent it nothing while it was down, and that process would use the
    entries that another process failed to invalidate meanwhile. So each new
    connection reads the server's run_id; a new one is an outage just over.
    """
    connection.on_connect()
    connection.send_command("INFO", "server")
    info = connection.read_response()
    if isinstance(info, bytes):
        info = info.decode()
    run_id = next(
        (
            line.partition(":")[2].strip()
            for line in str(info).splitlines()
            if line.startswith("run_id:")
        ),
        None,
    )
    address = (
        getattr(connection, "host", None),
        getattr(connection, "port", None),
        getattr(connection, "path", None),
    )
    if run_id and run_ids.restarted(address, run_id):
        logger.warning("Redis at %s restarted: its entries are suspect", address)
        cache_unavailable.send(sender=ResilientRedisCache, location=address)


class ResilientRedisCache(RedisCache):
    """A Redis cache that degrades to "nothing cached" on any failure."""

    COOLDOWN_SECONDS = 2.0

    def __init__(self, server, params):
        options = params.get("OPTIONS", {})
        pool_kwargs = {
            **options.get("CONNECTION_POOL_KWARGS", {}),
            "redis_connect_func": on_connect,
        }
        params = {
            **params,
            "OPTIONS": {**options, "CONNECTION_POOL_KWARGS": pool_kwargs},
        }
        super().__init__(server, params)
        self.location = server

    def failed(self, error):
        if breaker.trip(self.location, self.COOLDOWN_SECONDS):
            logger.warning("Cache unavailable (%s): serving without it", error)
            cache_unavailable.send(sender=type(self), location=self.location)


for _name, _fallback in FALLBACKS.items():
    setattr(ResilientRedisCache, _name, guarded(_name, _fallback))
for _name in FALSE_ON_FAILURE:
    setattr(ResilientRedisCache, _name, guarded(_name, lambda args, kwargs: False))
for _name in NONE_ON_FAILURE:
    setattr(ResilientRedisCache, _name, guarded(_name, lambda args, kwargs: None))
