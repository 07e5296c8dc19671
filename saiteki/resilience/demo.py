"""Demo of resilience and security compliance (order 52: after the ledger 30 and lifecycle 50, before the
KPIs 55, whose year-end closes count these records).

* The backup standard as it evolved: adopted in FY2015 (Okayama 3.1.2), the offline/immutable copy for
  high-importance data added in FY2022 against ransomware.
* Each system in operation answered its backup practice in the FY2015 survey with gaps; gaps are fixed
  year by year and restore tests recorded — all as *dated* changes, so a closed year's KPI is counted as
  things stood then. Some gaps remain today (no off-site copy, too few generations, overdue restore tests,
  a few systems that never answered). The demo owner's first system is compliant except for an overdue
  restore test (recording one on its karte makes it compliant).
* ICT-BCP ranks, RTO/RPO and dependencies of the main systems (authentication, mail, the security cloud,
  GIS …); two drills a year from FY2014 with findings and follow-up actions; a few incidents (FY2013,
  FY2015, FY2019, FY2023 and one this year involving personal data); a targeted-attack e-mail drill a
  year from FY2016 with results by 部局; training sessions a year (attendance rising, a dip in FY2020);
  the network-separation model (α from FY2017, α' from FY2024).

Deterministic (one seed; dates relative to today) and idempotent (skipped when drills exist).
"""

from __future__ import annotations

import datetime
import random

from django.core.files.base import ContentFile
from django.utils import timezone

from saiteki.accounts.models import User
from saiteki.core.context import change_context
from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of
from saiteki.ledger.asof import IN_OPERATION
from saiteki.ledger.models import System

from . import services
from .choices import (
    FREQUENCY_RANK,
    ActionStatus,
    BackupFrequency,
    BcpDocumentKind,
    DrillKind,
)
from .compliance import importance_of, months_before
from .demo_security import at_hour, email_drills, incidents, separation, training
from .models import (
    BackupPractice,
    BackupStandard,
    BcpDocument,
    BcpDrill,
    BcpProfile,
    DrillAction,
)

SEED = 20150401
SURVEY = datetime.date(2015, 11, 2)
OFFSITE = (
    "県外データセンター（岡山・広島間バックアップ）",
    "クラウドストレージ（東日本リージョン）",
    "南庁舎サーバ室",
    "委託先データセンター",
)
WEAKER = {
    BackupFrequency.CONTINUOUS: BackupFrequency.DAILY,
    BackupFrequency.DAILY: BackupFrequency.WEEKLY,
    BackupFrequency.WEEKLY: BackupFrequency.MONTHLY,
    BackupFrequency.MONTHLY: BackupFrequency.NONE,
}

# name: (rank, RTO h, RPO h, 非常時優先業務, depends on)
BCP = {
    "統合認証基盤": ("A", 24, 24, "職員の業務システム利用（全業務の前提）", ()),
    "自治体情報セキュリティクラウド": ("A", 24, 24, "県民向け情報発信・電子申請の外部接続", ()),
    "メールシステム": ("A", 24, 24, "職員の安否確認・災害対策本部との連絡", ("統合認証基盤",)),
    "統合型GIS": ("B", 48, 24, "被害状況の地図表示", ("統合認証基盤",)),
    "防災情報システム": (
        "A",
        12,
        1,
        "災害情報の収集・伝達、避難情報の発令支援",
        ("統合型GIS", "メールシステム"),
    ),
    "災害時情報共有システム": ("A", 12, 1, "市町村との被害情報・避難所情報の共有", ("防災情報システム",)),
    "災害・救急医療情報システム": (
        "A",
        6,
        1,
        "救急医療機関の応需情報の提供",
        ("自治体情報セキュリティクラウド",),
    ),
    "県ホームページCMS": ("A", 24, 24, "県民への災害情報の発信", ("自治体情報セキュリティクラウド",)),
    "職員ポータル": ("B", 72, 24, "職員への指示・情報共有", ("統合認証基盤",)),
    "グループウェア": ("B", 72, 24, "職員の参集・スケジュール調整", ("統合認証基盤",)),
    "共有ファイルサーバ": ("B", 72, 24, "災害対応文書の共有", ("統合認証基盤",)),
    "文書管理システム": ("C", 168, 24, "公文書の収受・施行", ("統合認証基盤",)),
    "電子決裁システム": ("C", 168, 24, "緊急の決裁", ("文書管理システム", "統合認証基盤")),
    "人事管理システム": ("B", 72, 24, "職員の配置・動員", ("統合認証基盤",)),
    "給与システム": ("B", 120, 24, "職員給与の支払", ("人事管理システム",)),
    "庶務事務システム": ("D", 720, 168, "", ("人事管理システム", "統合認証基盤")),
    "県税総合システム": ("B", 72, 24, "県税の納期限の延長・減免の受付", ("統合認証基盤",)),
    "自動車税システム": ("C", 168, 24, "", ("県税総合システム",)),
    "個人県民税電子申告受付システム": (
        "C",
        168,
        24,
        "",
        ("県税総合システム", "自治体情報セキュリティクラウド"),
    ),
    "電子申請システム": (
        "B",
        72,
        24,
        "り災証明等の申請受付",
        ("統合認証基盤", "自治体情報セキュリティクラウド"),
    ),
    "生活保護システム": ("B", 72, 24, "保護費の支給", ("統合認証基盤",)),
    "感染症発生動向調査システム": ("B", 48, 24, "感染症の発生状況の把握", ()),
    "予算編成システム": ("D", 720, 168, "", ("統合認証基盤",)),
    "電子入札システム": ("C", 168, 24, "災害復旧工事の緊急発注", ("自治体情報セキュリティクラウド",)),
}
RTO_BY_RANK = {"A": 24, "B": 72, "C": 168, "D": 720}

