"""Request (申請): 下書き → 提出 → 承認 / 差戻し → 下書き, guarded by role, right and a condition."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.models import BusinessModel
from saiteki.core.roles import Role


class Request(workflow.WorkflowMixin, BusinessModel):
    division_path = "division"

    class State(models.TextChoices):
        DRAFT = "draft", "下書き"
        SUBMITTED = "submitted", "提出済み"
        APPROVED = "approved", "承認済み"
        RETURNED = "returned", "差戻し"

    title = models.CharField("件名", max_length=100)
    division = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, verbose_name="所属")
    amount = models.BigIntegerField("金額", default=0)
    state = workflow.StateField("状態", choices=State.choices, default=State.DRAFT)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    approved_by = models.CharField("承認者", max_length=150, blank=True)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("flow:request_detail", args=[self.pk])

    @workflow.transition(
        source=State.DRAFT,
        target=State.SUBMITTED,
        label="提出",
        conditions=[workflow.Condition(lambda r: r.amount > 0, "金額を入力してから提出してください。")],
    )
    def submit(self):
        """Owners of the request's division (and admins) submit: the default guard, can(change)."""

    @workflow.transition(
        source=State.SUBMITTED,
        target=State.APPROVED,
        label="承認",
        perm=workflow.roles(Role.ADMIN),
        style="success",
    )
    def approve(self, *, user=None, comment=""):
        self.approved_at = timezone.now()
        self.approved_by = str(user) if user is not None else "system"

    @workflow.transition(
        source=State.SUBMITTED,
        target=State.RETURNED,
        label="差戻し",
        perm=workflow.any_of(workflow.roles(Role.ADMIN), workflow.right(perms.JOURNAL_ANY)),
        comment_required=True,
        style="danger",
    )
    def send_back(self):
        """Admins and the CIO advisor (JOURNAL_ANY) may send a request back, with a reason."""

    @workflow.transition(source=State.RETURNED, target=State.DRAFT, label="再作成")
    def reopen(self):
        pass
