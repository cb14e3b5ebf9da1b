"""Rongmei settings: one module, configured by environment variables.

Embedded default (no variables set besides DEBUG=1): SQLite under var/, local-memory cache,
in-memory channel layer, the database task queue. Setting REDIS_URL moves cache, channel layer
and task queue to Redis; DATABASE_URL moves the database (e.g. to PostgreSQL).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

import dj_database_url

from rongmei.env import ImproperEnvironment, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RONGMEI_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

log = logging.getLogger("rongmei.settings")

DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or env_bool("RONGMEI_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105
    else:
        raise ImproperEnvironment("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    # Its table exists in every setup, so a site can move between the database queue and RQ.
    "django_tasks_db",
    "rongmei.core",
    "rongmei.accounts",
    "rongmei.newsroom",
    "rongmei.media",
    "rongmei.distribution",
    "rongmei.portal",
    "rongmei.search",
    "rongmei.fans",
    "rongmei.community",
    "rongmei.civic",
    "rongmei.analytics",
    "rongmei.inquiries",
    "rongmei.live",
    "rongmei.partners",
    "rongmei.practice",
    "rongmei.business",
    "rongmei.advertising",
    "rongmei.dashboard",
    "rongmei.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rongmei.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, but a database gone between the view and the session's save is not a 400.
    "rongmei.core.middleware.ResilientSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET answer that has none, and 304 when the reader already has it.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rongmei.core.middleware.RequestContextMiddleware",
    # One ceiling on every public write (rongmei/core/ratelimit.py PUBLIC_WRITES).
    "rongmei.core.middleware.PublicWriteLimitMiddleware",
    "rongmei.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rongmei.urls"
WSGI_APPLICATION = "rongmei.wsgi.application"
ASGI_APPLICATION = "rongmei.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rongmei" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "rongmei.core.context_processors.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'rongmei.sqlite3'}"
# Kept connections are checked before a request uses them: after a database restart the first
# request gets a new connection instead of "terminating connection due to administrator command".
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web process write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")} if env_bool("RONGMEI_TEST_DB_FILE") else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, task queue --------------------------------------------
# --- media ------------------------------------------------------------------------------
RONGMEI_MEDIA_MAX_BYTES = env_int("RONGMEI_MEDIA_MAX_BYTES", 2 * 1024**3)
RONGMEI_FFMPEG_TIMEOUT = env_int("RONGMEI_FFMPEG_TIMEOUT", 3600)
# Work whose worker died is found by its silence: a rendition's worker touches its row every
# HEARTBEAT seconds; one silent for LEASE seconds is made again. A publication stuck in "sending"
# for PUBLISH_LEASE seconds is sent again (the channel's idempotency key prevents a second item).
RONGMEI_TASK_HEARTBEAT_SECONDS = env_int("RONGMEI_TASK_HEARTBEAT_SECONDS", 15)
RONGMEI_TASK_LEASE_SECONDS = env_int("RONGMEI_TASK_LEASE_SECONDS", 120)
RONGMEI_PUBLISH_LEASE_SECONDS = env_int("RONGMEI_PUBLISH_LEASE_SECONDS", 300)

REDIS_URL = env_str("REDIS_URL") or None
if REDIS_URL and TESTING and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Parallel test workers each get their own Redis database: a test's cache.clear() is a
    # FLUSHDB and must not wipe another worker's keys.
    _worker = int(os.environ["PYTEST_XDIST_WORKER"][2:])
    REDIS_URL = re.sub(r"(/\d+)?$", f"/{_worker + 1}", REDIS_URL.split("?")[0].rstrip("/"), count=1)
if REDIS_URL:
    # A Redis that does not answer makes the cache miss instead of failing the request, and a task
    # goes to the database queue (the fallback backend) instead of being lost: rongmei/core/resilience.py.
    CACHES = {
        "default": {
            "BACKEND": "rongmei.core.resilience.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "rongmei"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNEL_PREFIX", "rongmei")},
        }
    }
    # RQ must not kill a transcode before ffmpeg's own timeout says why it failed.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": RONGMEI_FFMPEG_TIMEOUT + 600}}
    TASKS = {
        "default": {"BACKEND": "rongmei.core.resilience.ResilientRQBackend", "QUEUES": ["default"]},
        "fallback": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    }
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rongmei"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
if env_bool("TASKS_IMMEDIATE", False):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}

# --- auth and login security ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "newsroom:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle session expires
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "融媒 Rongmei")
# Privileged actions (publish, retract, role changes, personal-data exports) need the second factor
# verified within this many seconds (rongmei/accounts/stepup.py, docs/security.md).
RONGMEI_STEP_UP_SECONDS = env_int("RONGMEI_STEP_UP_SECONDS", 15 * 60)

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "rongmei" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "rongmei" / "static", BASE_DIR / "build" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Login codes of the public app's users (rongmei/fans/sms.py): the console backend by default;
# rongmei.fans.sms.AliyunBackend with the ALIYUN_SMS_* variables (docs/deployment.md).
RONGMEI_SMS_BACKEND = env_str("RONGMEI_SMS_BACKEND", "rongmei.fans.sms.ConsoleBackend")

# Mail (notices to 问政 units): SMTP when EMAIL_HOST is set, else written to the log.
EMAIL_HOST = env_str("EMAIL_HOST", "") or ""
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "rongmei@localhost")

# 问政 (rongmei/inquiries/services.py DEFAULTS has the rest; docs/inquiries.md lists them).
RONGMEI_INQUIRIES = {
    "TITLE_LENGTH": (env_int("RONGMEI_INQUIRY_TITLE_MIN", 10), env_int("RONGMEI_INQUIRY_TITLE_MAX", 25)),
    # Text-message notices: rongmei.inquiries.gateways.ConsoleSms (log only) or .AliyunSms.
    "SMS_GATEWAY": env_str("RONGMEI_INQUIRY_SMS_GATEWAY", "rongmei.inquiries.gateways.ConsoleSms"),
    "CITIZEN_SMS": env_bool("RONGMEI_INQUIRY_CITIZEN_SMS", True),
    "UNIT_SMS": env_bool("RONGMEI_INQUIRY_UNIT_SMS", False),
}

# Uploaded files: MEDIA_ROOT on one machine; an S3-compatible bucket (MinIO, a provincial cloud's
# object storage) when RONGMEI_S3_BUCKET is set, so every web and worker machine sees the same
# files. The bucket stays private: views check who may read a file and stream it. The media
# library keeps working copies in MEDIA_ROOT for ffmpeg and copies finished files to the bucket
# (rongmei/core/storage.py, docs/deployment.md).
RONGMEI_S3_BUCKET = env_str("RONGMEI_S3_BUCKET", "") or ""
if RONGMEI_S3_BUCKET:
    from rongmei.core.s3conf import s3_backend

    DEFAULT_FILE_STORAGE_BACKEND = s3_backend(
        bucket=RONGMEI_S3_BUCKET,
        endpoint_url=env_str("RONGMEI_S3_ENDPOINT_URL", ""),
        access_key=env_str("RONGMEI_S3_ACCESS_KEY_ID", ""),
        secret_key=env_str("RONGMEI_S3_SECRET_ACCESS_KEY", ""),
        region=env_str("RONGMEI_S3_REGION", "us-east-1"),
        prefix=env_str("RONGMEI_S3_PREFIX", ""),
        addressing_style=env_str("RONGMEI_S3_ADDRESSING_STYLE", "path"),
        connect_timeout=env_int("RONGMEI_S3_CONNECT_TIMEOUT", 3),
    )
else:
    DEFAULT_FILE_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# With a bucket, each machine's copies of media-library files are dropped after this many days
# without being fetched again (media_housekeeping, once a day).
RONGMEI_MEDIA_LOCAL_COPY_DAYS = env_int("RONGMEI_MEDIA_LOCAL_COPY_DAYS", 14)
# Operations (docs/business.md): hosts an ad may link to without a review hit ("shop.example.com",
# ".example.com" for a domain and its subdomains), and whether the command screen shows the
# month's revenue.
RONGMEI_AD_LINK_HOSTS = tuple(env_list("RONGMEI_AD_LINK_HOSTS", []))
RONGMEI_SCREEN_SHOWS_REVENUE = env_bool("RONGMEI_SCREEN_SHOWS_REVENUE", True)

STORAGES = {
    "default": DEFAULT_FILE_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- newsroom ---------------------------------------------------------------------------
RONGMEI = {
    "SITE_NAME": env_str("RONGMEI_SITE_NAME", "云上泌阳"),
    "CENTER_NAME": env_str("RONGMEI_CENTER_NAME", "泌阳县融媒体中心"),
    "EDIT_LOCK_SECONDS": env_int("RONGMEI_EDIT_LOCK_SECONDS", 120),
    "LEAD_SIMILARITY_THRESHOLD": env_int("RONGMEI_LEAD_SIMILARITY_PERCENT", 35) / 100,
    "READING_CHARS_PER_MINUTE": env_int("RONGMEI_READING_CPM", 400),
    # An empty WS URL means "same host and port as the page"; set it when /ws/ is served elsewhere.
    "WEBSOCKET_URL": env_str("RONGMEI_WEBSOCKET_URL", ""),
    # The public site's address as readers see it: share cards and QR posters in the published
    # (static) pages point there.
    "PUBLIC_URL": env_str("RONGMEI_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
    # Published pages (portal.static_pages): one HTML file per live article, the home page and
    # the first page of each column; nginx (scaled) or rongmei.portal.edge (embedded) serve them.
    "PAGES_ROOT": Path(env_str("RONGMEI_PAGES_ROOT", str(VAR_DIR / "pages"))),
    # Seconds an anonymous public API answer (feed, columns, article) is reused by the edge.
    "MICROCACHE_SECONDS": env_int("RONGMEI_MICROCACHE_SECONDS", 3),
    # Comments wait for a moderator before anyone else sees them.
    "COMMENTS_PREMODERATED": env_bool("RONGMEI_COMMENTS_PREMODERATED", True),
}

# Readership counting (rongmei.analytics.conf has every key and its default).
RONGMEI_READERSHIP = {"RETENTION_DAYS": env_int("RONGMEI_READERSHIP_RETENTION_DAYS", 35)}

# Live rooms (rongmei.live; docs/operations.md "Live rooms"). The RTMP ingest is nginx's (deploy/
# nginx.conf); HLS files are written under ROOT/hls/<room id>/ and served by nginx at HLS_BASE_URL:
# the embedded default's own nginx (scripts/run.sh) on port 8088, "/hls/" behind the scaled nginx.
# --- self-media partners (docs/partners.md) ------------------------------------------------
RONGMEI_PARTNERS = {
    # The automatic check of a repost task's link fetches the partner's page: never an address
    # of our own network unless this is on (a county intranet where partners' pages live).
    "LINK_CHECK_ALLOW_PRIVATE": env_bool("RONGMEI_PARTNERS_LINK_CHECK_ALLOW_PRIVATE", False),
    "LINK_CHECK_TIMEOUT": env_int("RONGMEI_PARTNERS_LINK_CHECK_TIMEOUT", 10),
}

RONGMEI_LIVE = {
    "ROOT": VAR_DIR / "live",
    "HLS_BASE_URL": env_str("RONGMEI_LIVE_HLS_BASE_URL", "http://127.0.0.1:8088/hls/"),
    # What encoders (OBS "Server") are told; the stream key goes after it.
    "RTMP_URL": env_str("RONGMEI_LIVE_RTMP_URL", "rtmp://127.0.0.1:1935/live"),
    # The HLS ladder (heights) and segment length; a slow machine: [720] or [360].
    "LADDER": [int(h) for h in env_str("RONGMEI_LIVE_LADDER", "720,360").split(",") if h.strip()],
    "SEGMENT_SECONDS": env_int("RONGMEI_LIVE_SEGMENT_SECONDS", 2),
    "PRESET": env_str("RONGMEI_LIVE_PRESET", "veryfast"),
    # An encoder that drops may come back this long; then the replay is built.
    "RECONNECT_GRACE_SECONDS": env_int("RONGMEI_LIVE_RECONNECT_GRACE_SECONDS", 600),
    "CLIP_MAX_SECONDS": env_int("RONGMEI_LIVE_CLIP_MAX_SECONDS", 30 * 60),
    # The chat (rongmei.live.chat, docs/live.md): a room's messages are written and sent together
    # every CHAT_BATCH_MS; counters every CHAT_STATS_SECONDS; a socket with more than
    # CHAT_MAX_BUFFER bytes unsent is dropped (it resumes when it reconnects).
    "CHAT_BATCH_MS": env_int("RONGMEI_LIVE_CHAT_BATCH_MS", 100),
    "CHAT_STATS_SECONDS": float(env_str("RONGMEI_LIVE_CHAT_STATS_SECONDS", "2")),
    "CHAT_DB_THREADS": env_int("RONGMEI_LIVE_CHAT_DB_THREADS", 2),
    "CHAT_MAX_BUFFER": env_int("RONGMEI_LIVE_CHAT_MAX_BUFFER", 1 << 20),
    "CHAT_CHANNEL_PREFIX": env_str("RONGMEI_LIVE_CHAT_CHANNEL_PREFIX", "rongmei"),
}

# Encrypts channel credentials at rest (a Fernet key derived by HKDF); falls back to SECRET_KEY.
# Set it in production and keep it: when it changes, stored channel settings can't be read.
RONGMEI_CREDENTIALS_KEY = env_str("RONGMEI_CREDENTIALS_KEY", "") or ""

# Personal data at rest (rongmei.core.crypto, docs/security.md "Personal data"): a comma-separated
# list of secrets; the first encrypts, all decrypt. Rotate: put a new secret first, run
# `manage.py rotate_personal_data_key`, then drop the old one. Empty: derived from
# RONGMEI_CREDENTIALS_KEY (else SECRET_KEY). The index key hashes phone numbers for look-ups; it
# never rotates (changing it loses every look-up by phone until the hashes are recomputed).
RONGMEI_PERSONAL_DATA_KEYS = env_list("RONGMEI_PERSONAL_DATA_KEYS", [])
RONGMEI_PERSONAL_DATA_INDEX_KEY = env_str("RONGMEI_PERSONAL_DATA_INDEX_KEY", "") or ""

# How long personal data is kept (`manage.py retention_sweep`, hourly): a question's contact data
# and original text after it is closed; a volunteer's real name after their last activity; a
# resident's address after the service request ended; SMS login codes.
RONGMEI_RETENTION = {
    "inquiry_contact_days": env_int("RONGMEI_RETENTION_INQUIRY_CONTACT_DAYS", 730),
    "volunteer_inactive_days": env_int("RONGMEI_RETENTION_VOLUNTEER_INACTIVE_DAYS", 1095),
    "service_address_days": env_int("RONGMEI_RETENTION_SERVICE_ADDRESS_DAYS", 365),
    "sms_code_days": env_int("RONGMEI_RETENTION_SMS_CODE_DAYS", 1),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "jieba": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO (PDF reports and newspaper proofs).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Behind our own nginx the client's address is in X-Forwarded-For; trust it only when the proxy
# is ours (otherwise anyone could write any address into the audit log).
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# One ceiling on every public write (rongmei.core.middleware.PublicWriteLimitMiddleware,
# docs/security.md "Rate limits"); off only for benchmarks that send everything from one address.
RONGMEI_PUBLIC_WRITE_CEILING = env_bool("RONGMEI_PUBLIC_WRITE_CEILING", True)
