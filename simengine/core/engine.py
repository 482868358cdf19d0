"""Run a compiled plan: call the kernel over ranges of draws and merge what it accumulates.

The unit of work is a contiguous range of global draw indices. A range's result (a
:class:`Partial`) holds integer accumulators (histograms, fixed-point sums, counts) and the
per-draw values of the draws it covers that are *kept* (global index < keep_draws). Partials of
disjoint ranges merge by integer addition and placement by draw index, so the merged result is
identical however the draws were split over chunks, threads, calls or machines.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numba
import numpy as np

from simengine.core.contract import (
    BlockAccumulators,
    BlockScratch,
    HistLayout,
    InputArrays,
    KeptDraws,
    ModelArrays,
    Sampling,
)
from simengine.core.driver import DEFAULT_CHUNK, DEFAULT_STORE_INPUTS  # one source: the run options' defaults
from simengine.core.kernel import bin_national, merge_blocks, simulate
from simengine.core.memory import ordinary_pages
from simengine.errors import ConfigError
from simengine.messages import Msg
from simengine.model.plan import GOLIVE_PER_YEAR, GOLIVE_YEARS, NAT_BINS, REGIMES, Plan, national_series
from simengine.model.structure import REGIME_STREAMS
from simengine.scenario.limits import MAX_DRAWS

#: per-draw values are kept for at most this many draws (the first ones: a fixed-size sample);
#: beyond it national statistics come from streaming histograms. Scenario key
#: [simulation] keep_draws overrides it.
DEFAULT_KEEP_DRAWS = 200_000

ACC_FIELDS = (
    "mun_hist",
    "init_hist",
    "nat_hist",
    "golive_hist",
    "mun_sum",
    "mun_short_sum",
    "init_sum",
    "nat_sum",
    "hit",
    "area_hit",
    "init_pot_sum",
)
PER_DRAW = (
    "benefit",
    "cost",
    "area_benefit",
    "central_gain",
    "service_cut",
    "regime_benefit",
    "npv",
    "potential",
    "area_potential",
)


@dataclass
class Accumulators:
    """Everything the kernel accumulates over draws; merged by integer addition."""

    mun_hist: np.ndarray  # (Y, M, B)
    init_hist: np.ndarray  # (Y, I, B)
    nat_hist: np.ndarray  # (S, NAT_BINS) signed national histograms of the draws not kept
    # (RawResults.national adds the kept ones)
    golive_hist: np.ndarray  # (I, G)
    mun_sum: np.ndarray  # (Y, M) fixed point
    mun_short_sum: np.ndarray  # (Y, M) fixed point
    init_sum: np.ndarray  # (Y, I) fixed point
    nat_sum: np.ndarray  # (S,) fixed point, the draws not kept
    hit: np.ndarray  # (Y,) draws with gain >= target
    area_hit: np.ndarray  # (A, Y)
    init_pot_sum: np.ndarray  # (Y, I) fixed point (init_inv_unit): the initiatives' potential gains
    overflow: int = 0

    def merge(self, other: Accumulators) -> Accumulators:
        for name in ACC_FIELDS:
            getattr(self, name).__iadd__(getattr(other, name))
        self.overflow += other.overflow
        return self


@dataclass
class Partial:
    """The result of draws [d0, d0 + n): accumulators plus the kept draws' per-draw values."""

    d0: int
    n: int
    acc: Accumulators
    kept: dict[str, np.ndarray]  # rows = draws d0 .. d0 + len - 1 that are < keep_draws
    inputs: np.ndarray  # rows = draws d0 .. that are < store_inputs
    #: per-draw quantities computed from the block's inputs where the block ran (Job.observe), rows =
    #: the block's kept draws, as ``kept``
    extra: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class RawResults:
    plan: Plan
    draws: int
    keep_draws: int
    threads: int
    chunk: int
    seconds: float
    benefit: np.ndarray  # (K, Y), K = min(draws, keep_draws)
    cost: np.ndarray  # (K, Y)
    area_benefit: np.ndarray  # (K, A, Y)
    central_gain: np.ndarray  # (K, R, Y)
    service_cut: np.ndarray  # (K, R, Y)
    regime_benefit: np.ndarray  # (K, R, Y)
    npv: np.ndarray  # (K,)
    potential: np.ndarray  # (K, Y) gain before local realisation (realisation, pressure, capacity)
    area_potential: np.ndarray  # (K, A, Y)
    inputs: np.ndarray  # (S, n_in)
    acc: Accumulators
    timings: dict[str, float] = field(default_factory=dict)
    #: per-draw quantities of the kept draws computed block by block from their inputs (Job.observe)
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    _national: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def all_kept(self) -> bool:
        return self.keep_draws >= self.draws

    def national(self) -> tuple[np.ndarray, np.ndarray]:
        """(histograms (S, NAT_BINS), fixed-point sums (S,)) of the national series over all draws.

        The kernel streams these only for the draws it does not keep: a kept draw's values are
        exact in the per-draw arrays, and when every draw is kept nothing else is needed. Here the
        kept draws are binned and summed from those values, with the kernel's own code, so the
        result is the same integers as streaming every draw."""
        if self._national is None:
            hist, sums = self.acc.nat_hist.copy(), self.acc.nat_sum.copy()
            plan = self.plan
            lo_bits = np.float64(plan.nat_hist_lo).view(np.int64)
            kept = {k: getattr(self, k) for k in PER_DRAW}
            ov = 0
            for a in range(0, len(self.benefit), NATIONAL_BLOCK):
                vals = national_values(plan, kept, a, min(a + NATIONAL_BLOCK, len(self.benefit)))
                ov += bin_national(vals, lo_bits, plan.nat_inv_unit, hist, sums)
            if ov:
                from simengine.analysis.finite import overflow_error

                raise overflow_error(plan.scenario, Msg("run.overflow_national", n=int(ov)))
            self._national = hist, sums
        return self._national


