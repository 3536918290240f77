"""Sessions in the cache, backed by the database (`cached_db`), read with the
request's first cache round trip.

Django's `cached_db` engine: a Redis restart logs nobody out. The only change: the
session's cache entry is fetched together with the cache generations at the start of
the request (learning.caching.PublicResponseCacheMiddleware), so loading it costs no
round trip of its own. Anything not prefetched loads as in Django.
"""

from django.contrib.sessions.backends import cached_db

from learning import caching


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = cached_db.KEY_PREFIX

    def load(self):
        data = caching.prefetched(self.cache_key)
        return data if isinstance(data, dict) else super().load()
