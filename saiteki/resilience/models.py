"""Resilience and security compliance (SPEC C10; Okayama 3.1.1–3.1.3, Mie ICT-BCP and security).

* :class:`BackupStandard` — the prefecture-wide backup and restore standard, one row per data
  importance (master data: only admins write, every change logged).
* :class:`BackupPractice` — what a system really does (answered by its owners); compliance is computed
  from it against the standard (:mod:`saiteki.resilience.compliance`), never stored, so a standard
  change or a restore test that ages past its interval shows at once.
* :class:`RestoreTest` — the log of restore tests; a successful one moves the practice's date.
* :class:`BcpProfile` — a system's ICT-BCP: priority rank, RTO/RPO, the 非常時優先業務 it supports and
  the systems it depends on (so the order of recovery, :mod:`saiteki.resilience.recovery`).
* :class:`BcpDocument` — the plans and procedures themselves (files).
* :class:`BcpDrill` / :class:`DrillAction` — drills, their findings and follow-up actions.
* :class:`SecurityIncident` — information-security incidents (restricted when personal data is involved).
* :class:`EmailDrill` / :class:`EmailDrillResult` — targeted-attack e-mail drills, results by 部局.
* :class:`TrainingSession` — training sessions with their attendance.
* :class:`NetworkSeparation` — which network-separation model (α/α'/β/β') is in force from when.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core.models import BusinessModel
from saiteki.ledger.models import System

from .choices import (
    ActionStatus,
    BackupFrequency,
    BcpDocumentKind,
    DataImportance,
    DrillKind,
    IncidentKind,
    IncidentStatus,
    PriorityRank,
    RestoreResult,
    SeparationModel,
    Severity,
    TrainingKind,
)
from .querysets import DocumentQuerySet, IncidentQuerySet


def _not_future(value: datetime.date | None, field: str, message) -> None:
    if value is not None and value > datetime.date.today():
        raise ValidationError({field: message})


# --- Backup ------------------------------------------------------------------------------------------------


class BackupStandard(BusinessModel):
    """What the standard requires of a system whose data has this importance (Okayama 3.1.2 ア)."""

    importance = models.PositiveSmallIntegerField(
        _("データの重要度"), choices=DataImportance.choices, unique=True
    )
    frequency = models.CharField(
        _("必要な取得頻度"), max_length=20, choices=BackupFrequency.choices, default=BackupFrequency.DAILY
    )
    generations = models.PositiveSmallIntegerField(
        _("必要な保管世代数"), default=1, help_text=_("保管しておくバックアップの世代数の下限。")
    )
    offsite_required = models.BooleanField(
        _("遠隔地保管が必要"),
        default=False,
        help_text=_("庁舎外（データセンター、別庁舎、クラウド等）への保管。"),
    )
    offline_required = models.BooleanField(
        _("オフライン・改ざん防止コピーが必要"),
        default=False,
        help_text=_(
            "ネットワークから切り離した媒体、または書き換えできない（イミュータブル）保管。ランサムウェア対策。"
        ),
    )
    restore_test_months = models.PositiveSmallIntegerField(
        _("リストア試験の間隔（月）"),
        default=12,
        help_text=_("0は不要。直近この月数以内に成功した試験が必要。"),
    )
    note = models.CharField(_("備考"), max_length=300, blank=True)

    class Meta:
        ordering = ["-importance"]
        verbose_name = _("バックアップ基準")
        verbose_name_plural = _("バックアップ基準")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(importance__gte=1, importance__lte=3),
                name="resilience_standard_importance",
            ),
            models.CheckConstraint(
                condition=models.Q(generations__lte=400), name="resilience_standard_generations"
            ),
            models.CheckConstraint(
                condition=models.Q(restore_test_months__lte=120), name="resilience_standard_restore_months"
            ),
        ]

    def __str__(self) -> str:
        return str(_("重要度「%(level)s」のバックアップ基準") % {"level": self.get_importance_display()})

    def get_absolute_url(self) -> str:
        return reverse("resilience:backupstandard_detail", args=[self.pk])


class BackupPractice(BusinessModel):
    """How a system is actually backed up (the owners' answer)."""

    system = models.OneToOneField(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="backup_practice"
    )
    frequency = models.CharField(
        _("取得頻度"), max_length=20, choices=BackupFrequency.choices, default=BackupFrequency.NONE
    )
    generations = models.PositiveSmallIntegerField(_("保管世代数"), default=0)
    offsite_location = models.CharField(
        _("遠隔地の保管先"),
        max_length=200,
        blank=True,
        help_text=_("庁舎外の保管先（データセンター名、クラウド等）。庁舎内だけの場合は空欄。"),
    )
    offline_copy = models.BooleanField(_("オフライン・改ざん防止コピー"), default=False)
    last_restore_test = models.DateField(
        _("最終リストア試験日"), null=True, blank=True, help_text=_("成功したリストア試験の直近の日付。")
    )
    note = models.CharField(_("備考"), max_length=300, blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["system__number"]
        verbose_name = _("バックアップ実施状況")
        verbose_name_plural = _("バックアップ実施状況")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(generations__lte=400), name="resilience_practice_generations"
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(system)s のバックアップ") % {"system": self.system})

    def get_absolute_url(self) -> str:
        return reverse("ledger:system_detail", args=[self.system_id]) + "?tab=bcp"

    def changelog_related(self):
        return [self.system]

    def clean(self):
        self.offsite_location = (self.offsite_location or "").strip()
        errors = {}
        if self.frequency != BackupFrequency.NONE and not self.generations:
            errors["generations"] = _("バックアップを取得している場合は保管世代数を1以上にしてください。")
        if self.last_restore_test is not None and self.last_restore_test > datetime.date.today():
            errors["last_restore_test"] = _("未来の日付は入力できません。")
        if errors:
            raise ValidationError(errors)


class RestoreTest(BusinessModel):
    """One restore test of a system's backup (the log behind the practice's last test date)."""

    system = models.ForeignKey(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="restore_tests"
    )
    tested_on = models.DateField(_("実施日"))
    result = models.CharField(
        _("結果"), max_length=10, choices=RestoreResult.choices, default=RestoreResult.SUCCESS
    )
    scope = models.CharField(
        _("対象・範囲"), max_length=200, blank=True, help_text=_("例: 業務DB全体を検証環境へ復元")
    )
    duration_minutes = models.PositiveIntegerField(_("所要時間（分）"), null=True, blank=True)
    note = models.CharField(_("備考"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("記録者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    division_path = "system__owning_division"

    class Meta:
        ordering = ["-tested_on", "-id"]
        verbose_name = _("リストア試験")
        verbose_name_plural = _("リストア試験")

    def __str__(self) -> str:
        return f"{self.system.number} {self.tested_on} {self.get_result_display()}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:system_detail", args=[self.system_id]) + "?tab=bcp"

    def changelog_related(self):
        return [self.system]

    def clean(self):
        _not_future(self.tested_on, "tested_on", _("未来の日付は入力できません。"))


# --- ICT-BCP -----------------------------------------------------------------------------------------------


class BcpProfile(BusinessModel):
    """A system's place in the ICT-BCP: how urgent, how much loss is tolerable, what it needs first."""

    system = models.OneToOneField(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="bcp"
    )
    rank = models.CharField(_("優先度"), max_length=1, choices=PriorityRank.choices, default=PriorityRank.C)
    rto_hours = models.PositiveIntegerField(
        _("目標復旧時間（RTO・時間）"), help_text=_("停止してから業務を再開するまでに許される時間。")
    )
    rpo_hours = models.PositiveIntegerField(
        _("目標復旧時点（RPO・時間）"),
        help_text=_("復旧時に失ってもよいデータの時間幅（何時間前の状態に戻せればよいか）。"),
    )
    priority_business = models.CharField(
        _("支える非常時優先業務"),
        max_length=300,
        blank=True,
        help_text=_("大規模災害時にも継続・早期復旧すべき業務。"),
    )
    depends_on = models.ManyToManyField(
        System,
        verbose_name=_("依存するシステム"),
        blank=True,
        related_name="bcp_dependents",
        help_text=_("このシステムより先に復旧している必要があるシステム（共通基盤、ネットワーク、認証等）。"),
    )
    workaround = models.TextField(_("停止時の代替手段"), blank=True)
    note = models.CharField(_("備考"), max_length=300, blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["rank", "rto_hours", "system__number"]
        verbose_name = _("ICT-BCP（システム別）")
        verbose_name_plural = _("ICT-BCP（システム別）")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rank__in=["A", "B", "C", "D"]), name="resilience_bcp_rank"
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(system)s のICT-BCP") % {"system": self.system})

    def get_absolute_url(self) -> str:
        return reverse("resilience:bcpprofile_detail", args=[self.pk])

    def changelog_related(self):
        return [self.system]


def bcp_document_upload_to(instance: BcpDocument, filename: str) -> str:
    return f"resilience/bcp/{datetime.date.today():%Y}/{filename}"


class BcpDocument(BusinessModel):
    """A plan, procedure or contact list of the ICT-BCP. Without systems it is prefecture-wide (every
    role reads it; only admins change it)."""

    title = models.CharField(_("文書名"), max_length=200)
    kind = models.CharField(
        _("種類"), max_length=20, choices=BcpDocumentKind.choices, default=BcpDocumentKind.PLAN
    )
    edition = models.CharField(_("版"), max_length=50, blank=True, help_text=_("例: 第3版"))
    issued_on = models.DateField(_("策定・改定日"), null=True, blank=True)
    systems = models.ManyToManyField(
        System,
        verbose_name=_("対象システム"),
        blank=True,
        related_name="bcp_documents",
        help_text=_("空欄の場合は全庁の文書になります（管理者のみ）。"),
    )
    file = models.FileField(_("ファイル"), upload_to=bcp_document_upload_to, blank=True)
    file_name = models.CharField(_("ファイル名"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)
    sha256 = models.CharField(
        _("ファイルのハッシュ値（SHA-256）"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("差し替えの記録用。同じ名前のファイルに差し替えても変更履歴に残ります。"),
    )
    note = models.CharField(_("備考"), max_length=300, blank=True)

    division_path = "systems__owning_division"
    changelog_exclude = ("created_at", "updated_at", "version", "file")

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "title"]
        verbose_name = _("ICT-BCP文書")
        verbose_name_plural = _("ICT-BCP文書")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resilience:bcpdocument_detail", args=[self.pk])

    def changelog_related(self):
        return list(self.systems.all()) if self.pk else []


class BcpDrill(BusinessModel):
    """An ICT-BCP drill (Okayama 3.1.1: at least once a year) with what it revealed."""

    held_on = models.DateField(_("実施日"))
    title = models.CharField(_("訓練名"), max_length=200)
    kind = models.CharField(
        _("訓練の種類"), max_length=20, choices=DrillKind.choices, default=DrillKind.TABLETOP
    )
    scenario = models.TextField(_("想定（シナリオ）"), blank=True)
    participants = models.CharField(
        _("参加者"), max_length=300, blank=True, help_text=_("参加した所属・事業者など。")
    )
    participant_count = models.PositiveIntegerField(_("参加人数"), default=0)
    systems = models.ManyToManyField(
        System, verbose_name=_("対象システム"), blank=True, related_name="bcp_drills"
    )
    findings = models.TextField(_("判明した課題"), blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("ICT-BCP訓練")
        verbose_name_plural = _("ICT-BCP訓練")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resilience:bcpdrill_detail", args=[self.pk])

    def clean(self):
        _not_future(self.held_on, "held_on", _("未実施の訓練は登録できません（実施日は本日以前）。"))


class DrillAction(BusinessModel):
    """A follow-up action decided after a drill, tracked to completion."""

    drill = models.ForeignKey(
        BcpDrill, verbose_name=_("訓練"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("改善策"), max_length=300)
    responsible = models.CharField(_("担当"), max_length=100, blank=True)
    due = models.DateField(_("期限"), null=True, blank=True)
    status = models.CharField(
        _("状況"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_on = models.DateField(_("完了日"), null=True, blank=True)

    class Meta:
        ordering = ["drill", "id"]
        verbose_name = _("訓練の改善策")
        verbose_name_plural = _("訓練の改善策")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(completed_on__isnull=False),
                name="resilience_action_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return reverse("resilience:bcpdrill_detail", args=[self.drill_id])

    def changelog_related(self):
        return [self.drill]

    def clean(self):
        if self.status == ActionStatus.DONE and self.completed_on is None:
            raise ValidationError({"completed_on": _("完了にする場合は完了日を入力してください。")})
        if self.status != ActionStatus.DONE:
            self.completed_on = None


# --- Security ----------------------------------------------------------------------------------------------


class SecurityIncident(BusinessModel):
    """An information-security incident (Okayama 3.1.3: target 0 a year).

    Owners record and see the incidents of their own systems; an incident involving personal data is
    hidden from roles without the right to read every incident (see ``selectors.incidents_visible``)."""

    occurred_on = models.DateField(_("発生日"))
    title = models.CharField(_("件名"), max_length=200)
    kind = models.CharField(_("種類"), max_length=30, choices=IncidentKind.choices)
    severity = models.CharField(_("重大度"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    systems = models.ManyToManyField(
        System, verbose_name=_("関係システム"), blank=True, related_name="security_incidents"
    )
    personal_data = models.BooleanField(_("個人情報を含む"), default=False)
    affected_count = models.PositiveIntegerField(
        _("影響件数"), null=True, blank=True, help_text=_("影響を受けた人数・件数。")
    )
    status = models.CharField(
        _("対応状況"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    summary = models.TextField(_("概要"), blank=True)
    measures = models.TextField(_("対応・再発防止策"), blank=True)
    closed_on = models.DateField(_("完了日"), null=True, blank=True)

    division_path = "systems__owning_division"

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("情報セキュリティ事故")
        verbose_name_plural = _("情報セキュリティ事故")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_on__isnull=False),
                name="resilience_incident_closed_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("occurred_on")),
                name="resilience_incident_closed_after_occurred",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resilience:securityincident_detail", args=[self.pk])

    def changelog_related(self):
        return list(self.systems.all()) if self.pk else []

    def clean(self):
        _not_future(self.occurred_on, "occurred_on", _("未来の日付は入力できません。"))
        if self.status == IncidentStatus.CLOSED and self.closed_on is None:
            raise ValidationError({"closed_on": _("完了にする場合は完了日を入力してください。")})
        if self.closed_on and self.occurred_on and self.closed_on < self.occurred_on:
            raise ValidationError({"closed_on": _("完了日は発生日以降にしてください。")})


class EmailDrill(BusinessModel):
    """A targeted-attack e-mail drill (標的型攻撃メール訓練): training mails sent to staff."""

    held_on = models.DateField(_("実施日"))
    title = models.CharField(
        _("訓練名"), max_length=200, unique=True, help_text=_("例: 令和8年度 第1回 標的型攻撃メール訓練")
    )
    note = models.CharField(_("備考"), max_length=300, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("標的型攻撃メール訓練")
        verbose_name_plural = _("標的型攻撃メール訓練")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resilience:emaildrill_detail", args=[self.pk])


class EmailDrillResult(BusinessModel):
    """One 部局's figures in an e-mail drill: mails sent, opened, links clicked, reported to the desk."""

    drill = models.ForeignKey(
        EmailDrill, verbose_name=_("訓練"), on_delete=models.CASCADE, related_name="results"
    )
    bureau = models.ForeignKey(
        Organization,
        verbose_name=_("部局"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.BUREAU},
    )
    sent = models.PositiveIntegerField(_("送信数"))
    opened = models.PositiveIntegerField(_("開封数"), default=0)
    clicked = models.PositiveIntegerField(
        _("クリック数"), default=0, help_text=_("本文のリンクや添付ファイルを開いた数。")
    )
    reported = models.PositiveIntegerField(
        _("報告数"), default=0, help_text=_("不審なメールとして報告した数。")
    )

    class Meta:
        ordering = ["drill", "bureau__sort_order", "bureau__code"]
        verbose_name = _("標的型攻撃メール訓練の結果")
        verbose_name_plural = _("標的型攻撃メール訓練の結果")
        constraints = [
            models.UniqueConstraint(fields=["drill", "bureau"], name="resilience_emailresult_unique"),
            models.CheckConstraint(
                condition=models.Q(opened__lte=models.F("sent")), name="resilience_email_opened_le_sent"
            ),
            models.CheckConstraint(
                condition=models.Q(clicked__lte=models.F("sent")), name="resilience_email_clicked_le_sent"
            ),
            models.CheckConstraint(
                condition=models.Q(reported__lte=models.F("sent")), name="resilience_email_reported_le_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drill} {self.bureau}"

    def get_absolute_url(self) -> str:
        return reverse("resilience:emaildrill_detail", args=[self.drill_id])

    def changelog_related(self):
        return [self.drill]

    def clean(self):
        errors = {}
        for name, label in (("opened", _("開封数")), ("clicked", _("クリック数")), ("reported", _("報告数"))):
            value = getattr(self, name)
            if value is not None and self.sent is not None and value > self.sent:
                errors[name] = _("%(what)sは送信数以下にしてください。") % {"what": label}
        if self.bureau_id and self.bureau.kind != OrganizationKind.BUREAU:
            errors["bureau"] = _("部局を選んでください。")
        if errors:
            raise ValidationError(errors)


class TrainingSession(BusinessModel):
    """A training session with its attendance (KPI: attendance up on the previous year)."""

    held_on = models.DateField(_("実施日"))
    title = models.CharField(
        _("研修名"), max_length=200, unique=True, help_text=_("例: 令和8年度 情報セキュリティ研修（第1回）")
    )
    kind = models.CharField(
        _("研修の種類"), max_length=20, choices=TrainingKind.choices, default=TrainingKind.SECURITY
    )
    target = models.CharField(_("対象者"), max_length=200, blank=True)
    attendees = models.PositiveIntegerField(_("受講者数"))
    note = models.CharField(_("備考"), max_length=300, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("研修")
        verbose_name_plural = _("研修")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resilience:trainingsession_detail", args=[self.pk])

    def clean(self):
        _not_future(self.held_on, "held_on", _("未実施の研修は登録できません（実施日は本日以前）。"))


class NetworkSeparation(BusinessModel):
    """The network-separation model in force from a date (until the next row's date)."""

    model = models.CharField(_("分離モデル"), max_length=20, choices=SeparationModel.choices)
    effective_from = models.DateField(_("適用開始日"), unique=True)
    note = models.CharField(_("備考"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("ネットワーク分離モデル")
        verbose_name_plural = _("ネットワーク分離モデル")

    def __str__(self) -> str:
        return f"{self.get_model_display()}（{self.effective_from}〜）"

    def get_absolute_url(self) -> str:
        return reverse("resilience:networkseparation_list")
