"""Chirp settings: one place, read from the environment, failing fast on a bad value.

Profiles: ``CHIRP_PROFILE=development`` (default) or ``production``. Production requires
SECRET_KEY and ALLOWED_HOSTS, turns DEBUG off and the HTTPS settings on, and passes
``manage.py check --deploy``. When DATABASE_URL / REDIS_URL are unset, real embedded PostgreSQL
and Redis servers are started under ``.data/`` (see twitter_site/embedded.py).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from twitter_site.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

PROFILE = env_str("CHIRP_PROFILE", "development")
if PROFILE not in ("development", "production"):
    raise ImproperlyConfigured(f"CHIRP_PROFILE={PROFILE!r} must be 'development' or 'production'.")
PRODUCTION = PROFILE == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
# pytest sets PYTEST_VERSION before settings load, so every pytest run is a test run.
TESTING = env_bool("CHIRP_TESTING", "PYTEST_VERSION" in os.environ)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if PRODUCTION and len(key) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required when CHIRP_PROFILE=production.")
    # Development: one random key kept in the data folder so sessions survive restarts.
    path = Path(os.environ.get("CHIRP_DATA_DIR", BASE_DIR / ".data"))
    path.mkdir(parents=True, exist_ok=True)
    key_file = path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when CHIRP_PROFILE=production (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --------------------------------------------------------------------------- services

DATABASE_URL = env_url("DATABASE_URL", ("postgres", "postgresql", "pgsql"))
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
if DATABASE_URL is None or REDIS_URL is None:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL and REDIS_URL are required when CHIRP_PROFILE=production.")
    from twitter_site.embedded import ensure_services

    ensure_services()
    DATABASE_URL = os.environ["DATABASE_URL"]
    REDIS_URL = os.environ["REDIS_URL"]

if TESTING:
    # Tests own a Redis database of their own and flush it between tests (see conftest.py).
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{env_int('CHIRP_TEST_REDIS_DB', 15, minimum=1)}"))

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
}
# Parallel test runs on one machine each name their own test database.
DATABASES["default"]["TEST"] = {"NAME": env_str("CHIRP_TEST_DB_NAME", "test_chirp")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "c",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 3.0,
            # Redis holds only what can be rebuilt: when it is down, cache reads miss (sessions
            # fall back to PostgreSQL) instead of failing the page.
            "IGNORE_EXCEPTIONS": True,
        },
    },
}
# Sessions as JSON, so that one Lua call reads a session and the Redis copy of the person it names
# (accounts/sessions.py); the same Redis and connection pool as the default cache.
CACHES["sessions"] = {
    **CACHES["default"],
    "KEY_PREFIX": "s",
    "OPTIONS": {**CACHES["default"]["OPTIONS"], "SERIALIZER": "django_redis.serializers.json.JSONSerializer"},
}

DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# This process's copy of the hot Redis values (sessions, cards, flags), kept exact by Redis's
# client tracking: signed-in pages skip their Redis round trips (twitter_site/nearcache.py).
NEAR_CACHE = env_bool("CHIRP_NEAR_CACHE", True)

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "chirp-ws"},
    }
}

# --------------------------------------------------------------------------- Celery

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tests run tasks in-process through task.apply() on the real code path.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = True

# --------------------------------------------------------------------------- Django

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "accounts",
    "tweets",
    "timelines",
    "trending",
    "messaging",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ActiveUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "twitter_site.urls"
WSGI_APPLICATION = "twitter_site.wsgi.application"
ASGI_APPLICATION = "twitter_site.asgi.application"

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
                "twitter_site.context_processors.site",
                "twitter_site.csrf.context_processor",  # one token per request, cheaply (overrides Django's)
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Tests and the demo data hash many passwords: a fast hasher there only.
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Production serves collectstatic's output; development serves the app folders through finders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

SESSION_ENGINE = "accounts.sessions"  # cached_db, read with the person's Redis copy
SESSION_CACHE_ALIAS = "sessions"

# --------------------------------------------------------------------------- API

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.FormParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "twitter_site.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chirp API",
    "DESCRIPTION": "The HTTP API of Chirp. Authenticate with `Authorization: Bearer <access token>` "
    "from POST /api/v1/auth/token. Tweet and user ids are strings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --------------------------------------------------------------------------- product rules

TWEET_MAX_LENGTH = 240
TWEET_EDIT_WINDOW_SECONDS = env_int("TWEET_EDIT_WINDOW_SECONDS", 3600, minimum=0)
TWEET_MAX_EDITS = env_int("TWEET_MAX_EDITS", 5, minimum=0)
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_IP_LIMIT = env_int("LOGIN_FAILURE_IP_LIMIT", 20, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)
# Write rate limits per user (429 with Retry-After past them); see docs/tweets.md.
TWEET_POST_LIMIT = env_int("TWEET_POST_LIMIT", 300, minimum=1)
TWEET_POST_WINDOW_SECONDS = env_int("TWEET_POST_WINDOW_SECONDS", 3 * 3600, minimum=1)
TWEET_ENGAGE_LIMIT = env_int("TWEET_ENGAGE_LIMIT", 1000, minimum=1)
TWEET_ENGAGE_WINDOW_SECONDS = env_int("TWEET_ENGAGE_WINDOW_SECONDS", 3600, minimum=1)
ACCESS_TOKEN_SECONDS = env_int("ACCESS_TOKEN_SECONDS", 3600, minimum=60)
REFRESH_TOKEN_SECONDS = env_int("REFRESH_TOKEN_SECONDS", 30 * 24 * 3600, minimum=3600)
PAGE_SIZE = 20

# Timelines (see docs/timelines.md)
TIMELINE_MAX_ENTRIES = env_int("TIMELINE_MAX_ENTRIES", 800, minimum=20)
# Above this many followers an author's tweets are merged at read time instead of pushed: pushing
# costs ~5 us a feed (25,000 feeds ~125 ms, well inside the 500 ms post-to-visible budget), while
# every followed above-the-limit author adds work to every page read (docs/timelines.md).
TIMELINE_FANOUT_FOLLOWER_LIMIT = env_int("TIMELINE_FANOUT_FOLLOWER_LIMIT", 25_000, minimum=1)
TIMELINE_ACTIVE_DAYS = env_int("TIMELINE_ACTIVE_DAYS", 7, minimum=1)
# Likes and retweets newer than this many days are kept per viewer in Redis (tweets/hotcache.py).
VIEWER_STATE_DAYS = env_int("VIEWER_STATE_DAYS", 30, minimum=1)

# Where the browser opens its WebSocket: empty means the page's own host and port.
WEBSOCKET_ORIGIN = env_str("WEBSOCKET_ORIGIN", "")

# --------------------------------------------------------------------------- security

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
