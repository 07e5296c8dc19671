"""Production settings refuse to start without secrets and pass Django's deployment checks;
every response carries the security headers; nothing is loaded from the internet."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args, env_extra):
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage(
        "check",
        env_extra={"ALLOWED_HOSTS": "saiteki.example.lg.jp", "DATABASE_URL": "postgres://x@127.0.0.1/x"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", env_extra={"SECRET_KEY": "x" * 60, "DATABASE_URL": "postgres://x@127.0.0.1/x"})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_check_deploy_has_no_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "SECRET_KEY": "k3y-" + "9f8e7d6c5b4a" * 5,
            "ALLOWED_HOSTS": "saiteki.example.lg.jp",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_and_no_remote_assets(client, role_users):
    client.force_login(role_users["admin"])
    response = client.get(reverse("core:home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    html = response.content.decode()
    for marker in ("http://", "https://", "//cdn", "fonts.googleapis"):
        assert marker not in html, marker


def test_vendored_assets_ship_with_their_licences():
    vendor = ROOT / "saiteki" / "core" / "static" / "vendor"
    assert (vendor / "bootstrap" / "LICENSE").read_text().startswith("The MIT License")
    assert "MIT" in (vendor / "chartjs" / "LICENSE.md").read_text()
