"""``manage.py load_demo``: a fictional prefecture with realistic data for trials and training."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from saiteki.core.context import change_context
from saiteki.core.demo import loaders


class Command(BaseCommand):
    help = "デモ用の架空の県のデータを読み込みます（何度実行しても重複しません）。"

    def handle(self, *args, **options):
        with change_context(reason="デモデータ投入"):
            for _order, name, fn in loaders():
                with transaction.atomic():
                    message = fn()
                self.stdout.write(f"  {name}: {message}")
