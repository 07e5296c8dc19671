"""The English catalogue covers the product, and English mode shows no Japanese but the data.

Japanese is the source language (SPEC: Japanese first, with an English catalogue); issue 8 asks that
English mode has no Japanese leaks. Three ways a leak comes back, each caught here:

- ``make messages`` brings new strings with an empty ``msgstr`` and changed ones as ``#, fuzzy`` (which
  gettext ignores): the catalogue must have neither;
- a translation is written but ``compilemessages`` is not run: the committed ``.mo`` must say what the
  ``.po`` says;
- a Japanese literal never goes through gettext (a template without ``{% translate %}``, a label
  evaluated at import time, a fiscal year formatted with 和暦): the main pages, fetched in English with
  the data's own Japanese names removed, must contain no Japanese at all.
"""

from __future__ import annotations

import gettext
import html
import importlib.util
import io
import re
import sys

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation

from saiteki.ledger.tests.factories import (
    ComponentFactory,
    ContractFactory,
    make_cost,
    make_server,
    make_system,
)

PO_PATH = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# Hiragana, katakana and kanji; the katakana middle dot 「・」 (U+30FB) is left out because templates use
# it as a plain separator between values.
JAPANESE = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u4e00-\u9fff]")
JAPANESE_RUN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\u3000-\u303f\uff00-\uffef][^<>\"\n]{0,30}")

# Deliberately Japanese in English mode: the language switch names Japanese in Japanese, and the
# test-only plugin app (config/settings/test.py) has untranslated menu entries by design.
ALLOWED = ("言語 / Language", "日本語", "ガジェット", "プラグイン", "管理者だけ")


@pytest.fixture(autouse=True)
def _japanese_again():
    """LanguageMiddleware leaves the last request's language active in the thread; the tests after these
    ones (writers called without a request) expect the Japanese default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _po_tool():
    """scripts/po_todo.py, the catalogue reader the translators use (no polib/babel in the project)."""
    name = "saiteki_po_todo"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, settings.BASE_DIR / "scripts" / "po_todo.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _entries():
    tool = _po_tool()
    return [e for e in tool.read_po(PO_PATH) if not e.is_header and not e.obsolete]


def test_the_catalogue_has_no_empty_or_fuzzy_entries():
    pending = [f"{'fuzzy' if e.fuzzy else 'empty'}: {e.msgid!r}" for e in _entries() if e.needs_work()]
    assert not pending, (
        f"{len(pending)} catalogue entries need a translation "
        "(run `make messages`, then `python scripts/po_todo.py list`):\n" + "\n".join(pending[:50])
    )


def test_translations_keep_the_placeholders_and_are_english():
    tool = _po_tool()
    problems = []
    for e in _entries():
        sources = [e.msgid] + ([e.msgid_plural] if e.msgid_plural else [])
        wanted = {tuple(tool.placeholders(s)) for s in sources}
        for form in e.msgstr.values():
            if tuple(tool.placeholders(form)) not in wanted:
                problems.append(f"placeholders differ: {e.msgid!r} -> {form!r}")
    assert not problems, "\n".join(problems[:50])


def test_the_compiled_catalogue_matches_the_po_file():
    """A forgotten ``compilemessages`` would ship the old translations."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in _entries():
        if e.msgctxt is not None:
            continue
        if e.msgid_plural is None:
            if compiled.gettext(e.msgid) != e.msgstr[0]:
                stale.append(e.msgid)
        elif compiled.ngettext(e.msgid, e.msgid_plural, 2) != e.msgstr.get(1):
            stale.append(e.msgid)
    assert not stale, "run `manage.py compilemessages`; stale in django.mo:\n" + "\n".join(stale[:50])


def _data_strings() -> list[str]:
    """Every Japanese text value in the database: names of divisions, seeded catalogues and the like."""
    found: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
        ]
        if not fields or model._meta.proxy:
            continue
        for row in model.objects.values_list(*fields):
            found.update(str(v) for v in row if v and JAPANESE.search(str(v)))
    return sorted(found, key=len, reverse=True)  # longest first, so a name inside a name goes too


