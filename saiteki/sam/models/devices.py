"""Devices, installation scans and what each scan found.

* :class:`Device` — a PC or a server (a server links to the ledger's :class:`~saiteki.ledger.models.Server`),
  owned by a 所属: system owners see and change only their own division's devices.
* :class:`Scan` — one imported inventory file: who, when, which file and what it changed.
* :class:`Installation` — one program on one device as a scan reported it. A scan replaces the
  installations of the devices it covers: rows it no longer reports are closed (``active`` false,
  ``removed_scan`` set), never deleted, so a device's software history is the list of its rows.
  Installations are scan output written in bulk (300,000 rows a scan), so they are a plain table,
  not change-logged business objects; the scan record is their history.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core.models import BusinessModel
from saiteki.core.querysets import RestrictedQuerySet
from saiteki.sam.choices import DeviceKind, DeviceStatus

from .catalogue import SoftwareName


class Device(BusinessModel):
    """A PC or server whose software is counted. ``hostname`` is stored in its canonical form
    (NFKC, lower case) so a scan written 「PC-0001」 or 「ｐｃ－０００１」 finds the same device."""

    hostname = models.CharField(_("ホスト名"), max_length=100, unique=True)
    kind = models.CharField(_("種別"), max_length=10, choices=DeviceKind.choices, default=DeviceKind.PC)
    status = models.CharField(
        _("状態"), max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.IN_USE, db_index=True
    )
    serial = models.CharField(_("製造番号"), max_length=100, blank=True)
    model_name = models.CharField(_("機種"), max_length=100, blank=True)
    os = models.CharField(_("OS"), max_length=100, blank=True)
    division = models.ForeignKey(
        Organization,
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sam_devices",
    )
    user_code = models.CharField(_("利用者（職員番号）"), max_length=50, blank=True, db_index=True)
    user_name = models.CharField(_("利用者名"), max_length=100, blank=True)
    scanned_user = models.CharField(
        _("スキャン時の利用者"),
        max_length=50,
        blank=True,
        editable=False,
        help_text=_("スキャンが報告した利用者。"),
    )
    cores = models.PositiveIntegerField(
        _("コア数"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("コア単位のライセンスの計算に使います。"),
    )
    server = models.OneToOneField(
        "ledger.Server",
        verbose_name=_("台帳のサーバ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sam_device",
    )
    purchased_on = models.DateField(_("購入日"), null=True, blank=True)
    disposed_on = models.DateField(_("廃棄日"), null=True, blank=True)
    last_scan = models.ForeignKey(
        "Scan",
        verbose_name=_("最終スキャン"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_scanned_at = models.DateTimeField(_("最終スキャン日時"), null=True, blank=True, editable=False)
    notes = models.TextField(_("備考"), blank=True)

    division_path = "division"
    changelog_exclude = (
        "created_at",
        "updated_at",
        "version",
        "last_scan",
        "last_scanned_at",
        "scanned_user",
    )

    class Meta:
        ordering = ["hostname"]
        verbose_name = _("機器")
        verbose_name_plural = _("機器")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disposed_on__isnull=True)
                | models.Q(purchased_on__isnull=True)
                | models.Q(disposed_on__gte=models.F("purchased_on")),
                name="sam_device_dates",
            ),
        ]
        indexes = [models.Index(fields=["division", "status"], name="sam_device_division")]

    def __str__(self) -> str:
        return self.hostname

    def get_absolute_url(self) -> str:
        return reverse("sam:device_detail", args=[self.pk])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from saiteki.sam.matching import hostname_key

        self.hostname = hostname_key(self.hostname)
        if not self.hostname:
            raise ValidationError({"hostname": _("ホスト名を入力してください。")})
        if self.disposed_on and self.purchased_on and self.disposed_on < self.purchased_on:
            raise ValidationError({"disposed_on": _("廃棄日は購入日より後の日付にしてください。")})

    @property
    def licence_user(self) -> str:
        """Who counts for per-user licences: the confirmed user, else the one the scan reported."""
        return self.user_code or self.scanned_user


class Scan(BusinessModel):
    """An imported inventory file. Owned by the uploader's 所属 when a system owner imported it (they
    may scan only their own devices); empty for the IT policy division's prefecture-wide scans."""

    file_name = models.CharField(_("ファイル名"), max_length=255)
    division = models.ForeignKey(
        Organization,
        verbose_name=_("取込んだ所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取込者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rows = models.PositiveIntegerField(_("行数"), default=0)
    devices = models.PositiveIntegerField(_("機器数"), default=0)
    added = models.PositiveIntegerField(_("追加"), default=0)
    removed = models.PositiveIntegerField(_("削除"), default=0)
    unchanged = models.PositiveIntegerField(_("変更なし"), default=0)
    new_devices = models.PositiveIntegerField(_("新しい機器"), default=0)
    new_names = models.PositiveIntegerField(_("新しいソフトウェア名"), default=0)

    division_path = "division"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("スキャン取込")
        verbose_name_plural = _("スキャン取込")

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("sam:scan_detail", args=[self.pk])


class Installation(models.Model):
    """One program on one device, from a scan; closed (not deleted) when a later scan of the device no
    longer reports it. Visible to whoever may see the device (``division_path``)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="installations")
    name = models.ForeignKey(SoftwareName, on_delete=models.PROTECT, related_name="+")
    raw_name = models.CharField(_("スキャン上の表記"), max_length=300)
    version = models.CharField(_("バージョン"), max_length=100, blank=True)
    installed_on = models.DateField(_("インストール日"), null=True, blank=True)
    scan = models.ForeignKey(
        Scan, on_delete=models.PROTECT, related_name="+", verbose_name=_("検出したスキャン")
    )
    removed_scan = models.ForeignKey(
        Scan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("削除を検出したスキャン"),
    )
    active = models.BooleanField(_("現在インストール済み"), default=True)

    division_path = "device__division"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["device", "raw_name", "pk"]
        verbose_name = _("インストール")
        verbose_name_plural = _("インストール")
        indexes = [
            models.Index(fields=["name", "device"], condition=models.Q(active=True), name="sam_inst_active"),
            models.Index(fields=["device"], condition=models.Q(active=True), name="sam_inst_device"),
        ]

    def __str__(self) -> str:
        return f"{self.raw_name} {self.version}".strip()


class UsagePeak(BusinessModel):
    """The peak concurrent use of a title in a 所属, as the licence server reported it: what a
    concurrent-use licence is counted against (a scan cannot see concurrency). Without one, the number
    of devices with the software is used as an upper estimate."""

    title = models.ForeignKey(
        "Title", verbose_name=_("ソフトウェア"), on_delete=models.CASCADE, related_name="usage_peaks"
    )
    division = models.ForeignKey(
        Organization,
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    peak = models.PositiveIntegerField(_("最大同時使用数"))
    measured_on = models.DateField(_("計測日"))
    note = models.CharField(_("備考"), max_length=200, blank=True)

    division_path = "division"

    class Meta:
        ordering = ["title", "division", "-measured_on"]
        verbose_name = _("同時使用数の実績")
        verbose_name_plural = _("同時使用数の実績")

    def __str__(self) -> str:
        return f"{self.title} {self.peak}"

    def get_absolute_url(self) -> str:
        return reverse("sam:title_detail", args=[self.title_id])
