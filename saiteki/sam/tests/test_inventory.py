"""The inventory campaign (棚卸): opening creates a task per 所属, owners confirm and correct only their own
devices, completion per 所属 and overall (the KPI), closing freezes the results; audits with findings."""

from __future__ import annotations

import datetime

import pytest

from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError, PermissionDeniedError
from saiteki.core.models import Notification, ObjectChange
from saiteki.core.workflow import TransitionNotAllowed
from saiteki.sam import selectors, services
from saiteki.sam.choices import (
    CampaignState,
    CheckResult,
    CorrectionKind,
    FindingState,
    ItemStatus,
    TaskState,
)
from saiteki.sam.models import AuditCheck, AuditFinding, Device, InventoryItem, InventoryTask

pytestmark = pytest.mark.django_db

FY = 2026


@pytest.fixture
def campaign(sam_world, role_users, django_capture_on_commit_callbacks):
    admin = role_users["admin"]
    with change_context(reason="t"):
        c = services.campaign_create(user=admin, fiscal_year=FY, due_date=datetime.date(2026, 12, 28))
    with django_capture_on_commit_callbacks(execute=True):
        c = services.campaign_open(user=admin, campaign=c)
    return c


def task_of(campaign, name):
    return InventoryTask.objects.get(campaign=campaign, division__name=name)


def test_opening_creates_a_task_per_division_and_tells_the_owners(campaign, role_users):
    tasks = {t.division.name: t for t in campaign.tasks.select_related("division")}
    assert set(tasks) == {"税務課", "県立図書館"}  # the 所属 that have devices
    assert tasks["税務課"].items.count() == 3 and tasks["県立図書館"].items.count() == 2
    note = Notification.objects.get(recipient=role_users["owner"], kind="sam.inventory_task")
    assert "機器3台" in note.message and note.url == tasks["税務課"].get_absolute_url()
    assert selectors.inventory_completion(FY) == 0


def test_owner_completes_own_task_and_the_rate_moves(campaign, role_users):
    owner = role_users["owner"]
    task = task_of(campaign, "税務課")
    items = list(task.items.order_by("hostname"))
    with pytest.raises(TransitionNotAllowed) as exc:
        services.task_complete(user=owner, task=task)
    assert "未確認の機器があります" in str(exc.value.message)
    # A wrong user is corrected on the device itself, with history.
    services.item_update(
        user=owner,
        item=items[0],
        status=ItemStatus.CORRECTED,
        correction=CorrectionKind.WRONG_USER,
        reported_user="K99",
    )
    device = Device.objects.get(pk=items[0].device_id)
    assert device.user_code == "K99"
    change = ObjectChange.objects.filter(content_type__model="device", object_id=device.pk).latest("time")
    assert change.reason == "棚卸による利用者の修正" and change.postchange_data["user_code"] == "K99"
    services.item_update(user=owner, item=items[1], status=ItemStatus.MISSING, note="異動時に返却済み")
    assert InventoryItem.objects.get(pk=items[1].pk).correction == CorrectionKind.MISSING_DEVICE
    services.item_add_unlisted(user=owner, task=task, hostname="ＰＣ－９９９", note="予備機")
    assert services.items_confirm_all(user=owner, task=task) == 1
    task = services.task_complete(user=owner, task=task, note="すべて確認しました")
    assert task.state == TaskState.COMPLETED and task.completed_by == owner
    noted = ObjectChange.objects.filter(object_id=task.pk, content_type__model="inventorytask")
    assert any(("note", "", "すべて確認しました") in [tuple(d) for d in c.diff()] for c in noted)
    assert selectors.inventory_completion(FY) == 50
    # The KPI source registered for 「ライセンス棚卸実施率」 reads the same figure.
    from saiteki.core.registry import registry

    assert registry.kpi_sources["sam.inventory_completion"].compute(FY) == 50
    evidence = registry.kpi_sources["sam.inventory_completion"].evidence(FY)
    assert evidence["figures"] == {"所属数": 2, "完了": 1} and len(evidence["records"]) == 2
    # A completed task no longer changes.
    with pytest.raises(ApplicationError):
        services.item_update(user=owner, item=items[2], status=ItemStatus.CONFIRMED)


def test_owner_cannot_touch_another_divisions_task(campaign, role_users):
    owner = role_users["owner"]
    other = task_of(campaign, "県立図書館")
    item = other.items.first()
    with pytest.raises(PermissionDeniedError):
        services.item_update(user=owner, item=item, status=ItemStatus.CONFIRMED)
    with pytest.raises(PermissionDeniedError):
        services.items_confirm_all(user=owner, task=other)
    assert not InventoryItem.objects.filter(task=other).exclude(status=ItemStatus.PENDING).exists()
    with pytest.raises(PermissionDeniedError):
        services.campaign_close(user=owner, campaign=campaign)


