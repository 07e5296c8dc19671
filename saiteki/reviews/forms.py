"""Forms of the review pages. Writes go through services; these only read and clean the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.forms import FiscalYearField
from saiteki.core import permissions as perms
from saiteki.ledger.choices import ProcurementMethod
from saiteki.ledger.models import System, Vendor

from .choices import CaseKind


def _style(form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs.setdefault("class", "form-select")
        else:
            field.widget.attrs.setdefault("class", "form-control")


class CaseForm(forms.Form):
    """A new case: a ledger system, or the name of a planned system (企画中)."""

    kind = forms.ChoiceField(label=_("種別"), choices=CaseKind.choices)
    fiscal_year = FiscalYearField(
        label=_("年度"), help_text=_("審査の対象となる予算・契約の年度（例: 令和8年度、R8、2026）")
    )
    system = forms.ModelChoiceField(label=_("システム"), queryset=System.objects.none(), required=False)
    planned_system_name = forms.CharField(
        label=_("企画中のシステム名"),
        max_length=200,
        required=False,
        help_text=_("台帳にまだないシステムの場合に入力します。"),
    )
    title = forms.CharField(label=_("件名"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("概要・要求内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    procurement_method = forms.ChoiceField(
        label=_("調達方法"),
        choices=[("", "---------"), *ProcurementMethod.choices],
        required=False,
        help_text=_("契約前審査（D）で入力します。"),
    )
    planned_contract_title = forms.CharField(label=_("契約予定の件名"), max_length=200, required=False)
    planned_vendor = forms.ModelChoiceField(
        label=_("契約予定の事業者"), queryset=Vendor.objects.all(), required=False
    )
    planned_start = forms.DateField(
        label=_("契約予定の開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_end = forms.DateField(
        label=_("契約予定の終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["system"].queryset = System.objects.restrict(user, perms.CHANGE).order_by("number")
        _style(self)

    def clean(self):
        data = super().clean()
        if not data.get("system") and not (data.get("planned_system_name") or "").strip():
            self.add_error("system", _("システムを選択するか、企画中のシステム名を入力してください。"))
        return data


class CaseEditForm(forms.Form):
    title = forms.CharField(label=_("件名"), max_length=200)
    summary = forms.CharField(
        label=_("概要・要求内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    procurement_method = forms.ChoiceField(
        label=_("調達方法"), choices=[("", "---------"), *ProcurementMethod.choices], required=False
    )
    planned_contract_title = forms.CharField(label=_("契約予定の件名"), max_length=200, required=False)
    planned_vendor = forms.ModelChoiceField(
        label=_("契約予定の事業者"), queryset=Vendor.objects.all(), required=False
    )
    planned_start = forms.DateField(
        label=_("契約予定の開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_end = forms.DateField(
        label=_("契約予定の終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    #: The case's version when the form was read: a save over someone else's is refused (412).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("変更理由"), required=False, max_length=500, help_text=_("履歴に残ります（任意）。")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class GateSettingForm(forms.Form):
    enabled = forms.BooleanField(label=_("審査ゲートを適用する"), required=False)
    first_fiscal_year = FiscalYearField(label=_("適用開始年度"))
    review_days = forms.IntegerField(label=_("審査の期限（開庁日）"), min_value=1, max_value=120)
    response_days = forms.IntegerField(label=_("差戻し後の再提出期限（開庁日）"), min_value=1, max_value=120)
    opinion_days = forms.IntegerField(label=_("CIO補佐官意見の期限（開庁日）"), min_value=1, max_value=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
