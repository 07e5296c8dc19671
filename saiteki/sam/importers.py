"""SAM's importers, registered with the platform's import pipeline (ADR 0004).

* ``sam.scans`` — the inventory tool's installation list (CSV in UTF-8 or Shift_JIS, or xlsx): ホスト名,
  ソフトウェア名, バージョン, インストール日 and optionally 利用者. A scan *replaces* the installations of
  the devices it covers: programs it no longer lists are closed (kept as history), new ones added,
  unchanged ones left alone. Large files are planned and applied in the worker with progress (the
  pipeline's background jobs); the rows are read as a stream and written in bulk, so a 300,000-row
  scan takes seconds. Bad rows are reported by line and nothing is written (all or nothing).
  A system owner may scan only their own 所属's registered devices; an admin's scan registers unknown
  hostnames as new devices without a 所属.
* ``sam.devices`` — the device register (key ホスト名), declared.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.core.changelog import BulkChangeLog, serialize
from saiteki.core.context import change_context, current
from saiteki.core.errors import ParseError
from saiteki.core.importing import (
    Column,
    ErrorList,
    FieldChange,
    ImportPreview,
    ImportRefused,
    RowAction,
    RowPlan,
    SheetSpec,
    as_text,
    clean_date,
    is_blank,
    open_import,
)
from saiteki.core.importing.declared import Field, ModelImporter
from saiteki.core.importing.importer import Importer, chunks
from saiteki.core.models import ObjectChange

from .choices import DeviceKind, DeviceStatus
from .matching import hostname_key
from .models import Device, Installation, Scan, SoftwareName

SCAN_SPEC = SheetSpec(
    key="scan",
    label=_("インストール一覧"),
    names=("インストール一覧", "スキャン結果"),
    columns=(
        Column(
            "hostname",
            _("ホスト名"),
            aliases=("コンピュータ名", "コンピューター名", "端末名", "PC名", "hostname", "computer name"),
        ),
        Column(
            "software",
            _("ソフトウェア名"),
            aliases=(
                "製品名",
                "アプリケーション名",
                "プログラム名",
                "software",
                "display name",
                "displayname",
            ),
        ),
        Column("version", _("バージョン"), aliases=("version", "display version", "displayversion")),
        Column("installed_on", _("インストール日"), aliases=("install date", "installdate", "導入日")),
        Column(
            "user",
            _("利用者"),
            aliases=("ユーザー", "ユーザー名", "ログオンユーザー", "user", "user name", "username"),
        ),
    ),
    required=("hostname", "software"),
)

#: Rows between two progress reports.
PROGRESS_EVERY = 20_000
BATCH = 5_000


@dataclass
class _DevicePlan:
    """What the file says about one device, and the diff against its current installations."""

    device_id: int | None
    hostname: str
    first_row: int
    items: dict[tuple[str, str], tuple[str, datetime.date | None]] = field(default_factory=dict)
    user: str = ""
    added: list[tuple[str, str, datetime.date | None]] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    unchanged: int = 0


class ScanImporter(Importer):
    """The installation scan (see the module docstring)."""

    label = _("インストール状況のスキャン")
    model = Device  # owners may import their own 所属's devices (IMPORT on a division-owned model)
    touches = (Device, Scan, Installation, SoftwareName)
    reason = "スキャン取込: {file_name}"
    #: The import pages pass the class to templates: show its label, never instantiate it there.
    do_not_call_in_templates = True

    def __init__(self, *, user, file_name: str, **kwargs: Any):
        super().__init__(user=user, file_name=file_name, **kwargs)
        self.errors = ErrorList()
        self.devices: dict[str, _DevicePlan] = {}
        self.rows = 0
        self.duplicates = 0
        self.new_names = 0
        self._text: dict[str, str] = {}
        self._dates: dict[Any, datetime.date | None | ParseError] = {}
        self._scoped = perms.is_scoped(self.user, Device)
        self._may_add = perms.role_allows(self.user, perms.ADD, Device) and not self._scoped
        self._digest = ""

    # -- reading ---------------------------------------------------------------------------------------

    def _intern(self, value: str) -> str:
        # 300,000 rows repeat a few thousand names and versions: keep one string of each.
        return self._text.setdefault(value, value)

    def _date(self, raw: Any) -> datetime.date | None | ParseError:
        key = raw if isinstance(raw, str | int | float) else repr(raw)
        if key not in self._dates:
            try:
                self._dates[key] = clean_date(raw)
            except ParseError as exc:
                self._dates[key] = exc
        return self._dates[key]

    def _known_devices(self) -> dict[str, int]:
        """Hostname → id of the devices this user may scan (an owner: their own 所属's)."""
        qs = Device.objects.restrict(self.user, perms.CHANGE).exclude(status=DeviceStatus.DISPOSED)
        if self.lock:
            qs = qs.select_for_update()
        return dict(qs.values_list("hostname", "pk"))

    def plan(self, source) -> ImportPreview:
        self.check_role(self.user)
        known = self._known_devices()
        taken: set[str] = set()
        if self._may_add:
            taken = set(
                Device.objects.filter(status=DeviceStatus.DISPOSED).values_list("hostname", flat=True)
            )
        with open_import(source, file_name=self.file_name, specs=[SCAN_SPEC]) as upload:
            notes = upload.notes()
            sheet = upload.sheets["scan"]
            header = sheet.header
            for number, cells in sheet.rows():
                self.rows += 1
                if self.rows % PROGRESS_EVERY == 0:
                    self.progress(
                        min(60, 5 + self.rows // PROGRESS_EVERY),
                        gettext("%(n)s行を確認しました") % {"n": f"{self.rows:,}"},
                    )
                host = hostname_key(as_text(cells.get("hostname")))
                software = as_text(cells.get("software"))
                if not host:
                    self.errors.add(sheet.name, number, header("hostname"), gettext("ホスト名が空欄です。"))
                    continue
                if not software:
                    self.errors.add(
                        sheet.name, number, header("software"), gettext("ソフトウェア名が空欄です。")
                    )
                    continue
                if len(software) > 300:
                    self.errors.add(
                        sheet.name,
                        number,
                        header("software"),
                        gettext("ソフトウェア名が長すぎます（300文字まで）。"),
                    )
                    continue
                version = as_text(cells.get("version"))[:100]
                installed: datetime.date | None = None
                raw_date = cells.get("installed_on")
                if not is_blank(raw_date):
                    parsed = self._date(raw_date)
                    if isinstance(parsed, ParseError):
                        self.errors.add(sheet.name, number, header("installed_on"), str(parsed.message))
                        continue
                    installed = parsed
                plan = self.devices.get(host)
                if plan is None:
                    device_id = known.get(host)
                    if device_id is None and (not self._may_add or host in taken or len(host) > 100):
                        self.errors.add(
                            sheet.name,
                            number,
                            header("hostname"),
                            gettext(
                                "ホスト名「%(host)s」の機器は登録されていないか、取り込む権限がありません。"
                            )
                            % {"host": host},
                        )
                        continue
                    plan = self.devices[host] = _DevicePlan(device_id, self._intern(host), number)
                item = (self._intern(software), self._intern(version))
                if item in plan.items:
                    self.duplicates += 1
                else:
                    plan.items[item] = (self._intern(software), installed)
                user = as_text(cells.get("user"))[:50]
                if user and not plan.user:
                    plan.user = user
        if not self.rows and not self.errors:
            raise ImportRefused(_("スキャン結果の行がありません。"), code="empty")
        self.progress(65, gettext("現在のインストール状況と比べています"))
        self._diff()
        if self.duplicates:
            notes.append(
                gettext("同じ機器の同じソフトウェア（同じバージョン）の重複行%(n)s件は1件として扱います。")
                % {"n": self.duplicates}
            )
        return self._preview(notes)

    def _diff(self) -> None:
        """Compare each device's file contents with its current installations (by name key and version)."""
        from .matching import name_key
        from .services import names_resolve

        raws = {raw for plan in self.devices.values() for raw, _v in plan.items}
        name_ids, self.new_names = names_resolve(raws, create=False)
        keys = {raw: (name_ids[raw] if name_ids.get(raw) is not None else name_key(raw)) for raw in raws}
        ids = [p.device_id for p in self.devices.values() if p.device_id is not None]
        current_rows: dict[int, dict[tuple[int, str], int]] = defaultdict(dict)
        for batch in chunks(ids, 2000):
            for pk, device_id, name_id, version in Installation.objects.filter(
                device_id__in=batch, active=True
            ).values_list("pk", "device_id", "name_id", "version"):
                current_rows[device_id][(name_id, version)] = pk
        digest = hashlib.sha256()
        for plan in self.devices.values():
            now = current_rows.get(plan.device_id, {}) if plan.device_id is not None else {}
            keep: set[tuple[Any, str]] = set()
            seen: set[tuple[Any, str]] = set()
            for (raw, version), (_raw, installed) in plan.items.items():
                key = (keys[raw], version)
                if key in seen:  # two spellings of one program (全角/半角): one installation
                    self.duplicates += 1
                    continue
                seen.add(key)
                if key in now:
                    keep.add(key)
                    plan.unchanged += 1
                else:
                    plan.added.append((raw, version, installed))
            plan.removed = sorted(pk for k, pk in now.items() if k not in keep)
            digest.update(
                f"{plan.hostname}|{plan.device_id}|{sorted((r, v) for r, v, _d in plan.added)}|{plan.removed}".encode()
            )
        self._digest = digest.hexdigest()

    def _preview(self, notes: list[str]) -> ImportPreview:
        rows: list[RowPlan] = []
        for plan in self.devices.values():
            if not plan.added and not plan.removed and plan.device_id is not None:
                continue
            changes = []
            if plan.added:
                changes.append(
                    FieldChange("added", gettext("追加"), "", _names(r for r, _v, _d in plan.added))
                )
            if plan.removed:
                changes.append(
                    FieldChange(
                        "removed",
                        gettext("削除"),
                        ngettext("%(n)s件", "%(n)s件", len(plan.removed)) % {"n": len(plan.removed)},
                        "",
                    )
                )
            rows.append(
                RowPlan(
                    sheet=str(SCAN_SPEC.label),
                    row=plan.first_row,
                    action=RowAction.CREATE if plan.device_id is None else RowAction.UPDATE,
                    key=plan.hostname,
                    title=plan.hostname,
                    changes=changes,
                )
            )
        counts = {
            "rows": self.rows,
            "devices": len(self.devices),
            "new_devices": sum(1 for p in self.devices.values() if p.device_id is None),
            "added": sum(len(p.added) for p in self.devices.values()),
            "removed": sum(len(p.removed) for p in self.devices.values()),
            "unchanged": sum(p.unchanged for p in self.devices.values()),
            "new_names": self.new_names,
            "errors": self.errors.count,
            "created": sum(1 for p in self.devices.values() if p.device_id is None),
            "updated": sum(
                1 for p in self.devices.values() if p.device_id is not None and (p.added or p.removed)
            ),
        }
        preview = ImportPreview(
            file_name=self.file_name,
            unit=self.unit,
            blank=self.blank,
            counts=counts,
            rows=rows,
            errors=list(self.errors.items),
            error_count=self.errors.count,
            notes=notes,
        )
        preview.fingerprint = self._digest
        return preview

    # -- writing ---------------------------------------------------------------------------------------

    def execute(self) -> None:
        """Write the planned scan in bulk (inside the pipeline's transaction and change context): the
        scan record (logged), new devices (one history row each), new names, closed and new
        installations, and each device's last scan."""
        from .services import installations_insert, names_count, names_resolve

        ctx = current()
        now = ctx.at or timezone.now()
        division = self.user.current_division if self._scoped else None
        counts = {
            "rows": self.rows,
            "devices": len(self.devices),
            "added": sum(len(p.added) for p in self.devices.values()),
            "removed": sum(len(p.removed) for p in self.devices.values()),
            "unchanged": sum(p.unchanged for p in self.devices.values()),
            "new_devices": sum(1 for p in self.devices.values() if p.device_id is None),
            "new_names": self.new_names,
        }
        scan = Scan(file_name=self.file_name[:255], division=division, created_by=self.user, **counts)
        scan.full_clean()
        scan.save()
        self.progress(70, gettext("書き込んでいます"))
        history = BulkChangeLog(ctx, now)
        with change_context(enabled=False):
            new = [p for p in self.devices.values() if p.device_id is None]
            for batch in chunks(new, 1000):
                objs = Device.objects.bulk_create(
                    [Device(hostname=p.hostname, kind=DeviceKind.PC, scanned_user=p.user) for p in batch]
                )
                for plan, obj in zip(batch, objs, strict=True):
                    if obj.pk is None:  # a backend that does not return ids (never on SQLite/PostgreSQL)
                        obj = Device.objects.get(hostname=plan.hostname)
                    plan.device_id = obj.pk
                    history.add(obj, ObjectChange.Action.CREATE, None, serialize(obj))
            history.flush()
            raws = {r for p in self.devices.values() for r, _v, _d in p.added}
            name_ids, _n = names_resolve(raws, create=True)
            removed = [pk for p in self.devices.values() for pk in p.removed]
            for batch in chunks(removed, 2000):
                Installation.objects.filter(pk__in=batch).update(active=False, removed_scan=scan)
            total = max(1, counts["added"])
            rows = (
                (plan.device_id, name_ids[raw], raw, version, installed, scan.pk, True)
                for plan in self.devices.values()
                for raw, version, installed in plan.added
            )
            installations_insert(
                rows,
                batch=BATCH,
                report=lambda n: self.progress(
                    70 + 25 * n // total, gettext("%(n)s件を書き込みました") % {"n": f"{n:,}"}
                ),
            )
            ids = [p.device_id for p in self.devices.values()]
            for batch in chunks(ids, 2000):
                Device.objects.filter(pk__in=batch).update(last_scan=scan, last_scanned_at=now)
            users = defaultdict(list)
            for p in self.devices.values():
                if p.user:
                    users[p.user].append(p.device_id)
            for user, device_ids in users.items():
                for batch in chunks(device_ids, 2000):
                    Device.objects.filter(pk__in=batch).exclude(scanned_user=user).update(scanned_user=user)
        names_count()
        self.progress(100, gettext("完了"))

    # -- template ---------------------------------------------------------------------------------------

    @classmethod
    def template(cls, *, user, query=None, fiscal_year: int | None = None, request=None) -> bytes:
        """A workbook with the scan's columns and one example row (the inventory tool writes the file)."""
        from openpyxl import Workbook

        from saiteki.core.excel import xlsx_cell, xlsx_header_row

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(str(SCAN_SPEC.label))
        xlsx_header_row(ws, [(str(c.label), 24, False) for c in SCAN_SPEC.columns])
        ws.append(
            [
                xlsx_cell(ws, v)
                for v in (
                    "pc-00001",
                    "Microsoft Office Professional Plus 2019 - ja-jp",
                    "16.0.10827",
                    datetime.date(2024, 4, 1),
                    "K00001",
                )
            ]
        )
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    @classmethod
    def template_filename(cls) -> str:
        return gettext("インストール状況のスキャン 取込用テンプレート") + ".xlsx"

    @classmethod
    def summary(cls, preview: ImportPreview) -> str:
        c = preview.counts
        return gettext(
            "機器%(d)s台（新規%(nd)s台）、インストール 追加%(a)s件・削除%(r)s件・変更なし%(u)s件"
        ) % {
            "d": f"{c.get('devices', 0):,}",
            "nd": f"{c.get('new_devices', 0):,}",
            "a": f"{c.get('added', 0):,}",
            "r": f"{c.get('removed', 0):,}",
            "u": f"{c.get('unchanged', 0):,}",
        }


def _names(raws, limit: int = 3) -> str:
    items = list(raws)
    head = "、".join(items[:limit])
    more = gettext(" ほか%(n)s件") % {"n": len(items) - limit} if len(items) > limit else ""
    return gettext("%(n)s件: %(names)s%(more)s") % {"n": len(items), "names": head, "more": more}


class DeviceImporter(ModelImporter):
    """機器 (key ホスト名): the device register from the asset list; the 所属 by name."""

    label = _("機器")
    model = Device
    touches = (Device,)
    do_not_call_in_templates = True
    key = ("hostname",)
    sheet_names = ("機器", "機器一覧")
    fields = (
        Field("hostname", width=18),
        Field("kind", width=8),
        Field("status", width=10),
        Field("serial", width=16),
        Field("model_name", width=20),
        Field("os", width=20),
        Field("division", width=20),
        Field("user_code", width=14),
        Field("user_name", width=14),
        Field("cores", width=8),
        Field("purchased_on", width=12),
        Field("disposed_on", width=12),
    )


reg.registry.register_importer("sam.scans", ScanImporter)
reg.registry.register_importer("sam.devices", DeviceImporter)

__all__ = ["SCAN_SPEC", "DeviceImporter", "ScanImporter"]
