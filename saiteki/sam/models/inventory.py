"""The yearly inventory campaign (棚卸), audits and their findings.

The IT policy division opens a :class:`InventoryCampaign` for a fiscal year; every 所属 with devices gets
an :class:`InventoryTask` (announced in its inbox) listing its devices as :class:`InventoryItem` s to
confirm or correct (wrong user, unknown software, missing device, a device not on the list). The
completion rate per 所属 and overall is the KPI 「ソフトウェア棚卸実施率」. Closing the campaign freezes
its results (``frozen``): the tasks can no longer change and the KPI of a closed year reads the frozen
figures. :class:`Audit` s are sampled checks of devices with :class:`AuditFinding` s and their follow-up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.models import BusinessModel
from saiteki.sam.choices import (
    AuditState,
    CampaignState,
    CheckResult,
    CorrectionKind,
    FindingState,
    ItemStatus,
    Severity,
    TaskState,
)

from .devices import Device


def _campaign_admin(instance, user) -> bool:
    """Campaigns are master data: whoever may change them (the policy says: IT policy admins)."""
    campaign = instance if isinstance(instance, InventoryCampaign) else instance.campaign
    return perms.can(user, perms.CHANGE, campaign)


class InventoryCampaign(workflow.WorkflowMixin, BusinessModel):
    """One fiscal year's inventory. Opening creates the tasks; closing freezes the results."""

    fiscal_year = models.PositiveIntegerField(_("年度"), unique=True)
    title = models.CharField(_("件名"), max_length=200)
    due_date = models.DateField(_("回答期限"), null=True, blank=True)
    state = workflow.StateField(_("状態"), choices=CampaignState.choices, default=CampaignState.DRAFT)
    opened_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    closed_at = models.DateTimeField(_("締切日時"), null=True, blank=True)
    frozen = models.JSONField(_("確定した結果"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Opening creates and announces the tasks, closing freezes them: the campaign services do that,
    # so the generic transition route must not run these transitions on its own.
    workflow_generic_entry = False

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("棚卸")
        verbose_name_plural = _("棚卸")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sam:campaign_detail", args=[self.pk])

    @workflow.transition(source=CampaignState.DRAFT, target=CampaignState.OPEN, label=_("棚卸を開始"))
    def open(self):
        from django.utils import timezone

        self.opened_at = timezone.now()

    @workflow.transition(
        source=CampaignState.OPEN, target=CampaignState.CLOSED, label=_("締め切って確定"), style="danger"
    )
    def close(self):
        from django.utils import timezone

        self.closed_at = timezone.now()


class InventoryTask(workflow.WorkflowMixin, BusinessModel):
    """One 所属's part of a campaign. The 所属 completes it when every device is confirmed or
    corrected; an admin may reopen it while the campaign is open."""

    campaign = models.ForeignKey(
        InventoryCampaign, verbose_name=_("棚卸"), on_delete=models.CASCADE, related_name="tasks"
    )
    division = models.ForeignKey(
        Organization, verbose_name=_("所属"), on_delete=models.PROTECT, related_name="sam_inventory_tasks"
    )
    state = workflow.StateField(_("状態"), choices=TaskState.choices, default=TaskState.OPEN, db_index=True)
    completed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完了した人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("所属からの報告"), blank=True)

    division_path = "division"
    workflow_generic_entry = False

    class Meta:
        ordering = ["campaign", "division__sort_order", "division__code"]
        verbose_name = _("棚卸の依頼")
        verbose_name_plural = _("棚卸の依頼")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "division"], name="sam_task_one_per_division"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.division}"

    def get_absolute_url(self) -> str:
        return reverse("sam:task_detail", args=[self.pk])

    def changelog_related(self):
        return [self.campaign]

    @workflow.transition(
        source=TaskState.OPEN,
        target=TaskState.COMPLETED,
        label=_("棚卸を完了"),
        conditions=[
            workflow.Condition(
                lambda t: t.campaign.state == CampaignState.OPEN, _("この棚卸は実施中ではありません。")
            ),
            workflow.Condition(
                lambda t: not t.items.filter(status=ItemStatus.PENDING).exists(),
                _("未確認の機器があります。すべての機器を確認するか修正してください。"),
            ),
        ],
        style="success",
    )
    def complete(self, *, user=None):
        from django.utils import timezone

        self.completed_at = timezone.now()
        self.completed_by = user

    @workflow.transition(
        source=TaskState.COMPLETED,
        target=TaskState.OPEN,
        label=_("差戻し（再確認を依頼）"),
        perm=_campaign_admin,
        conditions=[
            workflow.Condition(
                lambda t: t.campaign.state == CampaignState.OPEN, _("締切済みの棚卸は変更できません。")
            )
        ],
        comment_required=True,
        style="secondary",
    )
    def reopen(self):
        self.completed_at = None
        self.completed_by = None


