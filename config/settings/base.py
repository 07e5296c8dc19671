"""Settings shared by every environment. Environment-specific modules import * from here."""

from __future__ import annotations

import dj_database_url

from config import env
from config.settings import directory, replica

BASE_DIR = env.BASE_DIR
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env.get("SECRET_KEY", "insecure-local-development-key-not-for-production")
DEBUG = False
ALLOWED_HOSTS: list[str] = env.get_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "saiteki.core",
    "saiteki.accounts",
    "saiteki.ledger",
    "saiteki.consolidation",
    "saiteki.lifecycle",
    "saiteki.resilience",
    "saiteki.knowledge",
    "saiteki.reviews",
    "saiteki.kpi",
    "saiteki.sam",
]

MIDDLEWARE = [
    "saiteki.core.requestlog.RequestIdMiddleware",
    "saiteki.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Read replica: chooses the database for the request (not used without REPLICA_DATABASE_URL).
    "saiteki.core.dbrouter.ReplicaRoutingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "saiteki.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "saiteki.core.middleware.RequestContextMiddleware",
    "saiteki.accounts.middleware.LoginRequiredMiddleware",
    "saiteki.accounts.middleware.UserPreferencesMiddleware",
    "saiteki.core.views.errors.ErrorResponseMiddleware",
]
# A refused form submission (expired page, new login) gets a Japanese page with a way back.
CSRF_FAILURE_VIEW = "saiteki.core.views.errors.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "saiteki" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "saiteki.core.context_processors.shell",
            ],
            "builtins": ["saiteki.core.templatetags.saiteki"],
        },
    }
]

# Django's widget templates, except <select>s written in Python (same HTML, a third of a list page's CPU).
FORM_RENDERER = "saiteki.core.form_renderer.FastSelectRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env.database_url(f"sqlite:///{VAR_DIR / 'saiteki.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the busy timeout turns short lock waits
    # into waits instead of "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A PostgreSQL hot standby for read-only requests when REPLICA_DATABASE_URL is set (docs/deploy.md
# 「読み取りレプリカ」); without it one database and no router.
DATABASES.update(replica.replica_databases())
DATABASE_ROUTERS = replica.replica_routers(DATABASES)
SAITEKI_REPLICA_PIN_SECONDS = replica.PIN_SECONDS
SAITEKI_REPLICA_MAX_LAG_SECONDS = replica.MAX_LAG_SECONDS

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Directory login (docs/deploy.md 「ディレクトリ連携」), off unless LDAP_* / OIDC_* variables configure it;
# the local backend above stays first so break-glass administrators log in without the directory.
_LDAP_SETTINGS = directory.ldap_settings()
_OIDC_SETTINGS = directory.oidc_settings()
globals().update(_LDAP_SETTINGS | _OIDC_SETTINGS)
AUTHENTICATION_BACKENDS += directory.backends(_LDAP_SETTINGS, _OIDC_SETTINGS)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions expire after 8 idle hours (one working day) and when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Lockout: 5 failures for the same user name lock it for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "saiteki.accounts.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Locking by user name only is deliberate: prefectural offices reach the server through one proxy
# address, so locking by IP would lock out a whole office after one person's typos.
# models.W040: the covering indexes' INCLUDE columns serve PostgreSQL (ADR 0007); SQLite ignores them
# by design, so the warning says nothing the demo's user can act on.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]

LANGUAGE_CODE = "ja"
# Each language in its own name, so someone who switched by mistake can find the way back.
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files larger than this are refused before they are parsed (imports, attachments).
SAITEKI_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# API tokens expire this many days after they were issued (a new one is issued at the token endpoint);
# they are also deleted when the user's password changes or the user is deactivated.
SAITEKI_TOKEN_MAX_AGE_DAYS = int(env.get("SAITEKI_TOKEN_MAX_AGE_DAYS", "90") or 90)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes unauthenticated calls answer 401, not 403.
        "saiteki.accounts.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "saiteki.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "saiteki.core.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Saiteki API",
    "DESCRIPTION": "最適 Saiteki — 情報システム全体最適化プラットフォームの REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Only logged-in users read the schema (it maps every route an attacker could probe).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per shared choice set (fields and filters reuse them).
    "ENUM_NAME_OVERRIDES": {
        "HostingFormEnum": "saiteki.ledger.choices.HostingForm",
        "NetworkSegmentEnum": "saiteki.ledger.choices.NetworkSegment",
        "ClassificationLevelEnum": "saiteki.ledger.choices.ClassificationLevel",
        # Not "BlankEnum": that is drf-spectacular's own name for the "" of blank choice fields.
        "ImportBlankPolicyEnum": "saiteki.core.importing.preview.BlankPolicy",
        "ReviewCaseKindEnum": "saiteki.reviews.choices.CaseKind",
        "ReviewCaseStateEnum": "saiteki.reviews.choices.CaseState",
    },
    # Every operation documents the shared error body for 400/401/403/404 (and 409 on writes); a
    # create links to the new object's detail operations.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "saiteki.core.api.schema.document_error_responses",
        "saiteki.core.api.schema.link_created_objects",
    ],
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Content security policy: everything from our own origin; nothing from the internet (三層分離).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"saiteki": {"level": "INFO"}},
}