#: kept draws binned at a time by RawResults.national
NATIONAL_BLOCK = 8192


def national_values(plan: Plan, kept: dict[str, np.ndarray], a: int, b: int) -> np.ndarray:
    """The national series of kept draws [a, b) as rows, at their places in model.national_series."""
    ben, cost = kept["benefit"][a:b], kept["cost"][a:b]
    series = {
        "benefit": ben,
        "net_benefit": ben - cost,
        "cost": cost,
        "area_benefit": kept["area_benefit"][a:b],
        **{f"{v}_{r}": kept[v][a:b, REGIMES.index(r)] for v, r in REGIME_STREAMS},  # the regimes' own slices
        "npv": kept["npv"][a:b],
        "potential": kept["potential"][a:b],
    }
    out = np.empty((b - a, plan.n_series))
    for name, pos in national_series(len(plan.years), len(plan.scenario.areas)).items():
        out[:, pos] = series[name].reshape(b - a, -1)
    return out


def available_threads() -> int:
    return int(numba.config.NUMBA_NUM_THREADS)


def check_threads(threads: int | None) -> int:
    limit = available_threads()
    if threads is None:
        return limit
    if not 1 <= threads <= limit:
        from simengine.messages import Msg

        raise ConfigError(Msg("run.option", name="--threads:", what=Msg("run.threads", limit=limit, got=threads)))
    return threads


