"""The software catalogue of SAM: titles, the rules that map scanned names to them, and the names seen.

Scans report what Windows calls a program (「Microsoft Office Professional Plus 2019 - ja-jp」,
「ＡＴＯＫ　２０２３」, 「一太郎ビューア」). Licences are bought for *titles*. The gap is bridged in three
records, all master data (only IT policy admins write them, every role reads them):

* :class:`Title` — what a licence is for (publisher, product, edition, version family), how it is
  counted, its downgrade family and its link to the lifecycle catalogue (so SAM shows the EOL too);
* :class:`NormalisationRule` — an admin's mapping of a written form to a title, or of a word to
  「管理対象外」 (runtimes, viewers, updates);
* :class:`SoftwareName` — each distinct scanned name (after normalisation) with the title it maps to,
  how it got there and, while unmapped, a suggestion. Installations point at it, so mapping one name
  re-counts every installation at once without rewriting them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core.models import BusinessModel
from saiteki.sam.choices import MatchMethod, Metric, RuleKind, TitleCategory


class Title(BusinessModel):
    """A licensable software title (「Microsoft Office Professional Plus 2019」, 「一太郎 2023」).

    ``metric`` is how its licences are counted; every entitlement of the title uses the same metric, so
    "consumed" has one meaning per title. ``family`` and ``version_rank`` say which titles a licence
    with downgrade rights may cover (a lower rank of the same family). ``lifecycle_cycle`` links the
    title to the EOL catalogue of the lifecycle app.
    """

    name = models.CharField(_("ソフトウェア名"), max_length=200, unique=True)
    publisher = models.CharField(_("発行元"), max_length=100, blank=True)
    product = models.CharField(_("製品名"), max_length=150)
    edition = models.CharField(_("エディション"), max_length=100, blank=True)
    version_family = models.CharField(
        _("バージョン"),
        max_length=50,
        blank=True,
        help_text=_("例: 2019、2023、DC。版を問わない場合は空欄。"),
    )
    category = models.CharField(
        _("分類"), max_length=20, choices=TitleCategory.choices, default=TitleCategory.OTHER
    )
    metric = models.CharField(
        _("ライセンスの数え方"), max_length=12, choices=Metric.choices, default=Metric.DEVICE
    )
    licensable = models.BooleanField(
        _("ライセンス管理対象"),
        default=True,
        help_text=_("無償ソフトなど、ライセンスの過不足を計算しないものはチェックを外します。"),
    )
    family = models.CharField(
        _("製品系列"),
        max_length=100,
        blank=True,
        help_text=_(
            "ダウングレード権で互いに使える版のまとまり（例: office-proplus）。空欄なら製品名とエディション。"
        ),
    )
    version_rank = models.PositiveIntegerField(
        _("版の新しさ"), default=0, help_text=_("同じ製品系列の中で大きいほど新しい版（例: 2019 → 2019）。")
    )
    unit_price = models.BigIntegerField(
        _("参考単価(円)"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("不足を解消する費用の計算に使います。0なら直近の購入単価。"),
    )
    lifecycle_cycle = models.ForeignKey(
        "lifecycle.Cycle",
        verbose_name=_("EOLカタログ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("空欄で保存すると製品名とバージョンからEOLカタログを探します。"),
    )
    notes = models.TextField(_("備考"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ソフトウェア")
        verbose_name_plural = _("ソフトウェア")
        constraints = [models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="sam_title_price")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sam:title_detail", args=[self.pk])

    @property
    def family_key(self) -> str:
        """The downgrade family: the admin's key, else product and edition (never the version)."""
        from saiteki.sam.matching import name_key

        return self.family.strip().lower() or name_key(f"{self.publisher} {self.product} {self.edition}")

    @property
    def match_text(self) -> str:
        """The words a scanned name must contain to be this title automatically (publisher left out:
        inventory tools often drop it)."""
        return " ".join(x for x in (self.product, self.edition, self.version_family) if x)

    def fill_name(self) -> None:
        """A title without a name is called by its parts (「一太郎 2024」); the publisher is left out
        when the product already starts with it."""
        if not self.name.strip():
            parts = (self.product, self.edition, self.version_family)
            if self.publisher and not self.product.startswith(self.publisher):
                parts = (self.publisher, *parts)
            self.name = " ".join(x for x in parts if x)[:200]

    def clean(self) -> None:
        self.fill_name()
        if not self.product.strip():
            raise ValidationError({"product": _("製品名を入力してください。")})


class NormalisationRule(BusinessModel):
    """An admin's rule for scanned names: an exact written form, words a name contains, or words that
    make a name 「管理対象外」. Compared after normalisation (全角/半角, case, katakana product words), so
    one rule covers every way the name is written."""

    kind = models.CharField(_("種類"), max_length=10, choices=RuleKind.choices)
    pattern = models.CharField(
        _("表記"),
        max_length=200,
        help_text=_("スキャン結果に現れる表記（全角・半角、大文字・小文字は区別しません）。"),
    )
    normalised = models.CharField(_("正規化後の表記"), max_length=200, editable=False)
    title = models.ForeignKey(
        Title,
        verbose_name=_("ソフトウェア"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
    )
    note = models.CharField(_("備考"), max_length=200, blank=True)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        ordering = ["kind", "normalised"]
        verbose_name = _("正規化ルール")
        verbose_name_plural = _("正規化ルール")
        constraints = [models.UniqueConstraint(fields=["kind", "normalised"], name="sam_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pattern}"

    def get_absolute_url(self) -> str:
        return reverse("sam:rule_detail", args=[self.pk])

    def clean(self) -> None:
        from saiteki.sam.matching import name_key

        self.normalised = name_key(self.pattern)[:200]
        if not self.normalised:
            raise ValidationError({"pattern": _("表記を入力してください。")})
        if self.kind == RuleKind.IGNORE:
            self.title = None
        elif self.title_id is None:
            raise ValidationError({"title": _("対応付けるソフトウェアを選んでください。")})


class SoftwareName(BusinessModel):
    """A distinct scanned name (its normalised key) and the title it counts as.

    Derived from scans and rules (re-matched in bulk without history), except what an admin decides by
    hand (``method`` 手動対応付け), which is saved and logged. ``installations`` and ``devices`` are
    counts kept for the unmatched queue.
    """

    key = models.CharField(_("正規化後の表記"), max_length=300, unique=True)
    example = models.CharField(_("表記の例"), max_length=300)
    title = models.ForeignKey(
        Title,
        verbose_name=_("ソフトウェア"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="names",
    )
    method = models.CharField(
        _("対応付けの方法"), max_length=10, choices=MatchMethod.choices, default=MatchMethod.NONE
    )
    suggestion = models.ForeignKey(
        Title,
        verbose_name=_("候補"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    suggestion_score = models.DecimalField(_("候補の近さ"), max_digits=3, decimal_places=2, default=0)
    installations = models.PositiveIntegerField(_("インストール数"), default=0)
    devices = models.PositiveIntegerField(_("台数"), default=0)

    changelog_exclude = (
        "created_at",
        "updated_at",
        "version",
        "suggestion",
        "suggestion_score",
        "installations",
        "devices",
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("スキャンされたソフトウェア名")
        verbose_name_plural = _("スキャンされたソフトウェア名")
        indexes = [models.Index(fields=["method", "title"], name="sam_name_method")]

    def __str__(self) -> str:
        return self.example

    def get_absolute_url(self) -> str:
        return reverse("sam:name_map", args=[self.pk])
