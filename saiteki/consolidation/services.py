"""Writes of the consolidation planner: start a run, execute it (in the worker), adopt its plan.

Host models and scenarios are plain master-data CRUD through the generic views (which log every
change); what is more than CRUD lives here.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.consolidation import inputs, planning
from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.choices import OPEN_STATES, RunStatus
from saiteki.consolidation.inputs import BuiltInputs
from saiteki.consolidation.models import Scenario, ScenarioRun
from saiteki.consolidation.savings import compute_savings
from saiteki.consolidation.waves import plan_waves, waves_from_plan
from saiteki.core import permissions as perms
from saiteki.core.context import change_context
from saiteki.core.display import datetime_text
from saiteki.core.errors import PermissionDeniedError, ValidationFailed
from saiteki.core.fiscal import fiscal_year_label
from saiteki.core.jobs import job_enqueue
from saiteki.core.models import JournalEntry
from saiteki.core.services import job_finish, journal_entry_create
from saiteki.ledger.models import System

JOB_KIND = "consolidation.run"

Report = Callable[[int, str], None]


def _require_admin_write(user, model) -> None:
    if not perms.can(user, perms.ADD, model):
        raise PermissionDeniedError(_("集約計算を実行する権限がありません（情報政策課の管理者のみ）。"))


def run_inputs(built: BuiltInputs) -> dict:
    """What the engine is given: the optimizer's scenario, plus the planner's problem for a plan over
    fiscal years (the descriptive lists stay in the snapshot)."""
    data = built.scenario.to_dict()
    if built.planner is not None:
        data["planner"] = {k: v for k, v in built.planner.items() if k not in ("outside", "existing_hosts")}
    return data


@transaction.atomic
def scenario_run_create(*, scenario: Scenario, user, built: BuiltInputs | None = None) -> ScenarioRun:
    """Record a queued run with the ledger snapshot taken now (what the user saw when clicking)."""
    _require_admin_write(user, ScenarioRun)
    built = built or inputs.build_inputs(scenario)
    locked = Scenario.objects.select_for_update().get(pk=scenario.pk)  # serialises run numbering
    number = (locked.runs.aggregate(n=Max("number"))["n"] or 0) + 1
    run = ScenarioRun(
        scenario=locked,
        number=number,
        status=RunStatus.QUEUED,
        optimizer_version=inputs.optimizer_version(),
        seed=scenario.seed,
        time_limit_s=scenario.time_limit_s,
        parameters=built.settings,
        inputs=run_inputs(built),
        snapshot=built.snapshot,
        machine_count=built.machine_count,
        current_units=inputs.decimal_units(built.snapshot["units"]),
        created_by=user,
    )
    run.full_clean()
    with change_context(user=user):
        run.save()
    return run


def scenario_run_start(*, scenario: Scenario, user) -> ScenarioRun:
    """Build the inputs from the ledger, record the run and queue it for the worker.

    Input problems (nothing selected, a machine larger than any host can take) are refused here with a
    Japanese message and nothing is recorded, rather than failing later in the background.
    """
    _require_admin_write(user, ScenarioRun)
    built = inputs.build_inputs(scenario)
    with transaction.atomic():
        run = scenario_run_create(scenario=scenario, user=user, built=built)
        job = job_enqueue(
            kind=JOB_KIND,
            title=_("サーバ集約の計算: %(name)s（第%(n)d回）") % {"name": scenario.name, "n": run.number},
            params={"run_id": run.pk},
            user=user,
        )
        ScenarioRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
    return run


#: Stage keys of the multi-year planner → what the progress bar says.
STAGE_MESSAGES = {
    "single_packing": gettext_lazy("全機器を一度に配置した場合を計算しています"),
    "staged": gettext_lazy("年度ごとの移行と購入を計算しています"),
    "staged_lasting": gettext_lazy("保守期限まで使える既存ホストだけを使う案を計算しています"),
    "verify": gettext_lazy("各年度の配置を独立した検証器で確認しています"),
    "fits_now": gettext_lazy("いま既存ホストに載せられる候補を確認しています"),
}
#: How often the worker records that the run is alive, and checks whether it was cancelled.
HEARTBEAT_SECONDS = 5.0
CANCEL_CHECK_SECONDS = 1.0


def _compute(run: ScenarioRun, stage: dict, stop: threading.Event) -> dict:
    """Everything a run computes, from its stored documents only (no database): the placement or the
    multi-year plan, the independent check, savings and waves. Runs in the supervised thread."""
    if "planner" in run.inputs:
        problem = planning.PlanProblem.from_dicts(run.inputs, run.inputs["planner"])

        def report(pct: int, key: str) -> None:
            stage["pct"], stage["key"] = pct, key

        planned = planning.plan(problem, report=report, should_stop=stop.is_set)
        result_dict = planning.final_result(problem, planned)
        checks = opt.check(opt.Scenario.from_dict(run.inputs), opt.PlacementResult.from_dict(result_dict))
        result_dict["rules"] = [c.to_dict() for c in checks]
        savings = compute_savings(
            settings=run.parameters,
            snapshot=run.snapshot,
            hosts=planned["new_hosts"],
            machine_count=int(run.snapshot.get("candidate_count", run.machine_count)),
        )
        waves = waves_from_plan(
            settings=run.parameters, snapshot=run.snapshot, plan=planned, result=result_dict
        )
        return {
            "result": result_dict,
            "savings": savings,
            "waves": waves,
            "plan": planned,
            "hosts_used": planned["final_hosts"],
            "lower_bound": planned["lower_bound"],
            "optimal": planned["final_hosts"] <= planned["lower_bound"],
            "feasible": planned["feasible"] and all(c.passed for c in checks),
            "solver_seconds": round(planned["seconds"], 3),
            "new_hosts": planned["new_hosts"],
            "plan_cost": planned["total_cost"],
            "single_shot_cost": planned["single_shot"]["total_cost"],
        }
    scenario = opt.Scenario.from_dict(run.inputs)
    result = opt.solve(scenario, should_stop=stop.is_set)
    stage["key"] = "check"
    checks = opt.check(scenario, result)
    result_dict = result.to_dict()
    result_dict["rules"] = [c.to_dict() for c in checks]
    return {
        "result": result_dict,
        "savings": compute_savings(
            settings=run.parameters,
            snapshot=run.snapshot,
            hosts=result.hosts_used,
            machine_count=run.machine_count,
        ),
        "waves": plan_waves(settings=run.parameters, snapshot=run.snapshot, result=result_dict),
        "plan": None,
        "hosts_used": result.hosts_used,
        "lower_bound": result.lower_bound,
        "optimal": result.optimal,
        "feasible": all(c.passed for c in checks),
        "solver_seconds": round(result.seconds, 3),
        "new_hosts": result.hosts_used,
        "plan_cost": None,
        "single_shot_cost": None,
    }


def _supervise(run: ScenarioRun, report: Report | None) -> dict | None:
    """Compute in a helper thread while this thread reports progress, records the heartbeat the reaper
    reads, and watches for cancellation. Returns None when the run was cancelled meanwhile.

    The engine has no progress callback but is anytime and stops at its time limit, so elapsed ÷ limit
    is an honest progress measure. Only this thread touches the database.
    """
    box: dict = {}
    stage: dict = {"pct": 0, "key": ""}
    stop = threading.Event()

    def target() -> None:
        try:
            box["outcome"] = _compute(run, stage, stop)
        except BaseException as exc:  # noqa: BLE001 - handed back to the calling thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="consolidation-solve", daemon=True)
    t0 = time.monotonic()
    worker.start()
    limit = max(float(run.time_limit_s), 0.1)
    beat = cancel_check = t0
    while worker.is_alive():
        worker.join(timeout=0.5)
        now = time.monotonic()
        if now - beat >= HEARTBEAT_SECONDS:
            ScenarioRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
            beat = now
        if now - cancel_check >= CANCEL_CHECK_SECONDS:
            cancel_check = now
            if ScenarioRun.objects.filter(pk=run.pk).exclude(status=RunStatus.RUNNING).exists():
                stop.set()  # every search in the worker thread ends at its next check (optimizer.stop)
                worker.join(timeout=2.0)
                return None
        if report:
            elapsed = now - t0
            if stage["key"] in STAGE_MESSAGES:
                message = _("%(stage)s（%(s).0f秒経過）") % {
                    "stage": STAGE_MESSAGES[stage["key"]],
                    "s": elapsed,
                }
                pct = 10 + int(80 * max(stage["pct"] / 100.0, min(1.0, elapsed / (limit * 1.3))))
            else:
                message = _("最適化の計算中（%(s).0f秒経過／上限%(limit).0f秒）") % {
                    "s": elapsed,
                    "limit": limit,
                }
                pct = 10 + int(80 * min(1.0, elapsed / limit))
            report(min(pct, 95), message)
    if "error" in box:
        error = box["error"]
        if isinstance(error, opt.Cancelled):  # planning.PlanCancelled is one too
            return None
        raise error
    return box["outcome"]


def _fail(run_id: int, message: str) -> None:
    """Record the failure, unless the run was cancelled or reaped meanwhile (first word stands)."""
    with transaction.atomic():
        run = ScenarioRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            return
        run.status = RunStatus.FAILED
        run.error = message[:4000]
        run.finished_at = timezone.now()
        run.save()


def scenario_run_execute(*, run_id: int, report: Report | None = None) -> dict:
    """Solve a queued run, check the placement independently, compute savings and waves (and, for a
    plan over fiscal years, the plan), store all.

    Called by the worker (job kind ``consolidation.run``) and synchronously by the demo loader. A run
    that is not queued any more is left alone (a re-delivered task must not solve twice; a cancelled
    run is not started). A run cancelled or reaped while it computed keeps that status.
    """
    run = ScenarioRun.objects.select_related("scenario").get(pk=run_id)
    done = {"url": run.get_absolute_url(), "run_id": run.pk}
    started = timezone.now()
    claimed = ScenarioRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=started, heartbeat_at=started
    )
    if not claimed:
        run.refresh_from_db()
        return {**done, "status": run.status}
    if report:
        report(5, _("入力を読み込みました（機器%(n)d台）") % {"n": run.machine_count})
    try:
        outcome = _supervise(run, report)
    except opt.ScenarioError as exc:
        _fail(run.pk, _("この条件を満たす配置はありません（%(detail)s）。") % {"detail": exc})
        raise ValidationFailed(_("この条件を満たす配置はありません。")) from exc
    except Exception as exc:
        _fail(run.pk, _("計算中にエラーが発生しました: %(error)s") % {"error": exc})
        raise
    if outcome is None:
        return {**done, "status": RunStatus.CANCELLED}
    with transaction.atomic():
        run = ScenarioRun.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.RUNNING:  # cancelled or reaped while computing: first word stands
            return {**done, "status": run.status}
        run.status = RunStatus.SUCCEEDED
        run.started_at = started
        for name in (
            "result",
            "savings",
            "waves",
            "plan",
            "hosts_used",
            "lower_bound",
            "optimal",
            "feasible",
            "solver_seconds",
            "new_hosts",
            "plan_cost",
            "single_shot_cost",
        ):
            setattr(run, name, outcome[name])
        run.finished_at = timezone.now()
        run.save()
    if report:
        report(100, _("完了: ホスト%(n)d台") % {"n": outcome["hosts_used"]})
    return {**done, "hosts_used": outcome["hosts_used"]}


# --- Operations: cancel, reaper ---------------------------------------------------------------------


def scenario_run_cancel(*, run: ScenarioRun, user, reason: str = "") -> ScenarioRun:
    """Cancel a queued or running run (IT policy admins). A queued run is never started; a running one
    stops within about a second: the supervising thread sees the status and asks the solver thread to
    stop, which every search loop checks (``optimizer.stop``), native solvers included."""
    if not perms.can(user, perms.CHANGE, run):
        raise PermissionDeniedError(_("計算を取り消す権限がありません（情報政策課の管理者のみ）。"))
    with transaction.atomic():
        run = ScenarioRun.objects.select_for_update().get(pk=run.pk)
        if run.status not in OPEN_STATES:
            raise ValidationFailed(_("待機中または実行中の計算だけを取り消せます。"))
        run.status = RunStatus.CANCELLED
        run.cancelled_at = run.finished_at = timezone.now()
        run.cancelled_by = user
        run.error = _("%(user)sが取り消しました。") % {"user": user} + (f"\n{reason}" if reason else "")
        with change_context(user=user, reason=reason or _("集約計算の取消")):
            run.save()
        if run.job is not None and not run.job.is_finished:
            job_finish(job_id=run.job_id, error=_("取り消されました。"))
    return run


#: A running run whose worker has not reported for this long is considered dead.
STALE_SECONDS = 180


def runs_reap(*, now=None) -> list[int]:
    """Mark runs whose worker died as failed, with a Japanese message (the scheduled 「集約計算の点検」).

    A run is dead when it is running but its heartbeat (written every few seconds while it computes) is
    older than :data:`STALE_SECONDS`, or when its background job has already ended without the run
    ending. The job record is closed too, so the progress bar stops. Returns the ids reaped.
    """
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=STALE_SECONDS)
    candidates = ScenarioRun.objects.filter(status__in=OPEN_STATES).select_related("job")
    reaped: list[int] = []
    for run in candidates:
        last = run.heartbeat_at or run.started_at or run.created_at
        job_ended = run.job is not None and run.job.is_finished
        stale = run.status == RunStatus.RUNNING and last < limit
        if not (stale or job_ended):
            continue
        if stale:
            message = _(
                "計算処理から%(m)d分以上応答がないため、失敗として記録しました（最終応答: %(at)s）。"
                "バックグラウンド処理のワーカーが停止した可能性があります。もう一度実行してください。"
            ) % {"m": STALE_SECONDS // 60, "at": datetime_text(timezone.localtime(last))}
        else:
            message = _(
                "バックグラウンド処理が計算を終えないまま終了したため、失敗として記録しました。"
                "もう一度実行してください。"
            )
        with transaction.atomic():
            locked = ScenarioRun.objects.select_for_update().get(pk=run.pk)
            if locked.status not in OPEN_STATES:
                continue
            locked.status = RunStatus.FAILED
            locked.error = message
            locked.finished_at = now
            with change_context(user=None, reason=_("集約計算の点検（応答のない計算を失敗として記録）")):
                locked.save()
            if run.job_id and not job_ended:
                job_finish(job_id=run.job_id, error=message)
        reaped.append(run.pk)
    return reaped


def _adoption_body(run: ScenarioRun, system: dict) -> str:
    from saiteki.consolidation.selectors import host_label

    result = run.result
    assert result is not None  # only a succeeded run is adopted
    hosts = result["hosts"]
    bought = {h["key"]: h.get("from_fy") for h in (run.plan or {}).get("hosts", [])}
    lines = [
        _("集約シナリオ「%(name)s」第%(n)d回の計算結果を計画として採用しました。")
        % {"name": run.scenario.name, "n": run.number},
        _("移行年度: %(fy)s（理由: %(reason)s%(date)s）")
        % {
            "fy": fiscal_year_label(system["fy"]),
            "reason": _trigger_label(system["trigger"]),
            "date": f" {system['date']}" if system.get("date") else "",
        },
    ]
    for mid in system["machines"]:
        k = result["placement"].get(mid)
        if k is None:
            continue
        host = hosts[k]
        label = host_label(host)
        if bought.get(host["host_id"]):
            label += _("（%(fy)s購入）") % {"fy": fiscal_year_label(bought[host["host_id"]])}
        lines.append(_("・%(machine)s → %(host)s") % {"machine": mid, "host": label})
    if run.plan:
        lines.append(
            _(
                "計画全体（%(first)s〜%(last)s）: 新ホスト%(new)d台を購入、最終年度のホスト%(h)d台（下限%(lb)d台）。"
            )
            % {
                "first": fiscal_year_label(run.plan["start"]),
                "last": fiscal_year_label(run.plan["end"]),
                "new": run.new_hosts or 0,
                "h": run.hosts_used,
                "lb": run.lower_bound,
            }
        )
    else:
        lines.append(
            _("計画全体: 機器%(m)d台を新ホスト%(h)d台へ（下限%(lb)d台）。")
            % {"m": run.machine_count, "h": run.hosts_used, "lb": run.lower_bound}
        )
    return "\n".join(lines)


def _trigger_label(trigger: str) -> str:
    from saiteki.consolidation.waves import TRIGGER_LABELS

    return str(TRIGGER_LABELS.get(trigger, trigger))


@transaction.atomic
def scenario_run_adopt(*, run: ScenarioRun, user, reason: str = "") -> int:
    """Adopt a run's plan: a 提案 (proposal) karte entry on every affected system, all or nothing.

    Only a successful, rule-satisfying run may be adopted, and one plan per scenario (the database
    enforces it too). Returns the number of karte entries written.
    """
    if not perms.can(user, perms.CHANGE, run):
        raise PermissionDeniedError(_("計画を採用する権限がありません（情報政策課の管理者のみ）。"))
    run = ScenarioRun.objects.select_for_update().select_related("scenario").get(pk=run.pk)
    if run.status != RunStatus.SUCCEEDED or not run.feasible:
        raise ValidationFailed(_("完了し、すべての規則を満たした計算結果だけを採用できます。"))
    if run.adopted_at is not None:
        raise ValidationFailed(_("この計算結果はすでに採用されています。"))
    if ScenarioRun.objects.filter(scenario=run.scenario, adopted_at__isnull=False).exists():
        raise ValidationFailed(_("このシナリオには採用済みの計画があります。"))
    today = timezone.localdate()
    wave_systems = (run.waves or {}).get("systems", [])
    existing = System.objects.in_bulk([s["system_id"] for s in wave_systems])
    written = 0
    with change_context(user=user, reason=reason or _("集約計画の採用")):
        for entry in wave_systems:
            system = existing.get(entry["system_id"])
            if system is None:  # retired and deleted since the run: nothing to annotate
                continue
            journal_entry_create(
                obj=system,
                author=user,
                kind=JournalEntry.Kind.PROPOSAL,
                date=today,
                title=(
                    _("サーバ集約計画: %(fy)sに集約先ホストへ移行") % {"fy": fiscal_year_label(entry["fy"])}
                )[:200],
                body=_adoption_body(run, entry),
            )
            written += 1
        run.adopted_at = timezone.now()
        run.adopted_by = user
        run.save()
    return written


# --- Budget request → a draft P review case ------------------------------------------------------------


def budget_case_name(run: ScenarioRun) -> str:
    """The planned-system name a plan's budget cases carry (finds an existing draft again)."""
    return (_("サーバ集約: %(name)s") % {"name": run.scenario.name})[:200]


