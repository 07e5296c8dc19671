"""Demo ledger: 202 systems (Okayama's FY2014 table), 74 of them on the shared virtualisation platform
as 115 VMs on 14 hosts, 3 on cloud services, the rest on physical servers; costs from FY2008 in which
the recurring cost falls by about 30% to FY2014 and then stays level; contracts and karte entries.

Deterministic: one seeded random generator and dates relative to the current fiscal year.
Costs are bulk-loaded as initial data (no per-row creation history); systems, servers and contracts
are created through the ORM, so their history starts with a 作成 row — dated when it happened, not when
the demo was loaded: systems and their servers and components when the system entered the ledger, the
platform's hosts when it was built, a system's move to the platform (its servers becoming VMs there) on
the day of the move. The as-of ledger (:mod:`saiteki.ledger.asof`) of any past date is therefore the
ledger as it was, for servers as for systems. This year's contracts and karte entries are dated today.
"""

from __future__ import annotations

import datetime
import random

from django.db import connection
from django.utils import timezone

from saiteki.accounts.models import Organization, User
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import JournalEntry
from saiteki.ledger.choices import (
    BUILD_CATEGORIES,
    CostCategory,
    CostStage,
    HostingForm,
    LifecycleStatus,
    ProcurementMethod,
    ServerKind,
)
from saiteki.ledger.demo_names import CLOUD_SYSTEMS, JOINT_ALL, MUNICIPALITIES, SYSTEMS_BY_BUREAU, VENDORS
from saiteki.ledger.models import Component, Contract, Municipality, Server, System, Tag, Vendor

SEED = 20140401
BASELINE_FY = 2008
SHARED_SYSTEMS = 74
SHARED_VMS = 115
SHARED_HOSTS = 14

# Share of the recurring (運用等) cost by category.
RUN_SPLIT = [
    (CostCategory.HW_LEASE, 0.22),
    (CostCategory.HW_MAINTENANCE, 0.10),
    (CostCategory.SW_LICENSE, 0.10),
    (CostCategory.SW_MAINTENANCE, 0.10),
    (CostCategory.APP_MAINTENANCE, 0.25),
    (CostCategory.OPERATION, 0.15),
    (CostCategory.NETWORK, 0.05),
    (CostCategory.DATACENTER, 0.03),
]

OS_CHOICES = [
    ("Windows Server", "Standard", "2016"),
    ("Windows Server", "Standard", "2019"),
    ("Windows Server", "Standard", "2022"),
    ("Red Hat Enterprise Linux", "", "7"),
    ("Red Hat Enterprise Linux", "", "8"),
    ("Red Hat Enterprise Linux", "", "9"),
]
DB_CHOICES = [
    ("Oracle Database", "Standard Edition 2", "19c"),
    ("PostgreSQL", "", "13"),
    ("PostgreSQL", "", "15"),
    ("Microsoft SQL Server", "Standard", "2017"),
    ("Microsoft SQL Server", "Standard", "2019"),
]


def recurring_factor(fy: int, rng: random.Random) -> float:
    """1.0 in FY2008 falling linearly to 0.695 in FY2014 (the plan's −30% met), then level (±2%)."""
    if fy <= BASELINE_FY:
        base = 1.0
    elif fy <= 2014:
        base = 1.0 - 0.305 * (fy - BASELINE_FY) / (2014 - BASELINE_FY)
    else:
        base = 0.695
    return base * rng.uniform(0.98, 1.02)


def _round(amount: float, unit: int = 1000) -> int:
    return int(round(amount / unit)) * unit


def _moment(year: int, month: int, day: int = 1) -> datetime.datetime:
    return datetime.datetime(year, month, day, 9, 0, tzinfo=timezone.get_current_timezone())


def registered_at(service_start: datetime.date) -> datetime.datetime:
    """When a demo system (and its own servers) entered the ledger: before its service start and before
    the moves to the shared platform (FY2010–), so the as-of ledger of past years
    (saiteki/ledger/asof.py) counts the system and its servers from then."""
    return _moment(min(service_start.year - 1, 2009), 10)


#: The shared virtualisation platform's hosts were set up before the first system moved onto it.
PLATFORM_BUILT = (2009, 12)


