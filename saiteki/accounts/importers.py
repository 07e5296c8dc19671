"""The April reassignment from a spreadsheet: users' roles and divisions for a fiscal year.

Every April staff rotate; the personnel list arrives as a spreadsheet. One row per user and fiscal year
(ログインID, 年度, 役割, 所属) goes through the import pipeline like any other file — dry run with the
changes (役割・所属 before → after), errors in Japanese, all-or-nothing apply — and each changed row is
written by :func:`saiteki.accounts.services.assignment_set`, so the history and the ``role_change``
audit events are exactly those of the user-management page. Only users with the ``MANAGE_USERS`` right
may import it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Assignment, Organization, User
from saiteki.accounts.selectors import divisions_active_on
from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.core.display import fy_text
from saiteki.core.errors import ParseError, PermissionDeniedError
from saiteki.core.importing import (
    ChoiceMap,
    Column,
    ErrorList,
    FieldChange,
    ImportPreview,
    RowAction,
    RowPlan,
    SheetSpec,
    clean_choice,
    clean_fiscal_year,
    clean_key,
    display_value,
    is_blank,
    normalize_header,
    open_import,
)
from saiteki.core.importing.importer import Importer
from saiteki.core.roles import Role

SHEET = SheetSpec(
    key="assignments",
    label=_("役割の割当"),
    names=("役割の割当", "人事異動", "役割"),
    columns=(
        Column("username", _("ログインID"), aliases=("ユーザー名", "利用者ID")),
        Column("fiscal_year", _("年度")),
        Column("role", _("役割")),
        Column("division", _("所属")),
        Column("ro_name", _("表示名"), read_only=True),
    ),
    required=("username", "fiscal_year", "role"),
)


@dataclass
class _Change:
    row: int
    user: User
    fiscal_year: int
    role: str
    division: Organization | None


class AssignmentImporter(Importer):
    """ログインID × 年度 → 役割・所属 (a division by name, 「部局名 所属名」 or code)."""

    label = _("役割の割当")
    model = Assignment
    touches = (Assignment,)

    @classmethod
    def check_role(cls, user) -> None:
        if not perms.has_right(user, perms.MANAGE_USERS):
            raise PermissionDeniedError(_("役割の割当を取り込む権限がありません。"))

    def plan(self, source) -> ImportPreview:
        self.check_role(self.user)
        self.errors = ErrorList()
        self.changes: list[_Change] = []
        rows: list[RowPlan] = []
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        roles = ChoiceMap(Role.choices)
        divisions: dict[str, list[Organization]] = {}
        for o in divisions_active_on():
            names = {normalize_header(o.name), normalize_header(o.code)}
            if o.parent is not None:
                names.add(normalize_header(f"{o.parent.name}{o.name}"))
            for n in names:
                divisions.setdefault(n, []).append(o)
        notes: list[str] = []
        with open_import(source, file_name=self.file_name, specs=(SHEET,)) as upload:
            notes.extend(upload.notes())
            sheet = upload.sheets.get("assignments")
            values_by_row = list(sheet.rows()) if sheet is not None else []
            users = {
                u.username: u
                for u in User.objects.filter(
                    username__in=[
                        clean_key(v["username"]) for _r, v in values_by_row if not is_blank(v["username"])
                    ]
                )
            }
            current = {
                (a.user_id, a.fiscal_year): a for a in Assignment.objects.filter(user__in=users.values())
            }
            seen: dict[tuple, int] = {}
            for row, values in values_by_row:
                errors_before = self.errors.count

                def error(key: str, message, row=row) -> None:
                    self.errors.add(sheet.name, row, sheet.header(key), message)  # type: ignore[union-attr]

                parsed: dict[str, Any] = {}
                for key, parser in (
                    ("username", clean_key),
                    ("fiscal_year", clean_fiscal_year),
                    ("role", lambda v: clean_choice(v, roles)),
                ):
                    if is_blank(values.get(key)):
                        error(key, gettext("空欄にできません。"))
                        continue
                    try:
                        parsed[key] = parser(values[key])
                    except ParseError as exc:
                        error(key, exc.message)
                user = users.get(parsed.get("username", ""))
                if "username" in parsed and user is None:
                    error(
                        "username",
                        gettext("ログインID「%(u)s」の利用者がいません。") % {"u": parsed["username"]},
                    )
                division = None
                if not is_blank(values.get("division")):
                    found = divisions.get(normalize_header(str(values["division"])), [])
                    if len(found) != 1:
                        error(
                            "division",
                            gettext("所属「%(d)s」が見つからないか、複数あります（部局名を付けてください）。")
                            % {"d": values["division"]},
                        )
                    elif found[0].kind != OrganizationKind.DIVISION:
                        error("division", gettext("所属には「所属」の組織を指定してください。"))
                    else:
                        division = found[0]
                if parsed.get("role") == Role.OWNER and division is None and is_blank(values.get("division")):
                    error("division", gettext("システム所管課の役割には所属の指定が必要です。"))
                if self.errors.count > errors_before or user is None:
                    continue
                pair = (user.pk, parsed["fiscal_year"])
                if pair in seen:
                    error("username", gettext("%(row)s行目と同じ利用者・年度です。") % {"row": seen[pair]})
                    continue
                seen[pair] = row
                old = current.get(pair)
                if (
                    old is not None
                    and old.role == parsed["role"]
                    and old.division_id == getattr(division, "pk", None)
                ):
                    counts["unchanged"] += 1
                    continue
                counts["created" if old is None else "updated"] += 1
                self.changes.append(_Change(row, user, parsed["fiscal_year"], parsed["role"], division))
                rows.append(
                    RowPlan(
                        sheet=sheet.name,  # type: ignore[union-attr]
                        row=row,
                        action=RowAction.CREATE if old is None else RowAction.UPDATE,
                        key=f"{user.username} {fy_text(parsed['fiscal_year'])}",
                        title=user.display_name or user.username,
                        changes=[
                            FieldChange(
                                "role",
                                gettext("役割"),
                                "" if old is None else str(Role(old.role).label),
                                str(Role(parsed["role"]).label),
                            ),
                            FieldChange(
                                "division",
                                gettext("所属"),
                                ""
                                if old is None
                                else display_value(old.division.name if old.division else None),
                                display_value(division.name if division else None),
                            ),
                        ],
                    )
                )
        preview = ImportPreview(
            file_name=self.file_name,
            unit=self.unit,
            blank=self.blank,
            counts={**counts, "errors": self.errors.count},
            rows=rows,
            errors=list(self.errors.items),
            error_count=self.errors.count,
            notes=notes,
        )
        preview.fingerprint = preview.compute_fingerprint()
        return preview

    def execute(self) -> None:
        """Each change through the user-management service (history and role-change audit events)."""
        from saiteki.accounts.services import assignment_set

        for change in self.changes:
            assignment_set(
                actor=self.user,
                user=change.user,
                fiscal_year=change.fiscal_year,
                role=change.role,
                division=change.division,
            )

    @classmethod
    def template(cls, *, user, query=None, fiscal_year: int | None = None, request=None) -> bytes:
        """This year's assignments (or the given year's), ready to edit into next April's."""
        from openpyxl import Workbook

        from saiteki.core.excel import xlsx_cell, xlsx_header_row

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(str(SHEET.label))
        ws.freeze_panes = "A2"
        xlsx_header_row(
            ws,
            [
                (str(_("ログインID")), 16, False),
                (str(_("年度")), 22, False),
                (str(_("役割")), 22, False),
                (str(_("所属")), 20, False),
                (str(_("表示名")), 20, True),
            ],
        )
        qs = Assignment.objects.select_related("user", "division").order_by("user__username")
        if fiscal_year:
            qs = qs.filter(fiscal_year=fiscal_year)
        for a in qs:
            ws.append(
                [
                    xlsx_cell(ws, a.user.username),
                    xlsx_cell(ws, fy_text(a.fiscal_year)),
                    xlsx_cell(ws, str(a.get_role_display())),
                    xlsx_cell(ws, a.division.name if a.division else None),
                    xlsx_cell(ws, a.user.display_name),
                ]
            )
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


reg.registry.register_importer("accounts.assignments", AssignmentImporter)
