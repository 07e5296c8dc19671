"""Roles of SPEC §1 and user preferences."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from saiteki.core.roles import Role

__all__ = ["AuthSource", "DateStyle", "DirectorySource", "OrganizationKind", "Role"]


class OrganizationKind(models.TextChoices):
    BUREAU = "bureau", _("部局")
    DIVISION = "division", _("所属")


class DateStyle(models.TextChoices):
    WAREKI = "wareki", _("和暦（令和8年4月1日）")
    SEIREKI = "seireki", _("西暦（2026年4月1日）")


class AuthSource(models.TextChoices):
    """Where a user's password is checked. Local accounts are the break-glass administrators (and every
    account of a prefecture without a directory); directory accounts are created at their first login."""

    LOCAL = "local", _("ローカル")
    LDAP = "ldap", _("LDAP / Active Directory")
    OIDC = "oidc", _("OpenID Connect")


class DirectorySource(models.TextChoices):
    """Which directory a group mapping applies to."""

    ANY = "any", _("すべてのディレクトリ")
    LDAP = "ldap", _("LDAP / Active Directory")
    OIDC = "oidc", _("OpenID Connect")
