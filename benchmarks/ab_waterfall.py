"""Time the Shapley waterfall (simengine.analysis.sensitivity.waterfall) of two copies of the
package, alternating one process per measurement so that both see the same machine.

Each process runs scenarios/2015.toml at 20,000 draws (seed 1, every draw kept), calls the
waterfall once to load its compiled evaluator from the cache, then times ``--inner`` more calls;
it prints every time, the median of each copy and a digest of the waterfall's numbers (mean, P50,
per area, per initiative, Monte Carlo errors), which must agree for a change that keeps them.
A copy is a folder holding ``simengine/`` and ``scenarios/`` (e.g. ``git archive REV simengine
scenarios | tar -x -C /tmp/old``); its numba cache is its own, so warm each copy once first.

    python benchmarks/ab_waterfall.py /tmp/old . [--rounds 3] [--inner 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import hashlib, json, sys, time
import numpy as np
from simengine.analysis import sensitivity
from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema
sc = schema.load(sys.argv[1] + "/scenarios/2015.toml").with_run_options(draws=20000, seed=1)
raw = engine.run(compile_plan(sc), threads=2, keep_draws=20000, store_inputs=20000)
w = sensitivity.waterfall(raw)
ts = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    w = sensitivity.waterfall(raw)
    ts.append(time.perf_counter() - t)
parts = [w["mean"], w["p50"], w["area_mean"].ravel(), w["initiative_mean"].ravel(), w["mean_se"]]
print(json.dumps({"t": ts, "h": hashlib.sha256(np.concatenate(parts).tobytes()).hexdigest()[:16]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--inner", type=int, default=2)
    args = ap.parse_args()
    copies = [str(Path(args.a).resolve()), str(Path(args.b).resolve())]
    times: dict[str, list[float]] = {p: [] for p in copies}
    digest = {}
    for r in range(args.rounds):
        for p in copies if r % 2 == 0 else copies[::-1]:
            env = dict(os.environ, PYTHONPATH=p)
            env.pop("NUMBA_CACHE_DIR", None)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, p, str(args.inner)], env=env, cwd=p, capture_output=True, text=True
            )
            if out.returncode:
                sys.exit(out.stderr[-2000:])
            d = json.loads(out.stdout.strip().splitlines()[-1])
            times[p] += d["t"]
            digest[p] = d["h"]
    for p in copies:
        ts = sorted(times[p])
        print(f"{p}: median {ts[len(ts) // 2]:.3f} s, times {[round(t, 3) for t in times[p]]}, digest {digest[p]}")


if __name__ == "__main__":
    main()
