"""Test settings: the database comes from DATABASE_URL (SQLite file by default, PostgreSQL in the second run)."""

from config import env

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # static files come from the app folders (finders); nothing is collected in tests
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
ALLOWED_HOSTS = ["*"]
# Tasks run in the worker in production; tests run them through the same database backend and a
# worker helper (saiteki.core.testing.run_pending_tasks) so the real queue is exercised.
AXES_ENABLED = env.get_bool("AXES_ENABLED", True)
# Apps that exist only for tests: they plug into the platform through the registry alone.
INSTALLED_APPS = [*INSTALLED_APPS, "saiteki.core.tests.plugin", "saiteki.core.tests.flow"]  # noqa: F405
# The OpenID Connect provider the directory-login tests log in through (saiteki/accounts/tests/oidc_op.py).
INSTALLED_APPS += ["saiteki.accounts.tests.oidc_op.OIDCProviderTestConfig"]
OIDC_USERINFO = "saiteki.accounts.tests.oidc_op.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "saiteki.accounts.tests.oidc_op.GroupsScopeClaims"
