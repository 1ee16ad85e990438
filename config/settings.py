"""Settings, read from the environment (and an optional .env file beside manage.py).

With nothing set, the portal runs on the embedded default: a SQLite file in the
project folder, no Redis, mail printed to the console.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-only-not-for-production-6ro")
else:
    SECRET_KEY = env("SECRET_KEY")  # required in production: no silent default
# The local names are always allowed: container health checks call the portal by them.
ALLOWED_HOSTS = [*env.list("ALLOWED_HOSTS", default=[]), "localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The portal's address in e-mails and feeds; by default where `make run` serves it (HOST, PORT).
SITE_URL = env(
    "SITE_URL", default=f"http://{env('HOST', default='127.0.0.1')}:{env('PORT', default='8000')}"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "accounts",
    "plans",
    "tasks",
    "imports",
    "reporting",
    "evaluation",
    "campaign",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "plans.context_processors.user_unit",
                "tasks.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first, English available; dates as dd/mm/yyyy in both.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_URL = "media/"  # never served as such: product files go through a view that checks access
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Product files (tệp sản phẩm): the size limit, and who sends them once the portal has checked
# access: the portal itself (""), nginx ("nginx": X-Accel-Redirect to an `internal` location at
# PRODUCT_FILES_INTERNAL_URL that maps to MEDIA_ROOT) or Apache/lighttpd ("sendfile": X-Sendfile).
PRODUCT_FILE_MAX_MB = env.int("PRODUCT_FILE_MAX_MB", default=20)
PRODUCT_FILES_SENDFILE = env("PRODUCT_FILES_SENDFILE", default="")
PRODUCT_FILES_INTERNAL_URL = env("PRODUCT_FILES_INTERNAL_URL", default="/protected-media/")

# Mail: console by default; production sets EMAIL_URL (smtp+tls://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cổng 6 rõ <no-reply@localhost>")

# Redis is optional: without it the portal still runs (cache in memory). With it, the cache only
# saves work: when Redis is down the pages compute their figures (tasks.dashboards.cached), so
# it must answer fast or not at all. Sessions and messages never depend on it (database, cookie).
REDIS_URL = env("REDIS_URL", default="")
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=1.0)  # seconds, to connect or to answer
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # The dashboard keeps one entry per unit and view (tasks.unit_shares): room for them.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    )
}

# HTTPS in production. Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Only the portal's own files run or style a page; nothing may frame it. Pico's CSS draws its
# icons from data: URIs. htmx is configured (meta htmx-config) to need no eval or inline style.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Nothing in the portal uses the camera, microphone, location, payment or other devices.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
    ]
)
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies stand in front and append to X-Forwarded-For (0: the header is ignored and
# the client is REMOTE_ADDR). Login throttling counts failures per client address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)

# Login throttling (django-axes, failures kept in the database: PostgreSQL in production, so
# every web worker sees the same counts). After LOGIN_FAILURE_LIMIT failures for one account,
# or from one address, logins from it are refused for LOGIN_LOCKOUT_MINUTES; the portal's page
# and the admin alike. A success does not wipe the count (else one valid account would let an
# address guess others' passwords without end).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False  # no start-up banner; accounts.throttling logs each lockout in one line

FILTERS_EMPTY_CHOICE_LABEL = _("Tất cả")

# Business settings.
DUE_SOON_DAYS = env.int("DUE_SOON_DAYS", default=7)
# The early-warning scan is split by task into this many parts, written side by side on
# PostgreSQL, each with its own connection (tasks.parts): about the database's cores.
ALERT_SCAN_PARTS = max(env.int("ALERT_SCAN_PARTS", default=2), 1)
# Webhooks go to https addresses on the public internet; hosts listed here may also use http and
# a private address (an intranet chat server). Timeout in seconds, for connecting and answering.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5)
ON_TIME_TARGET_PERCENT = 98  # Plan 001: ≥98% of tasks done on time or early
TASKS_PER_PAGE = 25
# The campaign (thi đua): a bottleneck with no change for this many days raises a warning.
BOTTLENECK_STALL_DAYS = env.int("BOTTLENECK_STALL_DAYS", default=14)

# The read-only JSON API for other government systems: a token per system (or session in the
# browser), the same visibility rules as the pages, paginated.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# /api/tasks/sync/ holds back changes younger than this: longer than any transaction that saves
# tasks (a large plan import) may take to commit, so no change lands behind a system's cursor.
API_SYNC_SETTLE_SECONDS = env.int("API_SYNC_SETTLE_SECONDS", default=300)
SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng theo dõi nhiệm vụ 6 rõ — API",
    "DESCRIPTION": "Dữ liệu kế hoạch, nhiệm vụ (6 rõ, tiến độ so với hạn), đơn vị và số liệu "
    "tổng hợp; chỉ đọc. Xác thực: header `Authorization: Token <khóa>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps the whole API: for signed-in people and systems with a token only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Periodic reports: the header of the administrative document (Nghị định 30/2020/NĐ-CP) and
# when drafts of the reports the plans require are prepared.
REPORT_SUPERIOR_BODY = env("REPORT_SUPERIOR_BODY", default="UBND thành phố Đồng Nai")
REPORT_ISSUING_BODY = env("REPORT_ISSUING_BODY", default="Sở Khoa học và Công nghệ")
REPORT_SYMBOL = env("REPORT_SYMBOL", default="BC-SKHCN")
REPORT_PLACE = env("REPORT_PLACE", default="Đồng Nai")
REPORT_HEAD_TITLE = env("REPORT_HEAD_TITLE", default="Giám đốc")
REPORT_RECIPIENTS = [
    "UBND thành phố (qua Sở Nội vụ);",
    "Ban Giám đốc Sở;",
    "Các phòng, đơn vị thuộc Sở;",
    "Lưu: VT, VP.",
]
REPORT_PREPARE_DAYS_AHEAD = env.int("REPORT_PREPARE_DAYS_AHEAD", default=10)
# A prepared draft whose usual cut-off (the 14th) is not before its due date stops its data this
# many days before the due date (the 6-month report due by 10/6: data to 5/6).
REPORT_CUTOFF_DAYS_BEFORE_DUE = max(env.int("REPORT_CUTOFF_DAYS_BEFORE_DUE", default=5), 1)
REPORT_PDF_MAX_COMPLETED = 300  # the full list of completed tasks is in the Excel file
REPORT_PDF_COMPACT_LATE = 400  # longer lists of late tasks: one line a task in the PDF
REPORT_PDF_MAX_LATE = 1000  # the PDF lists the tasks furthest behind; Excel lists all
# Report builds (reporting.builds): a running build beats every REPORT_HEARTBEAT_SECONDS; the
# sweep fails one whose heartbeat is older than REPORT_BUILD_STALE_SECONDS (its worker died),
# or that no worker started within REPORT_QUEUE_STALE_SECONDS; a build is killed after
# REPORT_BUILD_TIME_LIMIT seconds.
REPORT_HEARTBEAT_SECONDS = env.float("REPORT_HEARTBEAT_SECONDS", default=10)
REPORT_BUILD_STALE_SECONDS = env.int("REPORT_BUILD_STALE_SECONDS", default=60)
REPORT_QUEUE_STALE_SECONDS = env.int("REPORT_QUEUE_STALE_SECONDS", default=600)
REPORT_BUILD_TIME_LIMIT = env.int("REPORT_BUILD_TIME_LIMIT", default=900)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Celery: Redis in production; without REDIS_URL, a broker that needs no server (kombu's
# filesystem transport in a folder of the project), so the embedded default still runs jobs.
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / "var" / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
# Two queues, so that the quick jobs (warnings and their deliveries, notices, digests) never
# wait behind the long ones (a report's PDF, reading an uploaded table). A worker started
# without -Q takes both (`make run`, the tests); production runs a worker for each
# (docker-compose.yml), each scaled on its own.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("documents"))
CELERY_TASK_ROUTES = {
    "reporting.jobs.generate_report": {"queue": "documents"},
    "imports.jobs.read_draft_upload": {"queue": "documents"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Pages queue jobs while a person waits: with the broker down, queuing must fail within a few
# seconds (the page then says so), not hang. Defaults are a 4 s connect timeout per try, no
# socket timeout on Redis, and 20 one-second retries of the result store (19 s in all).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": REDIS_TIMEOUT,
        "socket_timeout": max(REDIS_TIMEOUT, 5.0),  # above the 1 s BRPOP of the worker
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
    CELERY_REDIS_SOCKET_TIMEOUT = max(REDIS_TIMEOUT, 5.0)
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
    }
# Early warnings: scan every 15 minutes; the weekly digest on Monday at 07:00 (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    "scan-early-warnings": {
        "task": "tasks.jobs.scan_early_warnings",
        "schedule": crontab(minute="*/15"),
    },
    "roll-forward-periods": {
        "task": "tasks.jobs.roll_forward_periods",
        "schedule": crontab(minute=5, hour=0),
    },
    # After the roll: the dashboard's figures of the new day, before its first view.
    "count-dashboard-shares": {
        "task": "tasks.jobs.count_dashboard_shares",
        "schedule": crontab(minute=15, hour=0),
    },
    "weekly-warning-digest": {
        "task": "tasks.jobs.send_weekly_digest",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Report builds whose worker died, or that no worker picked up, become retryable.
    "sweep-stalled-reports": {
        "task": "reporting.jobs.sweep_stalled_reports",
        "schedule": crontab(),  # every minute
    },
    "warn-stalled-bottlenecks": {
        "task": "campaign.jobs.warn_stalled_bottlenecks",
        "schedule": crontab(minute=15, hour=7),
    },
    # Drafts of the periodic reports due soon (6-month before 10/6, annual before 10/12).
    "prepare-due-reports": {
        "task": "reporting.jobs.prepare_due_reports",
        "schedule": crontab(minute=30, hour=6),
    },
}

# --- Imports (the reading of uploaded task tables, and their drafts) ---------------------------
# An upload is read in a child process with these limits; a draft waiting longer than the
# patience for a worker to take it, or reading past the time limit, is marked failed.
IMPORT_READ_MEMORY_MB = env.int("IMPORT_READ_MEMORY_MB", default=1024)  # address space
IMPORT_READ_SECONDS = env.int("IMPORT_READ_SECONDS", default=30)  # CPU time
IMPORT_QUEUE_PATIENCE_MINUTES = env.int("IMPORT_QUEUE_PATIENCE_MINUTES", default=10)
IMPORT_DRAFT_MAX_AGE_DAYS = env.int("IMPORT_DRAFT_MAX_AGE_DAYS", default=30)
CELERY_BEAT_SCHEDULE["expire-import-drafts"] = {
    "task": "imports.jobs.expire_import_drafts",
    "schedule": crontab(minute=45, hour=2),
}
