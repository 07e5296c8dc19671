"""Kinds and states of the knowledge base, with their Japanese labels (never bare strings elsewhere)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    FAQ = "faq", _("FAQ")
    PROCEDURE = "procedure", _("手順")
    GUIDELINE = "guideline", _("ガイドライン")
    DECISION = "decision", _("判断記録")
    LESSON = "lesson", _("教訓")
    BUSINESS_FLOW = "business_flow", _("業務フロー")


class Visibility(models.TextChoices):
    ALL = "all", _("全職員")
    RESTRICTED = "restricted", _("限定公開")


#: Attachment types whose text is extracted and indexed (the only types accepted).
ATTACHMENT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".md": "text/markdown",
}

#: Months of the fiscal year in order (April first), for the yearly cycle of a business flow.
FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
