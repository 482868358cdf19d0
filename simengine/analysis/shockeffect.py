"""How much the common shocks widen the distribution: the scenario with and without its
``[[shocks]]``, on the same draws (common random numbers).

A shock changes only the uniforms of the inputs it names (docs/model.md, "Common shocks"); every
other stream is keyed by (seed, variable, initiative, municipality) and is the same whether the
shock is there or not. So a run of the scenario with ``[[shocks]]`` removed, with the same seed
and the same draws, differs from the scenario's own run only by the shocks. The comparison uses
the first ``n = min(draws, SHOCK_EFFECT_DRAWS)`` draws:

* with shocks: the run's own kept per-draw national gains of draws 0 … n − 1 (a run's draw d is the
  same whatever the number of draws, with ``sampling = "random"``); with Latin hypercube sampling,
  whose strata depend on the number of draws, or when fewer than n draws are kept, a run of the
  scenario at n draws;
* without shocks: a run of the scenario with ``[[shocks]]`` removed, at n draws, same seed.

Both are kernel runs of a scenario file's meaning, so "without" equals an independent run of the
scenario with its ``[[shocks]]`` deleted (tested bit for bit). Zeroing the loadings instead would
pass each uniform through Φ(Φ⁻¹(u)), which is not the identity in floating point.

Outputs (results.nc), over the dimension ``shocks`` = ["with", "without"]:
``shock_effect_quantile`` (shocks, shock_quantile, year) the P10, P50, P90 of the national gross
gain; ``shock_effect_mean``, ``shock_effect_width`` (P90 − P10) and ``shock_effect_p_target``
(shocks, year); ``shock_effect_widening`` (year) = width with / width without − 1. A scenario
without ``[[shocks]]`` has none of them.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import xarray as xr

from simengine.analysis.varspecs import batch, label_coords, put

#: draws of the comparison (the first ones of the run)
SHOCK_EFFECT_DRAWS = 20_000
LEVELS = (0.1, 0.5, 0.9)
SHOCKS = ("with", "without")


def without_shocks(sc):
    """The scenario with its ``[[shocks]]`` removed (everything else, seed and draws included, as is)."""
    return replace(sc, shocks=())


def _gains(sc, threads: int | None, like=None) -> np.ndarray:
    """Per-draw national gross gain (draws, years) of a kernel run of ``sc``, every draw kept.
    ``like``: a plan whose quantile tables serve ``sc``'s (simengine.model.plan.compile_plan)."""
    from simengine.core import engine
    from simengine.model.plan import compile_plan

    raw = engine.run(compile_plan(sc, like=like), threads=threads, keep_draws=sc.draws, store_inputs=0)
    return np.asarray(raw.benefit, dtype=float)


def shock_effect(sc, raw=None, threads: int | None = None, draws: int | None = None) -> dict:
    """Per-draw national gains with and without the scenario's shocks on the same n draws, and
    what each came from. ``raw``: the scenario's own run, whose kept draws are reused when they are
    the same draws (plain random sampling)."""
    n = min(sc.draws, SHOCK_EFFECT_DRAWS if draws is None else draws)
    sub = sc.with_run_options(draws=n)
    t0 = time.perf_counter()
    like = None if raw is None else raw.plan  # same distributions: its quantile tables serve both runs
    if raw is not None and sc.sampling == "random" and raw.benefit.shape[0] >= n:
        with_ = np.asarray(raw.benefit[:n], dtype=float)
        how_with = f"the run's first {n:,} draws"
    else:
        with_ = _gains(sub, threads, like)
        how_with = f"a run of the scenario at {n:,} draws"
    without = _gains(without_shocks(sub), threads, like)
    return {"with": with_, "without": without, "draws": n, "how_with": how_with, "seconds": time.perf_counter() - t0}


def add_shock_effect(ds: xr.Dataset, raw, threads: int | None = None, early=None) -> xr.Dataset:
    """Add the shock comparison to ``ds`` when the run's scenario has ``[[shocks]]``. ``early``: the
    runs compared, made beside the Dataset's building (simengine.analysis.sensitivity.Early)."""
    sc = raw.plan.scenario
    if not sc.shocks:
        return ds
    eff = early.shock_effect() if early is not None else shock_effect(sc, raw, threads=threads)
    n = eff["draws"]
    target = np.asarray(ds["target"].values, dtype=float)
    q = np.array(LEVELS)
    quant = np.stack([np.quantile(eff[s], q, axis=0) for s in SHOCKS])  # (2, 3, Y)
    mean = np.stack([eff[s].mean(axis=0) for s in SHOCKS])
    hit = np.stack([(eff[s] >= target[None, :]).mean(axis=0) for s in SHOCKS])
    ids = ", ".join(f"{s.id} ({s.input}, loading {s.loading:g})" for s in sc.shocks)
    common = {
        "draws": n,
        "shocks_removed": ids,
        "method": (
            f"same draws (common random numbers): with = {eff['how_with']}; without = a run of "
            f"the scenario with its [[shocks]] removed, same seed, {n:,} draws"
        ),
    }
    ds = ds.assign_coords(shocks=list(SHOCKS), shock_quantile=q)
    label_coords(ds, names=["shocks", "shock_quantile"])
    with batch(ds) as new:
        put(new, "shock_effect_quantile", quant, **common)
        put(new, "shock_effect_mean", mean, **common)
        put(new, "shock_effect_p_target", hit, **common)
        width = quant[:, 2, :] - quant[:, 0, :]
        put(new, "shock_effect_width", width, **common)
        with np.errstate(divide="ignore", invalid="ignore"):
            widen = np.where(width[1] > 0, width[0] / width[1] - 1.0, np.nan)
        put(new, "shock_effect_widening", widen, **common)
    ds.attrs["seconds_shock_effect"] = round(eff["seconds"], 4)
    return ds
