"""The floor under the kernel: what the random numbers and multiply-adds of one draw cost alone.

One draw of a scenario with I initiatives, M municipalities and Y years needs at least
``n_in + M + I*M`` keyed uniforms (per-draw inputs, municipal capacity, local execution per
initiative and municipality), as many inverse transforms (quantile-grid lookups for the tabled
families) and the ``Y*I*M`` multiply-adds of the municipality totals. This times those three
loops alone, written the way the kernel writes them (numba, one thread, the plan's own keys and
tables), and the kernel itself in the same process, so that the ratio kernel / floor says how
much of the kernel's time is the work every draw must do and how much is everything else
(go-live, realisation, histograms, sums, kept values).

    python benchmarks/floor.py [--draws 20000] [--reps 5] [--scenario scenarios/2015.toml]

Figures are per draw on one thread; the best of ``reps`` repetitions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np

from simengine.core.kernel import _municipality_totals
from simengine.model.distributions import table_values
from simengine.model.rng import uniform

ROOT = Path(__file__).resolve().parents[1]


@nb.njit(cache=True)
def _uniforms(n, in_key, cap_key, loc_key):  # pragma: no cover - compiled
    """Every keyed uniform of n draws (inputs in rows of 256 draws, then per draw over the
    municipalities, as the kernel does); returns their sum so that nothing is optimised away."""
    s = 0.0
    buf = np.empty(256)
    M = cap_key.shape[0]
    I = loc_key.shape[0]
    ub = np.empty(M)
    for d0 in range(0, n, 256):
        nb_ = min(256, n - d0)
        for k in range(in_key.shape[0]):
            for kk in range(nb_):
                buf[kk] = uniform(in_key[k], d0 + kk)
            s += buf[nb_ - 1]
        for d in range(d0, d0 + nb_):
            for m in range(M):
                ub[m] = uniform(cap_key[m], d)
            s += ub[M - 1]
            for i in range(I):
                for m in range(M):
                    ub[m] = uniform(loc_key[i, m], d)
                s += ub[M - 1]
    return s


@nb.njit(cache=True)
def _lookups(n, per_draw, tab, u):  # pragma: no cover - compiled
    """per_draw quantile-grid lookups per draw (the kernel's table_values) of the uniforms u."""
    out = np.empty(u.shape[0])
    tails = np.empty(u.shape[0], np.int64)
    s = 0.0
    L = u.shape[0]
    for d in range(n):
        k = 0
        while k < per_draw:
            c = min(L, per_draw - k)
            table_values(tab, u, out, c, tails)
            s += out[c - 1]
            k += c
    return s


@nb.njit(cache=True)
def _multiply_adds(n, coefs, X, B):  # pragma: no cover - compiled
    """The municipality totals B[y, :] = sum_i coefs[i, y] X[i, :] of n draws (the kernel's
    _municipality_totals, every coefficient positive)."""
    s = 0.0
    for d in range(n):
        coefs[0, 0] = 1.0 + d * 1e-9  # a new draw
        _municipality_totals(coefs, X, B)
        s += B[0, 0]
    return s


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "2015.toml"))
    a = ap.parse_args(argv)

    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    plan = compile_plan(scenario.load(a.scenario).with_run_options(draws=a.draws))
    nb.set_num_threads(1)
    I, M, Y = len(plan.gain), len(plan.size_effect), len(plan.years)
    n_u = plan.n_inputs + M + I * M
    tab = plan.tables[plan.loc_tab] if len(plan.tables) else np.linspace(0, 1, 20_000)
    u = np.random.default_rng(1).random(M)
    coefs = np.full((I, Y), 0.5)
    X = np.random.default_rng(2).random((I, M))
    B = np.empty((Y, M))

    parts = {
        f"keyed uniforms ({n_u:,} per draw)": lambda n: _uniforms(n, plan.in_key, plan.cap_key, plan.loc_key),
        f"quantile-grid lookups ({n_u:,} per draw)": lambda n: _lookups(n, n_u, tab, u),
        f"municipality totals ({Y * I * M:,} multiply-adds per draw)": lambda n: _multiply_adds(n, coefs, X, B),
    }

    def kernel(n):
        engine.run_range(plan, 0, n, 1, keep_draws=0, store_inputs=0)

    for f in list(parts.values()) + [kernel]:
        f(256)  # compile or load: not timed
    best: dict[str, float] = {}
    for _ in range(a.reps):
        for name, f in list(parts.items()) + [("kernel (every output, no kept draws)", kernel)]:
            t = time.perf_counter()
            f(a.draws)
            best[name] = min(best.get(name, np.inf), (time.perf_counter() - t) / a.draws)
    floor = sum(best[k] for k in parts)
    kern = best["kernel (every output, no kept draws)"]
    print(
        f"{Path(a.scenario).name}: {I} initiatives x {M} municipalities x {Y} years, one thread, "
        f"best of {a.reps} x {a.draws:,} draws"
    )
    for name, t in best.items():
        print(f"  {name:<60s} {t * 1e6:8.2f} us/draw  {1 / t:12,.0f} draws/s")
    print(f"  {'floor (the three above)':<60s} {floor * 1e6:8.2f} us/draw  {1 / floor:12,.0f} draws/s")
    print(f"  kernel / floor: {kern / floor:.2f}")


if __name__ == "__main__":
    sys.exit(main())
