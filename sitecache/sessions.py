"""Sessions in the cache, backed by the database (`cached_db`), read with the
request's first cache round trip.

Django's `cached_db` engine: a Redis restart logs nobody out. The only change: the
session's cache entry is fetched together with the tokens at the start of the
request (sitecache.middleware.RequestCacheMiddleware), so loading it costs no round
trip of its own, and neither do the tokens of the user it names
(sitecache.tags.session_users). Anything not prefetched loads as in Django.

Session entries are keyed by the cache epoch this process saw last
(sitecache.tags.epoch_hint): after a cache outage the epoch moves on, so a session
changed or ended during the outage (in the database only) is never read back from
a cache entry written before it.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from sitecache import tags


def cache_key_for(session_key):
    return f"{cached_db.KEY_PREFIX}{tags.epoch_hint.value}:{session_key}"


class SessionStore(cached_db.SessionStore):
    @property
    def cache_key_prefix(self):
        return cache_key_for("")

    def load(self):
        data = tags.prefetched(self.cache_key)
        if not isinstance(data, dict):
            data = super().load()
        user_pk = data.get(SESSION_KEY)
        if user_pk is not None and self.session_key:
            # So the next request with this session prefetches the user's tokens
            # too (a hint, never trusted).
            tags.session_users.put(self.session_key, str(user_pk))
        return data
