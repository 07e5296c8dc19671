"""Command line: ``python -m saiteki.consolidation.optimizer {bpp,vbp,solve} FILE``.

Each command prints exactly one JSON line so benchmark harnesses and the app's job runner can parse
the output without scraping.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .engine import solve_packing
from .io_formats import read_bpp, read_scenario, read_vbp
from .model import ScenarioError
from .packing import InvalidInput, bins_to_assignment
from .solver import solve


def _pack_file(kind: str, path: str, time_limit: float, seed: int) -> dict[str, object]:
    problem = read_bpp(path) if kind == "bpp" else read_vbp(path)
    out = solve_packing(problem, time_limit=time_limit, seed=seed)
    return {
        "bins": len(out.bins),
        "lower_bound": out.lower_bound,
        "optimal": out.optimal,
        "seconds": round(out.seconds, 4),
        "assignment": bins_to_assignment(out.bins, problem.n),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m saiteki.consolidation.optimizer")
    sub = parser.add_subparsers(dest="command", required=True)
    for kind, help_text in (("bpp", "BPPLIB 1-D instance"), ("vbp", "VPSolver .vbp vector instance")):
        p = sub.add_parser(kind, help=help_text)
        p.add_argument("file")
        p.add_argument("--time-limit", type=float, default=10.0)
        p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("solve", help="scenario JSON → result JSON")
    p.add_argument("file")
    args = parser.parse_args(argv)
    try:
        if args.command in ("bpp", "vbp"):
            result = _pack_file(args.command, args.file, args.time_limit, args.seed)
        else:
            result = solve(read_scenario(args.file)).to_dict()
    except (InvalidInput, ScenarioError, OSError) as exc:
        # Refused input (negative sizes, items larger than a bin, unreadable file): one JSON line with
        # the reason, the same text on stderr, exit status 2 — never a result with an invalid bound.
        sys.stdout.write(json.dumps({"error": str(exc)}, ensure_ascii=False) + "\n")
        sys.stderr.write(f"error: {exc}\n")
        return 2
    sys.stdout.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0
