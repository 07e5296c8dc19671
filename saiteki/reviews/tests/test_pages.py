"""Pages: every page answers for every role it should, the board's figures and its flat query count,
the case list as xlsx, the review sheet PDF with the Japanese font embedded, the owner's view and the
advisor's queue."""

from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest
from django.urls import reverse

from saiteki.core.testing import assert_matrix, assert_queries_flat
from saiteki.reviews import services
from saiteki.reviews.choices import CaseKind
from saiteki.reviews.tests.conftest import FY
from saiteki.reviews.tests.helpers import approved_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(role_users, systems):
    return approved_case(
        owner=role_users["owner"],
        admin=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        requested={"app_maintenance": 3_000_000, "hw_lease": 1_000_000},
        assessed={"app_maintenance": 2_400_000, "hw_lease": 1_000_000},
    )


def test_pages_per_role(client, role_users, case):
    ok_all = {"admin": 200, "owner": 200, "advisor": 200, "viewer": 200, "auditor": 200}
    assert_matrix(
        client,
        role_users,
        {
            reverse("reviews:board"): ok_all,
            reverse("reviews:case_list"): ok_all,
            reverse("reviews:case_detail", args=[case.pk]): ok_all,
            reverse("reviews:proposal_list"): ok_all,
            reverse("reviews:plan"): ok_all,
            reverse("reviews:exception_list"): ok_all,
            reverse("reviews:rubric"): ok_all,
            reverse("reviews:opinion_queue"): ok_all,
            reverse("reviews:my_cases"): ok_all,
            reverse("reviews:gate_setting"): {
                "admin": 200,
                "owner": 403,
                "advisor": 403,
                "viewer": 403,
                "auditor": 403,
            },
            reverse("reviews:case_add"): {
                "admin": 200,
                "owner": 200,
                "advisor": 403,
                "viewer": 403,
                "auditor": 403,
            },
        },
        roles=["admin", "owner", "advisor", "viewer", "auditor"],
    )


def test_case_detail_of_another_division_is_404_for_owners(client, role_users, systems):
    other = services.case_create(user=role_users["admin"], kind="P", fiscal_year=FY, system=systems["other"])
    client.force_login(role_users["owner"])
    assert client.get(reverse("reviews:case_detail", args=[other.pk])).status_code == 404


def test_board_figures_and_flat_queries(client, role_users, orgs, case):
    from saiteki.ledger.tests.factories import make_system

    client.force_login(role_users["admin"])
    page = client.get(reverse("reviews:board") + f"?fiscal_year={FY}").content.decode()
    assert "600,000" in page and "4,000,000" in page and "総務部" in page

    def grow():
        for i in range(3):
            s = make_system(orgs["教育政策課"], number=f"B-{i}")
            approved_case(owner=role_users["admin"], admin=role_users["admin"], system=s, fiscal_year=FY - i)

    assert_queries_flat(
        lambda: client.get(reverse("reviews:board") + f"?fiscal_year={FY}"), grow, label="board"
    )


def test_case_list_exports_the_years_cases_as_xlsx(client, role_users, case):
    client.force_login(role_users["admin"])
    response = client.get(reverse("reviews:case_list") + f"?fiscal_year={FY}&export=xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    ws = wb.active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values[2]
    assert "削減額" in header and "要求額" in header
    row = values[3]
    assert row[header.index("削減額")] == 600_000 and row[header.index("要求額")] == 4_000_000


def test_review_sheet_pdf_embeds_the_japanese_font_and_renders(client, role_users, case, tmp_path):
    if not shutil.which("pdffonts") or not shutil.which("pdftoppm"):
        pytest.fail("poppler-utils (pdffonts, pdftoppm) must be installed")
    client.force_login(role_users["owner"])
    response = client.get(reverse("reviews:case_pdf", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "Noto" in line and "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)  # the Japanese font, embedded
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    assert any(p.stat().st_size > 2000 for p in tmp_path.glob("p*.png"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "審査票" in text and "600,000" in text


def test_owner_view_shows_returned_cases_with_the_reason(client, role_users, systems):
    owner, admin = role_users["owner"], role_users["admin"]
    c = services.case_create(
        user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"], requested={"other": 5}
    )
    services.case_transition(user=owner, case=c, name="submit")
    services.case_transition(user=admin, case=c, name="start_review")
    services.case_transition(user=admin, case=c, name="send_back", comment="見積書を添付してください")
    client.force_login(owner)
    page = client.get(reverse("reviews:my_cases")).content.decode()
    assert "見積書を添付してください" in page and "差戻し" in page


def test_actions_through_the_pages(client, role_users, systems):
    owner, admin, advisor = role_users["owner"], role_users["admin"], role_users["advisor"]
    client.force_login(owner)
    response = client.post(
        reverse("reviews:case_add"),
        {"kind": "P", "fiscal_year": str(FY), "system": systems["own"].pk, "title": "予算要求"},
    )
    assert response.status_code == 302
    c = systems["own"].review_cases.get()
    client.post(
        reverse("reviews:case_requested", args=[c.pk]), {"r_app_maintenance": "1,200,000", "r_hw_lease": ""}
    )
    c.refresh_from_db()
    assert c.requested_total == 1_200_000
    client.post(reverse("reviews:case_transition", args=[c.pk]), {"name": "submit", "comment": ""})
    client.force_login(admin)
    client.post(reverse("reviews:case_transition", args=[c.pk]), {"name": "start_review"})
    client.post(
        reverse("reviews:case_transition", args=[c.pk]), {"name": "request_opinion", "comment": "妥当か"}
    )
    client.force_login(advisor)
    assert "妥当か" in client.get(reverse("reviews:opinion_queue")).content.decode()
    op = c.opinions.get()
    client.post(
        reverse("reviews:case_opinion", args=[c.pk]), {"opinion": op.pk, "opinion_text": "1割削減が妥当"}
    )
    client.force_login(admin)
    client.post(
        reverse("reviews:case_assess", args=[c.pk]),
        {"a_app_maintenance": "1,080,000", "findings": "類似比較"},
    )
    response = client.post(
        reverse("reviews:case_transition", args=[c.pk]), {"name": "approve", "comment": "承認"}, follow=True
    )
    c.refresh_from_db()
    assert (c.state, c.reduction_total) == ("approved", 120_000)
    assert "承認" in response.content.decode()
    # An illegal transition through the page: a Japanese message, nothing changed.
    response = client.post(reverse("reviews:case_transition", args=[c.pk]), {"name": "submit"}, follow=True)
    assert "「承認」の状態では「提出」はできません" in response.content.decode()


def test_karte_shows_cases_gate_status_and_exceptions(client, role_users, systems, case):
    services.gate_exception_create(
        user=role_users["admin"], system=systems["own"], fiscal_year=FY, gate="D", reason="災害対応の緊急調達"
    )
    client.force_login(role_users["owner"])
    page = client.get(
        reverse("ledger:system_detail", args=[systems["own"].pk]) + "?tab=karte"
    ).content.decode()
    assert 'data-testid="karte-reviews"' in page
    assert "災害対応の緊急調達" in page and "予算要求前審査" in page
