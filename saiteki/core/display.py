"""One display layer for values shown to people: names, role labels, 和暦, yen, fiscal years.

The change log and the audit log store raw values on purpose (ids, role codes, ISO dates, model
labels): they must stay exact and survive renames and deletions. Every screen that shows them goes
through this module, so a history table, the karte timeline and the audit log read the same way —
「税務課」 instead of ``#7``, 「情報政策課（管理者）」 instead of ``admin``, 「令和8年4月1日」 instead of
``2026-04-01``, 「1,234,000円」 instead of ``1234000`` — and so English mode shows Gregorian years.

Related objects are resolved in bulk, one query per related model per page (:class:`NameResolver`),
never one per cell. Objects deleted since the change show their id with 「（削除済み）」.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core.fiscal import fiscal_year_label, format_date
from saiteki.core.money import format_yen
from saiteki.core.roles import Role

EMPTY = gettext_lazy("（空）")
NONE = gettext_lazy("（なし）")

#: Keys that appear in audit-event details, with their label and, for ids, the model they name.
DETAIL_KEYS: dict[str, tuple[Any, str | None]] = {
    "fiscal_year": (gettext_lazy("年度"), None),
    "role": (gettext_lazy("役割"), None),
    "division_id": (gettext_lazy("所属"), "accounts.Organization"),
    "division": (gettext_lazy("所属"), None),
    "before": (gettext_lazy("変更前"), None),
    "after": (gettext_lazy("変更後"), None),
    "format": (gettext_lazy("形式"), None),
    "query": (gettext_lazy("条件"), None),
    "file": (gettext_lazy("ファイル"), None),
    "files": (gettext_lazy("ファイル数"), None),
    "unit": (gettext_lazy("単位"), None),
    "blank": (gettext_lazy("空欄の扱い"), None),
    "survey": (gettext_lazy("調査"), None),
    "template": (gettext_lazy("取込用テンプレート"), None),
    "what": (gettext_lazy("対象"), None),
    "created": (gettext_lazy("追加"), None),
    "updated": (gettext_lazy("変更"), None),
    "deleted": (gettext_lazy("削除"), None),
    "unchanged": (gettext_lazy("変更なし"), None),
    "path": (gettext_lazy("画面"), None),
    "method": (gettext_lazy("操作"), None),
    "action": (gettext_lazy("操作"), None),
    "reason": (gettext_lazy("理由"), None),
    "username": (gettext_lazy("利用者名"), None),
}


def is_english() -> bool:
    return (translation.get_language() or "ja").startswith("en")


def fy_text(fy: int | None, *, style: str = "both") -> str:
    """「令和10年度（2028年度）」; in English mode 「FY2028」 (no 和暦 for English readers)."""
    if fy in (None, ""):
        return ""
    fy = int(fy)  # type: ignore[arg-type]
    if is_english():
        return f"FY{fy}"
    return fiscal_year_label(fy, style=style)  # type: ignore[arg-type]


def date_text(value: dt.date | None, *, date_style: str = "wareki") -> str:
    """A date in the user's style (和暦/西暦); English mode always shows it Gregorian (2026-04-01)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if is_english():
        return value.isoformat()
    return format_date(value, style="seireki" if date_style == "seireki" else "wareki")


def datetime_text(value: dt.datetime | None, *, date_style: str = "wareki") -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_text(local.date(), date_style=date_style)} {local:%H:%M}"


def yen_text(value) -> str:
    """「1,234,567円」; in English mode 「¥1,234,567」."""
    if value in (None, ""):
        return ""
    if is_english():
        n = int(value)
        return f"{'-' if n < 0 else ''}¥{abs(n):,}"
    return format_yen(int(value))


def role_label(value: str | None) -> str:
    """「情報政策課（管理者）」 for ``admin``; unknown codes are shown as stored."""
    if not value:
        return ""
    try:
        return str(Role(value).label)
    except ValueError:
        return str(value)


def model_name(label: str | None) -> str:
    """``accounts.User`` → 「ユーザー」 (the model's verbose name); unknown labels as stored."""
    if not label:
        return ""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return str(label)


# --------------------------------------------------------------------------------------------------------
# Related names in bulk
# --------------------------------------------------------------------------------------------------------


