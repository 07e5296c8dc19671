"""The upload form of every import: the file, its amount unit and what a blank cell means."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from saiteki.core.importing.files import inspect_upload
from saiteki.core.importing.preview import AmountUnit, BlankPolicy, ImportRefused


class ImportOptionsForm(forms.Form):
    """How to read a file: its amount unit and what a blank cell means (both shown in the preview)."""

    unit = forms.ChoiceField(
        label=gettext_lazy("金額の単位"),
        choices=AmountUnit.choices,
        initial=AmountUnit.YEN,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("金額の列の単位です。予算書の千円単位のまま取り込めます。"),
    )
    blank = forms.ChoiceField(
        label=gettext_lazy("空欄の扱い"),
        choices=BlankPolicy.choices,
        initial=BlankPolicy.KEEP,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "「空欄は変更しない」: 空欄のセルは登録済みの値をそのまま残します。"
            "「空欄で消去する」: 空欄のセルは登録済みの値を消去します（必須項目は消去できません。経費の行は削除します）。"
        ),
    )


class ImportUploadForm(ImportOptionsForm):
    """The file is inspected here (size, type, encryption, macros) before it is stored anywhere."""

    file = forms.FileField(
        allow_empty_file=True,  # an empty file gets the importer's own message
        label=gettext_lazy("取込ファイル"),
        help_text=gettext_lazy("Excelブック（.xlsx）またはCSV（UTF-8 / Shift_JIS）。"),
    )

    field_order = ["file", "unit", "blank"]

    def __init__(self, *args, uses_unit: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not uses_unit:
            self.fields["unit"].required = False
            self.fields["unit"].widget = forms.HiddenInput()

    def clean_unit(self):
        return self.cleaned_data.get("unit") or AmountUnit.YEN.value

    def clean_file(self):
        upload = self.cleaned_data["file"]
        head = upload.read(8)
        upload.seek(0)
        try:
            inspect_upload(file_name=upload.name, size=upload.size, head=head)
        except ImportRefused as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        return upload
