"""Reading catalogue files and comparing them with the stored catalogue (pure, no database).

Two formats are accepted, recognised by their shape:

* the shipped snapshot (``data/lifecycle.json``): a list of rows ``{product, cycle, releaseDate,
  support, eol, extendedSupport, lts, label}``;
* the endoflife.date API: v1 (``{"result": {"name": product, "releases": [{name, label, releaseDate,
  isLts, eoasFrom, isEoas, eolFrom, isEol, eoesFrom, isEoes}]}}``, one product or a list of them) or the
  older per-product list (``[{cycle, releaseDate, support, eol, extendedSupport, lts}]``, product from
  the file name).

A file replaces the cycles of the products it contains; products it does not mention stay as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from saiteki.core.errors import ValidationFailed

from .choices import ProductCategory

SHIPPED_SNAPSHOT = Path(__file__).resolve().parent / "data" / "lifecycle.json"

#: Titles and categories of the shipped products (endoflife.date titles; the snapshot has only slugs).
PRODUCTS: dict[str, tuple[str, str]] = {
    "windows": ("Microsoft Windows", ProductCategory.CLIENT),
    "windows-server": ("Microsoft Windows Server", ProductCategory.OS),
    "windows-embedded": ("Microsoft Windows Embedded", ProductCategory.CLIENT),
    "office": ("Microsoft Office", ProductCategory.CLIENT),
    "rhel": ("Red Hat Enterprise Linux", ProductCategory.OS),
    "centos": ("CentOS", ProductCategory.OS),
    "rocky-linux": ("Rocky Linux", ProductCategory.OS),
    "almalinux": ("AlmaLinux OS", ProductCategory.OS),
    "ubuntu": ("Ubuntu", ProductCategory.OS),
    "debian": ("Debian", ProductCategory.OS),
    "sles": ("SUSE Linux Enterprise Server", ProductCategory.OS),
    "oracle-database": ("Oracle Database", ProductCategory.DATABASE),
    "mssqlserver": ("Microsoft SQL Server", ProductCategory.DATABASE),
    "postgresql": ("PostgreSQL", ProductCategory.DATABASE),
    "mysql": ("MySQL", ProductCategory.DATABASE),
    "tomcat": ("Apache Tomcat", ProductCategory.MIDDLEWARE),
    "apache-http-server": ("Apache HTTP Server", ProductCategory.MIDDLEWARE),
    "nginx": ("nginx", ProductCategory.MIDDLEWARE),
    "oracle-jdk": ("Oracle JDK", ProductCategory.RUNTIME),
    "eclipse-temurin": ("Eclipse Temurin", ProductCategory.RUNTIME),
    "php": ("PHP", ProductCategory.RUNTIME),
    "dotnet": ("Microsoft .NET", ProductCategory.RUNTIME),
    "internet-explorer": ("Internet Explorer", ProductCategory.CLIENT),
    "vmware-esxi": ("VMware ESXi", ProductCategory.VIRTUALISATION),
    "vmware-vcenter": ("VMware vCenter Server", ProductCategory.VIRTUALISATION),
    "citrix-vad": ("Citrix Virtual Apps and Desktops", ProductCategory.VIRTUALISATION),
    "fortios": ("FortiOS", ProductCategory.NETWORK),
    "cisco-ios-xe": ("Cisco IOS XE", ProductCategory.NETWORK),
    "android": ("Android OS", ProductCategory.CLIENT),
    "ios": ("Apple iOS", ProductCategory.CLIENT),
    "chrome": ("Google Chrome", ProductCategory.CLIENT),
    "firefox": ("Firefox", ProductCategory.CLIENT),
    "centos-stream": ("CentOS Stream", ProductCategory.OS),
    "oracle-linux": ("Oracle Linux", ProductCategory.OS),
    "amazon-linux": ("Amazon Linux", ProductCategory.OS),
    "dotnetfx": ("Microsoft .NET Framework", ProductCategory.RUNTIME),
    "mariadb": ("MariaDB", ProductCategory.DATABASE),
    "msexchange": ("Microsoft Exchange", ProductCategory.MIDDLEWARE),
    "sharepoint": ("Microsoft SharePoint", ProductCategory.MIDDLEWARE),
    "libreoffice": ("LibreOffice", ProductCategory.CLIENT),
    "python": ("Python", ProductCategory.RUNTIME),
    "django": ("Django", ProductCategory.RUNTIME),
    "veeam-backup-and-replication": ("Veeam Backup & Replication", ProductCategory.MIDDLEWARE),
    "pan-os": ("Palo Alto Networks PAN-OS", ProductCategory.NETWORK),
    "red-hat-jboss-eap": ("Red Hat JBoss Enterprise Application Platform", ProductCategory.MIDDLEWARE),
    "zabbix": ("Zabbix", ProductCategory.MIDDLEWARE),
    "macos": ("Apple macOS", ProductCategory.CLIENT),
    "ipados": ("Apple iPadOS", ProductCategory.CLIENT),
}
#: Server operating systems: the consolidation planner moves a machine when one of these ends.
SERVER_OS = frozenset(slug for slug, (_t, cat) in PRODUCTS.items() if cat == ProductCategory.OS)

PHASES = ("releaseDate", "support", "eol", "extendedSupport", "lts", "label")


@dataclass(frozen=True)
class CatalogueRow:
    """One cycle as the catalogue states it (phase values as strings: date, "true", "false" or "")."""

    product: str
    cycle: str
    label: str = ""
    release_date: str = ""
    support: str = ""
    eol: str = ""
    extended_support: str = ""
    lts: str = ""
    product_title: str = ""

    def values(self) -> dict[str, str]:
        return {
            "label": self.label,
            "release_date": self.release_date,
            "support": self.support,
            "eol": self.eol,
            "extended_support": self.extended_support,
            "lts": self.lts,
        }


def _phase(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)[:10]


def _date_or_blank(value) -> str:
    return str(value)[:10] if isinstance(value, str) and value else ""


def _flag(is_value, from_value) -> str:
    """endoflife.date v1 pairs (isEol, eolFrom) → the snapshot's single value."""
    if from_value:
        return str(from_value)[:10]
    if is_value is None:
        return ""
    return "true" if is_value else "false"