@demo_loader(30, "情報システム台帳")
def load_ledger() -> str:
    if System.objects.filter(number__startswith="S01").exists():
        return f"{System.objects.count()}システム（既存のため追加なし）"
    rng = random.Random(SEED)
    today = datetime.date.today()
    current_fy = fiscal_year_of(today)
    admin = User.objects.filter(username="demo-admin").first()

    municipalities = [
        Municipality.objects.get_or_create(code=f"33{i:04d}", defaults={"name": name})[0]
        for i, name in enumerate(MUNICIPALITIES, start=1)
    ]
    vendors = [Vendor.objects.get_or_create(name=name)[0] for name in VENDORS]
    tags = {
        name: Tag.objects.get_or_create(name=name)[0]
        for name in ("基幹系", "内部管理", "県民サービス", "防災", "GIS")
    }
    bureaus = list(Organization.objects.filter(kind="bureau").order_by("sort_order"))

    # Which systems go on the shared platform: every third-ish system, deterministic, 74 in all.
    all_names = [(bi, entry) for bi, entries in enumerate(SYSTEMS_BY_BUREAU) for entry in entries]
    candidates = [n for n in all_names if n[1][0] not in CLOUD_SYSTEMS]
    shared = {entry[0] for _bi, entry in rng.sample(candidates, SHARED_SYSTEMS)}

    systems: list[System] = []
    with change_context(user=admin, reason="デモデータ投入"):
        # One creation row per system (the batch folds the many-to-many updates into it).
        with change_batch():
            for bi, entries in enumerate(SYSTEMS_BY_BUREAU):
                bureau = bureaus[bi]
                for si, (name, division_name, business) in enumerate(entries, start=1):
                    division = Organization.objects.get(parent=bureau, name=division_name)
                    start_year = rng.randint(1998, 2012)
                    personal = rng.random() < 0.55
                    with change_context(at=registered_at(datetime.date(start_year, 4, 1))):
                        system = System.objects.create(
                            number=f"S{bi + 1:02d}{si:03d}",
                            name=name,
                            purpose=f"{business}の事務を効率化し、正確・迅速な処理を行う。",
                            business=business,
                            owning_division=division,
                            users_internal=True,
                            users_residents=rng.random() < 0.25,
                            users_businesses=rng.random() < 0.2,
                            status=LifecycleStatus.OPERATING,
                            service_start=datetime.date(start_year, 4, 1),
                            planned_renewal_fy=current_fy + rng.randint(0, 5),
                            segment_mynumber=personal and rng.random() < 0.15,
                            segment_lgwan=True,
                            segment_internet=rng.random() < 0.2,
                            hosting_form=CLOUD_SYSTEMS.get(name, HostingForm.ONPREM),
                            confidentiality=3 if personal else rng.choice([1, 2]),
                            integrity=rng.choice([2, 2, 3]),
                            availability=rng.choice([1, 2, 2, 3]),
                            personal_info=personal,
                            my_number=personal and rng.random() < 0.1,
                            sso_integrated=rng.random() < 0.4,
                            ipv6_ready=rng.random() < 0.3,
                        )
                    if system.segment_mynumber:
                        system.segment_lgwan = False
                        system.save()
                    system.vendors.set(rng.sample(vendors, rng.choice([1, 1, 2])))
                    if name in JOINT_ALL:
                        system.joint_municipalities.set(municipalities)
                    elif rng.random() < 0.05:
                        system.joint_municipalities.set(rng.sample(municipalities, rng.randint(3, 12)))
                    if "GIS" in name:
                        system.tags.add(tags["GIS"])
                    if bi == 0 or "会計" in name or "給与" in name:
                        system.tags.add(tags["内部管理"])
                    if system.users_residents:
                        system.tags.add(tags["県民サービス"])
                    if "防災" in name or "災害" in name:
                        system.tags.add(tags["防災"])
                    systems.append(system)

        # Shared platform: 14 hosts; 115 VMs for 74 systems (41 systems with two VMs). Every server is
        # dated like its system's history: hosts when the platform was built, each system's servers when
        # the system entered the ledger (physical, in a server room), turned into VMs on the platform on
        # the day the system moved — so the as-of ledger of any past date lists the servers as they were.
        hosts = []
        for h in range(1, SHARED_HOSTS + 1):
            with change_context(at=_moment(*PLATFORM_BUILT)):
                host = Server.objects.create(
                    name=f"VH-{h:02d}",
                    kind=ServerKind.PHYSICAL,
                    vcpu=48,
                    memory_gib=768,
                    storage_gib=20000,
                    cpu_avg_pct=rng.randint(20, 45),
                    cpu_peak_pct=rng.randint(50, 80),
                    mem_avg_pct=rng.randint(40, 70),
                    mem_peak_pct=rng.randint(60, 85),
                    power_w=900,
                    location="県庁情報センター",
                    maintenance_end=datetime.date(current_fy + 1 + (h % 3), 3, 31),
                )
            hosts.append(host)
        shared_systems = [s for s in systems if s.name in shared]
        two_vm = set(rng.sample(range(len(shared_systems)), SHARED_VMS - SHARED_SYSTEMS))
        vm_index = 0
        for idx, system in enumerate(shared_systems):
            # History: the system moved to the shared platform in FY2010–FY2013 (second plan's results).
            moved = _moment(rng.randint(2010, 2013), rng.choice([4, 10, 1]))
            segment = (
                "mynumber"
                if system.segment_mynumber
                else ("internet" if system.segment_internet and not system.personal_info else "lgwan")
            )
            count = 2 if idx in two_vm else 1
            group = f"{system.number}-HA" if count == 2 else ""
            own: list[tuple[Server, Server]] = []
            for k in range(count):
                vcpu = rng.choice([2, 2, 4, 4, 4, 8])
                mem = rng.choice([4, 8, 8, 16, 16, 32])
                # Until the move: the system's own machine in the server room, maintained to that year end.
                with change_context(at=registered_at(system.service_start)):
                    server = Server.objects.create(
                        name=f"sv-{system.number.lower()}-{k + 1}",
                        kind=ServerKind.PHYSICAL,
                        vcpu=vcpu,
                        memory_gib=mem,
                        storage_gib=rng.choice([100, 200, 300, 500]),
                        cpu_avg_pct=rng.randint(3, 30),
                        cpu_peak_pct=rng.randint(35, 90),
                        mem_avg_pct=rng.randint(20, 60),
                        mem_peak_pct=rng.randint(55, 92),
                        power_w=350,
                        location="本庁舎サーバ室",
                        maintenance_end=datetime.date(fiscal_year_of(moved.date()) + 1, 3, 31),
                        segment=segment,
                        redundancy_group=group,
                    )
                    server.systems.add(system)
                own.append((server, hosts[vm_index % SHARED_HOSTS]))
                vm_index += 1
            with change_context(at=moved, reason="統合サーバ（仮想化基盤）へ移行"):
                system.hosting_form = HostingForm.SHARED_PLATFORM
                system.save()
                for k, (server, host) in enumerate(own, start=1):
                    server.name = f"vm-{system.number.lower()}-{k}"
                    server.kind = ServerKind.VIRTUAL
                    server.host = host
                    server.power_w = None
                    server.maintenance_end = None
                    server.location = "県庁情報センター"
                    server.save()
        # Physical servers of the on-premise systems, maintenance ends spread over the next years.
        for system in systems:
            if system.hosting_form != HostingForm.ONPREM:
                continue
            for k in range(rng.choice([1, 1, 2])):
                with change_context(at=registered_at(system.service_start)):
                    server = Server.objects.create(
                        name=f"sv-{system.number.lower()}-{k + 1}",
                        kind=ServerKind.PHYSICAL,
                        vcpu=rng.choice([4, 8, 8, 16]),
                        memory_gib=rng.choice([16, 32, 32, 64]),
                        storage_gib=rng.choice([500, 1000, 2000]),
                        cpu_avg_pct=rng.randint(2, 25),
                        cpu_peak_pct=rng.randint(20, 70),
                        mem_avg_pct=rng.randint(15, 55),
                        mem_peak_pct=rng.randint(40, 85),
                        power_w=rng.choice([250, 350, 450, 600]),
                        location=rng.choice(
                            ["県庁情報センター", "本庁舎サーバ室", "出先機関サーバ室", "外部データセンター"]
                        ),
                        maintenance_end=datetime.date(current_fy + rng.randint(0, 5), 3, 31),
                        segment="mynumber" if system.segment_mynumber else "lgwan",
                    )
                    server.systems.add(system)
                    os_ = rng.choice(OS_CHOICES)
                    Component.objects.create(
                        system=system, server=server, product=os_[0], edition=os_[1], product_version=os_[2]
                    )
            if rng.random() < 0.5:
                db = rng.choice(DB_CHOICES)
                with change_context(at=registered_at(system.service_start)):
                    Component.objects.create(
                        system=system, product=db[0], edition=db[1], product_version=db[2]
                    )

        # Contracts: this year's operation & maintenance contract of every system.
        for i, system in enumerate(systems, start=1):
            vendor = system.vendors.first()
            method = rng.choices(
                [
                    ProcurementMethod.NEGOTIATED,
                    ProcurementMethod.GENERAL,
                    ProcurementMethod.PROPOSAL,
                    ProcurementMethod.DESIGNATED,
                ],
                weights=[55, 30, 10, 5],
            )[0]
            contract = Contract.objects.create(
                number=f"R{current_fy - 2018}-{i:04d}",
                title=f"{system.name}運用保守業務委託",
                vendor=vendor,
                procurement_method=method,
                fiscal_year=current_fy,
                start=datetime.date(current_fy, 4, 1),
                end=datetime.date(current_fy + 1, 3, 31),
                amount=_round(rng.uniform(2e6, 3e7)),
            )
            contract.systems.add(system)

        # Karte entries on a third of the systems.
        kinds = [
            (
                JournalEntry.Kind.CONSULTATION,
                "次期更改について情報政策課へ相談",
                "保守期限を踏まえ、共通基盤への移行を含めて検討する。",
            ),
            (
                JournalEntry.Kind.INCIDENT,
                "夜間バッチの異常終了",
                "ディスク容量不足。不要ログを削除し復旧。再発防止として監視閾値を見直し。",
            ),
            (JournalEntry.Kind.MODIFICATION, "法改正に伴う改修", "様式変更に対応。改修費は当初予算で措置。"),
            (
                JournalEntry.Kind.EVALUATION,
                "システム評価（利用状況）",
                "利用件数は前年度比で増加。費用対効果は妥当。",
            ),
        ]
        for system in systems[::3]:
            kind, title, body = kinds[rng.randrange(len(kinds))]
            entry = JournalEntry(
                object=system,
                kind=kind,
                date=datetime.date(current_fy, rng.randint(4, 10), rng.randint(1, 28)),
                title=title,
                body=body,
                author=admin,
                author_name=str(admin) if admin else "",
            )
            entry.save()

    # Costs (bulk, raw INSERT: ~100k rows must load in seconds so `make demo` stays quick).
    # Requested amounts (要求額) only for recent years: older request records were not kept.
    now = timezone.now()
    rows: list[tuple] = []
    for system in systems:
        base_run = rng.lognormvariate(16.3, 0.8)  # ≈ 12M yen median recurring cost in FY2008
        renewal_years = {system.service_start.year + k for k in range(0, 40, rng.choice([5, 6, 7]))}
        for fy in range(BASELINE_FY, current_fy + 2):
            factor = recurring_factor(fy, rng)
            amounts: dict[str, int] = {}
            for category, share in RUN_SPLIT:
                amounts[category] = _round(base_run * factor * share * rng.uniform(0.9, 1.1))
            if fy in renewal_years:
                amounts[CostCategory.DESIGN_DEV] = _round(base_run * rng.uniform(0.8, 2.0))
                amounts[CostCategory.HW_PURCHASE] = _round(base_run * rng.uniform(0.2, 0.6))
                amounts[CostCategory.MIGRATION] = _round(base_run * rng.uniform(0.05, 0.2))
            elif rng.random() < 0.08:
                amounts[CostCategory.MODIFICATION] = _round(base_run * rng.uniform(0.05, 0.3))
            for category, budget in amounts.items():
                cell = (now, now, 1, system.pk, fy, str(category))
                if fy >= current_fy - 3:
                    spread = 1.25 if category in BUILD_CATEGORIES else 1.10
                    rows.append(
                        (*cell, CostStage.REQUESTED.value, _round(budget * rng.uniform(1.03, spread)))
                    )
                if fy <= current_fy:
                    rows.append((*cell, CostStage.BUDGET.value, budget))
                if fy < current_fy:
                    rows.append((*cell, CostStage.ACTUAL.value, _round(budget * rng.uniform(0.88, 1.0))))
    # 1,000 rows per INSERT: the summary triggers (ADR 0007) then run once per statement, not per row.
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            cursor.execute(
                "INSERT INTO ledger_cost (created_at, updated_at, version, system_id, fiscal_year, category, stage, amount)"
                " VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch)),
                [value for row in batch for value in row],
            )
    return f"{len(systems)}システム、サーバ{Server.objects.count()}台、経費{len(rows):,}件"
