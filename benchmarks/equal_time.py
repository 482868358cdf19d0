"""Variance reduction at equal wall time: random sampling, Latin hypercube and scrambled Sobol'
points (``[simulation] sampling``) on one scenario.

First the cost of a draw under each method is measured in this process (the kernel alone, every
output, alternating the methods, best of ``--timing-reps``); then each method gets as many draws
as random sampling's ``--draws`` take the same time, and runs ``--reps`` times with seeds 0, 1, ...
The standard error of an estimate is the standard deviation of its value over the replications:
the target-year national mean gain and its 10th percentile (P10, from every draw). A method pays
at equal time when its standard error is smaller there; ``(SE random / SE method)^2`` is how many
times more random draws (time) would give the same precision.

QMC runs of at least 8 replicates (simengine.model.qmc.QMC_REPLICATE draws each) carry their own
error estimate (simengine.analysis.mcerror): the replicate intervals. For them a second table
compares the standard error each run estimates for itself (half-width / t, root mean square over
the seeds) with the one measured over the seeds, and counts how often the run's interval contains
the mean of all runs of all methods (a stand-in for the truth, itself uncertain by about
SE / sqrt(runs)).

    python benchmarks/equal_time.py [--scenario scenarios/2015.toml] [--draws 8192] [--reps 20]
                                    [--methods random,lhs,qmc]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("random", "lhs", "qmc")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "2015.toml"))
    ap.add_argument("--draws", type=int, default=8192, help="draws of random sampling; the others get equal time")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--timing-reps", type=int, default=3)
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated, random first")
    a = ap.parse_args(argv)
    methods = tuple(a.methods.split(","))
    if methods[0] != "random" or not set(methods) <= set(METHODS):
        ap.error(f"--methods: random first, then any of {', '.join(METHODS[1:])}")

    from dataclasses import replace

    from simengine.analysis import mcerror
    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    base = scenario.load(a.scenario)

    def plan_for(method: str, draws: int, seed: int):
        sc = replace(base.with_run_options(draws=draws, seed=seed), sampling=method)
        return compile_plan(sc)

    def run(plan):
        t = time.perf_counter()
        raw = engine.run(plan, threads=a.threads, keep_draws=plan.scenario.draws, store_inputs=0)
        return raw, time.perf_counter() - t

    # cost per draw, alternating the methods in this process
    n = a.draws
    plans = {m: plan_for(m, n, 12345) for m in methods}
    for m in methods:
        run(plan_for(m, 256, 1))  # compile or load: not timed
    per_draw: dict[str, float] = {m: np.inf for m in methods}
    for _ in range(a.timing_reps):
        for m in methods:
            per_draw[m] = min(per_draw[m], run(plans[m])[1] / n)
    draws = {m: max(16, int(round(n * per_draw["random"] / per_draw[m]))) for m in methods}
    # a draw's cost depends on the draw count under LHS (the permutations' cycle walk over 2^bits >=
    # draws values): measure again at the count found, and correct once
    for m in methods[1:]:
        t = min(run(plan_for(m, draws[m], 12345))[1] for _ in range(a.timing_reps)) / draws[m]
        draws[m] = max(16, int(round(n * per_draw["random"] / t)))
        per_draw[m] = t

    ty = list(plans["random"].years).index(base.target_year)
    res: dict[str, dict[str, list[float]]] = {m: {"mean": [], "p10": [], "secs": []} for m in methods}
    # per replicated QMC run: (mean, its half-width, P10, its half-width, t) of the replicate intervals
    reps: list[tuple[float, float, float, float, float]] = []
    for seed in range(a.reps):
        for m in methods:
            raw, secs = run(plan_for(m, draws[m], seed))
            g = raw.benefit[:, ty]
            res[m]["mean"].append(float(g.mean()))
            res[m]["p10"].append(float(np.quantile(g, 0.1)))
            res[m]["secs"].append(secs)
            rep = mcerror.replicates(raw)
            if rep is not None and rep.ok:
                mlo, mhi = mcerror.replicate_mean_ci(rep, g, np.float64(g.mean()))
                est = np.quantile(g, [0.1])
                plo, phi = mcerror.replicate_quantile_ci(rep, g, est, np.array([0.1]))
                reps.append((float(g.mean()), float(mhi - mlo) / 2, float(est[0]), float(phi[0] - plo[0]) / 2, rep.t))

    print(
        f"{Path(a.scenario).name}, target year {base.target_year}, {a.threads} threads, {a.reps} seeds; "
        f"cost per draw measured in this process (best of {a.timing_reps} x {n:,} draws)"
    )
    print(
        "| sampling | cost per draw (x random, at the draws used) | draws at equal time | s per run (median) | SE of mean (mio. DKK) "
        "| SE of P10 (mio. DKK) | variance ratio mean | variance ratio P10 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    se = {m: (np.std(res[m]["mean"], ddof=1), np.std(res[m]["p10"], ddof=1)) for m in methods}
    for m in methods:
        print(
            f"| {m} | {per_draw[m] / per_draw['random']:.2f} | {draws[m]:,} | {np.median(res[m]['secs']):.2f} "
            f"| {se[m][0] / 1e6:.2f} | {se[m][1] / 1e6:.2f} | {(se['random'][0] / se[m][0]) ** 2:.2f} "
            f"| {(se['random'][1] / se[m][1]) ** 2:.2f} |"
        )
    if reps:
        from simengine.model.qmc import QMC_REPLICATE

        x = np.array(reps)
        grand = [np.mean(np.concatenate([res[m][k] for m in methods])) for k in ("mean", "p10")]
        print()
        print(
            f"qmc: replicate intervals of the {len(x)} runs with >= {mcerror.MIN_REPLICATES} replicates of "
            f"{QMC_REPLICATE:,} draws ({draws['qmc'] // QMC_REPLICATE} per run); truth: the mean of all runs"
        )
        print(
            "| estimate | SE over the seeds (mio. DKK) | SE the runs estimate, RMS (mio. DKK) | runs covering the truth |"
        )
        print("|---|---:|---:|---:|")
        for k, (name, col) in enumerate((("mean", 0), ("P10", 2))):
            est, half, t = x[:, col], x[:, col + 1], x[:, 4]
            cover = int(np.sum(np.abs(est - grand[k]) <= half))
            print(
                f"| {name} | {se['qmc'][k] / 1e6:.2f} | {np.sqrt(np.mean((half / t) ** 2)) / 1e6:.2f} "
                f"| {cover}/{len(x)} |"
            )


if __name__ == "__main__":
    sys.exit(main())
