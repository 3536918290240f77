"""Adapter: the user object inside Channels' lazy scope user.

Channels' AuthMiddleware puts the session's user in `scope["user"]` as a
`UserLazyObject` (Django's `SimpleLazyObject`), already resolved. The consumer keeps
the user for the socket's life and hands it to threads and the access checks,
which want the model instance itself; Django has no public way to take it out of
the wrapper. This is the one place that reads the wrapper's private `_wrapped`;
chat/tests/test_scope_user.py fails when Channels or Django change it.
"""

from django.utils.functional import empty


def real_user(user):
    """The model instance behind a resolved lazy user (the user itself otherwise)."""
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is None or wrapped is empty:
        return user
    return wrapped
