"""Platform models: the base for business objects and the three separate records (STYLE.md habit 5):
the machine change log, the human karte journal and the security audit log; plus background jobs."""

from .audit import AuditEvent
from .base import BusinessModel, ChangeLoggedModel
from .changelog import ObjectChange, ObjectChangeLink
from .jobs import Job
from .journal import JournalAttachment, JournalEntry

__all__ = [
    "AuditEvent",
    "BusinessModel",
    "ChangeLoggedModel",
    "Job",
    "JournalAttachment",
    "JournalEntry",
    "ObjectChange",
    "ObjectChangeLink",
]
