"""Benchmark of the consolidation optimizer against instances with proven optima (public and generated).

Usage: ``.venv/bin/python bench/optimizer_bench.py [--full | --sample N] [--time-limits 1,10]
[--suite bpp|vbp|gen|scaling|all] [--out bench/results] [--processes 2]``

Default (and ``run(None)``, which ``make bench`` calls): a quick evenly spread sample of 40 instances
per public suite and 4 seeds per generated family (20 instances) at the 1 s and 10 s budgets, plus the
1,000- and 10,000-machine scaling points (about 15 minutes on the 2-core machine).  ``--full`` runs
every instance (1,360 BPPLIB, 540 Panigrahy d = 3, 20 seeds per generated family; hours at 10 s — run
it in the background) and the whole scaling curve.

Suites:
- ``bpp``: all 1,360 BPPLIB instances (shared/data/bpp), % at the proven optimum, vs FFD in the same
  harness;
- ``vbp``: the Panigrahy d = 3 instances (shared/data/vbp), % at the optimum on the proven ones;
- ``gen``: instance families generated here with fixed seeds and optima known by construction
  (``optimizer.generators``: Falkenauer-style triplets, exact splits of mid-sized items, narrow bands,
  vector triplets and vector splits — every bin of the optimum filled exactly), so the search is judged
  on instances no one could have tuned it to; % at the optimum and mean ratio, vs FFD;
- ``scaling``: pooled instances as segments of a scenario (10,000 machines, anti-affinity pairs that
  cannot bind), solved through the full rule layer; optimum = sum of the parts' optima.

Every solution is re-verified here (capacities, each item once) independently of the library.  Raw
rows go to ``<out>/optimizer_<suite>.csv`` (full runs) or ``<out>/optimizer_<suite>_sample<N>.csv``
(samples, so a quick run never overwrites a full one), figures to ``<out>/optimizer.json``, named
``<suite>[_sample<N>]_<budget>s_<figure>``.  ``--sample N`` takes an evenly spread subset.
Data dir: ``../shared/data`` relative to the repo root, or env ``SAITEKI_SHARED_DATA``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from saiteki.consolidation.optimizer import (  # noqa: E402
    HostModel,
    Machine,
    Rules,
    Scenario,
    ffd,
    solve,
    solve_packing,
)
from saiteki.consolidation.optimizer.generators import generate  # noqa: E402
from saiteki.consolidation.optimizer.io_formats import read_bpp, read_vbp  # noqa: E402


def data_dir() -> Path:
    return Path(os.environ.get("SAITEKI_SHARED_DATA", REPO.parent / "shared" / "data"))


def _spread(rows: list[dict[str, Any]], sample: int | None) -> list[dict[str, Any]]:
    """Evenly spread subset (keeps every family represented in a small sample)."""
    if not sample or sample >= len(rows):
        return rows
    idx = sorted({int(k * len(rows) / sample) for k in range(sample)})
    return [rows[i] for i in idx]


def bpp_tasks(data: Path, sample: int | None) -> list[dict[str, Any]]:
    rows = list(csv.DictReader(open(data / "bpp" / "optima.csv", encoding="utf-8")))
    rows.sort(key=lambda r: (r["family"], r["instance"]))
    return [
        {
            "suite": "bpp",
            "family": r["family"],
            "instance": r["instance"],
            "path": str(data / "bpp" / r["file"]),
            "optimum": int(r["optimum"]),
            "reference_ub": int(r["optimum"]),
        }
        for r in _spread(rows, sample)
    ]


def vbp_tasks(data: Path, sample: int | None, dims: str = "3") -> list[dict[str, Any]]:
    rows = [
        r
        for r in csv.DictReader(open(data / "vbp" / "bounds.csv", encoding="utf-8"))
        if r["dims"] == dims and r["benchmark"] == "Panigrahy"
    ]
    rows.sort(key=lambda r: (r["class"], int(r["n_nominal"]), r["instance"]))
    out = []
    for r in _spread(rows, sample):
        opt = r["optimum"].strip()
        out.append(
            {
                "suite": "vbp",
                "family": r["class"],
                "instance": r["instance"],
                "path": str(data / "vbp" / r["file"]),
                "optimum": int(opt) if opt else None,
                "published_lb": int(r["published_lb"]) if r["published_lb"] else None,
                "reference_ub": int(r["best_known_ub"]) if r["best_known_ub"] else None,
                "item_centric_ub": int(r["best_item_centric_ub"]) if r["best_item_centric_ub"] else None,
            }
        )
    return out


#: Generated families: (family, parameters).  Sizes chosen so FFD rarely meets the optimum and the
#: arc-flow LP cannot simply close them in one dimension (large capacities, many distinct sizes).
GEN_FAMILIES: list[tuple[str, dict[str, Any]]] = [
    ("triplets", {"bins": 167, "capacity": 1000}),
    ("exact_split", {"bins": 80, "capacity": 10_000}),
    ("narrow_band", {"bins": 60, "capacity": 1000, "k": 5}),
    ("vector_triplets", {"bins": 60, "d": 2}),
    ("vector_split", {"bins": 60, "d": 3}),
]
#: Seeds per family: the full run and the quick sample of ``make bench`` (first seeds of the same list).
GEN_SEEDS_FULL = 20
GEN_SEEDS_QUICK = 4


def gen_tasks(seeds: int) -> list[dict[str, Any]]:
    return [
        {
            "suite": "gen",
            "family": family,
            "instance": f"{family}_{seed}",
            "params": params,
            "seed_instance": seed,
        }
        for family, params in GEN_FAMILIES
        for seed in range(1, seeds + 1)
    ]


def _verify(sizes: np.ndarray, cap: np.ndarray, bins: list[list[int]]) -> bool:
    """Harness-side check, independent of the library: each item once, every bin within capacity."""
    flat = sorted(i for b in bins for i in b)
    if flat != list(range(sizes.shape[0])):
        return False
    return all(np.all(sizes[b].sum(axis=0) <= cap + 1e-9) for b in bins if b)


def run_instance(task: dict[str, Any]) -> dict[str, Any]:
    if task["suite"] == "gen":
        inst = generate(task["family"], task["seed_instance"], **task["params"])
        problem, task = inst.problem, {**task, "optimum": inst.optimum, "reference_ub": inst.optimum}
    else:
        problem = read_bpp(task["path"]) if task["suite"] == "bpp" else read_vbp(task["path"])
    t = time.monotonic()
    base = ffd(problem)
    ffd_s = time.monotonic() - t
    out = solve_packing(problem, time_limit=task["time_limit"], seed=task.get("seed", 0))
    ok = _verify(problem.sizes, problem.capacity, out.bins) and _verify(problem.sizes, problem.capacity, base)
    opt = task.get("optimum")
    return {
        "suite": task["suite"],
        "time_limit": task["time_limit"],
        "family": task["family"],
        "instance": task["instance"],
        "n": problem.n,
        "optimum": opt if opt is not None else "",
        "reference_ub": task.get("reference_ub") or "",
        "published_lb": task.get("published_lb") or "",
        "bins": len(out.bins),
        "ffd_bins": len(base),
        "lower_bound": out.lower_bound,
        "proven_optimal": out.optimal,
        "at_optimum": (len(out.bins) == opt) if opt is not None else "",
        "ffd_at_optimum": (len(base) == opt) if opt is not None else "",
        "seconds": round(out.seconds, 3),
        "ffd_seconds": round(ffd_s, 4),
        "method": out.method,
        "valid": ok,
    }


def _pct(xs: list[bool]) -> float:
    return round(100.0 * sum(xs) / len(xs), 2) if xs else 0.0


def _fig(
    name: str,
    value: float,
    unit: str,
    reference: float | None = None,
    reference_name: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """A figure with the keys ``bench.harness.Figure`` takes (name, value, unit, reference,
    reference_name, target)."""
    d: dict[str, Any] = {"name": name, "value": float(value), "unit": unit}
    if reference is not None:
        d["reference"] = float(reference)
        d["reference_name"] = reference_name
    if target is not None:
        d["target"] = target
    return d


def summarise(
    label: str, rows: list[dict[str, Any]], time_limit: float, suite: str | None = None
) -> list[dict[str, Any]]:
    """Figures of one suite at one budget; ``label`` prefixes their names, ``suite`` picks targets."""
    suite_kind = suite or label
    suite = label
    figs: list[dict[str, Any]] = []
    n = len(rows)
    figs.append(_fig(f"{suite}_instances", n, "count"))
    figs.append(_fig(f"{suite}_time_limit", time_limit, "s"))
    figs.append(_fig(f"{suite}_all_valid", 100.0 * sum(bool(r["valid"]) for r in rows) / max(n, 1), "%"))
    proven = [r for r in rows if r["optimum"] != ""]
    if proven:
        ratios = [r["bins"] / r["optimum"] for r in proven]
        ffd_ratios = [r["ffd_bins"] / r["optimum"] for r in proven]
        target = {"bpp": ">= 99.5 (10 s, issue 15)", "vbp": ">= 85 (issue 15)"}.get(suite_kind)
        figs.append(
            _fig(
                f"{suite}_at_optimum",
                _pct([r["bins"] == r["optimum"] for r in proven]),
                "%",
                _pct([r["ffd_bins"] == r["optimum"] for r in proven]),
                "FFD, same harness",
                target,
            )
        )
        figs.append(
            _fig(f"{suite}_ffd_at_optimum", _pct([r["ffd_bins"] == r["optimum"] for r in proven]), "%")
        )
        figs.append(
            _fig(
                f"{suite}_mean_ratio",
                round(float(np.mean(ratios)), 5),
                "bins/optimum",
                round(float(np.mean(ffd_ratios)), 5),
                "FFD, same harness",
                "<= 1.004 (issue 15)" if suite_kind == "vbp" else None,
            )
        )
        figs.append(_fig(f"{suite}_max_ratio", round(float(np.max(ratios)), 5), "bins/optimum"))
        figs.append(_fig(f"{suite}_ffd_mean_ratio", round(float(np.mean(ffd_ratios)), 5), "bins/optimum"))
        figs.append(_fig(f"{suite}_proven_instances", len(proven), "count"))
    figs.append(
        _fig(f"{suite}_proven_optimal_by_own_bound", _pct([bool(r["proven_optimal"]) for r in rows]), "%")
    )
    figs.append(_fig(f"{suite}_better_than_ffd", _pct([r["bins"] < r["ffd_bins"] for r in rows]), "%"))
    figs.append(_fig(f"{suite}_equal_to_ffd", _pct([r["bins"] == r["ffd_bins"] for r in rows]), "%"))
    figs.append(
        _fig(f"{suite}_worse_than_ffd", _pct([r["bins"] > r["ffd_bins"] for r in rows]), "%", None, None, "0")
    )
    open_rows = [r for r in rows if r["optimum"] == "" and r["reference_ub"] != ""]
    if open_rows:
        figs.append(
            _fig(
                f"{suite}_open_mean_ratio_to_best_known",
                round(float(np.mean([r["bins"] / r["reference_ub"] for r in open_rows])), 5),
                "bins/best known",
            )
        )
    secs = np.array([r["seconds"] for r in rows]) if rows else np.zeros(1)
    figs.append(_fig(f"{suite}_seconds_p50", round(float(np.percentile(secs, 50)), 3), "s"))
    figs.append(_fig(f"{suite}_seconds_p95", round(float(np.percentile(secs, 95)), 3), "s"))
    figs.append(
        _fig(f"{suite}_seconds_max", round(float(secs.max()), 3), "s", None, None, f"<= {time_limit:g}")
    )
    for fam in sorted({r["family"] for r in proven}):
        fr = [r for r in proven if r["family"] == fam]
        figs.append(
            _fig(
                f"{suite}_at_optimum_{fam}",
                _pct([r["bins"] == r["optimum"] for r in fr]),
                "%",
                _pct([r["ffd_bins"] == r["optimum"] for r in fr]),
                "FFD, same harness",
            )
        )
        if suite_kind == "gen":
            figs.append(
                _fig(
                    f"{suite}_mean_ratio_{fam}",
                    round(float(np.mean([r["bins"] / r["optimum"] for r in fr])), 5),
                    "bins/optimum",
                    round(float(np.mean([r["ffd_bins"] / r["optimum"] for r in fr])), 5),
                    "FFD, same harness",
                )
            )
    return figs


# --- scaling ------------------------------------------------------------------------------------------


def scaling_scenario(data: Path, n_target: int, seed: int = 0) -> tuple[Scenario, int]:
    """Pool Falkenauer triplet instances (optimum n/3) and uniform ones (proven optima) into segments of
    one scenario, rescaled to a common capacity; add anti-affinity pairs between items that are too big
    to share a host anyway, so they provably do not bind.  Returns the scenario and its optimum."""
    rows = list(csv.DictReader(open(data / "bpp" / "optima.csv", encoding="utf-8")))
    pool = [r for r in rows if r["family"] in ("Falkenauer_T", "Falkenauer_U")]
    pool.sort(key=lambda r: (int(r["n_items"]) % 7, r["instance"]))
    machines: list[Machine] = []
    anti: list[list[str]] = []
    optimum = 0
    k = 0
    cap = 1000 * 150  # common multiple of both capacities
    while len(machines) < n_target:
        r = pool[k % len(pool)]
        k += 1
        p = read_bpp(data / "bpp" / r["file"])
        scale = cap // int(p.capacity[0])
        seg = f"seg{k:03d}"
        ids = []
        for i, w in enumerate(p.sizes[:, 0].tolist()):
            mid = f"{seg}-{i}"
            ids.append((mid, w))
            machines.append(Machine(id=mid, demand={"vcpu": w * scale}, segment=seg))
        optimum += int(r["optimum"])
        big = [mid for mid, w in ids if w * 2 > int(p.capacity[0])]
        for a, b in zip(big[::2], big[1::2], strict=False):
            anti.append([a, b])
    return (
        Scenario(
            dimensions=["vcpu"],
            machines=machines,
            host_models=[HostModel(id="host", capacity={"vcpu": cap}, unit_cost=1.0)],
            rules=Rules(segment_separation=True, anti_affinity=anti),
            time_limit=55.0,
            seed=seed,
        ),
        optimum,
    )


def run_scaling(data: Path, sizes: list[int], time_limit: float) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        sc, opt = scaling_scenario(data, n)
        sc = Scenario.from_dict({**sc.to_dict(), "time_limit": time_limit})
        t = time.monotonic()
        res = solve(sc)
        secs = time.monotonic() - t
        rows.append(
            {
                "suite": "scaling",
                "n": len(sc.machines),
                "segments": len({m.segment for m in sc.machines}),
                "anti_affinity_pairs": len(sc.rules.anti_affinity),
                "optimum": opt,
                "hosts": res.hosts_used,
                "ffd_hosts": res.ffd_hosts,
                "lower_bound": res.lower_bound,
                "ratio": round(res.hosts_used / opt, 5),
                "seconds": round(secs, 2),
                "feasible": res.feasible,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


# --- driver -------------------------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _run_pool(tasks: list[dict[str, Any]], processes: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if processes <= 1:
        for t in tasks:
            rows.append(run_instance(t))
            print(json.dumps(rows[-1]), flush=True)
        return rows
    with get_context("spawn").Pool(processes) as pool:
        for row in pool.imap(run_instance, tasks):
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


QUICK_SAMPLE = 40
QUICK_BUDGETS = [1.0, 10.0]


def _options(args: argparse.Namespace | None) -> dict[str, Any]:
    """Settings from the parsed arguments; ``None`` (``make bench``) means the quick sample."""
    full = bool(getattr(args, "full", False))
    sample = None if full else (getattr(args, "sample", None) or QUICK_SAMPLE)
    limits = getattr(args, "time_limits", None)
    budgets = [float(x) for x in str(limits).split(",")] if limits else ([10.0] if full else QUICK_BUDGETS)
    return {
        "data": Path(getattr(args, "data", None) or data_dir()),
        "out": Path(getattr(args, "out", None) or REPO / "bench" / "results"),
        "suite": getattr(args, "suite", None) or "all",
        "sample": sample,
        "budgets": budgets,
        "processes": max(1, min(2, int(getattr(args, "processes", None) or 2))),
        "scaling_time_limit": float(getattr(args, "scaling_time_limit", None) or 55.0),
    }


def run(args: argparse.Namespace | None) -> list[dict[str, Any]]:
    """Run the selected suites and return the summary figures (also written to ``optimizer.json``).
    ``run(None)`` is the quick sample that ``make bench`` runs."""
    o = _options(args)
    data, out, sample = o["data"], o["out"], o["sample"]
    figs: list[dict[str, Any]] = []
    suites = ["bpp", "vbp", "gen", "scaling"] if o["suite"] == "all" else [o["suite"]]
    labels: list[str] = []
    for s in suites:
        label = s if not sample else f"{s}_sample{sample}"
        if s == "gen":
            seeds = GEN_SEEDS_FULL if not sample else GEN_SEEDS_QUICK
            label = "gen" if not sample else f"gen_sample{seeds * len(GEN_FAMILIES)}"
        labels.append(label)
        if s in ("bpp", "vbp", "gen"):
            all_rows: list[dict[str, Any]] = []
            for tl in o["budgets"]:
                if s == "gen":
                    tasks = gen_tasks(seeds)
                else:
                    tasks = bpp_tasks(data, sample) if s == "bpp" else vbp_tasks(data, sample)
                for t in tasks:
                    t["time_limit"] = tl
                rows = _run_pool(tasks, o["processes"])
                all_rows += rows
                figs += summarise(f"{label}_{tl:g}s", rows, tl, suite=s)
            _write_csv(out / f"optimizer_{label}.csv", all_rows)
        else:
            sizes = [100, 1000, 2500, 5000, 10000] if not sample else [1000, 10000]
            rows = run_scaling(data, sizes, time_limit=o["scaling_time_limit"])
            _write_csv(out / f"optimizer_{label}.csv", rows)
            for r in rows:
                figs.append(
                    _fig(f"{label}_{r['n']}_ratio", r["ratio"], "hosts/optimum", None, None, "<= 1.02")
                )
                figs.append(_fig(f"{label}_{r['n']}_seconds", r["seconds"], "s", None, None, "< 60"))
                figs.append(
                    _fig(
                        f"{label}_{r['n']}_ffd_ratio",
                        round(r["ffd_hosts"] / r["optimum"], 5),
                        "hosts/optimum",
                    )
                )
    # Merge with figures of suites not run this time, so partial runs do not erase earlier results.
    path = out / "optimizer.json"
    old: list[dict[str, Any]] = []
    if path.exists():
        try:
            old = [f for f in json.loads(path.read_text()) if _label_of(f["name"]) not in labels]
        except (ValueError, KeyError, TypeError):
            old = []
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(old + figs, indent=1) + "\n")
    return figs


def _label_of(name: str) -> str:
    """``bpp_sample40_10s_at_optimum`` → ``bpp_sample40``; ``scaling_10000_ratio`` → ``scaling``."""
    parts = name.split("_")
    if len(parts) > 1 and parts[1].startswith("sample"):
        return "_".join(parts[:2])
    return parts[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--time-limits", default=None, help="comma-separated budgets in s (quick: 1,10; full: 10)"
    )
    ap.add_argument("--scaling-time-limit", type=float, default=55.0)
    ap.add_argument("--sample", type=int, default=None, help=f"instances per suite (default {QUICK_SAMPLE})")
    ap.add_argument("--full", action="store_true", help="every instance of every suite")
    ap.add_argument("--suite", choices=["bpp", "vbp", "gen", "scaling", "all"], default="all")
    ap.add_argument("--out", default=str(REPO / "bench" / "results"))
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--data", default=None)
    figs = run(ap.parse_args(argv))
    for f in figs:
        ref = f" (ref {f['reference']} {f.get('reference_name') or ''})" if "reference" in f else ""
        print(f"{f['name']}: {f['value']} {f['unit']}{ref}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