def _kernel_args(plan: Plan) -> tuple[InputArrays, ModelArrays, HistLayout, Sampling]:
    """The kernel's read-only arguments (simengine.core.contract), field by field by name."""
    sc = plan.scenario
    inputs = InputArrays(
        in_code=plan.in_code,
        in_par=plan.in_par,
        in_tab=plan.in_tab,
        in_key=plan.in_key,
        tables=plan.tables,
        cap_code=plan.cap_code,
        cap_par=plan.cap_par,
        cap_tab=plan.cap_tab,
        cap_key=plan.cap_key,
        size_eff=plan.size_effect,
        loc_code=plan.loc_code,
        loc_par=plan.loc_par,
        loc_tab=plan.loc_tab,
        loc_key=plan.loc_key,
    )
    # the scenario's constants; every other field is the Plan's of the same name (its [model] choices included)
    own = dict(
        w0=sc.assumed_weak_share,
        ret_share=sc.retention_share,
        ret_years=sc.retention_years,
        uplift=sc.incentive_uplift,
        n_areas=len(sc.areas),
    )
    model = ModelArrays(**own, **{f: getattr(plan, f) for f in ModelArrays._fields if f not in own})
    layout = HistLayout(
        mun_lo_bits=plan.mun_hist_lo.view(np.int64),
        init_lo_bits=plan.init_hist_lo.view(np.int64),
        mun_inv_unit=plan.mun_inv_unit,
        mun_short_inv_unit=plan.mun_short_inv_unit,
        init_inv_unit=plan.init_inv_unit,
        nat_lo_bits=np.float64(plan.nat_hist_lo).view(np.int64),
        nat_inv_unit=plan.nat_inv_unit,
        golive_origin=float(sc.start_year),
        golive_per_year=float(GOLIVE_PER_YEAR),
    )
    sampling = Sampling(
        lhs_n=plan.lhs_n,
        lhs_half=plan.lhs_half,
        lhs_mask=plan.lhs_mask,
        corr_idx=plan.corr_idx,
        corr_factor=plan.corr_factor,
        shock_key=plan.shock_key,
        sh_in=plan.sh_in,
        sh_of=plan.sh_of,
        sh_a=plan.sh_a,
        sh_b=plan.sh_b,
        qmc_in=plan.qmc_in,
        qmc_sh=plan.qmc_sh,
        qmc_sv=plan.qmc_sv,
        qmc_shift=plan.qmc_shift,
        qmc_key=plan.qmc_key,
        qmc_rep_bits=int(plan.qmc_rep_bits),
    )
    return inputs, model, layout, sampling


def _kernel_outputs(
    d0: int, kept: dict[str, np.ndarray], inputs: np.ndarray, acc: Accumulators, overflow: np.ndarray
) -> tuple[KeptDraws, BlockAccumulators]:
    """The kernel's written arguments: kept rows of draws d0.. (kept: by PER_DRAW name), per-block accumulators."""
    return (
        KeptDraws(d0=d0, inputs=inputs, **kept),
        BlockAccumulators(overflow=overflow, **{f: getattr(acc, f) for f in ACC_FIELDS}),
    )


def new_accumulators(plan: Plan, blocks: int | None = None) -> Accumulators:
    """Zeroed accumulators; with ``blocks``, one set per kernel block (first axis)."""
    Y, M, I, A, B = len(plan.years), len(plan.size_effect), len(plan.gain), len(plan.scenario.areas), plan.hist_bins
    G = GOLIVE_PER_YEAR * GOLIVE_YEARS
    lead = () if blocks is None else (blocks,)
    # histogram counts per block fit int32: a block never sees more than MAX_DRAWS (1e9) < 2^31 draws
    hdt = np.int64 if blocks is None else np.int32
    return Accumulators(
        mun_hist=np.zeros(lead + (Y, M, B), hdt),
        init_hist=np.zeros(lead + (Y, I, B), hdt),
        nat_hist=np.zeros(lead + (plan.n_series, NAT_BINS), hdt),
        golive_hist=np.zeros(lead + (I, G), np.int64),
        mun_sum=np.zeros(lead + (Y, M), np.int64),
        mun_short_sum=np.zeros(lead + (Y, M), np.int64),
        init_sum=np.zeros(lead + (Y, I), np.int64),
        nat_sum=np.zeros(lead + (plan.n_series,), np.int64),
        hit=np.zeros(lead + (Y,), np.int64),
        area_hit=np.zeros(lead + (A, Y), np.int64),
        init_pot_sum=np.zeros(lead + (Y, I), np.int64),
    )


