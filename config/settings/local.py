"""Local trial and demo: SQLite under var/, debug off by default so the demo looks like production."""

from config import env

from .base import *  # noqa: F403

DEBUG = env.get_bool("DEBUG", False)
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Notification e-mails are printed by the worker/web process instead of being sent (demo).
EMAIL_BACKEND = env.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
