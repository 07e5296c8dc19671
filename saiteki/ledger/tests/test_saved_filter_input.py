"""Saved list filters: a garbled delete id is ignored, not a server error."""

from __future__ import annotations

import pytest

from saiteki.ledger.models import SavedFilter

pytestmark = pytest.mark.django_db


def test_deleting_with_a_garbled_id_is_not_a_server_error(client, role_users):
    user = role_users["owner"]
    SavedFilter.objects.create(user=user, name="税務", query="q=税")
    client.force_login(user)
    response = client.post("/ledger/systems/saved-filters/", {"delete": "abc"})
    assert response.status_code == 302
    assert SavedFilter.objects.filter(user=user).count() == 1
