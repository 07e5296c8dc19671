"""Writes of the consolidation planner: start a run, execute it (in the worker), adopt its plan.

Host models and scenarios are plain master-data CRUD through the generic views (which log every
change); what is more than CRUD lives here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.consolidation import inputs
from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.choices import RunStatus
from saiteki.consolidation.inputs import BuiltInputs
from saiteki.consolidation.models import Scenario, ScenarioRun
from saiteki.consolidation.savings import compute_savings
from saiteki.consolidation.waves import plan_waves
from saiteki.core import permissions as perms
from saiteki.core.context import change_context
from saiteki.core.errors import PermissionDeniedError, ValidationFailed
from saiteki.core.fiscal import fiscal_year_label
from saiteki.core.jobs import job_enqueue
from saiteki.core.models import JournalEntry
from saiteki.core.services import journal_entry_create
from saiteki.ledger.models import System

JOB_KIND = "consolidation.run"

Report = Callable[[int, str], None]


def _require_admin_write(user, model) -> None:
    if not perms.can(user, perms.ADD, model):
        raise PermissionDeniedError(_("集約計算を実行する権限がありません（情報政策課の管理者のみ）。"))


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
        inputs=built.scenario.to_dict(),
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


def _solve(scenario: opt.Scenario, report: Report | None) -> opt.PlacementResult:
    """Run the optimizer; while it works, report progress by elapsed time against the time limit.

    The library's ``solve`` has no progress callback. It is anytime and stops at its time limit, so
    elapsed ÷ limit is an honest progress measure; the solver runs in a helper thread (it is pure
    Python/NumPy/OR-Tools and touches no database) while this thread updates the job record.
    """
    if report is None:
        return opt.solve(scenario)
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = opt.solve(scenario)
        except BaseException as exc:  # noqa: BLE001 - handed back to the calling thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="consolidation-solve", daemon=True)
    t0 = time.monotonic()
    worker.start()
    limit = max(scenario.time_limit, 0.1)
    while worker.is_alive():
        worker.join(timeout=0.5)
        elapsed = time.monotonic() - t0
        report(
            10 + int(80 * min(1.0, elapsed / limit)),
            _("最適化の計算中（%(s).0f秒経過／上限%(limit).0f秒）") % {"s": elapsed, "limit": limit},
        )
    if "error" in box:
        raise box["error"]
    return box["result"]


def _fail(run_id: int, message: str) -> None:
    run = ScenarioRun.objects.get(pk=run_id)
    run.status = RunStatus.FAILED
    run.error = message[:4000]
    run.finished_at = timezone.now()
    run.save()


def scenario_run_execute(*, run_id: int, report: Report | None = None) -> dict:
    """Solve a queued run, check the placement independently, compute savings and waves, store all.

    Called by the worker (job kind ``consolidation.run``) and synchronously by the demo loader. A run
    that is not queued any more is left alone (a re-delivered task must not solve twice).
    """
    run = ScenarioRun.objects.select_related("scenario").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return {"url": run.get_absolute_url(), "run_id": run.pk}
    started = timezone.now()
    ScenarioRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=started)
    if report:
        report(5, _("入力を読み込みました（機器%(n)d台）") % {"n": run.machine_count})
    try:
        scenario = opt.Scenario.from_dict(run.inputs)
        result = _solve(scenario, report)
        if report:
            report(92, _("配置を検証しています"))
        checks = opt.check(scenario, result)
        result_dict = result.to_dict()
        result_dict["rules"] = [c.to_dict() for c in checks]
        savings = compute_savings(
            settings=run.parameters,
            snapshot=run.snapshot,
            hosts=result.hosts_used,
            machine_count=run.machine_count,
        )
        waves = plan_waves(settings=run.parameters, snapshot=run.snapshot, result=result_dict)
    except opt.ScenarioError as exc:
        _fail(run.pk, _("この条件を満たす配置はありません（%(detail)s）。") % {"detail": exc})
        raise ValidationFailed(_("この条件を満たす配置はありません。")) from exc
    except Exception as exc:
        _fail(run.pk, _("計算中にエラーが発生しました: %(error)s") % {"error": exc})
        raise
    with transaction.atomic():
        run.refresh_from_db()
        run.status = RunStatus.SUCCEEDED
        run.started_at = started
        run.result = result_dict
        run.savings = savings
        run.waves = waves
        run.hosts_used = result.hosts_used
        run.lower_bound = result.lower_bound
        run.optimal = result.optimal
        run.feasible = all(c.passed for c in checks)
        run.solver_seconds = round(result.seconds, 3)
        run.finished_at = timezone.now()
        run.save()
    if report:
        report(100, _("完了: ホスト%(n)d台") % {"n": result.hosts_used})
    return {"url": run.get_absolute_url(), "run_id": run.pk, "hosts_used": result.hosts_used}


def _adoption_body(run: ScenarioRun, system: dict) -> str:
    result = run.result
    assert result is not None  # only a succeeded run is adopted
    hosts = result["hosts"]
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
        if k is not None:
            lines.append(
                _("・%(machine)s → 新ホスト%(host)d") % {"machine": mid, "host": hosts[k]["index"] + 1}
            )
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
