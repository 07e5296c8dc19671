"""The Python-written <select> is byte for byte Django's template output, for every shape of select."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from saiteki.core.form_renderer import FastSelectRenderer

CHOICES = [
    ("", "---------"),
    ("a&b", "A & B <社>"),
    (1, "一"),
    ("グループ", [("g1", "県税"), ("g2", '"引用"')]),
    (None, "なし"),
]


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    styled = forms.ChoiceField(
        choices=CHOICES[:3],
        widget=forms.Select(
            attrs={"class": "form-select <x>", "data-on": True, "hidden": False, "aria-x": 0}
        ),
    )
    yes_no = forms.NullBooleanField()
    boolean = forms.TypedChoiceField(choices=[(True, "はい"), (False, "いいえ")], coerce=bool)


@pytest.mark.parametrize(
    "data", [None, {"plain": "a&b", "many": ["g1", "1"], "styled": "1", "yes_no": "true"}]
)
def test_selects_render_exactly_as_djangos_templates(data):
    fast, slow = Sample(data, renderer=FastSelectRenderer()), Sample(data, renderer=DjangoTemplates())
    for name in Sample.base_fields:
        assert str(fast[name]) == str(slow[name]), name
    assert "selected" in str(fast["many"]) or data is None
    assert "&lt;社&gt;" in str(fast["plain"])  # labels are escaped


def test_an_option_with_its_own_template_falls_back_to_templates():
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/select_option.html"

    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    field = forms.ChoiceField(choices=CHOICES[:3], widget=Custom)
    form = forms.Form(renderer=FastSelectRenderer())
    form.fields["x"] = field
    expected = forms.Form(renderer=DjangoTemplates())
    expected.fields["x"] = forms.ChoiceField(choices=CHOICES[:3], widget=Custom)
    assert str(form["x"]) == str(expected["x"])
