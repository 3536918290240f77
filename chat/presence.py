"""Who is online in each room, across server processes.

With a Redis channel layer the members live in one Redis hash per room, one field
per connection (so two tabs of one member, or two processes, never overwrite each
other). Each process refreshes its own fields' expiry now and then, so the fields
of a process that died without saying goodbye fade away instead of lingering.
Without Redis a process-local dict is all there is (tests, `make run`).
"""

import asyncio
import json
import time
import weakref

from django.conf import settings

# A name of our own, so tests can move this clock without moving everyone's.
wall_clock = time.time

ENTRY_TTL = 60  # seconds a connection's entry lives without a refresh
REFRESH_EVERY = 20


def _members(entries):
    """Distinct members, ordered by name, from {connection: (user_id, name)}."""
    users = dict(entries.values())
    return [
        {"id": user_id, "name": name}
        for user_id, name in sorted(users.items(), key=lambda item: item[1].lower())
    ]


class LocalPresence:
    """Presence for one process: a dict of rooms, each {connection: (id, name)}."""

    def __init__(self):
        self.rooms = {}
        self.counts = {}  # (room, second) -> messages

    async def join(self, room, connection, user_id, name):
        self.rooms.setdefault(room, {})[connection] = (user_id, name)
        return _members(self.rooms[room])

    async def leave(self, room, connection, user_id):
        """Forget a connection; True when it was the member's last one in the room."""
        entries = self.rooms.get(room, {})
        entries.pop(connection, None)
        if not entries:
            self.rooms.pop(room, None)
        return all(uid != user_id for uid, _ in entries.values())

    async def members(self, room):
        return _members(self.rooms.get(room, {}))

    async def within_budget(self, room, deliveries_per_second):
        """Count a message into the room's current second; False when over budget."""
        second = int(wall_clock())
        key = (room, second)
        if any(k[1] != second for k in self.counts):
            self.counts = {k: v for k, v in self.counts.items() if k[1] == second}
        self.counts[key] = self.counts.get(key, 0) + 1
        size = max(1, len(self.rooms.get(room, {})))
        return self.counts[key] <= max(1, deliveries_per_second // size)


class RedisPresence:
    """Presence in Redis: hash `<prefix>:chat:presence:<room>`, a field per connection.

    A field's value is JSON `[user_id, name, expires_at]`; readers skip (and remove)
    expired fields.
    """

    def __init__(self, url, prefix):
        self.url = url
        self.prefix = prefix
        # redis.asyncio clients are bound to the loop they were made in.
        self._clients = weakref.WeakKeyDictionary()
        self._local = {}  # this process's connections: {room: {connection: value}}
        self._refresher = None

    def _client(self):
        from redis import asyncio as aioredis

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # Connections are waited for, not refused, when hundreds of members
            # come or go at once.
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url, max_connections=50, timeout=20
            )
            client = self._clients[loop] = aioredis.Redis(connection_pool=pool)
        return client

    def _key(self, room):
        return f"{self.prefix}:chat:presence:{room}"

    async def join(self, room, connection, user_id, name):
        value = json.dumps([user_id, name, wall_clock() + ENTRY_TTL])
        self._local.setdefault(room, {})[connection] = (user_id, name)
        client = self._client()
        async with client.pipeline(transaction=False) as pipe:
            pipe.hset(self._key(room), connection, value)
            pipe.expire(self._key(room), ENTRY_TTL * 2)
            pipe.hgetall(self._key(room))
            *_, raw = await pipe.execute()
        self._ensure_refresher()
        return _members(await self._live(room, raw))

    async def leave(self, room, connection, user_id):
        local = self._local.get(room, {})
        local.pop(connection, None)
        if not local:
            self._local.pop(room, None)
        client = self._client()
        async with client.pipeline(transaction=False) as pipe:
            pipe.hdel(self._key(room), connection)
            pipe.hgetall(self._key(room))
            _, raw = await pipe.execute()
        entries = await self._live(room, raw)
        return all(uid != user_id for uid, _ in entries.values())

    async def members(self, room):
        raw = await self._client().hgetall(self._key(room))
        return _members(await self._live(room, raw))

    async def within_budget(self, room, deliveries_per_second):
        """Count a message into the room's current second, across processes.

        A message costs one delivery per connection in the room, so the room may
        take `deliveries_per_second // connections` messages each second.
        """
        key = f"{self.prefix}:chat:rate:{room}:{int(wall_clock())}"
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, 5)
            pipe.hlen(self._key(room))
            count, _, size = await pipe.execute()
        return count <= max(1, deliveries_per_second // max(1, size))

    async def _live(self, room, raw):
        now = wall_clock()
        entries, expired = {}, []
        for field, value in raw.items():
            user_id, name, expires_at = json.loads(value)
            if expires_at < now:
                expired.append(field)
            else:
                entries[field] = (user_id, name)
        if expired:
            await self._client().hdel(self._key(room), *expired)
        return entries

    def _ensure_refresher(self):
        loop = asyncio.get_running_loop()
        task = self._refresher
        if task is None or task.done() or task.get_loop() is not loop:
            self._refresher = loop.create_task(self._refresh())

    async def _refresh(self):
        """Push this process's entries' expiry forward while it has any."""
        while self._local:
            await asyncio.sleep(REFRESH_EVERY)
            expires_at = wall_clock() + ENTRY_TTL
            async with self._client().pipeline(transaction=False) as pipe:
                for room, entries in list(self._local.items()):
                    for connection, (user_id, name) in list(entries.items()):
                        value = json.dumps([user_id, name, expires_at])
                        pipe.hset(self._key(room), connection, value)
                    pipe.expire(self._key(room), ENTRY_TTL * 2)
                await pipe.execute()


_stores = {}


def presence_store():
    """The presence store that matches the channel layer in settings."""
    config = settings.CHANNEL_LAYERS.get("default", {})
    backend = config.get("BACKEND", "")
    hosts = config.get("CONFIG", {}).get("hosts") or []
    prefix = config.get("CONFIG", {}).get("prefix", "asgi")
    if backend.startswith("channels_redis") and hosts:
        host = hosts[0]
        url = host if isinstance(host, str) else host.get("address")
        key = ("redis", url, prefix)
        if key not in _stores:
            _stores[key] = RedisPresence(url, prefix)
    else:
        key = ("local",)
        if key not in _stores:
            _stores[key] = LocalPresence()
    return _stores[key]
