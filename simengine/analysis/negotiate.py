"""Answers for the negotiation table: how much can be committed, at what risk, under which deal.

Added to the results Dataset by :func:`add_negotiation` (docs/model.md, *Negotiation*):

* **committable amounts**: per year the amount the realised (gross) gain reaches with probability
  c, for c in ``[outputs] certainty`` (default 50, 80, 90, 95 %): the (1 − c) quantile, with its 95 %
  Monte Carlo interval, nationally, per area and per municipality; also for the net gain and, when
  the Dataset has per-draw ``potential`` / ``area_potential``, for the potential gain;
* **stored distributions** for ``simengine ask``: the streaming histograms of the national, area,
  municipality and initiative gains (trimmed to the bins in use), so that P(gain ≥ X) and the
  amount at any certainty can be answered later without a new run;
* **deduction analysis**: for up-front deductions D = s · target_y (s in ``[outputs] deductions``)
  the service cut max(0, D − G) per draw: P(service cut > X), its mean, the mean central gain (= D,
  as under ``prebudgeted``) and what stays locally; the largest deduction with
  P(service cut > X) ≤ α (X = ``cut_threshold``, α = ``[outputs] cut_alpha``);
* **deduction on delivery** (the fourth deal): each initiative's business case is deducted from its
  go-live on (pro rata in the go-live year); service cut = max(0, deducted − G). Computed outside
  the kernel from the kept draws' inputs (their go-live times), compared pairwise with the three
  budget regimes on the same draws;
* **who controls what**: the waterfall's causes grouped into what the municipalities control and
  what they do not (:data:`CONTROL`).

The deduction analysis and the delivery deal net gains and cuts nationally (one municipality's
surplus covers another's shortfall, as a cut in the block grant would); the ``prebudgeted``
regime's service cut is summed municipality by municipality, so at s = 1 the national cut is at
most the ``prebudgeted`` one.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from simengine.analysis.varspecs import DELIVERY, batch, label_coords, put, put_interval
from simengine.model.plan import HIST_SUB_BITS, NAT_SUB_BITS, REGIMES

#: a probability below this is "negligible": the headline's "out of reach" and its largest amount
NEGLIGIBLE = 0.005

#: The waterfall's causes by who controls them (docs/model.md, *Who controls what*). Municipal:
#: what each municipality's own management decides (taking freed resources out of budgets, local
#: execution and capacity, the pace of ramp-up, getting users to adopt). Outside: vendor and
#: project delay, missing legislation, immature technology, the economy, the digitally weak
#: citizens' channel shift, and the business cases' own estimates, written into the agreement
#: by the parties together, not by the municipality that has to deliver them.
CONTROL = {
    "municipal": ("realisation", "local_capacity", "ramp", "adoption"),
    "outside": ("delay", "legislation", "technology", "economic_pressure", "weak_citizens", "estimates"),
}
#: of the causes outside a municipality's control, those the municipalities' common organisations had
#: a hand in: the business cases' estimates (written by KL with the state) and project delay (KOMBIT
#: delivered the monopolbrud systems); at the national table the other side counts them to the
#: municipalities (docs/model.md, "Who controls what")
CONTROL_SHARED = ("estimates", "delay")
#: the rows of "who controls what" as the terminal, the report and the workbook show them, in order:
#: (label key, control_split group)
CONTROL_ROWS = (
    ("control_municipal", "municipal"),
    ("control_outside", "outside"),
    ("control_shared", "shared"),
    ("control_plan", "plan"),
)


def add_negotiation(ds: xr.Dataset, raw) -> xr.Dataset:
    """Committable amounts, stored distributions, deduction analysis and the delivery deal."""
    add_committable(ds, raw)
    add_distributions(ds, raw)
    add_deductions(ds, raw)
    add_delivery(ds, raw)
    return ds


# -- committable amounts ------------------------------------------------------------------------
def add_committable(ds: xr.Dataset, raw) -> None:
    from simengine.analysis.mcerror import HIST_METHOD, QUANTILE_METHOD, rank_levels
    from simengine.analysis.results import NationalStats, hist_quantiles

    plan = raw.plan
    sc = plan.scenario
    c = np.asarray(sc.certainty, dtype=float)
    lv = 1.0 - c
    N = raw.draws
    n = len(c)
    qlo, qhi = rank_levels(N, lv)
    both = np.concatenate([lv, qlo, qhi])
    stats = NationalStats(raw)
    ds.coords["certainty"] = c
    label_coords(ds, names=["certainty"])
    nat_method = (
        "exact over all draws; interval: " + QUANTILE_METHOD
        if stats.exact
        else f"from the streaming histograms over all {N:,} draws ({2**NAT_SUB_BITS} bins per octave); "
        "interval: " + HIST_METHOD
    )

    with batch(ds) as new:

        def put_amounts(name, v, method):  # the estimates and their interval
            put(new, name, v[:n], method=method)
            put_interval(new, name, v[n : 2 * n], v[2 * n :], method, N)

        put_amounts("committable", stats.quantile("benefit", both), nat_method)
        put_amounts("committable_net", stats.quantile("net_benefit", both), nat_method)
        put_amounts("area_committable", stats.quantile("area_benefit", both), nat_method)
        mq = hist_quantiles(raw.acc.mun_hist, plan.mun_hist_lo[None, :], both).transpose(0, 2, 1)  # (3n, M, Y)
        put_amounts(
            "municipality_committable",
            mq,
            f"from histograms with {2**HIST_SUB_BITS} bins per octave over all {N:,} draws; interval: {HIST_METHOD}",
        )
        for pot, name, dims in (
            ("potential", "committable_potential", ("year",)),
            ("area_potential", "area_committable_potential", ("area", "year")),
        ):
            if pot in ds and "draw" in ds[pot].dims:  # per-draw values of the kept draws
                vals = np.asarray(ds[pot].transpose("draw", *dims).values, dtype=float)
                K = vals.shape[0]
                klo, khi = rank_levels(K, lv)
                v = np.quantile(vals, np.concatenate([lv, klo, khi]), axis=0)
                method = (
                    ("exact over all draws" if K >= N else f"from the first {K:,} of {N:,} draws (those kept per draw)")
                    + "; interval: "
                    + QUANTILE_METHOD
                )
                put_amounts(name, v, method)
        # the largest amount with a non-negligible probability: reached with probability NEGLIGIBLE
        v = stats.quantile("benefit", np.array([1.0 - NEGLIGIBLE]))[0]
        put(new, "reach_amount", v, probability=NEGLIGIBLE, method=nat_method)


# -- stored distributions (for simengine ask) ---------------------------------------------------
def _trim(counts: np.ndarray, zero_bin: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offset, trimmed counts, exact-zero counts) of histograms ``counts`` (H, B): each row's bins
    from its first to its last nonzero bin other than ``zero_bin``, padded with zeros."""
    c = np.asarray(counts, dtype=np.int64)
    H, B = c.shape
    zero = c[:, zero_bin].copy()
    nz = c > 0
    nz[:, zero_bin] = False
    any_ = np.asarray(nz.any(axis=1))
    first = np.where(any_, nz.argmax(axis=1), 0)
    last = np.where(any_, B - 1 - nz[:, ::-1].argmax(axis=1), -1)
    width = max(1, int((last - first + 1).max()) if H else 1)
    out = np.zeros((H, width), np.int64)
    for h in range(H):
        if any_[h]:
            out[h, : last[h] - first[h] + 1] = c[h, first[h] : last[h] + 1]
            if first[h] <= zero_bin <= last[h]:  # the exact zeros are stored apart
                out[h, zero_bin - first[h]] = 0
    dt = np.int32 if out.max(initial=0) < 2**31 else np.int64
    return first.astype(np.int64), out.astype(dt), zero


