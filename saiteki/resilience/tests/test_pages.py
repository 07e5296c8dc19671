"""Permission matrix of the resilience pages (pages, exports, the karte tab, the restore-test form) and
what each role sees: owners their own systems, committee viewers no incident involving personal data."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from saiteki.core.exporting.lists import LIST_HEADER_ROW
from saiteki.core.testing import assert_matrix, statuses
from saiteki.resilience.models import BackupPractice, BackupStandard, RestoreTest

pytestmark = pytest.mark.django_db

ALL = statuses(200, 200, 200, 200, 200, 403)
SEEN = statuses(200, 200, 200, 200, 200, 404)
ADMIN_ONLY = statuses(200, 403, 403, 403, 403, 404)
EXPORT = statuses(200, 200, 200, 403, 200, 403)


def r(name, *args):
    return reverse(f"resilience:{name}", args=args)


def test_page_matrix(client, role_users, world):
    w = world
    karte = lambda s: reverse("ledger:system_detail", args=[s.pk]) + "?tab=bcp"  # noqa: E731
    assert_matrix(
        client,
        role_users,
        {
            r("dashboard"): ALL,
            r("compliance"): ALL,
            r("compliance") + "?export=xlsx": EXPORT,
            r("backupstandard_list"): ALL,
            r("backupstandard_edit", BackupStandard.objects.get(importance=3).pk): ADMIN_ONLY,
            r("backuppractice_edit", w["own_practice"].pk): statuses(200, 200, 403, 403, 403, 404),
            r("backuppractice_edit", w["other_practice"].pk): statuses(200, 404, 403, 403, 403, 404),
            r("backuppractice_add"): statuses(200, 200, 403, 403, 403, 403),
            r("bcpprofile_list"): ALL,
            r("bcpprofile_list") + "?export=xlsx": EXPORT,
            r("bcpprofile_detail", w["own_bcp"].pk): SEEN,
            r("bcpprofile_detail", w["other_bcp"].pk): statuses(200, 404, 200, 200, 200, 404),
            r("bcpprofile_edit", w["own_bcp"].pk): statuses(200, 200, 403, 403, 403, 404),
            r("bcpprofile_history", w["own_bcp"].pk): statuses(200, 200, 200, 403, 200, 404),
            r("recovery"): ALL,
            r("bcpdocument_list"): ALL,
            r("bcpdocument_detail", w["global_doc"].pk): SEEN,
            r("bcpdocument_download", w["global_doc"].pk): SEEN,
            r("bcpdocument_detail", w["other_doc"].pk): statuses(200, 404, 200, 200, 200, 404),
            r("bcpdocument_edit", w["global_doc"].pk): statuses(200, 403, 403, 403, 403, 404),
            r("bcpdrill_list"): ALL,
            r("bcpdrill_detail", w["drill"].pk): SEEN,
            r("bcpdrill_edit", w["drill"].pk): ADMIN_ONLY,
            r("bcpdrill_add"): statuses(200, 403, 403, 403, 403, 403),
            r("drillaction_edit", w["action"].pk): ADMIN_ONLY,
            r("securityincident_list"): ALL,
            r("securityincident_list") + "?export=xlsx": EXPORT,
            r("securityincident_detail", w["personal_own"].pk): statuses(200, 200, 200, 404, 200, 404),
            r("securityincident_detail", w["personal_other"].pk): statuses(200, 404, 200, 404, 200, 404),
            r("securityincident_detail", w["plain_other"].pk): statuses(200, 404, 200, 200, 200, 404),
            r("securityincident_edit", w["personal_own"].pk): statuses(200, 200, 403, 404, 403, 404),
            r("securityincident_add"): statuses(200, 200, 403, 403, 403, 403),
            r("emaildrill_list"): ALL,
            r("emaildrill_detail", w["email"].pk): SEEN,
            r("emaildrillresult_edit", w["result"].pk): ADMIN_ONLY,
            r("trainingsession_list"): ALL,
            r("trainingsession_detail", w["training"].pk): SEEN,
            r("trainingsession_edit", w["training"].pk): ADMIN_ONLY,
            r("networkseparation_list"): ALL,
            r("networkseparation_edit", w["separation"].pk): ADMIN_ONLY,
            karte(w["own"]): SEEN,
            karte(w["other"]): statuses(200, 404, 200, 200, 200, 404),
        },
    )


def test_restore_test_form_matrix(client, role_users, world):
    own, other = world["own"], world["other"]

    def post(system):
        def send(c, role):
            return c.post(
                r("restore_test_add", system.pk), {"tested_on": "令和8年4月1日", "result": "success"}
            )

        return send

    assert_matrix(
        client,
        role_users,
        {
            "own system": (post(own), statuses(302, 302, 403, 403, 403, 404)),
            "other system": (post(other), statuses(302, 404, 403, 403, 403, 404)),
        },
    )
    assert RestoreTest.objects.filter(system=own).count() == 2  # admin and owner
    assert RestoreTest.objects.filter(system=other).count() == 1


def test_owner_sees_only_own_systems_in_compliance_and_export(client, role_users, world):
    client.force_login(role_users["owner"])
    page = client.get(r("compliance")).content.decode()
    assert "県税総合システム" in page and "図書館業務システム" not in page
    wb = load_workbook(io.BytesIO(client.get(r("compliance") + "?export=xlsx").content))
    rows = list(wb.active.iter_rows(min_row=LIST_HEADER_ROW, values_only=True))
    header, data = rows[0], rows[1:]
    assert [row[0] for row in data] == ["S-OWN"]
    unmet = data[0][header.index("満たしていない要件")]
    assert "直近12か月以内にリストア試験が実施されていません" in unmet


def test_viewer_sees_no_incident_with_personal_data_but_counts_them(client, role_users, world):
    client.force_login(role_users["viewer"])
    page = client.get(r("securityincident_list")).content.decode()
    assert "図書館サイトへのサービス妨害" in page
    assert "税務課のメール誤送信" not in page and "図書館の利用者情報の漏えい" not in page
    assert "表示できないもの 2件" in page
    dashboard = client.get(r("dashboard")).content.decode()
    assert (
        "税務課のメール誤送信" not in dashboard
        and 'data-testid="summary-incidents">3件' in dashboard.replace("\n", "")
    )
    client.force_login(role_users["auditor"])
    wb = load_workbook(io.BytesIO(client.get(r("securityincident_list") + "?export=xlsx").content))
    titles = [row[1] for row in wb.active.iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True)]
    assert sorted(titles) == sorted(
        ["税務課のメール誤送信", "図書館の利用者情報の漏えい", "図書館サイトへのサービス妨害"]
    )


def test_karte_tab_shows_compliance_and_the_restore_form_to_its_owner(client, role_users, world):
    url = reverse("ledger:system_detail", args=[world["own"].pk]) + "?tab=bcp"
    client.force_login(role_users["owner"])
    page = client.get(url).content.decode()
    assert 'data-testid="tab-bcp"' in page and "BCP・バックアップ" in page
    assert "基準を満たしていません" in page and 'data-requirement="restore_test"' in page
    assert 'data-testid="restore-test-form"' in page
    assert "図書館業務システム" not in page and "他所属のシステム" in page  # the dependency, unnamed
    client.force_login(role_users["viewer"])
    page = client.get(url).content.decode()
    assert 'data-testid="karte-backup"' in page and 'data-testid="restore-test-form"' not in page


def test_recording_a_restore_test_makes_the_system_compliant_and_is_logged(client, role_users, world):
    from saiteki.core.views.generic import history_for

    own = world["own"]
    client.force_login(role_users["owner"])
    response = client.post(
        r("restore_test_add", own.pk),
        {"tested_on": "2026-11-01", "result": "success", "duration_minutes": "90"},
    )
    assert response.status_code == 302
    practice = BackupPractice.objects.get(system=own)
    assert str(practice.last_restore_test) == "2026-11-01"
    page = client.get(reverse("ledger:system_detail", args=[own.pk]) + "?tab=bcp").content.decode()
    assert "基準に適合" in page
    reasons = {c.reason for c in history_for(own)[:5]}
    assert "リストア試験の記録" in reasons
    # A failed test is logged but does not move the date.
    client.post(r("restore_test_add", own.pk), {"tested_on": "2026-11-20", "result": "failure"})
    practice.refresh_from_db()
    assert str(practice.last_restore_test) == "2026-11-01"
    assert RestoreTest.objects.filter(system=own).count() == 2
    # A date in the future is refused with a Japanese message; nothing is written.
    response = client.post(
        r("restore_test_add", own.pk), {"tested_on": "2099-01-01", "result": "success"}, follow=True
    )
    assert "未来の日付は入力できません。" in response.content.decode()
    assert RestoreTest.objects.filter(system=own).count() == 2


def test_owner_edits_own_practice_and_bcp_dependencies_of_other_divisions_are_kept(client, role_users, world):
    from saiteki.resilience.models import BcpProfile

    client.force_login(role_users["owner"])
    p = world["own_practice"]
    response = client.post(
        r("backuppractice_edit", p.pk),
        {
            "version": p.version,
            "frequency": "daily",
            "generations": "10",
            "offsite_location": "県外データセンター",
            "offline_copy": "on",
            "last_restore_test": "令和8年11月1日",
            "change_reason": "世代数を増やした",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    p.refresh_from_db()
    assert p.generations == 10
    bcp = world["own_bcp"]
    response = client.post(
        r("bcpprofile_edit", bcp.pk),
        {"version": bcp.version, "rank": "B", "rto_hours": "48", "rpo_hours": "24", "depends_on": []},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    bcp = BcpProfile.objects.get(pk=bcp.pk)
    assert bcp.rank == "B" and list(bcp.depends_on.all()) == [world["other"]]  # kept
    # Naming another division's system is refused.
    response = client.post(
        r("bcpprofile_edit", bcp.pk),
        {
            "version": bcp.version,
            "rank": "B",
            "rto_hours": "48",
            "rpo_hours": "24",
            "depends_on": [world["other"].pk],
        },
    )
    assert response.status_code == 400


def test_stale_version_is_a_conflict_and_nothing_is_lost(client, role_users, world):
    client.force_login(role_users["admin"])
    t = world["training"]
    data = {
        "version": t.version,
        "held_on": "2026-11-01",
        "title": t.title,
        "kind": "security",
        "attendees": "130",
    }
    assert client.post(r("trainingsession_edit", t.pk), data).status_code == 302
    response = client.post(r("trainingsession_edit", t.pk), {**data, "attendees": "140"})
    assert response.status_code == 412 and "他の利用者が先に更新しました" in response.content.decode()
    t.refresh_from_db()
    assert t.attendees == 130


def test_dashboard_shows_the_figures_with_tables(client, role_users, world):
    client.force_login(role_users["admin"])
    page = client.get(r("dashboard")).content.decode()
    for testid in (
        "compliance-by-bureau",
        "unmet-by-requirement",
        "drills-table",
        "incidents-by-severity",
        "email-results",
    ):
        assert f'data-testid="{testid}"' in page
    assert "総務部" in page and "30.0%" in page  # e-mail drill: reported 30 of 100


def test_recovery_page_reports_a_cycle(client, role_users, world):
    world["other_bcp"].depends_on.set([world["own"]])
    client.force_login(role_users["admin"])
    page = client.get(r("recovery")).content.decode()
    assert 'data-testid="recovery-cycles"' in page
    assert "S-OTH 図書館業務システム → S-OWN 県税総合システム → S-OTH 図書館業務システム" in page or (
        "S-OWN 県税総合システム → S-OTH 図書館業務システム → S-OWN 県税総合システム" in page
    )
