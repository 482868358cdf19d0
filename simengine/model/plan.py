"""Compile a validated scenario into the flat arrays the kernel works on (a :class:`Plan`).

Everything here is done once per run, in Python: allocation keys, target paths, stream keys,
quantile tables, histogram ranges. The kernel itself does no validation.

Per-draw scalar inputs ("inputs") are laid out as :mod:`simengine.model.structure` declares them:
the national inputs, then for initiative i the ``N_VARS`` variables of :data:`INITIATIVE_VARS`
at ``N_NATIONAL + i * N_VARS + v``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simengine.messages import Msg
from simengine.model.distributions import TABLE, TABLE_LEN, Dist, quantile_table, realisation_table
from simengine.model.rng import stream_key
from simengine.model.structure import (  # noqa: F401 - the declared structure, re-exported
    INITIATIVE_INPUTS,
    INITIATIVE_VARS,
    N_NATIONAL,
    N_VARS,
    NATIONAL_VARS,
    REGIMES,
    national_series,
)
from simengine.scenario.schema import Scenario

#: Histogram layout (per municipality-year and initiative-year). Bin 0 holds exact zeros,
#: bin 1 values in (0, lo), bin B-1 values >= hi; bins 2..B-2 split [lo, hi) into HIST_OCTAVES
#: octaves of 2**HIST_SUB_BITS bins, equally spaced in the float64 bit pattern, i.e. linear
#: inside each octave: bin k covers [2^e (1 + j/S), 2^e (1 + (j+1)/S)), S = 2**HIST_SUB_BITS,
#: a relative width between 1/(2S) and 1/S (0.20 %-0.39 %). lo = 2^(floor(log2 nominal) -
#: HIST_OCTAVES_BELOW), nominal being the statistic's business-case size at full effect. The
#: kernel finds a bin with one subtraction and one shift of the value's bits.
HIST_SUB_BITS = 8
HIST_OCTAVES = 24
HIST_OCTAVES_BELOW = 16
HIST_BINS = 3 + HIST_OCTAVES * 2**HIST_SUB_BITS
HIST_SHIFT = 52 - HIST_SUB_BITS
#: National per-draw series (gain, net gain, costs, areas, regimes, NPV) also get histograms, used
#: when a run has more draws than it keeps per draw. They are signed (net gain and NPV can be
#: negative): bins mirror around an exact-zero bin. Finer: 2**NAT_SUB_BITS bins per octave.
NAT_SUB_BITS = 10
NAT_HALF = 3 + HIST_OCTAVES * 2**NAT_SUB_BITS
NAT_BINS = 2 * NAT_HALF - 1
NAT_SHIFT = 52 - NAT_SUB_BITS
#: fixed-point unit of the national sums: nominal * 2**-NAT_FIXED_BITS
NAT_FIXED_BITS = 24
#: fixed-point unit for order-independent sums: nominal * 2**-FIXED_BITS
FIXED_BITS = 30
#: go-live histogram: monthly bins from start_year over GOLIVE_YEARS years
GOLIVE_PER_YEAR = 12
GOLIVE_YEARS = 60


@dataclass
class Plan:
    scenario: Scenario
    years: np.ndarray  # int64 (Y)
    year_mid: np.ndarray  # float64 (Y)
    discount: np.ndarray  # (Y) 1/(1+r)^(y - start_year)
    target: np.ndarray  # (Y)
    area_target: np.ndarray  # (A, Y)
    mun_target: np.ndarray  # (Y, M)
    # inputs
    input_names: list[str]
    input_initiative: list[str]
    input_kind: list[str]
    input_dists: list[Dist]
    in_code: np.ndarray
    in_par: np.ndarray  # (n_in, 3)
    in_tab: np.ndarray
    in_key: np.ndarray  # uint64
    tables: np.ndarray  # (n_tab, TABLE_LEN)
    # capacity and local execution
    cap_dist: Dist
    cap_code: int
    cap_par: np.ndarray
    cap_tab: int
    cap_key: np.ndarray  # (M) uint64
    size_effect: np.ndarray  # (M)
    loc_dist: Dist
    loc_code: int
    loc_par: np.ndarray
    loc_tab: int
    loc_key: np.ndarray  # (I, M) uint64
    # initiatives
    gain: np.ndarray
    start: np.ndarray  # float64
    channel: np.ndarray  # float64 0/1
    investment: np.ndarray
    running: np.ndarray
    area_of: np.ndarray  # int64
    weights: np.ndarray  # (I, M), rows sum to 1
    # histograms / sums
    hist_bins: int
    mun_nominal: np.ndarray  # (M)
    init_nominal: np.ndarray  # (I)
    mun_hist_lo: np.ndarray  # (M) lower edge of the log bins, a power of 2
    init_hist_lo: np.ndarray  # (I)
    nat_nominal: float  # size of the national series (for histogram range and fixed point)
    nat_hist_lo: float
    nat_inv_unit: float
    n_series: int
    # sampling
    lhs_n: int  # number of draws stratified by Latin hypercube sampling (0: plain random)
    lhs_half: int
    lhs_mask: np.uint64
    corr_idx: np.ndarray  # (C,) inputs in the Gaussian copula
    corr_factor: np.ndarray  # (C, C) A with A A^T = the copula's normal correlation matrix
    notes: list[Msg]  # warnings for the user (e.g. a repaired correlation matrix); str() is English
    mun_inv_unit: np.ndarray  # (M)
    mun_short_inv_unit: np.ndarray  # (M) for the shortfall against the target share
    init_inv_unit: np.ndarray  # (I)
    # [model] choices, [[shocks]] and dependencies (simengine.scenario.schema; docs/model.md)
    timing_component: int  # 1: go-live = start + max(delay, legislation delay)
    real_mean: int  # 1: mean-preserving realisation (real_tab), 0: the clamp
    real_tab: np.ndarray  # (N_REAL + 1) the scale a(mu), see distributions.realisation_table
    ramp_base: np.ndarray  # (I) adoption share reached at go-live
    dep_of: np.ndarray  # (I) int64 index of the initiative waited for, -1 none
    dep_lag: np.ndarray  # (I) years after that initiative's go-live
    order: np.ndarray  # (I) int64 initiatives in an order where each comes after the one it waits for
    shock_key: np.ndarray  # (S) uint64 stream of each shock's factor
    sh_in: np.ndarray  # (H) int64 input index of each (shock, input) membership, in shock order
    sh_of: np.ndarray  # (H) int64 the shock
    sh_a: np.ndarray  # (H) sqrt(loading)
    sh_b: np.ndarray  # (H) sqrt(1 - loading)
    # randomised quasi-Monte Carlo ([simulation] sampling = "qmc", simengine.model.qmc): Sobol' dimension
    # of each input (-1: fixed, or not qmc) and of each shock; the scrambled direction numbers and
    # shift of those dimensions (none when not qmc); the keys of their replicate shifts, and the
    # replicate size 2^qmc_rep_bits (simengine.model.qmc.QMC_REPLICATE)
    qmc_in: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    qmc_sh: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    qmc_sv: np.ndarray = field(default_factory=lambda: np.zeros((0, 30), np.uint64))
    qmc_shift: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    qmc_key: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    qmc_rep_bits: int = 30

    @property
    def n_inputs(self) -> int:
        return len(self.in_code)


def size_effect(pop: np.ndarray, band: tuple[float, float], penalty: float) -> np.ndarray:
    """1 inside the optimal band; falls by ``penalty`` per halving/doubling outside; floor 0."""
    lo, hi = band
    pop = np.asarray(pop, dtype=float)
    with np.errstate(divide="ignore"):
        below = np.where(pop < lo, np.log2(lo / pop), 0.0)
        above = np.where(pop > hi, np.log2(pop / hi), 0.0) if math.isfinite(hi) else 0.0
    return np.maximum(0.0, 1.0 - penalty * (below + above))


def target_path(total: float, years: np.ndarray, first: int, full: int) -> np.ndarray:
    """0 before ``first``; total*(y-first+1)/(full-first+1) up to ``full``; total after."""
    frac = np.clip((years - first + 1) / (full - first + 1), 0.0, 1.0)
    return total * frac


def mean_one_lognormal(sigma: float) -> Dist:
    if sigma == 0:
        return Dist.fixed(1.0)
    return Dist("lognormal", (("mu", -0.5 * sigma * sigma), ("sigma", sigma)))


def allocation_weights(sc: Scenario) -> np.ndarray:
    m = sc.municipalities
    w = np.empty((len(sc.initiatives), len(m)))
    for i, ini in enumerate(sc.initiatives):
        if ini.key == "population":
            col = m.population
        elif ini.key == "equal":
            col = np.ones(len(m))
        else:
            col = m.extra[ini.key]
        w[i] = col / col.sum()
    return w


def initiative_dists(ini) -> list[Dist]:
    """The initiative's distributions in :data:`INITIATIVE_VARS` order: a risk event (an input
    with an ``event_size``, simengine.model.structure) is Bernoulli with the initiative's
    ``<event>_probability``, every other input the initiative's field of its name."""
    out = []
    for v in INITIATIVE_INPUTS:
        if v.event_size:
            p = getattr(ini, f"{v.key}_probability")
            out.append(Dist("bernoulli", (("p", p),)) if p > 0 else Dist.fixed(0.0))
        else:
            out.append(getattr(ini, v.key))
    return out


