"""Cancellation reaches the search itself: a stop request ends the solver within about a second, not at
its time limit.  The instance is one the search can never finish early on: machines chained by
anti-affinity into an odd cycle need three hosts (an odd cycle is not 2-colourable) while every bound
says two, so without cancellation the search keeps trying for two hosts until its time limit."""

import threading
import time

import numpy as np
import pytest

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.optimizer import stop
from saiteki.consolidation.optimizer.packing import PackingProblem

N = 301  # odd, and above the exact model's size limit (CP-SAT would prove 3 quickly on a small cycle)
LIMIT = 60.0


def odd_cycle_scenario(time_limit: float = LIMIT) -> opt.Scenario:
    ids = [f"m{i}" for i in range(N)]
    return opt.Scenario(
        dimensions=["vcpu"],
        machines=[opt.Machine(id=m, demand={"vcpu": 1.0}) for m in ids],
        host_models=[opt.HostModel(id="h", capacity={"vcpu": 1000.0}, unit_cost=1.0)],
        rules=opt.Rules(anti_affinity=[[ids[i], ids[(i + 1) % N]] for i in range(N)]),
        time_limit=time_limit,
        seed=0,
    )


def odd_cycle_problem() -> PackingProblem:
    conflicts = [{(i - 1) % N, (i + 1) % N} for i in range(N)]
    return PackingProblem(sizes=np.ones((N, 1)), capacity=np.array([1000.0]), conflicts=conflicts)


def after(seconds: float):
    t0 = time.monotonic()
    return lambda: time.monotonic() - t0 >= seconds


def test_the_search_would_run_to_its_time_limit_without_a_stop():
    # Precondition of the tests below: the gap is real (3 hosts found, bound 2), so only the stop ends
    # the search early.
    out = opt.solve_packing(odd_cycle_problem(), time_limit=1.5, seed=0)
    assert len(out.bins) == 3 and out.lower_bound == 2 and out.seconds >= 1.2


def test_solve_packing_stops_at_the_request_not_at_the_time_limit():
    t0 = time.monotonic()
    with pytest.raises(opt.Cancelled):
        opt.solve_packing(odd_cycle_problem(), time_limit=LIMIT, should_stop=after(0.5))
    assert time.monotonic() - t0 < 3.0


def test_solve_in_a_thread_ends_promptly_when_cancelled():
    """The app's shape: the solver runs in a worker thread, another thread sets the event."""
    event = threading.Event()
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = opt.solve(odd_cycle_scenario(), should_stop=event.is_set)
        except opt.Cancelled:
            box["cancelled"] = True

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    time.sleep(1.0)
    assert worker.is_alive()  # still searching for two hosts
    event.set()
    t_cancel = time.monotonic()
    worker.join(timeout=5.0)
    assert not worker.is_alive(), "the solver thread kept running after the stop request"
    assert time.monotonic() - t_cancel < 3.0
    assert box == {"cancelled": True}


def test_a_stop_in_another_thread_does_not_stop_this_one():
    """The check is per thread: a cancelled run must not end a neighbour's search."""
    with stop.watching(lambda: True):
        assert stop.requested()
        box: dict = {}
        t = threading.Thread(target=lambda: box.setdefault("other", stop.requested()))
        t.start()
        t.join()
    assert box == {"other": False} and not stop.requested()


def test_native_solves_are_interrupted():
    calls: list[str] = []
    with stop.watching(after(0.2)):
        t0 = time.monotonic()
        with stop.interrupting(lambda: calls.append("interrupt")):
            while not calls and time.monotonic() - t0 < 3.0:
                time.sleep(0.02)
    assert calls == ["interrupt"] and time.monotonic() - t0 < 1.0
