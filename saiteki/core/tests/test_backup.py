"""Backup → restore round trip on the database of this run (SQLite or PostgreSQL).

The backup is taken in this process from the test database; the restore runs as the operator would run
it — ``manage.py restore`` in its own process with the production settings — into a separate, empty
database (PostgreSQL: ``<test db>_restore``, created here; SQLite: a new file) and an empty media
folder. The restored change log, audit log and karte are then read back through a separate connection
and compared row by row with the source, and the uploaded files byte by byte.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from saiteki.core import backup
from saiteki.core.audit import audit_event_record
from saiteki.core.models import AuditEvent, JournalAttachment, ObjectChange
from saiteki.core.services import journal_entry_create

ROOT = Path(__file__).resolve().parents[3]
COMPARED = (
    "core_objectchange",
    "core_objectchangelink",
    "core_auditevent",
    "core_journalentry",
    "core_journalattachment",
)


def _pg_admin():
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


class Target:
    """An empty database of the same kind as this run's, and how to read it independently."""

    def __init__(self, tmp_path: Path):
        self.postgres = connection.vendor == "postgresql"
        s = connection.settings_dict
        if self.postgres:
            self.name = f"{s['NAME']}_restore"
            with _pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                admin.execute(f"CREATE DATABASE \"{self.name}\" ENCODING 'UTF8' TEMPLATE template0")
            auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "") + "@" if s["USER"] else ""
            self.url = f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{self.name}"
        else:
            self.path = tmp_path / "restored.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def rows(self, table: str) -> list[tuple]:
        sql = f'SELECT * FROM "{table}" ORDER BY id'
        if self.postgres:
            return _pg_rows(self.name, sql)
        # The converters Django registered (dates, booleans) apply with the same detect_types.
        conn = sqlite3.connect(self.path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
        try:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
        finally:
            conn.close()

    def drop(self) -> None:
        if self.postgres:
            with _pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _pg_rows(dbname: str, sql: str) -> list[tuple]:
    """Rows through a plain psycopg connection with its default loaders.

    Django's own connection loads jsonb as text and sets the session time zone, so comparing its
    rows with a plain connection's would compare representations, not content.
    """
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname=dbname,
    ) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


def _source_rows(table: str) -> list[tuple]:
    sql = f'SELECT * FROM "{table}" ORDER BY id'
    if connection.vendor == "postgresql":
        return _pg_rows(connection.settings_dict["NAME"], sql)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(r) for r in cursor.fetchall()]


def _restore(folder: Path, target: Target, media: Path, *extra: str) -> subprocess.CompletedProcess:
    """``manage.py restore`` in its own process, production settings, as on the server."""
    dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REPLICA_DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="restore-test-" + "x" * 50,
        ALLOWED_HOSTS="saiteki.example.lg.jp",
        DATABASE_URL=target.url,
        MEDIA_ROOT=str(media),
    )
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def target(tmp_path):
    t = Target(tmp_path)
    yield t
    t.drop()


