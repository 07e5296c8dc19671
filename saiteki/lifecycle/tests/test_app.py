"""Catalogue load and refresh, matching stored per component, the risk list, the renewal forecast,
the karte section, the matcher API, manual mapping, KPI values and reminders."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from saiteki.accounts.choices import Role
from saiteki.core.models import Notification
from saiteki.core.registry import registry
from saiteki.ledger.models import Component
from saiteki.ledger.tests.factories import make_server, make_system
from saiteki.lifecycle import catalogue as cat
from saiteki.lifecycle import selectors, services
from saiteki.lifecycle.choices import MatchMethod, RefreshStatus, RiskStatus
from saiteki.lifecycle.models import CatalogueRefresh, ComponentLifecycle, Cycle, MatchRule, Product

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def test_shipped_catalogue_loads_every_row(catalogue):
    assert Cycle.objects.count() == len(cat.load_shipped()) >= 900
    assert Product.objects.get(slug="windows-server").title == "Microsoft Windows Server"
    ws = Cycle.objects.get(product__slug="windows-server", cycle="2012-r2")
    assert (ws.eol, ws.extended_support) == ("2023-10-10", "2026-10-13")


def test_refresh_in_endoflife_api_format_shows_diff_then_applies(catalogue, role_users, ledger):
    v1 = {
        "schema_version": "1.2.0",
        "result": {
            "name": "windows-server",
            "label": "Microsoft Windows Server",
            "releases": [
                {
                    "name": "2012-r2",
                    "label": "Windows Server 2012 R2",
                    "releaseDate": "2013-11-25",
                    "isLts": True,
                    "isEoas": True,
                    "eoasFrom": "2018-10-09",
                    "isEol": True,
                    "eolFrom": "2023-10-10",
                    "isEoes": False,
                    "eoesFrom": "2027-10-12",
                },
                {
                    "name": "2028",
                    "label": "Windows Server 2028",
                    "releaseDate": "2028-10-01",
                    "isLts": True,
                    "isEoas": False,
                    "eoasFrom": "2033-10-01",
                    "isEol": False,
                    "eolFrom": "2038-10-01",
                    "isEoes": None,
                    "eoesFrom": None,
                },
            ],
        },
    }
    refresh = services.catalogue_refresh_create(
        data=json.dumps(v1).encode(), file_name="windows-server.json", user=role_users[Role.ADMIN]
    )
    diff = refresh.diff
    assert refresh.source_format == "endoflife-v1"
    assert [a["cycle"] for a in diff["added"]] == ["2028"]
    changed = {c["cycle"]: c["fields"] for c in diff["changed"]}
    assert changed["2012-r2"]["extended_support"] == ["2026-10-13", "2027-10-12"]
    removed = {r["cycle"] for r in diff["removed"]}
    assert "2016" in removed and "2012-r2" not in removed
    # Nothing changes until applied.
    assert Cycle.objects.get(product__slug="windows-server", cycle="2012-r2").extended_support == "2026-10-13"
    services.catalogue_refresh_apply(refresh_id=refresh.pk)
    assert CatalogueRefresh.objects.get(pk=refresh.pk).status == RefreshStatus.APPLIED
    assert Cycle.objects.get(product__slug="windows-server", cycle="2012-r2").extended_support == "2027-10-12"
    assert not Cycle.objects.filter(product__slug="windows-server", cycle="2016").exists()
    assert Cycle.objects.filter(product__slug="rhel").exists()  # products not in the file stay
    lc = ComponentLifecycle.objects.get(component=ledger["ws2012"])
    assert lc.eff_extended == datetime.date(2027, 10, 12)  # linked components follow the new dates


def test_refresh_is_refused_when_the_catalogue_changed_after_review(catalogue, role_users):
    rows = [{"product": "rhel", "cycle": "7", "eol": "2024-07-01", "label": "7"}]
    refresh = services.catalogue_refresh_create(
        data=json.dumps(rows).encode(), file_name="x.json", user=role_users[Role.ADMIN]
    )
    Cycle.objects.filter(product__slug="rhel", cycle="7").update(extended_support="2031-01-01")
    from saiteki.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.catalogue_refresh_apply(refresh_id=refresh.pk)


def test_refresh_rejects_files_that_are_not_catalogues():
    from saiteki.core.errors import ValidationFailed

    for bad in (b"not json", b'{"a": 1}', b'[{"product": "x"}]'):
        with pytest.raises(ValidationFailed):
            cat.parse(bad, file_name="x.json")


def test_command_shows_diff_and_applies_only_when_asked(catalogue, tmp_path):
    f = tmp_path / "rhel.json"
    f.write_text(
        json.dumps(
            [
                {
                    "cycle": "7",
                    "releaseDate": "2014-06-10",
                    "support": "2019-08-06",
                    "eol": "2024-06-30",
                    "extendedSupport": "2030-06-30",
                    "lts": True,
                }
            ]
        )
    )
    out = io.StringIO()
    call_command("lifecycle_catalogue_refresh", str(f), stdout=out)
    assert "extended_support: '2029-05-31' -> '2030-06-30'" in out.getvalue()
    assert Cycle.objects.get(product__slug="rhel", cycle="7").extended_support == "2029-05-31"
    call_command("lifecycle_catalogue_refresh", str(f), "--apply", stdout=io.StringIO())
    assert Cycle.objects.get(product__slug="rhel", cycle="7").extended_support == "2030-06-30"


def test_components_are_matched_and_stored(ledger):
    lc = {k: ComponentLifecycle.objects.get(component=ledger[k]) for k in ("ws2012", "sql", "pg", "odd")}
    assert (lc["ws2012"].cycle.product.slug, lc["ws2012"].cycle.cycle) == ("windows-server", "2012-r2")
    assert lc["sql"].cycle.cycle == "13.0-sp3"
    assert lc["pg"].cycle.cycle == "15" and lc["pg"].method == MatchMethod.AUTO and lc["pg"].confidence > 0
    assert lc["odd"].cycle is None and not lc["odd"].known and lc["odd"].method == MatchMethod.NONE
    assert lc["ws2012"].eff_eol == datetime.date(2023, 10, 10)


def test_system_risk_rolls_up_components_and_servers(ledger):
    risk = selectors.system_risk(system=ledger["tax"], on=datetime.date(2026, 11, 1))
    assert risk.status == RiskStatus.PAST_EOL  # WS 2012 R2 after its ESU (2026-10-13)
    assert [c.status for c in risk.components][0] == RiskStatus.PAST_EOL
    assert risk.servers[0][0] == ledger["server"]
    earlier = selectors.system_risk(system=ledger["tax"], on=datetime.date(2025, 1, 1))
    assert earlier.status == RiskStatus.EXTENDED_ONLY


def test_override_and_planned_replacement(ledger, role_users):
    lc = ComponentLifecycle.objects.get(component=ledger["ws2012"])
    services.component_lifecycle_update(
        user=role_users[Role.OWNER],
        lifecycle=lc,
        override_eol=datetime.date(2099, 3, 31),
        override_note="保守契約",
        planned_replacement=datetime.date(2027, 9, 1),
    )
    lc.refresh_from_db()
    assert lc.eff_eol == datetime.date(2099, 3, 31) and lc.planned_replacement == datetime.date(2027, 9, 1)
    # With its end moved to 2099, Windows Server is no longer the system's worst component: SQL Server is.
    risk = selectors.system_risk(system=ledger["tax"])
    assert [c.lifecycle.component for c in risk.components] == [ledger["sql"], ledger["ws2012"]]
    assert risk.components[1].status != RiskStatus.PAST_EOL
    from saiteki.core.errors import PermissionDeniedError

    other = ComponentLifecycle.objects.get(component=ledger["pg"])  # the library's, not the owner's
    with pytest.raises(PermissionDeniedError):
        services.component_lifecycle_update(
            user=role_users[Role.OWNER], lifecycle=other, planned_replacement=TODAY
        )


def test_manual_mapping_with_rule_maps_the_same_text_elsewhere(ledger, role_users, orgs):
    lc = ComponentLifecycle.objects.get(component=ledger["odd"])
    rhel8 = Cycle.objects.get(product__slug="rhel", cycle="8")
    services.component_map_manual(user=role_users[Role.ADMIN], lifecycle=lc, cycle=rhel8, create_rule=True)
    lc.refresh_from_db()
    assert lc.method == MatchMethod.MANUAL and lc.known
    assert MatchRule.objects.get().normalised == "財務会計パッケージ 5"
    other = make_system(orgs["教育政策課"], number="S-EDU")
    comp = Component.objects.create(system=other, product="財務会計パッケージ", product_version="５")
    services.components_match(component_ids=[comp.pk])
    assert ComponentLifecycle.objects.get(component=comp).cycle == rhel8
    services.components_match()  # a nightly re-match keeps the manual mapping
    lc.refresh_from_db()
    assert lc.cycle == rhel8 and lc.method == MatchMethod.MANUAL


def test_match_api_answers_in_catalogue_identifiers(api_client, role_users, catalogue):
    api_client.force_authenticate(role_users[Role.VIEWER])
    r = api_client.get("/api/v1/lifecycle/match/", {"q": "Windows Server 2012 R2 Standard"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"matched", "product", "cycle", "eol", "confidence"}
    assert (body["matched"], body["product"], body["cycle"], body["eol"]) == (
        True,
        "windows-server",
        "2012-r2",
        "2023-10-10",
    )
    assert 0 < body["confidence"] <= 1
    r = api_client.get("/api/v1/lifecycle/match/", {"q": "ＲＨＥＬ７．９"})
    assert (r.json()["product"], r.json()["cycle"], r.json()["eol"]) == ("rhel", "7", "2024-06-30")
    r = api_client.get("/api/v1/lifecycle/match/", {"q": "Java 8"})
    assert r.json() == {"matched": False, "product": None, "cycle": None, "eol": None, "confidence": 0.0}
    assert api_client.get("/api/v1/lifecycle/match/").status_code == 400
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/lifecycle/match/", {"q": "RHEL 8"}).status_code in (401, 403)


def test_risk_api_and_page_show_only_own_division_to_owners(client, api_client, role_users, ledger):
    api_client.force_authenticate(role_users[Role.OWNER])
    rows = api_client.get("/api/v1/lifecycle/risks/").json()
    rows = rows.get("results", rows)
    assert {r["system"] for r in rows} == {"S-TAX"}
    client.force_login(role_users[Role.OWNER])
    page = client.get(reverse("lifecycle:risk_list"))
    assert page.status_code == 200
    assert "S-TAX" in page.content.decode() and "S-LIB" not in page.content.decode()


def test_risk_list_filters_by_horizon_and_status_and_exports_what_is_shown(client, role_users, ledger):
    client.force_login(role_users[Role.ADMIN])
    page = client.get(reverse("lifecycle:risk_list"), {"status": RiskStatus.PAST_EOL})
    html = page.content.decode()
    assert "Windows Server 2012 R2" in html and "PostgreSQL 15.4" not in html
    horizon = client.get(reverse("lifecycle:risk_list"), {"horizon": "months", "months": "120"})
    assert "PostgreSQL 15.4" in horizon.content.decode()  # 15 ends 2027-11-11, inside 10 years
    this_fy = client.get(reverse("lifecycle:risk_list"), {"horizon": "this_fy"}).content.decode()
    assert "PostgreSQL 15.4" not in this_fy and "Windows Server 2012 R2" in this_fy
    response = client.get(reverse("lifecycle:risk_list"), {"status": RiskStatus.PAST_EOL, "export": "xlsx"})
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(i for i, row in enumerate(values) if row[0] == "状態")
    assert len(values) - header - 1 == sum(
        1 for lc in selectors.component_risks(user=role_users[Role.ADMIN]) if lc.status == RiskStatus.PAST_EOL
    )


def test_risk_list_total_comes_from_the_status_counts_and_stays_exact(client, role_users, ledger):
    """The unfiltered list takes its total from the status line's grouped count (no second scan of
    every component for COUNT(*)); with any narrowing filter the count is the database's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = role_users[Role.ADMIN]
    client.force_login(admin)
    every = selectors.component_risks(user=admin)

    def total(params):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("lifecycle:risk_list"), params)
        assert response.status_code == 200
        counts = [
            q["sql"]
            for q in ctx.captured_queries
            if "COUNT(" in q["sql"].upper() and "lifecycle_componentlifecycle" in q["sql"]
        ]
        return response.context["page"].paginator.count, len(counts)

    assert total({}) == (every.count(), 1)  # the status line's GROUP BY only
    past = every.filter(status=RiskStatus.PAST_EOL).count()
    assert past >= 1
    assert total({"status": RiskStatus.PAST_EOL}) == (past, 1)
    both = every.filter(status__in=[RiskStatus.PAST_EOL, RiskStatus.SUPPORTED]).count()
    assert total({"status": [RiskStatus.PAST_EOL, RiskStatus.SUPPORTED]})[0] == both
    # Narrowing filters: the exact count of what is listed, from the database.
    assert total({"q": "PostgreSQL"}) == (every.filter(component__product="PostgreSQL").count(), 2)
    assert (
        total({"horizon": "this_fy"})[0]
        == every.filter(eff_eol__lte=selectors.horizon_end("this_fy", on=TODAY)).count()
    )
    assert total({"status": "bogus"})[0] == 0


