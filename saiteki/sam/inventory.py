"""Services of the inventory campaign (棚卸) and of audits (re-exported by :mod:`saiteki.sam.services`).

Opening a campaign snapshots every 所属's devices into its task and tells the 所属's system owners
through the inbox. A 所属 confirms or corrects each device (a wrong user is corrected on the device
itself, with history) and completes its task; closing the campaign freezes the figures the KPI
「ソフトウェア棚卸実施率」 reads for that year. Nothing in a closed campaign changes any more.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.changelog import BulkChangeLog, serialize
from saiteki.core.context import change_context, current
from saiteki.core.display import date_text
from saiteki.core.errors import ApplicationError, PermissionDeniedError, ValidationFailed
from saiteki.core.models import ObjectChange
from saiteki.core.notifications import notify

from . import selectors
from .choices import (
    NOTIFY_FINDING,
    NOTIFY_INVENTORY,
    AuditState,
    CampaignState,
    CheckResult,
    CorrectionKind,
    DeviceStatus,
    FindingState,
    ItemStatus,
    Severity,
    TaskState,
)
from .models import (
    Audit,
    AuditCheck,
    AuditFinding,
    Device,
    InventoryCampaign,
    InventoryItem,
    InventoryTask,
)


def clean(obj) -> None:
    from .services import clean as _clean

    _clean(obj)


def _require(user, action: str, obj) -> None:
    if not perms.can(user, action, obj):
        raise PermissionDeniedError(_("この操作を行う権限がありません。"))


def _editable(task: InventoryTask) -> None:
    """A task changes only while its campaign is open and the task itself is not completed."""
    if task.campaign.state != CampaignState.OPEN:
        raise ApplicationError(_("この棚卸は実施中ではないため変更できません。"))
    if task.state != TaskState.OPEN:
        raise ApplicationError(_("完了した棚卸は変更できません。差戻しを受けてから修正してください。"))


# --- Campaign -------------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(*, user, fiscal_year: int, title: str = "", due_date: datetime.date | None = None):
    """A new campaign (準備中) for a fiscal year; one per year."""
    from saiteki.core.display import fy_text

    campaign = InventoryCampaign(
        fiscal_year=fiscal_year,
        title=title or _("%(fy)s ソフトウェア棚卸") % {"fy": fy_text(fiscal_year)},
        due_date=due_date,
        created_by=user,
    )
    _require(user, perms.ADD, campaign)
    if InventoryCampaign.objects.filter(fiscal_year=fiscal_year).exists():
        raise ValidationFailed(
            _("この年度の棚卸は既にあります。"), fields={"fiscal_year": [_("この年度の棚卸は既にあります。")]}
        )
    clean(campaign)
    campaign.save()
    return campaign


def campaign_open(*, user, campaign: InventoryCampaign) -> InventoryCampaign:
    """Open a campaign: one task per 所属 that has devices, each listing its devices (bulk, one
    snapshot), and an inbox message to each 所属's system owners."""
    with transaction.atomic():
        campaign = workflow.transition_run(obj=campaign, name="open", user=user)
        devices = (
            Device.objects.exclude(status=DeviceStatus.DISPOSED)
            .filter(division__isnull=False)
            .order_by("division_id", "hostname")
            .values_list("pk", "hostname", "division_id")
        )
        by_division: dict[int, list[tuple[int, str]]] = {}
        for pk, hostname, division_id in devices:
            by_division.setdefault(division_id, []).append((pk, hostname))
        tasks = InventoryTask.objects.bulk_create(
            [InventoryTask(campaign=campaign, division_id=d) for d in sorted(by_division)], batch_size=500
        )
        items = [
            InventoryItem(task=task, device_id=pk, hostname=hostname)
            for task in tasks
            for pk, hostname in by_division[task.division_id]
        ]
        InventoryItem.objects.bulk_create(items, batch_size=2000)
        for task in tasks:
            notify(
                selectors.division_owners([task.division_id]),
                NOTIFY_INVENTORY,
                task,
                _("%(campaign)s: 所属の機器%(n)s台とソフトウェアを確認し、棚卸を完了してください。%(due)s")
                % {
                    "campaign": campaign,
                    "n": len(by_division[task.division_id]),
                    "due": _("（期限 %(date)s）") % {"date": date_text(campaign.due_date)}
                    if campaign.due_date
                    else "",
                },
                url=reverse("sam:task_detail", args=[task.pk]),
            )
    return campaign


