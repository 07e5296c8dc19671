"""Markdown is rendered without script or event handlers; attachments are allow-listed by type and
content, their text (PDF, docx, xlsx, plain) is extracted and found by the search."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from saiteki.core.errors import ValidationFailed
from saiteki.knowledge import services
from saiteki.knowledge.extraction import extract_text
from saiteki.knowledge.selectors import article_search
from saiteki.knowledge.tests.factories import admin_user, make_article
from saiteki.knowledge.text import markdown_plain, render_markdown

# --- Markdown -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://example.com'></iframe>",
        '[x](" onmouseover="alert(1))',
        "![img](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_markdown_is_sanitised(body):
    elements = _elements(render_markdown(body))
    for tag, attrs in elements:
        assert tag not in {"script", "img", "iframe", "object", "embed", "style"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), name
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), value


def _elements(html: str) -> list[tuple[str, list]]:
    """Every element of an HTML fragment with its attributes (a real parser, not substring checks)."""
    from html.parser import HTMLParser

    found: list[tuple[str, list]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_markdown_keeps_the_useful_parts():
    html = render_markdown(
        "# 見出し\n\n- 項目\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n[県HP](https://www.pref.okayama.jp/)"
    )
    assert "<h1>見出し</h1>" in html and "<li>項目</li>" in html and "<table>" in html
    assert 'href="https://www.pref.okayama.jp/"' in html and 'rel="noopener noreferrer"' in html


def test_plain_text_for_the_index():
    assert markdown_plain("# 見出し\n**太字**と`code`") == "見出し\n太字とcode"
    assert markdown_plain("| 県税 | 納付 |\n|---|---|\n| A | B |").split() == ["県税", "納付", "A", "B"]


@pytest.mark.django_db
def test_detail_page_shows_no_script(orgs, role_users):
    article = make_article(orgs["税務課"], "危険な本文", "<script>alert('x')</script>\n\n**安全**")
    c = Client()
    c.force_login(role_users["viewer"])
    page = c.get(article.get_absolute_url()).content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page and "<strong>安全</strong>" in page


# --- extraction ---------------------------------------------------------------------------------


def _pdf(text: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<html><body><p>{text}</p></body></html>").write_pdf()


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "表のセル"
    table.rows[0].cells[1].text = "契約金額"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _xlsx(text: str) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("手順")
    ws.write(0, 0, "項目")
    ws.write(1, 0, text)
    ws.write(1, 1, 12345)
    wb.close()
    return buf.getvalue()


def test_extracts_pdf_docx_xlsx_and_text():
    assert "入札の手順書" in extract_text("a.pdf", _pdf("入札の手順書"))
    docx_text = extract_text("a.docx", _docx("文書管理の規程"))
    assert "文書管理の規程" in docx_text and "契約金額" in docx_text
    xlsx_text = extract_text("a.xlsx", _xlsx("バックアップ確認表"))
    assert "バックアップ確認表" in xlsx_text and "手順" in xlsx_text
    assert extract_text("a.txt", "シフトJISの本文".encode("cp932")) == "シフトJISの本文"
    assert extract_text("a.pdf", b"%PDF-broken") == ""  # a damaged file: attached, not searchable


@pytest.mark.django_db
def test_attachment_text_is_searchable(orgs, role_users):
    article = make_article(orgs["税務課"], "添付のある記事", "本文には書いていない")
    for name, data in (
        ("a.pdf", _pdf("ＰＤＦだけの語句")),
        ("b.docx", _docx("ワードだけの語句")),
        ("c.xlsx", _xlsx("エクセルだけの語句")),
    ):
        services.attachment_add(article=article, user=admin_user(), upload=SimpleUploadedFile(name, data))
    for q in ("pdfだけ", "ワードだけ", "エクセルだけの語句"):
        page = article_search(user=role_users["viewer"], q=q)
        assert [r.article.pk for r in page.results] == [article.pk], q
        assert "<mark>" in page.results[0].snippet.html
    attachment = article.attachments.get(name="b.docx")
    services.attachment_delete(attachment=attachment, user=admin_user())
    assert article_search(user=role_users["viewer"], q="ワードだけ").count == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,data",
    [
        ("virus.exe", b"MZ\x90\x00"),
        ("page.html", b"<html><script>"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf"),
        ("fake.docx", b"%PDF-1.4"),
        ("image.svg", b"<svg onload=alert(1)>"),
        ("binary.txt", b"\x00\x01\x02"),
    ],
)
def test_attachment_allowlist(orgs, name, data):
    article = make_article(orgs["税務課"], "記事")
    with pytest.raises(ValidationFailed):
        services.attachment_add(article=article, user=admin_user(), upload=SimpleUploadedFile(name, data))
    assert article.attachments.count() == 0
