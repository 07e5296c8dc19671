"""Review cases (審査案件) and what belongs to one case: the per-category amounts, the RFI quote
comparison, attachments, decisions and the CIO advisor's opinions."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.display import fy_text
from saiteki.core.models import BusinessModel
from saiteki.core.models.fields import user_ref
from saiteki.ledger.choices import CostCategory, ProcurementMethod
from saiteki.ledger.models import Contract, System, Vendor
from saiteki.reviews.choices import AMOUNT_KINDS, OPEN_STATES, AttachmentKind, CaseKind, CaseState

from .common import CasePart, case_link, due_in, fy_check, step_days, systems_of


class ReviewCase(workflow.WorkflowMixin, BusinessModel):
    """One review (審査案件) of a system — or of a planned system not yet in the ledger — for a fiscal year.

    At most one *open* case per system, kind and fiscal year: a partial unique index, so two owners
    submitting at the same moment cannot both succeed (tested under concurrency on PostgreSQL).
    """

    # Transitions go through reviews.services (decision records, amounts, notifications), never
    # through core's generic transition route.
    workflow_generic_entry = False

    kind = models.CharField(_("種別"), max_length=1, choices=CaseKind.choices, db_index=True)
    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    system = models.ForeignKey(
        System,
        verbose_name=_("システム"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_cases",
    )
    planned_system_name = models.CharField(
        _("企画中のシステム名"),
        max_length=200,
        blank=True,
        help_text=_("台帳にまだないシステムの審査では名称を入力します。台帳に登録したら関連付けます。"),
    )
    division = models.ForeignKey(
        Organization, verbose_name=_("所管所属"), on_delete=models.PROTECT, related_name="review_cases"
    )
    title = models.CharField(_("件名"), max_length=200)
    summary = models.TextField(_("概要・要求内容"), blank=True)
    state = workflow.StateField(_("状態"), choices=CaseState.choices, default=CaseState.DRAFT, db_index=True)
    # D: how the contract will be procured and what it is.
    procurement_method = models.CharField(
        _("調達方法"), max_length=12, choices=ProcurementMethod.choices, blank=True
    )
    planned_contract_title = models.CharField(_("契約予定の件名"), max_length=200, blank=True)
    planned_vendor = models.ForeignKey(
        Vendor,
        verbose_name=_("契約予定の事業者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    planned_start = models.DateField(_("契約予定の開始日"), null=True, blank=True)
    planned_end = models.DateField(_("契約予定の終了日"), null=True, blank=True)
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("契約"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_cases",
    )
    # The reviewer's record.
    findings = models.TextField(_("審査所見"), blank=True)
    conditions = models.TextField(_("承認の条件"), blank=True)
    # Derived from the lines (services.case_totals_refresh); never typed.
    requested_total = models.BigIntegerField(_("要求額(円)"), default=0, editable=False)
    assessed_total = models.BigIntegerField(_("査定額(円)"), null=True, blank=True, editable=False)
    reduction_total = models.BigIntegerField(_("削減額(円)"), default=0, editable=False)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    due_date = models.DateField(_("期限"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)
    decided_by = user_ref(_("決定者"))
    reminded_on = models.DateField(_("督促日"), null=True, blank=True)
    budget_applied_at = models.DateTimeField(_("予算額へ反映した日時"), null=True, blank=True)
    created_by = user_ref(_("作成者"))

    division_path = "division"
    changelog_exclude = ("created_at", "updated_at", "version", "reminded_on")

    class Meta:
        ordering = ["-fiscal_year", "kind", "-id"]
        verbose_name = _("審査案件")
        verbose_name_plural = _("審査案件")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "kind", "fiscal_year"],
                condition=Q(state__in=OPEN_STATES),
                name="review_case_one_open_per_system_kind_year",
            ),
            models.CheckConstraint(
                condition=Q(system__isnull=False) | ~Q(planned_system_name=""),
                name="review_case_system_or_planned",
            ),
            models.CheckConstraint(condition=Q(requested_total__gte=0), name="review_case_requested_gte_0"),
            fy_check("review_case_fy_range"),
        ]
        # The board's year totals, state matrix and 部局 table, and the reductions trend over the years,
        # read only these columns: covering indexes (PostgreSQL INCLUDE; a plain index elsewhere) let
        # them be answered from the index without visiting the year's cases scattered over the table.
        indexes = [
            models.Index(
                fields=["fiscal_year", "kind", "state"],
                include=["division", "requested_total", "assessed_total", "reduction_total"],
                name="review_case_board",
            ),
            models.Index(
                fields=["kind", "state", "fiscal_year"],
                include=["division", "requested_total", "assessed_total", "reduction_total"],
                name="review_case_trend",
            ),
            models.Index(fields=["system", "kind", "fiscal_year"]),
        ]

    def __str__(self) -> str:
        return f"{fy_text(self.fiscal_year, style='wareki')} {self.get_kind_display()} {self.subject}"

    @property
    def subject(self) -> str:
        """What the case is about: the ledger system, or the planned system's name."""
        if self.system_id:
            return str(self.system)
        return f"{self.planned_system_name}（{_('企画中')}）"

    def get_absolute_url(self) -> str:
        return reverse("reviews:case_detail", args=[self.pk])

    def changelog_related(self):
        return systems_of(self)

    @property
    def has_amounts(self) -> bool:
        return self.kind in AMOUNT_KINDS

    @property
    def reduction(self) -> int | None:
        return self.reduction_total if self.assessed_total is not None else None

    # --- workflow ----------------------------------------------------------------------------------
    # Guards ask the one policy: owners (own division) and admins submit; REVIEW_DECIDE reviews.
    # Side effects beyond this object (decisions, opinions, notifications) are in services.case_transition.

    def _lines_requested(self) -> bool:
        return not self.has_amounts or self.lines.filter(requested_amount__gt=0).exists()

    def _lines_assessed(self) -> bool:
        return not self.has_amounts or not self.lines.filter(assessed_amount__isnull=True).exists()

    @workflow.transition(
        source=[CaseState.DRAFT, CaseState.RETURNED],
        target=CaseState.SUBMITTED,
        label=_("提出"),
        perm=workflow.can(perms.CHANGE),
        conditions=[
            workflow.Condition(_lines_requested, _("経費区分ごとの要求額を入力してから提出してください。"))
        ],
        order=10,
    )
    def submit(self, *, user=None, comment=""):
        self.submitted_at = timezone.now()
        self.due_date = due_in(step_days("review_days"))
        self.reminded_on = None

    @workflow.transition(
        source=CaseState.SUBMITTED,
        target=CaseState.UNDER_REVIEW,
        label=_("審査開始"),
        perm=workflow.right(perms.REVIEW_DECIDE),
        order=20,
    )
    def start_review(self, *, user=None, comment=""):
        pass

    @workflow.transition(
        source=CaseState.UNDER_REVIEW,
        target=CaseState.ADVISOR,
        label=_("CIO補佐官に意見照会"),
        perm=workflow.right(perms.REVIEW_DECIDE),
        comment_required=True,
        style="secondary",
        order=30,
    )
    def request_opinion(self, *, user=None, comment=""):
        pass

    @workflow.transition(
        source=CaseState.ADVISOR,
        target=CaseState.UNDER_REVIEW,
        label=_("意見照会を終える"),
        perm=workflow.any_of(workflow.right(perms.REVIEW_DECIDE), workflow.right(perms.ADVISOR_OPINION)),
        style="secondary",
        order=35,
    )
    def end_consultation(self, *, user=None, comment=""):
        pass

    @workflow.transition(
        source=[CaseState.UNDER_REVIEW, CaseState.ADVISOR],
        target=CaseState.APPROVED,
        label=_("承認"),
        perm=workflow.right(perms.REVIEW_DECIDE),
        conditions=[
            workflow.Condition(_lines_assessed, _("すべての経費区分の査定額を入力してから決定してください。"))
        ],
        style="success",
        order=40,
    )
    def approve(self, *, user=None, comment=""):
        self._decided(user)

    @workflow.transition(
        source=[CaseState.UNDER_REVIEW, CaseState.ADVISOR],
        target=CaseState.CONDITIONAL,
        label=_("条件付承認"),
        perm=workflow.right(perms.REVIEW_DECIDE),
        conditions=[
            workflow.Condition(_lines_assessed, _("すべての経費区分の査定額を入力してから決定してください。"))
        ],
        comment_required=True,
        style="success",
        order=41,
    )
    def approve_with_conditions(self, *, user=None, comment=""):
        self.conditions = comment
        self._decided(user)

    @workflow.transition(
        source=[CaseState.UNDER_REVIEW, CaseState.ADVISOR],
        target=CaseState.RETURNED,
        label=_("差戻し"),
        perm=workflow.right(perms.REVIEW_DECIDE),
        comment_required=True,
        style="warning",
        order=42,
    )
    def send_back(self, *, user=None, comment=""):
        self._decided(user)
        self.due_date = due_in(step_days("response_days"))  # the owner's turn: resubmit by then

    @workflow.transition(
        source=[CaseState.UNDER_REVIEW, CaseState.ADVISOR],
        target=CaseState.REJECTED,
        label=_("不承認"),
        perm=workflow.right(perms.REVIEW_DECIDE),
        conditions=[
            workflow.Condition(_lines_assessed, _("すべての経費区分の査定額を入力してから決定してください。"))
        ],
        comment_required=True,
        style="danger",
        order=43,
    )
    def reject(self, *, user=None, comment=""):
        self._decided(user)

    @workflow.transition(
        source=list(OPEN_STATES),
        target=CaseState.WITHDRAWN,
        label=_("取下げ"),
        perm=workflow.can(perms.CHANGE),
        comment_required=True,
        style="outline-secondary",
        order=90,
    )
    def withdraw(self, *, user=None, comment=""):
        self.due_date = None

    def _decided(self, user) -> None:
        self.decided_at = timezone.now()
        self.decided_by = user
        self.due_date = None
        self.reminded_on = None


