"""The only reader of ``os.environ`` (STYLE.md): every setting that varies between machines is read here,
so the settings modules stay declarative and a reviewer can see every knob in one place."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def get(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def require(name: str) -> str:
    """Production refuses to start without these: a silent default would be a security hole."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"環境変数 {name} が設定されていません（本番設定では必須です）。")
    return value


def get_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def get_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_url(default: str) -> str:
    return os.environ.get("DATABASE_URL") or default
