"""Volume-licence offers: a price table a vendor quoted, compared with the current mix (SPEC C9).

An offer is for one title and is master data (the IT policy division negotiates it). Its price table has
one :class:`OfferTier` per quantity band: the one-time price per licence and the yearly price per
licence. :mod:`saiteki.sam.volume` computes the comparison; nothing here is derived.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core.models import BusinessModel
from saiteki.sam.choices import OfferKind

from .catalogue import Title


class VolumeOffer(BusinessModel):
    """A volume or subscription offer for a title, to compare with what the prefecture does today."""

    title = models.ForeignKey(
        Title, verbose_name=_("ソフトウェア"), on_delete=models.CASCADE, related_name="offers"
    )
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("種類"), max_length=12, choices=OfferKind.choices, default=OfferKind.VOLUME)
    vendor = models.CharField(_("提示元"), max_length=200, blank=True)
    valid_until = models.DateField(_("見積有効期限"), null=True, blank=True)
    replacement_years = models.PositiveSmallIntegerField(
        _("現行の更新周期(年)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("現行の買い切りライセンスを買い替える周期（PCの更新周期）。"),
    )
    notes = models.TextField(_("備考"), blank=True)

    class Meta:
        ordering = ["title__name", "name"]
        verbose_name = _("ボリュームライセンスの提案")
        verbose_name_plural = _("ボリュームライセンスの提案")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sam:offer_detail", args=[self.pk])


class OfferTier(BusinessModel):
    """One band of an offer's price table: from ``min_quantity`` licences, these prices apply."""

    offer = models.ForeignKey(
        VolumeOffer, verbose_name=_("提案"), on_delete=models.CASCADE, related_name="tiers"
    )
    min_quantity = models.PositiveIntegerField(_("最低数量"), validators=[MinValueValidator(1)])
    initial_unit_price = models.BigIntegerField(
        _("初期費用単価(円)"), default=0, validators=[MinValueValidator(0)]
    )
    annual_unit_price = models.BigIntegerField(
        _("年額単価(円)"), default=0, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["offer", "min_quantity"]
        verbose_name = _("価格表")
        verbose_name_plural = _("価格表")
        constraints = [
            models.UniqueConstraint(fields=["offer", "min_quantity"], name="sam_tier_unique"),
            models.CheckConstraint(
                condition=models.Q(initial_unit_price__gte=0) & models.Q(annual_unit_price__gte=0),
                name="sam_tier_prices",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} {self.min_quantity}〜"

    def changelog_related(self):
        return [self.offer]


class ExpiryNotice(models.Model):
    """Which expiry warnings were sent (once per purchase, term end and lead time), so the daily job
    tells a 所属 once and not every morning."""

    purchase = models.ForeignKey("Purchase", on_delete=models.CASCADE, related_name="+")
    term_end = models.DateField()
    days_ahead = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purchase", "term_end", "days_ahead"], name="sam_expiry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.term_end}"
