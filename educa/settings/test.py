"""The test suite: embedded defaults unless DATABASE_URL / REDIS_URL say otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(env("TEST_MEDIA_ROOT", "/tmp/educa-test-media"))  # noqa: F405, S108
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Static files come from the app finders; there is no collectstatic in tests.
WHITENOISE_AUTOREFRESH = True
if USING_POSTGRES:  # noqa: F405
    # A test database is thrown away: its commits need not wait for the disk.
    DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] = "-c synchronous_commit=off"  # noqa: F405
    # Flushes after transactional tests delete rows rather than truncate tables.
    DATABASES["default"]["ENGINE"] = "tests.postgresql_flush"  # noqa: F405
