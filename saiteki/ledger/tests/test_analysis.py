"""Cost analysis: figures equal hand-computed sums, the owner's scope, the −30% trend, drill-down links
that lead to rows adding up to the same figure, and bad query parameters answered in Japanese."""

from __future__ import annotations

import io
import urllib.parse
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from saiteki.accounts.choices import Role
from saiteki.core.fiscal import fiscal_year_label
from saiteki.ledger import analysis
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm
from saiteki.ledger.models import Cost, System

FY = 2014
BUDGET = CostStage.BUDGET
ACTUAL = CostStage.ACTUAL
RUN_A = CostCategory.HW_LEASE  # 運用等
RUN_B = CostCategory.APP_MAINTENANCE  # 運用等
BUILD = CostCategory.DESIGN_DEV  # 整備


def _system(number: str, division, hosting: str) -> System:
    return System.objects.create(
        number=number, name=f"{number} システム", owning_division=division, hosting_form=hosting
    )


def _cost(system, fy, category, amount, stage=BUDGET) -> Cost:
    return Cost.objects.create(system=system, fiscal_year=fy, category=category, stage=stage, amount=amount)


@pytest.fixture
def ledger(orgs):
    """Three systems in three divisions of two bureaus, with small round amounts easy to add by hand.

    総務部: tax (税務課, on-premise), policy (情報政策課, shared platform); 教育庁: library (県立図書館, SaaS).
    Recurring cost of all three together: FY2008 2,000,000 → FY2011 1,700,000 → FY2014 1,400,000 (−30%).
    """
    tax = _system("T-001", orgs["税務課"], HostingForm.ONPREM)
    policy = _system("P-001", orgs["情報政策課"], HostingForm.SHARED_PLATFORM)
    library = _system("L-001", orgs["県立図書館"], HostingForm.COMMERCIAL_CLOUD)
    # FY2008 (baseline): run 1,000,000 + 600,000 + 400,000 = 2,000,000
    _cost(tax, 2008, RUN_A, 700_000)
    _cost(tax, 2008, RUN_B, 300_000)
    _cost(policy, 2008, RUN_A, 600_000)
    _cost(library, 2008, RUN_B, 400_000)
    # FY2011: 1,700,000 (−15%)
    _cost(tax, 2011, RUN_A, 850_000)
    _cost(policy, 2011, RUN_A, 500_000)
    _cost(library, 2011, RUN_B, 350_000)
    # FY2014 (the year under analysis): run 700,000 + 400,000 + 300,000 = 1,400,000 (−30%); build 500,000
    _cost(tax, FY, RUN_A, 500_000)
    _cost(tax, FY, RUN_B, 200_000)
    _cost(tax, FY, BUILD, 500_000)
    _cost(policy, FY, RUN_A, 400_000)
    _cost(library, FY, RUN_B, 300_000)
    # Other stages and later years must not leak into the FY2014 budget figures.
    _cost(tax, FY, RUN_A, 480_000, stage=ACTUAL)
    _cost(tax, FY, RUN_A, 999_999, stage=CostStage.REQUESTED)
    _cost(library, FY + 1, RUN_B, 123_456)
    return {"tax": tax, "policy": policy, "library": library}


def _client(client, user, fiscal_year=FY):
    client.force_login(user)
    session = client.session
    session["fiscal_year"] = fiscal_year
    session.save()
    return client


# --- pure helpers -------------------------------------------------------------------------------------


def test_percent_change_rounds_half_up_and_refuses_zero_base():
    assert analysis.percent_change(700, 1000) == Decimal("-30.0")
    assert analysis.percent_change(1_000_5, 1_000_0) == Decimal("0.1")  # 0.05% rounds up, not to even
    assert analysis.percent_change(6_665, 10_000) == Decimal("-33.4")  # -33.35 → -33.4 (away from zero)
    assert analysis.percent_change(5, 0) is None
    assert analysis.percent_change(None, 100) is None
    assert analysis.percent_change(5, None) is None


