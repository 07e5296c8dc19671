"""The ledger as of a date (「時点」): every system and server as it was, rebuilt from the change log.

The ledger tables hold today's state only, but a KPI of FY2013 must count the systems that were on
cloud services on 2014-03-31, and the ledger list must be able to show that day. The change log
(:class:`~saiteki.core.models.ObjectChange`) has a full snapshot of the object after every change
(``postchange_data``), so the state at a moment is the snapshot of the object's *latest row at or
before that moment* — unless that row is a deletion, in which case the object no longer existed.
An object with no row before the moment did not exist yet.

One query per model and moment: a window function ranks each object's rows newest first
(``ROW_NUMBER() OVER (PARTITION BY object_id ORDER BY time DESC, id DESC)``) and the outer query keeps
rank 1 — on SQLite and PostgreSQL alike, served by the ``(content_type, object_id, -time)`` index.
Only the JSON keys the caller asks for are extracted in SQL, so 50,000 systems do not have to be
decoded in Python as whole snapshots.

Limits (ADR 0006): objects written with change logging switched off (the bench's scale generator) have
no history and are invisible before today; the moment "now or later" is served from the live tables
(:func:`ledger_as_of` returns ``live=True`` there), so today's KPIs equal what the ledger shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Model, Window
from django.db.models.fields.json import KT
from django.db.models.functions import RowNumber
from django.utils import timezone

from saiteki.core.models import ObjectChange
from saiteki.ledger.choices import CLOUD_FORMS, HostingForm, LifecycleStatus, ServerKind
from saiteki.ledger.models import Server, System

#: Statuses counted as "in operation" (稼働中) by the ledger KPIs.
IN_OPERATION = (LifecycleStatus.OPERATING.value, LifecycleStatus.RENEWAL_PLANNED.value)

#: The system fields the KPIs and the as-of list read (a snapshot may hold more).
SYSTEM_FIELDS = (
    "number",
    "name",
    "owning_division",
    "status",
    "hosting_form",
    "service_start",
    "joint_municipalities",
)
SERVER_FIELDS = ("name", "kind", "host", "systems", "location", "maintenance_end", "segment")


def end_of_fiscal_year(fiscal_year: int) -> dt.datetime:
    """The last moment of a fiscal year (31 March 23:59:59.999999, site time zone)."""
    return timezone.make_aware(dt.datetime(fiscal_year + 1, 3, 31, 23, 59, 59, 999999))


def moment_of(day: dt.date | dt.datetime) -> dt.datetime:
    """A date means the end of that day (「2014年3月31日時点」 includes that day's changes)."""
    if isinstance(day, dt.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 23, 59, 59, 999999))


def snapshots_as_of(
    model: type[Model],
    at: dt.datetime,
    *,
    fields: Sequence[str] | None = None,
    ids: Iterable[int] | None = None,
) -> dict[int, dict[str, Any]]:
    """``{object id: {field: value}}`` of every ``model`` object that existed at ``at``.

    ``fields`` limits the keys read from each snapshot (None: the whole snapshot). Values are those of
    the change log's JSON: foreign keys as ids, many-to-many as sorted id lists, dates as ISO text.
    One SQL query.
    """
    ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
    rows = ObjectChange.objects.filter(content_type=ct, time__lte=at)
    if ids is not None:
        rows = rows.filter(object_id__in=list(ids))
    ranked = rows.annotate(
        rank=Window(RowNumber(), partition_by=[F("object_id")], order_by=[F("time").desc(), F("id").desc()])
    ).filter(rank=1)
    out: dict[int, dict[str, Any]] = {}
    if fields is None:
        for object_id, action, data in ranked.values_list(
            "object_id", "action", "postchange_data"
        ).order_by():
            if action != ObjectChange.Action.DELETE and data is not None:
                out[object_id] = data
        return out
    # Scalar keys come out as text in SQL (KT); lists (many-to-many) are read as JSON values.
    m2m = {f.name for f in model._meta.many_to_many}
    annotations = {
        f"f_{name}": (F(f"postchange_data__{name}") if name in m2m else KT(f"postchange_data__{name}"))
        for name in fields
    }
    for row in ranked.annotate(**annotations).values("object_id", "action", *annotations).order_by():
        if row["action"] == ObjectChange.Action.DELETE:
            continue
        out[row["object_id"]] = {name: _decode(model, name, row[f"f_{name}"]) for name in fields}
    return out


