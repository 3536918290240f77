"""Local development: `make run`."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
# A development-only key; production refuses to start without SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me")  # noqa: S105

# `make run` passes the address it serves (Makefile HOST): a request naming it is
# allowed; a wildcard address (0.0.0.0, ::) may be reached by any name.
RUN_HOST = env("HOST", "")
if RUN_HOST and RUN_HOST not in ALLOWED_HOSTS:  # noqa: F405
    ALLOWED_HOSTS = [  # noqa: F405
        *ALLOWED_HOSTS,  # noqa: F405
        "*" if RUN_HOST in ("0.0.0.0", "::") else RUN_HOST.strip("[]"),  # noqa: S104
    ]

# runserver serves static files only with DEBUG on: with DEBUG=false WhiteNoise
# (already in the middleware) serves them, straight from the apps' folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
