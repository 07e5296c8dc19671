"""Forms for accounts and organisations. Labels and errors in Japanese (gettext)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from saiteki.core.display import fy_text
from saiteki.core.errors import ParseError
from saiteki.core.fiscal import parse_fiscal_year
from saiteki.core.forms import SaitekiModelForm

from .choices import OrganizationKind, Role
from .models import DirectoryGroupMapping, Organization, User
from .selectors import divisions_active_on


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("ユーザー名またはパスワードが正しくありません。"),
        "inactive": _("このアカウントは無効です。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")

    def get_invalid_login_error(self):
        """Say why when the directory knew the person but Saiteki refused them, or did not answer."""
        from .directory import DENIAL_ATTR, UNAVAILABLE_ATTR

        denied = getattr(self.request, DENIAL_ATTR, None)
        if denied:
            return forms.ValidationError(denied["message"], code="directory_denied")
        if getattr(self.request, UNAVAILABLE_ATTR, False):
            return forms.ValidationError(
                _(
                    "ディレクトリサーバーに接続できないため、ディレクトリのアカウントでは現在ログインできません。"
                    "しばらくしてから再度お試しください（管理者のローカルアカウントは引き続き利用できます）。"
                ),
                code="directory_unavailable",
            )
        return super().get_invalid_login_error()


class OrganizationForm(SaitekiModelForm):
    class Meta:
        model = Organization
        fields = ["kind", "code", "name", "parent", "valid_from", "valid_to", "sort_order"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["parent"].queryset = Organization.objects.filter(kind=OrganizationKind.BUREAU)

    def clean(self):
        data = super().clean()
        if data.get("kind") == OrganizationKind.DIVISION and not data.get("parent"):
            self.add_error("parent", _("所属には上位の部局を指定してください。"))
        if data.get("kind") == OrganizationKind.BUREAU and data.get("parent"):
            self.add_error("parent", _("部局に上位組織は指定できません。"))
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("廃止日は設置日以降の日付にしてください。"))
        return data


class FiscalYearField(forms.CharField):
    """Accepts 令和8年度, R8, 2026年度, 2026 …; cleans to the integer fiscal year and shows an integer
    initial value as its 和暦 label (令和8年度（2026年度）), which it reads back."""

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return fy_text(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_fiscal_year(value)
        except ParseError as exc:
            raise forms.ValidationError(str(exc)) from exc


class AssignmentForm(forms.Form):
    fiscal_year = FiscalYearField(label=_("年度"), help_text=_("例: 令和8年度、R8、2026"))
    # No role is preselected: an admin must choose one deliberately (a default would be assigned by a
    # careless click).
    role = forms.ChoiceField(label=_("役割"), choices=[("", _("選択してください")), *Role.choices])
    division = forms.ModelChoiceField(label=_("所属"), queryset=Organization.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions_active_on()
        self.fields["division"].label_from_instance = lambda o: f"{o.parent} {o}" if o.parent_id else str(o)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class UserCreateForm(forms.ModelForm):
    """Input of a new user; the password is checked by the configured validators in the service."""

    password = forms.CharField(label=_("初期パスワード"), widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ["username", "display_name", "email"]
        labels = {"username": _("ユーザー名"), "email": _("メールアドレス")}


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("新しいパスワード"),
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
        help_text=_("10文字以上。ユーザー名に似たもの、よく使われるもの、数字だけのものは使えません。"),
    )


class DirectoryGroupMappingForm(SaitekiModelForm):
    class Meta:
        model = DirectoryGroupMapping
        fields = ["source", "group_name", "role", "division", "priority", "is_active", "note"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # A role's 所属 is a division (所属), never a bureau, as for assignments made by hand.
        self.fields["division"].queryset = divisions_active_on()
        self.fields["division"].label_from_instance = lambda o: f"{o.parent} {o}" if o.parent_id else str(o)
        self.fields["division"].help_text = _("システム所管課の役割では必須です。")

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.OWNER and not data.get("division"):
            self.add_error("division", _("システム所管課の役割には所属の指定が必要です。"))
        return data
