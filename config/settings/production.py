"""Production: PostgreSQL, secrets from the environment, refuses to start without them."""

from config import env

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.require("SECRET_KEY")
ALLOWED_HOSTS = env.require("ALLOWED_HOSTS").split(",")
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS")
DATABASES = {  # noqa: F405
    "default": dj_database_url.parse(env.require("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)  # noqa: F405
}
DATABASES.update(replica.replica_databases())  # noqa: F405  (docs/deploy.md 「読み取りレプリカ」)
DATABASE_ROUTERS = replica.replica_routers(DATABASES)  # noqa: F405
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env.get("SECURE_HSTS_SECONDS", "31536000") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STATIC_ROOT = env.get("STATIC_ROOT") or STATIC_ROOT  # noqa: F405
MEDIA_ROOT = env.get("MEDIA_ROOT") or MEDIA_ROOT  # noqa: F405
# Notification e-mail (saiteki.core.notifications): the prefecture's mail relay; links use the site URL.
EMAIL_HOST = env.get("EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = int(env.get("EMAIL_PORT", "25") or 25)
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "saiteki@localhost") or "saiteki@localhost"
SAITEKI_SITE_URL = env.get("SAITEKI_SITE_URL", "") or ""

# A load balancer's probe (/healthz) should hear "database down" within seconds, not after the
# operating system's TCP timeout of minutes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

# Structured logs: one JSON object per line on stderr (journald / the prefecture's log collector), each
# with the request id that the response's X-Request-ID header and the change log carry
# (saiteki.core.requestlog), and one access line per request from Django (gunicorn's own access log is
# left off: it cannot see the request id or the user).
SAITEKI_REQUEST_LOG = env.get_bool("SAITEKI_REQUEST_LOG", True)
LOG_LEVEL = (env.get("LOG_LEVEL", "INFO") or "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "saiteki.core.requestlog.RequestIdFilter"}},
    "formatters": {"json": {"()": "saiteki.core.requestlog.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "saiteki": {"level": LOG_LEVEL},
        "django_tasks_db": {"level": "INFO"},
        "django_tasks": {"level": "INFO"},
        # 4xx/5xx with the traceback of 500s; the access line above already names every request.
        "django.request": {"level": "ERROR"},
        "django.security": {"level": "WARNING"},
    },
}
