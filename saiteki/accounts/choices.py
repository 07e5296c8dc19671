"""Roles of SPEC §1 and user preferences."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from saiteki.core.roles import Role

__all__ = ["DateStyle", "OrganizationKind", "Role"]


class OrganizationKind(models.TextChoices):
    BUREAU = "bureau", _("部局")
    DIVISION = "division", _("所属")


class DateStyle(models.TextChoices):
    WAREKI = "wareki", _("和暦（令和8年4月1日）")
    SEIREKI = "seireki", _("西暦（2026年4月1日）")
