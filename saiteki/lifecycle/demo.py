"""Demo of the EOL watch, on top of the ledger demo: the shipped catalogue, extra components spread
over it (some past EOL and still running — Windows Server 2012 R2, CentOS 7 — some reaching EOL this
or next fiscal year, a few written the messy ways staff write them, a few that must stay unmatched),
every component matched, a vendor-date override and planned replacement dates.

Deterministic (a fixed seed, systems chosen by number) and idempotent (skipped when its marker
component exists). The ledger demo is not changed: components are added beside it.
"""

from __future__ import annotations

import datetime
import random

from saiteki.accounts.models import User
from saiteki.core.context import change_context
from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of, fiscal_year_range
from saiteki.ledger.choices import ServerKind
from saiteki.ledger.models import Component, System

from . import services
from .models import ComponentLifecycle

SEED = 20261129
MARKER = "Windows Server 2012 R2"

# (product, edition, version) as staff write them; the first rows are the OS of physical servers.
OLD_OS = [
    ("Windows Server 2012 R2", "Standard", ""),
    ("CentOS", "", "7.9.2009"),
    ("ＲＨＥＬ", "", "７．９"),
    ("ウインドウズサーバー", "", "2016"),
]
MIDDLEWARE = [
    ("SQL Server", "", "2016 SP3"),
    ("Microsoft SQL Server", "Standard", "2017"),
    ("Oracle Database", "Standard Edition 2", "19c"),
    ("PostgreSQL", "", "11.22"),
    ("Apache Tomcat", "", "9.0.85"),
    ("PHP", "", "8.1"),
    ("Oracle Java SE", "", "8"),
    ("Internet Explorer", "", "11"),
]
UNMATCHED = [
    ("財務会計パッケージ", "", "Ver.5.2"),
    ("Java", "", "8"),
    ("Windows Server", "", ""),
]


@demo_loader(50, "ライフサイクル（EOL）")
def load_lifecycle() -> str:
    services.catalogue_load_shipped()
    if Component.objects.filter(product=MARKER).exists():
        result = services.components_match()
        return f"照合 {result['components']}件（既存のため追加なし）"
    systems = list(System.objects.order_by("number").prefetch_related("servers"))
    if not systems:
        return "台帳がないため省略"
    admin = User.objects.filter(username="demo-admin").first()
    rng = random.Random(SEED)
    added = 0
    with change_context(user=admin, reason="デモデータ投入"):
        # The demo owner's own division (税務課) runs a past-EOL Windows Server 2012 R2.
        tax = [s for s in systems if s.owning_division.name == "税務課"]
        targets = tax[:1] + rng.sample(systems, 24)
        for i, system in enumerate(targets):
            physical = [s for s in system.servers.all() if s.kind == ServerKind.PHYSICAL]
            product, edition, version = OLD_OS[i % len(OLD_OS)] if i < 12 else MIDDLEWARE[i % len(MIDDLEWARE)]
            Component.objects.create(
                system=system,
                server=physical[0] if physical and i < 12 else None,
                product=product,
                edition=edition,
                product_version=version,
            )
            added += 1
        for system in rng.sample(systems, len(UNMATCHED)):
            product, edition, version = UNMATCHED[added % len(UNMATCHED)]
            Component.objects.create(system=system, product=product, edition=edition, product_version=version)
            added += 1
    result = services.components_match()
    if admin is None:
        return f"ソフトウェア {added}件追加・照合 {result['components']}件"
    today = datetime.date.today()
    fy = fiscal_year_of(today)
    with change_context(user=admin, reason="デモデータ投入"):
        # Planned replacements for the past-EOL components of the first few systems; one override:
        # a support contract extends a CentOS 7 box to the end of next fiscal year.
        past = ComponentLifecycle.objects.filter(known=True, eff_eol__lt=today).select_related(
            "component", "cycle"
        )
        for n, lc in enumerate(past.order_by("component__system__number")[:6]):
            services.component_lifecycle_update(
                user=admin,
                lifecycle=lc,
                planned_replacement=fiscal_year_range(fy + 1)[0] + datetime.timedelta(days=90 * (n % 3)),
            )
        centos = past.filter(cycle__product__slug="centos").first()
        if centos is not None:
            services.component_lifecycle_update(
                user=admin,
                lifecycle=centos,
                override_extended=fiscal_year_range(fy + 1)[1],
                override_note="延長保守契約（デモ）",
            )
    return f"ソフトウェア {added}件追加・照合 {result['components']}件（対応付け {result['matched']}件）"