def hist_lo(nominal: np.ndarray) -> np.ndarray:
    safe = np.maximum(nominal, 1.0)  # amounts below 1 DKK carry no meaning
    return np.exp2(np.floor(np.log2(safe)) - HIST_OCTAVES_BELOW)


def hist_edges(lo: float, sub_bits: int = HIST_SUB_BITS) -> np.ndarray:
    """The edges of the log bins 2..B-2 for lower edge ``lo`` (exact): HIST_OCTAVES*2**sub_bits + 1."""
    sub = 2**sub_bits
    j = np.arange(HIST_OCTAVES * sub + 1)
    return lo * np.exp2(j // sub) * (1.0 + (j % sub) / sub)


class _Tables:
    def __init__(self, known: dict[Dist, np.ndarray] | None = None) -> None:
        self.index: dict[Dist, int] = {}
        self.rows: list[np.ndarray] = [np.zeros(TABLE_LEN)]  # row 0: unused placeholder
        self.known = {} if known is None else known  # tables of another plan, by distribution

    @classmethod
    def of(cls, plan: Plan) -> _Tables:
        """Ready to reuse the quantile tables of ``plan`` (a table depends only on its distribution)."""
        known: dict[Dist, np.ndarray] = {}
        for d, t in zip([*plan.input_dists, plan.cap_dist, plan.loc_dist], [*plan.in_tab, plan.cap_tab, plan.loc_tab]):
            if t > 0:
                known[d] = plan.tables[t]
        return cls(known)

    def encode(self, d: Dist) -> tuple[int, tuple[float, float, float], int]:
        code, par = d.kernel_code()
        tab = 0
        if code == TABLE:
            if d not in self.index:
                self.index[d] = len(self.rows)
                known = self.known.get(d)
                self.rows.append(quantile_table(d) if known is None else known)
            tab = self.index[d]
        return code, par, tab


def nearest_correlation(a: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Higham's (2002) alternating projections: the nearest correlation matrix to ``a``."""
    y = a.copy()
    ds = np.zeros_like(a)
    for _ in range(iterations):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, 0.0)) @ v.T
        ds = x - r
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if np.linalg.norm(y - x) < 1e-12:
            break
    return y


