from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg


class KnowledgeConfig(reg.SaitekiAppConfig):
    name = "saiteki.knowledge"
    label = "knowledge"
    verbose_name = _("ナレッジ")
    url_prefix = "knowledge/"
    menu = (
        reg.MenuGroup(
            "knowledge",
            _("ナレッジ"),
            500,
            (
                reg.MenuItem(_("ナレッジ検索"), "knowledge:article_list"),
                reg.MenuItem(_("よくある質問（FAQ）"), "knowledge:faq"),
                reg.MenuItem(_("記事を書く"), "knowledge:article_add", perm=(perms.ADD, "knowledge.Article")),
                reg.MenuItem(_("利用状況"), "knowledge:stats", right=perms.KNOWLEDGE_STATS),
            ),
        ),
    )
