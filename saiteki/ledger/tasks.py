"""Background job kinds of the ledger are registered when their modules load; the worker imports this."""

from saiteki.ledger import importers  # noqa: F401  (job kinds: ledger.import_preview / ledger.import_apply)