# --- selectors ----------------------------------------------------------------------------------------


def test_totals_equal_hand_computed_sums(ledger, orgs, role_users):
    a = analysis.cost_analysis(user=role_users[Role.ADMIN], fiscal_year=FY, stage=BUDGET, baseline=2008)

    assert (a.total.build, a.total.run, a.total.total) == (500_000, 1_400_000, 1_900_000)

    bureaus = {r.label: r for r in a.by_bureau}
    assert list(bureaus) == ["総務部", "教育庁"]  # organisation order
    assert (bureaus["総務部"].amounts.build, bureaus["総務部"].amounts.run) == (500_000, 1_100_000)
    assert (bureaus["教育庁"].amounts.build, bureaus["教育庁"].amounts.run) == (0, 300_000)
    assert bureaus["総務部"].systems == 2 and bureaus["教育庁"].systems == 1
    assert bureaus["総務部"].share == Decimal("84.2")  # 1,600,000 / 1,900,000
    assert bureaus["総務部"].filters == {"bureau": orgs["総務部"].pk}

    hosting = {r.key: r for r in a.by_hosting}
    assert [r.key for r in a.by_hosting] == list(HostingForm.values)  # every form, even without costs
    assert hosting[HostingForm.ONPREM].amounts.total == 1_200_000
    assert hosting[HostingForm.SHARED_PLATFORM].amounts.total == 400_000
    assert hosting[HostingForm.COMMERCIAL_CLOUD].amounts.total == 300_000
    assert hosting[HostingForm.GOV_CLOUD].amounts.total == 0 and hosting[HostingForm.GOV_CLOUD].systems == 0

    assert a.matrix[(orgs["総務部"].pk, HostingForm.ONPREM)] == 1_200_000
    assert a.matrix[(orgs["教育庁"].pk, HostingForm.COMMERCIAL_CLOUD)] == 300_000

    groups = {g.group: g for g in a.by_category}
    assert groups["build"].amount == 500_000 and groups["run"].amount == 1_400_000
    by_cat = {r.category: r.amount for g in a.by_category for r in g.rows}
    assert by_cat[RUN_A] == 900_000 and by_cat[RUN_B] == 500_000 and by_cat[BUILD] == 500_000
    assert sum(by_cat.values()) == a.total.total
    assert len(by_cat) == len(CostCategory)  # every category listed, zero or not

    years = {r.fiscal_year: r.amounts for r in a.by_year}
    assert list(years) == [2008, 2011, 2014]  # FY2015 is after the year under analysis
    assert years[2008].run == 2_000_000 and years[2011].run == 1_700_000 and years[2014].total == 1_900_000


def test_other_stage_is_a_different_set_of_rows(ledger, role_users):
    a = analysis.cost_analysis(user=role_users[Role.ADMIN], fiscal_year=FY, stage=ACTUAL, baseline=2008)
    assert a.total.total == 480_000
    assert [p.run for p in a.trend if p.run is not None] == [480_000]
    assert a.trend[0].run is None and a.trend[0].change_pct is None  # no 決算額 in the baseline year


def test_owner_sees_only_own_division(ledger, orgs, role_users):
    a = analysis.cost_analysis(user=role_users[Role.OWNER], fiscal_year=FY, stage=BUDGET, baseline=2008)
    assert (a.total.build, a.total.run) == (500_000, 700_000)  # 税務課's one system only
    assert [r.label for r in a.by_bureau] == ["総務部"]
    assert a.by_bureau[0].systems == 1
    assert a.trend[0].run == 1_000_000 and a.latest.change_pct == Decimal("-30.0")


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.VIEWER, Role.AUDITOR])
def test_read_roles_see_everything(ledger, role_users, role):
    a = analysis.cost_analysis(user=role_users[role], fiscal_year=FY, stage=BUDGET, baseline=2008)
    assert a.total.total == 1_900_000


