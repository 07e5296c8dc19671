"""The shared test machinery itself: a wrong matrix cell and a query-count regression must fail loudly."""

import json

import pytest

from saiteki.accounts.models import Organization
from saiteki.core.testing import assert_matrix, query_baseline, statuses
from saiteki.core.testing.matrix import matrix_diff
from saiteki.core.testing.queries import UPDATE_ENV


def test_matrix_diff_marks_only_the_wrong_cells():
    expected = {"GET /a/": statuses(200, 200, 200, 200, 200, 403), "GET /b/": {"admin": 200, "owner": 404}}
    got = {"GET /a/": statuses(200, 200, 200, 200, 200, 403), "GET /b/": {"admin": 200, "owner": 200}}
    diff = matrix_diff(expected, got)
    assert diff.splitlines()[0] == "Permission matrix: 1 of 8 cells differ (expected→got)"
    assert "GET /a/" not in diff and "404→200" in diff
    assert matrix_diff(expected, expected) == ""


@pytest.mark.django_db
def test_assert_matrix_runs_every_role_and_reports_all_wrong_cells(client, role_users):
    with pytest.raises(AssertionError) as failure:
        assert_matrix(
            client,
            role_users,
            {
                "/accounts/organizations/add/": statuses(200, 200, 403, 403, 403, 200)
            },  # owner and "none" are wrong
        )
    message = str(failure.value)
    assert "2 of 6 cells differ" in message and "200→403" in message
    got = assert_matrix(client, role_users, {"/accounts/organizations/add/": {"admin": 200, "owner": 403}})
    assert got == {"GET /accounts/organizations/add/": {"admin": 200, "owner": 403}}


@pytest.mark.django_db
def test_query_baseline_fails_above_the_stored_count_and_updates_on_request(tmp_path, monkeypatch):
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"two": 1}))
    with pytest.raises(AssertionError, match="two: 2 queries, baseline 1"):
        with query_baseline(path, "two"):
            list(Organization.objects.all())
            list(Organization.objects.all())
    monkeypatch.setenv(UPDATE_ENV, "1")
    with query_baseline(path, "two"):
        list(Organization.objects.all())
        list(Organization.objects.all())
    assert json.loads(path.read_text()) == {"two": 2}
    monkeypatch.delenv(UPDATE_ENV)
    with query_baseline(path, "two"):  # fewer than the baseline is fine
        list(Organization.objects.all())
