"""Shared pieces of the benchmark: timing, percentiles, the figure record and the results file."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    """One measured figure; ``reference`` is a side-by-side value measured in the same run."""

    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str | None = None
    target: str | None = None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_calls(fn: Callable[[], object], n: int, warmup: int = 3) -> list[float]:
    """Milliseconds of ``n`` calls after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def latency_figures(name: str, samples: list[float], target_p95_ms: float | None = None) -> list[Figure]:
    target = f"p95 < {target_p95_ms:g} ms" if target_p95_ms else None
    return [
        Figure(f"{name} p50", round(statistics.median(samples), 2), "ms"),
        Figure(f"{name} p95", round(percentile(samples, 95), 2), "ms", target=target),
    ]


def write_results(figures: list[Figure], meta: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "latest.json"
    payload = {
        "meta": {"python": platform.python_version(), "machine": platform.machine(), **meta},
        "figures": [asdict(f) for f in figures],
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return path


def print_table(figures: list[Figure]) -> None:
    width = max((len(f.name) for f in figures), default=10)
    print(f"{'figure'.ljust(width)}  {'value':>12}  unit   reference            target")
    for f in figures:
        ref = f"{f.reference:g} ({f.reference_name})" if f.reference is not None else ""
        print(f"{f.name.ljust(width)}  {f.value:>12,.2f}  {f.unit:<5}  {ref:<20} {f.target or ''}")