def copula(sc: Scenario, names: list[str], dists: list[Dist]) -> tuple[np.ndarray, np.ndarray, list[Msg]]:
    """The Gaussian copula of the scenario's [[correlations]]: (input indices, factor A, notes).

    Rank correlations rho_s become normal correlations 2 sin(pi rho_s / 6), which gives the
    requested Spearman correlation between the inputs whatever their marginals. A matrix that is
    not positive semi-definite is repaired to the nearest valid one (Higham 2002) with a note
    naming the largest change.
    """
    if not sc.correlations:
        return np.zeros(0, np.int64), np.zeros((0, 0)), []
    index = {n: k for k, n in enumerate(names)}
    involved = sorted({index[a] for a, b, _ in sc.correlations} | {index[b] for a, b, _ in sc.correlations})
    pos = {k: j for j, k in enumerate(involved)}
    C = len(involved)
    spear = np.eye(C)
    for a, b, rho in sc.correlations:
        i, j = pos[index[a]], pos[index[b]]
        spear[i, j] = spear[j, i] = rho
    normal = 2.0 * np.sin(np.pi * spear / 6.0)
    np.fill_diagonal(normal, 1.0)
    notes: list[Msg] = []
    if np.linalg.eigvalsh(normal).min() < -1e-10:
        fixed = nearest_correlation(normal)
        # report the change in rank-correlation terms
        spear_fixed = 6.0 / np.pi * np.arcsin(np.clip(fixed / 2.0, -0.5, 0.5))
        np.fill_diagonal(spear_fixed, 1.0)
        diff = np.abs(spear_fixed - spear)
        i, j = (int(x) for x in np.unravel_index(np.argmax(diff), diff.shape))
        notes.append(
            Msg(
                "run.corr_repaired",
                a=names[involved[i]],
                b=names[involved[j]],
                old=float(spear[i, j]),
                new=float(spear_fixed[i, j]),
            )
        )
        normal = fixed
    w, v = np.linalg.eigh(normal)
    factor = v * np.sqrt(np.maximum(w, 0.0))
    factor /= np.sqrt((factor**2).sum(axis=1))[:, None]  # exact unit variances
    return np.array(involved, dtype=np.int64), np.ascontiguousarray(factor), notes