def _leaks(text: str, data: list[str]) -> list[str]:
    text = re.sub(r"<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->", "", text, flags=re.S)
    # Form values and data attributes carry codes (the unit 「千円」 of a radio button), not wording.
    text = re.sub(r"""\s(?:value|data-[\w-]+)=("[^"]*"|'[^']*')""", "", text)
    text = html.unescape(text)
    for value in data + list(ALLOWED):
        text = text.replace(value, "")
    return sorted({m.group() for m in JAPANESE_RUN.finditer(text) if JAPANESE.search(m.group())})


@pytest.mark.django_db
def test_english_pages_show_no_japanese_but_the_data(client, orgs, role_users):
    system = make_system(orgs["税務課"], name="Tax collection", number="EN-001", planned_renewal_fy=2028)
    make_cost(system, fiscal_year=2026, category="operation", amount=1_200_000)
    server = make_server([system], name="tax-ap-01")
    ComponentFactory(system=system, server=server, product="Windows Server", product_version="2012 R2")
    ContractFactory(systems=[system])
    from saiteki.knowledge.tests.factories import make_article

    make_article(orgs["税務課"], "Backup procedure", "How to back up the tax system.")

    client.force_login(role_users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pages = [
        reverse("core:home"),
        reverse("ledger:system_list"),
        system.get_absolute_url(),
        system.get_absolute_url() + "?tab=karte",
        reverse("ledger:system_costs", args=[system.pk]),
        reverse("ledger:system_add"),
        reverse("ledger:cost_analysis"),
        reverse("ledger:system_import"),
        reverse("core:inbox"),
        reverse("core:audit_log"),
        reverse("lifecycle:risk_list"),
        reverse("lifecycle:forecast"),
        reverse("lifecycle:unmatched"),
        reverse("knowledge:article_list") + "?q=backup",
        reverse("knowledge:faq"),
        reverse("knowledge:stats"),
        reverse("knowledge:article_add"),
        reverse("reviews:case_list"),
        reverse("reviews:proposal_list"),
        reverse("kpi:dashboard"),
        reverse("kpi:years"),
        "/no-such-page/",
    ]
    data = _data_strings()
    leaks = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        found = _leaks(response.content.decode(), data)
        if found:
            leaks[url] = found
    assert not leaks, (
        "Japanese in English mode (wrap it in gettext, or use the display layer):\n"
        + "\n".join(f"{url}: {found}" for url, found in leaks.items())
    )


def _upload(client, data: bytes, name: str = "ledger.xlsx"):
    f = io.BytesIO(data)
    f.name = name
    return client.post(
        reverse("ledger:system_import"), {"file": f, "unit": "円", "blank": "keep"}, follow=True
    )


@pytest.mark.django_db
def test_english_import_round_trip_shows_no_japanese_but_the_data(client, orgs, role_users):
    """The English list export reads back, and its preview and error list are English too."""
    make_system(orgs["税務課"], name="Tax collection", number="EN-001", planned_renewal_fy=2028)
    client.force_login(role_users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    exported = client.get(reverse("ledger:system_list") + "?export=xlsx").content
    data = _data_strings()
    wb = openpyxl.load_workbook(io.BytesIO(exported))
    ws = wb.active
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "FY2028" in cells and not [c for c in cells if JAPANESE.search(c) and c not in data], cells

    header = next(row[0].row for row in ws.iter_rows(max_row=10) if row[0].value == "System number")
    renewal = [c.value for c in ws[header]].index("Planned renewal fiscal year") + 1
    ws.cell(header + 1, renewal).value = "not a year"
    broken = io.BytesIO()
    wb.save(broken)

    for response in (_upload(client, exported), _upload(client, broken.getvalue())):
        assert response.status_code == 200
        assert not _leaks(response.content.decode(), data)
    assert "cannot be read as a fiscal year" in response.content.decode()
