"""Demo of software asset management: a prefecture-sized estate.

About 6,000 PCs for about 4,000 staff in every 所属 plus one device per ledger server, about 150
titles (office suites, PDF tools, 一太郎/ATOK, antivirus, CAD, GIS, statistics, server software), two
scans whose program names are written the many ways inventory tools write them (locale tags, 全角, a
space or none), licences owned by 所属 and by the central pool with shortfalls and surpluses, downgrade
rights, subscriptions ending within 90 days, two reconciliation runs to compare, inventory campaigns
since FY2013 (closed, for the KPI's history) and this year's in progress, an audit with findings and two
volume-licence offers.

Everything is written in bulk (``bulk_create``) as initial data — no per-row history — so the loader
adds seconds, not minutes, to ``make demo``. Deterministic (one seed, dates relative to today) and
idempotent (skipped when the titles exist). ``pcs`` scales the estate down for tests.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of

from . import demo_inventory

SEED = 20130401
FIRST_FY = 2013

from .demo_catalogue import CATALOGUE, NOISE_NAMES, UNKNOWN_NAMES  # noqa: E402 - data, kept apart

__all__ = ["CATALOGUE", "NOISE_NAMES", "UNKNOWN_NAMES", "load_sam"]


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _title_specs():
    """(key, category, publisher, product, edition, version, metric, licensable, family, rank, price, variants)."""
    out = []
    for cat, pub, product, edition, versions, metric, licensable, family, price, variants in CATALOGUE:
        for version in versions:
            rank = int("".join(ch for ch in version if ch.isdigit()) or 0)
            raws = [v.format(v=version, vw=version.translate(_FULL)) for v in variants]
            out.append(
                (
                    f"{family}:{version}",
                    cat,
                    pub,
                    product,
                    edition,
                    version,
                    metric,
                    licensable,
                    family,
                    rank,
                    price,
                    raws,
                )
            )
    return out


def _division_kind(name: str) -> str:
    if any(
        w in name for w in ("道路", "河川", "都市", "建築", "港湾", "技術管理", "耕地", "防災", "企業局施設")
    ):
        return "engineering"
    if any(w in name for w in ("環境", "自然", "林政", "農", "水産", "畜産")):
        return "gis"
    if any(w in name for w in ("統計", "保健", "医療", "健康", "医薬")):
        return "statistics"
    if any(w in name for w in ("公聴広報", "観光", "文化", "スポーツ")):
        return "design"
    return "office"


@demo_loader(45, "ソフトウェア資産管理")
def load_sam(*, pcs: int = 6000, staff: int = 4000) -> str:
    from saiteki.accounts.choices import OrganizationKind
    from saiteki.accounts.models import Organization, User
    from saiteki.lifecycle import services as lifecycle_services

    from .models import Title

    if Title.objects.exists():
        return f"ソフトウェア{Title.objects.count()}件（既存のため追加なし）"
    divisions = list(
        Organization.objects.filter(kind=OrganizationKind.DIVISION, valid_to__isnull=True).order_by(
            "sort_order", "code"
        )
    )
    if not divisions:
        return "組織がないため省略"
    lifecycle_services.catalogue_load_shipped()
    admin = User.objects.filter(username="demo-admin").first()
    rng = random.Random(SEED)
    with transaction.atomic():
        titles = _load_titles()
        devices = _load_devices(rng, divisions, pcs=pcs, staff=staff)
    with transaction.atomic():
        scans = _load_scans(rng, titles, devices, admin)
    with transaction.atomic():
        entitlements = _load_entitlements(rng, titles, divisions)
    runs = demo_inventory.load_runs(scans, admin)
    with transaction.atomic():
        demo_inventory.load_campaigns(rng, divisions, admin)
        demo_inventory.load_audit(rng, admin)
        demo_inventory.load_offers(titles)
    return (
        f"ソフトウェア{len(titles)}件、機器{len(devices):,}台、インストール{scans['installations']:,}件、"
        f"ライセンス{entitlements}件、照合{runs}回"
    )


def _load_titles() -> dict[str, object]:
    from saiteki.lifecycle.models import Cycle
    from saiteki.lifecycle.services import matcher_get

    from . import services
    from .choices import RuleKind
    from .models import NormalisationRule, Title

    matcher = matcher_get()
    cycles = {(c.product.slug, c.cycle): c for c in Cycle.objects.select_related("product")}
    objs = {}
    for (
        key,
        cat,
        pub,
        product,
        edition,
        version,
        metric,
        licensable,
        family,
        rank,
        price,
        _raws,
    ) in _title_specs():
        name = " ".join(x for x in (product, edition, version) if x)
        if pub in ("Microsoft", "Adobe", "IBM") and not product.startswith(pub):
            name = f"{pub} {name}"
        cycle = None
        if version:
            result = matcher.match(f"{pub} {product} {version}")
            if result.matched and result.confidence >= 0.85:
                cycle = cycles.get((result.product, result.cycle))
        objs[key] = Title(
            name=name,
            publisher=pub,
            product=product,
            edition=edition,
            version_family=version,
            category=cat,
            metric=metric,
            licensable=licensable,
            family=family,
            version_rank=rank,
            unit_price=price,
            lifecycle_cycle=cycle,
        )
    Title.objects.bulk_create(objs.values(), batch_size=500)
    saved = {t.name: t for t in Title.objects.all()}
    for key, obj in objs.items():
        objs[key] = saved[obj.name]
    by = {t.name: t for t in saved.values()}
    rules = [
        NormalisationRule(kind=RuleKind.EXACT, pattern="Adobe Acrobat DC", title=by["Adobe Acrobat Pro DC"]),
        NormalisationRule(
            kind=RuleKind.CONTAINS,
            pattern="Trend Micro Apex One",
            title=by["ウイルスバスター コーポレートエディション"],
        ),
        NormalisationRule(kind=RuleKind.EXACT, pattern="ATOK for Windows", title=by["ATOK Passport"]),
        NormalisationRule(kind=RuleKind.CONTAINS, pattern="ドラゴンスピーチ", title=by["ドラゴン音声入力"]),
        NormalisationRule(kind=RuleKind.CONTAINS, pattern="SAS 9.4", title=by["SAS 9.4"]),
        NormalisationRule(kind=RuleKind.IGNORE, pattern="WebView2", note="Edge の部品"),
        NormalisationRule(kind=RuleKind.EXACT, pattern="Zoom", title=by["Zoom Workplace"]),
    ]
    for r in rules:
        r.full_clean()
    NormalisationRule.objects.bulk_create(rules)
    services.matcher_reset()
    return objs


def _load_devices(rng, divisions, *, pcs: int, staff: int) -> list:
    from saiteki.ledger.models import Server

    from .choices import DeviceKind, DeviceStatus
    from .models import Device

    weights = [rng.uniform(0.5, 1.8) for _ in divisions]
    total = sum(weights)
    people: list[tuple[object, str]] = []
    n = 0
    for division, w in zip(divisions, weights, strict=True):
        for _ in range(max(2, round(staff * w / total))):
            n += 1
            people.append((division, f"K{n:05d}"))
    models_ = [
        "FMV LIFEBOOK A5510",
        "FMV ESPRIMO D7012",
        "HP ProBook 450 G9",
        "Dell Latitude 5440",
        "NEC VersaPro VKT16",
    ]
    today = datetime.date.today()
    objs = []
    for i in range(pcs):
        division, user = people[i % len(people)] if i < len(people) else rng.choice(people)
        shared = i >= len(people) and rng.random() < 0.5  # second PCs: half shared (no named user)
        bought = today - datetime.timedelta(days=rng.randint(60, 365 * 6))
        objs.append(
            Device(
                hostname=f"pc-{i + 1:05d}",
                kind=DeviceKind.PC,
                status=DeviceStatus.IN_USE if rng.random() > 0.02 else DeviceStatus.STOCK,
                serial=f"SN{rng.randrange(10**9):09d}",
                model_name=rng.choice(models_),
                os="Windows 11 Enterprise" if bought.year >= today.year - 2 else "Windows 10 Enterprise",
                division=division,
                user_code="" if shared else user,
                user_name="",
                cores=4,
                purchased_on=bought,
            )
        )
    division_ids = {d.pk for d in divisions}
    for server in Server.objects.prefetch_related("systems").order_by("name"):
        system = next(iter(server.systems.all()), None)
        division_id = system.owning_division_id if system is not None else None
        objs.append(
            Device(
                hostname=server.name.lower()[:100],
                kind=DeviceKind.SERVER,
                status=DeviceStatus.IN_USE,
                model_name=server.get_kind_display(),
                division_id=division_id if division_id in division_ids else None,
                cores=max(2, server.vcpu or 2),
                server=server,
            )
        )
    Device.objects.bulk_create(objs, batch_size=1000, ignore_conflicts=True)
    return list(Device.objects.order_by("pk"))


def _software_for(rng, device, division_kind: str, specs: dict, *, later: bool) -> list[tuple[str, str]]:
    """The programs a device has: (raw name, version). ``later`` adds what the second scan finds new."""
    from .choices import DeviceKind

    out: list[tuple[str, str]] = []

    def add(key: str, version: str = ""):
        raws = specs[key][11]
        out.append((rng.choice(raws), version))

    if device.kind == DeviceKind.SERVER:
        add(
            rng.choice(
                ["winsrv-std:2016", "winsrv-std:2019", "winsrv-std:2022", "rhel:7", "rhel:8", "rhel:9"]
            )
        )
        if rng.random() < 0.35:
            add(rng.choice(["sql-std:2016", "sql-std:2019", "sql-std:2022"]))
        if rng.random() < 0.08:
            add("oracle-se2:19c")
        if rng.random() < 0.1:
            add(rng.choice(["veeam:11", "veeam:12"]))
        return out
    add("windows-ent11:" if "11" in device.os else "windows-ent:")
    add("vb-corp:")
    add("skysea:")
    add("chrome:", "120.0")
    roll = rng.random()
    if roll < 0.55:
        add("office-proplus:2019", "16.0.10827")
    elif roll < 0.72:
        add("office-proplus:2016", "16.0.4266")
    elif roll < 0.8:
        add("office-std:2019", "16.0.10827")
    elif roll < 0.9:
        add("m365:", "16.0.17126")
    else:
        add("office-proplus:2021", "16.0.14332")
    if rng.random() < 0.45:
        add(
            rng.choice(
                [
                    "ichitaro:2019",
                    "ichitaro:2021",
                    "ichitaro:2022",
                    "ichitaro:2023",
                    "ichitaro:2023",
                    "ichitaro:2024",
                ]
            )
        )
    if rng.random() < 0.35:
        add("atok:")
    pdf = rng.random()
    if pdf < 0.12:
        add("acrobat-pro:")
    elif pdf < 0.2:
        add("acrobat-std:")
    elif pdf < 0.45:
        add(rng.choice(["justpdf:4", "justpdf:5", "justpdf:5"]))
    add("acrobat-reader:")
    if rng.random() < 0.3:
        add("7zip:")
    if rng.random() < 0.2:
        add("lhaplus:")
    if rng.random() < 0.25:
        add("zoom:")
    if rng.random() < 0.06:
        add("visio-pro:2019")
    if rng.random() < 0.03:
        add("project-std:2019")
    if rng.random() < 0.05:
        add(rng.choice(["justcalc:5", "justfocus:5", "fudemame:34", "finereader:16", "powerdvd:21"]))
    if division_kind == "engineering":
        if rng.random() < 0.45:
            add(
                rng.choice(
                    ["autocad-lt:2021", "autocad-lt:2022", "autocad-lt:2023", "autocad-lt:2024"]
                    if not later
                    else ["autocad-lt:2024"]
                )
            )
        if rng.random() < 0.12:
            add(rng.choice(["autocad:2022", "autocad:2023", "autocad:2024"]))
        if rng.random() < 0.05:
            add(rng.choice(["civil3d:2023", "vnas:"]))
        if rng.random() < 0.4:
            add("jwcad:")
    elif division_kind == "gis":
        if rng.random() < 0.25:
            add(rng.choice(["arcgis-desktop:10.8", "arcgis-desktop:10.7", "arcgis-pro:"]))
        if rng.random() < 0.3:
            add("qgis:")
        if rng.random() < 0.05:
            add("sis:10")
    elif division_kind == "statistics":
        if rng.random() < 0.2:
            add(rng.choice(["spss:28", "spss:29", "spss:27"]))
        if rng.random() < 0.08:
            add(rng.choice(["sas:", "stata:18", "jmp:17"]))
        if rng.random() < 0.25:
            add("r:")
    elif division_kind == "design":
        if rng.random() < 0.25:
            add(rng.choice(["photoshop:", "illustrator:", "premiere:"]))
    if rng.random() < 0.6:
        out.append((rng.choice(NOISE_NAMES), ""))
    if rng.random() < 0.004:
        out.append((rng.choice(UNKNOWN_NAMES), ""))
    return out


def _load_scans(rng, titles, devices, admin) -> dict:
    """Two scans: a month ago (every device) and this week (engineering 所属 updated their CAD and some
    PCs moved from Office 2016 to 2019). The first scan's removed programs stay as history."""
    from saiteki.accounts.models import Organization

    from . import services
    from .models import Installation, Scan

    specs = {s[0]: s for s in _title_specs()}
    kinds: dict = {}
    names = dict(Organization.objects.values_list("pk", "name"))
    now = timezone.now()
    first = Scan.objects.create(
        file_name="inventory_full_scan.csv", created_by=admin, rows=0, devices=len(devices)
    )
    Scan.objects.filter(pk=first.pk).update(created_at=now - datetime.timedelta(days=35))
    second = Scan.objects.create(file_name="inventory_weekly_scan.csv", created_by=admin, rows=0)
    per_device: dict[int, list[tuple[str, str]]] = {}
    later: dict[int, list[tuple[str, str]]] = {}
    for d in devices:
        kind = kinds.setdefault(d.division_id, _division_kind(names.get(d.division_id, "")))
        per_device[d.pk] = _software_for(rng, d, kind, specs, later=False)
        if kind == "engineering" and d.kind == "pc" and rng.random() < 0.3:
            later[d.pk] = [(r, v) for r, v in per_device[d.pk] if "AutoCAD LT" not in r] + _software_for(
                rng, d, kind, specs, later=True
            )[-2:]
        elif rng.random() < 0.03 and any("2016" in r for r, _v in per_device[d.pk]):
            later[d.pk] = [
                (r.replace("2016", "2019"), "16.0.10827") if "Office Professional Plus 2016" in r else (r, v)
                for r, v in per_device[d.pk]
            ]
    raws = {r for items in [*per_device.values(), *later.values()] for r, _v in items} | set(UNKNOWN_NAMES)
    name_ids, _new = services.names_resolve(raws, create=True)
    today = datetime.date.today()
    count = services.installations_insert(
        (
            device_id,
            name_ids[raw],
            raw,
            version,
            today - datetime.timedelta(days=rng.randint(40, 1500)),
            first.pk,
            device_id not in later,
        )
        for device_id, items in per_device.items()
        for raw, version in dict.fromkeys(items)
    )
    # The programs the second scan no longer found: closed by it (history), not deleted.
    Installation.objects.filter(scan=first, active=False).update(removed_scan=second)
    added = services.installations_insert(
        (
            device_id,
            name_ids[raw],
            raw,
            version,
            today - datetime.timedelta(days=rng.randint(1, 30)),
            second.pk,
            True,
        )
        for device_id, items in later.items()
        for raw, version in dict.fromkeys(items)
    )
    Scan.objects.filter(pk=first.pk).update(rows=count, added=count, devices=len(per_device))
    Scan.objects.filter(pk=second.pk).update(rows=added, added=added, devices=len(later))
    from .models import Device

    Device.objects.filter(pk__in=list(later)).update(last_scan=second, last_scanned_at=now)
    Device.objects.exclude(pk__in=list(later)).update(
        last_scan=first, last_scanned_at=now - datetime.timedelta(days=35)
    )
    services.names_count()
    return {"first": first, "second": second, "installations": count + added, "later": later}


