"""Reading ids that arrive as query or form parameters."""

from __future__ import annotations


def id_param(raw) -> int | None:
    """A posted or queried object id, or None when it is not a plain number, so the lookup answers
    404 (or falls back) instead of a 500 from the database layer ("abc", "¹", "1.5")."""
    text = str(raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None
