"""Backup and restore of the whole service: the database, the uploaded files and a manifest.

The product asks prefectures for a backup standard (daily, generations, an off-site and an offline
copy, restore tested); this module is that standard applied to Saiteki itself. One backup is one folder
``saiteki-YYYYMMDD-HHMMSS/``:

- ``database.dump`` — PostgreSQL: ``pg_dump`` custom format, taken from an exported snapshot so the row
  counts and digests below describe exactly the rows in the dump while users keep working;
  ``database.sqlite3`` — SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent
  copy without stopping the server;
- ``media/`` — every uploaded file under ``MEDIA_ROOT`` (karte attachments, review and survey files,
  KPI reports, pending import uploads);
- ``manifest.json`` — row counts of every table, a digest of the records that must survive exactly
  (change log, audit log, karte), and the SHA-256 of the dump and of every file.

The folder is written under a ``.partial`` name and renamed when complete, so a crashed backup never
looks like a good one. Restore checks every checksum *before* it touches anything, refuses a non-empty
target unless forced, restores the database in one transaction (PostgreSQL: ``pg_restore`` piped into
``psql --single-transaction``; SQLite: the backup API in reverse, one write transaction), swaps the
media folder in by rename, and finally compares the restored tables with the manifest.

Backups hold everything (password hashes, personal data): folders are created 0700, files 0600.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

FORMAT = "saiteki-backup"
VERSION = 1
MANIFEST = "manifest.json"
PREFIX = "saiteki-"
PG_DUMP = "database.dump"
SQLITE_DUMP = "database.sqlite3"
#: Records that must come back exactly, not only in number: their rows are digested one by one.
DIGEST_TABLES = (
    "core_objectchange",
    "core_objectchangelink",
    "core_auditevent",
    "core_journalentry",
    "core_journalattachment",
)
CHUNK = 1 << 20

Log = Callable[[str], None]


class BackupError(Exception):
    """A refusal or failure, with a Japanese message for the operator; nothing was changed."""


class RestoreVerificationError(BackupError):
    """The restore ran but the restored data does not match the manifest."""


@dataclass
class Snapshot:
    tables: dict[str, dict] = field(default_factory=dict)


def quiet(_message: str) -> None:
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- what is in a database ----------------------------------------------------------------------------


def _table_names(cursor, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        )
    return [row[0] for row in cursor.fetchall()]


def _canonical(value) -> object:
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value) if value is not None else None


def _digest_rows(rows: Iterable[tuple]) -> str:
    """SHA-256 over the rows in id order, each as canonical JSON: equal digests mean equal rows."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _fetch_all(cursor, sql: str) -> Iterable[tuple]:
    cursor.execute(sql)
    while rows := cursor.fetchmany(2000):
        yield from rows


def snapshot_tables(alias: str = DEFAULT_DB_ALIAS) -> Snapshot:
    """Row counts of every table and digests of :data:`DIGEST_TABLES`, read on the current connection
    (inside the backup's snapshot transaction on PostgreSQL)."""
    conn = connections[alias]
    snap = Snapshot()
    with conn.cursor() as cursor:
        names = _table_names(cursor, conn.vendor)
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(name)}")
            snap.tables[name] = {"rows": cursor.fetchone()[0]}
    for name in DIGEST_TABLES:
        if name not in snap.tables:
            continue
        sql = f"SELECT * FROM {conn.ops.quote_name(name)} ORDER BY id"
        # A server-side cursor on PostgreSQL: the change log of a decade does not fit in memory at once.
        cursor = conn.chunked_cursor() if conn.vendor == "postgresql" else conn.cursor()
        try:
            snap.tables[name]["sha256"] = _digest_rows(_fetch_all(cursor, sql))
        finally:
            cursor.close()
    return snap


