"""Operating-system end of support from the bundled lifecycle snapshot (endoflife.date format).

The migration waves move a system in the fiscal year its hardware maintenance ends *or its OS reaches
end of support*. Until the lifecycle app (C7) links components to catalogue cycles, this module
matches a component's free-text product and version against the snapshot ``data/eol/lifecycle.json``
for the server operating systems prefectures run. Only operating systems are matched: middleware and
databases can usually be upgraded in place and do not force a hardware move.

If the snapshot is missing, every lookup answers None and the waves fall back to maintenance ends
only (the result page says so).
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from pathlib import Path

from django.conf import settings

# Ledger product names (lower case) → endoflife.date product slug.
OS_PRODUCTS: dict[str, str] = {
    "windows server": "windows-server",
    "microsoft windows server": "windows-server",
    "red hat enterprise linux": "rhel",
    "rhel": "rhel",
    "centos": "centos",
    "centos linux": "centos",
    "oracle linux": "oracle-linux",
    "rocky linux": "rocky-linux",
    "almalinux": "almalinux",
    "ubuntu": "ubuntu",
    "ubuntu server": "ubuntu",
    "debian": "debian",
    "suse linux enterprise server": "sles",
    "sles": "sles",
    "amazon linux": "amazon-linux",
}


def snapshot_path() -> Path:
    """Where the snapshot lives: ``SAITEKI_LIFECYCLE_SNAPSHOT`` if set, else the copy shipped with the
    product in ``data/eol/`` (endoflife.date, MIT; the notice is in ``data/eol/README.md``)."""
    configured = getattr(settings, "SAITEKI_LIFECYCLE_SNAPSHOT", None)
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR) / "data" / "eol" / "lifecycle.json"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[tuple[str, str], dict]:
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {(str(r.get("product")), str(r.get("cycle")).lower()): r for r in rows if isinstance(r, dict)}


def catalogue() -> dict[tuple[str, str], dict]:
    """(product slug, cycle) → snapshot row; empty when the snapshot is not available."""
    return _load(str(snapshot_path()))


def is_available() -> bool:
    return bool(catalogue())


def _cycles(version: str) -> list[str]:
    """Cycle ids to try for a free-text version: exact, hyphenated (2012 R2 → 2012-r2), major only."""
    v = version.strip().lower()
    if not v:
        return []
    out = [v, re.sub(r"\s+", "-", v)]
    major = re.match(r"^(\d+)", v)
    if major:
        out.append(major.group(1))
    return list(dict.fromkeys(out))


def os_end_of_support(product: str, version: str) -> tuple[datetime.date | None, str]:
    """End of support (``eol``: end of security fixes) of an OS, and the catalogue label used.

    Returns (None, "") for products that are not operating systems or are not in the snapshot.
    A cycle already out of support without a recorded date (``eol: true``) answers 1 January 2000,
    i.e. "long past", so the system is planned in the first wave.
    """
    slug = OS_PRODUCTS.get((product or "").strip().lower())
    if slug is None:
        return None, ""
    rows = catalogue()
    for cycle in _cycles(version or ""):
        row = rows.get((slug, cycle))
        if row is None:
            continue
        eol = row.get("eol")
        shown = str(row.get("label") or version)
        label = shown if product.strip().lower() in shown.lower() else f"{product} {shown}".strip()
        if eol is True:
            return datetime.date(2000, 1, 1), label
        if isinstance(eol, str):
            try:
                return datetime.date.fromisoformat(eol), label
            except ValueError:
                return None, ""
        return None, ""
    return None, ""
