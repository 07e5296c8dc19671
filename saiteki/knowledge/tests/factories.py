"""Articles for tests, created through the real service (so the index and versions are real)."""

from __future__ import annotations

from saiteki.accounts.models import User
from saiteki.knowledge import services
from saiteki.knowledge.choices import ArticleKind, Visibility


def admin_user() -> User:
    from saiteki.core.roles import Role
    from saiteki.core.testing import make_user

    user = User.objects.filter(username="k-admin").first()
    return user or make_user("k-admin", Role.ADMIN)


def make_article(
    division,
    title: str,
    body: str = "",
    *,
    user=None,
    kind: str = ArticleKind.FAQ,
    visibility: str = Visibility.ALL,
    visible_roles=(),
    visible_divisions=(),
    **extra,
):
    return services.article_create(
        user=user or admin_user(),
        kind=kind,
        title=title,
        body=body,
        owner_division=division,
        visibility=visibility,
        visible_roles=list(visible_roles),
        visible_divisions=list(visible_divisions),
        **extra,
    )
