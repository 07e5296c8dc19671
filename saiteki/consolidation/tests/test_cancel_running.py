"""Cancelling a running one-shot run stops its solver thread within seconds, not at the run's time
limit.  Real database, real worker code path (``scenario_run_execute`` in a thread of its own, as the
worker runs it); the run's stored input is a scenario the search cannot finish early (see
``optimizer/test_stop.py``: an odd anti-affinity cycle, three hosts needed, every bound says two)."""

import sys
import threading
import time
import traceback

import pytest
from django.db import connection

from saiteki.consolidation import services
from saiteki.consolidation.models import ScenarioRun
from saiteki.consolidation.tests.optimizer.test_stop import odd_cycle_scenario

pytestmark = pytest.mark.django_db(transaction=True)


def solver_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "consolidation-solve" and t.is_alive()]


def where_it_runs(threads: list[threading.Thread]) -> str:
    """The stack of each thread still alive: which phase ignored the stop, for the failure message."""
    frames = sys._current_frames()
    return "the solver kept running after the cancel:\n" + "\n".join(
        "".join(traceback.format_stack(frames[t.ident]))
        for t in threads
        if t.is_alive() and t.ident in frames
    )


def wait_for(condition, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_cancelling_a_running_one_shot_run_stops_its_solver_thread(role_users, vm_scenario):
    run = services.scenario_run_start(scenario=vm_scenario, user=role_users["admin"])
    ScenarioRun.objects.filter(pk=run.pk).update(inputs=odd_cycle_scenario(120.0).to_dict(), time_limit_s=120)
    box: dict = {}

    def worker() -> None:
        try:
            box["out"] = services.scenario_run_execute(run_id=run.pk)
        finally:
            connection.close()

    # Other tests in this process may have left solver threads of their own (a reaped run's search
    # ends at its time limit): watch only the thread this run starts.
    earlier = set(solver_threads())
    executor = threading.Thread(target=worker, daemon=True)
    executor.start()
    assert wait_for(lambda: ScenarioRun.objects.get(pk=run.pk).status == "running", 20)
    time.sleep(1.5)
    mine = [t for t in solver_threads() if t not in earlier]
    assert mine, "the solver should still be searching (120 s limit, unreachable bound)"

    services.scenario_run_cancel(run=ScenarioRun.objects.get(pk=run.pk), user=role_users["admin"])
    cancelled_at = time.monotonic()

    # Seconds, not the 120 s limit: the margin is for a loaded machine (the full suite runs two workers
    # on two cores), where the solver thread gets a fraction of a core between two checks of the clock.
    assert wait_for(lambda: not any(t.is_alive() for t in mine), 15), (
        "the solver kept running after the cancel"
    )
    executor.join(timeout=5)
    assert not executor.is_alive()
    assert time.monotonic() - cancelled_at < 20
    assert box["out"]["status"] == "cancelled"
    run.refresh_from_db()
    assert run.status == "cancelled" and run.result is None
