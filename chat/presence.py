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

from django.conf import settings

from chat import redis_client

# A name of our own, so tests can move this clock without moving everyone's.
wall_clock = time.time

ENTRY_TTL = 60  # seconds a connection's entry lives without a refresh
REFRESH_EVERY = 20
RETRY_REFRESH = 1  # seconds between attempts while Redis is away


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
    expired fields. While Redis cannot answer, presence degrades to this process's
    own connections (`self.local`) instead of failing the socket; the refresher
    writes them back once Redis answers again.
    """

    def __init__(self, url, prefix):
        self.url = url
        self.prefix = prefix
        self.local = LocalPresence()  # this process's connections, and the fallback
        self._refresher = None

    def _client(self):
        return redis_client.client(self.url)

    def _key(self, room):
        return f"{self.prefix}:chat:presence:{room}"

    async def _redis(self, operation):
        """`await operation()` if Redis is usable; None when it failed or is away."""
        breaker = redis_client.breaker(self.url)
        if not breaker.available():
            return None
        try:
            result = await operation()
        except Exception as error:
            breaker.failed(error)
            return None
        breaker.succeeded()
        return result

    async def join(self, room, connection, user_id, name):
        local = await self.local.join(room, connection, user_id, name)
        self._ensure_refresher()
        value = json.dumps([user_id, name, wall_clock() + ENTRY_TTL])

        async def write():
            async with self._client().pipeline(transaction=False) as pipe:
                pipe.hset(self._key(room), connection, value)
                pipe.expire(self._key(room), ENTRY_TTL * 2)
                pipe.hgetall(self._key(room))
                *_, raw = await pipe.execute()
            return _members(await self._live(room, raw))

        members = await self._redis(write)
        return local if members is None else members

    async def leave(self, room, connection, user_id):
        last_here = await self.local.leave(room, connection, user_id)

        async def remove():
            async with self._client().pipeline(transaction=False) as pipe:
                pipe.hdel(self._key(room), connection)
                pipe.hgetall(self._key(room))
                _, raw = await pipe.execute()
            entries = await self._live(room, raw)
            return all(uid != user_id for uid, _ in entries.values())

        last = await self._redis(remove)
        return last_here if last is None else last

    async def members(self, room):
        async def read():
            raw = await self._client().hgetall(self._key(room))
            return _members(await self._live(room, raw))

        members = await self._redis(read)
        return await self.local.members(room) if members is None else members

    async def within_budget(self, room, deliveries_per_second):
        """Count a message into the room's current second, across processes.

        A message costs one delivery per connection in the room, so the room may
        take `deliveries_per_second // connections` messages each second. Without
        Redis each process counts its own share.
        """
        key = f"{self.prefix}:chat:rate:{room}:{int(wall_clock())}"

        async def count():
            async with self._client().pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, 5)
                pipe.hlen(self._key(room))
                count, _, size = await pipe.execute()
            return count <= max(1, deliveries_per_second // max(1, size))

        verdict = await self._redis(count)
        if verdict is None:
            return await self.local.within_budget(room, deliveries_per_second)
        return verdict

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
        """Push this process's entries' expiry forward while it has any.

        After a failure it tries again soon: a Redis that restarted empty gets this
        process's members back once it answers.
        """
        wrote = True
        while self.local.rooms:
            await asyncio.sleep(REFRESH_EVERY if wrote else RETRY_REFRESH)
            expires_at = wall_clock() + ENTRY_TTL

            async def write(expires_at=expires_at):
                async with self._client().pipeline(transaction=False) as pipe:
                    for room, entries in list(self.local.rooms.items()):
                        for connection, (user_id, name) in list(entries.items()):
                            value = json.dumps([user_id, name, expires_at])
                            pipe.hset(self._key(room), connection, value)
                        pipe.expire(self._key(room), ENTRY_TTL * 2)
                    await pipe.execute()
                return True

            wrote = bool(await self._redis(write))


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
