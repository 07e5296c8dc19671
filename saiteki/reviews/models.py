"""The review gates (審査, SPEC C4): cases P/D/C/A with per-category amounts, decisions, CIO advisor
opinions, gate exceptions, evaluations with a rubric, proposals and their follow-up.

Every model is a :class:`~saiteki.core.models.BusinessModel` (change log, version, permission verbs) and
names its system in ``changelog_related`` so the system's karte timeline shows cases, decisions,
opinions and exceptions together with the ledger's own history.

Amounts are integer yen. A case's totals (要求額 / 査定額 / 削減額) are *derived* columns: only
:func:`saiteki.reviews.services.case_totals_refresh` writes them, from the case's lines, so the board can
sum 500,000 cases without reading 8 million lines and nobody can type a reduction.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.business_days import add_business_days
from saiteki.core.display import fy_text
from saiteki.core.models import BusinessModel, JournalEntry
from saiteki.ledger.choices import CostCategory, ProcurementMethod
from saiteki.ledger.models import Contract, System, Vendor

from .choices import (
    AMOUNT_KINDS,
    OPEN_STATES,
    AttachmentKind,
    CaseKind,
    CaseState,
    CriterionBasis,
    Disposition,
    GateKind,
    ProposalStatus,
)

FY_MIN, FY_MAX = 1989, 2100


def step_days(name: str) -> int:
    """Business days allowed for a step (GateSetting, or the field's default without a setting)."""
    setting = GateSetting.objects.order_by("pk").first()
    if setting is not None:
        return int(getattr(setting, name))
    return int(GateSetting._meta.get_field(name).default)


def due_in(days: int) -> datetime.date:
    """The due date ``days`` 開庁日 after today (Japanese holidays and 年末年始 skipped)."""
    return add_business_days(timezone.localdate(), days)


def _fy_check(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(fiscal_year__gte=FY_MIN, fiscal_year__lte=FY_MAX), name=name)


def _systems_of(obj) -> list:
    system = getattr(obj, "system", None)
    return [system] if system is not None else []


class GateSetting(BusinessModel):
    """Whether the prefecture enforces the gate, and from which fiscal year (master data, admins only).

    Without a row, or with ``enabled`` off, the ledger records budgets and contracts as before: the
    gate is switched on deliberately (the demo does), and budgets and contracts of fiscal years before
    ``first_fiscal_year`` are never refused — the data entered before the gate existed stays editable.
    The due dates of each step are counted in 開庁日 (business days with Japanese holidays).
    """

    enabled = models.BooleanField(_("審査ゲートを適用する"), default=False)
    first_fiscal_year = models.PositiveIntegerField(
        _("適用開始年度"), help_text=_("この年度以降の予算額・契約の登録に承認済みの審査が必要になります。")
    )
    review_days = models.PositiveSmallIntegerField(_("審査の期限（開庁日）"), default=10)
    response_days = models.PositiveSmallIntegerField(_("差戻し後の再提出期限（開庁日）"), default=10)
    opinion_days = models.PositiveSmallIntegerField(_("CIO補佐官意見の期限（開庁日）"), default=5)

    class Meta:
        verbose_name = _("審査ゲートの設定")
        verbose_name_plural = _("審査ゲートの設定")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_fiscal_year__gte=FY_MIN, first_fiscal_year__lte=FY_MAX),
                name="review_gate_setting_fy_range",
            )
        ]

    def __str__(self) -> str:
        return str(_("審査ゲートの設定"))

    def get_absolute_url(self) -> str:
        return reverse("reviews:gate_setting")

    def applies(self, fiscal_year: int | None) -> bool:
        return bool(self.enabled and fiscal_year is not None and fiscal_year >= self.first_fiscal_year)


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
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("決定者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reminded_on = models.DateField(_("督促日"), null=True, blank=True)
    budget_applied_at = models.DateTimeField(_("予算額へ反映した日時"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

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
            _fy_check("review_case_fy_range"),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "kind", "state"]),
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
        return _systems_of(self)

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


class CaseLine(BusinessModel):
    """Requested and assessed amount of one C3 cost category on a P or D case. The reduction is
    ``requested − assessed``, computed (per line, per case, per year), never typed."""

    case = models.ForeignKey(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="lines"
    )
    category = models.CharField(_("経費区分"), max_length=20, choices=CostCategory.choices)
    requested_amount = models.BigIntegerField(_("要求額(円)"), validators=[MinValueValidator(0)])
    assessed_amount = models.BigIntegerField(
        _("査定額(円)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("査定の理由"), max_length=500, blank=True)

    division_path = "case__division"
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

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()

    def changelog_related(self):
        return [self.case, *_systems_of(self.case)]

    @property
    def reduction(self) -> int | None:
        if self.assessed_amount is None:
            return None
        return self.requested_amount - self.assessed_amount


class VendorQuote(BusinessModel):
    """One vendor's quote for one cost category (RFI / 見積比較 of a D case)."""

    case = models.ForeignKey(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="quotes"
    )
    vendor_name = models.CharField(_("事業者"), max_length=200)
    category = models.CharField(_("経費区分"), max_length=20, choices=CostCategory.choices)
    amount = models.BigIntegerField(_("見積額(円)"), validators=[MinValueValidator(0)])
    note = models.CharField(_("備考"), max_length=500, blank=True)

    division_path = "case__division"

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

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()

    def changelog_related(self):
        return [self.case]


class CaseAttachment(BusinessModel):
    """A file attached to a case: 見積書, 仕様書 or other documents."""

    case = models.ForeignKey(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(
        _("種類"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    file = models.FileField(_("ファイル"), upload_to="reviews/%Y/")
    name = models.CharField(_("ファイル名"), max_length=255)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)

    division_path = "case__division"
    changelog_exclude = ("created_at", "updated_at", "version", "file")

    class Meta:
        ordering = ["case", "kind", "name"]
        verbose_name = _("添付資料")
        verbose_name_plural = _("添付資料")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()

    def changelog_related(self):
        return [self.case]


class ReviewDecision(BusinessModel):
    """A decision on a case (承認 / 条件付承認 / 差戻し / 不承認), with the amounts as they were then.

    Append-only in practice: a returned case that is resubmitted and decided again gets a second row,
    so the karte and the review sheet show the whole story.
    """

    case = models.ForeignKey(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(_("決定"), max_length=20, choices=CaseState.choices)
    comment = models.TextField(_("決定の理由・条件"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("決定者"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_by_name = models.CharField(_("決定者名"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("決定日時"))
    requested_total = models.BigIntegerField(_("要求額(円)"), default=0)
    assessed_total = models.BigIntegerField(_("査定額(円)"), null=True, blank=True)
    reduction_total = models.BigIntegerField(_("削減額(円)"), default=0)

    division_path = "case__division"

    class Meta:
        ordering = ["case", "decided_at", "id"]
        verbose_name = _("審査の決定")
        verbose_name_plural = _("審査の決定")

    def __str__(self) -> str:
        return f"{self.case} {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()

    def changelog_related(self):
        return [self.case, *_systems_of(self.case)]


class AdvisorOpinion(BusinessModel):
    """The CIO advisor's opinion on a case (照会 → 意見 → 所管課の対応), a structured record."""

    case = models.ForeignKey(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="opinions"
    )
    question = models.TextField(_("照会内容"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("照会者"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("照会日時"))
    due_date = models.DateField(_("回答期限"), null=True, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("CIO補佐官"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opinion = models.TextField(_("意見"), blank=True)
    opinion_date = models.DateField(_("意見日"), null=True, blank=True)
    owner_response = models.TextField(_("所管課の対応"), blank=True)
    responded_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    reminded_on = models.DateField(_("督促日"), null=True, blank=True)

    division_path = "case__division"
    changelog_exclude = ("created_at", "updated_at", "version", "reminded_on")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("CIO補佐官意見")
        verbose_name_plural = _("CIO補佐官意見")

    def __str__(self) -> str:
        return f"{self.case} {_('意見照会')}"

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url() + "#opinions"

    def changelog_related(self):
        return [self.case, *_systems_of(self.case)]

    @property
    def answered(self) -> bool:
        return bool(self.opinion)


class GateException(BusinessModel):
    """An admin's exception to the gate for one system, fiscal year and gate, with the reason.

    It makes the guard pass (a budget or contract may be recorded without the approved case) and is
    shown on the karte (change log) and in the year's board and report.
    """

    system = models.ForeignKey(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="gate_exceptions"
    )
    fiscal_year = models.PositiveIntegerField(_("年度"))
    gate = models.CharField(_("対象"), max_length=1, choices=GateKind.choices)
    reason = models.TextField(_("理由"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    granted_by_name = models.CharField(_("登録者名"), max_length=150, blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["-fiscal_year", "system"]
        verbose_name = _("審査ゲートの例外")
        verbose_name_plural = _("審査ゲートの例外")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "fiscal_year", "gate"], name="review_gate_exception_unique"
            ),
            _fy_check("review_gate_exception_fy_range"),
        ]

    def __str__(self) -> str:
        return f"{self.system} {fy_text(self.fiscal_year, style='wareki')} {self.get_gate_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:exception_list") + f"?fiscal_year={self.fiscal_year}"

    def changelog_related(self):
        return [self.system]


class RubricCriterion(BusinessModel):
    """One criterion of the evaluation rubric (master data): weight and guidance for scores 1–5."""

    name = models.CharField(_("評価項目"), max_length=100, unique=True)
    basis = models.CharField(
        _("根拠データ"), max_length=20, choices=CriterionBasis.choices, default=CriterionBasis.OTHER
    )
    weight = models.PositiveSmallIntegerField(_("重み"), default=1, validators=[MaxValueValidator(100)])
    guidance = models.TextField(_("採点の目安（1〜5）"), blank=True)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("評価項目")
        verbose_name_plural = _("評価項目")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reviews:rubric")


class Evaluation(BusinessModel):
    """The result of a system evaluation (C case): weighted score, disposition, improvement proposals."""

    case = models.OneToOneField(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="evaluation"
    )
    score = models.DecimalField(
        _("評点"), max_digits=4, decimal_places=2, null=True, blank=True, editable=False
    )
    disposition = models.CharField(_("評価結果"), max_length=20, choices=Disposition.choices, blank=True)
    summary = models.TextField(_("総評"), blank=True)

    division_path = "case__division"

    class Meta:
        ordering = ["-case__fiscal_year", "case"]
        verbose_name = _("システム評価")
        verbose_name_plural = _("システム評価")

    def __str__(self) -> str:
        return str(self.case)

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url() + "#evaluation"

    def changelog_related(self):
        return [self.case, *_systems_of(self.case)]


class EvaluationScore(BusinessModel):
    """The score (1–5) of one rubric criterion in one evaluation, with the reviewer's note."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("システム評価"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(RubricCriterion, verbose_name=_("評価項目"), on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField(
        _("点数"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.CharField(_("所見"), max_length=500, blank=True)

    division_path = "evaluation__case__division"

    class Meta:
        ordering = ["evaluation", "criterion__order"]
        verbose_name = _("評価点")
        verbose_name_plural = _("評価点")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="review_score_unique"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="review_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} {self.score}"

    def get_absolute_url(self) -> str:
        return self.evaluation.get_absolute_url()


class Proposal(BusinessModel):
    """An improvement proposal (A) for a system, followed up until done — and checked on the system's
    next pre-budget review (「改善結果を予算要求前審査で確認」)."""

    system = models.ForeignKey(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="proposals"
    )
    source_case = models.ForeignKey(
        ReviewCase,
        verbose_name=_("提案元の審査"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    source_journal = models.OneToOneField(
        JournalEntry,
        verbose_name=_("提案元のカルテ記録"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("提案"), max_length=200)
    detail = models.TextField(_("内容"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_fiscal_year = models.PositiveIntegerField(_("対応期限年度"))
    expected_saving = models.BigIntegerField(
        _("削減見込額(円/年)"), default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("状況"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.TODO, db_index=True
    )
    evidence = models.TextField(_("対応の根拠・結果"), blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["due_fiscal_year", "system", "id"]
        verbose_name = _("改善提案")
        verbose_name_plural = _("改善提案")
        constraints = [
            models.CheckConstraint(condition=Q(expected_saving__gte=0), name="review_proposal_saving_gte_0"),
            models.CheckConstraint(
                condition=Q(due_fiscal_year__gte=FY_MIN, due_fiscal_year__lte=FY_MAX),
                name="review_proposal_fy_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:proposal_detail", args=[self.pk])

    def changelog_related(self):
        return [self.system]


class ProposalCheck(BusinessModel):
    """On a P case: whether an open proposal of the system was addressed (the reviewer's record)."""

    case = models.ForeignKey(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="checks"
    )
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("改善提案"), on_delete=models.CASCADE, related_name="checks"
    )
    addressed = models.BooleanField(_("対応済み"), null=True, blank=True)
    note = models.CharField(_("確認結果"), max_length=500, blank=True)

    division_path = "case__division"

    class Meta:
        ordering = ["case", "proposal"]
        verbose_name = _("改善提案の確認")
        verbose_name_plural = _("改善提案の確認")
        constraints = [models.UniqueConstraint(fields=["case", "proposal"], name="review_check_unique")]

    def __str__(self) -> str:
        return f"{self.case} {self.proposal.title}"

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url() + "#proposals"

    def changelog_related(self):
        return [self.case]


class EvaluationPlanItem(BusinessModel):
    """A system due for evaluation (C) in a fiscal year: the year's evaluation plan."""

    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    system = models.ForeignKey(System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("選定理由"), max_length=200, blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["fiscal_year", "system"]
        verbose_name = _("評価計画")
        verbose_name_plural = _("評価計画")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "system"], name="review_plan_unique"),
            _fy_check("review_plan_fy_range"),
        ]

    def __str__(self) -> str:
        return f"{fy_text(self.fiscal_year, style='wareki')} {self.system}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:plan") + f"?fiscal_year={self.fiscal_year}"