class InventoryItem(BusinessModel):
    """One device in a 所属's task (or a device the 所属 reported that is not on the list)."""

    task = models.ForeignKey(
        InventoryTask, verbose_name=_("棚卸の依頼"), on_delete=models.CASCADE, related_name="items"
    )
    device = models.ForeignKey(
        Device, verbose_name=_("機器"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hostname = models.CharField(_("ホスト名"), max_length=100)
    status = models.CharField(
        _("確認結果"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING, db_index=True
    )
    correction = models.CharField(_("修正の種類"), max_length=20, choices=CorrectionKind.choices, blank=True)
    reported_user = models.CharField(_("正しい利用者（職員番号）"), max_length=50, blank=True)
    note = models.CharField(_("補足"), max_length=500, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確認者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("確認日時"), null=True, blank=True)

    division_path = "task__division"

    class Meta:
        ordering = ["task", "hostname", "pk"]
        verbose_name = _("棚卸の確認")
        verbose_name_plural = _("棚卸の確認")

    def __str__(self) -> str:
        return self.hostname

    def get_absolute_url(self) -> str:
        return reverse("sam:task_detail", args=[self.task_id]) + f"#item-{self.pk}"

    def changelog_related(self):
        return [self.task] + ([self.device] if self.device_id else [])


class Audit(BusinessModel):
    """A sampled check (SAM audit): devices drawn at random, each checked on site against the scan."""

    fiscal_year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("件名"), max_length=200)
    sample_size = models.PositiveIntegerField(_("抽出台数"))
    seed = models.PositiveIntegerField(
        _("抽出の乱数シード"), default=0, help_text=_("同じシードなら同じ機器が選ばれます。")
    )
    division = models.ForeignKey(
        Organization,
        verbose_name=_("対象所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("空欄なら全所属から抽出します。"),
    )
    state = models.CharField(_("状態"), max_length=10, choices=AuditState.choices, default=AuditState.OPEN)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    summary = models.TextField(_("総括"), blank=True)

    class Meta:
        ordering = ["-fiscal_year", "-pk"]
        verbose_name = _("ライセンス監査")
        verbose_name_plural = _("ライセンス監査")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sam:audit_detail", args=[self.pk])


class AuditCheck(BusinessModel):
    """One sampled device: the result of checking it."""

    audit = models.ForeignKey(Audit, verbose_name=_("監査"), on_delete=models.CASCADE, related_name="checks")
    device = models.ForeignKey(Device, verbose_name=_("機器"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(
        _("結果"), max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING
    )
    note = models.CharField(_("確認内容"), max_length=500, blank=True)
    checked_at = models.DateTimeField(_("確認日時"), null=True, blank=True)

    division_path = "device__division"

    class Meta:
        ordering = ["audit", "device__hostname"]
        verbose_name = _("監査の確認")
        verbose_name_plural = _("監査の確認")
        constraints = [models.UniqueConstraint(fields=["audit", "device"], name="sam_check_once")]

    def __str__(self) -> str:
        return f"{self.audit} {self.device}"

    def get_absolute_url(self) -> str:
        return reverse("sam:audit_detail", args=[self.audit_id])

    def changelog_related(self):
        return [self.audit]


class AuditFinding(BusinessModel):
    """A finding of an audit and its follow-up: what must be done, by when, and the 所属's answer."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("監査"), on_delete=models.CASCADE, related_name="findings"
    )
    check_item = models.ForeignKey(
        AuditCheck,
        verbose_name=_("確認した機器"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
    )
    division = models.ForeignKey(
        Organization,
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.TextField(_("指摘事項"))
    severity = models.CharField(_("重要度"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    follow_up = models.TextField(_("求める対応"), blank=True)
    due_date = models.DateField(_("対応期限"), null=True, blank=True)
    state = models.CharField(
        _("状況"), max_length=10, choices=FindingState.choices, default=FindingState.OPEN
    )
    response = models.TextField(_("所属の対応内容"), blank=True)
    resolved_at = models.DateTimeField(_("対応完了日時"), null=True, blank=True)

    division_path = "division"

    class Meta:
        ordering = ["audit", "state", "pk"]
        verbose_name = _("監査の指摘")
        verbose_name_plural = _("監査の指摘")

    def __str__(self) -> str:
        return self.description[:60]

    def get_absolute_url(self) -> str:
        return reverse("sam:finding_edit", args=[self.pk])

    def changelog_related(self):
        return [self.audit]
