"""Users, the organisation tree (部局 → 所属) and role assignments per fiscal year."""

from __future__ import annotations

import datetime
import re

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from saiteki.core.models import BusinessModel

from .choices import AuthSource, DateStyle, DirectorySource, OrganizationKind, Role


class User(AbstractUser):
    """A person. Roles are not stored here but in :class:`Assignment`, per fiscal year, because staff
    rotate every April and history must keep who acted under which role."""

    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    date_style = models.CharField(
        _("日付の表示"), max_length=10, choices=DateStyle.choices, default=DateStyle.WAREKI
    )
    language = models.CharField(
        _("表示言語"), max_length=5, default="ja", choices=[("ja", "日本語"), ("en", "English")]
    )
    # Where the password is checked. A directory login never takes over a local account (the
    # break-glass administrators must keep working when the directory is down or compromised).
    auth_source = models.CharField(
        _("認証方式"), max_length=10, choices=AuthSource.choices, default=AuthSource.LOCAL
    )

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    # Resolved per request by the middleware and cached on the instance; see selectors.current_assignment.
    @property
    def assignment(self) -> Assignment | None:
        if not hasattr(self, "_assignment_cache"):
            from saiteki.accounts.selectors import current_assignment

            self._assignment_cache = current_assignment(user=self)
        return self._assignment_cache

    @property
    def current_role(self) -> str | None:
        if self.is_superuser:
            return Role.ADMIN
        a = self.assignment
        return a.role if a else None

    @property
    def current_division(self) -> Organization | None:
        a = self.assignment
        return a.division if a else None


class Organization(BusinessModel):
    """A 部局 (bureau) or 所属 (division), valid between two dates.

    Divisions are renamed, merged and split. A rename keeps the row (the old name goes to
    :class:`OrganizationName`); a merge or split closes the old rows (``valid_to``) and opens new ones
    that list them as ``predecessors``, so both the old and the new structure can be shown for any date.
    """

    kind = models.CharField(_("種別"), max_length=10, choices=OrganizationKind.choices)
    code = models.CharField(_("組織コード"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位組織"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    valid_from = models.DateField(_("設置日"), default=datetime.date(2000, 4, 1))
    valid_to = models.DateField(_("廃止日"), null=True, blank=True)
    predecessors = models.ManyToManyField(
        "self", verbose_name=_("前身組織"), symmetrical=False, blank=True, related_name="successors"
    )
    sort_order = models.PositiveIntegerField(_("並び順"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("組織")
        verbose_name_plural = _("組織")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="organization_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        today = datetime.date.today()
        return self.valid_from <= today and (self.valid_to is None or self.valid_to >= today)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounts:organization_detail", args=[self.pk])


class OrganizationName(models.Model):
    """A former name of an organisation and the period it was used."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(_("旧名称"), max_length=100)
    valid_from = models.DateField(_("使用開始"))
    valid_to = models.DateField(_("使用終了"))

    class Meta:
        ordering = ["-valid_to"]
        verbose_name = _("旧名称")
        verbose_name_plural = _("旧名称")

    def __str__(self) -> str:
        return self.name


class Assignment(BusinessModel):
    """A person's role and division for one fiscal year (the April rotation creates new rows)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("利用者")
    )
    fiscal_year = models.PositiveIntegerField(_("年度"))
    role = models.CharField(_("役割"), max_length=10, choices=Role.choices)
    division = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("所属"),
    )

    class Meta:
        ordering = ["-fiscal_year", "user__username"]
        verbose_name = _("役割の割当")
        verbose_name_plural = _("役割の割当")
        constraints = [
            models.UniqueConstraint(fields=["user", "fiscal_year"], name="assignment_one_per_user_year"),
            models.CheckConstraint(
                condition=~models.Q(role="owner") | models.Q(division__isnull=False),
                name="assignment_owner_has_division",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.fiscal_year} {self.get_role_display()}"


class DirectoryGroupMapping(BusinessModel):
    """A directory group and the role (and 所属) its members get in Saiteki.

    The prefecture's directory (Active Directory, another LDAP directory, an OIDC provider) says who is
    in which group; this table, edited by the 情報政策課 under 管理, says what that means here. At every
    directory login the user's groups are looked up in it and the user's assignment for the current
    fiscal year is set from the best match, so an April transfer in the directory is a role change here
    on the next login, with its audit record. A user in no mapped group cannot log in.
    """

    source = models.CharField(
        _("ディレクトリ"), max_length=10, choices=DirectorySource.choices, default=DirectorySource.ANY
    )
    group_name = models.CharField(
        _("グループ"),
        max_length=500,
        help_text=_(
            "LDAP ではグループの DN（cn=…,ou=…）または名前（cn）、OpenID Connect ではグループ クレームの値。"
            "大文字と小文字は区別しません。"
        ),
    )
    role = models.CharField(_("役割"), max_length=10, choices=Role.choices)
    division = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directory_mappings",
        verbose_name=_("所属"),
    )
    priority = models.PositiveIntegerField(
        _("優先順位"),
        default=100,
        help_text=_("複数の対応付けに当てはまる利用者には、数字の小さいものが使われます。"),
    )
    is_active = models.BooleanField(_("有効"), default=True)
    note = models.CharField(_("備考"), max_length=200, blank=True)

    class Meta:
        ordering = ["priority", "group_name", "pk"]
        verbose_name = _("ディレクトリのグループ対応")
        verbose_name_plural = _("ディレクトリのグループ対応")
        constraints = [
            models.UniqueConstraint(
                Lower("group_name"),
                "source",
                name="directorygroupmapping_unique_group_source",
                violation_error_message=_("このディレクトリのこのグループには、既に対応付けがあります。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="owner") | models.Q(division__isnull=False),
                name="directorygroupmapping_owner_has_division",
                violation_error_message=_("システム所管課の役割には所属の指定が必要です。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_name} → {self.get_role_display()}"

    @staticmethod
    def tidy_group_name(name: str) -> str:
        """A DN typed with blanks after the commas (cn=a, ou=b) is the same DN the directory sends."""
        return re.sub(r"\s*([,=])\s*", r"\1", (name or "").strip())

    def clean(self) -> None:
        self.group_name = self.tidy_group_name(self.group_name)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounts:directorygroupmapping_detail", args=[self.pk])
