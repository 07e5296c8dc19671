"""KPI values from fixtures (drills, incidents, training, backup compliance), their evidence, the KPI
definitions pointing at these sources, and the annual-report chapter."""

import datetime

import pytest
from django.utils import timezone

from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.registry import registry
from saiteki.resilience.models import BcpDrill, SecurityIncident, TrainingSession

pytestmark = pytest.mark.django_db
FY = fiscal_year_of(timezone.localdate())
KEYS = (
    "resilience.bcp_drills",
    "resilience.backup_compliance",
    "resilience.security_incidents",
    "resilience.training_attendance",
)


def value(key, fy=FY):
    return registry.kpi_sources[key].compute(fy)


def test_sources_are_registered_with_evidence():
    for key in KEYS:
        assert registry.kpi_sources[key].evidence is not None
    assert registry.kpi_sources["resilience.security_incidents"].higher_is_better is False


def test_values_from_fixtures(world):
    assert value("resilience.bcp_drills") == 1
    assert value("resilience.security_incidents") == 3
    assert value("resilience.training_attendance") == 120
    assert value("resilience.backup_compliance") == 0  # S-OWN overdue restore test, S-OTH weekly backups
    BcpDrill.objects.create(held_on=datetime.date(FY - 1, 9, 1), title="前年度の訓練")
    TrainingSession.objects.create(held_on=datetime.date(FY - 1, 6, 1), title="前年度の研修", attendees=100)
    assert value("resilience.bcp_drills", FY - 1) == 1
    assert value("resilience.security_incidents", FY - 1) == 0
    assert value("resilience.training_attendance", FY - 1) == 100
    assert value("resilience.training_attendance", FY - 5) is None  # no session that year


def test_incident_evidence_hides_personal_data_titles(world):
    evidence = registry.kpi_sources["resilience.security_incidents"].evidence(FY)
    labels = [r["label"] for r in evidence["records"]]
    assert "図書館サイトへのサービス妨害" in labels and "税務課のメール誤送信" not in labels
    assert evidence["figures"] == {"count": 3, "personal_data": 2}


def test_compliance_evidence_counts_compliant_systems(world):
    p = world["own_practice"]
    p.last_restore_test = timezone.localdate()
    p.save()
    evidence = registry.kpi_sources["resilience.backup_compliance"].evidence(FY)
    assert evidence["value"] == 50
    assert [r["id"] for r in evidence["records"]] == [world["own"].pk]
    assert evidence["figures"]["numerator"] == 1 and evidence["figures"]["denominator"] == 2
    assert evidence["figures"]["unmet_by_requirement"]["frequency"] == 1


def test_kpi_definitions_point_at_these_sources():
    from saiteki.kpi.models import KpiDefinition
    from saiteki.kpi.seed import kpi_definitions_seed

    kpi_definitions_seed(current_fy=FY)
    keys = {d.code: d.source_key for d in KpiDefinition.objects.filter(source_key__startswith="resilience.")}
    assert keys == {
        "bcp_drills": "resilience.bcp_drills",
        "backup_by_importance": "resilience.backup_compliance",
        "security_incidents": "resilience.security_incidents",
        "training_attendance": "resilience.training_attendance",
    }


def test_report_chapter_lists_drills_and_incidents_without_personal_titles(world):
    section = registry.report_sections["resilience"]
    assert section.kpi_prefix == "resilience." and section.order == 40
    table = section.table(FY)
    titles = [row[2] for row in table["rows"]]
    assert "ICT-BCP机上訓練" in titles and "図書館サイトへのサービス妨害" in titles
    assert "税務課のメール誤送信" not in titles and titles.count("個人情報を含む事故（件名は非表示）") == 2
    assert section.table(1990) is None
    assert SecurityIncident.objects.count() == 3