def scenario_notes(sc: Scenario) -> list[Msg]:
    """The notes :func:`compile_plan` gives ``sc`` (a repaired correlation matrix), without compiling it."""
    if not sc.correlations:
        return []
    names = [f"national.{v}" for v in NATIONAL_VARS]
    names += [f"{ini.id}.{v}" for ini in sc.initiatives for v in INITIATIVE_VARS]
    return copula(sc, names, [])[2]


def dependency_order(sc: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dep_of, dep_lag, order): the index of the initiative each waits for (-1: none), the lag,
    and an order of the initiatives in which each comes after the one it waits for (the file's
    order where there are no dependencies; the scenario loader has refused cycles)."""
    ids = [i.id for i in sc.initiatives]
    dep_of = np.array([ids.index(i.depends_on) if i.depends_on else -1 for i in sc.initiatives], dtype=np.int64)
    dep_lag = np.array([i.dependency_lag for i in sc.initiatives], dtype=float)
    order: list[int] = []
    placed = set()

    def place(i: int) -> None:
        if i in placed:
            return
        if dep_of[i] >= 0:
            place(int(dep_of[i]))
        placed.add(i)
        order.append(i)

    for i in range(len(ids)):
        place(i)
    return dep_of, dep_lag, np.array(order, dtype=np.int64)


def shock_members(
    sc: Scenario, names: list[str], dists: list[Dist]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(shock keys, input index, shock index, sqrt(loading), sqrt(1 - loading)) of every
    (shock, input) membership, in the order of [[shocks]] and then of the initiatives."""
    index = {n: k for k, n in enumerate(names)}
    keys = np.array([stream_key(sc.seed, "shock", s.id) for s in sc.shocks], dtype=np.uint64)
    sh_in, sh_of, sh_l = [], [], []
    for j, s in enumerate(sc.shocks):
        for ident in (i.id for i in sc.initiatives if i.id in s.initiatives):
            k = index[f"{ident}.{s.input}"]
            if dists[k].is_fixed:  # nothing to shock (e.g. a cause switched off by the waterfall)
                continue
            sh_in.append(k)
            sh_of.append(j)
            sh_l.append(s.loading)
    load = np.array(sh_l, dtype=float)
    return (keys, np.array(sh_in, dtype=np.int64), np.array(sh_of, dtype=np.int64), np.sqrt(load), np.sqrt(1.0 - load))