def database_is_empty(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The tables the target already has (empty list: a fresh database)."""
    conn = connections[alias]
    if conn.vendor == "sqlite" and not _in_memory(conn) and not _sqlite_path(conn).exists():
        return []
    with conn.cursor() as cursor:
        return _table_names(cursor, conn.vendor)


# --- backup ---------------------------------------------------------------------------------------------


def _pg_env(conn) -> dict[str, str]:
    s = conn.settings_dict
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    options = s.get("OPTIONS", {})
    for key, var in (("sslmode", "PGSSLMODE"), ("connect_timeout", "PGCONNECT_TIMEOUT")):
        if options.get(key):
            env[var] = str(options[key])
    return env


def _run(args: list[str], *, env: dict[str, str] | None = None, what: str) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{args[0]} が見つかりません。PostgreSQL のクライアント（Debian: postgresql-client）を"
            "インストールしてください。"
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{what}に失敗しました: {result.stderr.strip()[-2000:]}")


def _dump_postgres(alias: str, folder: Path) -> tuple[Path, Snapshot, str]:
    """pg_dump from an exported snapshot; counts and digests are read in the same snapshot."""
    conn = connections[alias]
    if conn.in_atomic_block:
        raise BackupError("バックアップはトランザクションの外で実行してください。")
    path = folder / PG_DUMP
    with transaction.atomic(using=alias):
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", f"--file={path}"],
            env=_pg_env(conn),
            what="データベースの書き出し（pg_dump）",
        )
        snap = snapshot_tables(alias)
    return path, snap, server_version


def _in_memory(conn) -> bool:
    """Django's SQLite test database lives in memory: nothing to look for on disk, nothing to replace."""
    return bool(getattr(conn, "is_in_memory_db", lambda: False)())


def _sqlite_path(conn) -> Path:
    return Path(str(conn.settings_dict["NAME"]))


def _dump_sqlite(alias: str, folder: Path) -> tuple[Path, Snapshot, str]:
    """The online backup API copies a consistent state; counts are read from the copy itself."""
    conn = connections[alias]
    conn.ensure_connection()
    path = folder / SQLITE_DUMP
    target = sqlite3.connect(path)
    try:
        conn.connection.backup(target)
    finally:
        target.close()
    snap = _sqlite_snapshot(path)
    return path, snap, sqlite3.sqlite_version


def _sqlite_snapshot(path: Path) -> Snapshot:
    """The snapshot of an SQLite file through a private connection (the same code as for Django's)."""
    from django.db.utils import load_backend

    alias = f"saiteki-backup-{os.getpid()}-{id(path)}"
    wrapper = load_backend("django.db.backends.sqlite3").DatabaseWrapper(
        {**connections[DEFAULT_DB_ALIAS].settings_dict, "NAME": str(path), "OPTIONS": {}, "TEST": {}}, alias
    )
    connections[alias] = wrapper
    try:
        return snapshot_tables(alias)
    finally:
        wrapper.close()
        del connections[alias]


def _copy_media(source: Path, target: Path) -> dict[str, dict]:
    """Copy every regular file, hashing as it goes; symlinks are not followed (nothing outside)."""
    files: dict[str, dict] = {}
    if not source.exists():
        return files
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames.sort()
        for name in sorted(filenames):
            src = Path(dirpath) / name
            if src.is_symlink() or not src.is_file():
                continue
            rel = src.relative_to(source).as_posix()
            dst = target / rel
            dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            digest = hashlib.sha256()
            with open(src, "rb") as fin, open(dst, "wb") as fout:
                while chunk := fin.read(CHUNK):
                    digest.update(chunk)
                    fout.write(chunk)
            os.chmod(dst, 0o600)
            files[rel] = {"sha256": digest.hexdigest(), "bytes": dst.stat().st_size}
    return files


def _applied_migrations(alias: str) -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).migration_qs.values_list("app", "name"):
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def create_backup(
    output: Path,
    *,
    alias: str = DEFAULT_DB_ALIAS,
    include_media: bool = True,
    keep: int | None = None,
    log: Log = quiet,
) -> Path:
    """Write one complete backup folder under ``output`` and return it; prune to ``keep`` generations."""
    conn = connections[alias]
    if conn.vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"このデータベース（{conn.vendor}）のバックアップには対応していません。")
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    started = timezone.now()
    name = f"{PREFIX}{timezone.localtime(started):%Y%m%d-%H%M%S}"
    final = output / name
    if final.exists():
        raise BackupError(f"同じ名前のバックアップがすでにあります: {final}")
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=output))
    try:
        log(f"データベースを書き出しています（{conn.vendor}）…")
        if conn.vendor == "postgresql":
            dump, snap, server_version = _dump_postgres(alias, work)
        else:
            dump, snap, server_version = _dump_sqlite(alias, work)
        os.chmod(dump, 0o600)
        media_root = Path(settings.MEDIA_ROOT)
        files: dict[str, dict] = {}
        if include_media:
            log(f"添付ファイルを複製しています（{media_root}）…")
            files = _copy_media(media_root, work / "media")
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "host": socket.gethostname(),
            "app": {"git_commit": _git_commit(), "migrations": _applied_migrations(alias)},
            "database": {
                "vendor": conn.vendor,
                "name": str(conn.settings_dict.get("NAME", "")),
                "server_version": server_version,
                "file": dump.name,
                "bytes": dump.stat().st_size,
                "sha256": sha256_file(dump),
            },
            "tables": snap.tables,
            "media": {
                "included": include_media,
                "root": str(media_root),
                "count": len(files),
                "bytes": sum(f["bytes"] for f in files.values()),
                "files": files,
            },
        }
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        os.chmod(manifest_path, 0o600)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if keep:
        for old in prune(output, keep):
            log(f"古い世代を削除しました: {old.name}")
    return final


