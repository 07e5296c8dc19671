"""The rematch button returns to the risk list it was pressed on, never to another site."""

import pytest

pytestmark = pytest.mark.django_db


def test_lifecycle_rematch_does_not_redirect_to_another_site(client, role_users, catalogue):
    client.force_login(role_users["admin"])
    response = client.post("/lifecycle/risks/rematch/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/lifecycle/risks/"
    response = client.post("/lifecycle/risks/rematch/", {"next": "/lifecycle/risks/?status=past_eol"})
    assert response["Location"] == "/lifecycle/risks/?status=past_eol"
