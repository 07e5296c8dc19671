"""API under /api/v1/kpi/, the dashboard as every role's landing page, and the report files."""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from saiteki.core.models import AuditEvent
from saiteki.core.testing import make_user, run_pending_tasks
from saiteki.kpi import services
from saiteki.kpi.models import KpiDefinition, KpiReport, Plan
from saiteki.ledger.tests.factories import make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpis(orgs, dated):
    with dated(2012, 4, 1):
        own = make_system(orgs["税務課"], number="T1", name="税務の系", hosting_form="commercial_cloud")
        other = make_system(orgs["教育政策課"], number="E1", name="教育の系", hosting_form="shared_platform")
    plan = Plan.objects.create(code="p", name="計画", start_fy=2014, end_fy=2016)
    for code, key, unit, rule in [
        ("cloud_ratio", "ledger.cloud_ratio", "%", "value"),
        ("virtualized_systems", "ledger.virtualized_systems", "システム", "value"),
    ]:
        KpiDefinition.objects.create(
            code=code, name=code, unit=unit, target=1, plan=plan, source_key=key, target_rule=rule
        )
    return {"own": own, "other": other}


def test_values_api_for_a_year_and_evidence(api_client, kpis, role_users):
    api_client.force_authenticate(role_users["viewer"])
    rows = {r["code"]: r for r in api_client.get("/api/v1/kpi/values/?fiscal_year=2013").json()}
    assert rows["cloud_ratio"]["value"] == 50.0 and rows["cloud_ratio"]["evidence_count"] == 1
    assert rows["virtualized_systems"]["value"] == 1.0 and rows["virtualized_systems"]["closed"] is False
    assert set(rows["cloud_ratio"]) >= {"code", "value", "target", "status", "closed", "evidence_count"}
    ev = api_client.get(f"/api/v1/kpi/values/{rows['cloud_ratio']['id']}/evidence/").json()
    assert [r["id"] for r in ev["records"]] == [kpis["own"].pk] and ev["figures"]["denominator"] == 2
    assert api_client.get("/api/v1/kpi/values/?fiscal_year=abc").status_code == 400
    assert len(api_client.get("/api/v1/kpi/definitions/").json()) == 2


def test_close_and_reopen_api(api_client, kpis, role_users):
    for role in ("owner", "viewer", "auditor"):
        api_client.force_authenticate(role_users[role])
        assert api_client.post("/api/v1/kpi/years/2013/close/").status_code == 403
    api_client.force_authenticate(role_users["admin"])
    r = api_client.post("/api/v1/kpi/years/2013/close/")
    assert r.status_code == 200 and r.json()["closed"] is True
    assert api_client.post("/api/v1/kpi/years/2013/close/").status_code == 409
    assert all(v["closed"] for v in api_client.get("/api/v1/kpi/values/?fiscal_year=2013").json())
    assert api_client.post("/api/v1/kpi/years/2013/reopen/", {}, format="json").status_code == 400
    r = api_client.post("/api/v1/kpi/years/2013/reopen/", {"reason": "訂正"}, format="json")
    assert r.status_code == 200 and r.json()["closed"] is False
    assert AuditEvent.objects.filter(kind="kpi_reopen").count() == 1


def test_dashboard_is_the_landing_page_per_role(client, kpis, role_users, orgs):
    client.force_login(role_users["viewer"])
    page = client.get(reverse("core:home") + "?fy=2013").content.decode()
    assert 'data-testid="kpi-table"' in page and 'data-testid="kpi-value-cloud_ratio">50%' in page
    assert reverse("core:audit_log") not in page  # no 管理 menu for the committee viewer
    client.force_login(role_users["owner"])
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="kpi-table"' not in page and "税務課" in page
    assert 'data-testid="systems-total">1<' in page  # only its own division's system
    assert client.get(reverse("core:home") + "?menu=1").status_code == 200


def test_ledger_as_of_page_scoped_to_the_owner(client, kpis, role_users):
    client.force_login(role_users["owner"])
    page = client.get(reverse("kpi:ledger_as_of") + "?as_of=2013-03-31").content.decode()
    assert "税務の系" in page and "教育の系" not in page
    client.force_login(role_users["admin"])
    page = client.get(reverse("kpi:ledger_as_of") + "?as_of=2011-03-31").content.decode()
    assert "税務の系" not in page
    r = client.get(reverse("ledger:system_list") + "?as_of=2011-03-31")
    assert r.status_code == 302 and r["Location"].startswith(reverse("kpi:ledger_as_of"))
    assert "as-of-switch" in client.get(reverse("ledger:system_list")).content.decode()