def test_no_role_sees_nothing(ledger, role_users):
    a = analysis.cost_analysis(user=role_users["none"], fiscal_year=FY, stage=BUDGET, baseline=2008)
    assert a.total.total == 0 and a.by_bureau == [] and a.by_year == []


def test_trend_minus_30_against_baseline(ledger, role_users):
    a = analysis.cost_analysis(user=role_users[Role.ADMIN], fiscal_year=FY, stage=BUDGET, baseline=2008)
    points = {p.fiscal_year: p for p in a.trend}
    assert list(points) == list(range(2008, FY + 1))  # one point per year, gaps included
    assert points[2008].run == 2_000_000 and points[2008].change_pct == Decimal("0.0")
    assert points[2008].target_met is None  # the baseline itself is not judged
    assert points[2009].run is None and points[2009].change_pct is None  # no data is not a −100% fall
    assert points[2011].change_pct == Decimal("-15.0") and points[2011].target_met is False
    assert points[2014].change_pct == Decimal("-30.0") and points[2014].target_met is True
    assert a.target_run == 1_400_000
    assert a.latest.fiscal_year == FY


def test_trend_from_a_later_baseline(ledger, role_users):
    a = analysis.cost_analysis(user=role_users[Role.ADMIN], fiscal_year=FY, stage=BUDGET, baseline=2011)
    assert [p.fiscal_year for p in a.trend] == [2011, 2012, 2013, 2014]
    # 1,400,000 against 1,700,000 = −17.647… → −17.6
    assert a.latest.change_pct == Decimal("-17.6") and a.latest.target_met is False


def test_baseline_without_data_gives_no_percentages(ledger, role_users):
    a = analysis.cost_analysis(user=role_users[Role.ADMIN], fiscal_year=FY, stage=BUDGET, baseline=2010)
    assert a.baseline_run is None and a.target_run is None
    assert all(p.change_pct is None for p in a.trend)


def test_query_count_is_fixed(ledger, role_users, django_assert_max_num_queries):
    user = role_users[Role.OWNER]
    user.assignment  # resolved once per request by the middleware, not by the selector  # noqa: B018
    with django_assert_max_num_queries(4):
        analysis.cost_analysis(user=user, fiscal_year=FY, stage=BUDGET, baseline=2008)


# --- the page -----------------------------------------------------------------------------------------


