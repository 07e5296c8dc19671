"""The roles of SPEC §1. They live in core because the permission policy (``core/permissions.py``) is
written in their terms; accounts stores which user holds which role in which fiscal year."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("情報政策課（管理者）")
    OWNER = "owner", _("システム所管課")
    ADVISOR = "advisor", _("CIO補佐官")
    VIEWER = "viewer", _("委員会閲覧者")
    AUDITOR = "auditor", _("監査")
