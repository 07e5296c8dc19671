"""Knowledge base: articles (FAQ, 手順, ガイドライン, 判断記録, 教訓, 業務フロー) linked to systems and 所属,
with versions, attachments, a search index and use records (SPEC C11, Okayama 3.5.2).

Knowledge used to leave with each April rotation; an article keeps it with an owner, a review-by date
and every earlier version, and the use records show whether the knowledge base is actually used (the
KPI 「ナレッジデータベースの活用率」).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core.models import BusinessModel

from .choices import ArticleKind, Visibility
from .querysets import ArticleQuerySet


class Tag(models.Model):
    """A free keyword of the knowledge base (created as authors type it; not the ledger's master tags)."""

    name = models.CharField(_("タグ"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ナレッジのタグ")
        verbose_name_plural = _("ナレッジのタグ")

    def __str__(self) -> str:
        return self.name


class Article(BusinessModel):
    """One piece of knowledge. Owned by a 所属 (who may edit it) and a person (who is reminded to review
    it); visible to all staff or only to named roles / 所属 (see :mod:`saiteki.knowledge.querysets`)."""

    kind = models.CharField(_("種別"), max_length=20, choices=ArticleKind.choices, db_index=True)
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(
        _("本文"), blank=True, help_text=_("Markdown で書けます（見出し・箇条書き・表・リンク）。")
    )
    category = models.CharField(
        _("分類"), max_length=100, blank=True, help_text=_("FAQ ページでの見出し（例: 調達、契約）。")
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("タグ"), blank=True, related_name="articles")
    systems = models.ManyToManyField(
        "ledger.System", verbose_name=_("関連システム"), blank=True, related_name="knowledge_articles"
    )
    owner_division = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("所管所属"),
        on_delete=models.PROTECT,
        related_name="knowledge_articles",
        help_text=_("記事を更新できる所属です。"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="knowledge_articles",
        help_text=_("見直し期限が過ぎたときに通知を受け取ります。"),
    )
    visibility = models.CharField(
        _("公開範囲"), max_length=12, choices=Visibility.choices, default=Visibility.ALL, db_index=True
    )
    visible_roles = models.CharField(
        _("閲覧できる役割"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("限定公開のとき、閲覧を許す役割（内部ではカンマ区切り）。"),
    )
    visible_divisions = models.ManyToManyField(
        "accounts.Organization",
        verbose_name=_("閲覧できる所属"),
        blank=True,
        related_name="+",
        help_text=_("限定公開のとき、閲覧を許す所属。所管所属は常に閲覧できます。"),
    )
    review_by = models.DateField(
        _("見直し期限"), null=True, blank=True, help_text=_("この日を過ぎると「要見直し」と表示されます。")
    )
    stale_notified_on = models.DateField(_("見直し通知日"), null=True, blank=True, editable=False)

    division_path = "owner_division"
    changelog_exclude = (*BusinessModel.changelog_exclude, "stale_notified_on")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("ナレッジ記事")
        verbose_name_plural = _("ナレッジ記事")
        indexes = [
            models.Index(fields=["review_by"]),
            models.Index(fields=["kind", "category"]),
            # Covers the restricted articles' visibility check without reading the (wide) rows.
            models.Index(
                fields=["visibility", "visible_roles", "owner_division"], name="knowledge_visibility_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article_detail", args=[self.pk])

    @property
    def is_stale(self) -> bool:
        """Past its review-by date: the content may be out of date."""
        return self.review_by is not None and self.review_by < datetime.date.today()

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.visible_roles.split(",") if r]


class ArticleSearch(models.Model):
    """The article's search index row, kept narrow so scans and joins stay cheap (one per article).

    ``title`` and ``text`` are normalised (NFKC, lower case; ``text`` = title + body + attachments'
    text); ``title_tokens``/``tokens`` hold SudachiPy words as " a  b " for ranking; ``grams`` the
    distinct unigrams and bigrams, read by the SQLite FTS5 table and the PostgreSQL GIN index that find
    candidates for words of every length (docs/adr/0005-japanese-search.md).
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_index"
    )
    title = models.CharField(max_length=200)
    text = models.TextField()
    title_tokens = models.TextField(default="")
    tokens = models.TextField(default="")
    grams = models.TextField(default="")
    # Read by the SQLite FTS5 table only (ranking inside the index, see searchindex.py).
    bigram_seq = models.TextField(default="")
    title_grams = models.TextField(default="")
    title_seq = models.TextField(default="")
    title_heads = models.TextField(default="")
    heads = models.TextField(default="")

    class Meta:
        verbose_name = _("検索索引")
        verbose_name_plural = _("検索索引")

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """A saved state of an article's title and body (append-only), for the history and the diff."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("更新者"), max_length=150, blank=True)
    reason = models.CharField(_("変更理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("記事の版")
        verbose_name_plural = _("記事の版")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class CycleStep(models.Model):
    """One month's task in a business flow's yearly cycle (「業務フローや周期」: which month, which task)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="cycle_steps")
    month = models.PositiveSmallIntegerField(_("月"))
    task = models.CharField(_("作業"), max_length=200)

    class Meta:
        ordering = ["id"]
        verbose_name = _("年間の作業")
        verbose_name_plural = _("年間の作業")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="knowledge_cycle_month_1_12"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month}月 {self.task}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    return f"knowledge/{instance.article_id}/{filename}"


class Attachment(models.Model):
    """A file attached to an article; its text is extracted once and searched with the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("ファイル"), upload_to=attachment_upload_to)
    name = models.CharField(_("ファイル名"), max_length=255)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)
    content_type = models.CharField(max_length=100)
    text = models.TextField(_("抽出テキスト"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")

    def __str__(self) -> str:
        return self.name


class HelpfulVote(models.Model):
    """「役に立った」: one per user and article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="knowledge_helpful_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.article_id}/{self.user_id}"


class ArticleView(models.Model):
    """One opening of an article. The user's 所属 is copied at the time (staff rotate every April), so
    「所属別の利用者」 reports where the knowledge was used, not where the person is now."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    division = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.article_id} {self.at:%Y-%m-%d %H:%M}"


class SearchLog(models.Model):
    """One search in the knowledge base: the query and how many articles it found (0 = missing
    knowledge, shown on the statistics page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    division = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    query = models.CharField(max_length=200)
    result_count = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.query