def test_status_counts_agree_with_the_status_of_each_row_on_every_boundary_day(role_users, ledger):
    """The counts (filtered aggregates) and the list's status (the CASE) are one rule, NULL dates too."""
    from collections import Counter

    admin = role_users[Role.ADMIN]
    rows = list(ComponentLifecycle.objects.all())
    days = {TODAY, datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)}
    for lc in rows:
        for d in (lc.eff_support, lc.eff_eol, lc.eff_extended):
            if d is not None:
                days |= {d - datetime.timedelta(days=1), d, d + datetime.timedelta(days=1)}
    for day in sorted(days):
        expected = Counter(lc.status for lc in selectors.component_risks(user=admin, on=day))
        assert selectors.status_counts(user=admin, on=day) == dict(expected), day
    assert len({frozenset(selectors.status_counts(user=admin, on=d)) for d in days}) > 1


def test_renewal_forecast_and_export(client, role_users, ledger):
    rows = selectors.renewal_forecast(user=role_users[Role.ADMIN])
    tax = next(r for r in rows if r.number == "S-TAX")
    assert tax.overdue and tax.trigger == "eol" and tax.fiscal_year == selectors.fiscal_year_of(TODAY)
    assert (tax.estimated_cost, tax.cost_basis, tax.cost_basis_fy) == (42_000_000, "own", 2019)
    lib = next(r for r in rows if r.number == "S-LIB")
    assert lib.cost_basis == "peers" and lib.estimated_cost == 42_000_000  # median of the on-prem peers
    client.force_login(role_users[Role.ADMIN])
    page = client.get(reverse("lifecycle:forecast"))
    assert page.status_code == 200 and "県税システム" in page.content.decode()
    response = client.get(reverse("lifecycle:forecast"), {"export": "xlsx"})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["部局別・年度別", "システム別"]
    assert any(
        row[3] == "S-TAX" and row[10] == 42_000_000 for row in wb["システム別"].iter_rows(values_only=True)
    )


