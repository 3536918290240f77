"""Production: behind a TLS-terminating proxy, on PostgreSQL and Redis."""

from .base import *  # noqa: F403
from .base import env, env_bool, env_int_or, require_secret_key

DEBUG = False
SECRET_KEY = require_secret_key(env("SECRET_KEY", ""))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Only `make serve` on plain http (no TLS in front) turns these off.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_HSTS_SECONDS = env_int_or("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview shows the page in a same-origin iframe; DENY would break it.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Behind several ASGI worker processes each thread would hold its own connection;
# on PostgreSQL a small pool per process reuses them (psycopg_pool).
if USING_POSTGRES and env_bool("DB_POOL", True):  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 - the pool keeps them
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
        "min_size": env_int_or("DB_POOL_MIN", 2),
        "max_size": env_int_or("DB_POOL_MAX", 8),
        "timeout": 10,
    }
