"""Writes of the knowledge base. Every function checks the policy itself (views and the API only call),
keeps the search index in step and, for articles, appends a version."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.context import change_context
from saiteki.core.errors import PermissionDeniedError, ValidationFailed
from saiteki.core.fiscal import format_date
from saiteki.core.roles import Role

from . import extraction
from .choices import ArticleKind, Visibility
from .models import (
    Article,
    ArticleVersion,
    ArticleView,
    Attachment,
    CycleStep,
    HelpfulVote,
    SearchLog,
    Tag,
)
from .searchindex import index_article

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
#: How often a stale article's owner is reminded again.
REMIND_EVERY_DAYS = 7

_MONTH_LINE = re.compile(r"^\s*(\d{1,2})\s*月?\s*[:：\-－\s]\s*(.+)$")


def parse_cycle(text: str) -> list[tuple[int, str]]:
    """「4月: 予算執行開始」 lines → (month, task). Lines that are not month lines are reported."""
    steps: list[tuple[int, str]] = []
    bad: list[str] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        m = _MONTH_LINE.match(line.replace("　", " "))
        if not m or not 1 <= int(m.group(1)) <= 12:
            bad.append(line.strip())
            continue
        steps.append((int(m.group(1)), m.group(2).strip()[:200]))
    if bad:
        raise ValidationFailed(
            _("年間の作業を読み取れない行があります。"),
            fields={
                "cycle": [
                    _("「4月: 作業内容」の形で1行に1件書いてください: %(lines)s")
                    % {"lines": "、".join(bad[:3])}
                ]
            },
        )
    return steps


def cycle_text(article: Article) -> str:
    """The yearly cycle as the editable text of :func:`parse_cycle`."""
    return "\n".join(f"{s.month}月: {s.task}" for s in article.cycle_steps.all())


def _tags(names: Iterable[str]) -> list[Tag]:
    out = []
    for raw in names:
        name = raw.strip().lstrip("#")[:50]
        if name:
            out.append(Tag.objects.get_or_create(name=name)[0])
    return out


def split_tags(text: str) -> list[str]:
    return [t for t in re.split(r"[,、，\s]+", text or "") if t]


def _validate(values: dict[str, Any], user) -> None:
    errors: dict[str, list[str]] = {}
    if not (values.get("title") or "").strip():
        errors["title"] = [_("件名を入力してください。")]
    if values.get("kind") not in ArticleKind.values:
        errors["kind"] = [_("種別を選択してください。")]
    if values.get("visibility") not in Visibility.values:
        errors["visibility"] = [_("公開範囲を選択してください。")]
    unknown = [r for r in values.get("visible_roles", []) if r not in Role.values]
    if unknown:
        errors["visible_roles"] = [_("役割の指定が正しくありません。")]
    if values.get("owner_division") is None:
        errors["owner_division"] = [_("所管所属を選択してください。")]
    if errors:
        raise ValidationFailed(_("記事を保存できませんでした。入力内容を確認してください。"), fields=errors)


def _check_systems(user, systems) -> None:
    from saiteki.ledger.models import System

    ids = {s.pk if hasattr(s, "pk") else int(s) for s in systems}
    visible = set(System.objects.restrict(user, perms.VIEW).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - visible:
        raise ValidationFailed(
            _("関連システムに指定できないシステムがあります。"),
            fields={"systems": [_("閲覧できるシステムだけを関連付けられます。")]},
        )


def _apply(article: Article, values: dict[str, Any]) -> None:
    article.kind = values["kind"]
    article.title = values["title"].strip()[:200]
    article.body = values.get("body") or ""
    article.category = (values.get("category") or "").strip()[:100]
    article.owner_division = values["owner_division"]
    article.owner = values.get("owner")
    article.visibility = values["visibility"]
    roles = [r for r in Role.values if r in set(values.get("visible_roles") or [])]
    article.visible_roles = (
        f",{','.join(roles)}," if roles and article.visibility == Visibility.RESTRICTED else ""
    )
    article.review_by = values.get("review_by")


def _set_relations(article: Article, values: dict[str, Any]) -> None:
    if "tags" in values:
        article.tags.set(_tags(values["tags"]))
    if "systems" in values:
        article.systems.set(list(values["systems"]))
    if "visible_divisions" in values:
        divisions = list(values["visible_divisions"]) if article.visibility == Visibility.RESTRICTED else []
        article.visible_divisions.set(divisions)
    if "cycle" in values:
        article.cycle_steps.all().delete()
        CycleStep.objects.bulk_create(
            [CycleStep(article=article, month=m, task=task) for m, task in values["cycle"]]
        )


def _version(article: Article, user, reason: str) -> ArticleVersion:
    last = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleVersion.objects.create(
        article=article,
        number=last + 1,
        title=article.title,
        body=article.body,
        author=user,
        author_name=str(user) if user else "",
        reason=(reason or "")[:500],
    )


def article_create(*, user, reason: str = "", **values: Any) -> Article:
    """Create an article (version 1) if the policy lets the user write for its owning 所属.

    ``values``: kind, title, body, category, tags (names), systems, owner_division, owner, visibility,
    visible_roles (role values), visible_divisions, review_by, cycle ([(month, task)]).
    """
    _validate(values, user)
    if not perms.can_create(user, Article, {"owner_division": values["owner_division"]}):
        raise PermissionDeniedError(_("この所属の記事を作成する権限がありません。"))
    _check_systems(user, values.get("systems") or [])
    with transaction.atomic(), change_context(user=user, reason=reason or None):
        article = Article()
        _apply(article, values)
        article.full_clean(exclude=["tags", "systems", "visible_divisions"])
        article.save()
        _set_relations(article, values)
        _version(article, user, reason)
        index_article(article)
    return article


def article_update(
    *, article: Article, user, reason: str = "", version: int | None = None, **values: Any
) -> Article:
    """Change an article: checked against the policy (before and after the change, so an owner can
    neither edit another 所属's article nor hand their own to another 所属), a new version appended."""
    from saiteki.core.errors import ConflictError

    if not perms.can(user, perms.CHANGE, article):
        raise PermissionDeniedError(_("この記事を変更する権限がありません。"))
    merged = {
        "kind": article.kind,
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "owner_division": article.owner_division,
        "owner": article.owner,
        "visibility": article.visibility,
        "visible_roles": article.role_list,
        "review_by": article.review_by,
        **values,
    }
    _validate(merged, user)
    if not perms.can_create(user, Article, {"owner_division": merged["owner_division"]}):
        raise PermissionDeniedError(_("この所属の記事にする権限がありません。"))
    if "systems" in values:
        _check_systems(user, values["systems"])
    with transaction.atomic(), change_context(user=user, reason=reason or None):
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if version is not None and locked.version != version:
            raise ConflictError()
        _apply(locked, merged)
        locked.full_clean(exclude=["tags", "systems", "visible_divisions"])
        locked.save()
        _set_relations(locked, values)
        last = locked.versions.order_by("-number").first()
        if last is None or (last.title, last.body) != (locked.title, locked.body):
            _version(locked, user, reason)
        index_article(locked)
    return locked


def article_delete(*, article: Article, user, reason: str = "") -> None:
    if not perms.can(user, perms.DELETE, article):
        raise PermissionDeniedError(_("この記事を削除する権限がありません。"))
    with transaction.atomic(), change_context(user=user, reason=reason or None):
        for attachment in article.attachments.all():
            attachment.file.delete(save=False)
        article.delete()


def attachment_add(*, article: Article, user, upload) -> Attachment:
    """Attach a file (allow-listed types only), extract its text and re-index the article."""
    if not perms.can(user, perms.CHANGE, article):
        raise PermissionDeniedError(_("この記事に添付する権限がありません。"))
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            _("%(name)s は大きすぎます（上限20MB）。") % {"name": upload.name},
            fields={"file": [_("20MB以下のファイルを選んでください。")]},
        )
    data = upload.read()
    content_type = extraction.check_type(upload.name, data[:8])
    text = extraction.extract_text(upload.name, data)
    upload.seek(0)
    with transaction.atomic(), change_context(user=user):
        attachment = Attachment(
            article=article,
            name=upload.name[:255],
            size=upload.size,
            content_type=content_type,
            text=text,
            uploaded_by=user,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
        index_article(article)
    return attachment


def attachment_delete(*, attachment: Attachment, user) -> None:
    article = attachment.article
    if not perms.can(user, perms.CHANGE, article):
        raise PermissionDeniedError(_("この添付ファイルを削除する権限がありません。"))
    with transaction.atomic():
        attachment.file.delete(save=False)
        attachment.delete()
        index_article(article)


def helpful_vote(*, article: Article, user) -> bool:
    """Record 「役に立った」 once per user; returns False when the user had already voted."""
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(article=article, user=user)
    except IntegrityError:
        return False
    return True


def view_record(*, article: Article, user) -> None:
    """Count one opening of an article (for the statistics and the use KPI)."""
    ArticleView.objects.create(article=article, user=user, division=getattr(user, "current_division", None))


def search_log_record(*, user, query: str, result_count: int) -> None:
    """Remember a search and its result count (zero-result searches show what knowledge is missing)."""
    if query.strip():
        SearchLog.objects.create(
            user=user,
            division=getattr(user, "current_division", None),
            query=query.strip()[:200],
            result_count=result_count,
        )


def stale_articles_remind(*, today: datetime.date | None = None) -> int:
    """Tell each stale article's owner (or, without one, nobody) that it is past its review-by date.

    Reminds again every :data:`REMIND_EVERY_DAYS` days while the article stays stale; returns how many
    articles were reminded about.
    """
    from saiteki.core.notifications import notify

    today = today or datetime.date.today()
    again = today - datetime.timedelta(days=REMIND_EVERY_DAYS)
    due = Article.objects.filter(review_by__lt=today, owner__isnull=False).exclude(
        stale_notified_on__gt=again
    )
    count = 0
    for article in due.select_related("owner"):
        notify(
            [article.owner],
            "knowledge.stale",
            article,
            _(
                "ナレッジ記事「%(title)s」の見直し期限（%(date)s）が過ぎています。内容を確認して更新してください。"
            )
            % {"title": article.title, "date": format_date(article.review_by)},
        )
        Article.objects.filter(pk=article.pk).update(stale_notified_on=today)
        count += 1
    return count