def test_karte_shows_the_risk_section(client, role_users, ledger):
    client.force_login(role_users[Role.OWNER])
    html = client.get(reverse("ledger:system_detail", args=[ledger["tax"].pk])).content.decode()
    assert 'data-testid="karte-risk"' in html
    assert "サポート終了（稼働中）" in html and "Windows Server 2012 R2" in html


def test_unmatched_queue_lists_and_maps(client, role_users, ledger):
    client.force_login(role_users[Role.ADMIN])
    html = client.get(reverse("lifecycle:unmatched"), {"q": "Windows Server 2019"}).content.decode()
    assert "財務会計パッケージ" in html and "windows-server" in html
    lc = ComponentLifecycle.objects.get(component=ledger["odd"])
    cycle = Cycle.objects.get(product__slug="postgresql", cycle="15")
    r = client.post(
        reverse("lifecycle:component_map", args=[lc.pk]), {"product": cycle.product_id, "cycle": cycle.pk}
    )
    assert r.status_code == 302
    lc.refresh_from_db()
    assert lc.cycle == cycle and lc.method == MatchMethod.MANUAL


def test_kpi_sources_compute_from_records(ledger):
    fy = selectors.fiscal_year_of(TODAY)
    share = registry.kpi_sources["lifecycle.past_eol_share"].compute(fy)
    # Of 3 matched components only WS 2012 R2 is past EOL (its ESU ended 2026-10-13); SQL Server 2016
    # SP3 is in paid extended support until 2029.
    assert (
        share == pytest.approx(100.0 / 3, abs=0.1)
        if TODAY >= datetime.date(2026, 10, 13)
        else share is not None
    )
    assert registry.kpi_sources["lifecycle.match_rate"].compute(fy) == 75.0
    assert registry.kpi_sources["lifecycle.renewals_due"].compute(2027) >= 1  # PostgreSQL 15 ends 2027-11