def _load_entitlements(rng, titles, divisions) -> int:
    """Licences: the central pool holds most; some 所属 bought their own (CAD, GIS, statistics). The
    quantities are the use scaled by a random factor, so some titles are short and some have spare."""
    from django.db.models import Count

    from .choices import EntitlementType, LicenceState, Metric
    from .models import Device, Entitlement, Installation, Purchase

    today = datetime.date.today()
    fy = fiscal_year_of(today)
    use = defaultdict(int)
    for title_id, division_id, n in (
        Installation.objects.filter(active=True, name__title__isnull=False)
        .values_list("name__title_id", "device__division_id")
        .annotate(n=Count("device_id", distinct=True))
        .order_by()
    ):
        use[(title_id, division_id)] += n
    totals = defaultdict(int)
    for (t, _d), n in use.items():
        totals[t] += n
    users = Device.objects.exclude(user_code="").values("user_code").distinct().count()
    entitlements, purchases = [], []
    seq = 0

    def add(
        title,
        division,
        quantity,
        *,
        kind,
        downgrade=False,
        term_end=None,
        bought=None,
        price=None,
        state=LicenceState.INSTALLED,
    ):
        nonlocal seq
        if quantity <= 0:
            return
        seq += 1
        e = Entitlement(
            number=f"L{fy - 3 + seq % 4}-{seq:05d}",
            title=title,
            kind=kind,
            metric=title.metric,
            owner_division=division,
            downgrade_rights=downgrade,
            state=state,
        )
        entitlements.append(e)
        bought = bought or today - datetime.timedelta(days=rng.randint(200, 1500))
        unit = price if price is not None else title.unit_price
        purchases.append(
            (
                e,
                Purchase(
                    purchased_on=bought,
                    fiscal_year=fiscal_year_of(bought),
                    quantity=quantity,
                    unit_cost=unit,
                    total_cost=unit * quantity,
                    term_start=(term_end - datetime.timedelta(days=364)) if term_end else None,
                    term_end=term_end,
                    vendor=rng.choice(["株式会社岡山システム", "大塚商会", "リコージャパン", "富士通Japan"]),
                    order_number=f"R{fiscal_year_of(bought)}-{seq:04d}",
                ),
            )
        )

    for title in titles.values():
        if not title.licensable or not totals.get(title.pk):
            continue
        need = totals[title.pk]
        if title.family == "office-proplus" and title.version_family == "2021":
            # A volume agreement with downgrade rights covers the older Office Professional Plus too.
            older = sum(totals.get(t.pk, 0) for t in titles.values() if t.family == "office-proplus")
            add(title, None, int(older * 0.97), kind=EntitlementType.VOLUME, downgrade=True)
            continue
        if title.family == "office-proplus":
            continue
        if title.metric == Metric.USER:
            end = today + datetime.timedelta(days=rng.choice([25, 60, 150, 300]))
            add(
                title,
                None,
                int(min(need, users) * rng.uniform(0.85, 1.15)),
                kind=EntitlementType.SUBSCRIPTION,
                term_end=end,
            )
            continue
        if title.category in ("cad", "gis", "statistics"):
            for (t, d), n in use.items():
                if t == title.pk and d is not None and rng.random() < 0.8:
                    add(
                        title,
                        next(x for x in divisions if x.pk == d),
                        round(n * rng.uniform(0.6, 1.3)),
                        kind=EntitlementType.PACKAGE,
                    )
            continue
        factor = rng.choice([0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25])
        kind = (
            EntitlementType.OEM
            if title.category == "os"
            else EntitlementType.VOLUME
            if need > 500
            else EntitlementType.PACKAGE
        )
        if title.category == "security":
            add(
                title,
                None,
                int(need * 1.02),
                kind=EntitlementType.SUBSCRIPTION,
                term_end=today + datetime.timedelta(days=75),
            )
            continue
        add(title, None, round(need * factor), kind=kind, downgrade=title.category == "server")
    # The demo owner's 税務課 bought its own 一太郎 2023 (a few short).
    tax = next((d for d in divisions if d.name == "税務課"), None)
    ichitaro = next((t for t in titles.values() if t.name == "一太郎 2023"), None)
    if tax is not None and ichitaro is not None and use.get((ichitaro.pk, tax.pk)):
        add(ichitaro, tax, max(1, use[(ichitaro.pk, tax.pk)] - 3), kind=EntitlementType.PACKAGE)
    Entitlement.objects.bulk_create(entitlements, batch_size=500)
    for e, p in purchases:
        p.entitlement = e
    Purchase.objects.bulk_create([p for _e, p in purchases], batch_size=1000)
    # Subscriptions renewed every year: the previous term as a past purchase (renewal history).
    history = []
    for e, p in purchases:
        if p.term_end:
            history.append(
                Purchase(
                    entitlement=e,
                    purchased_on=p.purchased_on - datetime.timedelta(days=365),
                    fiscal_year=fiscal_year_of(p.purchased_on - datetime.timedelta(days=365)),
                    quantity=p.quantity,
                    unit_cost=p.unit_cost,
                    total_cost=p.total_cost,
                    term_start=p.term_start - datetime.timedelta(days=365),
                    term_end=p.term_start - datetime.timedelta(days=1),
                    vendor=p.vendor,
                    order_number=p.order_number + "-前年",
                )
            )
            p.renewal = True
    Purchase.objects.bulk_create(history, batch_size=1000)
    Purchase.objects.filter(pk__in=[p.pk for _e, p in purchases if p.renewal]).update(renewal=True)
    return len(entitlements)