FINDINGS = (
    (
        "職員の参集に想定以上の時間を要し、代替要員の指名が不足していた。",
        "代替要員を各システムで2名以上指名する",
    ),
    (
        "共通基盤停止時に、復旧手順書が最新の構成を反映していなかった。",
        "復旧手順書を更新し、改定日を台帳に記録する",
    ),
    ("委託事業者の緊急連絡先が一部古く、連絡がつかなかった。", "緊急連絡網を四半期ごとに確認する"),
    (
        "バックアップからの復元に想定の2倍の時間がかかった。",
        "リストア手順を自動化し、所要時間を年1回測定する",
    ),
    ("停電時に非常用電源へ切り替わらない機器があった。", "非常用電源の回路を点検し、対象機器を見直す"),
    ("代替手段（紙様式）の保管場所が周知されていなかった。", "紙様式の保管場所を庁内掲示板で周知する"),
)


def _past(day: datetime.date, today: datetime.date) -> bool:
    return day <= today


def _standards(admin, today: datetime.date) -> None:
    """Adopted in FY2015 without the offline requirement; it was added for high importance in FY2022."""
    services.standards_ensure()
    high = BackupStandard.objects.get(importance=3)
    with change_context(
        user=admin, at=at_hour(datetime.date(2015, 10, 1)), reason="バックアップ及びリストア基準の策定"
    ):
        high.offline_required = False
        high.save()
    with change_context(
        user=admin,
        at=at_hour(datetime.date(2022, 4, 1)),
        reason="ランサムウェア対策としてオフライン・改ざん防止コピーを追加",
    ):
        high.offline_required = True
        high.note = "令和4年度改定: ランサムウェア対策"
        high.save()


