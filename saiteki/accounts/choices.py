"""Roles of SPEC §1 and user preferences."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("情報政策課（管理者）")
    OWNER = "owner", _("システム所管課")
    ADVISOR = "advisor", _("CIO補佐官")
    VIEWER = "viewer", _("委員会閲覧者")
    AUDITOR = "auditor", _("監査")


class OrganizationKind(models.TextChoices):
    BUREAU = "bureau", _("部局")
    DIVISION = "division", _("所属")


class DateStyle(models.TextChoices):
    WAREKI = "wareki", _("和暦（令和8年4月1日）")
    SEIREKI = "seireki", _("西暦（2026年4月1日）")
