"""Cost and precision of the samplings at equal draws (``[simulation] sampling``): random, Latin
hypercube, scrambled Sobol' points.

``cost``: the kernel's time per draw under each sampling, the first ``--timed`` draws of a run of
``--run-draws`` draws (under Latin hypercube the permutations' domain, and so their cycle walks,
depend on the run's draws), the samplings alternated in this process, 2 threads, every output,
draws not kept; best and median of ``--reps``, as a multiple of random sampling's.

``precision``: the standard deviation over ``--seeds`` seeds of the target-year national mean gain
and of its P10 (from every draw), at ``--draws`` draws for every sampling: how much a sampling gains
per draw (``benchmarks/equal_time.py`` compares them at equal time).

    python benchmarks/sampling_cost.py cost [--run-draws 100000] [--timed 20000] [--reps 9]
    python benchmarks/sampling_cost.py precision [--draws 4096] [--seeds 40] [--methods random,lhs]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("cost", "precision"))
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "2015.toml"))
    ap.add_argument("--methods", default="random,lhs,qmc", help="comma-separated, random first")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--run-draws", type=int, default=100_000)
    ap.add_argument("--timed", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--draws", type=int, default=4096)
    ap.add_argument("--seeds", type=int, default=40)
    a = ap.parse_args(argv)
    methods = a.methods.split(",")
    if methods[0] != "random":
        ap.error("--methods: random first")

    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    base = scenario.load(a.scenario)
    if a.what == "cost":
        sc = base.with_run_options(draws=a.run_draws)
        plans = {m: compile_plan(replace(sc, sampling=m)) for m in methods}
        for p in plans.values():  # compile or load: not timed
            engine.run_range(p, 0, 512, a.threads, keep_draws=0, store_inputs=0)
        t: dict[str, list[float]] = {m: [] for m in methods}
        for _ in range(a.reps):
            for m, p in plans.items():
                t0 = time.perf_counter()
                engine.run_range(p, 0, a.timed, a.threads, keep_draws=0, store_inputs=0)
                t[m].append(time.perf_counter() - t0)
        print(
            f"{Path(a.scenario).name}: the first {a.timed:,} draws of a {a.run_draws:,}-draw run, {a.threads} threads"
        )
        print("| sampling | draws/s (best) | cost per draw / random's, best | median |")
        print("|---|---:|---:|---:|")
        for m in methods:
            print(
                f"| {m} | {a.timed / min(t[m]):,.0f} | {min(t[m]) / min(t['random']):.2f} "
                f"| {np.median(t[m]) / np.median(t['random']):.2f} |"
            )
        return
    se: dict[str, tuple[float, float]] = {}
    print(f"{Path(a.scenario).name}: {a.draws:,} draws, {a.seeds} seeds, target year {base.target_year}")
    print("| sampling | SE of mean (mio. DKK) | SE of P10 (mio. DKK) | variance ratio mean | variance ratio P10 |")
    print("|---|---:|---:|---:|---:|")
    for m in methods:
        means, p10s = [], []
        for seed in range(a.seeds):
            plan = compile_plan(replace(base.with_run_options(draws=a.draws, seed=seed), sampling=m))
            raw = engine.run(plan, threads=a.threads, keep_draws=a.draws, store_inputs=0)
            g = raw.benefit[:, list(plan.years).index(base.target_year)]
            means.append(float(g.mean()))
            p10s.append(float(np.quantile(g, 0.1)))
        se[m] = (float(np.std(means, ddof=1)), float(np.std(p10s, ddof=1)))
        r = se["random"]
        print(
            f"| {m} | {se[m][0] / 1e6:.3f} | {se[m][1] / 1e6:.3f} | {(r[0] / se[m][0]) ** 2:.2f} "
            f"| {(r[1] / se[m][1]) ** 2:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