def test_reminders_go_to_the_owners_once(ledger, role_users, django_capture_on_commit_callbacks):
    pg = ComponentLifecycle.objects.get(component=ledger["pg"])
    services.component_lifecycle_update(
        user=role_users[Role.ADMIN], lifecycle=pg, override_eol=TODAY + datetime.timedelta(days=40)
    )
    from saiteki.core.testing import make_user

    owner = make_user("lib-owner", Role.OWNER, ledger["lib"].owning_division)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(today=TODAY) >= 1
    assert Notification.objects.filter(recipient=owner, kind="lifecycle.renewal_due").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send(today=TODAY)
    assert Notification.objects.filter(recipient=owner, kind="lifecycle.renewal_due").count() == 1


def test_demo_loader_spreads_components_over_the_catalogue(role_users, orgs, catalogue):
    from saiteki.lifecycle.demo import load_lifecycle

    for i, division in enumerate(["税務課", "県立図書館", "教育政策課"] * 10):
        s = make_system(orgs[division], number=f"D{i:03d}")
        make_server([s], name=f"d-sv-{i}", kind="physical")
    from saiteki.accounts.models import User

    if not User.objects.filter(username="demo-admin").exists():  # another module may have loaded the demo
        User.objects.filter(pk=role_users[Role.ADMIN].pk).update(username="demo-admin")
    load_lifecycle()
    counts = selectors.status_counts(user=role_users[Role.ADMIN])
    assert counts.get(RiskStatus.PAST_EOL, 0) > 0 and counts.get(RiskStatus.UNKNOWN, 0) > 0
    again = load_lifecycle()
    assert "既存" in again


@pytest.mark.parametrize("product", ["abc", "¹", "-1"])
def test_manual_map_page_ignores_a_product_id_that_is_not_a_number(client, ledger, role_users, product):
    lc = ComponentLifecycle.objects.get(component=ledger["odd"])
    client.force_login(role_users[Role.ADMIN])
    response = client.get(f"/lifecycle/components/{lc.pk}/map/", {"product": product})
    assert response.status_code == 200


def test_component_edit_page_refuses_a_stale_form(client, ledger, role_users):
    """Two officers opened the same component: the second save is refused (412), the first kept."""
    lc = ComponentLifecycle.objects.get(component=ledger["ws2012"])
    client.force_login(role_users[Role.ADMIN])
    data = {"version": lc.version, "override_eol": "", "override_note": "", "planned_replacement": ""}
    first = client.post(f"/lifecycle/components/{lc.pk}/edit/", {**data, "planned_replacement": "2027-09-01"})
    assert first.status_code == 302
    second = client.post(
        f"/lifecycle/components/{lc.pk}/edit/", {**data, "planned_replacement": "2028-03-31"}
    )
    assert second.status_code == 412
    lc.refresh_from_db()
    assert lc.planned_replacement == datetime.date(2027, 9, 1)
