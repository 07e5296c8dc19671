"""The one spreadsheet import pipeline (SPEC C12; ADR 0004).

Prefectural staff keep their data in Excel; the import is how their edits come back. An app declares an
importer (:class:`~saiteki.core.importing.importer.Importer`, or the declarative
:class:`~saiteki.core.importing.declared.ModelImporter`) and registers it in its ``importers`` module;
this package does everything else:

* ``files``    — refuse bad files before reading a cell (size, encryption, macros, .xlsb, zip bombs);
* ``extract``  — read xlsx cells with python-calamine, large files in a memory-capped child process;
* ``sheets``   — bind sheets to specs by name or headers (two-row merged headers, hidden sheets);
* ``cells``    — lenient cell parsers (full-width digits, 和暦, 千円, ○/×, choice labels);
* ``preview``  — the JSON-safe dry-run result and row errors in Japanese;
* ``store``    — uploads kept server-side between the dry run and the apply;
* ``services`` — dry run, all-or-nothing apply with bulk history and audit, background jobs;
* ``views``, ``api``, ``urls`` — the generic upload → preview → apply pages and API endpoints.

The names below are the stable surface; ``services``/``views``/``api`` need the app registry and are
imported from their modules.
"""

from saiteki.core.importing.cells import (
    ChoiceMap,
    as_text,
    clean_amount,
    clean_bool,
    clean_choice,
    clean_date,
    clean_fiscal_year,
    clean_int,
    clean_key,
    clean_text,
    display_fiscal_year,
    display_value,
    display_yen,
    in_all_languages,
    is_blank,
    normalize_header,
    split_names,
)
from saiteki.core.importing.files import inspect_upload, max_upload_bytes
from saiteki.core.importing.preview import (
    AmountUnit,
    BlankPolicy,
    ErrorList,
    FieldChange,
    ImportPreview,
    ImportRefused,
    ImportRowErrors,
    RowAction,
    RowError,
    RowPlan,
    UploadStatus,
)
from saiteki.core.importing.sheets import BoundSheet, Column, ImportFile, SheetSpec, open_import
from saiteki.core.importing.store import UploadStore

__all__ = [
    "AmountUnit",
    "BlankPolicy",
    "BoundSheet",
    "ChoiceMap",
    "Column",
    "ErrorList",
    "FieldChange",
    "ImportFile",
    "ImportPreview",
    "ImportRefused",
    "ImportRowErrors",
    "RowAction",
    "RowError",
    "RowPlan",
    "SheetSpec",
    "UploadStatus",
    "UploadStore",
    "as_text",
    "clean_amount",
    "clean_bool",
    "clean_choice",
    "clean_date",
    "clean_fiscal_year",
    "clean_int",
    "clean_key",
    "clean_text",
    "display_fiscal_year",
    "display_value",
    "display_yen",
    "in_all_languages",
    "inspect_upload",
    "is_blank",
    "max_upload_bytes",
    "normalize_header",
    "open_import",
    "split_names",
]