def new_scratch(plan: Plan, blocks: int) -> BlockScratch:
    """The kernel's per-block 16-bit histogram counts and the spans of bins touched: [0], [1]
    since the counts were last added into the histograms, [2], [3] ever (for the final merge).
    The kernel leaves the counts zeroed, so one set serves every call of a run."""
    Y, M, I, B = len(plan.years), len(plan.size_effect), len(plan.gain), plan.hist_bins

    def spans(*shape):
        out = np.empty((blocks, 4) + shape, np.int64)
        out[:, 0::2] = B
        out[:, 1::2] = -1
        return out

    nat = np.empty((blocks, 2, plan.n_series), np.int64)
    nat[:, 0] = NAT_BINS
    nat[:, 1] = -1
    return BlockScratch(
        lmun=np.zeros((blocks, Y, M, B), np.uint16),
        linit=np.zeros((blocks, Y, I, B), np.uint16),
        mun_span=spans(Y, M),
        init_span=spans(Y, I),
        nat_span=nat,
    )


def _reduce_blocks(acc: Accumulators, overflow: np.ndarray, scratch: tuple[np.ndarray, ...]) -> Accumulators:
    """Sum the kernel's per-block accumulators; histograms only over the bins the blocks touched."""
    _, _, mun_span, init_span, nat_span = scratch
    out = {
        name: getattr(acc, name).sum(axis=0, dtype=np.int64)
        for name in ACC_FIELDS
        if name not in ("mun_hist", "init_hist", "nat_hist")
    }
    for name, lo, hi in (
        ("mun_hist", mun_span[:, 2], mun_span[:, 3]),
        ("init_hist", init_span[:, 2], init_span[:, 3]),
        ("nat_hist", nat_span[:, 0], nat_span[:, 1]),
    ):
        h = getattr(acc, name)
        merged = np.zeros(h.shape[1:], np.int64)
        rows = int(np.prod(h.shape[1:-1]))
        merge_blocks(
            h.reshape(h.shape[0], rows, h.shape[-1]),
            lo.reshape(lo.shape[0], rows),
            hi.reshape(hi.shape[0], rows),
            merged.reshape(rows, h.shape[-1]),
        )
        out[name] = merged
    return Accumulators(**out, overflow=int(overflow.sum()))


def _per_draw(plan: Plan, n: int) -> dict[str, np.ndarray]:
    Y, A, R = len(plan.years), len(plan.scenario.areas), len(REGIMES)
    return {
        "benefit": np.empty((n, Y)),
        "cost": np.empty((n, Y)),
        "area_benefit": np.empty((n, A, Y)),
        "central_gain": np.empty((n, R, Y)),
        "service_cut": np.empty((n, R, Y)),
        "regime_benefit": np.empty((n, R, Y)),
        "npv": np.empty(n),
        "potential": np.empty((n, Y)),
        "area_potential": np.empty((n, A, Y)),
    }


