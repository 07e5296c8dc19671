"""``manage.py restore FOLDER``: restore a backup made by ``manage.py backup`` — see saiteki.core.backup.

Into an empty database (and an empty MEDIA_ROOT) by default; every checksum is verified first and the
restored tables are compared with the manifest at the end. ``--force`` replaces a database that has
tables (in one transaction) and the current uploaded files.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from saiteki.core import backup


class Command(BaseCommand):
    # A backup or a restore must run even when an unrelated system check fails (that is when it is needed).
    requires_system_checks: list[str] = []
    help = (
        "manage.py backup で作成したバックアップを復元します（空のデータベースへ。照合してから復元します）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="バックアップのフォルダ（saiteki-YYYYMMDD-HHMMSS）。")
        parser.add_argument(
            "--force", action="store_true", help="空でないデータベースと添付ファイルの保存先を上書きします。"
        )
        parser.add_argument("--no-media", action="store_true", help="添付ファイルを復元しません。")
        parser.add_argument("--database", default="default", help="復元先のデータベース（既定: default）。")

    def handle(self, *args, folder: Path, force=False, no_media=False, database="default", **options):
        log = self.stdout.write if options["verbosity"] > 0 else backup.quiet
        try:
            manifest = backup.restore_backup(
                folder, alias=database, force=force, include_media=not no_media, log=log
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"復元しました: {folder}（{manifest['created_at']} 作成）\n"
            f"  テーブル {len(manifest['tables'])} 個・{rows:,} 行が目録と一致しました。"
            f"添付ファイル {manifest['media']['count']:,} 件。"
        )
        pending = backup.pending_migrations(database)
        if pending:
            self.stdout.write(
                f"このバックアップは以前の版のものです。続けて manage.py migrate を実行してください（未適用 {len(pending)} 件）。"
            )
