"""Whether a socket's member may still be in its room, asked afresh.

A socket outlives the request that opened it: the user object in its scope is the
one loaded at connect time. Each check here loads the user again (through the
authentication backend, which caches each user until they are saved), refuses
an inactive one or one whose password changed since the session was made
(Django's session auth hash, as `django.contrib.auth.get_user` checks it), and
asks the access rule (also cached, exactly). So a check per frame
costs cache lookups, not queries.

A background check (an access change pushed to the socket, or the periodic one)
also reads the stored session again: a session that ended (logout, flushed) or
now names someone else ends the socket too. Per frame it is read only when the
password hash no longer matches.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_backends,
    load_backend,
)
from django.utils.crypto import constant_time_compare

from learning.access import can_view_contents
from learning.models import CoursePage
from sitecache import tags

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def find_course(course_id):
    """The course, from the cache (forgotten when it is saved, moved or deleted)."""
    return tags.remember(
        "chat-course",
        [course_id],
        lambda: CoursePage.objects.filter(pk=course_id).first(),
        [f"page:{course_id}"],
    )


def _hash_matches(session_hash, user):
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


class Identity:
    """Who a socket speaks for, as known at connect time (call from sync code)."""

    def __init__(self, user, session=None):
        self.user_pk = user.pk
        self.session_key = None
        self.backend_path = None  # without a session: any backend that knows them
        if session is not None and session.get(SESSION_KEY) is not None:
            self.session_key = session.session_key
            self.backend_path = session.get(BACKEND_SESSION_KEY)
            self.session_hash = session.get(HASH_SESSION_KEY)
        else:
            # No session (a scope built in code): the password the user had then.
            self.session_hash = user.get_session_auth_hash()

    def fresh_user(self, check_session=False):
        """The user as stored now, or None if they may no longer be logged in.

        With `check_session`, the stored session is read even when the password
        hash still matches, so a session that ended counts too.
        """
        user = self._load()
        if user is None or not user.is_active:
            return None
        matches = _hash_matches(self.session_hash, user)
        if self.session_key is None:
            return user if matches else None
        if matches and not check_session:
            return user
        # Logged out (the session is gone), or the member changed their own
        # password, which updates their session (update_session_auth_hash).
        engine = import_module(settings.SESSION_ENGINE)
        stored = engine.SessionStore(self.session_key)
        if str(stored.get(SESSION_KEY)) != str(self.user_pk):
            return None  # logged out, or another user's session now
        session_hash = stored.get(HASH_SESSION_KEY)
        if not _hash_matches(session_hash, user):
            return None
        self.session_hash = session_hash
        return user

    def _load(self):
        if self.backend_path is not None:
            if self.backend_path not in settings.AUTHENTICATION_BACKENDS:
                return None
            return load_backend(self.backend_path).get_user(self.user_pk)
        for backend in get_backends():
            user = backend.get_user(self.user_pk)
            if user is not None:
                return user
        return None

    def verdict(self, course_id, check_session=False):
        """None while the member may stay in the room; else the close code."""
        user = self.fresh_user(check_session)
        course = find_course(course_id)
        if course is None:
            return CLOSE_NOT_FOUND
        if user is None or not can_view_contents(user, course):
            return CLOSE_FORBIDDEN
        return None
