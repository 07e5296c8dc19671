"""Platform models: the base for business objects and the three separate records (STYLE.md habit 5):
the machine change log, the human karte journal and the security audit log; plus background jobs, the inbox and scheduled-job runs."""

from .audit import AuditEvent
from .base import BusinessModel, ChangeLoggedModel
from .changelog import ObjectChange, ObjectChangeLink
from .heartbeat import WorkerHeartbeat
from .inbox import Notification, NotificationPreference
from .jobs import Job
from .journal import JournalAttachment, JournalEntry
from .schedules import ScheduleRun

__all__ = [
    "AuditEvent",
    "BusinessModel",
    "ChangeLoggedModel",
    "Job",
    "JournalAttachment",
    "JournalEntry",
    "Notification",
    "NotificationPreference",
    "ObjectChange",
    "ObjectChangeLink",
    "ScheduleRun",
    "WorkerHeartbeat",
]
