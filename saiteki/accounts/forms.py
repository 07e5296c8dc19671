"""Forms for accounts and organisations. Labels and errors in Japanese (gettext)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from saiteki.core.errors import ParseError
from saiteki.core.fiscal import parse_fiscal_year
from saiteki.core.forms import SaitekiModelForm

from .choices import OrganizationKind, Role
from .models import Organization, User
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
        return data


class FiscalYearField(forms.CharField):
    """Accepts 令和8年度, R8, 2026年度, 2026 …; cleans to the integer fiscal year."""

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
    role = forms.ChoiceField(label=_("役割"), choices=Role.choices)
    division = forms.ModelChoiceField(label=_("所属"), queryset=Organization.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions_active_on()


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(label=_("初期パスワード"), widget=forms.PasswordInput, min_length=10)

    class Meta:
        model = User
        fields = ["username", "display_name", "email"]
        labels = {"username": _("ユーザー名"), "email": _("メールアドレス")}

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
        return user