class NameResolver:
    """Collects (model, pk) pairs first and then names them with one query per model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], int], str] = {}

    def want(self, model: type[models.Model] | None, value) -> None:
        if model is None or value in (None, ""):
            return
        for pk in value if isinstance(value, list) else [value]:
            if isinstance(pk, int) or (isinstance(pk, str) and pk.isdigit()):
                self.wanted[model].add(int(pk))

    def resolve(self) -> None:
        for model, pks in self.wanted.items():
            missing = [pk for pk in pks if (model, pk) not in self.names]
            if not missing:
                continue
            for obj in model._base_manager.filter(pk__in=missing):
                self.names[(model, obj.pk)] = str(obj)
        self.wanted.clear()

    def name(self, model: type[models.Model], pk) -> str:
        try:
            key = (model, int(pk))
        except (TypeError, ValueError):
            return str(pk)
        if key in self.names:
            return self.names[key]
        return _("#%(pk)s（削除済み）") % {"pk": pk}


# --------------------------------------------------------------------------------------------------------
# Field values of change-log snapshots
# --------------------------------------------------------------------------------------------------------


def _field(model: type[models.Model] | None, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field removed since the change was recorded
        return None


_YEN_FIELDS: dict[Any, bool] = {}


def _is_yen(f) -> bool:
    """Integer fields whose (Japanese) name says 円 hold yen."""
    if f not in _YEN_FIELDS:
        with translation.override("ja"):
            _YEN_FIELDS[f] = isinstance(f, models.IntegerField) and "円" in str(f.verbose_name)
    return _YEN_FIELDS[f]


def _is_fy(f) -> bool:
    return isinstance(f, models.IntegerField) and (f.name == "fiscal_year" or f.name.endswith("_fy"))


def value_text(f, value, *, names: NameResolver | None = None, date_style: str = "wareki") -> str:
    """One stored snapshot value as people read it (the field decides how)."""
    if value is None or value == "":
        return str(EMPTY)
    if isinstance(value, bool):
        return "○" if value else "－"
    if f is not None and (f.many_to_many or f.one_to_many):
        if not value:
            return str(NONE)
        if names is None:
            return "、".join(f"#{v}" for v in value)
        return "、".join(names.name(f.related_model, v) for v in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value) if value else str(NONE)
    if f is None:
        return str(value)
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if f.is_relation and f.related_model is not None:
        return names.name(f.related_model, value) if names is not None else f"#{value}"
    if _is_yen(f):
        try:
            return yen_text(value)
        except (TypeError, ValueError):
            return str(value)
    if _is_fy(f):
        try:
            return fy_text(int(value))
        except (TypeError, ValueError):
            return str(value)
    if isinstance(f, models.DateTimeField):
        try:
            return datetime_text(dt.datetime.fromisoformat(str(value)), date_style=date_style)
        except ValueError:
            return str(value)
    if isinstance(f, models.DateField):
        try:
            return date_text(dt.date.fromisoformat(str(value)[:10]), date_style=date_style)
        except ValueError:
            return str(value)
    if isinstance(f, models.IntegerField | models.FloatField | models.DecimalField):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        return f"{int(number):,}" if number == int(number) else f"{number:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def field_text(obj: models.Model, name: str, *, date_style: str = "wareki") -> str | None:
    """A field of a live object as people read it — the same rules as the history's values (choices by
    label, yen, FY, 和暦 or ISO dates, ○/－), so a detail page and its history never disagree.
    Related objects by their names (already loaded ones are not fetched again); an empty value is None,
    so a template can still say what "not set" means for that field."""
    f = obj._meta.get_field(name)
    if f.many_to_many:
        return "、".join(str(v) for v in getattr(obj, name).all())
    if f.is_relation:
        related = getattr(obj, name)
        return str(related) if related is not None else None
    assert isinstance(f, models.Field)  # reverse relations and generic keys are relations, handled above
    value = f.value_from_object(obj)
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        value = value.isoformat()
    return value_text(f, value, date_style=date_style)


@dataclass
class ChangeView:
    """A change-log row ready for a template (the raw :class:`ObjectChange` stays in ``change``)."""

    change: Any
    time: dt.datetime
    action: str
    action_label: str
    user_name: str
    role_label: str
    object_type: str
    object_repr: str
    reason: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, value) for create/delete


def _model_of(change):
    try:
        return change.content_type.model_class()
    except Exception:  # noqa: BLE001 - a model removed since the change was recorded
        return None


def changes_for_display(changes: Iterable, *, date_style: str = "wareki") -> list[ChangeView]:
    """Change-log rows with names, labels, 和暦 and yen; related names in one query per model.

    An update lists the fields that changed (before → after). A creation or deletion lists the
    model's ``changelog_summary_fields`` (e.g. a cost's year, category and amount), so the karte
    says 「経費・作成 … 金額: 1,000,000円」 rather than only that something was created.
    """
    changes = list(changes)
    names = NameResolver()
    plans = []
    for ch in changes:
        model = _model_of(ch)
        before, after = ch.prechange_data or {}, ch.postchange_data or {}
        if ch.action == "update":
            keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        else:
            snapshot = after or before
            keys = [k for k in getattr(model, "changelog_summary_fields", ()) if k in snapshot]
        for k in keys:
            f = _field(model, k)
            if f is not None and f.is_relation:
                names.want(f.related_model, before.get(k))
                names.want(f.related_model, after.get(k))
        plans.append((ch, model, keys))
    # The stored ``object_repr`` was written in the language of the moment (Japanese: 「令和8年度 予算額」);
    # an English reader gets the live object's name in English where the object still exists.
    live_names = is_english()
    if live_names:
        for ch, model, _keys in plans:
            names.want(model, ch.object_id)
    names.resolve()
    out = []
    for ch, model, keys in plans:
        before, after = ch.prechange_data or {}, ch.postchange_data or {}
        view = ChangeView(
            change=ch,
            time=ch.time,
            action=ch.action,
            action_label=ch.get_action_display(),
            user_name=ch.user_name or _("システム"),
            role_label=role_label(ch.role),
            object_type=str(model._meta.verbose_name) if model is not None else ch.content_type.name,
            object_repr=names.names.get((model, ch.object_id), ch.object_repr)
            if live_names
            else ch.object_repr,
            reason=ch.reason,
        )
        for k in keys:
            f = _field(model, k)
            label = str(f.verbose_name) if f is not None else k
            if ch.action == "update":
                view.rows.append(
                    (
                        label,
                        value_text(f, before.get(k), names=names, date_style=date_style),
                        value_text(f, after.get(k), names=names, date_style=date_style),
                    )
                )
            else:
                snapshot = after or before
                view.summary.append(
                    (label, value_text(f, snapshot.get(k), names=names, date_style=date_style))
                )
        out.append(view)
    return out


def diff_rows(change, *, date_style: str = "wareki") -> list[tuple[str, str, str]]:
    """The changed fields of one change (for callers holding a single row)."""
    return changes_for_display([change], date_style=date_style)[0].rows


# --------------------------------------------------------------------------------------------------------
# Audit events
# --------------------------------------------------------------------------------------------------------


@dataclass
class AuditView:
    event: Any
    time: dt.datetime
    kind_label: str
    user_name: str
    role_label: str
    ip_address: str
    object_type: str
    object_repr: str
    details: list[tuple[str, str]] = field(default_factory=list)


def _detail_value(key: str, value, names: NameResolver) -> str:
    if isinstance(value, dict):
        parts = [f"{label}: {text}" for label, text in _details(value, names)]
        return "、".join(parts) if parts else str(NONE)
    if value is None or value == "":
        return str(EMPTY)
    if isinstance(value, bool):
        return "○" if value else "－"
    if key == "role":
        return role_label(value)
    if key == "fiscal_year":
        try:
            return fy_text(int(value))
        except (TypeError, ValueError):
            return str(value)
    model_label = DETAIL_KEYS.get(key, (None, None))[1]
    if model_label:
        try:
            return names.name(apps.get_model(model_label), value)
        except LookupError:
            return str(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _details(detail: dict, names: NameResolver) -> list[tuple[str, str]]:
    rows = []
    for key, value in detail.items():
        label = DETAIL_KEYS.get(key, (key, None))[0]
        rows.append((str(label), _detail_value(key, value, names)))
    return rows


def _want_detail_ids(detail, names: NameResolver) -> None:
    if not isinstance(detail, dict):
        return
    for key, value in detail.items():
        if isinstance(value, dict):
            _want_detail_ids(value, names)
            continue
        model_label = DETAIL_KEYS.get(key, (None, None))[1]
        if model_label:
            try:
                names.want(apps.get_model(model_label), value)
            except LookupError:
                pass


def audit_events_for_display(events: Iterable, *, date_style: str = "wareki") -> list[AuditView]:
    """Audit events with role labels, object type names and readable details (not raw dicts)."""
    events = list(events)
    names = NameResolver()
    for e in events:
        _want_detail_ids(e.detail, names)
    names.resolve()
    return [
        AuditView(
            event=e,
            time=e.time,
            kind_label=e.get_kind_display(),
            user_name=e.actor_username,
            role_label=role_label(e.actor_role),
            ip_address=e.ip_address or "",
            object_type=model_name(e.object_type),
            object_repr=e.object_repr,
            details=_details(e.detail if isinstance(e.detail, dict) else {"": e.detail}, names),
        )
        for e in events
    ]
