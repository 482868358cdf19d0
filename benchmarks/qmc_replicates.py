"""Replicated QMC (``sampling = "qmc"``, simengine.model.qmc): the replicate size, and the coverage
of the replicate intervals (simengine.analysis.mcerror).

``size``: one run of ``--draws`` draws per replicate size M (and one random run), on one scenario
and seed. The variance of a replicate's target-year mean and P10 over the run's replicates is
compared with random sampling's for M draws (sd^2 / M for the mean; for the P10, the variance over
groups of 1,024 random draws times 1,024 / M): the ratio is how many times fewer draws a replicate
of M needs than random sampling for the same precision (the larger, the better: the error of a
run of N draws is then that of N · ratio random draws). From R replicates the variance has R - 1
degrees of freedom, so a ratio is uncertain by a factor of about exp(±2 sqrt(2 / (R - 1))).

``coverage``: ``--seeds`` runs of ``--replicates`` replicates of the engine's replicate size, each
with its own seed (its own scrambling and shifts), against a ``--truth-draws`` QMC run of another
seed: how often the replicate intervals of the target-year mean, P10, P50, P90 and P(target)
contain the truth.

    python benchmarks/qmc_replicates.py size [--scenario scenarios/2015.toml] [--draws 131072]
    python benchmarks/qmc_replicates.py coverage [--scenario tests/data/small.toml] [--seeds 40] [--target 1.2e8]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=("size", "coverage"))
    ap.add_argument("--scenario", default=None)
    ap.add_argument("--draws", type=int, default=2**17, help="size: draws of each run")
    ap.add_argument("--bits", default="10,11,12,13,14,15", help="size: log2 of the replicate sizes")
    ap.add_argument("--seed", type=int, default=2011)
    ap.add_argument("--seeds", type=int, default=40, help="coverage: runs")
    ap.add_argument("--replicates", type=int, default=8, help="coverage: replicates per run")
    ap.add_argument("--truth-draws", type=int, default=2**21)
    ap.add_argument("--target", type=float, default=None, help="coverage: the scenario's target instead of its own")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)

    from simengine.analysis import mcerror
    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    default = "scenarios/2015.toml" if a.part == "size" else "tests/data/small.toml"
    base = scenario.load(a.scenario or str(ROOT / default))
    if a.target is not None:
        base = replace(base, target=a.target)

    def plan_for(sampling: str, draws: int, seed: int, bits: int | None = None):
        p = compile_plan(replace(base.with_run_options(draws=draws, seed=seed), sampling=sampling))
        return p if bits is None else replace(p, qmc_rep_bits=bits)

    def target_year(plan) -> int:
        return list(plan.years).index(base.target_year)

    if a.part == "size":
        n = a.draws
        rnd = plan_for("random", n, a.seed)
        ty = target_year(rnd)
        g = engine.run(rnd, threads=a.threads, keep_draws=n, store_inputs=0).benefit[:, ty]
        # random sampling's variance times the draws: sd^2 for the mean; for the P10, over groups of 1,024
        rnd_var_mean = float(np.var(g, ddof=1))
        k = 1024
        rnd_var_p10 = float(np.var(np.quantile(g[: n // k * k].reshape(-1, k), 0.1, axis=1), ddof=1)) * k
        print(f"{Path(base.path).name}, target year {base.target_year}, {n:,} draws per run, seed {a.seed}")
        print("| replicate size M | replicates | variance ratio, mean | variance ratio, P10 |")
        print("|---:|---:|---:|---:|")
        for bits in (int(b) for b in a.bits.split(",")):
            m = 1 << bits
            q = engine.run(plan_for("qmc", n, a.seed, bits), threads=a.threads, keep_draws=n, store_inputs=0)
            gq = q.benefit[:, ty]
            r = n // m
            rq = gq[: r * m].reshape(r, m)
            ratio = (
                rnd_var_mean / m / np.var(rq.mean(axis=1), ddof=1),
                rnd_var_p10 / m / np.var(np.quantile(rq, 0.1, axis=1), ddof=1),
            )
            print(f"| 2^{bits} = {m:,} | {r} | {ratio[0]:.2f} | {ratio[1]:.2f} |")
        return None

    # coverage
    m = 1 << plan_for("qmc", 1, 0).qmc_rep_bits
    tp = plan_for("qmc", a.truth_draws, 10**6 + a.seed)
    ty = target_year(tp)
    qs = np.array([0.1, 0.5, 0.9])
    tb = engine.run(tp, threads=a.threads, keep_draws=a.truth_draws, store_inputs=0).benefit[:, ty]
    target = tp.target[ty]
    truth = np.concatenate([[tb.mean()], np.quantile(tb, qs), [(tb >= target).mean()]])
    names = ("mean", "P10", "P50", "P90", "P(target)")
    hits = np.zeros(len(names), int)
    rel = np.zeros(len(names))
    n = a.replicates * m
    for seed in range(a.seeds):
        raw = engine.run(plan_for("qmc", n, seed), threads=a.threads, keep_draws=n, store_inputs=0)
        rep = mcerror.replicates(raw)
        assert rep is not None and rep.ok
        b = raw.benefit[:, ty]
        ci = (
            mcerror.replicate_mean_ci(rep, b, np.float64(b.mean())),
            mcerror.replicate_quantile_ci(rep, b, np.quantile(b, qs), qs),
            mcerror.replicate_prob_ci(rep, b >= target, np.float64((b >= target).mean()), n),
        )
        lo = np.concatenate([np.ravel(c[0]) for c in ci])
        hi = np.concatenate([np.ravel(c[1]) for c in ci])
        hits += (lo <= truth) & (truth <= hi)
        rel += (hi - lo) / 2
    print(
        f"{Path(base.path).name}, target year {base.target_year}: {a.seeds} seeds x {a.replicates} replicates of "
        f"{m:,} draws; truth: {a.truth_draws:,} QMC draws of seed {10**6 + a.seed}"
    )
    print("| quantity | truth | mean half-width | coverage |")
    print("|---|---:|---:|---:|")
    for k, name in enumerate(names):
        print(f"| {name} | {truth[k]:,.4g} | {rel[k] / a.seeds:,.4g} | {hits[k]}/{a.seeds} = {hits[k] / a.seeds:.3f} |")
    print(f"overall: {hits.sum()}/{a.seeds * len(names)} = {hits.sum() / (a.seeds * len(names)):.3f}")
    return None


if __name__ == "__main__":
    sys.exit(main())