def _decode(model: type[Model], name: str, value: Any) -> Any:
    """Text from a JSON key back to the field's Python type (ids as int, booleans, lists)."""
    if value is None or value == "null":  # JSON null comes back as the text 'null' on some backends
        return None
    field_ = model._meta.get_field(name)
    if field_.many_to_many:
        if isinstance(value, str):
            import json

            value = json.loads(value)
        return sorted(int(v) for v in value or [])
    if field_.is_relation or field_.get_internal_type() in {
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "BigIntegerField",
    }:
        return int(value)
    if field_.get_internal_type() == "BooleanField":
        return value in (True, "true", "True", 1, "1")
    return value


@dataclass
class SystemAsOf:
    """One system as it was at the moment (a plain record, not a model instance)."""

    id: int
    number: str
    name: str
    owning_division: int | None
    status: str
    hosting_form: str
    service_start: str | None = None
    joint_municipalities: list[int] = field(default_factory=list)

    @property
    def in_operation(self) -> bool:
        return self.status in IN_OPERATION

    @property
    def on_cloud(self) -> bool:
        return self.hosting_form in CLOUD_FORMS

    @property
    def on_shared_platform(self) -> bool:
        return self.hosting_form == HostingForm.SHARED_PLATFORM

    def status_label(self) -> str:
        return (
            str(LifecycleStatus(self.status).label) if self.status in LifecycleStatus.values else self.status
        )

    def hosting_label(self) -> str:
        return (
            str(HostingForm(self.hosting_form).label)
            if self.hosting_form in HostingForm.values
            else self.hosting_form
        )


@dataclass
class ServerAsOf:
    """One server as it was at the moment, with its host's name and its systems as they were then."""

    id: int
    name: str
    kind: str
    host: str
    systems: list[SystemAsOf]
    location: str = ""
    maintenance_end: dt.date | None = None
    segment: str = ""

    def kind_label(self) -> str:
        return str(ServerKind(self.kind).label) if self.kind in ServerKind.values else self.kind


@dataclass
class LedgerAsOf:
    """The ledger at one moment: systems (and, on demand, servers) as they were.

    ``live`` is True when the moment is now or later: the records then come from the ledger tables,
    which is what "the current year's values equal what the ledger shows today" requires.
    """

    at: dt.datetime
    live: bool
    systems: dict[int, SystemAsOf]

    def __iter__(self) -> Iterator[SystemAsOf]:
        return iter(sorted(self.systems.values(), key=lambda s: s.number))

    def __len__(self) -> int:
        return len(self.systems)

    def filter(
        self,
        *,
        division_ids: Iterable[int] | None = None,
        status: Iterable[str] | None = None,
        hosting_form: Iterable[str] | None = None,
        q: str = "",
    ) -> list[SystemAsOf]:
        """The systems matching the ledger list's main filters (in memory: the set is one ledger)."""
        divisions = set(division_ids) if division_ids is not None else None
        statuses = set(status) if status else None
        forms = set(hosting_form) if hosting_form else None
        out = []
        for s in self:
            if divisions is not None and s.owning_division not in divisions:
                continue
            if statuses and s.status not in statuses:
                continue
            if forms and s.hosting_form not in forms:
                continue
            if q and q not in s.name and q not in s.number:
                continue
            out.append(s)
        return out

    def in_operation(self) -> list[SystemAsOf]:
        return [s for s in self if s.in_operation]

    def servers(self) -> dict[int, dict[str, Any]]:
        """The servers as they were (snapshot dicts keyed by id)."""
        if self.live:
            return {row["pk"]: {**row, "systems": sorted(ids)} for row, ids in _live_servers()}
        return snapshots_as_of(Server, self.at, fields=SERVER_FIELDS)

    def server_list(self, *, division_ids: Iterable[int] | None = None, q: str = "") -> list[ServerAsOf]:
        """The servers as they were, for the as-of list: a division-scoped user sees the servers of the
        systems their divisions owned at the moment (a server with no system then is the IT policy
        division's, as in the live ledger)."""
        raw = self.servers()
        divisions = set(division_ids) if division_ids is not None else None
        out = []
        for pk, data in raw.items():
            systems = [self.systems[i] for i in data.get("systems") or [] if i in self.systems]
            if divisions is not None and not any(s.owning_division in divisions for s in systems):
                continue
            name = data.get("name") or ""
            if q and q not in name and not any(q in s.number or q in s.name for s in systems):
                continue
            host = raw.get(data.get("host") or 0, {})
            end = data.get("maintenance_end")
            out.append(
                ServerAsOf(
                    id=pk,
                    name=name,
                    kind=data.get("kind") or "",
                    host=host.get("name") or "",
                    systems=sorted(systems, key=lambda s: s.number),
                    location=data.get("location") or "",
                    maintenance_end=dt.date.fromisoformat(end) if isinstance(end, str) else end,
                    segment=data.get("segment") or "",
                )
            )
        return sorted(out, key=lambda s: s.name)