@ordinary_pages()  # a block's arrays in ordinary pages, also on a Dask worker (core.memory)
def run_range(
    plan: Plan,
    d0: int,
    n: int,
    threads: int,
    keep_draws: int = DEFAULT_KEEP_DRAWS,
    store_inputs: int = DEFAULT_STORE_INPUTS,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Partial:
    """Simulate global draws [d0, d0+n) on ``threads`` threads, ``chunk`` draws per kernel call.

    The result does not depend on ``threads`` or ``chunk``. numba runs on ``threads`` threads for
    the call (simengine.core.driver.numba_threads: set, then restored)."""
    from simengine.core.driver import numba_threads

    if not 0 <= n <= MAX_DRAWS:  # each thread's histogram counts are int32 (new_accumulators)
        raise ConfigError(
            f"draws: at most {MAX_DRAWS:,} in one run (histogram counts are 32-bit per thread), got {n:,}"
        )
    with numba_threads(threads):
        return _run_range(plan, d0, n, threads, keep_draws, store_inputs, chunk, progress)


def _run_range(
    plan: Plan,
    d0: int,
    n: int,
    threads: int,
    keep_draws: int,
    store_inputs: int,
    chunk: int,
    progress: Callable[[int], None] | None,
) -> Partial:
    n_keep = max(0, min(keep_draws, d0 + n) - d0)
    n_inp = max(0, min(store_inputs, keep_draws, d0 + n) - d0)
    kept = _per_draw(plan, n_keep)
    inputs = np.zeros((n_inp, plan.n_inputs))
    acc = new_accumulators(plan, threads)
    overflow = np.zeros(threads, np.int64)
    scratch = new_scratch(plan, threads)
    args = _kernel_args(plan)
    done = 0
    while done < n:
        m = min(chunk, n - done)
        c0 = d0 + done
        ks = slice(min(done, n_keep), min(done + m, n_keep))  # kept rows of this chunk
        iset = slice(min(done, n_inp), min(done + m, n_inp))
        simulate(
            c0,
            m,
            threads,
            *args,
            *_kernel_outputs(c0, {k: kept[k][ks] for k in PER_DRAW}, inputs[iset], acc, overflow),
            scratch,
        )
        done += m
        if progress is not None:
            progress(m)
    merged = _reduce_blocks(acc, overflow, scratch)
    if merged.overflow:
        from simengine.analysis.finite import overflow_error

        raise overflow_error(plan.scenario, Msg("run.overflow_values", n=int(merged.overflow)))
    return Partial(d0=d0, n=n, acc=merged, kept=kept, inputs=inputs)


def assemble(plan: Plan, partials: Iterable[Partial], draws: int, keep_draws: int, store_inputs: int) -> tuple:
    """Merge partials covering draws [0, draws) exactly once into (kept arrays, inputs, accumulators)
    (simengine.core.driver.Merger, the one merge)."""
    from simengine.core.driver import Merger

    parts = list(partials)
    m = Merger(plan, draws, keep_draws, store_inputs, [(p.d0, p.n) for p in parts])
    for p in parts:
        m.add(p)
    raw = m.raw(threads=1, chunk=DEFAULT_CHUNK, seconds=0.0)
    return {k: getattr(raw, k) for k in PER_DRAW}, raw.inputs, raw.acc


def estimate_memory(
    plan: Plan,
    draws: int,
    threads: int,
    keep_draws: int,
    store_inputs: int = DEFAULT_STORE_INPUTS,
    report: bool = False,
    analyses: bool = True,
) -> int:
    """Bytes a run needs at its peak RSS, baseline included: the largest of the simulation, the
    results and the report phases, term by term in simengine.core.memory."""
    from simengine.core import memory

    return memory.estimate(plan, draws, threads, keep_draws, store_inputs, report, analyses).total


def physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


#: run_scenario sets this while it runs a scenario whose report it will write (the report's
#: memory is part of the run's peak); the Python API's run writes none
REPORT = contextvars.ContextVar("simengine_report", default=False)


def check_memory(plan: Plan, draws: int, threads: int, keep_draws: int, analyses: bool = True) -> None:
    """Refuse, before simulating, a run that would need more memory than the machine has, naming the
    largest part of the estimate and a change that would make it fit (simengine.core.memory)."""
    from simengine.core import memory

    have = physical_memory()
    if have is None:
        return
    limit = 0.8 * have
    report = REPORT.get()
    if memory.last_total is None:  # the process's first run: the interpreter and libraries as loaded here
        memory.observe_baseline()
        memory.last_total = estimate_memory(plan, draws, threads, keep_draws, report=report, analyses=analyses)
    adv = memory.advice(plan, draws, threads, keep_draws, limit, report=report, analyses=analyses)
    if adv is None:
        return
    key, text = adv
    need = estimate_memory(plan, draws, threads, keep_draws, report=report, analyses=analyses)
    where = f"{key}: " if key.startswith("--") else f"{plan.scenario.path}: " + (f"{key}: " if key else "")
    raise ConfigError(Msg("memory.refused", where=where, need=need / 2**30, have=have / 2**30, advice=text))


def run(
    plan: Plan,
    threads: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    keep_draws: int | None = None,
    store_inputs: int = DEFAULT_STORE_INPUTS,
    progress: Callable[[int], None] | None = None,
    analyses: bool = True,
) -> RawResults:
    """All draws of ``plan`` in this process on ``threads`` threads (simengine.core.driver.run)."""
    from simengine.core import driver

    opts = driver.RunOptions(via="cli", threads=threads, chunk=chunk, keep_draws=keep_draws, store_inputs=store_inputs)
    raw, _ = driver.run(plan, opts, driver.LocalExecutor(threads), progress=progress, analyses=analyses)
    return raw
