"""Sessions in the cache, backed by the database (`cached_db`), read with the
request's first cache round trip.

Django's `cached_db` engine: a Redis restart logs nobody out. The only change: the
session's cache entry is fetched together with the cache generations at the start of
the request (learning.caching.PublicResponseCacheMiddleware), so loading it costs no
round trip of its own, and neither do the generations of the user it names
(learning.caching.session_users). Anything not prefetched loads as in Django.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from learning import caching


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = cached_db.KEY_PREFIX

    def load(self):
        data = caching.prefetched(self.cache_key)
        if not isinstance(data, dict):
            data = super().load()
        user_pk = data.get(SESSION_KEY)
        if user_pk is not None and self.session_key:
            # So the next request with this session prefetches the user's
            # generations too (caching.session_users: a hint, never trusted).
            caching.session_users.put(self.session_key, str(user_pk))
        return data
