"""What a dry run found and what an apply did: JSON-safe, stored with an upload, a survey or a job.

The preview (:class:`ImportPreview`) lists one :class:`RowPlan` per record that changes (old → new per
field, as text in Japanese conventions) and every :class:`RowError` located the way Excel shows it. Its
fingerprint is the digest of the planned changes: the apply re-plans and refuses when it differs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from saiteki.core.errors import ValidationFailed

#: Errors kept for display; the rest are only counted (a wrong file can produce one error per cell).
MAX_ERRORS_KEPT = 1000


class UploadStatus(models.TextChoices):
    """Where an upload stands between the dry run and the apply (stored in its metadata)."""

    UPLOADED = "uploaded", _("受付")
    PREVIEWING = "previewing", _("確認中")
    PREVIEWED = "previewed", _("確認済み")
    APPLYING = "applying", _("取込中")
    APPLIED = "applied", _("取込済み")
    REFUSED = "refused", _("取込不可")


class RowAction(models.TextChoices):
    """What an import does to one record."""

    CREATE = "create", _("新規")
    UPDATE = "update", _("変更")
    DELETE = "delete", _("削除")


class BlankPolicy(models.TextChoices):
    """What an empty cell means for an existing record; chosen per import and shown in the preview."""

    KEEP = "keep", _("空欄は変更しない")
    CLEAR = "clear", _("空欄で消去する")


class AmountUnit(models.TextChoices):
    """The unit of every amount in one file: budget documents are usually in 千円 (SPEC §2)."""

    YEN = "円", _("円")
    THOUSAND_YEN = "千円", _("千円")


class ImportRefused(ValidationFailed):
    """The whole file is refused (format, size, encryption, macros, missing headers); nothing was read in."""

    code = "import_refused"
    default_message = _("このファイルは取り込めません。")


class ImportRowErrors(ValidationFailed):
    """Some rows have errors; the import is all-or-nothing, so nothing was written. Carries the preview."""

    code = "import_row_errors"
    default_message = _("取込ファイルに誤りがあるため、取り込みませんでした。誤りの一覧を確認してください。")

    def __init__(self, preview: ImportPreview, message=None):
        self.preview = preview
        super().__init__(message)


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or row, when ``column`` is empty), located the way Excel shows it."""

    sheet: str
    row: int | None
    column: str
    message: str


class ErrorList:
    """Collects row errors; keeps the first :data:`MAX_ERRORS_KEPT` for display and counts the rest."""

    def __init__(self, limit: int = MAX_ERRORS_KEPT):
        self.items: list[RowError] = []
        self.count = 0
        self.limit = limit

    def add(self, sheet: str, row: int | None, column: str, message) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(RowError(str(sheet), row, str(column), str(message)))

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class RowPlan:
    """One row of the preview: what the import will do to one record."""

    sheet: str
    row: int
    action: str  # "create", "update", "delete"
    key: str
    title: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class ImportPreview:
    """The dry-run result (also the record of an applied import): JSON-safe, stored and rendered later."""

    file_name: str = ""
    unit: str = "円"
    blank: str = BlankPolicy.KEEP.value
    counts: dict[str, int] = field(default_factory=dict)
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    fingerprint: str = ""
    applied: bool = False
    applied_at: str = ""

    @property
    def blank_label(self) -> str:
        return str(BlankPolicy(self.blank).label) if self.blank in BlankPolicy.values else self.blank

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def change_count(self) -> int:
        return len(self.rows)

    @property
    def errors_hidden(self) -> int:
        return max(0, self.error_count - len(self.errors))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ImportPreview:
        data = dict(data)
        rows = [
            RowPlan(**{**r, "changes": [FieldChange(**c) for c in r.get("changes", [])]})
            for r in data.pop("rows", [])
        ]
        errors = [RowError(**e) for e in data.pop("errors", [])]
        known = {f for f in cls.__dataclass_fields__}
        return cls(rows=rows, errors=errors, **{k: v for k, v in data.items() if k in known})

    def compute_fingerprint(self) -> str:
        """A digest of what would change: apply refuses if the ledger moved on since the user's preview."""
        payload = json.dumps(
            [[r.sheet, r.action, r.key, [[c.field, c.old, c.new] for c in r.changes]] for r in self.rows],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()