@pytest.fixture
def history(role_users, orgs, settings):
    """Business changes with history, audit events, a karte entry with a file and a pending import."""
    admin = role_users["admin"]
    org = orgs["税務課"]
    org.name = "税務課（バックアップ確認）"
    org.save()
    audit_event_record(kind=AuditEvent.Kind.LOGIN, user=admin)
    audit_event_record(kind=AuditEvent.Kind.EXPORT, user=admin, detail={"what": "ledger.systems", "count": 3})
    journal_entry_create(
        obj=org,
        author=admin,
        kind="note",
        date=datetime.date(2026, 4, 1),
        title="バックアップ前の記録",
        body="復元後も残ること",
        files=[
            SimpleUploadedFile("議事録.pdf", b"%PDF-1.4 minutes \x00\x01\x02", content_type="application/pdf")
        ],
    )
    pending = Path(settings.MEDIA_ROOT) / "imports" / "abc.upload"
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.write_bytes(b"import file bytes")
    assert ObjectChange.objects.exists() and JournalAttachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path, settings, history, target):
    call_command("backup", "--output", str(tmp_path / "backups"), verbosity=0)
    (folder,) = backup.backups_in(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["core_auditevent"]["rows"] == AuditEvent.objects.count() >= 2
    assert manifest["tables"]["core_objectchange"]["rows"] == ObjectChange.objects.count()
    assert "sha256" in manifest["tables"]["core_objectchange"]
    assert set(manifest["media"]["files"]) == {
        "imports/abc.upload",
        JournalAttachment.objects.get().file.name,
    }
    assert oct((folder / manifest["database"]["file"]).stat().st_mode & 0o777) == "0o600"

    media = tmp_path / "restored-media"
    result = _restore(folder, target, media)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "復元しました" in result.stdout and "目録と一致しました" in result.stdout

    for table in COMPARED:
        source = _source_rows(table)
        assert source, table
        assert target.rows(table) == source, table
    for rel in manifest["media"]["files"]:
        assert (media / rel).read_bytes() == (Path(settings.MEDIA_ROOT) / rel).read_bytes()

    # --force replaces a full database in one transaction (here with the same content: still identical).
    forced = _restore(folder, target, media, "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    for table in COMPARED:
        assert target.rows(table) == _source_rows(table), table


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_full_database_without_force(tmp_path, settings, history):
    call_command("backup", "--output", str(tmp_path / "backups"), "--no-media", verbosity=0)
    (folder,) = backup.backups_in(tmp_path / "backups")
    before = _source_rows("core_auditevent")
    with pytest.raises(CommandError, match="復元先のデータベースは空ではありません.*--force"):
        call_command("restore", str(folder), verbosity=0)
    assert _source_rows("core_auditevent") == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path, settings, history):
    """Checksums are verified before anything is touched: even --force changes nothing."""
    call_command("backup", "--output", str(tmp_path / "backups"), verbosity=0)
    (folder,) = backup.backups_in(tmp_path / "backups")
    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    attachment = next((damaged / "media" / "journal").rglob("*.pdf"))
    attachment.write_bytes(attachment.read_bytes() + b"!")
    media_before = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*"))
    rows_before = {t: _source_rows(t) for t in COMPARED}
    with pytest.raises(CommandError, match="目録と一致しない(.|\\n)*チェックサム") as refused:
        call_command("restore", str(damaged), "--force", verbosity=0)
    assert "何も変更していません" in str(refused.value)

    # The same check without restoring (an off-site or offline copy).
    with pytest.raises(CommandError, match="チェックサム"):
        call_command("backup", "--verify", str(damaged), verbosity=0)
    call_command("backup", "--verify", str(folder), verbosity=0)

    # A damaged database dump is refused the same way.
    shutil.copy(folder / "media" / attachment.relative_to(damaged / "media"), attachment)
    dump = damaged / json.loads((damaged / "manifest.json").read_text())["database"]["file"]
    with open(dump, "r+b") as fh:
        fh.seek(dump.stat().st_size // 2)
        fh.write(b"\xff\xfe")
    with pytest.raises(CommandError, match="データベースのファイルのチェックサム"):
        call_command("restore", str(damaged), "--force", verbosity=0)
    assert {t: _source_rows(t) for t in COMPARED} == rows_before
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*")) == media_before


@pytest.mark.django_db(transaction=True)
def test_generations_are_pruned_and_partial_backups_never_count(tmp_path, orgs):
    out = tmp_path / "backups"
    for i in range(3):
        # One folder per second of the clock: name three generations as the daily job would.
        made = backup.create_backup(out, include_media=False)
        made.rename(out / f"saiteki-2026040{i + 1}-020000")
    (out / ".saiteki-20260404-020000.x.partial").mkdir()
    assert [p.name for p in backup.backups_in(out)] == [
        "saiteki-20260401-020000",
        "saiteki-20260402-020000",
        "saiteki-20260403-020000",
    ]
    removed = backup.prune(out, 2)
    assert [p.name for p in removed] == ["saiteki-20260401-020000"]
    assert len(backup.backups_in(out)) == 2