def budget_case_create(*, run: ScenarioRun, fiscal_year: int, user):
    """Open a draft 予算要求前審査 (P) case for one fiscal year of a plan, its requested amounts per C3
    category prefilled from the plan — through the reviews app's own service, which checks who may open
    a case for which division. Returns ``(case, created)``; a case already opened for this plan and
    year is returned instead of a second one."""
    from django.apps import apps

    if not apps.is_installed("saiteki.reviews"):
        raise ValidationFailed(_("審査の機能が有効になっていません。"))
    from saiteki.consolidation.selectors import budget_rows
    from saiteki.reviews import services as review_services
    from saiteki.reviews.choices import CaseKind
    from saiteki.reviews.models import ReviewCase

    if run.status != RunStatus.SUCCEEDED or not run.plan:
        raise ValidationFailed(_("年度別の計画が完了した計算結果だけから予算要求を作成できます。"))
    rows = {r["fy"]: r for r in budget_rows(run)}
    row = rows.get(fiscal_year)
    if row is None or not row["total"]:
        raise ValidationFailed(_("この年度の要求額はありません。"))
    name = budget_case_name(run)
    existing = ReviewCase.objects.filter(
        kind=CaseKind.PRE_BUDGET, fiscal_year=fiscal_year, planned_system_name=name
    ).first()
    if existing is not None:
        return existing, False
    summary = "\n".join(
        [
            _("集約シナリオ「%(name)s」第%(n)d回の年度別計画から作成した予算要求です。")
            % {"name": run.scenario.name, "n": run.number},
            _("%(fy)s: 新ホスト%(bought)d台の購入、稼働ホスト%(hosts)d台、移行する機器%(moved)d台。")
            % {
                "fy": fiscal_year_label(fiscal_year),
                "bought": row["bought"],
                "hosts": row["hosts_in_service"],
                "moved": row["moved"],
            },
            run.get_absolute_url(),
        ]
    )
    case = review_services.case_create(
        user=user,
        kind=CaseKind.PRE_BUDGET,
        fiscal_year=fiscal_year,
        planned_system_name=name,
        division=getattr(user, "current_division", None),
        title=(_("共通基盤の整備・運用（%(name)s）") % {"name": run.scenario.name})[:200],
        summary=summary,
        requested={c: a for c, a in row["categories"].items() if a},
        reason=_("集約計画の予算要求から作成"),
    )
    return case, True
