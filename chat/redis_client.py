"""The chat's own Redis connections: short timeouts and a breaker.

Presence and the shared rate limit keep small state in Redis. A dead Redis refuses
connections at once, but a hung one (paused, overloaded, a network partition)
answers nothing: every call then waits for its socket timeout. The breaker makes an
outage cost one timeout, not one per frame: after a failure Redis is left alone for
a short, growing while and callers take their in-process fallback meanwhile.
"""

import asyncio
import logging
import time
import weakref

from django.conf import settings
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger(__name__)

# Seconds a Redis call may take before it counts as failed: long enough for a busy
# server, short enough that a hung one degrades like a dead one.
SOCKET_TIMEOUT = 1.0
# After a failure, Redis is tried again after this long, doubling up to RETRY_MAX.
RETRY_MIN = 0.5
RETRY_MAX = 5.0


def state_location():
    """(url, prefix) of the Redis the chat keeps shared state in, or None.

    The channel layer's Redis when there is one (its prefix keeps parallel sites
    and test runs apart); otherwise the cache's, when the cache is django-redis.
    """
    layer = settings.CHANNEL_LAYERS.get("default", {})
    config = layer.get("CONFIG", {})
    hosts = config.get("hosts") or []
    if layer.get("BACKEND", "").startswith("channels_redis") and hosts:
        host = hosts[0]
        url = host if isinstance(host, str) else host.get("address")
        return url, config.get("prefix", "asgi")
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").startswith("django_redis"):
        location = cache["LOCATION"]
        url = location if isinstance(location, str) else location[0]
        return url, f"{cache.get('KEY_PREFIX', '')}:chat-state"
    return None


class Breaker:
    """Whether to try Redis now: closed normally, open for a while after a failure."""

    def __init__(self):
        self.retry_at = 0.0
        self.pause = RETRY_MIN

    def available(self):
        return time.monotonic() >= self.retry_at

    def failed(self, error):
        if self.available():
            logger.warning("chat: Redis unavailable (%r); degrading for now", error)
        self.retry_at = time.monotonic() + self.pause
        self.pause = min(RETRY_MAX, self.pause * 2)

    def succeeded(self):
        self.pause = RETRY_MIN


_clients = weakref.WeakKeyDictionary()  # loop -> {url: client}
_breakers = {}  # url -> Breaker (shared by the loops of a process)


def client(url):
    """A redis.asyncio client for `url` on the running loop (clients are per loop)."""
    loop = asyncio.get_running_loop()
    clients = _clients.setdefault(loop, {})
    found = clients.get(url)
    if found is None:
        # Connections are waited for, not refused, when many members come or go
        # at once, but no longer than a call may take: a hung Redis must not queue
        # callers past the breaker. No retries: the breaker decides when to retry.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=50,
            timeout=SOCKET_TIMEOUT,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        found = clients[url] = aioredis.Redis(connection_pool=pool)
    return found


def breaker(url):
    found = _breakers.get(url)
    if found is None:
        found = _breakers[url] = Breaker()
    return found
