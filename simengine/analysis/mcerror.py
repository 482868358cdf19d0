"""Monte Carlo error: a 95 % interval for every reported quantile and probability, and the
adaptive stopping rule of ``run --precision``.

Intervals (docs/model.md, *Monte Carlo error*):

* **quantiles**: the distribution-free order-statistics interval. With N draws, the number of
  draws at or below the true q-quantile is Binomial(N, q); the interval runs from the order
  statistic of rank j = F⁻¹(0.025) to the one of rank k = F⁻¹(0.975) + 1 (1-based, F the
  Binomial(N, q) CDF), which covers the true quantile with probability ≥ 95 %. Exact national
  quantiles take these order statistics from the per-draw values; histogram-based ones
  (municipalities, initiatives, and national statistics when not every draw is kept) apply the
  same ranks to the histogram, so they carry the histogram's bin error (≤ 0.39 %) on top.
* **probabilities** (P(target), the backtest's observed rank): the Wilson score interval.
* **means**: normal approximation, mean ± 1.96·sd/√N, sd from the kept draws.

The intervals assume independent draws (``sampling = "random"``); under Latin hypercube sampling
they are conservative.

**Randomised QMC** (``sampling = "qmc"``, simengine.model.qmc): the draws are replicates of
M = QMC_REPLICATE draws, each the scrambled Sobol' sequence under an independent digital shift,
so the replicates' estimates are i.i.d. With R >= :data:`MIN_REPLICATES` complete replicates among
the kept draws, the national series' quantiles and means and P(target) (national and per area)
get a **replicate interval**: the run's estimate ± t(R_k − 1; 0.975) · sd / √R, sd the standard
deviation of the R_k kept replicates' own estimates (their mean, quantile or proportion), R the
complete replicates among all draws. For a mean this is the textbook t interval of the replicate
means (centred on the mean of all draws); for a quantile or a proportion the run's estimate is,
to first order, the average of the replicates' estimates, so it has their variance / R. Where every
replicate gives the same proportion (a probability near 0 or 1), the spread says nothing and
Wilson's interval is kept. The regime differences' quantiles and means and P(service cut > X) take
replicate intervals too when every draw is kept. The intervals that are not replicate-based
(municipality, initiative and go-live quantiles from histograms, the observed rank, and the
regime ones from histograms),
and all of them when fewer than MIN_REPLICATES replicates are kept, are the independent-draw
intervals above, and their ``method`` says so: scrambled Sobol' points are not independent, so
these are approximations, conservative where the points do better than independent ones (on the
2015 scenario replicates of 4,096 draws had 5.8x less variance of the target-year mean than
random sampling and 2.9x less of its P10; benchmarks/README.md), not guaranteed.

The stopping rule adds blocks of draws (:data:`BLOCK`) until the half-width of the interval of
the target-year P10 and P50 of the national gain is below ``precision`` times the estimate and
that of P(target) in the target year below ``precision`` (absolute), or ``max_draws`` is reached.
Streams are keyed by the global draw index, so a run that stops after N draws is identical to a
plain run of N draws. Under QMC the blocks are whole replicates and the rule uses the replicate
intervals (the independent-draw ones while fewer than MIN_REPLICATES replicates are done).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable

import numpy as np
import xarray as xr
from scipy import stats as sps

from simengine.analysis.varspecs import LEVEL, Batch, batch, interval_specs, put_interval
from simengine.core import engine
from simengine.core.driver import DEFAULT_MAX_DRAWS  # noqa: F401 (the default upper limit of the adaptive run)
from simengine.core.engine import RawResults
from simengine.model.plan import Plan
from simengine.model.structure import REGIME_DIFFERENCES

Z = float(sps.norm.ppf(0.5 + LEVEL / 2))
#: draws per block of the adaptive run
BLOCK = 2**16

QUANTILE_METHOD = (
    "95 % order-statistics interval: the order statistics of ranks Binomial(N, q) quantiles "
    "0.025 and 0.975 (+1), distribution-free, coverage >= 95 %"
)
HIST_METHOD = QUANTILE_METHOD + "; ranks applied to the histogram (plus its bin error)"
WILSON_METHOD = "95 % Wilson score interval for a binomial proportion"
MEAN_METHOD = "95 % normal interval: mean +- 1.96 sd / sqrt(N), sd from the kept draws"
#: complete replicates of a QMC run (among the kept draws) needed for replicate-based intervals
MIN_REPLICATES = 8


# -- randomised QMC: replicates -------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Replicates:
    """The replicates of a QMC run (simengine.model.qmc): ``size`` draws each, ``total`` complete
    ones among all draws, ``kept`` among the kept draws (whose spread the intervals use)."""

    size: int
    total: int
    kept: int

    @property
    def ok(self) -> bool:
        """Enough kept replicates for replicate-based intervals."""
        return self.kept >= MIN_REPLICATES

    @property
    def t(self) -> float:
        return float(sps.t.ppf(0.5 + LEVEL / 2, self.kept - 1))

    def split(self, x: np.ndarray) -> np.ndarray:
        """Per-draw values (draws, ...) of the kept draws as (kept replicates, size, ...)."""
        return x[: self.kept * self.size].reshape((self.kept, self.size) + x.shape[1:])

    def half(self, est: np.ndarray) -> np.ndarray:
        """Half-width t · sd / √total of the replicates' estimates ``est`` (replicates on axis 0)."""
        return self.t * np.std(est, axis=0, ddof=1) / math.sqrt(self.total)

    def method(self, what: str) -> str:
        sd = "" if self.kept == self.total else f", sd from the {self.kept} kept replicates"
        return (
            f"95 % replicate interval (randomised QMC): estimate +- t(R-1) sd / sqrt(R) over R = {self.total} "
            f"independently shifted Sobol' replicates of {self.size:,} draws, sd of the replicates' own {what}{sd}"
        )

    def iid_note(self) -> str:
        """Appended to the method of an independent-draw interval of a QMC run."""
        why = (
            "not computed from the replicates"
            if self.ok
            else f"only {self.kept} complete replicate(s) of {self.size:,} draws kept, {MIN_REPLICATES} needed"
        )
        return (
            f"; sampling = qmc: this interval assumes independent draws ({why}); scrambled Sobol' "
            "points are not independent, so it is an approximation, usually conservative"
        )


