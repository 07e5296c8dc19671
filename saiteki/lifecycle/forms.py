"""Forms of the lifecycle pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.core.forms import SaitekiModelForm

from .models import ComponentLifecycle, Cycle, MatchRule, Product


class ComponentLifecycleForm(SaitekiModelForm):
    """Vendor-date overrides and the prefecture's planned replacement date of one component."""

    class Meta:
        model = ComponentLifecycle
        fields = [
            "planned_replacement",
            "override_support",
            "override_eol",
            "override_extended",
            "override_note",
        ]


class CycleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} ({obj.product.slug} {obj.cycle})"


class MatchRuleForm(SaitekiModelForm):
    """A matching rule. The version list is grouped by product so an exact rule names one cycle."""

    cycle = CycleChoiceField(
        label=_("バージョン"),
        queryset=Cycle.objects.select_related("product").order_by("product__title", "sort_order"),
        required=False,
        help_text=_("種類が「表記→製品・バージョン」のときに選びます。"),
    )

    class Meta:
        model = MatchRule
        fields = ["kind", "pattern", "product", "cycle", "note", "active"]


class ManualMapForm(forms.Form):
    """The unmatched queue's mapping: a product, then one of its cycles."""

    product = forms.ModelChoiceField(
        label=_("製品"), queryset=Product.objects.order_by("title"), required=False
    )
    cycle = forms.ModelChoiceField(label=_("バージョン"), queryset=Cycle.objects.none(), required=False)
    create_rule = forms.BooleanField(
        label=_("同じ表記を照合ルールとして登録する"),
        required=False,
        help_text=_("他のシステムの同じ表記にも同じ対応付けが使われます（管理者のみ）。"),
    )

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        if product is not None:
            self.fields["cycle"].queryset = Cycle.objects.filter(product=product).select_related("product")
            self.fields["product"].initial = product.pk
        self.fields["product"].widget.attrs["class"] = "form-select"
        self.fields["cycle"].widget.attrs["class"] = "form-select"
        self.fields["create_rule"].widget.attrs["class"] = "form-check-input"


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=_("カタログファイル（JSON）"),
        help_text=_("同梱スナップショット形式、または endoflife.date API 形式（製品ごとのJSON）。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["class"] = "form-control"
        self.fields["file"].widget.attrs["accept"] = ".json,application/json"