def test_report_xlsx_and_pdf(api_client, orgs, dated, tmp_path, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    admin = make_user("r-admin", "admin", orgs["情報政策課"])
    with dated(2012, 4, 1):
        make_system(orgs["税務課"], number="R1", hosting_form="commercial_cloud")
        make_system(orgs["税務課"], number="R2")
    plan = Plan.objects.create(code="p", name="計画", start_fy=2014, end_fy=2016)
    KpiDefinition.objects.create(
        code="cloud_ratio",
        name="クラウド利用割合",
        unit="%",
        target=5,
        plan=plan,
        source_key="ledger.cloud_ratio",
    )
    services.fiscal_year_close(fiscal_year=2013, user=admin)
    api_client.force_authenticate(admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = api_client.post("/api/v1/kpi/reports/", {"fiscal_year": 2013}, format="json")
    assert r.status_code == 202
    run_pending_tasks()  # the real queue's worker, in this process
    report = KpiReport.objects.get(pk=r.json()["id"])
    assert report.status == "done", report.error
    xlsx = api_client.get(f"/api/v1/kpi/reports/{report.pk}/download/?file_format=xlsx")
    assert xlsx.status_code == 200, xlsx.content[:300]
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content))
    rows = [[c for c in row] for row in book["評価指標"].iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r and r[0] == "計画"))
    assert rows[header + 1][2] == "cloud_ratio" and Decimal(str(rows[header + 1][4])) == Decimal("50")
    pdf = api_client.get(f"/api/v1/kpi/reports/{report.pk}/download/?file_format=pdf").content
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        cjk = [line for line in fonts.splitlines() if "Noto" in line and "CJK" in line]
        assert cjk and all(" yes " in line for line in cjk)  # the Japanese font, embedded
    assert shutil.which("pdftoppm"), "poppler-utils is part of the stack"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "3", str(path), str(tmp_path / "p")], check=True
    )
    assert len(list(tmp_path.glob("p*.png"))) == 3
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "審査結果と削減額" in text and "ガジェットの状況" in text  # chapters from the registry
    # Same data, same numbers.
    second = services.kpi_report_generate(report_id=KpiReport.objects.create(fiscal_year=2013).pk)
    assert second.digest == report.digest
    assert AuditEvent.objects.filter(kind="export", detail__what="kpi.annual_report").count() == 2


def test_report_chapters_carry_their_tables(orgs):
    """A chapter's own table (the test plugin's, the review gates' exceptions) reaches the report."""
    from saiteki.core.tests.plugin.models import Gadget
    from saiteki.kpi.report import report_data
    from saiteki.reviews.models import GateException

    system = make_system(orgs["税務課"], number="G1", name="ゲート例外のシステム")
    GateException.objects.create(system=system, fiscal_year=2013, gate="P", reason="災害対応の緊急調達")
    Gadget.objects.create(code="X1", name="g", division=orgs["税務課"], amount=5)
    sections = {s["key"]: s for s in report_data(fiscal_year=2013).sections}
    assert sections["plugin"]["table"]["rows"] == [["X1", 5]]
    assert sections["reviews"]["table"]["rows"][0][:2] == ["G1", "ゲート例外のシステム"]
    assert "災害対応の緊急調達" in sections["reviews"]["table"]["rows"][0]
    assert report_data(fiscal_year=2014).sections[0]["table"] is None  # nothing that year


def test_server_evidence_page_shows_the_figures_and_links_the_servers(client, orgs, dated, role_users):
    from saiteki.kpi.models import KpiValue
    from saiteki.ledger.models import Server

    with dated(2012, 4, 1):
        system = make_system(orgs["税務課"], number="T1", name="税務の系", hosting_form="shared_platform")
        host = Server.objects.create(name="VH-01", kind="physical")
        vm = Server.objects.create(name="vm-t1-1", kind="virtual", host=host)
        vm.systems.add(system)
        Server.objects.create(name="sv-e1-1", kind="physical")
    plan = Plan.objects.create(code="p", name="計画", start_fy=2014, end_fy=2016)
    d = KpiDefinition.objects.create(
        code="virtualized_servers",
        name="仮想サーバ",
        unit="台",
        plan=plan,
        source_key="ledger.virtualized_servers",
    )
    services.kpi_values_refresh(fiscal_year=2013)
    value = KpiValue.objects.get(definition=d, fiscal_year=2013)
    assert value.value == 1 and value.evidence_count == 1
    client.force_login(role_users["viewer"])
    html = client.get(reverse("kpi:evidence", args=[value.pk])).content.decode()
    assert 'data-testid="figure-virtual-servers">1<' in html
    assert 'data-testid="figure-physical-servers">1<' in html
    assert f'href="{reverse("ledger:server_detail", args=[vm.pk])}"' in html