class CaseLine(CasePart):
    """Requested and assessed amount of one C3 cost category on a P or D case. The reduction is
    ``requested − assessed``, computed (per line, per case, per year), never typed."""

    case = case_link("lines")
    category = models.CharField(_("経費区分"), max_length=20, choices=CostCategory.choices)
    requested_amount = models.BigIntegerField(_("要求額(円)"), validators=[MinValueValidator(0)])
    assessed_amount = models.BigIntegerField(
        _("査定額(円)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("査定の理由"), max_length=500, blank=True)

    on_karte = True
    changelog_summary_fields = ("category", "requested_amount", "assessed_amount")

    class Meta:
        ordering = ["case", "category"]
        verbose_name = _("審査の経費区分")
        verbose_name_plural = _("審査の経費区分")
        constraints = [
            models.UniqueConstraint(fields=["case", "category"], name="review_line_unique_category"),
            models.CheckConstraint(condition=Q(requested_amount__gte=0), name="review_line_requested_gte_0"),
            models.CheckConstraint(
                condition=Q(assessed_amount__isnull=True) | Q(assessed_amount__gte=0),
                name="review_line_assessed_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_category_display()}"

    @property
    def reduction(self) -> int | None:
        if self.assessed_amount is None:
            return None
        return self.requested_amount - self.assessed_amount


class VendorQuote(CasePart):
    """One vendor's quote for one cost category (RFI / 見積比較 of a D case)."""

    case = case_link("quotes")
    vendor_name = models.CharField(_("事業者"), max_length=200)
    category = models.CharField(_("経費区分"), max_length=20, choices=CostCategory.choices)
    amount = models.BigIntegerField(_("見積額(円)"), validators=[MinValueValidator(0)])
    note = models.CharField(_("備考"), max_length=500, blank=True)

    class Meta:
        ordering = ["case", "category", "amount"]
        verbose_name = _("見積比較")
        verbose_name_plural = _("見積比較")
        constraints = [
            models.UniqueConstraint(fields=["case", "vendor_name", "category"], name="review_quote_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="review_quote_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_name} {self.get_category_display()}"


class CaseAttachment(CasePart):
    """A file attached to a case: 見積書, 仕様書 or other documents."""

    case = case_link("attachments")
    kind = models.CharField(
        _("種類"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    file = models.FileField(_("ファイル"), upload_to="reviews/%Y/")
    name = models.CharField(_("ファイル名"), max_length=255)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)

    changelog_exclude = ("created_at", "updated_at", "version", "file")

    class Meta:
        ordering = ["case", "kind", "name"]
        verbose_name = _("添付資料")
        verbose_name_plural = _("添付資料")

    def __str__(self) -> str:
        return self.name


class ReviewDecision(CasePart):
    """A decision on a case (承認 / 条件付承認 / 差戻し / 不承認), with the amounts as they were then.

    Append-only in practice: a returned case that is resubmitted and decided again gets a second row,
    so the karte and the review sheet show the whole story.
    """

    case = case_link("decisions")
    outcome = models.CharField(_("決定"), max_length=20, choices=CaseState.choices)
    comment = models.TextField(_("決定の理由・条件"), blank=True)
    decided_by = user_ref(_("決定者"), blank=False)
    decided_by_name = models.CharField(_("決定者名"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("決定日時"))
    requested_total = models.BigIntegerField(_("要求額(円)"), default=0)
    assessed_total = models.BigIntegerField(_("査定額(円)"), null=True, blank=True)
    reduction_total = models.BigIntegerField(_("削減額(円)"), default=0)

    on_karte = True

    class Meta:
        ordering = ["case", "decided_at", "id"]
        verbose_name = _("審査の決定")
        verbose_name_plural = _("審査の決定")

    def __str__(self) -> str:
        return f"{self.case} {self.get_outcome_display()}"


class AdvisorOpinion(CasePart):
    """The CIO advisor's opinion on a case (照会 → 意見 → 所管課の対応), a structured record."""

    case = case_link("opinions")
    question = models.TextField(_("照会内容"))
    requested_by = user_ref(_("照会者"), blank=False)
    requested_at = models.DateTimeField(_("照会日時"))
    due_date = models.DateField(_("回答期限"), null=True, blank=True)
    advisor = user_ref(_("CIO補佐官"))
    opinion = models.TextField(_("意見"), blank=True)
    opinion_date = models.DateField(_("意見日"), null=True, blank=True)
    owner_response = models.TextField(_("所管課の対応"), blank=True)
    responded_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    reminded_on = models.DateField(_("督促日"), null=True, blank=True)

    case_anchor = "#opinions"
    on_karte = True
    changelog_exclude = ("created_at", "updated_at", "version", "reminded_on")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("CIO補佐官意見")
        verbose_name_plural = _("CIO補佐官意見")

    def __str__(self) -> str:
        return f"{self.case} {_('意見照会')}"

    @property
    def answered(self) -> bool:
        return bool(self.opinion)
