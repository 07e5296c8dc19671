"""A hand entry the database cannot hold (too many digits, NaN) is a clear Japanese error and
stores nothing — never a server error."""

from __future__ import annotations

import pytest

from saiteki.kpi.models import KpiDefinition, KpiEntry, Plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["12345678901234567890", "NaN", "Infinity"])
def test_out_of_range_entry_is_refused_with_a_message(client, role_users, value):
    plan = Plan.objects.create(code="p", name="計画", start_fy=2014, end_fy=2016)
    manual = KpiDefinition.objects.create(
        code="drills", name="訓練", unit="回", target=1, plan=plan, source_key="nobody.yet"
    )
    client.force_login(role_users["admin"])
    response = client.post(
        f"/kpi/definitions/{manual.pk}/entry/",
        {"value": value, "evidence": "訓練記録", "fy": 2014},
        follow=True,
    )
    assert response.status_code == 200
    assert "実績値" in " ".join(str(m) for m in response.context["messages"])
    assert not KpiEntry.objects.exists()