def parse(data: bytes | str, *, file_name: str = "") -> tuple[str, list[CatalogueRow]]:
    """Parse a catalogue file; returns (format name, rows). Raises :class:`ValidationFailed` with a
    Japanese message for anything that is not one of the accepted formats."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"JSONとして読み込めません: {exc}") from exc
    if isinstance(doc, dict) and "result" in doc:
        doc = [doc]
    if isinstance(doc, list) and doc and all(isinstance(d, dict) and "result" in d for d in doc):
        return "endoflife-v1", _parse_v1([d["result"] for d in doc])
    if isinstance(doc, list) and all(isinstance(r, dict) for r in doc):
        if doc and all("product" in r and "cycle" in r for r in doc):
            return "snapshot", _parse_snapshot(doc)
        if doc and all("cycle" in r for r in doc):
            product = Path(file_name).stem.lower()
            if not product or product not in PRODUCTS and not product.replace("-", "").isalnum():
                raise ValidationFailed("製品IDが分かりません。ファイル名を「製品ID.json」にしてください。")
            return "endoflife-v0", _parse_snapshot([{**r, "product": product} for r in doc])
    raise ValidationFailed(
        "カタログの形式ではありません（同梱スナップショット形式または endoflife.date API 形式のJSON）。"
    )


def _parse_snapshot(doc: list[dict]) -> list[CatalogueRow]:
    rows = []
    for r in doc:
        product, cycle = str(r.get("product") or "").strip(), str(r.get("cycle") or "").strip().lower()
        if not product or not cycle:
            raise ValidationFailed(f"製品IDまたはサイクルIDのない行があります: {r}")
        rows.append(
            CatalogueRow(
                product=product,
                cycle=cycle,
                label=str(r.get("label") or r.get("releaseLabel") or cycle),
                release_date=_date_or_blank(r.get("releaseDate")),
                support=_phase(r.get("support")),
                eol=_phase(r.get("eol")),
                extended_support=_phase(r.get("extendedSupport")),
                lts=_phase(r.get("lts")),
            )
        )
    return _unique(rows)


def _parse_v1(results: list[dict]) -> list[CatalogueRow]:
    rows = []
    for result in results:
        product = str(result.get("name") or "").strip()
        if not product or not isinstance(result.get("releases"), list):
            raise ValidationFailed("endoflife.date API 形式の製品に name または releases がありません。")
        title = str(result.get("label") or "")
        for r in result["releases"]:
            cycle = str(r.get("name") or "").strip().lower()
            if not cycle:
                raise ValidationFailed(f"{product}: name のないリリースがあります。")
            rows.append(
                CatalogueRow(
                    product=product,
                    cycle=cycle,
                    label=str(r.get("label") or cycle),
                    release_date=_date_or_blank(r.get("releaseDate")),
                    support=_flag(r.get("isEoas"), r.get("eoasFrom")),
                    eol=_flag(r.get("isEol"), r.get("eolFrom")),
                    extended_support=_flag(r.get("isEoes"), r.get("eoesFrom")),
                    lts=_flag(r.get("isLts"), r.get("ltsFrom")),
                    product_title=title,
                )
            )
    return _unique(rows)


def _unique(rows: list[CatalogueRow]) -> list[CatalogueRow]:
    seen: set[tuple[str, str]] = set()
    for r in rows:
        if (r.product, r.cycle) in seen:
            raise ValidationFailed(f"同じ製品・サイクルが2回あります: {r.product} {r.cycle}")
        seen.add((r.product, r.cycle))
    return rows


def load_shipped() -> list[CatalogueRow]:
    """The snapshot shipped with the product (endoflife.date, MIT; notice in ``data/README.md``)."""
    return parse(SHIPPED_SNAPSHOT.read_bytes(), file_name=SHIPPED_SNAPSHOT.name)[1]


def diff(current: dict[tuple[str, str], dict[str, str]], rows: list[CatalogueRow]) -> dict:
    """What applying ``rows`` would change: added, changed (field: old → new) and removed cycles of
    the products the file covers, and new products. ``current`` maps (product, cycle) → values."""
    covered = {r.product for r in rows}
    known_products = {p for p, _c in current}
    incoming = {(r.product, r.cycle): r for r in rows}
    added, changed, removed = [], [], []
    for key, row in incoming.items():
        old = current.get(key)
        if old is None:
            added.append({"product": key[0], "cycle": key[1], "label": row.label, "eol": row.eol})
            continue
        fields = {f: [old.get(f, ""), v] for f, v in row.values().items() if (old.get(f, "") or "") != v}
        if fields:
            changed.append({"product": key[0], "cycle": key[1], "label": row.label, "fields": fields})
    for key in current:
        if key[0] in covered and key not in incoming:
            removed.append({"product": key[0], "cycle": key[1], "label": current[key].get("label", "")})
    return {
        "products": sorted(covered),
        "new_products": sorted(covered - known_products),
        "added": added,
        "changed": changed,
        "removed": removed,
        "unchanged": len(incoming) - len(added) - len(changed),
    }
