"""The EOL catalogue and each ledger component's place in it (SPEC C7).

* :class:`Product` / :class:`Cycle` — the catalogue (endoflife.date's products and release cycles).
  Phase ends are stored as the catalogue writes them (a date, ``true``, ``false`` or empty) so a
  refresh compares like with like and the snapshot format round-trips.
* :class:`MatchRule` — what admins add to the matcher (change-logged: the rules keep their history).
* :class:`ComponentLifecycle` — one per ledger component: the matched cycle, how and how sure, the
  per-component vendor-date overrides, the prefecture's own planned replacement date, and the
  effective dates (override else catalogue) denormalised so the risk list filters in the database.
* :class:`CatalogueRefresh` — an uploaded catalogue waiting for an admin to look at its diff.
* :class:`RenewalReminder` — which reminders were sent, so the daily job tells an owner once.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core.models import BusinessModel
from saiteki.core.models.fields import user_ref
from saiteki.ledger.models import Component, System

from .choices import MatchMethod, ProductCategory, RefreshStatus, RuleKind


class Product(BusinessModel):
    """A catalogue product (``windows-server``, ``rhel`` …): the id is endoflife.date's slug."""

    slug = models.CharField(_("製品ID"), max_length=80, unique=True)
    title = models.CharField(_("製品名"), max_length=200)
    category = models.CharField(
        _("分類"), max_length=20, choices=ProductCategory.choices, default=ProductCategory.OTHER
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("製品（EOLカタログ）")
        verbose_name_plural = _("製品（EOLカタログ）")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:product_detail", args=[self.pk])


class Cycle(BusinessModel):
    """A release cycle of a product with its phase ends, as the catalogue records them."""

    product = models.ForeignKey(
        Product, verbose_name=_("製品"), on_delete=models.CASCADE, related_name="cycles"
    )
    cycle = models.CharField(_("サイクルID"), max_length=50)
    label = models.CharField(_("名称"), max_length=120, blank=True)
    release_date = models.DateField(_("リリース日"), null=True, blank=True)
    support = models.CharField(
        _("通常サポート終了"), max_length=10, blank=True, help_text=_("日付、true（終了済）、false（未定）")
    )
    eol = models.CharField(_("サポート終了（EOL）"), max_length=10, blank=True)
    extended_support = models.CharField(_("有償延長サポート終了"), max_length=10, blank=True)
    lts = models.CharField(_("長期サポート"), max_length=10, blank=True)
    sort_order = models.PositiveIntegerField(_("並び順"), default=0)

    class Meta:
        ordering = ["product__title", "sort_order"]
        verbose_name = _("リリースサイクル")
        verbose_name_plural = _("リリースサイクル")
        constraints = [models.UniqueConstraint(fields=["product", "cycle"], name="lifecycle_cycle_unique")]

    def __str__(self) -> str:
        label = self.label or self.cycle
        title_words = set(self.product.title.lower().split())
        first = label.split()[0].lower() if label.split() else ""
        # "Windows Server 2012 R2" already names the product; "7" or "2016 SP3" does not.
        return label if first in title_words else f"{self.product.title} {label}"

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:product_detail", args=[self.product_id]) + f"#cycle-{self.pk}"


class MatchRule(BusinessModel):
    """An admin's addition to the matcher: an exact text → cycle mapping, a product alias, a text that
    must never match, or a word to ignore. Master data: only admins write; changes are logged."""

    kind = models.CharField(_("種類"), max_length=10, choices=RuleKind.choices)
    pattern = models.CharField(
        _("表記"), max_length=200, help_text=_("台帳に書かれている表記のとおりに入力します。")
    )
    normalised = models.CharField(_("正規化後の表記"), max_length=200, editable=False)
    product = models.ForeignKey(
        Product, verbose_name=_("製品"), on_delete=models.CASCADE, null=True, blank=True, related_name="rules"
    )
    cycle = models.ForeignKey(
        Cycle,
        verbose_name=_("バージョン"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
    )
    note = models.CharField(_("備考"), max_length=200, blank=True)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        ordering = ["kind", "normalised"]
        verbose_name = _("照合ルール")
        verbose_name_plural = _("照合ルール")
        constraints = [
            models.UniqueConstraint(fields=["kind", "normalised"], name="lifecycle_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pattern}"

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:matchrule_detail", args=[self.pk])

    def clean(self):
        from django.core.exceptions import ValidationError

        from .matching_text import normalise

        self.normalised = normalise(self.pattern)[:200]
        if not self.normalised:
            raise ValidationError({"pattern": _("表記を入力してください。")})
        if self.kind == RuleKind.EXACT and self.cycle_id is None:
            raise ValidationError({"cycle": _("対応付けるバージョンを選んでください。")})
        if self.kind == RuleKind.ALIAS and self.product_id is None:
            raise ValidationError({"product": _("別表記が指す製品を選んでください。")})
        if self.cycle_id is not None:
            self.product_id = self.cycle.product_id


class ComponentLifecycle(BusinessModel):
    """A ledger component's lifecycle: matched cycle, overrides, planned replacement, effective dates."""

    component = models.OneToOneField(
        Component, verbose_name=_("ソフトウェア構成"), on_delete=models.CASCADE, related_name="lifecycle"
    )
    cycle = models.ForeignKey(
        Cycle,
        verbose_name=_("EOLカタログ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    method = models.CharField(
        _("照合方法"), max_length=10, choices=MatchMethod.choices, default=MatchMethod.NONE
    )
    confidence = models.DecimalField(_("確からしさ"), max_digits=3, decimal_places=2, default=0)
    matched_text = models.CharField(_("照合した表記"), max_length=400, blank=True)
    candidate_product = models.ForeignKey(
        Product,
        verbose_name=_("推定製品"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    override_support = models.DateField(_("通常サポート終了（個別設定）"), null=True, blank=True)
    override_eol = models.DateField(
        _("サポート終了（個別設定）"),
        null=True,
        blank=True,
        help_text=_("保守契約等でメーカーの日付と異なる場合に入力します。"),
    )
    override_extended = models.DateField(_("延長サポート終了（個別設定）"), null=True, blank=True)
    override_note = models.CharField(_("個別設定の根拠"), max_length=200, blank=True)
    planned_replacement = models.DateField(
        _("更新予定日（県）"), null=True, blank=True, help_text=_("県として置き換えを予定している日。")
    )
    eff_support = models.DateField(_("通常サポート終了"), null=True, blank=True, editable=False)
    eff_eol = models.DateField(_("サポート終了"), null=True, blank=True, editable=False, db_index=True)
    eff_extended = models.DateField(_("延長サポート終了"), null=True, blank=True, editable=False)
    known = models.BooleanField(_("日付あり"), default=False, editable=False, db_index=True)

    division_path = "component__system__owning_division"
    changelog_exclude = (
        "created_at",
        "updated_at",
        "version",
        "eff_support",
        "eff_eol",
        "eff_extended",
        "known",
    )

    class Meta:
        ordering = ["component__system__number", "component__product"]
        verbose_name = _("ソフトウェアのサポート期限")
        verbose_name_plural = _("ソフトウェアのサポート期限")

    def __str__(self) -> str:
        return str(self.component)

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:component_edit", args=[self.pk])

    def changelog_related(self):
        return [self.component.system]


class CatalogueRefresh(BusinessModel):
    """An uploaded catalogue file, parsed, with its diff against the catalogue; applied on approval."""

    file_name = models.CharField(_("ファイル名"), max_length=255)
    source_format = models.CharField(_("形式"), max_length=20)
    status = models.CharField(
        _("状況"), max_length=10, choices=RefreshStatus.choices, default=RefreshStatus.PENDING
    )
    rows = models.JSONField(_("取込データ"), default=list)
    diff = models.JSONField(_("変更内容"), default=dict)
    created_by = user_ref(_("登録者"), blank=False)
    applied_at = models.DateTimeField(_("反映日時"), null=True, blank=True)

    changelog_exclude = ("created_at", "updated_at", "version", "rows", "diff")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("カタログ更新")
        verbose_name_plural = _("カタログ更新")

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:refresh_detail", args=[self.pk])


class RenewalReminder(models.Model):
    """A reminder sent to a system's owners about a support or maintenance end (sent once per
    system, trigger date and lead time)."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="+")
    due = models.DateField()
    months_ahead = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "due", "months_ahead"], name="lifecycle_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.system_id} {self.due} {self.months_ahead}"
