"""Keeping an uploaded file server-side between the dry run and the apply.

Files live under ``MEDIA_ROOT/imports/<token>.upload`` with a JSON sidecar of metadata (owner, importer,
options, status, preview) — never in the session (it may be 20 MB) and never trusted from the client.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from saiteki.core.importing.preview import UploadStatus

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadStore:
    """Uploaded import files under ``MEDIA_ROOT/imports/<token>.<ext>`` with a JSON sidecar of metadata.

    The token is random (not guessable); the sidecar records the owner, so one user can never open or
    apply another user's upload even with the token. Files are removed after the apply and swept after
    :attr:`max_age` so abandoned dry runs do not pile up.
    """

    folder = "imports"
    max_age = datetime.timedelta(days=7)

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root or settings.MEDIA_ROOT) / self.folder

    def _paths(self, token: str) -> tuple[Path, Path]:
        if not _TOKEN_RE.match(token or ""):
            raise FileNotFoundError(token)
        meta = self.root / f"{token}.json"
        return meta, meta.with_suffix(".upload")

    def save(self, *, upload, user, **meta) -> str:
        """Store an uploaded file (Django ``UploadedFile`` or bytes); returns its token."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.sweep()
        token = secrets.token_urlsafe(24)
        meta_path, data_path = self._paths(token)
        with data_path.open("wb") as out:
            if isinstance(upload, bytes):
                out.write(upload)
            else:
                for chunk in upload.chunks():
                    out.write(chunk)
        record = {
            "token": token,
            "user_id": getattr(user, "pk", None),
            "created_at": timezone.now().isoformat(),
            "status": UploadStatus.UPLOADED.value,
            **meta,
        }
        self._write(meta_path, record)
        return token

    def load(self, token: str, *, user=None) -> dict:
        """The metadata of an upload; ``FileNotFoundError`` if missing or not the user's."""
        meta_path, _data = self._paths(token)
        record = json.loads(meta_path.read_text(encoding="utf-8"))
        if user is not None and record.get("user_id") != getattr(user, "pk", None):
            raise FileNotFoundError(token)
        return record

    def path(self, token: str) -> Path:
        return self._paths(token)[1]

    def update(self, token: str, **changes) -> dict:
        meta_path, _data = self._paths(token)
        record = json.loads(meta_path.read_text(encoding="utf-8"))
        record.update(changes)
        self._write(meta_path, record)
        return record

    def discard_file(self, token: str) -> None:
        """Remove the uploaded bytes (after the apply); the metadata stays for the result page."""
        with contextlib.suppress(FileNotFoundError):
            self.path(token).unlink()

    def sweep(self) -> None:
        cutoff = timezone.now().timestamp() - self.max_age.total_seconds()
        if not self.root.exists():
            return
        for p in self.root.iterdir():
            with contextlib.suppress(OSError):
                if p.stat().st_mtime < cutoff:
                    p.unlink()

    @staticmethod
    def _write(path: Path, record: dict) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
