"""National-scale reads (docs/adr/0007-national-scale-reads.md): what each query reads and which index
serves it, so its cost stays flat in the number of cost rows and systems.

- The cost analysis, the dashboard's cost figures, the list's counts and totals, the cost sort and the
  drill-down's count never read the cost table: they read the summaries (checked on both databases by
  the SQL they run).
- On PostgreSQL the plans use the intended indexes (the gram index for 1-, 2- and 4-character words,
  the totals' sort index for a cost sort). With a handful of test rows the planner would rightly scan
  instead, so sequential scans and sorts are switched off for the EXPLAIN: the test proves the index
  *can* serve the query as written (an expression that does not match the index would still scan),
  and the ADR shows the plans the planner picks at 400,000 systems.
- The results equal the generic path's: the same systems, counts and totals as counting and summing
  the rows, in the same order as ``Coalesce(cost, -1)`` sorting.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from saiteki.core.testing.queries import count_queries
from saiteki.ledger import analysis, selectors
from saiteki.ledger.choices import CostStage, HostingForm, LifecycleStatus
from saiteki.ledger.models import Cost, System

pytestmark = pytest.mark.django_db
FY = 2024
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
COST_TABLE = re.compile(r'"ledger_cost"(?!\w)|\bledger_cost\b(?!summary)')


@pytest.fixture
def ledger(orgs):
    """Twelve systems in three divisions: names with 税 and 入札, some without a cost for FY (未登録)."""
    systems = []
    names = ["県税総合", "自動車税", "入札契約", "財務会計", "図書館業務", "税務相談"]
    for i in range(12):
        division = orgs[("税務課", "県立図書館", "情報政策課")[i % 3]]
        system = System.objects.create(
            number=f"N{i:03d}",
            name=f"{names[i % len(names)]}システム{i}",
            purpose="事務の効率化",
            owning_division=division,
            hosting_form=HostingForm.values[i % 2],
            status=LifecycleStatus.OPERATING if i % 4 else LifecycleStatus.RETIRED,
        )
        systems.append(system)
        if i % 5 != 4:  # every fifth system has no cost for FY
            Cost.objects.create(
                system=system, fiscal_year=FY, category="hw_lease", stage="budget", amount=(i % 4) * 1000
            )
            Cost.objects.create(
                system=system, fiscal_year=FY, category="design_dev", stage="budget", amount=500
            )
        Cost.objects.create(system=system, fiscal_year=FY - 1, category="hw_lease", stage="budget", amount=i)
    return systems


def _reads_cost_table(queries: list[str]) -> list[str]:
    return [q for q in queries if COST_TABLE.search(q)]


@pytest.mark.parametrize(
    "url",
    [
        "/ledger/systems/",
        "/ledger/systems/?status=operating&hosting_form=onprem",
        "/ledger/systems/?sort=-cost_total",
        "/ledger/systems/?sort=cost_total&q=税",
        "/ledger/cost-analysis/",
        "/ledger/cost-analysis/?stage=actual&baseline=2018",
        "/",
    ],
)
@pytest.mark.parametrize("role", ["admin", "owner"])
def test_pages_never_read_the_cost_rows(client, ledger, role_users, url, role):
    client.force_login(role_users[role])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert _reads_cost_table([q["sql"] for q in ctx.captured_queries]) == []


def test_drill_down_counts_and_totals_from_the_summary(client, ledger, orgs, role_users):
    client.force_login(role_users["admin"])
    url = f"/ledger/costs/?fiscal_year={FY}&stage=budget&group=run&bureau={orgs['税務課'].parent_id}"
    n, queries, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    # The one query that reads cost rows is the page itself (50 rows at most): no COUNT, no SUM.
    reads = _reads_cost_table(queries)
    assert len(reads) == 1 and "COUNT(" not in reads[0].upper() and "SUM(" not in reads[0].upper()
    rows = Cost.objects.filter(
        fiscal_year=FY,
        stage="budget",
        category__in=["hw_lease"],
        system__owning_division__parent=orgs["税務課"].parent,
    )
    assert response.context["page"].paginator.count == rows.count()
    assert response.context["totals"]["amount"] == rows.aggregate(t=Sum("amount"))["t"]


@pytest.mark.parametrize("role", ["admin", "owner"])
@pytest.mark.parametrize("sort", ["-cost_total", "cost_total"])
@pytest.mark.parametrize("query", ["", "q=税", "status=operating", "hosting_form=shared_platform"])
def test_cost_sort_pages_equal_the_generic_sort(client, ledger, role_users, role, sort, query):
    """Every page of the cost sort, walked with a small page size, is the generic ``Coalesce`` order."""
    from django.db.models import Value
    from django.db.models.functions import Coalesce

    from saiteki.ledger.filtersets import SystemFilterSet

    user = role_users[role]
    base = selectors.systems_for_list(user=user, fiscal_year=FY, stage=CostStage.BUDGET)
    params = dict(p.split("=") for p in query.split("&") if p)
    filtered = SystemFilterSet(params or None, queryset=base).qs
    key = Coalesce("cost_total", Value(-1))
    expected = list(
        filtered.order_by(key.desc() if sort.startswith("-") else key.asc(), "pk").values_list(
            "pk", flat=True
        )
    )
    ordered = selectors.CostOrderedSystems(
        filtered, fiscal_year=FY, stage=CostStage.BUDGET, descending=sort.startswith("-")
    )
    assert ordered.count() == len(expected)
    got = []
    for start in range(0, len(expected) + 3, 3):
        got += [s.pk for s in ordered[start : start + 3]]
    assert got == expected


@pytest.mark.parametrize("role", ["admin", "owner", "viewer"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"status": LifecycleStatus.OPERATING}, {"hosting_form": HostingForm.ONPREM}, {"bureau": "総務部"}],
)
def test_counts_and_totals_from_the_summaries_equal_the_rows(ledger, orgs, role_users, role, filters):
    user = role_users[role]
    data = {k: (orgs[v] if k == "bureau" else v) for k, v in filters.items()}
    scope = selectors.system_scope(user=user, filters=data)
    systems = System.objects.restrict(user, "view")
    if "bureau" in data:
        systems = systems.filter(owning_division__parent=data["bureau"])
    for name in ("status", "hosting_form"):
        if name in data:
            systems = systems.filter(**{name: data[name]})
    assert selectors.system_count(scope) == systems.count()
    expected = Cost.objects.filter(system__in=systems, fiscal_year=FY, stage="budget").aggregate(
        t=Sum("amount")
    )
    for given in (scope, None):  # the cost summary and the per-system totals give the same total
        total = selectors.cost_total_for_systems(systems=systems, fiscal_year=FY, stage="budget", scope=given)
        assert total == (expected["t"] or 0)


def test_analysis_figures_equal_sums_of_visible_rows(ledger, orgs, role_users):
    for role in ("admin", "owner"):
        user = role_users[role]
        a = analysis.cost_analysis(user=user, fiscal_year=FY, stage="budget", baseline=FY - 1)
        rows = Cost.objects.restrict(user, "view").filter(fiscal_year=FY, stage="budget")
        assert a.total.total == rows.aggregate(t=Sum("amount"))["t"]
        assert sum(r.systems for r in a.by_bureau) == System.objects.restrict(user, "view").count()


@pytest.mark.parametrize("word", ["税", "入札", "財務会計", "ｎ００"])
def test_free_text_finds_what_a_substring_search_finds(ledger, word):
    from saiteki.ledger.filtersets import text_search

    expected = set(
        text_search(System.objects.all(), word, selectors.SYSTEM_TEXT_FIELDS).values_list("pk", flat=True)
    )
    got = set(selectors.system_text_search(System.objects.all(), word).values_list("pk", flat=True))
    assert got == expected
    assert expected or word == "ｎ００"


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_sort")
    return plan


@on_postgres
@pytest.mark.parametrize("word", ["税", "入札", "財務会計"])
def test_postgres_free_text_uses_the_gram_index(ledger, word):
    # The candidates as the list's count finds them (no order: on a few rows, with sorting off, the
    # planner would otherwise walk the number index and filter — a choice of cost, not of index use).
    plan = _plan(selectors.system_text_search(System.objects.all(), word).order_by().values("pk"))
    assert "Seq Scan on ledger_system" not in plan, plan
    if len(word) <= 2:
        # pg_trgm extracts no trigram from one or two characters: only the gram index can answer.
        assert "ledger_system_grams_gin" in plan, plan
    else:
        # From three characters the trigram indexes answer too; either index is a correct plan.
        assert "ledger_system_grams_gin" in plan or "_trgm" in plan, plan


@on_postgres
def test_postgres_cost_sort_walks_the_totals_index(ledger):
    ordered = selectors.CostOrderedSystems(
        System.objects.all(), fiscal_year=FY, stage=CostStage.BUDGET, descending=True
    )
    plan = _plan(ordered._totals().order_by("-amount", "system_id").values("system_id")[:50])
    assert "system_cost_total_sort" in plan and "Index" in plan, plan


@on_postgres
def test_postgres_analysis_plans_touch_only_summaries(ledger, role_users):
    user = role_users["admin"]
    for qs in (
        analysis.cost_summary_for_analysis(user=user)
        .filter(stage="budget", fiscal_year__lte=FY)
        .values("category"),
        selectors.scoped_summary(analysis.SystemCount.objects.all(), user=user, model=System).values(
            "hosting_form"
        ),
    ):
        plan = _plan(qs)
        assert "ledger_cost " not in plan and "on ledger_cost\n" not in plan, plan


def test_free_text_totals_row_up_to_the_limit_and_a_note_beyond(client, ledger, role_users, monkeypatch):
    """The count is always exact; the totals row of a free-text list is summed up to TOTALS_LIMIT systems
    and replaced by a note beyond it (never a partial or estimated amount)."""
    client.force_login(role_users["admin"])
    session = client.session
    session["fiscal_year"] = FY
    session.save()
    hits = selectors.system_text_search(System.objects.all(), "税")
    expected = Cost.objects.filter(system__in=hits, fiscal_year=FY, stage="budget").aggregate(
        t=Sum("amount")
    )["t"]
    response = client.get("/ledger/systems/?q=税")
    assert response.context["page"].paginator.count == hits.count() > 2
    assert response.context["totals"] == {"cost_total": expected}
    monkeypatch.setattr(selectors, "TOTALS_LIMIT", 2)
    response = client.get("/ledger/systems/?q=税")
    assert response.context["page"].paginator.count == hits.count()
    assert response.context["totals"] is None
    assert "合計は表示していません" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "word"), [("admin", "税"), ("admin", "入札"), ("owner", "税"), ("admin", "ｎ９９")]
)
def test_api_free_text_pages_and_exact_count(client, ledger, role_users, role, word):
    """The API's free-text list on the gram index: an exact count and pages in number order, equal to a
    plain substring search within what the user may see."""
    from saiteki.ledger.filtersets import text_search

    user = role_users[role]
    expected = list(
        text_search(System.objects.restrict(user, "view"), word, selectors.SYSTEM_TEXT_FIELDS)
        .order_by("number")
        .values_list("number", flat=True)
    )
    client.force_login(user)
    body = client.get("/api/v1/ledger/systems/", {"q": word, "page_size": 2}).json()
    assert body["count"] == len(expected)
    assert [s["number"] for s in body["results"]] == expected[:2]
    if len(expected) > 2:
        second = client.get("/api/v1/ledger/systems/", {"q": word, "page_size": 2, "page": 2}).json()
        assert second["count"] == len(expected)
        assert [s["number"] for s in second["results"]] == expected[2:4]