def test_admin_sends_a_task_back_and_closing_freezes(
    campaign, role_users, django_capture_on_commit_callbacks
):
    admin, owner = role_users["admin"], role_users["owner"]
    task = task_of(campaign, "税務課")
    services.items_confirm_all(user=owner, task=task)
    services.task_complete(user=owner, task=task)
    with pytest.raises(TransitionNotAllowed):  # only the IT policy division sends back
        services.task_reopen(user=owner, task=task, comment="x")
    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_reopen(user=admin, task=task, comment="利用者欄を再確認してください")
    assert task.state == TaskState.OPEN
    assert Notification.objects.filter(recipient=owner, message__contains="利用者欄を再確認").exists()
    services.task_complete(user=owner, task=task)
    campaign = services.campaign_close(user=admin, campaign=campaign)
    assert campaign.state == CampaignState.CLOSED
    assert (
        campaign.frozen["completed"] == 1
        and campaign.frozen["tasks"] == 2
        and campaign.frozen["rate"] == "50.0"
    )
    # Frozen: nothing changes any more, and the KPI keeps the closing figure whatever happens after.
    library = task_of(campaign, "県立図書館")
    with pytest.raises(ApplicationError):
        services.items_confirm_all(user=admin, task=library)
    with pytest.raises(TransitionNotAllowed):
        services.task_complete(user=admin, task=library)
    InventoryTask.objects.filter(pk=library.pk).update(state=TaskState.COMPLETED)  # behind the app's back
    assert selectors.inventory_completion(FY) == 50


def test_no_campaign_no_kpi_value():
    assert selectors.inventory_completion(2001) is None


def test_audit_sample_findings_and_follow_up(sam_world, role_users, django_capture_on_commit_callbacks):
    admin, owner = role_users["admin"], role_users["owner"]
    with change_context(reason="t"):
        audit = services.audit_create(user=admin, fiscal_year=FY, title="抜き取り監査", sample_size=3, seed=7)
        again = services.audit_create(user=admin, fiscal_year=FY, title="同じシード", sample_size=3, seed=7)
    picked = sorted(AuditCheck.objects.filter(audit=audit).values_list("device_id", flat=True))
    assert len(picked) == 3 and picked == sorted(
        AuditCheck.objects.filter(audit=again).values_list("device_id", flat=True)
    )
    with pytest.raises(PermissionDeniedError):
        services.audit_create(user=owner, fiscal_year=FY, title="x", sample_size=1)
    checks = list(AuditCheck.objects.filter(audit=audit).select_related("device__division").order_by("pk"))
    tax_check = next((c for c in checks if c.device.division.name == "税務課"), None)
    others = [c for c in checks if c is not tax_check]
    if tax_check is None:  # the seed drew only library PCs: check one of 税務課 by hand
        tax_check = AuditCheck.objects.create(audit=audit, device=sam_world["tax"][0])
    with pytest.raises(ApplicationError):
        services.audit_close(user=admin, audit=audit)
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_check_record(
            user=admin,
            check=tax_check,
            result=CheckResult.FINDING,
            finding="ライセンスのないJUST PDFがインストールされていた",
            follow_up="削除してください",
        )
    for c in others:
        services.audit_check_record(user=admin, check=c, result=CheckResult.OK)
    finding = AuditFinding.objects.get(audit=audit)
    assert finding.division.name == "税務課"
    assert Notification.objects.filter(recipient=owner, kind="sam.audit_finding").exists()
    services.finding_respond(user=owner, finding=finding, response="削除しました", resolve=True)
    finding.refresh_from_db()
    assert finding.state == FindingState.RESOLVED and finding.resolved_at is not None
    # The owner of another 所属 cannot answer it.
    from saiteki.core.testing import make_user

    other_owner = make_user("lib-owner", "owner", sam_world["orgs"]["県立図書館"])
    with pytest.raises(PermissionDeniedError):
        services.finding_respond(user=other_owner, finding=finding, response="x")
    audit = services.audit_close(user=admin, audit=audit, summary="1件の指摘")
    assert audit.state == "closed"


@pytest.mark.parametrize("check", ["abc", "¹", "1.5", ""])
def test_audit_page_answers_404_for_a_check_id_that_is_not_a_number(client, sam_world, role_users, check):
    admin = role_users["admin"]
    with change_context(reason="t"):
        audit = services.audit_create(user=admin, fiscal_year=FY, title="抜き取り監査", sample_size=1, seed=7)
    client.force_login(admin)
    response = client.post(f"/sam/audits/{audit.pk}/", {"check": check, "result": CheckResult.OK})
    assert response.status_code == 404
    assert not AuditCheck.objects.filter(audit=audit).exclude(result=CheckResult.PENDING).exists()