def replicates(raw: RawResults) -> Replicates | None:
    """The run's QMC replicates, None unless ``sampling = "qmc"``."""
    plan = raw.plan
    if plan.scenario.sampling != "qmc" or not len(plan.qmc_shift):
        return None
    m = 1 << int(plan.qmc_rep_bits)
    return Replicates(size=m, total=raw.draws // m, kept=len(raw.benefit) // m)


def replicate_quantile_ci(rep: Replicates, values: np.ndarray, est: np.ndarray, q: np.ndarray) -> tuple:
    """(low, high) of quantiles ``est`` (q, ...) of per-draw ``values`` (draws, ...) from the replicates."""
    per = np.quantile(rep.split(values), q, axis=1)  # (q, replicates, ...)
    half = rep.half(np.moveaxis(per, 1, 0))
    return est - half, est + half


def replicate_mean_ci(rep: Replicates, values: np.ndarray, est: np.ndarray) -> tuple:
    half = rep.half(rep.split(values).mean(axis=1))
    return est - half, est + half


def replicate_prob_ci(rep: Replicates, hits: np.ndarray, est: np.ndarray, n: int) -> tuple:
    """(low, high) of probabilities ``est`` from per-draw 0/1 ``hits`` (draws, ...); Wilson's
    interval (``n`` draws) where every replicate gives the same proportion."""
    per = rep.split(hits).mean(axis=1)
    half = rep.half(per)
    wlo, whi = wilson(est * n, n)
    flat = np.all(per == per[:1], axis=0)
    lo = np.where(flat, wlo, np.clip(est - half, 0.0, 1.0))
    hi = np.where(flat, whi, np.clip(est + half, 0.0, 1.0))
    return lo, hi


# -- intervals --------------------------------------------------------------------------------
def quantile_ranks(n: int, q: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks (j, k) of the order statistics bounding the ``level`` interval of each q."""
    q = np.asarray(q, dtype=float)
    j, k = _ranks(int(n), tuple(q.ravel().tolist()), float(level))  # a run asks for the same ones many times
    return j.reshape(q.shape).copy(), k.reshape(q.shape).copy()


@functools.lru_cache(maxsize=256)
def _ranks(n: int, q: tuple[float, ...], level: float) -> tuple[np.ndarray, np.ndarray]:
    qa = np.array(q, dtype=float)
    a = (1.0 - level) / 2.0
    j = sps.binom.ppf(a, n, qa)
    k = sps.binom.ppf(1.0 - a, n, qa) + 1.0
    return np.clip(j, 1, n).astype(np.int64), np.clip(k, 1, n).astype(np.int64)


def rank_levels(n: int, q: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The quantile levels whose numpy (linear, rank q·(n−1)) quantile is the bounding order statistic."""
    j, k = quantile_ranks(n, q, level)
    den = max(n - 1, 1)
    return (j - 1) / den, (k - 1) / den


def wilson(x: np.ndarray, n: int, z: float = Z) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of x successes out of n."""
    x = np.asarray(x, dtype=float)
    p = x / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z / den * np.sqrt(np.maximum(p * (1 - p), 0.0) / n + z * z / (4.0 * n * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def mean_ci(values: np.ndarray, mean: np.ndarray, n: int, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    sd = np.std(values, axis=axis, ddof=1) if values.shape[axis] > 1 else np.zeros_like(mean)
    half = Z * sd / math.sqrt(n)
    return mean - half, mean + half


def quantile_ci(stats, name: str, q: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(estimate, low, high) of the quantiles ``q`` of a national series (NationalStats ``stats``
    over ``n`` draws): (q, ...) arrays."""
    q = np.asarray(q, dtype=float)
    qlo, qhi = rank_levels(n, q)
    v = stats.quantile(name, np.concatenate([q, qlo, qhi]))
    k = len(q)
    return v[:k], v[k : 2 * k], v[2 * k :]


# -- the Dataset ------------------------------------------------------------------------------
def add_mc_error(ds: xr.Dataset, raw: RawResults) -> xr.Dataset:
    """Add ``<var>_ci_low`` / ``<var>_ci_high`` for every variable of ``ds`` whose spec declares a
    Monte Carlo interval (simengine.analysis.varspecs) that its own analysis does not write
    (``own_interval``): quantiles of a national series and means by
    the spec's ``series``, the rest by :func:`_interval_rules`. Under QMC with enough replicates,
    the national series' quantiles and means and P(target) from the replicates' spread."""
    from simengine.analysis.results import NationalStats

    N = raw.draws
    q = np.asarray(ds["quantile"].values, dtype=float)
    qlo, qhi = rank_levels(N, q)
    stats = NationalStats(raw)
    rep = replicates(raw)
    use_rep = rep is not None and rep.ok
    note = "" if rep is None else rep.iid_note()
    nat_method = QUANTILE_METHOD if stats.exact else HIST_METHOD
    rep_q = rep.method("quantiles") if use_rep else ""
    rep_m = rep.method("means") if use_rep else ""

    with batch(ds) as new:

        def put(base: str, lo, hi, method: str) -> None:
            replicate_based = use_rep and method.startswith("95 % replicate interval")
            put_interval(new, base, lo, hi, method if replicate_based else method + note, N)

        both = np.concatenate([qlo, qhi])  # one pass for both ends
        nq = len(q)
        K = len(raw.benefit)
        per_draw = {
            "benefit": raw.benefit,
            "net_benefit": raw.benefit - raw.cost,
            "area_benefit": raw.area_benefit,
            "npv": raw.npv,
        }
        rules = _interval_rules(new, raw, both, nat_method, rep if use_rep else None)
        for spec in interval_specs():
            if spec.name not in ds or spec.name in _REGIME_INTERVALS or spec.own_interval:
                continue
            if spec.name in rules:
                interval = rules[spec.name]()
                if interval is not None:
                    put(spec.name, *interval)
            elif spec.interval == "quantile" and spec.series is not None:
                if use_rep:
                    assert rep is not None
                    put(
                        spec.name,
                        *replicate_quantile_ci(rep, stats._values(spec.series), ds[spec.name].values, q),
                        rep_q,
                    )
                else:
                    v = stats.quantile(spec.series, both)
                    put(spec.name, v[:nq], v[nq:], nat_method)
            elif spec.interval == "mean" and spec.series in per_draw:
                if use_rep:
                    assert rep is not None
                    put(spec.name, *replicate_mean_ci(rep, per_draw[spec.series], ds[spec.name].values), rep_m)
                elif K > 1:
                    put(
                        spec.name,
                        *mean_ci(per_draw[spec.series], ds[spec.name].values, N),
                        MEAN_METHOD + ("" if K == N else f" (sd from the first {K:,} draws)"),
                    )
            else:
                raise ValueError(
                    f"{spec.name}: its spec declares a {spec.interval} interval that "
                    "simengine.analysis.mcerror does not compute"
                )
        _regime_intervals(new, raw, stats, q, put, rep if use_rep else None)
    ds.attrs["mc_error_level"] = LEVEL
    if use_rep:
        assert rep is not None
        ds.attrs["mc_error_method"] = (
            f"national quantiles, means and P(target): {rep.method('estimates')}; "
            f"the others (histogram quantiles, the observed rank): {nat_method}, {WILSON_METHOD}, "
            f"{MEAN_METHOD}{note}"
        )
    else:
        ds.attrs["mc_error_method"] = (
            f"quantiles: {nat_method}; probabilities: {WILSON_METHOD}; means: {MEAN_METHOD}{note}"
        )
    if rep is not None:
        ds.attrs["qmc_replicate_size"] = rep.size
        ds.attrs["qmc_replicates"] = rep.total
        ds.attrs["qmc_replicates_kept"] = rep.kept
    return ds


#: the variables whose intervals _regime_intervals computes (by the case distinction of
#: simengine.analysis.results.add_regime_comparison)
_REGIME_INTERVALS = (
    "p_service_cut_above",
    *(f"{v}_difference_{s}" for v in REGIME_DIFFERENCES for s in ("quantile", "mean")),
)


def _interval_rules(
    ds: xr.Dataset | Batch, raw: RawResults, both: np.ndarray, nat_method: str, rep: Replicates | None = None
) -> dict:
    """How the intervals of the variables that are neither a national series' quantile nor a mean
    of per-draw values are computed: name -> a function giving (low, high, method), or None (no
    interval in this run). Called in the specs' order, so the FTE views follow the gain's. ``rep``:
    the QMC replicates when P(target) takes the replicate interval."""
    from simengine.analysis.results import golive_quantiles, hist_quantiles

    plan = raw.plan
    acc = raw.acc
    N = raw.draws
    nq = len(both) // 2
    cpf = float(plan.scenario.cost_per_fte)

    def hist(counts, lo):
        def rule():
            v = hist_quantiles(counts, lo[None, :], both).transpose(0, 2, 1)
            return v[:nq], v[nq:], HIST_METHOD

        return rule

    def golive():
        v = golive_quantiles(acc.golive_hist, float(plan.scenario.start_year), both)
        return v[:nq], v[nq:], HIST_METHOD + " (monthly bins)"

    def hits(count, target, values=None):
        # P(target) is 1 by definition where the target is 0: no Monte Carlo error there
        def rule():
            zero = target <= 0
            if rep is not None and values is not None:
                lo, hi = replicate_prob_ci(rep, values() >= target, count / N, N)
                method = rep.method("proportions") + "; Wilson's interval where every replicate gives the same one"
            else:
                lo, hi = wilson(count, N)
                method = WILSON_METHOD
            return np.where(zero, 1.0, lo), np.where(zero, 1.0, hi), method

        return rule

    def scaled(base, method):  # FTE = DKK / cost_per_fte: the same intervals (none where the gain has none)
        def rule():
            if f"{base}_ci_low" not in ds:
                return None
            return ds[f"{base}_ci_low"].values / cpf, ds[f"{base}_ci_high"].values / cpf, method

        return rule

    return {
        "municipality_benefit": hist(acc.mun_hist, plan.mun_hist_lo),
        "initiative_benefit": hist(acc.init_hist, plan.init_hist_lo),
        "initiative_golive": golive,
        "p_target": hits(acc.hit, plan.target, lambda: raw.benefit),
        "area_p_target": hits(acc.area_hit, plan.area_target, lambda: raw.area_benefit),
        "observed_rank": lambda: (*wilson(ds["observed_rank"].values * N, N), WILSON_METHOD),
        "fte_quantile": scaled("benefit_quantile", rep.method("quantiles") if rep is not None else nat_method),
        "fte_mean": scaled("benefit_mean", rep.method("means") if rep is not None else MEAN_METHOD),
    }


def _regime_intervals(
    ds: xr.Dataset | Batch, raw: RawResults, stats, q: np.ndarray, put, rep: Replicates | None = None
) -> None:
    """Intervals of the budget regimes' pairwise differences and of P(service cut > X), by the same
    case distinction as simengine.analysis.results.add_regime_comparison; from the QMC replicates
    (``rep``) when every draw is kept."""
    from simengine.analysis.results import REGIME_PAIRS, _constant_regime_series
    from simengine.model.plan import REGIMES

    if "p_service_cut_above" in ds:
        p = ds["p_service_cut_above"].values
        if rep is not None and stats.exact:
            lo, hi = replicate_prob_ci(rep, raw.service_cut > float(raw.plan.scenario.cut_threshold), p, raw.draws)
            how = rep.method("proportions") + "; Wilson's interval where every replicate gives the same one"
        else:
            lo, hi = wilson(p * raw.draws, raw.draws)
            how = WILSON_METHOD
        const = np.array([("service_cut", r) in _constant_regime_series(raw.plan) for r in REGIMES])[:, None]
        put(
            "p_service_cut_above",
            np.where(const, p, lo),
            np.where(const, p, hi),
            how + " (0 or 1 by definition under a regime without service cuts)",
        )
    idx = {r: k for k, r in enumerate(REGIMES)}
    const = _constant_regime_series(raw.plan)
    K, N = len(raw.benefit), raw.draws
    for var in REGIME_DIFFERENCES:
        if f"{var}_difference_quantile" not in ds:
            continue
        per_draw = getattr(raw, var)
        if rep is not None and stats.exact:  # every draw kept: the per-draw differences' replicates
            qv, mv = ds[f"{var}_difference_quantile"].values, ds[f"{var}_difference_mean"].values
            ci = [
                (
                    replicate_quantile_ci(rep, per_draw[:, idx[b]] - per_draw[:, idx[a]], qv[:, k], q),
                    replicate_mean_ci(rep, per_draw[:, idx[b]] - per_draw[:, idx[a]], mv[k]),
                )
                for k, (b, a) in enumerate(REGIME_PAIRS)
            ]
            put(
                f"{var}_difference_quantile",
                np.stack([c[0][0] for c in ci], axis=1),
                np.stack([c[0][1] for c in ci], axis=1),
                rep.method("quantiles of the per-draw differences"),
            )
            put(
                f"{var}_difference_mean",
                np.stack([c[1][0] for c in ci]),
                np.stack([c[1][1] for c in ci]),
                rep.method("means of the per-draw differences"),
            )
            continue
        los, his, mlo, mhi = [], [], [], []
        for b, a in REGIME_PAIRS:
            if not stats.exact and (var, a) in const:
                _, lo, hi = quantile_ci(stats, var, q, N)
                lo, hi = lo[:, idx[b]] - const[(var, a)], hi[:, idx[b]] - const[(var, a)]
            elif not stats.exact and (var, b) in const:  # c - X_a: from the quantiles 1 - q of X_a
                _, lo1, hi1 = quantile_ci(stats, var, 1.0 - q, N)
                lo, hi = const[(var, b)] - hi1[:, idx[a]], const[(var, b)] - lo1[:, idx[a]]
            else:  # paired per draw: order statistics of the kept draws' differences
                diff = per_draw[:, idx[b]] - per_draw[:, idx[a]]
                qlo, qhi = rank_levels(K, q)
                # one partition of the temporary for both ends: the same numbers as two np.quantile calls
                both = np.quantile(diff, np.concatenate([qlo, qhi]), axis=0, overwrite_input=True)
                lo, hi = both[: len(qlo)], both[len(qlo) :]
            los.append(lo)
            his.append(hi)
            if K > 1:
                diff = per_draw[:, idx[b]] - per_draw[:, idx[a]]
                m = ds[f"{var}_difference_mean"].values[len(mlo)]
                dlo, dhi = mean_ci(diff, m, N)
            else:
                dlo = dhi = ds[f"{var}_difference_mean"].values[len(mlo)]
            mlo.append(dlo)
            mhi.append(dhi)
        put(
            f"{var}_difference_quantile",
            np.stack(los, axis=1),
            np.stack(his, axis=1),
            QUANTILE_METHOD + " (as the variable's own method: exact, histogram or the kept draws)",
        )
        put(f"{var}_difference_mean", np.stack(mlo), np.stack(mhi), MEAN_METHOD)


# -- the stopping rule ------------------------------------------------------------------------
@dataclasses.dataclass
class Precision:
    """What the adaptive run did: reported in the Dataset's attributes, run.json and on stdout."""

    precision: float
    max_draws: int
    block: int
    draws: int = 0
    reached: bool = False
    half_widths: dict[str, float] = dataclasses.field(default_factory=dict)
    steps: list[dict] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "precision": self.precision,
            "max_draws": self.max_draws,
            "block": self.block,
            "draws": self.draws,
            "reached": self.reached,
            "half_widths": self.half_widths,
            "steps": self.steps,
        }

    def describe(self) -> str:
        hw = self.half_widths
        parts = (
            f"P10 ±{hw.get('p10', math.nan):.2%}, P50 ±{hw.get('p50', math.nan):.2%} (relative), "
            f"P(target) ±{hw.get('p_target', math.nan):.4f} (absolute)"
        )
        if self.reached:
            return f"precision {self.precision:g} reached after {self.draws:,} draws: {parts}"
        return f"precision {self.precision:g} NOT reached: stopped at --max-draws {self.draws:,} draws with {parts}"


def _target_index(plan: Plan) -> int:
    sc = plan.scenario
    return int(sc.target_year - sc.start_year)


def half_widths(raw: RawResults) -> dict[str, float]:
    """Half-widths of the 95 % intervals the stopping rule looks at (target year): P10 and P50
    relative to their estimate, P(target) absolute; the replicate intervals under QMC with enough
    replicates, as in the Dataset."""
    from simengine.analysis.results import NationalStats

    stats = NationalStats(raw)
    ty = _target_index(raw.plan)
    N = raw.draws
    q = np.array([0.10, 0.50])
    rep = replicates(raw)
    if rep is not None and rep.ok:
        est = stats.quantile("benefit", q)[:, ty]
        lo, hi = replicate_quantile_ci(rep, raw.benefit[:, ty], est, q)
    else:
        est, lo, hi = (v[:, ty] for v in quantile_ci(stats, "benefit", q, N))
    out = {}
    for k, name in enumerate(("p10", "p50")):
        hw = (hi[k] - lo[k]) / 2.0
        out[name] = float(hw / abs(est[k])) if est[k] != 0 else (0.0 if hw == 0 else math.inf)
    if rep is not None and rep.ok:
        plo, phi = replicate_prob_ci(rep, raw.benefit[:, ty] >= raw.plan.target[ty], raw.acc.hit[ty] / N, N)
    else:
        plo, phi = wilson(raw.acc.hit[ty], N)
    out["p_target"] = float((phi - plo) / 2.0)
    return out


def run_adaptive(
    plan: Plan,
    precision: float,
    max_draws: int = DEFAULT_MAX_DRAWS,
    threads: int | None = None,
    chunk: int = engine.DEFAULT_CHUNK,
    keep_draws: int | None = None,
    store_inputs: int = engine.DEFAULT_STORE_INPUTS,
    block: int = BLOCK,
    progress: Callable[[int], None] | None = None,
    executor=None,
) -> tuple[RawResults, Precision]:
    """Simulate steps of ``block`` draws until :func:`half_widths` are all <= ``precision`` or
    ``max_draws`` draws are done (simengine.core.driver.run with a precision target). Returns the
    results of all draws (identical to a plain run of that many draws) and what happened."""
    from simengine.core import driver

    opts = driver.RunOptions(
        via="cli",
        precision=precision,
        max_draws=max_draws,
        threads=threads,
        chunk=chunk,
        keep_draws=keep_draws,
        store_inputs=store_inputs,
    )
    ex = executor if executor is not None else driver.LocalExecutor(threads)
    raw, info = driver.run(plan, opts, ex, progress=progress, step=block)
    assert info is not None
    return raw, info


def add_precision(ds: xr.Dataset, info: Precision) -> xr.Dataset:
    import json

    ds.attrs["precision"] = info.precision
    ds.attrs["precision_max_draws"] = info.max_draws
    ds.attrs["precision_reached"] = int(info.reached)
    ds.attrs["precision_draws"] = info.draws
    ds.attrs["precision_half_widths"] = json.dumps(info.half_widths)
    ds.attrs["precision_summary"] = info.describe()
    ds.attrs["precision_info"] = json.dumps(info.as_dict())
    ds.attrs["precision_rule"] = (
        "blocks of draws were added until the 95 % interval half-width of the target-year "
        "P10 and P50 of the national gain was below `precision` times the estimate and that "
        "of P(target) below `precision` (absolute), or max_draws was reached"
    )
    return ds
