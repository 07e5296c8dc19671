"""Check or rebuild the ledger's summary tables (cost summary, per-system totals, system counts).

manage.py ledger_summaries --check     # compare with a fresh aggregation of the rows; exit 1 if they differ
manage.py ledger_summaries --rebuild   # recompute them from the rows (after a partial restore, a bulk load
                                       # with the triggers disabled, or a --check that failed)

The triggers keep the summaries in step on every write (docs/adr/0007-national-scale-reads.md); this
command is for data that reached the tables without them.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from saiteki.ledger import summaries


class Command(BaseCommand):
    help = "台帳の集計表（経費集計・システム別経費・システム数）を検査または再作成します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="compare with the rows; exit 1 on a difference"
        )
        parser.add_argument("--rebuild", action="store_true", help="recompute the summaries from the rows")

    def handle(self, *args, **options):
        if not options["check"] and not options["rebuild"]:
            raise CommandError("--check か --rebuild を指定してください。")
        if options["rebuild"]:
            start = time.perf_counter()
            with transaction.atomic():
                counts = summaries.rebuild()
            for table, n in counts.items():
                self.stdout.write(f"  {table}: {n:,}行")
            self.stdout.write(f"集計表を再作成しました（{time.perf_counter() - start:.1f}秒）。")
        if options["check"]:
            diffs = summaries.differences()
            for table, n in diffs.items():
                self.stdout.write(f"  {table}: 不一致 {n:,}行")
            if any(diffs.values()):
                self.stderr.write("集計表が明細と一致しません。--rebuild で再作成してください。")
                raise SystemExit(1)
            self.stdout.write("集計表は明細と一致しています。")
