"""Entitlements (what the prefecture may use), their purchases and proof documents.

An :class:`Entitlement` is one licence agreement for one title: type, metric, owner (a 所属 or the
central pool), downgrade rights and its lifecycle state (調達 → 割当 → 導入 → 更新 → 削除 → 廃棄, with
history through the workflow helper). Its quantity and cost come from its :class:`Purchase` rows — the
first purchase, additional purchases and each subscription renewal with its own term — so several
purchases under one licence and its renewal history are data, not overwritten fields. A subscription
counts only while one of its purchases' terms covers the day.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core import workflow
from saiteki.core.models import BusinessModel
from saiteki.sam.choices import EntitlementType, LicenceState, Metric, ProofKind

from .catalogue import Title

_LIVE = [s for s in LicenceState.values if s != LicenceState.DISPOSED]


class Entitlement(workflow.WorkflowMixin, BusinessModel):
    """A licence agreement for one title. Division-owned (the 所属 that bought it); ``owner_division``
    empty means the central pool (全庁共通), which only admins see and change."""

    number = models.CharField(_("ライセンス管理番号"), max_length=30, unique=True)
    title = models.ForeignKey(
        Title, verbose_name=_("ソフトウェア"), on_delete=models.PROTECT, related_name="entitlements"
    )
    kind = models.CharField(_("種類"), max_length=12, choices=EntitlementType.choices)
    metric = models.CharField(_("数え方"), max_length=12, choices=Metric.choices, default=Metric.DEVICE)
    owner_division = models.ForeignKey(
        Organization,
        verbose_name=_("保有所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sam_entitlements",
        help_text=_("空欄は全庁共通（情報政策課が集中管理）。"),
    )
    downgrade_rights = models.BooleanField(
        _("ダウングレード権"),
        default=False,
        help_text=_("同じ製品系列の旧版にも使える場合にチェックします。"),
    )
    state = workflow.StateField(
        _("状態"), choices=LicenceState.choices, default=LicenceState.PROCURED, db_index=True
    )
    notes = models.TextField(_("備考"), blank=True)

    division_path = "owner_division"

    class Meta:
        ordering = ["title__name", "number"]
        verbose_name = _("ライセンス")
        verbose_name_plural = _("ライセンス")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("sam:entitlement_detail", args=[self.pk])

    def clean(self) -> None:
        if self.title_id is not None and self.metric != self.title.metric:
            raise ValidationError(
                {
                    "metric": _("数え方はソフトウェアの設定（%(metric)s）と同じにしてください。")
                    % {"metric": self.title.get_metric_display()}
                }
            )

    # The licence lifecycle (SPEC C9). Plain state changes: the generic transition buttons run them.

    @workflow.transition(source=LicenceState.PROCURED, target=LicenceState.ASSIGNED, label=_("割当"))
    def assign(self):
        """Given to a 所属 or to devices."""

    @workflow.transition(
        source=[LicenceState.ASSIGNED, LicenceState.UNINSTALLED],
        target=LicenceState.INSTALLED,
        label=_("導入"),
    )
    def install(self):
        """Installed on the devices it is assigned to."""

    @workflow.transition(
        source=[LicenceState.INSTALLED, LicenceState.UPDATED], target=LicenceState.UPDATED, label=_("更新")
    )
    def renew(self):
        """Renewed (a subscription's next term) or upgraded."""

    @workflow.transition(
        source=[LicenceState.INSTALLED, LicenceState.UPDATED],
        target=LicenceState.UNINSTALLED,
        label=_("削除"),
        style="secondary",
    )
    def uninstall(self):
        """Removed from the devices; still owned (may be installed elsewhere)."""

    @workflow.transition(
        source=_LIVE, target=LicenceState.DISPOSED, label=_("廃棄"), comment_required=True, style="danger"
    )
    def dispose(self):
        """No longer owned: it stops counting in the reconciliation."""


class Purchase(BusinessModel):
    """One purchase under an entitlement: the first one, an addition or a renewal with its term.

    ``total_cost`` is what was paid (it may differ from quantity × unit cost by a discount); it is
    filled with the product when left at 0. The fiscal year is the purchase's unless given.
    """

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("ライセンス"), on_delete=models.CASCADE, related_name="purchases"
    )
    purchased_on = models.DateField(_("購入日"))
    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    quantity = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    unit_cost = models.BigIntegerField(_("単価(円)"), default=0, validators=[MinValueValidator(0)])
    total_cost = models.BigIntegerField(_("合計金額(円)"), default=0, validators=[MinValueValidator(0)])
    term_start = models.DateField(_("利用期間の開始"), null=True, blank=True)
    term_end = models.DateField(
        _("利用期間の終了"),
        null=True,
        blank=True,
        help_text=_("サブスクリプションは必須。永続ライセンスは空欄。"),
    )
    renewal = models.BooleanField(_("更新（継続）購入"), default=False)
    vendor = models.CharField(_("購入先"), max_length=200, blank=True)
    order_number = models.CharField(_("契約・発注番号"), max_length=50, blank=True)
    notes = models.CharField(_("備考"), max_length=500, blank=True)

    division_path = "entitlement__owner_division"

    class Meta:
        ordering = ["entitlement", "purchased_on", "pk"]
        verbose_name = _("購入")
        verbose_name_plural = _("購入")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="sam_purchase_quantity"),
            models.CheckConstraint(
                condition=models.Q(unit_cost__gte=0) & models.Q(total_cost__gte=0), name="sam_purchase_cost"
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_start__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="sam_purchase_term",
            ),
        ]
        indexes = [models.Index(fields=["term_end"], name="sam_purchase_term_end")]

    def __str__(self) -> str:
        return f"{self.entitlement.number} {self.purchased_on:%Y-%m-%d} ×{self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("sam:entitlement_detail", args=[self.entitlement_id])

    def changelog_related(self):
        return [self.entitlement]

    def clean(self) -> None:
        from saiteki.core.fiscal import fiscal_year_of

        if self.purchased_on and not self.fiscal_year:
            self.fiscal_year = fiscal_year_of(self.purchased_on)
        if not self.total_cost and self.quantity and self.unit_cost:
            self.total_cost = self.quantity * self.unit_cost
        errors = {}
        if self.term_start and self.term_end and self.term_end < self.term_start:
            errors["term_end"] = [_("利用期間の終了は開始より後の日付にしてください。")]
        if (
            self.entitlement_id is not None
            and self.entitlement.kind == EntitlementType.SUBSCRIPTION
            and not self.term_end
        ):
            errors["term_end"] = [_("サブスクリプションは利用期間の終了日を入力してください。")]
        if errors:
            raise ValidationError(errors)


def proof_upload_to(instance, filename: str) -> str:
    import secrets

    return f"sam/proofs/{secrets.token_hex(8)}.bin"


class ProofDocument(BusinessModel):
    """Evidence that the licence is owned (証書, 契約書, 請求書): what an auditor asks to see. Stored
    under a random name and only ever served as a download to those who may see the licence."""

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("ライセンス"), on_delete=models.CASCADE, related_name="proofs"
    )
    kind = models.CharField(
        _("種類"), max_length=12, choices=ProofKind.choices, default=ProofKind.CERTIFICATE
    )
    name = models.CharField(_("ファイル名"), max_length=255)
    file = models.FileField(_("ファイル"), upload_to=proof_upload_to)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)
    reference = models.CharField(_("証書番号等"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    division_path = "entitlement__owner_division"
    changelog_exclude = ("created_at", "updated_at", "version", "file")

    class Meta:
        ordering = ["entitlement", "pk"]
        verbose_name = _("証憑")
        verbose_name_plural = _("証憑")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sam:entitlement_detail", args=[self.entitlement_id])

    def changelog_related(self):
        return [self.entitlement]
