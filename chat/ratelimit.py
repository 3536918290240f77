"""Per-member token buckets: who may say something in a room right now."""

import time

from django.conf import settings

# A name of our own, so tests can move this clock without moving the event loop's.
clock = time.monotonic


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
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


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