def compile_plan(sc: Scenario, like: Plan | None = None) -> Plan:
    """The Plan of ``sc``. ``like``: a plan whose quantile tables are reused for the same
    distributions instead of computed again (scipy's ``ppf`` on each grid: most of this function's
    time); the result is the same, bit for bit."""
    years = np.arange(sc.start_year, sc.horizon + 1, dtype=np.int64)
    mun = sc.municipalities
    I, M = len(sc.initiatives), len(mun)
    tabs = _Tables() if like is None else _Tables.of(like)

    names, inits, kinds, dists = [], [], [], []
    for v, d in zip(NATIONAL_VARS, (sc.weak_share, sc.economic_pressure)):
        names.append(f"national.{v}")
        inits.append("")
        kinds.append(v)
        dists.append(d)
    for ini in sc.initiatives:
        for v, d in zip(INITIATIVE_VARS, initiative_dists(ini)):
            names.append(f"{ini.id}.{v}")
            inits.append(ini.id)
            kinds.append(v)
            dists.append(d)
    n_in = len(dists)
    in_code = np.empty(n_in, np.int64)
    in_par = np.empty((n_in, 3))
    in_tab = np.empty(n_in, np.int64)
    in_key = np.empty(n_in, np.uint64)
    for k, d in enumerate(dists):
        code, par, tab = tabs.encode(d)
        in_code[k], in_par[k], in_tab[k] = code, par, tab
        ident = inits[k]
        in_key[k] = stream_key(sc.seed, kinds[k], ident)

    corr_idx, corr_factor, notes = copula(sc, names, dists)
    from simengine.model.rng import lhs_bits

    lhs_half, lhs_mask = lhs_bits(sc.draws)
    cap = mean_one_lognormal(sc.capacity_spread)
    cap_code, cap_par, cap_tab = tabs.encode(cap)
    loc = mean_one_lognormal(sc.local_spread)
    loc_code, loc_par, loc_tab = tabs.encode(loc)
    cap_key = np.array([stream_key(sc.seed, "capacity", "", int(c)) for c in mun.codes], dtype=np.uint64)
    loc_key = np.array(
        [[stream_key(sc.seed, "local", ini.id, int(c)) for c in mun.codes] for ini in sc.initiatives], dtype=np.uint64
    ).reshape(I, M)

    weights = allocation_weights(sc)
    gain = np.array([ini.gain for ini in sc.initiatives])
    target = target_path(sc.target, years, sc.target_start_year, sc.target_year)
    area_target = np.array([target_path(a.target, years, sc.target_start_year, sc.target_year) for a in sc.areas])
    pop_share = mun.population / mun.population.sum()
    mun_nominal = weights.T @ gain
    init_nominal = gain.copy()
    costs = sum(i.investment + i.running for i in sc.initiatives)
    nat_nominal = float(max(gain.sum(), sc.target, costs, 1.0))

    dep_of, dep_lag, order = dependency_order(sc)
    shock_key, sh_in, sh_of, sh_a, sh_b = shock_members(sc, names, dists)
    sigma_v = math.hypot(sc.capacity_spread, sc.local_spread)  # log-sd of C eps: both mean-one lognormals

    def inv_unit(nominal: np.ndarray) -> np.ndarray:
        safe = np.maximum(nominal, 1.0)  # amounts below 1 DKK carry no meaning
        return 2.0 ** (FIXED_BITS - np.floor(np.log2(safe)))

    return Plan(
        scenario=sc,
        years=years,
        year_mid=years + 0.5,
        discount=(1.0 + sc.discount_rate) ** -(years - sc.start_year).astype(float),
        target=target,
        area_target=area_target.reshape(len(sc.areas), len(years)),
        mun_target=np.ascontiguousarray(target[:, None] * pop_share[None, :]),
        input_names=names,
        input_initiative=inits,
        input_kind=kinds,
        input_dists=dists,
        in_code=in_code,
        in_par=in_par,
        in_tab=in_tab,
        in_key=in_key,
        tables=np.ascontiguousarray(np.array(tabs.rows)),
        cap_dist=cap,
        cap_code=cap_code,
        cap_par=np.array(cap_par),
        cap_tab=cap_tab,
        cap_key=cap_key,
        size_effect=size_effect(mun.population, sc.optimal_population, sc.size_penalty),
        loc_dist=loc,
        loc_code=loc_code,
        loc_par=np.array(loc_par),
        loc_tab=loc_tab,
        loc_key=loc_key,
        gain=gain,
        start=np.array([float(ini.start) for ini in sc.initiatives]),
        channel=np.array([1.0 if ini.channel_shift else 0.0 for ini in sc.initiatives]),
        investment=np.array([ini.investment for ini in sc.initiatives]),
        running=np.array([ini.running for ini in sc.initiatives]),
        area_of=np.array([[a.key for a in sc.areas].index(ini.area) for ini in sc.initiatives], dtype=np.int64),
        weights=np.ascontiguousarray(weights),
        hist_bins=HIST_BINS,
        mun_nominal=mun_nominal,
        init_nominal=init_nominal,
        mun_hist_lo=hist_lo(mun_nominal),
        init_hist_lo=hist_lo(init_nominal),
        nat_nominal=nat_nominal,
        nat_hist_lo=float(hist_lo(np.array([nat_nominal]))[0]),
        nat_inv_unit=float(2.0 ** (NAT_FIXED_BITS - np.floor(np.log2(nat_nominal)))),
        n_series=national_series(len(years), len(sc.areas))["npv"].stop,
        lhs_n=sc.draws if sc.sampling == "lhs" else 0,
        lhs_half=lhs_half,
        lhs_mask=lhs_mask,
        corr_idx=corr_idx,
        corr_factor=corr_factor,
        notes=notes,
        mun_inv_unit=inv_unit(mun_nominal),
        mun_short_inv_unit=inv_unit(np.maximum(mun_nominal, target.max() * pop_share)),
        init_inv_unit=inv_unit(init_nominal),
        timing_component=1 if sc.timing == "component" else 0,
        real_mean=1 if sc.realisation == "mean-preserving" else 0,
        real_tab=realisation_table(sigma_v) if sc.realisation == "mean-preserving" else np.zeros(2),
        ramp_base=np.array([i.ramp_baseline for i in sc.initiatives], dtype=float),
        dep_of=dep_of,
        dep_lag=dep_lag,
        order=order,
        shock_key=shock_key,
        sh_in=sh_in,
        sh_of=sh_of,
        sh_a=sh_a,
        sh_b=sh_b,
        **_qmc_fields(sc, in_code, len(shock_key)),
    )


def _qmc_fields(sc: Scenario, in_code: np.ndarray, n_shocks: int) -> dict[str, Any]:
    """The Plan's qmc_* arrays: empty unless [simulation] sampling = "qmc" (simengine.model.qmc)."""
    if sc.sampling != "qmc":
        return {}
    from simengine.errors import ConfigError
    from simengine.model.distributions import FIXED
    from simengine.model.qmc import QMC_MAX_DIMS, QMC_REPLICATE_BITS, dimensions, directions, replicate_keys

    dim_in, dim_sh, dims = dimensions(in_code, n_shocks, FIXED)
    if dims > QMC_MAX_DIMS:
        raise ConfigError(
            f'{sc.path}: simulation.sampling: "qmc" needs one Sobol\' dimension per sampled input '
            f'and shock, {dims:,} here, more than the {QMC_MAX_DIMS:,} available; use "random" '
            'or "lhs"'
        )
    sv, shift = directions(sc.seed, dims)
    return {
        "qmc_in": dim_in,
        "qmc_sh": dim_sh,
        "qmc_sv": sv,
        "qmc_shift": shift,
        "qmc_key": replicate_keys(sc.seed, dims),
        "qmc_rep_bits": QMC_REPLICATE_BITS,
    }
