"""Side-by-side runs of the optimizer on named instance subsets, budgeted in CPU seconds.

Usage: ``nice -n 19 .venv/bin/python bench/optimizer_subset.py LIST [--time-limit 2] [--wall]
[--set module.NAME=value ...] [-v]``, LIST a file of specs (one per line, ``bench/optimizer_subsets/``):
``bpp:<instance>``, ``vbp:<instance>`` (Panigrahy d = 3) or ``gen:<family>:<seed>`` (the families and
parameters of ``optimizer_bench.GEN_FAMILIES``).  Prints one row per instance (bins, optimum, FFD,
lower bound, seconds, CPU seconds, method) and a summary line.

Why a CPU-second budget (the default): the machine is shared, and at load 5–15 a 10 s wall-clock limit
gives the search anything between 0.7 and 10 CPU seconds, so two runs of the full harness minutes apart
are not comparable.  Here the search clock (``time.monotonic``, read by every phase through
``optimizer.stop``) is replaced by this process's CPU time before the library is imported, so a
before/after pair measures the search, not the load.  CP-SAT counts both of its worker threads.
``--wall`` keeps the wall clock.  ``--set`` overrides a module constant for an experiment
(``--set cns_state.SPLIT_WEIGHT=1.0``); results with it are not the shipped configuration.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("list")
    ap.add_argument("--time-limit", type=float, default=2.0)
    ap.add_argument("--wall", action="store_true", help="budget in wall-clock seconds")
    ap.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=VALUE")
    ap.add_argument("-v", action="store_true", help="print each run's phase log")
    args = ap.parse_args(argv)
    if not args.wall:
        time.monotonic = time.process_time  # before the library reads the clock
    repo = Path(__file__).resolve().parents[1]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    import numpy as np

    from bench.optimizer_bench import GEN_FAMILIES, data_dir
    from saiteki.consolidation.optimizer import ffd, solve_packing
    from saiteki.consolidation.optimizer.generators import generate
    from saiteki.consolidation.optimizer.io_formats import read_bpp, read_vbp

    for item in args.set:
        key, value = item.split("=", 1)
        mod_name, name = key.rsplit(".", 1)
        mod = importlib.import_module(f"saiteki.consolidation.optimizer.{mod_name}")
        setattr(mod, name, type(getattr(mod, name))(float(value)))
    data = data_dir()
    bpp = {r["instance"]: r for r in csv.DictReader(open(data / "bpp" / "optima.csv", encoding="utf-8"))}
    vbp = {
        r["instance"]: r
        for r in csv.DictReader(open(data / "vbp" / "bounds.csv", encoding="utf-8"))
        if r["dims"] == "3" and r["benchmark"] == "Panigrahy"
    }
    gen = dict(GEN_FAMILIES)
    specs = Path(args.list).read_text(encoding="utf-8").split()
    rows = []
    for spec in specs:
        kind, rest = spec.split(":", 1)
        opt: int | None
        if kind == "bpp":
            problem, opt = read_bpp(str(data / "bpp" / bpp[rest]["file"])), int(bpp[rest]["optimum"])
        elif kind == "vbp":
            problem = read_vbp(str(data / "vbp" / vbp[rest]["file"]))
            opt = int(vbp[rest]["optimum"]) if vbp[rest]["optimum"].strip() else None
        else:
            family, seed = rest.rsplit(":", 1)
            inst = generate(family, int(seed), **gen[family])
            problem, opt = inst.problem, inst.optimum
        cpu = time.process_time()
        out = solve_packing(problem, time_limit=args.time_limit, seed=0)
        cpu = time.process_time() - cpu
        f = len(ffd(problem))
        rows.append((opt, len(out.bins), cpu))
        print(
            f"{spec:40s} opt={opt} got={len(out.bins)} ffd={f} lb={out.lower_bound} "
            f"t={out.seconds:.2f} cpu={cpu:.2f} {out.method}",
            flush=True,
        )
        if args.v:
            print("    " + " | ".join(out.log), flush=True)
    known = [(o, b) for o, b, _ in rows if o is not None]
    print(
        f"SUMMARY n={len(known)} at_opt={sum(b == o for o, b in known)} "
        f"mean_ratio={np.mean([b / o for o, b in known]) if known else float('nan'):.4f} "
        f"cpu_total={sum(c for _, _, c in rows):.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