def campaign_close(*, user, campaign: InventoryCampaign) -> InventoryCampaign:
    """Close a campaign and freeze its results (per 所属 and overall) as the KPI's record of the year."""
    with transaction.atomic():
        campaign = InventoryCampaign.objects.select_for_update().get(pk=campaign.pk)
        _require(user, perms.CHANGE, campaign)
        tasks = list(campaign.tasks.select_related("division").order_by("division__sort_order"))
        done = sum(1 for t in tasks if t.state == TaskState.COMPLETED)
        frozen = {
            "tasks": len(tasks),
            "completed": done,
            "rate": str(selectors.Progress(len(tasks), done).rate),
            "by_division": [
                {
                    "division": t.division_id,
                    "name": t.division.name,
                    "state": t.state,
                    "completed_at": t.completed_at.isoformat() if t.completed_at else None,
                }
                for t in tasks
            ],
            "closed_on": timezone.localdate().isoformat(),
        }
        campaign = workflow.transition_run(obj=campaign, name="close", user=user)
        InventoryCampaign.objects.filter(pk=campaign.pk).update(frozen=frozen)
        campaign.frozen = frozen
    return campaign


# --- Tasks and items ------------------------------------------------------------------------------------


@transaction.atomic
def item_update(
    *,
    user,
    item: InventoryItem,
    status: str,
    correction: str = "",
    reported_user: str = "",
    note: str = "",
) -> InventoryItem:
    """Confirm or correct one device. A corrected user is written to the device (with history)."""
    item = (
        InventoryItem.objects.select_for_update(of=("self",))
        .select_related("task__campaign", "device")
        .get(pk=item.pk)
    )
    _require(user, perms.CHANGE, item)
    _editable(item.task)
    if status not in ItemStatus.values or status == ItemStatus.PENDING:
        raise ValidationFailed(_("確認結果を選んでください。"), fields={"status": [_("必須です。")]})
    if status == ItemStatus.CORRECTED and not correction:
        raise ValidationFailed(_("修正の種類を選んでください。"), fields={"correction": [_("必須です。")]})
    if correction == CorrectionKind.WRONG_USER and not reported_user.strip():
        raise ValidationFailed(
            _("正しい利用者を入力してください。"), fields={"reported_user": [_("必須です。")]}
        )
    item.status = status
    item.correction = correction if status == ItemStatus.CORRECTED else ""
    if status == ItemStatus.MISSING:
        item.correction = CorrectionKind.MISSING_DEVICE
    item.reported_user = reported_user.strip()[:50]
    item.note = note.strip()[:500]
    item.checked_by = user
    item.checked_at = timezone.now()
    clean(item)
    item.save()
    device = item.device
    if (
        device is not None
        and item.correction == CorrectionKind.WRONG_USER
        and device.user_code != item.reported_user
    ):
        with change_context(reason=_("棚卸による利用者の修正")):
            device.user_code = item.reported_user
            clean(device)
            device.save()
    return item


@transaction.atomic
def items_confirm_all(*, user, task: InventoryTask) -> int:
    """Confirm every device still unconfirmed in a task (「残りをすべて確認済みにする」): one bulk
    update with one history row per item."""
    task = InventoryTask.objects.select_for_update().select_related("campaign").get(pk=task.pk)
    _require(user, perms.CHANGE, task)
    _editable(task)
    items = list(task.items.filter(status=ItemStatus.PENDING))
    now = timezone.now()
    with change_context(user=user):
        history = BulkChangeLog(current(), now)
        for item in items:
            before = serialize(item)
            item.status = ItemStatus.CONFIRMED
            item.checked_by = user
            item.checked_at = now
            item.version += 1
            item.updated_at = now
            history.add(item, ObjectChange.Action.UPDATE, before, serialize(item), related=task)
        InventoryItem.objects.bulk_update(
            items, ["status", "checked_by", "checked_at", "version", "updated_at"], batch_size=1000
        )
        history.flush()
    return len(items)


@transaction.atomic
def item_add_unlisted(*, user, task: InventoryTask, hostname: str, note: str = "") -> InventoryItem:
    """Report a device the 所属 has that is not on its list (an unregistered PC)."""
    from .matching import hostname_key

    _require(user, perms.CHANGE, task)
    _editable(task)
    key = hostname_key(hostname)
    if not key:
        raise ValidationFailed(_("ホスト名を入力してください。"), fields={"hostname": [_("必須です。")]})
    if task.items.filter(hostname=key).exists():
        raise ValidationFailed(
            _("この機器は既に一覧にあります。"), fields={"hostname": [_("一覧にあります。")]}
        )
    item = InventoryItem(
        task=task,
        device=None,
        hostname=key,
        status=ItemStatus.CORRECTED,
        correction=CorrectionKind.UNLISTED_DEVICE,
        note=note.strip()[:500],
        checked_by=user,
        checked_at=timezone.now(),
    )
    clean(item)
    item.save()
    return item