def _practices(admin, rng: random.Random, today: datetime.date) -> int:
    """Dated practice history per system (see the module docstring); returns the saves made."""
    standards = {s.importance: s for s in BackupStandard.objects.all()}
    fy_now = fiscal_year_of(today)
    systems = list(
        System.objects.filter(status__in=IN_OPERATION).select_related("owning_division").order_by("number")
    )
    owner = User.objects.filter(username="demo-owner").first()
    own_division = owner.current_division if owner is not None else None
    showcase = next((s for s in systems if own_division and s.owning_division_id == own_division.pk), None)
    saves = 0
    for system in systems:
        std = standards[importance_of(system.integrity, system.availability)]
        if system != showcase and rng.random() < 0.03:
            continue  # never answered the survey
        ideal = {
            "frequency": std.frequency if rng.random() < 0.8 else BackupFrequency.CONTINUOUS,
            "generations": std.generations + rng.choice([0, 0, 1, 2, 5]),
            "offsite_location": rng.choice(OFFSITE) if std.offsite_required or rng.random() < 0.5 else "",
            "offline_copy": std.offline_required or rng.random() < 0.3,
        }
        initial = dict(ideal)
        fixes: list[tuple[datetime.date, str]] = []
        if system != showcase:
            for field, p in (
                ("frequency", 0.2),
                ("generations", 0.2),
                ("offsite_location", 0.25),
                ("offline_copy", 0.5),
            ):
                if rng.random() >= p:
                    continue
                if field == "frequency":
                    initial[field] = (
                        WEAKER[ideal["frequency"]] if FREQUENCY_RANK[ideal["frequency"]] < 9 else ideal[field]
                    )
                elif field == "generations":
                    initial[field] = max(1, std.generations - rng.randint(1, 3))
                elif field == "offsite_location":
                    initial[field] = ""
                else:
                    initial[field] = False
                year = rng.randint(2016, fy_now + 2)
                fixes.append((datetime.date(year, 10, 1), field))
        if initial["frequency"] == BackupFrequency.NONE:
            initial["generations"] = 0
        events: list[tuple[datetime.date, str, object]] = [
            (d, f, ideal[f]) for d, f in fixes if _past(d, today)
        ]
        months = std.restore_test_months
        if months:
            p = 0.92 if months <= 12 else 0.7
            for fy in range(2016, fy_now + 1):
                if rng.random() < p:
                    day = datetime.date(fy, rng.randint(5, 10), rng.randint(1, 28))
                    if _past(day, today):
                        events.append((day, "last_restore_test", day))
        if system == showcase and months:
            # Compliant except the restore test: the last one is two months overdue.
            events = [e for e in events if e[1] != "last_restore_test"]
            events.append(
                (months_before(today, months + 2), "last_restore_test", months_before(today, months + 2))
            )
        events.sort(key=lambda e: (e[0], e[1]))
        with change_context(user=admin, at=at_hour(SURVEY), reason="バックアップ実施状況調査（平成27年度）"):
            practice = BackupPractice(system=system, **initial)
            practice.full_clean()
            practice.save()
        saves += 1
        # One save per event day (several fixes on one day are one change).
        by_day: dict[datetime.date, list[tuple[str, object]]] = {}
        for day, field, value in events:
            by_day.setdefault(day, []).append((field, value))
        recent = datetime.date(fy_now - 1, 4, 1)
        for day, changes in by_day.items():
            reason = (
                "リストア試験の実施"
                if all(f == "last_restore_test" for f, _v in changes)
                else "バックアップ運用の改善"
            )
            with change_context(user=admin, at=at_hour(day, 15), reason=reason):
                if day >= recent and any(f == "last_restore_test" for f, _v in changes):
                    services.restore_test_record(
                        user=admin,
                        system=system,
                        tested_on=day,
                        scope=rng.choice(
                            [
                                "業務DB全体を検証環境へ復元",
                                "ファイルサーバの一部フォルダを復元",
                                "仮想マシン全体を復元",
                            ]
                        ),
                        duration_minutes=rng.choice([45, 90, 120, 240]),
                    )
                    practice.refresh_from_db()
                for field, value in changes:
                    if field == "last_restore_test" and day >= recent:
                        continue
                    setattr(practice, field, value)
                if practice.frequency != BackupFrequency.NONE and not practice.generations:
                    practice.generations = std.generations
                practice.full_clean()
                practice.save()
            saves += 1
    return saves


