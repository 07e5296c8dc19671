"""Base form for business objects: a version field for concurrency, a change reason, 必須 marks,
and date fields that accept 和暦 as well as 西暦 (SPEC §2)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.core.display import is_english
from saiteki.core.errors import ParseError
from saiteki.core.fiscal import format_date, parse_date


class WarekiDateInput(forms.TextInput):
    """A text box that shows the date in the user's style (令和8年4月1日 or 2026-04-01)."""

    def __init__(self, style: str = "wareki", attrs=None):
        self.style = style
        attrs = {
            "placeholder": _("例: 令和8年4月1日 / R8.4.1 / 2026-04-01"),
            "inputmode": "text",
            **(attrs or {}),
        }
        super().__init__(attrs)

    def format_value(self, value):
        if isinstance(value, datetime.date):
            # English readers get ISO dates everywhere (display layer); 和暦 only in Japanese mode.
            wareki = self.style == "wareki" and not is_english()
            return format_date(value, style="wareki" if wareki else "iso")
        return super().format_value(value)


class WarekiDateField(forms.DateField):
    """Accepts 令和8年4月1日, R8.4.1, H26/4/1, 2026-04-01, full-width digits."""

    widget = WarekiDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_date(str(value))
        except ParseError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class SaitekiModelForm(forms.ModelForm):
    """ModelForm with the hidden ``version`` (optimistic concurrency) and an optional change reason.

    ``user`` is passed so subclasses can limit choices (a system owner may only pick their own 所属).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("変更理由"), required=False, max_length=500, help_text=_("履歴に残ります（任意）。")
    )
    required_css_class = "required"

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if self.instance is not None and self.instance.pk:
            self.fields["version"].initial = self.instance.version
        style = getattr(user, "date_style", "wareki")
        for name, field in list(self.fields.items()):
            if type(field) is forms.DateField:
                # Every model date becomes a 和暦-aware field (Meta-level callbacks are not inherited).
                self.fields[name] = field = WarekiDateField(
                    required=field.required,
                    label=field.label,
                    help_text=field.help_text,
                    initial=field.initial,
                )
            widget = field.widget
            if isinstance(widget, WarekiDateInput):
                widget.style = style
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")
