"""Parsers on real benchmark files, JSON round trips, and the CLI's one-line JSON output (run as a
subprocess and verified independently against the instance file)."""

from __future__ import annotations

import json
import subprocess
import sys

from saiteki.consolidation.optimizer import PlacementResult, Rules, Scenario, solve
from saiteki.consolidation.optimizer.io_formats import read_bpp, read_vbp

from .conftest import REPO, scenario


def _raw_numbers(path):
    return path.read_text().split()


def test_read_bpp_real_file(shared_data):
    f = shared_data / "bpp" / "instances" / "Falkenauer_T" / "Falkenauer_t60_00.txt"
    p = read_bpp(f)
    tok = _raw_numbers(f)
    assert p.n == int(tok[0]) == 60 and p.capacity[0] == float(tok[1])
    assert p.sizes[:, 0].tolist() == [float(x) for x in tok[2:]]


def test_read_vbp_real_files(shared_data):
    f = shared_data / "vbp" / "instances" / "Panigrahy" / "class1" / "class1_20_3_0.vbp"
    p = read_vbp(f)
    assert p.d == 3 and p.n == 20 and list(p.capacity) == [1000, 1000, 1000]
    f9 = shared_data / "vbp" / "instances" / "Panigrahy" / "class9" / "class9_20_3_0.vbp"
    assert read_vbp(f9).n == 21  # class 9 files hold n + 1 items


def _run_cli(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "saiteki.consolidation.optimizer", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_cli_bpp(shared_data):
    f = shared_data / "bpp" / "instances" / "Scholl_1" / "N1C1W1_A.txt"
    res = _run_cli("bpp", str(f), "--time-limit", "2", "--seed", "1")
    tok = _raw_numbers(f)
    n, cap = int(tok[0]), int(tok[1])
    w = [int(x) for x in tok[2 : 2 + n]]
    assert len(res["assignment"]) == n
    loads = [0] * res["bins"]
    for i, b in enumerate(res["assignment"]):
        loads[b] += w[i]
    assert max(loads) <= cap and min(loads) > 0
    assert res["lower_bound"] <= res["bins"]
    assert res["optimal"] == (res["lower_bound"] == res["bins"])
    assert set(res) == {"bins", "lower_bound", "optimal", "seconds", "assignment"}


def test_cli_vbp(shared_data):
    f = shared_data / "vbp" / "instances" / "Panigrahy" / "class4" / "class4_40_3_0.vbp"
    res = _run_cli("vbp", str(f), "--time-limit", "2")
    tok = [int(x) for x in _raw_numbers(f)]
    d = tok[0]
    cap = tok[1 : 1 + d]
    m = tok[1 + d]
    items = []
    pos = 2 + d
    for _ in range(m):
        items += [tok[pos : pos + d]] * tok[pos + d]
        pos += d + 1
    assert len(res["assignment"]) == len(items)
    loads = [[0] * d for _ in range(res["bins"])]
    for i, b in enumerate(res["assignment"]):
        for k in range(d):
            loads[b][k] += items[i][k]
    assert all(loads[b][k] <= cap[k] for b in range(res["bins"]) for k in range(d))
    assert res["lower_bound"] <= res["bins"]


def test_cli_solve_scenario(tmp_path):
    sc = scenario([(2, 4), (3, 4), (4, 8)], (8, 16), Rules(anti_affinity=[["m0", "m1"]]), time_limit=1.0)
    f = tmp_path / "scenario.json"
    f.write_text(json.dumps(sc.to_dict()))
    res = PlacementResult.from_dict(_run_cli("solve", str(f)))
    assert res.feasible and res.placement["m0"] != res.placement["m1"]


def test_json_round_trips():
    sc = scenario(
        [(2, 4), (3, 4)],
        (8, 16),
        Rules(segment_separation=True, affinity=[["m0", "m1"]], headroom={"mem": 0.1}, n_plus_one=True),
        segments=["x", "x"],
    )
    again = Scenario.from_dict(json.loads(json.dumps(sc.to_dict())))
    assert again == sc
    res = solve(sc)
    assert PlacementResult.from_dict(json.loads(json.dumps(res.to_dict()))) == res