def _bcp(admin, rng: random.Random) -> int:
    by_name = {s.name: s for s in System.objects.filter(status__in=IN_OPERATION)}
    made = 0
    with change_context(
        user=admin, at=at_hour(datetime.date(2016, 3, 15)), reason="ICT-BCPの策定（システム別）"
    ):
        for name, (rank, rto, rpo, business, deps) in BCP.items():
            system = by_name.get(name)
            if system is None:
                continue
            services.bcp_profile_save(
                user=admin,
                system=system,
                values={
                    "rank": rank,
                    "rto_hours": rto,
                    "rpo_hours": rpo,
                    "priority_business": business,
                    "workaround": "紙様式による受付と、復旧後の一括入力で対応する。" if rank in "AB" else "",
                },
                depends_on=[by_name[d] for d in deps if d in by_name],
            )
            made += 1
        others = [s for s in by_name.values() if s.name not in BCP]
        rng.shuffle(others)
        auth = by_name.get("統合認証基盤")
        for system in sorted(others[: max(10, len(others) // 5)], key=lambda s: s.number):
            rank = rng.choice(["B", "C", "C", "D"])
            services.bcp_profile_save(
                user=admin,
                system=system,
                values={
                    "rank": rank,
                    "rto_hours": RTO_BY_RANK[rank],
                    "rpo_hours": 24 if rank != "D" else 168,
                    "priority_business": system.business if rank == "B" else "",
                },
                depends_on=[auth] if auth is not None and system.sso_integrated else [],
            )
            made += 1
    if not BcpProfile.objects.exists():
        return 0
    with change_context(user=admin, at=at_hour(datetime.date(2024, 3, 25)), reason="ICT-BCP（第3版）"):
        plan = BcpDocument(
            title="岡山県ICT部門業務継続計画（ICT-BCP）",
            kind=BcpDocumentKind.PLAN,
            edition="第3版",
            issued_on=datetime.date(2024, 3, 25),
        )
        plan.file.save(
            "ICT-BCP_第3版_概要.txt",
            ContentFile(
                "岡山県ICT部門業務継続計画（第3版）概要\n非常時優先業務を支える情報システムの復旧方針を定める。\n".encode()
            ),
            save=False,
        )
        plan.file_name, plan.size = "ICT-BCP_第3版_概要.txt", plan.file.size
        plan.full_clean()
        plan.save()
        contacts = BcpDocument(
            title="情報システム緊急連絡網",
            kind=BcpDocumentKind.CONTACTS,
            edition="令和6年度版",
            issued_on=datetime.date(2024, 4, 1),
        )
        contacts.full_clean()
        contacts.save()
        tax = by_name.get("県税総合システム")
        if tax is not None:
            proc = BcpDocument(
                title="県税総合システム 復旧手順書",
                kind=BcpDocumentKind.PROCEDURE,
                edition="第2版",
                issued_on=datetime.date(2024, 3, 1),
            )
            proc.full_clean()
            proc.save()
            proc.systems.set([tax])
    return made


def _drills(admin, rng: random.Random, today: datetime.date) -> int:
    from saiteki.core.display import fy_text

    by_name = {s.name: s for s in System.objects.all()}
    targets = [
        by_name[n]
        for n in ("統合認証基盤", "メールシステム", "防災情報システム", "県税総合システム")
        if n in by_name
    ]
    made = 0
    for fy in range(2014, fiscal_year_of(today) + 1):
        label = fy_text(fy, style="wareki")
        for month, day, kind, title, scenario in (
            (
                9,
                1,
                DrillKind.TABLETOP,
                "ICT-BCP机上訓練（大規模地震）",
                "南海トラフ地震で本庁舎が被災し、情報センターが停電した想定。",
            ),
            (
                1,
                17,
                DrillKind.RECOVERY,
                "システム復旧訓練（共通基盤の停止）",
                "共通基盤の仮想化サーバが停止し、バックアップから復旧する想定。",
            ),
        ):
            held = datetime.date(fy if month >= 4 else fy + 1, month, day)
            if held > today:
                continue
            finding, action = FINDINGS[(fy * 2 + month) % len(FINDINGS)]
            with change_context(user=admin, at=at_hour(held, 17), reason="訓練の記録"):
                drill = BcpDrill(
                    held_on=held,
                    title=f"{label} {title}",
                    kind=kind,
                    scenario=scenario,
                    participants="情報政策課、危機管理課、各システム所管課、運用委託事業者",
                    participant_count=rng.randint(25, 60),
                    findings=finding,
                )
                drill.full_clean()
                drill.save()
                drill.systems.set(targets[: 2 if kind == DrillKind.TABLETOP else 4])
                due = held + datetime.timedelta(days=120)
                done = due < today - datetime.timedelta(days=60)
                item = DrillAction(
                    drill=drill,
                    description=action,
                    responsible="情報政策課",
                    due=due,
                    status=ActionStatus.DONE
                    if done
                    else (ActionStatus.IN_PROGRESS if rng.random() < 0.5 else ActionStatus.OPEN),
                    completed_on=min(due, today) if done else None,
                )
                item.full_clean()
                item.save()
            made += 1
    return made


@demo_loader(52, "BCP・情報セキュリティ")
def load_resilience() -> str:
    if BcpDrill.objects.exists():
        return f"訓練{BcpDrill.objects.count()}件（既存のため追加なし）"
    if not System.objects.exists():
        return "台帳がないため省略"
    admin = User.objects.filter(username="demo-admin").first()
    rng = random.Random(SEED)
    today = timezone.localdate()
    _standards(admin, today)
    saves = _practices(admin, rng, today)
    profiles = _bcp(admin, rng)
    drills = _drills(admin, rng, today)
    n_incidents = incidents(admin, today)
    email = email_drills(admin, rng, today)
    n_training = training(admin, rng, today)
    separation(admin)
    return (
        f"バックアップ実施状況の記録{saves}件、ICT-BCP{profiles}件、訓練{drills}件、事故{n_incidents}件、"
        f"メール訓練{email}件、研修{n_training}件"
    )