def backups_in(output: Path) -> list[Path]:
    """Complete backups (folders with a manifest) under ``output``, oldest first."""
    if not output.exists():
        return []
    return sorted(p for p in output.iterdir() if p.name.startswith(PREFIX) and (p / MANIFEST).is_file())


def prune(output: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` complete backups (never the partial one being written)."""
    found = backups_in(output)
    doomed = found[:-keep] if keep > 0 else []
    for path in doomed:
        shutil.rmtree(path)
    return doomed


# --- verify and restore ----------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"バックアップの目録（{MANIFEST}）がありません: {folder}")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"バックアップの目録を読み取れません: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            "バックアップの目録の形式が違います（Saiteki のバックアップではないか、版が異なります）。"
        )
    return manifest


def verify_files(folder: Path, manifest: dict, *, include_media: bool = True) -> list[str]:
    """Every file the manifest names, with its checksum; the problems found (empty: all good)."""
    problems = []
    db = manifest["database"]
    dump = folder / db["file"]
    if not dump.is_file():
        problems.append(f"データベースのファイルがありません: {db['file']}")
    elif sha256_file(dump) != db["sha256"]:
        problems.append(f"データベースのファイルのチェックサムが目録と一致しません: {db['file']}")
    if include_media:
        for rel, meta in manifest["media"]["files"].items():
            path = folder / "media" / rel
            if not path.is_file():
                problems.append(f"添付ファイルがありません: {rel}")
            elif sha256_file(path) != meta["sha256"]:
                problems.append(f"添付ファイルのチェックサムが目録と一致しません: {rel}")
    return problems


def compare_with_manifest(manifest: dict, snap: Snapshot) -> list[str]:
    problems = []
    for name, expected in manifest["tables"].items():
        got = snap.tables.get(name)
        if got is None:
            problems.append(f"テーブル {name} が復元されていません。")
            continue
        if got["rows"] != expected["rows"]:
            problems.append(
                f"テーブル {name} の件数が目録と異なります（目録 {expected['rows']:,} 件、復元 {got['rows']:,} 件）。"
            )
        if "sha256" in expected and got.get("sha256") != expected["sha256"]:
            problems.append(f"テーブル {name} の内容が目録と一致しません。")
    return problems


def _media_has_files(root: Path) -> bool:
    return root.exists() and any(p.is_file() for p in root.rglob("*"))


def _restore_postgres(alias: str, dump: Path, *, clean: bool) -> None:
    """pg_restore's SQL piped into one psql transaction: all of it lands, or nothing does."""
    conn = connections[alias]
    conn.close()
    env = _pg_env(conn)
    restore = subprocess.Popen(
        ["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    psql_args = ["psql", "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
    if clean:
        # With --force: the old schema goes in the same transaction as the new data arrives.
        psql_args += ["-c", "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"]
    psql_args += ["-f", "-"]
    try:
        psql = subprocess.run(psql_args, stdin=restore.stdout, capture_output=True, text=True, env=env)
    except FileNotFoundError as exc:
        restore.kill()
        raise BackupError(
            "psql が見つかりません。PostgreSQL のクライアントをインストールしてください。"
        ) from exc
    finally:
        assert restore.stdout is not None
        restore.stdout.close()
    restore_err = restore.stderr.read().decode(errors="replace") if restore.stderr else ""
    restore.wait()
    if restore.returncode != 0 or psql.returncode != 0:
        detail = (psql.stderr or restore_err).strip()[-2000:]
        raise BackupError(f"データベースの復元に失敗しました。データベースは変更されていません: {detail}")


def _restore_sqlite(alias: str, dump: Path) -> None:
    """The backup API from the backup file into the target: one write transaction on the target."""
    conn = connections[alias]
    if _in_memory(conn):
        raise BackupError(
            "メモリ上のデータベースには復元できません。ファイルのデータベースを指定してください。"
        )
    conn.close()
    target = _sqlite_path(conn)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    dest = sqlite3.connect(target, timeout=30)
    try:
        source.backup(dest)
    except sqlite3.Error as exc:
        raise BackupError(
            f"データベースの復元に失敗しました。データベースは変更されていません: {exc}"
        ) from exc
    finally:
        dest.close()
        source.close()


def _stage_media(folder: Path, manifest: dict, media_root: Path) -> Path:
    """Copy the backup's files next to MEDIA_ROOT and check each copy before anything is swapped."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{media_root.name}.restore.", dir=media_root.parent))
    copied = _copy_media(folder / "media", stage)
    expected = {rel: meta["sha256"] for rel, meta in manifest["media"]["files"].items()}
    if {rel: meta["sha256"] for rel, meta in copied.items()} != expected:
        shutil.rmtree(stage, ignore_errors=True)
        raise BackupError("添付ファイルの複製が目録と一致しません。何も変更していません。")
    return stage


def _swap_media(stage: Path, media_root: Path) -> Path | None:
    """Rename the staged folder into place; the old one is kept beside it (returned) until the end."""
    old = None
    if media_root.exists():
        old = media_root.with_name(f".{media_root.name}.before-restore.{os.getpid()}")
        media_root.rename(old)
    stage.rename(media_root)
    return old


def restore_backup(
    folder: Path,
    *,
    alias: str = DEFAULT_DB_ALIAS,
    force: bool = False,
    include_media: bool = True,
    log: Log = quiet,
) -> dict:
    """Restore ``folder`` into the configured database and MEDIA_ROOT; returns the manifest.

    Refuses, changing nothing, when a checksum does not match, the database kind differs, or the
    target database or media folder is not empty (unless ``force``).
    """
    manifest = read_manifest(folder)
    include_media = include_media and manifest["media"]["included"]
    log("バックアップのチェックサムを確認しています…")
    problems = verify_files(folder, manifest, include_media=include_media)
    if problems:
        raise BackupError(
            "バックアップが目録と一致しないため復元しません。何も変更していません。\n- "
            + "\n- ".join(problems)
        )
    conn = connections[alias]
    vendor = manifest["database"]["vendor"]
    if conn.vendor != vendor:
        raise BackupError(
            f"バックアップは {vendor} のものですが、復元先は {conn.vendor} です。同じ種類のデータベースに復元してください。"
        )
    existing = database_is_empty(alias)
    media_root = Path(settings.MEDIA_ROOT)
    if not force:
        if existing:
            raise BackupError(
                f"復元先のデータベースは空ではありません（テーブル {len(existing)} 個）。何も変更していません。"
                "上書きしてよい場合だけ --force を指定してください（先に現在の内容をバックアップしてください）。"
            )
        if include_media and _media_has_files(media_root):
            raise BackupError(
                f"復元先の添付ファイルの保存先（{media_root}）にファイルがあります。何も変更していません。"
                "上書きしてよい場合だけ --force を指定してください。"
            )
    stage = None
    if include_media:
        log(f"添付ファイルを準備しています（{manifest['media']['count']:,} 件）…")
        stage = _stage_media(folder, manifest, media_root)
    try:
        log("データベースを復元しています…")
        dump = folder / manifest["database"]["file"]
        if vendor == "postgresql":
            _restore_postgres(alias, dump, clean=bool(existing))
        else:
            _restore_sqlite(alias, dump)
    except BaseException:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
        raise
    if stage is not None:
        old = _swap_media(stage, media_root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    log("復元した内容を目録と照合しています…")
    problems = compare_with_manifest(manifest, snapshot_tables(alias))
    if problems:
        raise RestoreVerificationError(
            "復元は終わりましたが、内容が目録と一致しません。このデータベースを使わず、調査してください。\n- "
            + "\n- ".join(problems)
        )
    return manifest


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations of this code the restored database lacks (a backup from an older release)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def age_of(manifest: dict) -> datetime.timedelta:
    return timezone.now() - datetime.datetime.fromisoformat(manifest["created_at"])
