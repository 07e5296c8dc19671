"""The contract between an app's importer and the pipeline, and how the pipeline finds importers.

An app subclasses :class:`Importer` (or, for a plain model, the declarative
:class:`~saiteki.core.importing.declared.ModelImporter`) in its ``importers`` module and registers it::

    reg.registry.register_importer("ledger.systems", SystemImporter)

The pipeline (:mod:`saiteki.core.importing.services`, the generic views and the API) does the rest: it
refuses bad files, asks the importer for a plan (the dry run), stores the preview with the upload,
re-plans inside one transaction with the rows locked, refuses when the plan differs from the approved
preview, lets the importer write, records the audit event and runs large files as background jobs.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.db.models import Model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core.errors import PermissionDeniedError
from saiteki.core.importing.preview import BlankPolicy, ImportPreview
from saiteki.core.registry import registry

Report = Callable[[int, str], None]


class Importer:
    """One kind of spreadsheet an app accepts. Subclasses set the class attributes and implement
    :meth:`plan` (read and work out every change; no writes), :meth:`execute` (write what was planned)
    and :meth:`template` (the workbook to fill in and import back).

    ``model`` is the main model: the role must allow ``IMPORT`` on it. ``touches`` lists every model the
    importer may write (the documentation of its reach, checked by the tests). ``options`` are extra
    keyword arguments an app passes through the services (a survey's ``division``).
    """

    #: Registry key, set by :func:`importer_class` lookups; e.g. "ledger.systems".
    name: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    model: ClassVar[type[Model]]
    touches: ClassVar[tuple[type[Model], ...]] = ()
    #: Whether the file has amount columns (the upload form then asks for 円 or 千円).
    uses_unit: ClassVar[bool] = False
    #: The reason stored on every history row (stored data, so kept in Japanese, not translated).
    reason: ClassVar[str] = "Excel取込: {file_name}"
    #: Templates receive the importer *class* (``{{ importer.display_label }}``); without this Django
    #: would call the class, fail on the required arguments and silently print nothing.
    do_not_call_in_templates: ClassVar[bool] = True

    def __init__(
        self,
        *,
        user,
        file_name: str,
        unit: str = "円",
        blank: str = BlankPolicy.KEEP,
        report: Report | None = None,
        lock: bool = False,
        **options: Any,
    ):
        if unit not in ("円", "千円"):
            raise ValueError(unit)
        if blank not in BlankPolicy.values:
            raise ValueError(blank)
        self.user = user
        self.file_name = file_name
        self.unit = unit
        self.blank = blank
        self.report = report
        self.lock = lock
        self.options = options

    # -- what every importer provides ----------------------------------------------------------------

    @classmethod
    def check_role(cls, user) -> None:
        """The policy decides who may import at all; rows are checked again one by one in the plan."""
        if not perms.role_allows(user, perms.IMPORT, cls.model):
            raise PermissionDeniedError(
                _("%(what)sを取り込む権限がありません。") % {"what": cls.display_label()}
            )

    @classmethod
    def display_label(cls) -> str:
        return str(cls.label or cls.model._meta.verbose_name)

    def plan(self, source) -> ImportPreview:  # pragma: no cover - abstract
        raise NotImplementedError

    def execute(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def template(cls, *, user, query=None, fiscal_year: int | None = None, request=None) -> bytes:
        """The workbook to edit: every importable column, filled with the records the user may change."""
        raise NotImplementedError  # pragma: no cover - abstract

    @classmethod
    def template_filename(cls) -> str:
        return gettext("%(what)s 取込用テンプレート") % {"what": cls.display_label()} + ".xlsx"

    @classmethod
    def summary(cls, preview: ImportPreview) -> str:
        """One Japanese line for the result message: the counts of the preview."""
        c = preview.counts
        return gettext("新規%(created)s件・変更%(updated)s件") % {
            "created": f"{c.get('created', 0):,}",
            "updated": f"{c.get('updated', 0):,}",
        }

    def progress(self, pct: int, message: str) -> None:
        if self.report is not None:
            self.report(pct, message)


def importer_class(name: str) -> type[Importer]:
    """The registered importer ``name``; ``LookupError`` when there is none (a 404 for the views)."""
    cls = registry.importers.get(name)
    if cls is None or not (isinstance(cls, type) and issubclass(cls, Importer)):
        raise LookupError(name)
    cls.name = name
    return cls


def importers_for(user) -> list[tuple[str, type[Importer]]]:
    """Every registered importer this user's role may use, in a stable order (for menus and the API)."""
    out = []
    for name in sorted(registry.importers):
        try:
            cls = importer_class(name)
        except LookupError:
            continue
        if perms.role_allows(user, perms.IMPORT, cls.model):
            out.append((name, cls))
    return out


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
