"""Demo knowledge base: about 150 articles of a prefectural IT office, linked to the demo systems, some
restricted, a few past their review-by date, plus some use records so the statistics page and the KPI
show numbers. Deterministic and idempotent (runs after the ledger, order 60)."""

from __future__ import annotations

import datetime

from saiteki.accounts.models import Organization, User
from saiteki.core.context import change_context
from saiteki.core.demo import demo_loader
from saiteki.core.roles import Role

from . import demo_content as c
from .choices import ArticleKind, Visibility
from .models import Article, ArticleView, HelpfulVote, SearchLog
from .services import article_create

BACKUP_SYSTEMS = 54


def _division(name: str) -> Organization:
    return Organization.objects.filter(kind="division", name=name).first() or Organization.objects.get(
        name="情報政策課"
    )


@demo_loader(60, "ナレッジ")
def load_knowledge() -> str:
    if Article.objects.exists():
        return f"{Article.objects.count()}件（既存のため追加なし）"
    from saiteki.ledger.models import System

    admin = User.objects.get(username="demo-admin")
    owner = User.objects.filter(username="demo-owner").first()
    today = datetime.date.today()
    it = _division("情報政策課")
    systems = {s.name: s for s in System.objects.select_related("owning_division")}
    n = 0

    def add(
        *, title, body, kind, division=it, category="", tags=(), linked=(), restricted_roles=None, cycle=()
    ):
        nonlocal n
        n += 1
        stale = n % 9 == 0  # every ninth article is past its review-by date
        review_by = (
            today - datetime.timedelta(days=10 + n) if stale else today + datetime.timedelta(days=60 + 3 * n)
        )
        article_owner = owner if division.name == "税務課" and owner else admin
        article_create(
            user=admin,
            reason="デモデータ投入",
            kind=kind,
            title=title,
            body=body,
            category=category,
            tags=list(tags),
            systems=[systems[s] for s in linked if s in systems],
            owner_division=division,
            owner=article_owner,
            review_by=review_by,
            visibility=Visibility.RESTRICTED if restricted_roles is not None else Visibility.ALL,
            visible_roles=list(restricted_roles or []),
            cycle=list(cycle),
        )

    with change_context(user=admin, reason="デモデータ投入"):
        for question, answer in c.PROCUREMENT_FAQ:
            linked = ["電子入札システム"] if "入札" in question else []
            add(
                title=question,
                body=answer,
                kind=ArticleKind.FAQ,
                category="調達",
                tags=["調達ガイドライン"],
                linked=linked,
            )
        for question, answer in c.DOCUMENT_FAQ:
            add(
                title=question,
                body=answer,
                kind=ArticleKind.FAQ,
                division=_division("総務学事課"),
                category="文書管理",
                tags=["文書管理"],
                linked=["文書管理システム", "電子決裁システム"] if "システム" in answer else [],
            )
        for title, kind, category, body in c.VPN_ARTICLES:
            add(
                title=title,
                body=body,
                kind=kind,
                category=category,
                tags=["VPN", "テレワーク"],
                linked=["統合認証基盤"],
            )
        tax = _division("税務課")
        for i, (question, answer) in enumerate(c.TAX_FAQ):
            linked = [
                s
                for s in (
                    "県税総合システム",
                    "自動車税システム",
                    "個人県民税電子申告受付システム",
                    "税務統計システム",
                )
                if s[:3] in question + answer or s in answer
            ]
            add(
                title=question,
                body=answer,
                kind=ArticleKind.FAQ,
                division=tax,
                category="県税",
                tags=["県税"],
                linked=linked or ["県税総合システム"],
                restricted_roles=[] if i == 5 else None,  # 滞納整理: 税務課 only
            )
        for title, body in c.GUIDELINES:
            add(
                title=title,
                body=body,
                kind=ArticleKind.GUIDELINE,
                category="情報セキュリティ",
                tags=["ガイドライン"],
            )
        for title, body, restricted in c.DECISIONS:
            add(
                title=title,
                body=body,
                kind=ArticleKind.DECISION,
                category="判断記録",
                restricted_roles=[Role.ADVISOR, Role.AUDITOR] if restricted else None,
            )
        system_list = sorted(systems.values(), key=lambda s: s.number)
        for i, (title, body, category, restricted) in enumerate(c.LESSONS):
            system = system_list[(i * 13) % len(system_list)] if system_list else None
            add(
                title=title,
                body=body + (f"\n\n対象システム: {system.name}" if system else ""),
                kind=ArticleKind.LESSON,
                division=system.owning_division if system else it,
                category=category,
                tags=["教訓", category],
                linked=[system.name] if system else [],
                restricted_roles=[Role.ADVISOR] if restricted else None,
            )
        for i, system in enumerate(system_list[:BACKUP_SYSTEMS]):
            add(
                title=f"{system.name} バックアップ・リストア手順",
                body=c.BACKUP_TEMPLATE.format(
                    name=system.name,
                    division=system.owning_division.name,
                    time=f"{22 + i % 3}:{(i * 10) % 60:02d}",
                    generations=7 + i % 4 * 7,
                    drill=[6, 9, 11, 2][i % 4],
                ),
                kind=ArticleKind.PROCEDURE,
                division=system.owning_division,
                category="バックアップ",
                tags=["バックアップ"],
                linked=[system.name],
            )
        for title, division, body, cycle in c.BUSINESS_FLOWS:
            add(
                title=title,
                body=body,
                kind=ArticleKind.BUSINESS_FLOW,
                division=_division(division),
                category="業務フロー",
                tags=["年間スケジュール"],
                cycle=cycle,
            )
    _use_records(admin)
    return f"{Article.objects.count()}件"


def _use_records(admin: User) -> None:
    """A few views, searches and votes by the demo users (the statistics page and the KPI show numbers)."""
    users = list(User.objects.filter(username__startswith="demo-").order_by("username"))
    articles = list(Article.objects.order_by("pk")[:40])
    for i, user in enumerate(users[:3]):
        division = user.current_division
        for article in articles[i * 7 : i * 7 + 5]:
            ArticleView.objects.create(article=article, user=user, division=division)
        SearchLog.objects.create(user=user, division=division, query="随意契約", result_count=3)
        SearchLog.objects.create(user=user, division=division, query="RPA 導入手順", result_count=0)
        HelpfulVote.objects.get_or_create(article=articles[i], user=user)
