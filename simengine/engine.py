"""Run a compiled plan: call the kernel chunk by chunk and merge what it accumulates."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np

from simengine.errors import ConfigError, RunError
from simengine.kernel import simulate
from simengine.model import GOLIVE_PER_YEAR, GOLIVE_YEARS, REGIMES, Plan

DEFAULT_CHUNK = 65_536
#: per-draw inputs kept for sensitivity analysis (the first draws; a fixed-size sample)
DEFAULT_STORE_INPUTS = 100_000


@dataclass
class Accumulators:
    """Everything the kernel accumulates over draws; merged by integer addition."""

    mun_hist: np.ndarray  # (Y, M, B) int64
    init_hist: np.ndarray  # (Y, I, B) int64
    golive_hist: np.ndarray  # (I, G) int64
    mun_sum: np.ndarray  # (Y, M) int64 fixed point
    mun_short_sum: np.ndarray  # (Y, M) int64 fixed point
    init_sum: np.ndarray  # (Y, I) int64 fixed point
    overflow: int = 0

    def merge(self, other: Accumulators) -> None:
        for name in ("mun_hist", "init_hist", "golive_hist", "mun_sum", "mun_short_sum", "init_sum"):
            getattr(self, name).__iadd__(getattr(other, name))
        self.overflow += other.overflow


@dataclass
class RawResults:
    plan: Plan
    draws: int
    threads: int
    chunk: int
    seconds: float
    benefit: np.ndarray  # (N, Y)
    cost: np.ndarray  # (N, Y)
    area_benefit: np.ndarray  # (N, A, Y)
    central_gain: np.ndarray  # (N, R, Y)
    service_cut: np.ndarray  # (N, R, Y)
    regime_benefit: np.ndarray  # (N, R, Y)
    npv: np.ndarray  # (N,)
    inputs: np.ndarray  # (S, n_in)
    acc: Accumulators
    timings: dict[str, float] = field(default_factory=dict)


def available_threads() -> int:
    return int(numba.config.NUMBA_NUM_THREADS)


def check_threads(threads: int | None) -> int:
    limit = available_threads()
    if threads is None:
        return limit
    if not 1 <= threads <= limit:
        raise ConfigError(f"--threads: must be between 1 and {limit} (this machine's cores), got {threads}")
    return threads


def _kernel_args(plan: Plan) -> tuple:
    sc = plan.scenario

    return (
        plan.in_code, plan.in_par, plan.in_tab, plan.in_key, plan.tables,
        plan.cap_code, plan.cap_par, plan.cap_tab, plan.cap_key, plan.size_effect,
        plan.loc_code, plan.loc_par, plan.loc_tab, plan.loc_key,
        sc.assumed_weak_share, plan.gain, plan.start, plan.channel, plan.investment, plan.running,
        plan.area_of, plan.weights, plan.years, plan.year_mid, plan.discount, plan.target, plan.mun_target,
        sc.retention_share, sc.retention_years, sc.incentive_uplift, len(sc.areas),
        plan.mun_hist_lo.view(np.int64), plan.init_hist_lo.view(np.int64), plan.mun_inv_unit, plan.init_inv_unit,
        float(sc.start_year), float(GOLIVE_PER_YEAR),
    )


def new_accumulators(plan: Plan, blocks: int) -> Accumulators:
    Y, M, I, B = len(plan.years), len(plan.size_effect), len(plan.gain), plan.hist_bins
    G = GOLIVE_PER_YEAR * GOLIVE_YEARS
    return Accumulators(
        # int32 per block is enough: a block never sees more than MAX_DRAWS (1e9) < 2^31 draws
        mun_hist=np.zeros((blocks, Y, M, B), np.int32),
        init_hist=np.zeros((blocks, Y, I, B), np.int32),
        golive_hist=np.zeros((blocks, I, G), np.int64),
        mun_sum=np.zeros((blocks, Y, M), np.int64),
        mun_short_sum=np.zeros((blocks, Y, M), np.int64),
        init_sum=np.zeros((blocks, Y, I), np.int64),
    )


def _reduce_blocks(acc: Accumulators, overflow: np.ndarray) -> Accumulators:
    return Accumulators(
        mun_hist=acc.mun_hist.sum(axis=0, dtype=np.int64), init_hist=acc.init_hist.sum(axis=0, dtype=np.int64),
        golive_hist=acc.golive_hist.sum(axis=0), mun_sum=acc.mun_sum.sum(axis=0),
        mun_short_sum=acc.mun_short_sum.sum(axis=0), init_sum=acc.init_sum.sum(axis=0),
        overflow=int(overflow.sum()),
    )


def run_range(plan: Plan, d0: int, n: int, threads: int, store_inputs: int = 0,
              out: dict[str, np.ndarray] | None = None, chunk: int = DEFAULT_CHUNK,
              progress: Callable[[int], None] | None = None) -> tuple[dict[str, np.ndarray], np.ndarray, Accumulators]:
    """Simulate global draws [d0, d0+n). Returns per-draw arrays, the stored inputs and the
    merged accumulators. Identical for any ``threads`` and ``chunk``."""
    numba.set_num_threads(threads)
    Y, A, R = len(plan.years), len(plan.scenario.areas), len(REGIMES)
    if out is None:
        out = {
            "benefit": np.empty((n, Y)), "cost": np.empty((n, Y)), "area_benefit": np.empty((n, A, Y)),
            "central_gain": np.empty((n, R, Y)), "service_cut": np.empty((n, R, Y)),
            "regime_benefit": np.empty((n, R, Y)), "npv": np.empty(n),
        }
    store = max(0, min(store_inputs, d0 + n))
    inputs = np.zeros((store, plan.n_inputs))
    acc = new_accumulators(plan, threads)
    overflow = np.zeros(threads, np.int64)
    args = _kernel_args(plan)
    done = 0
    while done < n:
        m = min(chunk, n - done)
        s = slice(done, done + m)
        simulate(d0 + done, m, threads, *args,
                 out["benefit"][s], out["cost"][s], out["area_benefit"][s], out["central_gain"][s],
                 out["service_cut"][s], out["regime_benefit"][s], out["npv"][s],
                 inputs, acc.mun_hist, acc.init_hist, acc.golive_hist, acc.mun_sum, acc.mun_short_sum,
                 acc.init_sum, overflow)
        done += m
        if progress is not None:
            progress(m)
    merged = _reduce_blocks(acc, overflow)
    if merged.overflow:
        raise RunError(f"{merged.overflow} simulated values exceeded 2^22 times their business-case size; "
                       "check the scenario's estimate_factor and adoption priors for absurd tails")
    return out, inputs, merged


def run(plan: Plan, threads: int | None = None, chunk: int = DEFAULT_CHUNK,
        store_inputs: int = DEFAULT_STORE_INPUTS, progress: Callable[[int], None] | None = None) -> RawResults:
    threads = check_threads(threads)
    if chunk < 1:
        raise ConfigError(f"chunk: must be >= 1, got {chunk}")
    n = plan.scenario.draws
    t0 = time.perf_counter()
    out, inputs, acc = run_range(plan, 0, n, threads, store_inputs=store_inputs, chunk=chunk, progress=progress)
    secs = time.perf_counter() - t0
    return RawResults(plan=plan, draws=n, threads=threads, chunk=chunk, seconds=secs, inputs=inputs, acc=acc,
                      timings={"simulate": secs}, **out)
