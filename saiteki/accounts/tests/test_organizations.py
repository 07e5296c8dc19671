"""Organisations are renamed, merged and split; history keeps the old names and structure."""

import datetime

import pytest

from saiteki.accounts.selectors import current_assignment, divisions_active_on, organization_name_on
from saiteki.accounts.services import organization_merge, organization_rename, organization_split
from saiteki.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_rename_keeps_the_old_name_for_its_period(orgs):
    org = orgs["情報政策課"]
    organization_rename(organization=org, name="デジタル推進課", effective=datetime.date(2024, 4, 1))
    assert org.name == "デジタル推進課"
    assert organization_name_on(organization=org, on=datetime.date(2023, 3, 31)) == "情報政策課"
    assert organization_name_on(organization=org, on=datetime.date(2024, 4, 1)) == "デジタル推進課"


def test_merge_closes_sources_and_links_predecessors(orgs):
    merged = organization_merge(
        sources=[orgs["教育政策課"], orgs["県立図書館"]],
        code="T2-9",
        name="教育企画課",
        effective=datetime.date(2025, 4, 1),
    )
    assert set(merged.predecessors.all()) == {orgs["教育政策課"], orgs["県立図書館"]}
    before = {o.name for o in divisions_active_on(on=datetime.date(2025, 3, 31))}
    after = {o.name for o in divisions_active_on(on=datetime.date(2025, 4, 1))}
    assert {"教育政策課", "県立図書館"} <= before and "教育企画課" not in before
    assert "教育企画課" in after and not ({"教育政策課", "県立図書館"} & after)


def test_split_creates_parts(orgs):
    parts = organization_split(
        source=orgs["税務課"],
        parts=[("T1-8", "税務企画課"), ("T1-9", "税収対策課")],
        effective=datetime.date(2026, 4, 1),
    )
    assert [p.predecessors.get() for p in parts] == [orgs["税務課"], orgs["税務課"]]
    orgs["税務課"].refresh_from_db()
    assert orgs["税務課"].valid_to == datetime.date(2026, 3, 31)


def test_invalid_merge_changes_nothing(orgs):
    with pytest.raises(ValidationFailed) as exc:
        organization_merge(
            sources=[orgs["税務課"], orgs["総務部"]], code="X", name="X", effective=datetime.date(2025, 4, 1)
        )
    assert "部局と所属" in str(exc.value)
    assert orgs["税務課"].__class__.objects.filter(code="X").count() == 0


def test_role_follows_the_fiscal_year(role_users, orgs):
    from saiteki.accounts.services import assignment_set

    owner = role_users["owner"]
    fy = owner.assignment.fiscal_year
    assignment_set(actor=None, user=owner, fiscal_year=fy + 1, role="owner", division=orgs["県立図書館"])
    assert current_assignment(user=owner, on=datetime.date(fy, 12, 1)).division == orgs["税務課"]
    assert current_assignment(user=owner, on=datetime.date(fy + 1, 4, 1)).division == orgs["県立図書館"]
    # Before the rotation is entered, last year's assignment still applies (nobody is locked out in April).
    assert current_assignment(user=owner, on=datetime.date(fy + 3, 4, 1)).fiscal_year == fy + 1


def test_owner_role_needs_a_division(role_users):
    from saiteki.accounts.services import assignment_set

    with pytest.raises(ValidationFailed):
        assignment_set(actor=None, user=role_users["none"], fiscal_year=2026, role="owner", division=None)
    assert not role_users["none"].assignments.exists()
