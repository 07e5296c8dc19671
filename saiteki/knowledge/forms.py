"""The article form. It only collects input; the service decides what is allowed and saves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization, User
from saiteki.core import permissions as perms
from saiteki.core.forms import WarekiDateField
from saiteki.core.roles import Role

from .choices import ArticleKind, Visibility


class ArticleForm(forms.Form):
    required_css_class = "required"

    kind = forms.ChoiceField(label=_("種別"), choices=ArticleKind.choices)
    title = forms.CharField(label=_("件名"), max_length=200)
    category = forms.CharField(
        label=_("分類"),
        max_length=100,
        required=False,
        help_text=_("FAQ ページでの見出し（例: 調達、契約）。"),
    )
    body = forms.CharField(
        label=_("本文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Markdown で書けます（# 見出し、- 箇条書き、| 表 |、[リンク](https://…)）。HTML は表示されません。"
        ),
    )
    cycle = forms.CharField(
        label=_("年間の作業（業務フロー）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("4月: 予算執行開始\n10月: 次年度予算要求")}),
        help_text=_("業務フローのとき、1行に「月: 作業」を書きます。"),
    )
    tags = forms.CharField(label=_("タグ"), required=False, help_text=_("読点・カンマ・空白で区切ります。"))
    systems = forms.ModelMultipleChoiceField(
        label=_("関連システム"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    owner_division = forms.ModelChoiceField(label=_("所管所属"), queryset=None)
    owner = forms.ModelChoiceField(
        label=_("担当者"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        help_text=_("見直し期限が過ぎると通知を受け取ります。"),
    )
    review_by = WarekiDateField(label=_("見直し期限"), required=False)
    visibility = forms.ChoiceField(label=_("公開範囲"), choices=Visibility.choices, widget=forms.RadioSelect)
    visible_roles = forms.MultipleChoiceField(
        label=_("閲覧できる役割（限定公開）"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visible_divisions = forms.ModelMultipleChoiceField(
        label=_("閲覧できる所属（限定公開）"),
        queryset=Organization.objects.filter(kind=OrganizationKind.DIVISION),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    change_reason = forms.CharField(
        label=_("変更理由"), required=False, max_length=500, help_text=_("履歴に残ります（任意）。")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        from saiteki.ledger.models import System

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["systems"].queryset = System.objects.restrict(user, perms.VIEW).order_by("number")
        divisions = Organization.objects.filter(kind=OrganizationKind.DIVISION)
        if perms.is_scoped(user, _article_model()):
            divisions = divisions.filter(pk__in=perms.division_ids(user))
        self.fields["owner_division"].queryset = divisions
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            widget.attrs.setdefault(
                "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
            )

    def values(self) -> dict:
        from .services import parse_cycle, split_tags

        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "title": d["title"],
            "category": d["category"],
            "body": d["body"],
            "cycle": parse_cycle(d["cycle"]),
            "tags": split_tags(d["tags"]),
            "systems": list(d["systems"]),
            "owner_division": d["owner_division"],
            "owner": d["owner"],
            "review_by": d["review_by"],
            "visibility": d["visibility"],
            "visible_roles": list(d["visible_roles"]),
            "visible_divisions": list(d["visible_divisions"]),
        }


def _article_model():
    from .models import Article

    return Article


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("添付ファイル"),
        help_text=_("PDF・Word（docx）・Excel（xlsx）・テキスト、20MBまで。本文は検索できます。"),
    )