def _live_servers() -> Iterator[tuple[dict, list[int]]]:
    links: dict[int, list[int]] = {}
    for server_id, system_id in Server.systems.through.objects.values_list("server_id", "system_id"):
        links.setdefault(server_id, []).append(system_id)
    for row in Server.objects.values("pk", "name", "kind", "host", "location", "maintenance_end", "segment"):
        yield row, links.get(row["pk"], [])


def ledger_as_of(at: dt.date | dt.datetime, *, now: dt.datetime | None = None) -> LedgerAsOf:
    """The whole ledger at ``at`` (a date means the end of that day).

    From the live tables when ``at`` is now or later, else rebuilt from the change log in one query.
    """
    moment = moment_of(at)
    now = now or timezone.now()
    if moment >= now:
        return LedgerAsOf(at=moment, live=True, systems=_live_systems())
    systems = {}
    for pk, data in snapshots_as_of(System, moment, fields=SYSTEM_FIELDS).items():
        systems[pk] = SystemAsOf(
            id=pk,
            number=data.get("number") or "",
            name=data.get("name") or "",
            owning_division=data.get("owning_division"),
            status=data.get("status") or "",
            hosting_form=data.get("hosting_form") or "",
            service_start=data.get("service_start"),
            joint_municipalities=data.get("joint_municipalities") or [],
        )
    return LedgerAsOf(at=moment, live=False, systems=systems)


def _live_systems() -> dict[int, SystemAsOf]:
    joint: dict[int, list[int]] = {}
    for system_id, municipality_id in System.joint_municipalities.through.objects.values_list(
        "system_id", "municipality_id"
    ):
        joint.setdefault(system_id, []).append(municipality_id)
    out = {}
    for row in System.objects.values(
        "pk", "number", "name", "owning_division", "status", "hosting_form", "service_start"
    ):
        start = row["service_start"]
        out[row["pk"]] = SystemAsOf(
            id=row["pk"],
            number=row["number"],
            name=row["name"],
            owning_division=row["owning_division"],
            status=row["status"],
            hosting_form=row["hosting_form"],
            service_start=start.isoformat() if start else None,
            joint_municipalities=sorted(joint.get(row["pk"], [])),
        )
    return out


def ledger_at_fiscal_year_end(fiscal_year: int, *, now: dt.datetime | None = None) -> LedgerAsOf:
    """The ledger at the end of a fiscal year (today's ledger for the current and later years)."""
    return ledger_as_of(end_of_fiscal_year(fiscal_year), now=now)
