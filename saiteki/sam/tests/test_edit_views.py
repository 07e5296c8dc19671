"""The edit pages of titles, rules and licences save through the SAM services (the service's own
checks and derived fields apply) and the change reason typed on the page reaches the history."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from saiteki.core.models import ObjectChange
from saiteki.sam.models import Entitlement, NormalisationRule, Title

pytestmark = pytest.mark.django_db


def reasons(obj) -> list[str]:
    ct = ContentType.objects.get_for_model(obj)
    return list(
        ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).values_list("reason", flat=True)
    )


def test_title_page_saves_through_the_service_with_the_reason(client, role_users, sam_world):
    client.force_login(role_users["admin"])
    data = {
        "product": "一太郎",
        "version_family": "2024",
        "category": "other",
        "metric": "device",
        "version_rank": 0,
        "unit_price": 0,
        "change_reason": "新規採用",
    }
    response = client.post("/sam/titles/add/", data)
    assert response.status_code == 302
    title = Title.objects.get(product="一太郎")
    assert title.name == "一太郎 2024"  # filled in by services.title_save
    assert reasons(title) == ["新規採用"]
    data.update(notes="改版", version=title.version, change_reason="備考を追記")
    assert client.post(f"/sam/titles/{title.pk}/edit/", data).status_code == 302
    assert sorted(reasons(title)) == ["備考を追記", "新規採用"]
    client.force_login(role_users["owner"])
    assert client.post("/sam/titles/add/", {**data, "product": "X"}).status_code == 403
    assert not Title.objects.filter(product="X").exists()


def test_rule_page_saves_through_the_service_with_the_reason(client, role_users, sam_world):
    client.force_login(role_users["admin"])
    data = {"kind": "exact", "pattern": "ichitaro 2024", "title": sam_world["cad"].pk, "active": "on"}
    response = client.post("/sam/rules/add/", {**data, "change_reason": "表記ゆれ"})
    assert response.status_code == 302
    rule = NormalisationRule.objects.get(pattern="ichitaro 2024")
    assert reasons(rule) == ["表記ゆれ"]


def test_licence_page_saves_through_the_service_with_the_reason(client, role_users, sam_world):
    own = sam_world["orgs"]["税務課"]
    client.force_login(role_users["owner"])
    data = {
        "title": sam_world["cad"].pk,
        "kind": "package",
        "metric": "device",
        "owner_division": own.pk,
        "change_reason": "購入",
    }
    response = client.post("/sam/entitlements/add/", data)
    assert response.status_code == 302
    licence = Entitlement.objects.get(owner_division=own, title=sam_world["cad"])
    assert licence.number.startswith("L")  # numbered by services.entitlement_save
    assert reasons(licence) == ["購入"]
    other = sam_world["orgs"]["県立図書館"]
    refused = client.post("/sam/entitlements/add/", {**data, "owner_division": other.pk})
    assert refused.status_code == 400 and not Entitlement.objects.filter(owner_division=other).exists()


def test_title_page_refuses_a_stale_form_and_changes_nothing(client, role_users, sam_world):
    """Two officers opened the same title: the second save is refused (412) with the first one's
    change kept, as on every other edit page."""
    client.force_login(role_users["admin"])
    title = sam_world["cad"]
    loaded = title.version
    data = {
        "product": title.product,
        "version_family": title.version_family,
        "category": title.category,
        "metric": title.metric,
        "version_rank": title.version_rank,
        "unit_price": title.unit_price,
        "version": loaded,
    }
    first = client.post(f"/sam/titles/{title.pk}/edit/", {**data, "notes": "先に保存", "change_reason": "a"})
    assert first.status_code == 302
    second = client.post(
        f"/sam/titles/{title.pk}/edit/", {**data, "notes": "後から保存", "change_reason": "b"}
    )
    assert second.status_code == 412
    title.refresh_from_db()
    assert title.notes == "先に保存"
    assert reasons(title).count("b") == 0
