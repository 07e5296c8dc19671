"""The form renderer: Django's own, with the ``<select>`` written in Python.

A filter bar's selects (所属 with ~80 options, 部局, タグ …) are rendered on every list page, and
Django renders each ``<option>`` through two template includes: on the ledger list that was about a
third of the page's CPU time under the load test (``make loadtest``). The output here is byte for
byte what Django's templates ``django/forms/widgets/select.html``, ``select_option.html`` and
``attrs.html`` produce (``saiteki/core/tests/test_form_renderer.py`` compares the two); any select
whose options use another template falls back to the templates.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """``attrs.html``: ``name="value"``, a bare name for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


def select_html(widget: dict) -> str | None:
    """``select.html`` for the widget's context, or None when an option has a template of its own."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"  # the template file's last newline
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastSelectRenderer(DjangoTemplates):
    """``FORM_RENDERER``: Django's template renderer except for plain selects."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            html = select_html(context["widget"])
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request=request)
