"""Adapter: the raw password a user object was just given, before it is saved.

Django upgrades the hash of a password it has just checked (a new hasher or more
iterations) by saving the user with a new hash of the same password, which is no
reason to revoke an API token; a new password is. Django offers no public way to
tell the two apart at save time: `set_password()` keeps the raw password on the
private `_password` attribute until the save (for password validators). This is
the one place that reads it; classroom/tests/test_token_rotation.py fails when
Django stops keeping it there.
"""

from django.contrib.auth.hashers import check_password

RAW_PASSWORD_ATTRIBUTE = "_password"  # noqa: S105 - an attribute name


def same_password_rehashed(user, old_hash):
    """Whether the user's new hash holds the password `old_hash` was made from."""
    raw = getattr(user, RAW_PASSWORD_ATTRIBUTE, None)
    return raw is not None and check_password(raw, old_hash)
