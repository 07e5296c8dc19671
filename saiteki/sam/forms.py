"""Forms of the SAM pages (model forms inherit the version field, change reason and 和暦 dates)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.forms import SaitekiModelForm, WarekiDateField

from .choices import CheckResult, CorrectionKind, ItemStatus, ProofKind, Severity
from .models import (
    Device,
    Entitlement,
    NormalisationRule,
    Purchase,
    Title,
    UsagePeak,
    VolumeOffer,
)


def _own_divisions(user):
    """The 所属 a user may pick: an owner only their own, everybody else every division."""
    qs = Organization.objects.filter(kind=OrganizationKind.DIVISION).order_by("sort_order", "code")
    if user is not None and perms.is_scoped(user, Device):
        qs = qs.filter(pk__in=perms.division_ids(user))
    return qs


class TitleForm(SaitekiModelForm):
    class Meta:
        model = Title
        fields = [
            "name",
            "publisher",
            "product",
            "edition",
            "version_family",
            "category",
            "metric",
            "licensable",
            "family",
            "version_rank",
            "unit_price",
            "lifecycle_cycle",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = _("空欄なら発行元・製品名・エディション・バージョンから作ります。")
        self.fields["lifecycle_cycle"].queryset = self.fields["lifecycle_cycle"].queryset.select_related(
            "product"
        )


class RuleForm(SaitekiModelForm):
    class Meta:
        model = NormalisationRule
        fields = ["kind", "pattern", "title", "note", "active"]


class NameMapForm(forms.Form):
    """The unmatched queue's decision for one scanned name."""

    title = forms.ModelChoiceField(
        label=_("ソフトウェア"), queryset=Title.objects.order_by("name"), required=False
    )
    ignore = forms.BooleanField(label=_("管理対象外にする"), required=False)
    create_rule = forms.BooleanField(
        label=_("同じ表記を正規化ルールとして登録する"),
        required=False,
        help_text=_("以後のスキャンでも同じ表記は同じように扱われます。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["class"] = "form-select"
        for name in ("ignore", "create_rule"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class EntitlementForm(SaitekiModelForm):
    class Meta:
        model = Entitlement
        fields = ["number", "title", "kind", "metric", "owner_division", "downgrade_rights", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("空欄なら自動で採番します。")
        self.fields["owner_division"].queryset = _own_divisions(self.user)
        if self.user is not None and perms.is_scoped(self.user, Entitlement):
            self.fields["owner_division"].required = True
            self.fields["owner_division"].empty_label = None
        self.fields["title"].queryset = Title.objects.filter(licensable=True).order_by("name")


class PurchaseForm(SaitekiModelForm):
    class Meta:
        model = Purchase
        fields = [
            "purchased_on",
            "fiscal_year",
            "quantity",
            "unit_cost",
            "total_cost",
            "term_start",
            "term_end",
            "renewal",
            "vendor",
            "order_number",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].required = False
        self.fields["fiscal_year"].help_text = _("空欄なら購入日の年度。")
        self.fields["total_cost"].required = False
        self.fields["total_cost"].help_text = _("空欄なら数量×単価。")

    def clean_fiscal_year(self):
        return self.cleaned_data.get("fiscal_year") or 0

    def clean_total_cost(self):
        return self.cleaned_data.get("total_cost") or 0


class ProofForm(forms.Form):
    file = forms.FileField(label=_("ファイル"), help_text=_("PDF・Office文書・画像など（上限20MB）。"))
    kind = forms.ChoiceField(label=_("種類"), choices=ProofKind.choices)
    reference = forms.CharField(label=_("証書番号等"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["class"] = "form-control"
        self.fields["kind"].widget.attrs["class"] = "form-select"
        self.fields["reference"].widget.attrs["class"] = "form-control"


class DeviceForm(SaitekiModelForm):
    class Meta:
        model = Device
        fields = [
            "hostname",
            "kind",
            "status",
            "division",
            "user_code",
            "user_name",
            "serial",
            "model_name",
            "os",
            "cores",
            "server",
            "purchased_on",
            "disposed_on",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = _own_divisions(self.user)
        if self.user is not None and perms.is_scoped(self.user, Device):
            self.fields["division"].required = True
            self.fields["division"].empty_label = None
            # The ledger link is the IT policy division's (an owner does not choose other 所属's servers).
            self.fields.pop("server")


class UsagePeakForm(SaitekiModelForm):
    class Meta:
        model = UsagePeak
        fields = ["title", "division", "peak", "measured_on", "note"]


class ItemForm(forms.Form):
    """One device's answer in an inventory task."""

    status = forms.ChoiceField(
        label=_("確認結果"),
        choices=[c for c in ItemStatus.choices if c[0] != ItemStatus.PENDING],
    )
    correction = forms.ChoiceField(
        label=_("修正の種類"),
        choices=[("", "—"), *[c for c in CorrectionKind.choices if c[0] != CorrectionKind.UNLISTED_DEVICE]],
        required=False,
    )
    reported_user = forms.CharField(label=_("正しい利用者（職員番号）"), max_length=50, required=False)
    note = forms.CharField(label=_("補足"), max_length=500, required=False)


class UnlistedForm(forms.Form):
    hostname = forms.CharField(label=_("ホスト名"), max_length=100)
    note = forms.CharField(label=_("補足"), max_length=500, required=False)


class CampaignForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2200)
    title = forms.CharField(
        label=_("件名"), max_length=200, required=False, help_text=_("空欄なら「○年度 ソフトウェア棚卸」。")
    )
    due_date = WarekiDateField(label=_("回答期限"), required=False)


class AuditForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2200)
    title = forms.CharField(label=_("件名"), max_length=200)
    sample_size = forms.IntegerField(label=_("抽出台数"), min_value=1, max_value=1000)
    seed = forms.IntegerField(label=_("抽出の乱数シード"), min_value=0, initial=0, required=False)
    division = forms.ModelChoiceField(
        label=_("対象所属"),
        queryset=Organization.objects.filter(kind=OrganizationKind.DIVISION).order_by("sort_order"),
        required=False,
        help_text=_("空欄なら全所属から抽出します。"),
    )


class CheckForm(forms.Form):
    result = forms.ChoiceField(
        label=_("結果"), choices=[c for c in CheckResult.choices if c[0] != CheckResult.PENDING]
    )
    note = forms.CharField(label=_("確認内容"), max_length=500, required=False)
    finding = forms.CharField(label=_("指摘事項"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    severity = forms.ChoiceField(label=_("重要度"), choices=Severity.choices, initial=Severity.MEDIUM)
    follow_up = forms.CharField(
        label=_("求める対応"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    due_date = WarekiDateField(label=_("対応期限"), required=False)


class FindingResponseForm(forms.Form):
    response = forms.CharField(label=_("対応内容"), widget=forms.Textarea(attrs={"rows": 4}))
    resolve = forms.BooleanField(label=_("対応を完了した"), required=False)


class OfferForm(SaitekiModelForm):
    """An offer and its price table, typed (or pasted from Excel) one band per line."""

    tiers = forms.CharField(
        label=_("価格表"),
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control font-monospace"}),
        help_text=_(
            "1行に1段階: 最低数量, 初期費用単価(円), 年額単価(円)。Excelから貼り付けた表（タブ区切り）も使えます。"
        ),
    )

    class Meta:
        model = VolumeOffer
        fields = ["title", "name", "kind", "vendor", "valid_until", "replacement_years", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["tiers"].initial = "\n".join(
                f"{t.min_quantity}, {t.initial_unit_price}, {t.annual_unit_price}"
                for t in self.instance.tiers.all()
            )

    def clean_tiers(self) -> list[tuple[int, int, int]]:
        import re
        import unicodedata

        out = []
        for n, line in enumerate(self.cleaned_data["tiers"].splitlines(), start=1):
            text = unicodedata.normalize("NFKC", line).strip()
            if not text:
                continue
            parts = text.split("\t") if "\t" in text else re.split(r"[，、]|,\s+|\s+", text)
            cells = [c.replace(",", "").replace("円", "").strip() for c in parts]
            cells = [c for c in cells if c]
            if len(cells) != 3 or not all(c.isdigit() for c in cells):
                raise forms.ValidationError(
                    _("%(n)s行目: 「最低数量, 初期費用単価, 年額単価」の3つの数値を入力してください。")
                    % {"n": n}
                )
            q, initial, annual = (int(c) for c in cells)
            if q < 1:
                raise forms.ValidationError(_("%(n)s行目: 最低数量は1以上にしてください。") % {"n": n})
            out.append((q, initial, annual))
        if not out:
            raise forms.ValidationError(_("価格表を1行以上入力してください。"))
        return out
