"""Demo KPIs: the ledger's later history (order 35) and the indicators (order 55).

The ledger demo (30) registers every system before FY2010 and moves 74 of them to the shared platform
in FY2010–FY2013 (their 115 servers becoming VMs on 14 hosts), so the ledger as of 2014-03-31 is
Okayama's baseline: 202 systems, 3 on cloud (1.5%), 74 on the virtualised servers.

:func:`load_ledger_moves` (35, before the apps that plan from today's ledger) writes the later progress
as *dated* changes of systems and their servers: 3 systems a year to the shared platform (each of their
physical servers becoming a VM on a platform host), systems to cloud services (their servers becoming
cloud instances) — so the as-of ledger of each year end shows the plan's trend in systems and servers.

:func:`load_kpi` (55, after lifecycle 50) writes 相談 entries in the karte each year, enters the
hand-entered indicators with evidence, closes FY2013 up to last year (each closed with the values the
as-of ledger gives at that year's end), leaves the current year live and generates the annual report
of the last closed year. Deterministic (one seed) and idempotent.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from saiteki.core.context import change_context
from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import JournalEntry, ObjectChange

SEED = 20140331
FIRST_CLOSED = 2013

# Systems moved to cloud services per fiscal year (then two a year, government cloud from FY2021).
CLOUD_MOVES = {2014: 2, 2015: 3, 2016: 4}
SHARED_PER_YEAR = 3
# 相談 entries in the karte per fiscal year (支援件数, target ≥ 200): 2013 is the baseline.
SUPPORT_CASES = {2013: 150, 2014: 185, 2015: 212, 2016: 236}

# Hand-entered indicators (no capability registers them yet): value per year and the evidence text.
MANUAL = {
    "bcp_drills": (lambda fy: 1 if fy >= 2014 else 0, "ICT-BCP訓練実施記録（情報政策課）"),
    "backup_by_importance": (
        lambda fy: min(100, 82 + 6 * (fy - 2013)),
        "バックアップ実施状況調査（各所管課の回答集計）",
    ),
    "security_incidents": (lambda fy: 1 if fy in (2013, 2015) else 0, "情報セキュリティ事故報告書の件数"),
    "virtual_desktops": (lambda fy: 300 + 150 * (fy - 2013), "仮想デスクトップ基盤の利用者台帳"),
    "file_server_availability": (
        lambda fy: Decimal("99.6") if fy != 2015 else Decimal("98.7"),
        "共有ファイルサーバ稼働実績（停止時間の記録）",
    ),
    "file_server_usage": (
        lambda fy: min(100, 88 + 4 * (fy - 2013)),
        "共有ファイルサーバ利用所属数／全所属数",
    ),
    "licence_inventory": (lambda fy: min(100, 90 + 5 * (fy - 2013)), "ソフトウェア棚卸の回答状況"),
    "cost_reduction_cases": (lambda fy: 8 + 3 * (fy - 2013), "支援記録のうち経費削減につながった件数"),
    "green_procurement": (lambda fy: 100, "グリーン購入実績報告"),
    "training_attendance": (
        lambda fy: 420 + 30 * (fy - 2013) - (60 if fy == 2020 else 0),
        "職員研修の受講者名簿",
    ),
}


SHARED_REASON = "共通基盤（仮想化サーバ）へ移行"
CLOUD_REASON = "クラウドサービスへ移行"


def _system_ct() -> ContentType:
    from saiteki.ledger.models import System

    return ContentType.objects.get_for_model(System)


def _at(fy: int, month: int, day: int, now: dt.datetime) -> dt.datetime | None:
    """A moment in fiscal year ``fy`` (month 4–12 in ``fy``, 1–3 in ``fy + 1``), or None if not yet."""
    year = fy if month >= 4 else fy + 1
    moment = timezone.make_aware(dt.datetime(year, month, day, 10, 0))
    return moment if moment < now else None


@demo_loader(35, "台帳の移行履歴（平成26年度以降）")
def load_ledger_moves() -> str:
    """The second plan's progress in the ledger as *dated* changes of systems and their servers: three
    systems a year to the shared platform (each physical server becomes a VM on one of the platform's
    hosts, P2V keeping its name), some to cloud services (each physical server becomes a cloud
    instance). Runs after the ledger (30) and before the apps that read the ledger as it is today
    (reviews 45, lifecycle 50, consolidation 53): their plans and forecasts start from the ledger after
    these moves, and the as-of ledger of every year end counts systems and servers as the plan says
    (FY2013: 74 systems, 115 VMs on 14 hosts; then +3 systems a year)."""
    from saiteki.accounts.models import User
    from saiteki.ledger.choices import HostingForm, ServerKind
    from saiteki.ledger.models import Server, System

    if not System.objects.filter(number__startswith="S").exists():
        return "台帳のデモデータがないため省略"
    if ObjectChange.objects.filter(
        content_type=_system_ct(), reason__in=(SHARED_REASON, CLOUD_REASON)
    ).exists():
        return "移行履歴（既存のため追加なし）"
    admin = User.objects.filter(username="demo-admin").first()
    now = timezone.now()
    current = fiscal_year_of(timezone.localdate())
    rng = random.Random(SEED)
    systems = list(System.objects.filter(number__startswith="S").order_by("number"))
    onprem = [s for s in systems if s.hosting_form == HostingForm.ONPREM]
    rng.shuffle(onprem)
    hosts = list(Server.objects.filter(name__startswith="VH-", kind=ServerKind.PHYSICAL).order_by("name"))

    def own_servers(system: System) -> list[Server]:
        return list(
            system.servers.filter(kind=ServerKind.PHYSICAL).exclude(name__startswith="VH-").order_by("name")
        )

    shared = cloud = servers_moved = 0
    for fy in range(2014, current + 1):
        for k in range(SHARED_PER_YEAR):
            when = _at(fy, 7 + 2 * k, 1, now)
            if when is None or not onprem:
                continue
            system = onprem.pop()
            with change_context(user=admin, at=when, reason=SHARED_REASON):
                system.hosting_form = HostingForm.SHARED_PLATFORM
                system.save()
                for server in own_servers(system):
                    server.kind = ServerKind.VIRTUAL
                    server.host = hosts[(shared + servers_moved) % len(hosts)] if hosts else None
                    server.power_w = None
                    server.maintenance_end = None
                    server.location = "県庁情報センター"
                    server.save()
                    servers_moved += 1
            shared += 1
        for k in range(CLOUD_MOVES.get(fy, 2)):
            when = _at(fy, 1 + k, 15, now)
            if when is None or not onprem:
                continue
            system = onprem.pop()
            form = HostingForm.GOV_CLOUD if fy >= 2021 else HostingForm.COMMERCIAL_CLOUD
            with change_context(user=admin, at=when, reason=CLOUD_REASON):
                system.hosting_form = form
                system.save()
                for server in own_servers(system):
                    server.kind = ServerKind.CLOUD
                    server.host = None
                    server.power_w = None
                    server.maintenance_end = None
                    server.location = str(HostingForm(form).label)
                    server.save()
                    servers_moved += 1
            cloud += 1
    return f"共通基盤へ{shared}システム、クラウドへ{cloud}システム（サーバ{servers_moved}台）を移行"


@demo_loader(55, "評価指標")
def load_kpi() -> str:
    from saiteki.accounts.models import User
    from saiteki.ledger.models import System

    from . import services
    from .models import FiscalYearClose, KpiDefinition, KpiReport, KpiValue
    from .seed import kpi_definitions_seed

    if FiscalYearClose.objects.filter(fiscal_year=FIRST_CLOSED).exists():
        return f"評価指標{KpiDefinition.objects.count()}件（既存のため追加なし）"
    admin = User.objects.filter(username="demo-admin").first()
    current = fiscal_year_of(timezone.localdate())
    kpi_definitions_seed(current_fy=current)
    rng = random.Random(SEED)
    systems = list(System.objects.filter(number__startswith="S").order_by("number"))
    moved = ObjectChange.objects.filter(
        reason__in=(SHARED_REASON, CLOUD_REASON), content_type=_system_ct()
    ).count()

    # 相談 entries in the karte (bulk: the karte's own date is what counts, not when it was typed).
    ct = ContentType.objects.get_for_model(System)
    entries = []
    for fy in range(FIRST_CLOSED, current + 1):
        n = SUPPORT_CASES.get(fy, 236 + 6 * (fy - 2016))
        for i in range(n):
            day = dt.date(fy, 4, 1) + dt.timedelta(days=(i * 365) // n)
            if day > timezone.localdate():
                break
            system = systems[rng.randrange(len(systems))]
            entries.append(
                JournalEntry(
                    content_type=ct,
                    object_id=system.pk,
                    kind=JournalEntry.Kind.CONSULTATION,
                    date=day,
                    title="情報政策課への相談（調達・更改・運用）",
                    body="所管課からの相談に対応し、仕様書と見積の妥当性を確認した。",
                    author=admin,
                    author_name=str(admin) if admin else "",
                )
            )
    JournalEntry.objects.bulk_create(entries, batch_size=500)

    # Hand-entered indicators with evidence, then the year-end close of every past year.
    definitions = {d.code: d for d in KpiDefinition.objects.all()}
    for fy in range(FIRST_CLOSED, current):
        for code, (value, evidence) in MANUAL.items():
            d = definitions.get(code)
            if d is None or services.definition_kind(d) != "manual":
                continue
            services.kpi_entry_set(
                definition=d, fiscal_year=fy, value=value(fy), evidence=f"{evidence}（{fy}年度）", user=admin
            )
        services.fiscal_year_close(fiscal_year=fy, user=admin)
    services.kpi_values_refresh(fiscal_year=current)

    # The admin's comments and the annual report of the last closed year.
    last = current - 1
    comments = {
        "cloud_ratio": "クラウドサービスへの移行が進み、目標の5%を上回った。",
        "virtualized_systems": "更改時期を迎えたシステムから順次、共通基盤へ移行している。",
        "support_cases": "所管課からの相談は引き続き多く、調達前の支援が定着している。",
    }
    for code, text in comments.items():
        value = KpiValue.objects.filter(definition__code=code, fiscal_year=last).first()
        if value is not None:
            services.kpi_comment_set(value=value, comment=text, user=admin)
    report = KpiReport.objects.create(fiscal_year=last, requested_by=admin)
    services.kpi_report_generate(report_id=report.pk)
    return (
        f"評価指標{len(definitions)}件、{FIRST_CLOSED}〜{last}年度を確定、移行{moved}件、"
        f"相談{len(entries)}件、年次報告1件"
    )
