"""The kernel's argument contract: what :func:`simengine.core.kernel.simulate` reads and writes, by name.

``simulate(d0, n, nblocks, inputs, model, layout, sampling, kept, acc, scratch)`` takes one
tuple of each kind below. Callers build them by keyword (``ModelArrays(gain=..., start=...)``),
so two arrays of the same shape and dtype cannot be swapped silently; the kernel reads fields by
name. The first four are read only; the last three are written.

numba 0.68 drops writes to an array reached through a namedtuple attribute inside a ``prange``
loop (numba issue 5872): the kernel binds every field it writes to a local before its parallel
loop and passes those locals on (tests/unit/test_kernel_contract.py keeps a regression test).

This module imports numpy only: building the tuples needs no numba.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class InputArrays(NamedTuple):
    """The sampled inputs: per-draw inputs (in_*), the municipal capacity (cap_*) and local
    execution (loc_*) factors; code/par/tab/key as in simengine.model.distributions and simengine.model.rng."""

    in_code: np.ndarray  # (n_in,) distribution code of each per-draw input
    in_par: np.ndarray  # (n_in, 3)
    in_tab: np.ndarray  # (n_in,) row of ``tables`` (TABLE codes)
    in_key: np.ndarray  # (n_in,) uint64 stream keys
    tables: np.ndarray  # (T, K) quantile grids
    cap_code: int
    cap_par: np.ndarray  # (3,)
    cap_tab: int
    cap_key: np.ndarray  # (M,) one stream per municipality
    size_eff: np.ndarray  # (M,) municipal size effect
    loc_code: int
    loc_par: np.ndarray  # (3,)
    loc_tab: int
    loc_key: np.ndarray  # (I, M) one stream per initiative and municipality


class ModelArrays(NamedTuple):
    """The model's constants and its [model] choices (simengine.model.plan.Plan)."""

    w0: float  # assumed weak share
    gain: np.ndarray  # (I,)
    start: np.ndarray  # (I,) start years
    channel: np.ndarray  # (I,) > 0: the initiative goes through the weak channel
    investment: np.ndarray  # (I,)
    running: np.ndarray  # (I,)
    area_of: np.ndarray  # (I,) area index
    weights: np.ndarray  # (I, M)
    years: np.ndarray  # (Y,)
    year_mid: np.ndarray  # (Y,)
    discount: np.ndarray  # (Y,)
    target: np.ndarray  # (Y,) national target
    mun_target: np.ndarray  # (Y, M)
    area_target: np.ndarray  # (A, Y)
    ret_share: float
    ret_years: float
    uplift: float  # incentive uplift
    n_areas: int
    timing_component: int  # 1: go-live = start + max(delay, legislation delay)
    real_mean: int  # 1: mean-preserving realisation through real_tab
    real_tab: np.ndarray
    ramp_base: np.ndarray  # (I,)
    dep_of: np.ndarray  # (I,) initiative this one waits for, or -1
    dep_lag: np.ndarray  # (I,)
    order: np.ndarray  # (I,) go-live order: a dependency first


class HistLayout(NamedTuple):
    """Histogram bins (lowest bin edges as float64 bit patterns) and fixed-point units."""

    mun_lo_bits: np.ndarray  # (M,) int64
    init_lo_bits: np.ndarray  # (I,) int64
    mun_inv_unit: np.ndarray  # (M,)
    mun_short_inv_unit: np.ndarray  # (M,)
    init_inv_unit: np.ndarray  # (I,)
    nat_lo_bits: np.int64
    nat_inv_unit: float
    golive_origin: float  # year of go-live bin 0
    golive_per_year: float


class Sampling(NamedTuple):
    """Latin hypercube (lhs_n draws, 0 = plain random), Gaussian copula, common shocks and
    randomised quasi-Monte Carlo (no rows in qmc_shift: not qmc)."""

    lhs_n: int
    lhs_half: int
    lhs_mask: np.uint64
    corr_idx: np.ndarray  # (C,) inputs in the copula
    corr_factor: np.ndarray  # (C, C)
    shock_key: np.ndarray  # (S,)
    sh_in: np.ndarray  # (H,) input each shock loading moves
    sh_of: np.ndarray  # (H,) its shock
    sh_a: np.ndarray  # (H,)
    sh_b: np.ndarray  # (H,)
    qmc_in: np.ndarray  # Sobol' dimension of each input
    qmc_sh: np.ndarray  # ... and of each shock
    qmc_sv: np.ndarray  # scrambled direction numbers
    qmc_shift: np.ndarray
    qmc_key: np.ndarray  # key of each dimension's replicate shifts
    qmc_rep_bits: int  # draws per replicate: 2^qmc_rep_bits


class KeptDraws(NamedTuple):
    """Per-draw outputs of the kept draws d0 <= d < d0 + len(benefit) (row d - d0), and the
    inputs of the first len(inputs) of them."""

    d0: int
    benefit: np.ndarray  # (n, Y)
    cost: np.ndarray  # (n, Y)
    area_benefit: np.ndarray  # (n, A, Y)
    central_gain: np.ndarray  # (n, R, Y)
    service_cut: np.ndarray  # (n, R, Y)
    regime_benefit: np.ndarray  # (n, R, Y)
    npv: np.ndarray  # (n,)
    potential: np.ndarray  # (n, Y)
    area_potential: np.ndarray  # (n, A, Y)
    inputs: np.ndarray  # (n_in_kept, n_in)


class BlockAccumulators(NamedTuple):
    """What the kernel accumulates, first axis = block (simengine.core.engine.Accumulators)."""

    mun_hist: np.ndarray
    init_hist: np.ndarray
    nat_hist: np.ndarray
    golive_hist: np.ndarray
    mun_sum: np.ndarray
    mun_short_sum: np.ndarray
    init_sum: np.ndarray
    nat_sum: np.ndarray
    hit: np.ndarray
    area_hit: np.ndarray
    init_pot_sum: np.ndarray
    overflow: np.ndarray  # (blocks,) values over FIXED_LIMIT


class BlockScratch(NamedTuple):
    """Per-block 16-bit histogram counts and the spans of bins touched, kept across calls
    (simengine.core.engine.new_scratch)."""

    lmun: np.ndarray  # (blocks, Y, M, B) uint16
    linit: np.ndarray  # (blocks, Y, I, B) uint16
    mun_span: np.ndarray  # (blocks, 4, Y, M)
    init_span: np.ndarray  # (blocks, 4, Y, I)
    nat_span: np.ndarray  # (blocks, 2, S)
