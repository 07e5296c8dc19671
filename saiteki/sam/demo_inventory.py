"""SAM demo data: reconciliation runs, inventory campaigns, an audit and a volume offer (called by ``demo.load_sam``)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from saiteki.core.fiscal import fiscal_year_of, fiscal_year_range


def load_campaigns(rng, divisions, admin) -> None:
    """Closed campaigns since FY2013 (their frozen rates are the KPI's history) and this year's open
    one, about 60 % done; the demo owner's 税務課 has not answered yet."""
    from . import services
    from .choices import CampaignState, ItemStatus, TaskState
    from .models import InventoryCampaign, InventoryItem, InventoryTask

    today = datetime.date.today()
    fy = fiscal_year_of(today)
    from .demo import FIRST_FY

    for year in range(FIRST_FY, fy):
        target = min(1.0, 0.9 + 0.05 * (year - FIRST_FY))
        done = round(len(divisions) * target)
        close = timezone.make_aware(
            datetime.datetime.combine(
                fiscal_year_range(year)[0] + datetime.timedelta(days=300), datetime.time(17)
            )
        )
        campaign = InventoryCampaign.objects.create(
            fiscal_year=year,
            title=f"{year}年度 ソフトウェア棚卸",
            state=CampaignState.CLOSED,
            opened_at=close - datetime.timedelta(days=60),
            closed_at=close,
            created_by=admin,
        )
        order = list(divisions)
        rng.shuffle(order)
        tasks = [
            InventoryTask(
                campaign=campaign,
                division=d,
                state=TaskState.COMPLETED if i < done else TaskState.OPEN,
                completed_at=close - datetime.timedelta(days=rng.randint(1, 50)) if i < done else None,
            )
            for i, d in enumerate(order)
        ]
        InventoryTask.objects.bulk_create(tasks)
        rate = f"{100 * done / len(divisions):.1f}"
        InventoryCampaign.objects.filter(pk=campaign.pk).update(
            frozen={
                "tasks": len(divisions),
                "completed": done,
                "rate": rate,
                "by_division": [
                    {"division": t.division_id, "name": t.division.name, "state": t.state} for t in tasks
                ],
                "closed_on": close.date().isoformat(),
            }
        )
    campaign = services.campaign_create(
        user=admin,
        fiscal_year=fy,
        title=f"{fy}年度 ソフトウェア棚卸",
        due_date=min(fiscal_year_range(fy)[1], today + datetime.timedelta(days=45)),
    )
    if admin is not None:
        campaign = services.campaign_open(user=admin, campaign=campaign)
    else:  # pragma: no cover - the demo always has its admin
        return
    tasks = list(campaign.tasks.select_related("division"))
    rng.shuffle(tasks)
    now = timezone.now()
    done = [t for t in tasks if t.division.name != "税務課"][: round(len(tasks) * 0.6)]
    InventoryItem.objects.filter(task__in=done).update(
        status=ItemStatus.CONFIRMED, checked_at=now, checked_by=admin
    )
    InventoryTask.objects.filter(pk__in=[t.pk for t in done]).update(
        state=TaskState.COMPLETED, completed_at=now
    )
    # Some answers with corrections, in progress elsewhere.
    partial = [t for t in tasks if t not in done and t.division.name != "税務課"][:5]
    for t in partial:
        items = list(t.items.order_by("pk")[:6])
        InventoryItem.objects.filter(pk__in=[i.pk for i in items[:4]]).update(
            status=ItemStatus.CONFIRMED, checked_at=now
        )
        InventoryItem.objects.filter(pk__in=[i.pk for i in items[4:5]]).update(
            status=ItemStatus.CORRECTED,
            correction="unknown_software",
            note="私物のフリーソフトを削除予定",
            checked_at=now,
        )


def load_audit(rng, admin) -> None:
    from . import services
    from .choices import CheckResult, Severity
    from .models import AuditCheck

    if admin is None:
        return
    fy = fiscal_year_of(datetime.date.today())
    audit = services.audit_create(
        user=admin, fiscal_year=fy, title=f"{fy}年度 ライセンス抜き取り監査", sample_size=20, seed=fy
    )
    checks = list(AuditCheck.objects.filter(audit=audit).select_related("device__division").order_by("pk"))
    for i, check in enumerate(checks[:12]):
        if i in (3, 8):
            services.audit_check_record(
                user=admin,
                check=check,
                result=CheckResult.FINDING,
                note="現地確認",
                finding="ライセンスを保有していない有償ソフトウェア（JUST PDF 5 Pro）がインストールされていた。",
                severity=Severity.HIGH if i == 3 else Severity.MEDIUM,
                follow_up="アンインストールするか、ライセンスを確保してください。",
                due_date=datetime.date.today() + datetime.timedelta(days=30),
            )
        else:
            services.audit_check_record(
                user=admin, check=check, result=CheckResult.OK, note="スキャン結果と一致"
            )


def load_offers(titles) -> None:
    from .choices import OfferKind
    from .models import OfferTier, VolumeOffer

    by = {t.name: t for t in titles.values()}
    offers = [
        (
            by["Microsoft Office Professional Plus 2021"],
            "Microsoft 365 E3 包括契約（見積）",
            OfferKind.SUBSCRIPTION,
            "日本マイクロソフト認定パートナー",
            [(1, 0, 46_000), (500, 0, 41_000), (2000, 0, 38_000), (5000, 0, 35_500)],
        ),
        (
            by["Adobe Acrobat Pro DC"],
            "Adobe VIP 年間契約（見積）",
            OfferKind.SUBSCRIPTION,
            "アドビ認定販売店",
            [(1, 0, 23_000), (100, 0, 20_500), (500, 0, 18_000)],
        ),
        (
            by["AutoCAD LT 2024"],
            "Autodesk 全庁ボリューム契約（見積）",
            OfferKind.VOLUME,
            "オートデスク認定販売店",
            [(1, 30_000, 48_000), (50, 20_000, 44_000)],
        ),
    ]
    for title, name, kind, vendor, tiers in offers:
        offer = VolumeOffer.objects.create(
            title=title, name=name, kind=kind, vendor=vendor, replacement_years=5
        )
        OfferTier.objects.bulk_create(
            [
                OfferTier(offer=offer, min_quantity=q, initial_unit_price=i, annual_unit_price=a)
                for q, i, a in tiers
            ]
        )


def load_runs(scans, admin) -> int:
    """Two runs to compare: one as the first scan left things, one now."""
    from . import services
    from .models import Installation, ReconciliationRun

    later = list(scans["later"])
    second = scans["second"]
    # Undo the second scan for the first run, then restore it (a run only reads current installations).
    Installation.objects.filter(scan=second).update(active=False)
    Installation.objects.filter(removed_scan=second).update(active=True)
    first_run = services.reconciliation_run(
        user=admin, as_of=datetime.date.today() - datetime.timedelta(days=34)
    )
    Installation.objects.filter(removed_scan=second).update(active=False)
    Installation.objects.filter(scan=second).update(active=True)
    ReconciliationRun.objects.filter(pk=first_run.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=34), notified_at=timezone.now()
    )
    run = services.reconciliation_run(user=admin)
    ReconciliationRun.objects.filter(pk=run.pk).update(notified_at=timezone.now())
    return 2 if later is not None else 1
