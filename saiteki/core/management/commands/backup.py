"""``manage.py backup``: one complete backup (database, uploaded files, manifest) — see saiteki.core.backup.

Run daily from a systemd timer or cron (docs/deploy.md, バックアップと復元); ``--keep`` keeps that many
generations in the output folder. ``--verify FOLDER`` checks an existing backup (an off-site copy, the
offline medium) against its manifest without restoring it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from saiteki.core import backup


def default_output() -> Path:
    return Path(getattr(settings, "SAITEKI_BACKUP_DIR", None) or Path(settings.VAR_DIR) / "backups")


class Command(BaseCommand):
    # A backup or a restore must run even when an unrelated system check fails (that is when it is needed).
    requires_system_checks: list[str] = []
    help = "データベースと添付ファイルをバックアップします（目録 manifest.json に件数とチェックサムを記録）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="保存先のフォルダ（既定: 設定 SAITEKI_BACKUP_DIR）。"
        )
        parser.add_argument(
            "--keep", type=int, default=None, help="残す世代数。古いものから削除します（既定: 削除しない）。"
        )
        parser.add_argument("--no-media", action="store_true", help="添付ファイルを含めません。")
        parser.add_argument("--database", default="default", help="対象のデータベース（既定: default）。")
        parser.add_argument(
            "--verify",
            type=Path,
            default=None,
            metavar="FOLDER",
            help="既存のバックアップを目録と照合するだけにします。",
        )

    def handle(
        self, *args, output=None, keep=None, no_media=False, database="default", verify=None, **options
    ):
        log = self.stdout.write if options["verbosity"] > 0 else backup.quiet
        try:
            if verify is not None:
                manifest = backup.read_manifest(verify)
                problems = backup.verify_files(verify, manifest)
                if problems:
                    raise backup.BackupError("バックアップが目録と一致しません。\n- " + "\n- ".join(problems))
                self.stdout.write(
                    f"正常: {verify}（{manifest['created_at']} 作成、テーブル {len(manifest['tables'])} 個、"
                    f"添付ファイル {manifest['media']['count']:,} 件）"
                )
                return
            if keep is not None and keep < 1:
                raise CommandError("--keep には 1 以上を指定してください。")
            path = backup.create_backup(
                output or default_output(), alias=database, include_media=not no_media, keep=keep, log=log
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(path)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"バックアップを作成しました: {path}\n"
            f"  テーブル {len(manifest['tables'])} 個・{rows:,} 行、"
            f"データベース {manifest['database']['bytes']:,} バイト、添付ファイル {manifest['media']['count']:,} 件"
        )