def test_page_shows_figures_and_trend(client, ledger, role_users):
    response = _client(client, role_users[Role.ADMIN]).get("/ledger/cost-analysis/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "平成26年度（2014年度）" in html  # fiscal years in 和暦 and 西暦
    assert "1,900,000円" in html and "1,400,000円" in html  # exact amounts with separators
    assert "190.0万円" in html  # summary in 万円
    assert "-30.0%" in html and "-15.0%" in html
    assert "達成" in html and "未達成" in html  # achievement in words, not colour alone
    assert 'id="trend-chart-data"' in html and 'role="img"' in html  # chart data and accessible label
    assert 'data-testid="trend-table"' in html  # and the numbers as a table
    assert "<script>" not in html  # CSP: no inline scripts (json_script is type=application/json)


def test_page_default_stage_is_budget_and_baseline_2008(client, ledger, role_users):
    response = _client(client, role_users[Role.ADMIN]).get("/ledger/cost-analysis/")
    a = response.context["a"]
    assert a.stage == BUDGET and a.baseline == 2008 and a.fiscal_year == FY


def test_page_stage_and_national_baseline(client, ledger, role_users):
    c = _client(client, role_users[Role.ADMIN], fiscal_year=2019)
    _cost(ledger["tax"], 2018, RUN_A, 1_000_000)
    _cost(ledger["tax"], 2019, RUN_A, 650_000)
    response = c.get("/ledger/cost-analysis/?baseline=2018")
    a = response.context["a"]
    assert response.status_code == 200 and a.baseline == 2018
    assert a.latest.change_pct == Decimal("-35.0") and a.latest.target_met is True
    # 和暦 is accepted in the query string too.
    assert c.get("/ledger/cost-analysis/?baseline=H30").context["a"].baseline == 2018
    assert c.get("/ledger/cost-analysis/?stage=actual").context["a"].stage == ACTUAL


def _links(html: str, path: str) -> list[str]:
    import re

    return [urllib.parse.unquote(h.replace("&amp;", "&")) for h in re.findall(rf'href="({path}[^"]*)"', html)]


def test_drill_down_links_lead_to_rows_adding_up_to_the_figure(client, ledger, orgs, role_users):
    c = _client(client, role_users[Role.ADMIN])
    html = c.get("/ledger/cost-analysis/").content.decode()
    bureau = orgs["総務部"].pk

    system_links = _links(html, "/ledger/systems/")
    assert f"/ledger/systems/?bureau={bureau}&stage=budget" in system_links
    assert "/ledger/systems/?hosting_form=onprem&stage=budget" in system_links
    assert f"/ledger/systems/?bureau={bureau}&hosting_form=onprem&stage=budget" in system_links

    cost_links = _links(html, "/ledger/costs/")
    bureau_total = f"/ledger/costs/?fiscal_year={FY}&stage=budget&bureau={bureau}"
    assert bureau_total in cost_links
    assert f"/ledger/costs/?fiscal_year={FY}&stage=budget&group=run&bureau={bureau}" in cost_links
    assert f"/ledger/costs/?fiscal_year={FY}&stage=budget&category=hw_lease" in cost_links
    assert "/ledger/costs/?fiscal_year=2011&stage=budget&group=run" in cost_links  # trend point

    # The cost rows behind the bureau figure add up to it ...
    rows = c.get(bureau_total)
    assert rows.status_code == 200
    assert rows.context["totals"]["amount"] == 1_600_000
    assert rows.context["page"].paginator.count == 4
    # ... and so does the system list's totals row for the same bureau, year and stage.
    systems = c.get(f"/ledger/systems/?bureau={bureau}&stage=budget")
    assert systems.context["totals"]["cost_total"] == 1_600_000
    # The recurring cost of one trend year.
    run_2011 = c.get("/ledger/costs/?fiscal_year=2011&stage=budget&group=run")
    assert run_2011.context["totals"]["amount"] == 1_700_000
    # Every cost link of the page answers 200.
    for link in set(cost_links):
        assert c.get(link).status_code == 200, link


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("baseline=abc", "基準年度: 「abc」を年度として読み取れません"),
        ("baseline=2030", "表示年度（平成26年度（2014年度））以前の年度を指定してください"),
        ("baseline=令和0年度", "存在しない年度です"),
        ("stage=zzz", "経費の段階「zzz」は選べません"),
        ("stage=zzz&baseline=%00%ff", "経費の段階"),
    ],
)
def test_bad_parameters_give_a_japanese_message_not_a_500(client, ledger, role_users, query, message):
    response = _client(client, role_users[Role.ADMIN]).get(f"/ledger/cost-analysis/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "既定の条件で表示しています" in html
    assert response.context["a"].total.total == 1_900_000  # the defaults are still shown


def test_page_without_any_costs_says_so(client, orgs, role_users):
    response = _client(client, role_users[Role.ADMIN]).get("/ledger/cost-analysis/?stage=actual")
    assert response.status_code == 200
    html = response.content.decode()
    assert "平成26年度（2014年度）の決算額は登録されていません。" in html
    assert "増減率を計算できません" in html
    assert "該当する経費はありません。" in html


def test_page_permissions(client, ledger, role_users):
    assert client.get("/ledger/cost-analysis/").status_code == 302  # login first
    assert _client(client, role_users["none"]).get("/ledger/cost-analysis/").status_code == 403
    owner = _client(client, role_users[Role.OWNER]).get("/ledger/cost-analysis/")
    assert owner.status_code == 200
    html = owner.content.decode()
    assert "教育庁" not in html and "1,900,000円" not in html and "1,200,000円" in html


# --- the cost-row list --------------------------------------------------------------------------------


def test_cost_rows_redirect_to_an_explicit_year(client, ledger, role_users):
    response = _client(client, role_users[Role.ADMIN]).get("/ledger/costs/?group=run")
    assert response.status_code == 302
    assert response["Location"] == f"/ledger/costs/?group=run&fiscal_year={FY}&stage=budget"


def test_cost_rows_filters(client, ledger, orgs, role_users):
    c = _client(client, role_users[Role.ADMIN])

    def total(query):
        r = c.get(f"/ledger/costs/?{query}")
        assert r.status_code == 200
        return r.context["totals"]["amount"]

    assert total(f"fiscal_year={FY}&stage=budget") == 1_900_000
    assert total(f"fiscal_year={FY}&stage=budget&group=build") == 500_000
    assert total(f"fiscal_year={FY}&stage=budget&hosting_form=shared_platform") == 400_000
    assert total(f"fiscal_year={FY}&stage=budget&owning_division={orgs['県立図書館'].pk}") == 300_000
    assert total(f"fiscal_year={FY}&stage=budget&q=T-001") == 1_200_000
    assert total(f"fiscal_year={FY}&stage=actual") == 480_000
    assert total("fiscal_year=&stage=budget") == 2_000_000 + 1_700_000 + 1_900_000 + 123_456  # all years
    bad = c.get("/ledger/costs/?fiscal_year=abc&stage=budget")
    assert bad.status_code == 200 and "数値を入力してください" in bad.content.decode()
    assert bad.context["page"].paginator.count == 0  # an invalid filter shows nothing, not everything
    unknown_bureau = c.get(f"/ledger/costs/?fiscal_year={FY}&stage=budget&bureau=999999")
    assert unknown_bureau.context["page"].paginator.count == 0
    assert unknown_bureau.context["totals"]["amount"] is None


def test_cost_rows_export_is_what_is_shown(client, ledger, role_users):
    c = _client(client, role_users[Role.OWNER])
    response = c.get(f"/ledger/costs/?fiscal_year={FY}&stage=budget&export=xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    title, scope, *rows = list(ws.iter_rows(values_only=True))
    assert title[0] == f"経費明細　{fiscal_year_label(FY)}　予算額"  # year and stage named once, in the title
    assert "年度:" not in scope[0] and "段階:" not in scope[0]
    assert rows[0][0] == "システム番号" and rows[0][-1] == "金額(円)"
    assert {r[0] for r in rows[1:]} == {"T-001"}  # the owner's own system only
    assert sum(r[-1] for r in rows[1:]) == 1_200_000
    assert ws.cell(4, len(rows[0])).number_format == "#,##0"
    # A viewer may read the analysis but not export.
    viewer = _client(client, role_users[Role.VIEWER])
    assert viewer.get(f"/ledger/costs/?fiscal_year={FY}&stage=budget").status_code == 200
    assert viewer.get(f"/ledger/costs/?fiscal_year={FY}&stage=budget&export=xlsx").status_code == 403


# --- demo data ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_recurring_cost_falls_30_percent_then_stays_level():
    import saiteki.accounts.demo  # noqa: F401 - registers the loaders
    import saiteki.ledger.demo  # noqa: F401
    from saiteki.accounts.models import User
    from saiteki.core.demo import loaders

    for order, _name, load in loaders():
        if order <= 30:  # organisations, users, ledger — not later apps' demo data
            load()
    admin = User.objects.get(username="demo-admin")
    current = max(Cost.objects.values_list("fiscal_year", flat=True)) - 1
    a = analysis.cost_analysis(user=admin, fiscal_year=current, stage=BUDGET, baseline=2008)
    points = {p.fiscal_year: p for p in a.trend}
    assert Decimal("-33") <= points[2014].change_pct <= Decimal("-27")
    for fy in range(2015, current + 1):
        assert Decimal("-33") <= points[fy].change_pct <= Decimal("-27"), fy  # level after FY2014
    assert points[2010].change_pct > Decimal("-15")  # falling gradually, not at once
