"""Per-member token buckets: who may say something in a room right now.

With Redis the bucket lives there (one hash per member and room, updated by one Lua
script, so it is atomic), and a member's allowance holds across every process and
tab. Without Redis, or while it is unreachable, each process keeps its own.
"""

import time

from django.conf import settings

from chat import redis_client

# A name of our own, so tests can move this clock without moving the event loop's.
# Wall time, not monotonic: buckets in Redis are shared by processes.
clock = time.time

# KEYS[1]: the bucket; ARGV: rate, burst, now, expiry. Returns 1 when a token was
# spent. A clock that went back does not add tokens.
TAKE_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = burst
  stamp = now
end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return allowed
"""


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; one token per message."""

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = clock()

    def take(self):
        """Spend a token if there is one; False means the sender must slow down."""
        now = clock()
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class SharedBuckets:
    """The buckets in Redis, for every process of the site."""

    def __init__(self, url, prefix):
        self.url = url
        self.prefix = prefix

    async def take(self, room, user_id, rate, burst):
        """True or False from Redis; None when Redis cannot answer now."""
        breaker = redis_client.breaker(self.url)
        if not breaker.available():
            return None
        # EVALSHA, falling back to EVAL after a Redis restart forgot the script.
        script = redis_client.client(self.url).register_script(TAKE_SCRIPT)
        # Long enough for an empty bucket to fill again; a full one need not stay.
        expiry = int(burst / rate) + 2 if rate > 0 else 3600
        key = f"{self.prefix}:chat:bucket:{room}:{user_id}"
        try:
            allowed = await script(keys=[key], args=[rate, burst, clock(), expiry])
        except Exception as error:
            breaker.failed(error)
            return None
        breaker.succeeded()
        return bool(allowed)


_shared = {}


def shared_buckets():
    """The Redis buckets when Redis is configured, else None."""
    location = redis_client.state_location()
    if location is None:
        return None
    found = _shared.get(location)
    if found is None:
        found = _shared[location] = SharedBuckets(*location)
    return found


class MemberBuckets:
    """One bucket per (room, member) in this process, shared by a member's tabs.

    A member with several connections to one process shares one allowance; the
    count of holders lets the bucket go when the member's last connection leaves.
    """

    def __init__(self):
        self._buckets = {}

    def acquire(self, room, user_id):
        key = (room, user_id)
        entry = self._buckets.get(key)
        if entry is None:
            bucket = TokenBucket(
                settings.CHAT_RATE_PER_SECOND, settings.CHAT_RATE_BURST
            )
            entry = self._buckets[key] = [bucket, 0]
        entry[1] += 1
        return entry[0]

    def release(self, room, user_id):
        key = (room, user_id)
        entry = self._buckets.get(key)
        if entry is not None:
            entry[1] -= 1
            if entry[1] <= 0:
                del self._buckets[key]


member_buckets = MemberBuckets()


async def may_send(room, user_id, local_bucket):
    """Whether the member may send now: Redis's bucket, else this process's.

    If Redis cannot answer, the local bucket decides: it still bounds what each
    process accepts from a sender, where refusing everything would silence the chat
    for the outage and allowing everything would let a flood into the database.
    """
    shared = shared_buckets()
    if shared is not None:
        verdict = await shared.take(
            room, user_id, settings.CHAT_RATE_PER_SECOND, settings.CHAT_RATE_BURST
        )
        if verdict is not None:
            return verdict
    return local_bucket.take()
