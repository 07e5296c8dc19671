"""Pages of the knowledge base. Views read through selectors and write through services; whether an
article exists for the user is always ``visible_to`` (an unreadable article is a 404)."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError

from . import selectors, services
from . import text as t
from .choices import FISCAL_MONTHS, ArticleKind, Visibility
from .forms import ArticleForm, AttachmentForm
from .models import Article, Attachment, HelpfulVote, Tag

PAGE_SIZE = 20


def _article_or_404(request, pk: int) -> Article:
    article = selectors.article_get(user=request.user, pk=pk)
    if article is None:
        raise Http404(_("記事が見つかりません。"))
    return article


def article_list(request):
    """Search and browse: ranked results with highlighted snippets, filters by kind / tag / system."""
    if perms.role_of(request.user) is None:
        raise PermissionDenied(_("ナレッジを表示する権限がありません。"))
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    tag = request.GET.get("tag", "")
    try:
        system = int(request.GET.get("system") or 0) or None
    except ValueError:
        system = None
    try:
        page_no = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_no = 1
    page = selectors.article_search(
        user=request.user,
        q=q,
        kind=kind,
        tag=tag,
        system=system,
        offset=(page_no - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    if q and page_no == 1:
        services.search_log_record(user=request.user, query=q, result_count=page.count)
    from saiteki.ledger.models import System

    query = request.GET.copy()
    query.pop("page", None)
    pages = (page.count + PAGE_SIZE - 1) // PAGE_SIZE
    return render(
        request,
        "knowledge/article_list.html",
        {
            "title": _("ナレッジ検索"),
            "page": page,
            "q": q,
            "kind": kind,
            "tag": tag,
            "system": system,
            "kinds": ArticleKind.choices,
            "tags": Tag.objects.filter(articles__in=selectors.articles_for(user=request.user)).distinct(),
            "systems": System.objects.restrict(request.user, perms.VIEW)
            .filter(knowledge_articles__isnull=False)
            .distinct()
            .order_by("number"),
            "page_no": page_no,
            "pages": pages,
            "querystring": query.urlencode(),
            "can_add": perms.role_allows(request.user, perms.ADD, Article),
        },
    )


def suggest(request):
    """Titles as the user types (htmx fragment under the search box)."""
    items = selectors.suggestions(user=request.user, q=request.GET.get("q", ""))
    return render(request, "knowledge/_suggestions.html", {"items": items})


def faq(request):
    if perms.role_of(request.user) is None:
        raise PermissionDenied(_("ナレッジを表示する権限がありません。"))
    return render(
        request,
        "knowledge/faq.html",
        {
            "title": _("よくある質問（FAQ）"),
            "groups": selectors.faq_by_category(user=request.user),
            "can_import": perms.role_allows(request.user, perms.IMPORT, Article),
        },
    )


def article_detail(request, pk: int):
    article = _article_or_404(request, pk)
    services.view_record(article=article, user=request.user)
    steps = {}
    for s in article.cycle_steps.all():
        steps.setdefault(s.month, []).append(s.task)
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "title": article.title,
            "article": article,
            "body_html": t.render_markdown(article.body),
            "attachments": article.attachments.all(),
            "tags": article.tags.all(),
            "systems": article.systems.restrict(request.user, perms.VIEW).order_by("number"),
            "related": selectors.related_articles(user=request.user, article=article),
            "helpful_count": selectors.helpful_count(article=article),
            "voted": HelpfulVote.objects.filter(article=article, user=request.user).exists(),
            "cycle": [(m, steps.get(m, [])) for m in FISCAL_MONTHS] if steps else None,
            "can_change": perms.can(request.user, perms.CHANGE, article),
            "can_delete": perms.can(request.user, perms.DELETE, article),
            "attachment_form": AttachmentForm(),
            "version_count": article.versions.count(),
        },
    )


@require_POST
def article_helpful(request, pk: int):
    article = _article_or_404(request, pk)
    if services.helpful_vote(article=article, user=request.user):
        messages.success(request, _("「役に立った」を記録しました。ありがとうございます。"))
    else:
        messages.info(request, _("この記事には既に「役に立った」を記録しています。"))
    return redirect(article.get_absolute_url())


def _initial(article: Article) -> dict:
    return {
        "kind": article.kind,
        "title": article.title,
        "category": article.category,
        "body": article.body,
        "cycle": services.cycle_text(article),
        "tags": "、".join(article.tags.values_list("name", flat=True)),
        "systems": list(article.systems.all()),
        "owner_division": article.owner_division,
        "owner": article.owner,
        "review_by": article.review_by,
        "visibility": article.visibility,
        "visible_roles": article.role_list,
        "visible_divisions": list(article.visible_divisions.all()),
        "version": article.version,
    }


def _form_page(request, form, article=None):
    return render(
        request,
        "knowledge/article_form.html",
        {"title": _("記事を編集") if article else _("記事を書く"), "form": form, "article": article},
    )


def _apply_errors(form, exc: ApplicationError) -> None:
    form.add_error(None, str(exc.message))
    for name, msgs in exc.fields.items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


def article_add(request):
    if not perms.role_allows(request.user, perms.ADD, Article):
        raise PermissionDenied(_("記事を作成する権限がありません。"))
    if request.method == "POST":
        form = ArticleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                article = services.article_create(
                    user=request.user, reason=form.cleaned_data["change_reason"], **form.values()
                )
            except ApplicationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("記事を保存しました。"))
                return redirect(article.get_absolute_url())
    else:
        form = ArticleForm(
            user=request.user,
            initial={
                "visibility": Visibility.ALL,
                "owner_division": request.user.current_division,
                "owner": request.user,
                "kind": request.GET.get("kind", ArticleKind.FAQ),
            },
        )
    return _form_page(request, form)


def article_edit(request, pk: int):
    article = _article_or_404(request, pk)
    if not perms.can(request.user, perms.CHANGE, article):
        raise PermissionDenied(_("この記事を変更する権限がありません。"))
    if request.method == "POST":
        form = ArticleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.article_update(
                    article=article,
                    user=request.user,
                    reason=form.cleaned_data["change_reason"],
                    version=form.cleaned_data["version"],
                    **form.values(),
                )
            except ApplicationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("記事を保存しました。"))
                return redirect(article.get_absolute_url())
    else:
        form = ArticleForm(user=request.user, initial=_initial(article))
    return _form_page(request, form, article)


@require_POST
def article_delete(request, pk: int):
    article = _article_or_404(request, pk)
    try:
        services.article_delete(article=article, user=request.user, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    messages.success(request, _("記事を削除しました。"))
    return redirect("knowledge:article_list")


def article_versions(request, pk: int):
    """Every version of the article and a line diff between two of them (default: the last two)."""
    article = _article_or_404(request, pk)
    versions = list(article.versions.all())
    numbers = [v.number for v in versions]
    by_number = {v.number: v for v in versions}

    def pick(name, default):
        try:
            n = int(request.GET.get(name, default))
        except (TypeError, ValueError):
            n = default
        return n if n in by_number else default

    newest = numbers[0] if numbers else 0
    b = pick("b", newest)
    a = pick("a", numbers[1] if len(numbers) > 1 else newest)
    diff = []
    if a and b:
        old, new = by_number[a], by_number[b]
        old_lines = [f"# {old.title}", *old.body.splitlines()]
        new_lines = [f"# {new.title}", *new.body.splitlines()]
        for line in difflib.ndiff(old_lines, new_lines):
            tag = line[:2]
            if tag == "? ":
                continue
            diff.append(({"- ": "del", "+ ": "add"}.get(tag, "same"), line[2:]))
    return render(
        request,
        "knowledge/article_versions.html",
        {"title": _("版の履歴"), "article": article, "versions": versions, "a": a, "b": b, "diff": diff},
    )


@require_POST
def attachment_add(request, pk: int):
    article = _article_or_404(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("ファイルを選んでください。"))
    else:
        try:
            services.attachment_add(article=article, user=request.user, upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("ファイルを添付しました。"))
    return redirect(article.get_absolute_url())


def attachment_download(request, pk: int):
    """A file of an article the user may read; otherwise 404 (the same rule as the article)."""
    attachment = get_object_or_404(Attachment, pk=pk)
    _article_or_404(request, attachment.article_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def attachment_delete(request, pk: int):
    attachment = get_object_or_404(Attachment, pk=pk)
    article = _article_or_404(request, attachment.article_id)
    try:
        services.attachment_delete(attachment=attachment, user=request.user)
    except ApplicationError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    messages.success(request, _("添付ファイルを削除しました。"))
    return redirect(article.get_absolute_url())


def stats(request):
    """Use of the knowledge base in the selected fiscal year (the KPI's numbers, and what is missing)."""
    if not perms.has_right(request.user, perms.KNOWLEDGE_STATS):
        raise PermissionDenied(_("利用状況を表示する権限がありません。"))
    fy = request.fiscal_year
    data = selectors.knowledge_stats(user=request.user, fiscal_year=fy)
    return render(
        request,
        "knowledge/stats.html",
        {"title": _("ナレッジの利用状況"), "stats": data, "fy_label": fy_text(fy)},
    )
