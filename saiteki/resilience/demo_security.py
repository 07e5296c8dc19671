"""The security part of the resilience demo: incidents, e-mail drills, training sessions and the network
separation in force (split from ``demo.py``, which loads them through :func:`load_resilience`)."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core.context import change_context
from saiteki.core.fiscal import fiscal_year_of
from saiteki.ledger.models import System

from .choices import (
    IncidentKind,
    IncidentStatus,
    SeparationModel,
    Severity,
    TrainingKind,
)
from .models import (
    EmailDrill,
    EmailDrillResult,
    NetworkSeparation,
    SecurityIncident,
    TrainingSession,
)


def at_hour(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """The aware time of ``day`` at ``hour`` o'clock, for back-dated demo history."""
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


def incidents(admin, today: datetime.date) -> int:
    by_name = {s.name: s for s in System.objects.all()}
    fy = fiscal_year_of(today)
    rows = [
        (
            datetime.date(2013, 11, 12),
            "USBメモリの紛失（県民の個人情報を含む）",
            IncidentKind.LOSS,
            Severity.HIGH,
            True,
            312,
            (),
            "暗号化機能付きUSBメモリ以外の使用を禁止し、持出し記録を義務化した。",
        ),
        (
            datetime.date(2015, 7, 3),
            "電子メールの誤送信（宛先の表示）",
            IncidentKind.MISSEND,
            Severity.MEDIUM,
            True,
            87,
            ("メールシステム",),
            "複数宛先への送信時にBCCを強制する設定とし、送信前確認を導入した。",
        ),
        (
            datetime.date(2019, 6, 20),
            "職員端末のマルウェア感染",
            IncidentKind.MALWARE,
            Severity.MEDIUM,
            False,
            None,
            ("グループウェア",),
            "標的型攻撃メール訓練の対象を全職員に拡大し、端末の検知ソフトを更新した。",
        ),
        (
            datetime.date(2023, 9, 8),
            "県ホームページの一部ページの改ざん",
            IncidentKind.TAMPERING,
            Severity.HIGH,
            False,
            None,
            ("県ホームページCMS",),
            "CMSの脆弱性を修正し、改ざん検知サービスを導入した。",
        ),
        (
            datetime.date(fy, 10, 6),
            "委託先によるメール誤送信（申請者の個人情報）",
            IncidentKind.MISSEND,
            Severity.MEDIUM,
            True,
            23,
            ("電子申請システム",),
            "委託先に再発防止策の提出を求めている。",
        ),
    ]
    made = 0
    for occurred, title, kind, severity, personal, count, systems, measures in rows:
        if occurred > today:
            continue
        closed = occurred < datetime.date(fy, 4, 1)  # this year's incident is still being handled
        with change_context(user=admin, at=at_hour(occurred, 18), reason="情報セキュリティ事故の報告"):
            incident = SecurityIncident(
                occurred_on=occurred,
                title=title,
                kind=kind,
                severity=severity,
                personal_data=personal,
                affected_count=count,
                status=IncidentStatus.CLOSED if closed else IncidentStatus.PREVENTING,
                summary=title + "が発生した。",
                measures=measures,
                closed_on=occurred + datetime.timedelta(days=60) if closed else None,
            )
            incident.full_clean()
            incident.save()
            incident.systems.set([by_name[n] for n in systems if n in by_name])
        made += 1
    return made


def email_drills(admin, rng: random.Random, today: datetime.date) -> int:
    from saiteki.core.display import fy_text

    bureaus = list(Organization.objects.filter(kind=OrganizationKind.BUREAU).order_by("sort_order", "code"))
    made = 0
    for fy in range(2016, fiscal_year_of(today) + 1):
        held = datetime.date(fy, 10, 20)
        if held > today:
            continue
        step = fy - 2016
        with change_context(user=admin, at=at_hour(held, 17), reason="標的型攻撃メール訓練の結果"):
            drill = EmailDrill(
                held_on=held,
                title=f"{fy_text(fy, style='wareki')} 標的型攻撃メール訓練",
                note="全職員を対象に訓練メールを送信",
            )
            drill.full_clean()
            drill.save()
            for b in bureaus:
                sent = rng.randint(150, 1200)
                opened = int(sent * rng.uniform(0.35, 0.55))
                clicked = int(sent * max(0.02, rng.uniform(0.12, 0.18) - 0.011 * step))
                reported = int(sent * min(0.7, rng.uniform(0.08, 0.14) + 0.035 * step))
                EmailDrillResult.objects.create(
                    drill=drill,
                    bureau=b,
                    sent=sent,
                    opened=max(opened, clicked),
                    clicked=clicked,
                    reported=reported,
                )
        made += 1
    return made


def training(admin, rng: random.Random, today: datetime.date) -> int:
    from saiteki.core.display import fy_text

    made = 0
    for fy in range(2013, fiscal_year_of(today) + 1):
        total = 420 + 30 * (fy - 2013) - (60 if fy == 2020 else 0)
        plan = [
            (6, TrainingKind.SECURITY, "情報セキュリティ研修（新任職員）", "新規採用職員", 0.4),
            (
                11,
                TrainingKind.SECURITY,
                "情報セキュリティ研修（所属長）",
                "所属長・情報セキュリティ責任者",
                0.25,
            ),
            (8, TrainingKind.TARGETED_EMAIL, "標的型攻撃メール対応研修", "全職員（希望者）", 0.2),
            (
                2,
                TrainingKind.BCP if fy >= 2014 else TrainingKind.IT_SKILLS,
                "ICT-BCP研修" if fy >= 2014 else "情報化人材育成研修",
                "システム所管課の担当者",
                0.15,
            ),
        ]
        for month, kind, name, target, share in plan:
            held = datetime.date(fy if month >= 4 else fy + 1, month, 10)
            if held > today:
                continue
            with change_context(user=admin, at=at_hour(held, 17), reason="研修の実施記録"):
                session = TrainingSession(
                    held_on=held,
                    title=f"{fy_text(fy, style='wareki')} {name}",
                    kind=kind,
                    target=target,
                    attendees=int(total * share) + rng.randint(-3, 3),
                )
                session.full_clean()
                session.save()
            made += 1
    return made


def separation(admin) -> None:
    for day, model, note in (
        (
            datetime.date(2017, 7, 1),
            SeparationModel.ALPHA,
            "インターネット接続系と庁内ネットワークの分離（三層分離）",
        ),
        (
            datetime.date(2024, 4, 1),
            SeparationModel.ALPHA_PRIME,
            "一部業務でインターネット接続系のクラウドサービスを利用開始",
        ),
    ):
        with change_context(user=admin, at=at_hour(day), reason="ネットワーク分離モデルの変更"):
            row = NetworkSeparation(model=model, effective_from=day, note=note)
            row.full_clean()
            row.save()
