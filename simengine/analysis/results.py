"""Turn raw kernel results into the xarray Dataset, the tidy summary table and the stdout table."""

from __future__ import annotations

import datetime as _dt
import hashlib
import math

import numpy as np
import xarray as xr

from simengine import __version__
from simengine.analysis import sortedq
from simengine.analysis.varspecs import DKK, TITLES, batch, label_coords, put
from simengine.core.engine import RawResults
from simengine.model.plan import (
    GOLIVE_PER_YEAR,
    HIST_OCTAVES,
    HIST_OCTAVES_BELOW,
    HIST_SUB_BITS,
    NAT_SUB_BITS,
    REGIMES,
    hist_edges,
    national_series,
)
from simengine.model.rng import STREAM_VERSION
from simengine.model.structure import REGIME_DIFFERENCES, REGIME_RULES, REGIME_VARS


def _bin_pattern(sub_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edges, for lo = 1, of the unsigned bins 0..B-1 (see simengine.model.plan)."""
    e = hist_edges(1.0, sub_bits)
    lower = np.concatenate([[0.0, 0.0], e[:-1], [e[-1]]])
    upper = np.concatenate([[0.0, e[0]], e[1:], [e[-1]]])
    return lower, upper


def _signed_pattern() -> tuple[np.ndarray, np.ndarray]:
    """Edges, for lo = 1, of the signed national bins in index (= value) order."""
    lower, upper = _bin_pattern(NAT_SUB_BITS)
    return (np.concatenate([-upper[:0:-1], lower]), np.concatenate([-lower[:0:-1], upper]))


def quantiles_from_counts(counts: np.ndarray, lower: np.ndarray, upper: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles of histograms whose bins, in value order, span [lower, upper] (per row or shared).

    ``counts`` (H, B); ``lower``/``upper`` (B,) or (H, B). Rank r = q*(N-1) (numpy's definition);
    the value is interpolated linearly by rank inside the bin that holds the rank, so it lies
    within one bin of the order statistics that bracket the rank.
    """
    counts = np.asarray(counts)
    H, nb = counts.shape
    lower = np.broadcast_to(lower, (H, nb))
    upper = np.broadcast_to(upper, (H, nb))
    cum = np.cumsum(counts, axis=1)
    total = cum[:, -1]
    rows = np.arange(H)
    out = np.full((len(q), H), np.nan)
    R = np.asarray(q, dtype=float)[:, None] * (total - 1)[None, :]  # (Q, H): the ranks
    K = np.empty(R.shape, np.int64)  # bins of the ranks: the count of cum <= r, by one binary search per row
    for h in range(H):
        K[:, h] = np.searchsorted(cum[h], R[:, h], side="right")
    for qi, qq in enumerate(q):
        r = qq * (total - 1)
        k = np.minimum(K[qi], nb - 1)
        before = np.where(k > 0, cum[rows, np.maximum(k - 1, 0)], 0)
        cnt = np.maximum(counts[rows, k], 1)
        f = np.clip((r - before + 0.5) / cnt, 0.0, 1.0)
        lo, hi = lower[rows, k], upper[rows, k]
        out[qi] = np.where(total > 0, lo + f * (hi - lo), np.nan)
    return out


def hist_quantiles(counts: np.ndarray, lo: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles from the kernel's unsigned histograms: ``counts`` (..., B), ``lo`` (...) each
    histogram's lower log edge. Relative error below ``bin_ratio() - 1`` (0.39 %) against the
    order statistic at the quantile's rank."""
    counts = np.asarray(counts)
    lead = counts.shape[:-1]
    los = np.broadcast_to(np.asarray(lo, dtype=float), lead).reshape(-1, 1)
    lower, upper = _bin_pattern(HIST_SUB_BITS)
    flat = counts.reshape(-1, counts.shape[-1])
    out = np.empty((len(q), len(flat)))
    step = max(1, QUANTILE_BLOCK // flat.shape[1])  # rows at a time: the temporaries stay small (rows independent)
    for a in range(0, len(flat), step):
        b = a + step
        out[:, a:b] = quantiles_from_counts(flat[a:b], los[a:b] * lower, los[a:b] * upper, q)
    return out.reshape((len(q),) + lead)


#: histogram cells whose quantiles hist_quantiles computes at a time (8 MiB per temporary array)
QUANTILE_BLOCK = 2**20


def bin_ratio(sub_bits: int = HIST_SUB_BITS) -> float:
    """Largest ratio of a log bin's upper to lower edge."""
    return 1.0 + 2.0**-sub_bits


PER_DRAW_NAMES = ("benefit", "net_benefit", "cost", "area_benefit", "npv", "potential")


class NationalStats:
    """Statistics of the national per-draw series: exact from the kept draws when every draw
    was kept, otherwise from the streaming histograms, sums and counts over all draws."""

    def __init__(self, raw: RawResults) -> None:
        self.raw = raw
        plan = raw.plan
        self.exact = raw.all_kept
        self.pos = national_series(len(plan.years), len(plan.scenario.areas))
        lower, upper = _signed_pattern()
        self.lower = lower * plan.nat_hist_lo
        self.upper = upper * plan.nat_hist_lo

    def _values(self, name: str) -> np.ndarray:
        if name == "net_benefit":
            return self.raw.benefit - self.raw.cost
        return getattr(self.raw, name)

    def _shape(self, name: str) -> tuple[int, ...]:
        return self._values(name).shape[1:]

    def counts(self, name: str) -> np.ndarray:
        return self.hist(name).reshape(self._shape(name) + (-1,))

    def hist(self, name: str) -> np.ndarray:
        """Histograms (series, bins) of a national series over all draws."""
        return self.raw.national()[0][self.pos[name]]

    def _regimes(self, name: str, stat) -> np.ndarray | None:
        """Per-regime series from the distinct ones the kernel streams (see national_series): each
        regime's slice as its declaration says (simengine.model.structure.REGIME_DECLS)."""
        if name not in REGIME_VARS:
            return None
        ben: list[np.ndarray] = []

        def benefit() -> np.ndarray:
            if not ben:
                ben.append(stat("benefit"))
            return ben[0]

        parts = [stat(f"{name}_{r}") if (name, r) not in REGIME_RULES else None for r in REGIMES]
        like = next((p for p in parts if p is not None), None)
        for k, r in enumerate(REGIMES):
            rule = REGIME_RULES.get((name, r))
            if rule == "benefit":
                parts[k] = benefit()
            elif rule == "target":
                parts[k] = np.broadcast_to(self.raw.plan.target, benefit().shape)
            elif rule == "zero":
                parts[k] = np.zeros_like(like if like is not None else benefit())
        return np.stack(parts, axis=-2)

    def _sorted(self, name: str) -> np.ndarray:
        """The kept draws of a series sorted along the draws, once per run (cached on the raw results):
        np.quantile of sorted values gives the same numbers, without partitioning the draws again."""
        cache = self.raw.__dict__.setdefault("_sorted_series", {})
        if name not in cache:
            cache[name] = np.sort(self._values(name), axis=0)
        return cache[name]

    def quantile(self, name: str, q: np.ndarray) -> np.ndarray:
        if self.exact:
            return sortedq.quantile(self._sorted(name), q)  # np.quantile's numbers, no partition
        regimes = self._regimes(name, lambda n: self.quantile(n, q))
        if regimes is not None:
            return regimes
        c = self.hist(name)
        out = quantiles_from_counts(c, self.lower, self.upper, q)
        n_years = len(self.raw.plan.years)
        shape = self._shape(name) if name in PER_DRAW_NAMES else ((n_years,) if name != "npv" else ())
        return out.reshape((len(q),) + shape)

    def mean(self, name: str) -> np.ndarray:
        if self.exact:
            return self._values(name).mean(axis=0)
        regimes = self._regimes(name, self.mean)
        if regimes is not None:
            return regimes
        s = self.raw.national()[1][self.pos[name]] / self.raw.plan.nat_inv_unit / self.raw.draws
        n_years = len(self.raw.plan.years)
        shape = self._shape(name) if name in PER_DRAW_NAMES else ((n_years,) if name != "npv" else ())
        return s.reshape(shape)

    # -- backtest (simengine.analysis.mcerror / analysis) --------------------------------------------
    def rank(self, y: int, value: float, name: str = "benefit") -> float:
        """Mid-rank of ``value`` among the national series ``name`` (the gross gain, or the potential)
        of year index ``y``: (#draws below + half #draws equal) / N; from the histogram (linear inside
        the bin) when not every draw was kept."""
        if self.exact:
            col = self._values(name)[:, y]
            return float(((col < value).sum() + 0.5 * (col == value).sum()) / len(col))
        c = self.counts(name)[y].astype(float)
        lo, hi = self.lower, self.upper
        width = hi - lo
        below = np.where(hi <= value, 1.0, np.where(lo >= value, 0.0, (value - lo) / np.where(width > 0, width, 1.0)))
        below = np.where((width == 0) & (lo == value), 0.5, below)
        return float((c * below).sum() / c.sum())

    # -- end backtest -------------------------------------------------------------------------

    def shortfall(self, target: np.ndarray, tail: float | None) -> np.ndarray:
        """Mean of max(0, target - gain) over the worst ``tail`` share of draws (all if None)."""
        if self.exact:
            short = np.maximum(0.0, target[None, :] - self.raw.benefit)
            if tail is None:
                return short.mean(axis=0)
            k = max(1, math.ceil(tail * short.shape[0]))
            return (-np.partition(-short, k - 1, axis=0)[:k]).mean(axis=0)
        counts = self.counts("benefit")  # (Y, B), value order
        n = self.raw.draws
        k = n if tail is None else max(1, math.ceil(tail * n))
        out = np.empty(len(target))
        for y in range(len(target)):
            remaining = k
            total = 0.0
            for b in np.nonzero(counts[y])[0]:  # lowest gains first
                if remaining <= 0:
                    break
                c = counts[y, b]
                t = min(c, remaining)
                # the t lowest values of a bin, spread evenly over it
                mid = self.lower[b] + (self.upper[b] - self.lower[b]) * t / (2.0 * c)
                total += t * max(0.0, target[y] - mid)
                remaining -= t
            out[y] = total / k
        return out


def golive_quantiles(counts: np.ndarray, origin: float, q: np.ndarray) -> np.ndarray:
    """Go-live time quantiles (years, decimal) from monthly-bin histograms (I, G)."""
    out = np.empty((len(q), counts.shape[0]))
    for i in range(counts.shape[0]):
        cum = np.cumsum(counts[i])
        total = cum[-1]
        for qi, qq in enumerate(q):
            r = qq * (total - 1)
            k = int(np.searchsorted(cum, r, side="right"))
            k = min(k, counts.shape[1] - 1)
            before = cum[k - 1] if k > 0 else 0
            f = min(max((r - before + 0.5) / counts[i, k], 0.0), 1.0)
            out[qi, i] = origin + (k + f) / GOLIVE_PER_YEAR
    return out


def results_digest(ds: xr.Dataset) -> str:
    """sha256 of every variable's name, dtype, shape and values (attributes such as the creation
    time are left out): equal digests mean bit-identical results."""
    h = hashlib.sha256()
    for name in sorted(ds.variables):
        arr = np.asarray(ds[name].values)
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        if arr.dtype.kind in "OUS":
            h.update(repr(arr.tolist()).encode())
        else:
            h.update(np.ascontiguousarray(arr).reshape(-1).view(np.uint8))  # the bytes, not a copy of them
    return h.hexdigest()


def build_dataset(raw: RawResults, command: str = "") -> xr.Dataset:
    plan = raw.plan
    sc = plan.scenario
    m = sc.municipalities
    q = np.array(sc.quantiles)
    N = raw.draws
    years = plan.years
    nbins = plan.hist_bins
    acc = raw.acc

    benefit = raw.benefit
    net = benefit - raw.cost
    area_keys = [a.key for a in sc.areas]
    coords = {
        "year": years,
        "area": area_keys,
        "area_name": ("area", [a.name for a in sc.areas]),
        "municipality": m.codes,
        "municipality_name": ("municipality", list(m.names)),
        "region": ("municipality", list(m.regions)),
        "initiative": [i.id for i in sc.initiatives],
        "initiative_name": ("initiative", [i.name for i in sc.initiatives]),
        "initiative_area": ("initiative", [i.area for i in sc.initiatives]),
        "quantile": q,
        "regime": list(REGIMES),
        "draw": np.arange(len(raw.benefit)),
        "population": ("municipality", m.population),
    }
    ds = xr.Dataset(coords=coords)
    kept = (
        ""
        if raw.all_kept
        else f": per-draw values are kept for the first {len(raw.benefit):,} of {N:,} draws"
        " (a fixed-size sample); all statistics use every draw"
    )
    label_coords(ds, kept=kept)  # as simengine.analysis.varspecs declares them
    stats = NationalStats(raw)

    with batch(ds) as new:
        put(new, "benefit", benefit)
        put(new, "net_benefit", net)
        put(new, "cost", raw.cost)
        put(new, "area_benefit", raw.area_benefit)
        put(new, "fte", benefit / sc.cost_per_fte)
        put(new, "npv", raw.npv, start_year=sc.start_year, horizon=sc.horizon, discount_rate=sc.discount_rate)
        put(new, "target", plan.target)
        put(new, "area_target", plan.area_target)
        put(new, "municipality_target", plan.mun_target.T)

        put(new, "p_target", acc.hit / N)
        put(new, "area_p_target", acc.area_hit / N)
        put(new, "expected_shortfall", stats.shortfall(plan.target, sc.tail), tail=sc.tail)
        put(new, "shortfall_mean", stats.shortfall(plan.target, None))
        put(new, "benefit_quantile", stats.quantile("benefit", q))
        put(new, "benefit_mean", stats.mean("benefit"))
        put(new, "net_benefit_quantile", stats.quantile("net_benefit", q))
        put(new, "net_benefit_mean", stats.mean("net_benefit"))
        put(new, "area_benefit_quantile", stats.quantile("area_benefit", q))
        put(new, "area_benefit_mean", stats.mean("area_benefit"))
        put(new, "npv_quantile", stats.quantile("npv", q))
        put(new, "npv_mean", stats.mean("npv"))
        for name in REGIME_VARS:
            put(new, f"{name}_quantile", stats.quantile(name, q))
            put(new, f"{name}_mean", stats.mean(name))
        national_method = (
            "exact over all draws (numpy's linear interpolation)"
            if stats.exact
            else f"from streaming histograms over all {N:,} draws with {2**NAT_SUB_BITS} bins per octave "
            f"(relative error at most {bin_ratio(NAT_SUB_BITS) - 1:.2%}); P(target) counted exactly"
        )
        hist_note = (
            f"from histograms with {2**HIST_SUB_BITS} bins per octave over {HIST_OCTAVES} octaves starting "
            f"2^{HIST_OCTAVES_BELOW} below the business-case size; relative error at most "
            f"{bin_ratio() - 1:.2%} of the order statistic at the quantile's rank"
        )
        mun_bq = hist_quantiles(acc.mun_hist, plan.mun_hist_lo[None, :], q)  # (q, Y, M)
        put(new, "municipality_benefit", mun_bq.transpose(0, 2, 1), method=hist_note)
        put(new, "municipality_benefit_mean", (acc.mun_sum / plan.mun_inv_unit[None, :] / N).T)
        put(new, "municipality_shortfall_mean", (acc.mun_short_sum / plan.mun_short_inv_unit[None, :] / N).T)
        ini_q = hist_quantiles(acc.init_hist, plan.init_hist_lo[None, :], q)  # (q, Y, I)
        put(new, "initiative_benefit", ini_q.transpose(0, 2, 1), method=hist_note)
        put(new, "initiative_benefit_mean", (acc.init_sum / plan.init_inv_unit[None, :] / N).T)
        put(new, "initiative_golive", golive_quantiles(acc.golive_hist, float(sc.start_year), q))

        put(new, "central_gain", raw.central_gain)
        put(new, "service_cut", raw.service_cut)
        put(new, "regime_benefit", raw.regime_benefit)
    add_regime_comparison(ds, raw, stats, q)  # regimes compared pairwise; P(service cut > threshold)
    add_fte_views(ds, sc)  # the national gain and target in FTE
    from simengine.analysis.potential import add_potential

    add_potential(
        ds, raw, stats, q
    )  # the potential gain and the realised/promised ratio (simengine.analysis.potential)

    if sc.observed:
        from simengine.analysis.varspecs import OBSERVED_WHAT

        oy = np.array([y for y, _ in sc.observed])
        ov = np.array([v for _, v in sc.observed])
        # mid-rank over every draw (from the histogram when not every draw was kept)
        # against the series the values measure: the gross gain, or the potential ([observed] quantity)
        series = "potential" if sc.observed_quantity == "potential" else "benefit"
        ranks = np.array([stats.rank(int(y - sc.start_year), v, series) for y, v in sc.observed])
        ds = ds.assign_coords(observed_year=oy)
        label_coords(ds, names=["observed_year"])
        with batch(ds) as new:
            put(new, "observed", ov, quantity=sc.observed_quantity, what=OBSERVED_WHAT[sc.observed_quantity])
            put(new, "observed_rank", ranks)
            put(new, "observed_tail_probability", np.minimum(1.0, 2 * np.minimum(ranks, 1 - ranks)))

    ds.attrs = {
        "title": TITLES["run"],
        "scenario": sc.name,
        "scenario_file": str(sc.path),
        "scenario_sha256": sc.sha256,
        "seed": sc.seed,
        "draws": N,
        "sampling": sc.sampling,
        "simengine_version": __version__,
        "stream_version": STREAM_VERSION,
        "threads": raw.threads,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "histogram_bins": nbins,
        "draws_kept": len(raw.benefit),
        "sampling_note": (
            "Latin hypercube: the per-draw inputs and shocks stratified over all draws; keyed random "
            "streams for the municipal factors"
        )
        if sc.sampling == "lhs"
        else (
            "randomised quasi-Monte Carlo: scrambled Sobol' points for the per-draw "
            f"inputs and shocks, in replicates of {1 << int(plan.qmc_rep_bits):,} draws each under "
            "its own digital shift; keyed random streams for the municipal factors"
        )
        if sc.sampling == "qmc"
        else "plain random (keyed counter-based streams)",
        "correlations": "; ".join(f"{a} ~ {b}: {r:g}" for a, b, r in sc.correlations) or "none",
        "warnings": "; ".join(str(n) for n in plan.notes) or "none",  # English in the file
        "quantile_method_national": national_method,
        "quantile_method_municipality_initiative": hist_note,
    }
    ds.attrs.update(cost_per_fte=sc.cost_per_fte, cut_threshold=sc.cut_threshold)
    return ds


# -- budget regimes compared pairwise; FTE views ------------------------------------------------
#: (minuend, subtrahend): the pair "retention-prebudgeted" is retention minus prebudgeted, draw by draw
REGIME_PAIRS = tuple((b, a) for i, a in enumerate(REGIMES) for b in REGIMES[i + 1 :])


def _constant_regime_series(plan) -> dict[tuple[str, str], np.ndarray]:
    """(variable, regime) series that are the same in every draw (see docs/model.md, Budget regimes):
    those the regimes declare the target or 0 (simengine.model.structure.REGIME_RULES)."""
    values = {"target": np.asarray(plan.target, dtype=float), "zero": np.zeros(len(plan.years))}
    return {k: values[rule] for k, rule in REGIME_RULES.items() if rule in values}


def p_above_from_counts(counts: np.ndarray, lower: np.ndarray, upper: np.ndarray, x: float) -> np.ndarray:
    """P(value > x) from histograms ``counts`` (H, B) with bins [lower, upper] in value order: bins
    above x count whole, the bin holding x counts the share of its width above x."""
    width = upper - lower
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(
            width > 0, np.clip((upper - x) / np.where(width > 0, width, 1.0), 0.0, 1.0), (lower > x).astype(float)
        )
    total = counts.sum(axis=1)
    return np.where(total > 0, (counts * frac).sum(axis=1) / np.maximum(total, 1), np.nan)


def add_regime_comparison(ds: xr.Dataset, raw: RawResults, stats: NationalStats, q: np.ndarray) -> None:
    """Pairwise differences of central_gain and service_cut between the budget regimes (same draws,
    so the difference is taken draw by draw) and P(service_cut > [outputs] cut_threshold)."""
    plan = raw.plan
    sc = plan.scenario
    x = float(sc.cut_threshold)
    idx = {r: k for k, r in enumerate(REGIMES)}
    const = _constant_regime_series(plan)
    K, N = len(raw.benefit), raw.draws
    ds.coords["regime_pair"] = [f"{b}-{a}" for b, a in REGIME_PAIRS]
    ds.coords["regime_pair_minuend"] = ("regime_pair", [b for b, _ in REGIME_PAIRS])
    ds.coords["regime_pair_subtrahend"] = ("regime_pair", [a for _, a in REGIME_PAIRS])
    label_coords(ds, names=["regime_pair", "regime_pair_minuend", "regime_pair_subtrahend"])
    with batch(ds) as new:
        for var in REGIME_DIFFERENCES:
            per_draw = getattr(raw, var)  # (K, R, Y)
            mean = stats.mean(var)  # (R, Y), over all draws
            quants, methods = [], []
            for b, a in REGIME_PAIRS:
                if stats.exact:
                    quants.append(np.quantile(per_draw[:, idx[b]] - per_draw[:, idx[a]], q, axis=0))
                    methods.append("exact over all draws")
                elif (var, a) in const:  # X_b - c: the quantiles of X_b shifted
                    quants.append(stats.quantile(var, q)[:, idx[b]] - const[(var, a)])
                    methods.append("all draws, from the streaming histogram of the minuend")
                elif (var, b) in const:  # c - X_a: quantile q of c - X is c - quantile 1 - q of X
                    quants.append(const[(var, b)] - stats.quantile(var, 1.0 - q)[:, idx[a]])
                    methods.append("all draws, from the streaming histogram of the subtrahend")
                else:  # a genuinely paired difference: only the draws kept per draw have it
                    quants.append(np.quantile(per_draw[:, idx[b]] - per_draw[:, idx[a]], q, axis=0))
                    methods.append(f"from the first {K:,} of {N:,} draws (those kept per draw)")
            method = "; ".join(f"{b}-{a}: {m}" for (b, a), m in zip(REGIME_PAIRS, methods))
            put(new, f"{var}_difference_quantile", np.stack(quants, axis=1), method=method)
            put(
                new,
                f"{var}_difference_mean",
                np.stack([mean[idx[b]] - mean[idx[a]] for b, a in REGIME_PAIRS]),
                method="exact over all draws" if stats.exact else "from the fixed-point sums over all draws",
            )
        if stats.exact:
            p = (raw.service_cut > x).mean(axis=0)
            method = "counted exactly over all draws"
        else:
            p = np.empty((len(REGIMES), len(plan.years)))
            for r, k in idx.items():
                if ("service_cut", r) in const:
                    p[k] = (const[("service_cut", r)] > x).astype(float)
                else:  # the kernel streams a histogram of the regime's service cut (or it is the gross gain)
                    series = "benefit" if REGIME_RULES.get(("service_cut", r)) == "benefit" else f"service_cut_{r}"
                    counts = stats.hist(series)  # (Y, B)
                    p[k] = p_above_from_counts(counts, stats.lower, stats.upper, x)
            method = (
                f"all {N:,} draws, from the streaming histogram (the bin that holds the threshold counts "
                "in proportion to its width above it)"
            )
        put(new, "p_service_cut_above", p, threshold=x, threshold_units=DKK, method=method)


def add_fte_views(ds: xr.Dataset, sc) -> None:
    """The national gain and the target in FTE (= DKK / cost_per_fte; quantiles scale exactly)."""
    cpf = float(sc.cost_per_fte)
    with batch(ds) as new:
        put(new, "fte_quantile", ds["benefit_quantile"].values / cpf, cpf=cpf)
        put(new, "fte_mean", ds["benefit_mean"].values / cpf)
        put(new, "target_fte", ds["target"].values / cpf)


def _table_unit(ds: xr.Dataset, unit: str) -> tuple[float, str]:
    """(divisor, description) of the money columns of the stdout tables."""
    if unit == "fte":
        cpf = float(ds.attrs.get("cost_per_fte") or 0.0)
        if cpf <= 0 and "fte" in ds and "benefit" in ds:  # results written before cost_per_fte was an attribute
            b, f = np.asarray(ds["benefit"].values).ravel(), np.asarray(ds["fte"].values).ravel()
            ok = f != 0
            cpf = float(np.median(b[ok] / f[ok])) if ok.any() else 0.0
        if cpf > 0:
            return cpf, f"staff freed in FTE (årsværk; gross gain / {cpf:,.0f} DKK per FTE)"
    return 1e6, "gross gain in mio. DKK/year (fixed prices)"
