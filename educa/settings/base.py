"""Settings shared by every environment.

Everything that differs between machines is read from the environment here, and only
here: DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, DEBUG and a few optional
knobs documented in the README.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int_or(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
REDIS_URL = env("REDIS_URL", "")

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(env("DB_CONN_MAX_AGE", "0"))
    )
}
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the chat and page requests read while another request writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

INSTALLED_APPS = [
    "daphne",
    "sitecache",
    "learning",
    "classroom",
    "assessment",
    "analytics",
    "chat",
    "search",
    "demo",
    "wagtail.api.v2",
    "wagtail.contrib.redirects",
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "wagtailmedia",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "axes",
    "csp",
]
if USING_POSTGRES:
    # Wagtail's database search backend uses PostgreSQL full-text search through it.
    INSTALLED_APPS.append("django.contrib.postgres")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Per-user decorations of shared HTML (sitecache.decorations): markers left in
    # any response, cached ones included, are filled here; a user's inside the
    # request's cache scope, below.
    "sitecache.decorations.DecorationMiddleware",
    # One cache round trip to start; whole anonymous pages (sitecache.middleware).
    "sitecache.middleware.RequestCacheMiddleware",
    # Inside the page cache: a cached page is stored with its headers (educa.security).
    "educa.security.PathCSPMiddleware",
    "educa.security.PermissionsPolicyMiddleware",
    "sitecache.decorations.UserDecorationMiddleware",
    # Outside the session and messages middleware so it sees the cookies they set.
    "sitecache.middleware.CacheHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A user's page again while nothing it shows has changed (sitecache.middleware).
    "sitecache.middleware.UserPageCacheMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "learning.middleware.PageEditPermissionMiddleware",
    "sitecache.middleware.CachedSiteMiddleware",
    # Last (django-axes): turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "educa.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Forms render through the project's templates, so `{{ form }}` uses the site's field
# markup (templates/django/forms/); "django.forms" above supplies Django's widgets.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "educa.wsgi.application"
ASGI_APPLICATION = "educa.asgi.application"

# First the login lockout (django-axes, classroom.limits: refuses locked usernames
# and addresses before a password is checked), then ModelBackend with each user's
# permission set cached (sitecache.auth).
AUTHENTICATION_BACKENDS = [
    "classroom.limits.LockoutBackend",
    "sitecache.auth.CachedModelBackend",
]

# Login lockout (django-axes; classroom/limits.py). A username is locked after
# LOGIN_FAILURE_LIMIT failures from any address, an address after
# LOGIN_ADDRESS_FAILURE_LIMIT failures on any usernames (higher: a school shares one
# address), until LOGIN_COOLOFF_MINUTES after the last counted failure. Two separate
# parameters rather than their combination: a combined (username, address) lock
# would let a botnet guess one account from every address. Failures are rows in the
# database (axes' database handler), so a Redis outage never lifts a lock.
AXES_HANDLER = "classroom.limits.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_FAILURE_LIMIT = env_int_or("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int_or("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int_or("LOGIN_COOLOFF_MINUTES", 15))
# Refused attempts during a lockout do not restart it: the page's time holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A good login forgets only that user's failures from that address (LockoutHandler).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "classroom.limits.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# No row per successful login or logout (it would grow for ever); failures are kept.
AXES_DISABLE_ACCESS_LOG = True
# Per-address throttles in the cache (classroom.limits.hit; fail open without it).
SIGNUP_RATE = env("SIGNUP_RATE", "10/hour")
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", "10/hour")
PASSWORD_RESET_EMAIL_RATE = env("PASSWORD_RESET_EMAIL_RATE", "3/hour")

# Content-Security-Policy (django-csp 4; educa/security.py). Our pages run no inline
# script or style; video embeds in module bodies come from YouTube and Vimeo.
SELF, NONE, UNSAFE_INLINE = "'self'", "'none'", "'unsafe-inline'"
VIDEO_EMBED_ORIGINS = [
    "https://www.youtube.com",
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],  # CSP 3: also same-origin ws:/wss: (the chat)
        "frame-src": VIDEO_EMBED_ORIGINS,
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
# Directives replaced under some paths only, first matching prefix wins.
ADMIN_CSP = {
    # Wagtail's admin: inline styles and a few inline scripts, blob: and data:
    # previews of uploads, its own page preview and video embeds in iframes.
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "media-src": [SELF, "blob:"],
    "frame-src": [SELF, *VIDEO_EMBED_ORIGINS],
}
CONTENT_SECURITY_POLICY_BY_PATH = {
    "/admin/": ADMIN_CSP,
    "/django-admin/": ADMIN_CSP,
    # Swagger UI (drf-spectacular): an inline start-up script and inline styles.
    "/api/docs/": {
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
    },
}
# Permissions-Policy (educa.security): no devices or payments; fullscreen for
# ourselves and the video embeds.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "fullscreen": ["self", *VIDEO_EMBED_ORIGINS],
}

# Argon2id at OWASP's minimum cost (classroom/hashers.py); older hashes still verify
# and are upgraded at the next login.
PASSWORD_HASHERS = [
    "classroom.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "educa" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "student_course_list"
LOGOUT_REDIRECT_URL = "/"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "educa@localhost")

# Cache and channel layer: Redis when REDIS_URL is set, embedded otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis; an outage degrades to the database instead of a 500,
            # and a hung Redis like a dead one (sitecache/backend.py).
            "BACKEND": "sitecache.backend.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "educa"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": float(env("CACHE_TIMEOUT", "0.5")),
                "SOCKET_TIMEOUT": float(env("CACHE_TIMEOUT", "0.5")),
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": env(
                "CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"
            ),
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env("CHANNEL_LAYER_PREFIX", "educa"),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "educa",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

SESSION_ENGINE = "sitecache.sessions"  # cached_db, read with the first cache trip

# Front cache (nginx proxy_cache, deploy/nginx/): anonymous pages are kept for
# FRONT_CACHE_SECONDS and purged on publish/unpublish/move/delete through
# FRONTEND_CACHE_URL (where the cache accepts PURGE requests; unset: no purging).
FRONT_CACHE_SECONDS = env_int_or("FRONT_CACHE_SECONDS", 600)
# Several front caches (one per machine): a comma-separated list.
if env_list("FRONTEND_CACHE_URL"):
    WAGTAILFRONTENDCACHE = {
        ("default" if n == 0 else f"cache{n}"): {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": location,
        }
        for n, location in enumerate(env_list("FRONTEND_CACHE_URL"))
    }

# Wagtail
WAGTAIL_SITE_NAME = "Educa"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = [
    "csv", "docx", "key", "md", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip",
]  # fmt: skip
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# The admin calls no third party: avatars are Wagtail's own, not Gravatar's (which
# would learn a hash of each user's email), and versions come from requirements.txt,
# not a check against releases.wagtail.org (both would also need CSP exceptions).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# One password reset for everyone, /accounts/password_reset/, which is rate-limited
# (classroom.views.LimitedPasswordResetView); Wagtail's own at /admin/ is not.
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILMEDIA = {"MEDIA_MODEL": "wagtailmedia.Media"}
# The app serves public media (images) itself unless a web server is configured for
# them; module files are never served from MEDIA_URL (see classroom's file views).
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
PUBLIC_MEDIA_PREFIXES = ("original_images/", "images/", "media_thumbnails/")
# Where a web server hands out protected files (X-Accel-Redirect); empty: the app
# streams them itself.
PROTECTED_FILES_ACCEL_PREFIX = env("PROTECTED_FILES_ACCEL_PREFIX", "")
if PROTECTED_FILES_ACCEL_PREFIX:
    # Wagtail's document view hands the bytes to the web server too.
    SENDFILE_BACKEND = "learning.files"

# Django REST framework: permissions are set per view, so Wagtail's API v2 stays
# public (DRF's defaults would apply to its views too).
REST_FRAMEWORK = {
    # Basic first: its challenge makes anonymous writes answer 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "classroom.api.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # DRF's defaults, with a JSON parser that answers 400 to too deeply nested bodies.
    "DEFAULT_PARSER_CLASSES": [
        "classroom.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "classroom.api.pagination.StandardPagination",
    "PAGE_SIZE": 10,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_RATE", "600/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Educa API",
    "DESCRIPTION": "Subjects, courses, enrollment and course contents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["classroom.api.schema.only_drf_endpoints"],
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Chat
CHAT_RATE_PER_SECOND = float(env("CHAT_RATE_PER_SECOND", "5"))
CHAT_RATE_BURST = int(env("CHAT_RATE_BURST", "10"))
CHAT_MAX_LENGTH = 2000
# What one room may cost per second in deliveries (messages x connections), across
# processes; past it senders are told to slow down. 0 turns the room limit off.
CHAT_ROOM_DELIVERIES_PER_SECOND = int(env("CHAT_ROOM_DELIVERIES_PER_SECOND", "10000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django_redis": {"handlers": ["console"], "level": "WARNING"},
    },
}


def require_secret_key(value):
    if not value:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment.")
    return value
