"""Readers for the public benchmark formats (BPPLIB 1-D, VPSolver .vbp) and scenario JSON files.

The benchmark files are read in place from the shared data folder; they are never copied into the
repository (their licence forbids redistribution of modified copies).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .model import Scenario
from .packing import InvalidInput, PackingProblem


def _numbers(path: str | Path) -> list[str]:
    return Path(path).read_text(encoding="utf-8", errors="replace").split()


def _checked(problem: PackingProblem, path: str | Path) -> PackingProblem:
    """Refuse items that fit no empty bin: no packing exists, so no bound or result would be true."""
    if problem.n:
        over = np.flatnonzero(np.any(problem.sizes > problem.capacity[None, :], axis=1))
        if over.size:
            i = int(over[0])
            raise InvalidInput(f"{path}: item {i} ({problem.sizes[i].tolist()}) exceeds the bin capacity")
    return problem


def _parse(path: str | Path, read: Callable[[list[str]], PackingProblem]) -> PackingProblem:
    """Parse with one clear error for malformed files (too few numbers, text where a number belongs)."""
    try:
        problem = read(_numbers(path))
    except InvalidInput as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
    except (ValueError, IndexError) as exc:
        raise InvalidInput(f"{path}: not a valid instance file ({exc})") from exc
    return _checked(problem, path)


def read_bpp(path: str | Path) -> PackingProblem:
    """BPPLIB format: ``n``, ``capacity``, then ``n`` item weights (one per line; CRLF tolerated).
    Some BPPLIB files list ``weight count`` pairs; those are detected by the token count and expanded.
    Negative weights or items larger than the capacity raise ``InvalidInput``."""
    return _parse(path, _bpp)


def _bpp(tok: list[str]) -> PackingProblem:
    n, cap = int(tok[0]), int(float(tok[1]))
    rest = tok[2:]
    if len(rest) == n:
        weights = [int(float(x)) for x in rest]
    elif len(rest) % 2 == 0:
        weights = []
        for k in range(0, len(rest), 2):
            weights += [int(float(rest[k]))] * int(rest[k + 1])
        if sum(int(rest[k + 1]) for k in range(0, len(rest), 2)) != n:
            weights = [int(float(x)) for x in rest[:n]]
    else:
        weights = [int(float(x)) for x in rest[:n]]
    return PackingProblem(sizes=np.array(weights, dtype=np.float64)[:, None], capacity=np.array([cap]))


def read_vbp(path: str | Path) -> PackingProblem:
    """VPSolver .vbp: ``d``; ``W_1 … W_d``; ``m``; then m lines ``w_1 … w_d b`` (b = demand).  Items
    are expanded by their demand, in file order, which is the order the CLI's assignment refers to.
    Negative sizes or demands, or items larger than the capacity, raise ``InvalidInput`` (some published
    vector sets contain negative sizes; no bound here is valid for them)."""
    return _parse(path, _vbp)


def _vbp(tok: list[str]) -> PackingProblem:
    d = int(tok[0])
    cap = [float(x) for x in tok[1 : 1 + d]]
    m = int(tok[1 + d])
    pos = 2 + d
    rows: list[list[float]] = []
    for line in range(m):
        if pos + d >= len(tok):
            raise ValueError(f"expected {m} item lines, found {line}")
        w = [float(x) for x in tok[pos : pos + d]]
        b = int(tok[pos + d])
        if b < 0:
            raise InvalidInput(f"item line {line + 1} has a negative demand ({b})")
        pos += d + 1
        rows.extend([w] * b)
    sizes = np.array(rows, dtype=np.float64).reshape(-1, d)
    return PackingProblem(sizes=sizes, capacity=np.array(cap))


def read_scenario(path: str | Path) -> Scenario:
    """Scenario JSON as produced by ``Scenario.to_dict``."""
    return Scenario.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