def untrim(offset: np.ndarray, counts: np.ndarray, zero: np.ndarray, zero_bin: int, nbins: int) -> np.ndarray:
    """Full histograms (H, nbins) from :func:`_trim`'s pieces."""
    H, W = counts.shape
    out = np.zeros((H, nbins), np.int64)
    for h in range(H):
        w = min(W, nbins - int(offset[h]))
        out[h, offset[h] : offset[h] + w] = counts[h, :w]
    out[:, zero_bin] += zero
    return out


def add_distributions(ds: xr.Dataset, raw) -> None:
    """The histograms behind the quantiles, trimmed: ``dist_<name>`` (..., <name>_bin) with
    ``dist_<name>_offset`` (first bin kept) and ``dist_<name>_zero`` (draws exactly 0). National
    and area ones only when not every draw was kept (else ``ask`` counts the kept draws)."""
    from simengine.analysis.results import NationalStats
    from simengine.model.plan import HIST_BINS, NAT_BINS, NAT_HALF

    plan = raw.plan
    stats = NationalStats(raw)
    items = []
    if not stats.exact:
        Y, A = len(plan.years), len(plan.scenario.areas)
        items += [
            (
                "benefit",
                ("year",),
                stats.counts("benefit").reshape(Y, -1),
                NAT_HALF - 1,
                NAT_BINS,
                "national",
            ),
            (
                "net_benefit",
                ("year",),
                stats.counts("net_benefit").reshape(Y, -1),
                NAT_HALF - 1,
                NAT_BINS,
                "national",
            ),
            (
                "area_benefit",
                ("area", "year"),
                stats.counts("area_benefit").reshape(A * Y, -1),
                NAT_HALF - 1,
                NAT_BINS,
                "national",
            ),
        ]
    # the (year, X) histograms are trimmed in their own order (a view, no copy of the largest array
    # there is) and the small trimmed rows then put in (X, year) order
    items += [
        (
            "municipality_benefit",
            ("municipality", "year"),
            raw.acc.mun_hist,
            0,
            HIST_BINS,
            "unsigned",
        ),
        (
            "initiative_benefit",
            ("initiative", "year"),
            raw.acc.init_hist,
            0,
            HIST_BINS,
            "unsigned",
        ),
    ]
    with batch(ds) as new:
        for name, dims, counts, zb, nbins, layout in items:
            if counts.ndim == 3:  # (Y, X, B) -> rows in (X, Y) order
                Y_, X_ = counts.shape[:2]
                off, trimmed, zero = _trim(counts.reshape(Y_ * X_, -1), zb)
                off, zero = off.reshape(Y_, X_).T.reshape(-1), zero.reshape(Y_, X_).T.reshape(-1)
                trimmed = trimmed.reshape(Y_, X_, -1).transpose(1, 0, 2).reshape(X_ * Y_, -1)
            else:
                off, trimmed, zero = _trim(counts, zb)
            shape = tuple(ds.sizes[d] for d in dims)
            v = f"dist_{name}"
            put(
                new,
                v,
                trimmed.reshape(shape + (-1,)),
                layout=layout,
                nbins=nbins,
                zero_bin=zb,
                sub_bits=NAT_SUB_BITS if layout == "national" else HIST_SUB_BITS,
                lo=float(plan.nat_hist_lo) if layout == "national" else -1.0,
                draws=raw.draws,
            )
            put(new, f"{v}_offset", off.reshape(shape))
            put(new, f"{v}_zero", zero.reshape(shape))
        put(new, "dist_municipality_lo", plan.mun_hist_lo)
        put(new, "dist_initiative_lo", plan.init_hist_lo)


