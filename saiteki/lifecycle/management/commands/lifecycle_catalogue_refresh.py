"""Refresh the EOL catalogue from a file: show the diff, apply only with --apply.

manage.py lifecycle_catalogue_refresh path/to/lifecycle.json            # diff only
manage.py lifecycle_catalogue_refresh path/to/windows-server.json --apply
manage.py lifecycle_catalogue_refresh --shipped --apply                 # the shipped snapshot
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError
from saiteki.lifecycle import catalogue as cat
from saiteki.lifecycle import services


class Command(BaseCommand):
    help = "EOLカタログをファイル（同梱スナップショット形式または endoflife.date API 形式）から更新します。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="JSON file")
        parser.add_argument(
            "--shipped", action="store_true", help="use the snapshot shipped with the product"
        )
        parser.add_argument(
            "--apply", action="store_true", help="apply the changes (default: show them only)"
        )

    def handle(self, *args, **options):
        if options["shipped"]:
            path = cat.SHIPPED_SNAPSHOT
        elif options["file"]:
            path = Path(options["file"])
        else:
            raise CommandError("ファイルを指定するか --shipped を付けてください。")
        try:
            fmt, rows = cat.parse(path.read_bytes(), file_name=path.name)
        except (OSError, ApplicationError) as exc:
            raise CommandError(str(exc)) from exc
        diff = cat.diff(services.catalogue_current(), rows)
        self.stdout.write(f"format: {fmt}; products: {', '.join(diff['products'])}")
        self.stdout.write(
            f"added {len(diff['added'])}, changed {len(diff['changed'])}, removed {len(diff['removed'])}, "
            f"unchanged {diff['unchanged']}"
        )
        for c in diff["changed"]:
            for field, (old, new) in c["fields"].items():
                self.stdout.write(f"  ~ {c['product']} {c['cycle']} {field}: {old!r} -> {new!r}")
        for a in diff["added"]:
            self.stdout.write(f"  + {a['product']} {a['cycle']} eol={a['eol']}")
        for r in diff["removed"]:
            self.stdout.write(f"  - {r['product']} {r['cycle']}")
        if not options["apply"]:
            self.stdout.write("(dry run: add --apply to apply)")
            return
        with change_context(reason=f"EOLカタログの更新（{path.name}）"):
            applied = services.catalogue_apply(rows=rows)
            result = services.components_match()
        self.stdout.write(
            self.style.SUCCESS(
                f"applied; kept {len(applied['kept'])} linked cycles; re-matched {result['components']}"
            )
        )
