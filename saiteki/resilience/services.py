"""Writes of the resilience app. Each runs in one transaction, checks the policy, calls ``full_clean()``
and saves through the model, so every change lands in the change log (and on the system's karte)
with who, when and why. Plain master-data CRUD (drills, training, e-mail drills …) goes through the
generic edit views, which log the same way."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.attachments import attachment_errors, attachment_name_normalise
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ConflictError, PermissionDeniedError, ValidationFailed, full_clean_or_fail
from saiteki.ledger.models import System

from .choices import RestoreResult
from .compliance import DEFAULT_STANDARDS
from .models import BackupPractice, BackupStandard, BcpDocument, BcpProfile, RestoreTest


def _check_version(obj, expected: int | None) -> None:
    if expected is not None and obj.pk is not None:
        current = type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first()
        if current is not None and current != expected:
            raise ConflictError()


# --- Backup standard -------------------------------------------------------------------------------------


@transaction.atomic
def standards_ensure() -> int:
    """Create the shipped standard for every importance that has none (the migration does this on a
    new database; tests and the demo call it after flushing). Returns how many were created."""
    created = 0
    for s in DEFAULT_STANDARDS:
        if not BackupStandard.objects.filter(importance=s.importance).exists():
            BackupStandard.objects.create(
                importance=s.importance,
                frequency=s.frequency,
                generations=s.generations,
                offsite_required=s.offsite_required,
                offline_required=s.offline_required,
                restore_test_months=s.restore_test_months,
            )
            created += 1
    return created


@transaction.atomic
def standard_update(
    *, user, standard: BackupStandard, values: dict[str, Any], expected_version: int | None = None
) -> BackupStandard:
    """Change the standard for one importance (admins; every system's compliance follows at once)."""
    if not perms.can(user, perms.CHANGE, standard):
        raise PermissionDeniedError(_("バックアップ基準を変更する権限がありません。"))
    standard = BackupStandard.objects.select_for_update().get(pk=standard.pk)
    _check_version(standard, expected_version)
    for k, v in values.items():
        setattr(standard, k, v)
    full_clean_or_fail(standard)
    standard.save()
    return standard


# --- Practice and restore tests -----------------------------------------------------------------------


@transaction.atomic
def practice_save(
    *, user, system: System, values: dict[str, Any], expected_version: int | None = None
) -> BackupPractice:
    """Create or update a system's backup practice (owners: their own systems)."""
    practice = BackupPractice.objects.select_for_update().filter(system=system).first()
    if practice is None:
        practice = BackupPractice(system=system)
        if not perms.can_create(user, BackupPractice, {"system": system}):
            raise PermissionDeniedError(_("このシステムのバックアップ実施状況を登録する権限がありません。"))
    elif not perms.can(user, perms.CHANGE, practice):
        raise PermissionDeniedError(_("このシステムのバックアップ実施状況を変更する権限がありません。"))
    _check_version(practice, expected_version)
    for k, v in values.items():
        setattr(practice, k, v)
    full_clean_or_fail(practice)
    practice.save()
    return practice


@transaction.atomic
def restore_test_record(
    *,
    user,
    system: System,
    tested_on: datetime.date | None,
    result: str = RestoreResult.SUCCESS,
    scope: str = "",
    duration_minutes: int | None = None,
    note: str = "",
) -> RestoreTest:
    """Log a restore test; a successful one newer than the practice's date moves that date (so the
    restore-test requirement is met again from now on). Failed or partial tests are logged only: they do
    not show that the data can be restored."""
    if not perms.can_create(user, RestoreTest, {"system": system}):
        raise PermissionDeniedError(_("このシステムのリストア試験を記録する権限がありません。"))
    if tested_on is None:
        raise ValidationFailed(fields={"tested_on": [_("実施日を入力してください。")]})
    with change_batch():
        test = RestoreTest(
            system=system,
            tested_on=tested_on,
            result=result,
            scope=(scope or "").strip(),
            duration_minutes=duration_minutes,
            note=(note or "").strip(),
            recorded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        full_clean_or_fail(test)
        test.save()
        if result == RestoreResult.SUCCESS:
            # Only an answered practice moves: a test alone does not say how the system is backed up.
            practice = BackupPractice.objects.select_for_update().filter(system=system).first()
            if practice is not None and (
                practice.last_restore_test is None or practice.last_restore_test < tested_on
            ):
                practice.last_restore_test = tested_on
                full_clean_or_fail(practice)
                practice.save()
    return test


# --- ICT-BCP ------------------------------------------------------------------------------------------


def dependencies_merge(*, user, profile: BcpProfile, requested: Iterable[System | int]) -> list[System]:
    """The systems a BCP profile depends on after ``user`` asked for ``requested``.

    A system owner picks among the systems they may see (their own division's); dependencies on other
    divisions' systems (the shared platform, the network) are kept whatever they submit and are set by
    admins. A system never depends on itself."""
    ids = [r.pk if isinstance(r, System) else int(r) for r in requested]
    wanted = list(System.objects.filter(pk__in=ids))
    if profile.system_id and any(s.pk == profile.system_id for s in wanted):
        raise ValidationFailed(
            _("システム自身を依存先にはできません。"),
            fields={"depends_on": [_("システム自身を依存先にはできません。")]},
        )
    if not perms.is_scoped(user, System):
        return wanted
    visible = set(System.objects.restrict(user, perms.VIEW).filter(pk__in=ids).values_list("pk", flat=True))
    existing = list(profile.depends_on.all()) if profile.pk else []
    existing_ids = {s.pk for s in existing}
    foreign = [s for s in wanted if s.pk not in visible and s.pk not in existing_ids]
    if foreign:
        raise ValidationFailed(
            _("他所属のシステムは依存先に指定できません（情報政策課が設定します）。"),
            fields={
                "depends_on": [_("他所属のシステムは依存先に指定できません（情報政策課が設定します）。")]
            },
        )
    seen = set(
        System.objects.restrict(user, perms.VIEW).filter(pk__in=existing_ids).values_list("pk", flat=True)
    )
    return [s for s in wanted if s.pk in visible] + [s for s in existing if s.pk not in seen]


@transaction.atomic
def bcp_profile_save(
    *,
    user,
    system: System,
    values: dict[str, Any],
    depends_on: Iterable[System | int] | None = None,
    expected_version: int | None = None,
) -> BcpProfile:
    """Create or update a system's ICT-BCP (owners: their own systems)."""
    profile = BcpProfile.objects.select_for_update().filter(system=system).first()
    if profile is None:
        profile = BcpProfile(system=system)
        if not perms.can_create(user, BcpProfile, {"system": system}):
            raise PermissionDeniedError(_("このシステムのICT-BCPを登録する権限がありません。"))
    elif not perms.can(user, perms.CHANGE, profile):
        raise PermissionDeniedError(_("このシステムのICT-BCPを変更する権限がありません。"))
    _check_version(profile, expected_version)
    for k, v in values.items():
        setattr(profile, k, v)
    full_clean_or_fail(profile)
    deps = (
        dependencies_merge(user=user, profile=profile, requested=depends_on)
        if depends_on is not None
        else None
    )
    with change_batch():
        profile.save()
        if deps is not None:
            profile.depends_on.set(deps)
    return profile


# --- BCP documents ----------------------------------------------------------------------------------------

#: What the first bytes of each allowed kind of file must be: a renamed program (``setup.exe`` saved as
#: ``計画.pdf``) or a file saved under the wrong extension is refused, whatever its name says.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 / Excel 97-2003 / PowerPoint 97-2003
_ZIP = b"PK\x03\x04"  # docx / xlsx / pptx (Office Open XML) and zip
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (_ZIP,),
    ".xlsx": (_ZIP,),
    ".pptx": (_ZIP,),
    ".zip": (_ZIP,),
    ".doc": (_OLE2,),
    ".xls": (_OLE2,),
    ".ppt": (_OLE2,),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
#: Text kinds: no NUL byte in the first bytes (a binary file named ``.txt``/``.csv`` is refused).
TEXT_EXTENSIONS = (".txt", ".csv")
_SNIFF_BYTES = 8192


def _head(upload, n: int = _SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes of an upload, leaving it readable from the start again."""
    try:
        upload.seek(0)
        data = upload.read(n)
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        return b""
    return data if isinstance(data, bytes) else data.encode()


def document_file_errors(upload) -> list[str]:
    """Why ``upload`` may not be a BCP document's file: core's attachment rule (allow-listed kinds,
    size limit), an empty file, and content that does not match the extension. Empty when it may."""
    import posixpath

    errors = attachment_errors(upload)
    if errors:
        return errors
    name = attachment_name_normalise(upload.name)
    if not getattr(upload, "size", 0):
        return [_("%(name)s は空のファイルです。内容のあるファイルを選んでください。") % {"name": name}]
    ext = posixpath.splitext(name)[1].lower()
    head = _head(upload)
    if ext in TEXT_EXTENSIONS:
        if b"\x00" in head:
            return [
                _("%(name)s はテキストファイルではありません（拡張子と内容が一致しません）。")
                % {"name": name}
            ]
    elif not any(head.startswith(sig) for sig in SIGNATURES.get(ext, ())):
        return [
            _(
                "%(name)s は拡張子（%(ext)s）と内容が一致しません。正しい形式で保存したファイルを選んでください。"
            )
            % {"name": name, "ext": ext.lstrip(".")}
        ]
    return []


def document_file_check(upload) -> None:
    """Refuse a file that may not be a BCP document's (see :func:`document_file_errors`)."""
    errors = document_file_errors(upload)
    if errors:
        raise ValidationFailed(_("このファイルは添付できません。"), fields={"file": errors})


def _sha256(upload) -> str:
    import hashlib

    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def document_attach(document: BcpDocument, upload) -> None:
    """Put ``upload`` on the (unsaved or saved) document with a cleaned name; the caller saves.

    The digest goes into the change log with the name and size, so replacing a file with another of
    the same name is still a recorded change."""
    document_file_check(upload)
    name = attachment_name_normalise(upload.name)
    upload.name = name
    document.file = upload
    document.file_name = name
    document.size = upload.size
    document.sha256 = _sha256(upload)


def document_save(
    *,
    user,
    document: BcpDocument | None = None,
    values: dict[str, Any],
    systems: Iterable[System] | None = None,
    upload=None,
    expected_version: int | None = None,
) -> BcpDocument:
    """Create (``document`` None) or change a BCP document, with or without a new file, all-or-nothing.

    The policy decides on the server: a new document is checked against the systems it links (owners:
    their own division's; a prefecture-wide document, with no systems, only by admins), a change
    against the stored document. The file is checked (kind, size, content) before anything is written;
    if the database write fails, the file just stored is removed again, and a replaced file is removed
    only once the transaction has committed. Each change lands in the change log (file name, size and
    digest old → new) with the request's reason."""
    if upload is not None:
        document_file_check(upload)
    systems = list(systems) if systems is not None else None
    stored = ""
    try:
        with transaction.atomic(), change_batch():
            if document is None:
                if not perms.can_create(user, BcpDocument, {"systems": systems or []}):
                    raise PermissionDeniedError(_("このICT-BCP文書を登録する権限がありません。"))
                doc = BcpDocument()
                old_file = ""
            else:
                doc = BcpDocument.objects.select_for_update().get(pk=document.pk)
                if not perms.can(user, perms.CHANGE, doc):
                    raise PermissionDeniedError(_("このICT-BCP文書を変更する権限がありません。"))
                _check_version(doc, expected_version)
                old_file = doc.file.name if doc.file else ""
            for k, v in values.items():
                setattr(doc, k, v)
            if upload is not None:
                document_attach(doc, upload)
            full_clean_or_fail(doc, exclude=["file"])
            doc.save()
            if upload is not None:
                stored = doc.file.name
            if systems is not None:
                doc.systems.set(systems)
            if old_file and upload is not None and old_file != stored:
                storage = doc.file.storage
                transaction.on_commit(lambda: storage.delete(old_file))
    except BaseException:
        if stored:
            BcpDocument._meta.get_field("file").storage.delete(stored)  # type: ignore[attr-defined]
        raise
    return doc


def with_reason(reason: str):
    """The change context for a page's write with the user's 変更理由."""
    return change_context(reason=(reason or "").strip())