def bin_edges(layout: str, lo) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) edges of every bin of a stored histogram: layout "national" (signed, value
    order) for lower log edge ``lo``; "unsigned" (per row ``lo`` (H,)) -> (H, B) arrays."""
    from simengine.analysis.results import _bin_pattern, _signed_pattern

    if layout == "national":
        lower, upper = _signed_pattern()
        return lower * float(lo), upper * float(lo)
    lower, upper = _bin_pattern(HIST_SUB_BITS)
    lo = np.asarray(lo, dtype=float)[:, None]
    return lo * lower[None, :], lo * upper[None, :]


# -- exceedance and amounts from a histogram or from draws ---------------------------------------
def p_at_least_counts(counts: np.ndarray, lower: np.ndarray, upper: np.ndarray, x: float) -> tuple[float, float, float]:
    """(estimate, draws surely >= x, draws possibly >= x) of one histogram: bins entirely at or above
    x count whole; the bin holding x counts the share of its width above x in the estimate, none of
    it in the lower and all of it in the upper bound."""
    counts = np.asarray(counts, dtype=float)
    width = upper - lower
    surely = lower >= x
    possibly = surely | (upper > x)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(
            surely,
            1.0,
            np.where(possibly & (width > 0), np.clip((upper - x) / np.where(width > 0, width, 1.0), 0.0, 1.0), 0.0),
        )
    return float((counts * frac).sum()), float(counts[surely].sum()), float(counts[possibly].sum())


def deduction_grid(sc_deductions, target: np.ndarray) -> np.ndarray:
    return np.asarray(sc_deductions, dtype=float)[:, None] * np.asarray(target, dtype=float)[None, :]


# -- deduction analysis -------------------------------------------------------------------------
def local_gain(mean_g: np.ndarray, D: np.ndarray, cut_mean: np.ndarray) -> np.ndarray:
    """(S, Y) what stays with the municipalities under each up-front deduction D (S, Y): the mean gain
    minus the deduction plus the mean service cut, at least 0."""
    return np.maximum(0.0, mean_g[None, :] - D + cut_mean)


def max_safe(q_alpha: np.ndarray, x: float) -> np.ndarray:
    """The largest deduction with P(service cut > x) <= alpha: the gain's alpha quantile + x (continuous
    gain), at least 0."""
    return np.maximum(0.0, q_alpha + x)


def max_safe_share(shares: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """(Y,) the largest deduction share of the grid whose P(service cut > X) ``p`` (S, Y) is at most
    alpha, NaN where none is."""
    ok = p <= alpha
    return np.array([shares[np.nonzero(ok[:, y])[0]].max() if ok[:, y].any() else np.nan for y in range(p.shape[1])])


def add_deductions(ds: xr.Dataset, raw) -> None:
    from simengine.analysis.mcerror import MEAN_METHOD, WILSON_METHOD, Z, quantile_ci, wilson
    from simengine.analysis.results import NationalStats

    plan = raw.plan
    sc = plan.scenario
    stats = NationalStats(raw)
    N = raw.draws
    x = float(sc.cut_threshold)
    alpha = float(sc.cut_alpha)
    shares = np.asarray(sc.deductions, dtype=float)
    D = deduction_grid(shares, plan.target)  # (S, Y)
    S, Y = D.shape
    ds.coords["deduction"] = shares
    label_coords(ds, names=["deduction"])
    mean_g = stats.mean("benefit")
    K = len(raw.benefit)
    cut_sd = np.zeros((S, Y))  # sd of the kept draws' cut, for the interval of its mean
    p = np.zeros((S, Y))
    cut_mean = np.zeros((S, Y))
    for s in range(S):  # one share at a time: (K, Y) arrays only
        cut = np.maximum(0.0, D[s][None, :] - raw.benefit)
        if K > 1:
            cut_sd[s] = cut.std(axis=0, ddof=1)
        if stats.exact:
            p[s] = (cut > x).mean(axis=0)
            cut_mean[s] = cut.mean(axis=0)
    if stats.exact:
        p_method = "counted exactly over all draws"
    else:
        counts = stats.counts("benefit")  # (Y, B)
        for s in range(S):
            for y in range(Y):
                v = D[s, y] - x  # cut > x  <=>  G < D - x
                if v > 0:
                    est, _, _ = p_at_least_counts(counts[y], stats.lower, stats.upper, v)
                    p[s, y] = 1.0 - est / counts[y].sum()
        cut_mean = np.stack([stats.shortfall(D[s], None) for s in range(S)])
        p_method = (
            f"all {N:,} draws, from the streaming histogram of the national gain (the bin that holds "
            "D - X counts in proportion to its width)"
        )

    with batch(ds) as new:

        def put_ci(name, lo, hi, method):
            put_interval(new, name, lo, hi, method, None)

        put(new, "deduction_amount", D, float)
        put(new, "deduction_p_cut_above", p, float, threshold=x, method=p_method)
        lo, hi = wilson(p * N, N)
        never = D - x <= 0  # the cut cannot exceed X
        put_ci("deduction_p_cut_above", np.where(never, 0.0, lo), np.where(never, 0.0, hi), WILSON_METHOD)
        put(
            new,
            "deduction_service_cut_mean",
            cut_mean,
            float,
            method="exact over all draws" if stats.exact else "from the streaming histogram over all draws",
        )
        if K > 1:
            half = Z * cut_sd / math.sqrt(N)
            lo, hi = cut_mean - half, cut_mean + half
            put_ci(
                "deduction_service_cut_mean",
                lo,
                hi,
                MEAN_METHOD + ("" if K >= N else f" (sd from the first {K:,} draws)"),
            )
        put(new, "deduction_central_gain_mean", D, float)
        put(new, "deduction_local_gain_mean", local_gain(mean_g, D, cut_mean), float)
        # the largest deduction with P(cut > X) <= alpha: G's alpha quantile + X (continuous G)
        qest, qlo, qhi = quantile_ci(stats, "benefit", np.array([alpha]), N)
        safe = max_safe(qest[0], x)
        put(new, "deduction_max_safe", safe, float, threshold=x, alpha=alpha)
        put_ci(
            "deduction_max_safe",
            max_safe(qlo[0], x),
            max_safe(qhi[0], x),
            "the order-statistics interval of the quantile, plus the threshold",
        )
        put(new, "deduction_max_safe_share", max_safe_share(shares, p, alpha), float, threshold=x, alpha=alpha)
    ds.attrs["cut_alpha"] = alpha


# -- the fourth deal: deduction on delivery (DELIVERY, simengine.analysis.varspecs) ----------------


def golive_times(plan, inputs: np.ndarray) -> np.ndarray:
    """Per-draw go-live times (draws, I) from the kept inputs, as the kernel computes them: the
    scenario's [model] timing (additive or component) and its delivery dependencies
    (simengine.analysis.observables.golive)."""
    from simengine.analysis.observables import golive

    return golive(plan, inputs)


def delivery_per_draw(raw) -> tuple[np.ndarray, np.ndarray]:
    """(central gain, service cut) (draws, Y) of deduction on delivery for the draws whose inputs
    are kept: deducted_y = sum_i gain_i * f_iy, f_iy the share of year y at or after go-live;
    service cut = max(0, deducted - national gain)."""
    plan = raw.plan
    n = min(len(raw.inputs), len(raw.benefit))
    g = golive_times(plan, raw.inputs[:n])  # (n, I)
    yrs = plan.years.astype(float)
    ded = np.zeros((n, len(yrs)))
    for i in range(g.shape[1]):  # initiative by initiative: (n, Y) arrays only
        ded += plan.gain[i] * np.clip(yrs[None, :] + 1.0 - g[:, i, None], 0.0, 1.0)
    return ded, np.maximum(0.0, ded - raw.benefit[:n])


def add_delivery(ds: xr.Dataset, raw) -> None:
    from simengine.analysis.mcerror import WILSON_METHOD, wilson

    plan = raw.plan
    sc = plan.scenario
    cen, cut = delivery_per_draw(raw)
    n = len(cen)
    if n < 2:
        ds.attrs["delivery_note"] = "deduction on delivery: too few draws with kept inputs"
        return
    q = np.asarray(ds["quantile"].values, dtype=float)
    x = float(sc.cut_threshold)
    method = (
        f"from the first {n:,} of {raw.draws:,} draws (those whose inputs, hence go-live times, are kept)"
        if n < raw.draws
        else "exact over all draws"
    )

    with batch(ds) as new:
        put(new, "delivery_central_gain_quantile", np.quantile(cen, q, axis=0), float, method=method)
        put(new, "delivery_central_gain_mean", cen.mean(axis=0), float, method=method)
        put(new, "delivery_service_cut_quantile", np.quantile(cut, q, axis=0), float, method=method)
        put(new, "delivery_service_cut_mean", cut.mean(axis=0), float, method=method)
        p = (cut > x).mean(axis=0)
        put(new, "delivery_p_cut_above", p, float, method=method, threshold=x)
        lo, hi = wilson(p * n, n)
        put_interval(new, "delivery_p_cut_above", lo, hi, WILSON_METHOD, n)
    pairs = [f"{DELIVERY}-{r}" for r in REGIMES]
    ds.coords["delivery_pair"] = pairs
    label_coords(ds, names=["delivery_pair"])
    with batch(ds) as new:
        for var, per in (("central_gain", cen), ("service_cut", cut)):
            other = getattr(raw, var)[:n]  # (n, R, Y)
            diff = per[:, None, :] - other  # (n, R, Y)
            put(new, f"delivery_{var}_difference_mean", diff.mean(axis=0), float, method=method)
            put(new, f"delivery_{var}_difference_quantile", np.quantile(diff, q, axis=0), float, method=method)
    ds.attrs["delivery_draws"] = n


# -- who controls what --------------------------------------------------------------------------
def control_split(ds: xr.Dataset) -> dict | None:
    """The waterfall's mean and P50 changes summed by who controls the cause: {"municipal": (mean,
    p50), "outside": (...), "shared": (...) (of "outside", :data:`CONTROL_SHARED`), "plan": (...),
    "sampling": (...), "start", "end", "year"}."""
    if "waterfall" not in ds:
        return None
    keys = [str(k) for k in ds["cause"].values]
    wf = np.asarray(ds["waterfall"].values, dtype=float)
    wp = np.asarray(ds["waterfall_p50"].values, dtype=float) if "waterfall_p50" in ds else np.full_like(wf, np.nan)
    out: dict = {}
    for group, causes in (*CONTROL.items(), ("shared", CONTROL_SHARED)):
        idx = [keys.index(c) for c in causes if c in keys]
        out[group] = (float(wf[idx].sum()), float(wp[idx].sum()))
    for k in ("plan", "sampling"):
        out[k] = (float(wf[keys.index(k)]), float(wp[keys.index(k)])) if k in keys else (0.0, 0.0)
    out["start"] = float(ds["waterfall"].attrs.get("start", math.nan))
    out["end"] = float(ds["waterfall"].attrs.get("end", math.nan))
    out["year"] = ds["waterfall"].attrs.get("year", "")
    return out


# -- the terminal headline ----------------------------------------------------------------------
def target_index(ds: xr.Dataset) -> int:
    target = np.asarray(ds["target"].values, dtype=float)
    return int(np.argmax(target >= target.max())) if target.size and target.max() > 0 else len(target) - 1


def out_of_reach(ds: xr.Dataset) -> bool:
    """P(target) below NEGLIGIBLE in every year with a target."""
    t = np.asarray(ds["target"].values, dtype=float)
    p = np.asarray(ds["p_target"].values, dtype=float)
    return bool((t > 0).any() and (p[t > 0] < NEGLIGIBLE).all())