def task_complete(*, user, task: InventoryTask, note: str = "") -> InventoryTask:
    """The 所属 completes its inventory (every device confirmed or corrected)."""
    with transaction.atomic():
        if note.strip():
            _require(user, perms.CHANGE, task)
            task.note = note.strip()
            task.save()  # through the change log, so the note's before/after is in the history
        task = workflow.transition_run(obj=task, name="complete", user=user, comment=note.strip())
    return task


def task_reopen(*, user, task: InventoryTask, comment: str) -> InventoryTask:
    """An admin sends a completed task back (with the reason) while the campaign is open."""
    with transaction.atomic():
        task = workflow.transition_run(obj=task, name="reopen", user=user, comment=comment)
        notify(
            selectors.division_owners([task.division_id]),
            NOTIFY_INVENTORY,
            task,
            _("棚卸の再確認を依頼されました: %(comment)s") % {"comment": comment},
        )
    return task


# --- Audits ---------------------------------------------------------------------------------------------


@transaction.atomic
def audit_create(
    *,
    user,
    fiscal_year: int,
    title: str,
    sample_size: int,
    seed: int = 0,
    division=None,
) -> Audit:
    """A sampled audit: ``sample_size`` devices in use drawn with the seed (the same seed draws the
    same devices, so the sample can be reproduced), from one 所属 or all."""
    audit = Audit(fiscal_year=fiscal_year, title=title, sample_size=sample_size, seed=seed, division=division)
    _require(user, perms.ADD, audit)
    clean(audit)
    pool = Device.objects.filter(status=DeviceStatus.IN_USE)
    if division is not None:
        pool = pool.filter(division=division)
    ids = list(pool.order_by("pk").values_list("pk", flat=True))
    if sample_size < 1 or not ids:
        raise ValidationFailed(
            _("抽出できる機器がありません。"), fields={"sample_size": [_("1台以上を指定してください。")]}
        )
    audit.save()
    chosen = random.Random(seed).sample(ids, min(sample_size, len(ids)))
    AuditCheck.objects.bulk_create([AuditCheck(audit=audit, device_id=pk) for pk in sorted(chosen)])
    return audit


@transaction.atomic
def audit_check_record(
    *,
    user,
    check: AuditCheck,
    result: str,
    note: str = "",
    finding: str = "",
    severity: str = Severity.MEDIUM,
    follow_up: str = "",
    due_date: datetime.date | None = None,
) -> AuditCheck:
    """Record a sampled device's result; a finding is created (and its 所属 told) when there is one."""
    check = (
        AuditCheck.objects.select_for_update(of=("self",)).select_related("audit", "device").get(pk=check.pk)
    )
    _require(user, perms.CHANGE, check.audit)
    if check.audit.state != AuditState.OPEN:
        raise ApplicationError(_("完了した監査は変更できません。"))
    if result not in (CheckResult.OK, CheckResult.FINDING):
        raise ValidationFailed(_("結果を選んでください。"), fields={"result": [_("必須です。")]})
    if result == CheckResult.FINDING and not finding.strip():
        raise ValidationFailed(_("指摘事項を入力してください。"), fields={"finding": [_("必須です。")]})
    check.result = result
    check.note = note.strip()[:500]
    check.checked_at = timezone.now()
    clean(check)
    check.save()
    if result == CheckResult.FINDING:
        f = AuditFinding(
            audit=check.audit,
            check_item=check,
            division=check.device.division,
            description=finding.strip(),
            severity=severity,
            follow_up=follow_up.strip(),
            due_date=due_date,
        )
        clean(f)
        f.save()
        if f.division_id:
            notify(
                selectors.division_owners([f.division_id]),
                NOTIFY_FINDING,
                f,
                _("ライセンス監査で指摘がありました（%(device)s）: %(text)s")
                % {"device": check.device, "text": f.description[:200]},
            )
    return check


@transaction.atomic
def finding_respond(*, user, finding: AuditFinding, response: str, resolve: bool = False) -> AuditFinding:
    """The 所属 records its follow-up; marking it resolved closes the finding."""
    finding = AuditFinding.objects.select_for_update().get(pk=finding.pk)
    _require(user, perms.CHANGE, finding)
    if not response.strip():
        raise ValidationFailed(_("対応内容を入力してください。"), fields={"response": [_("必須です。")]})
    finding.response = response.strip()
    if resolve:
        finding.state = FindingState.RESOLVED
        finding.resolved_at = timezone.now()
    clean(finding)
    finding.save()
    return finding


@transaction.atomic
def audit_close(*, user, audit: Audit, summary: str = "") -> Audit:
    """Close an audit once every sampled device has a result."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    _require(user, perms.CHANGE, audit)
    if audit.checks.filter(result=CheckResult.PENDING).exists():
        raise ApplicationError(_("未確認の機器があるため完了できません。"))
    audit.state = AuditState.CLOSED
    audit.closed_at = timezone.now()
    audit.summary = summary.strip()
    clean(audit)
    audit.save()
    return audit
