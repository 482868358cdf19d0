"""Updating a forecast on what was observed: importance weights from the observations' error models.

The kept draws of a run are a sample of the prior. Given the observations known by a date, draw d
gets the weight w_d proportional to prod_o L_o(y_o | x_od), the likelihood of observation o given
the draw's value x_od of the observed quantity (simengine.scenario.observations: normal and lognormal
densities, indicators for exact, interval and bound observations), normalised to sum 1. The
posterior of any output is the weighted distribution of its per-draw values: weighted quantiles,
weighted means, weighted P(target). The effective sample size ESS = 1 / sum_d w_d^2 says how many
equally weighted draws the weighted sample is worth; with an ESS below :data:`ESS_MIN` the command
warns and suggests a draw count.

What is recomputed under the weights and what is not is listed in the attribute ``reweighted`` /
``not_reweighted`` of the results (docs/model.md, *Scoring and updating*).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import xarray as xr

from simengine.analysis import varspecs
from simengine.analysis.varspecs import UPDATED_INPUT_COLUMNS, negotiation_vars
from simengine.errors import RunError
from simengine.messages import Msg, render, warn
from simengine.scenario.observations import NEEDS_INPUTS, Observation

#: below this effective sample size the update warns and suggests more draws
ESS_MIN = 1000
#: the effective sample size the suggested draw count aims at
ESS_TARGET = 2000
#: below this effective sample size the weights count as degenerate (the warning says so and names the
#: observations that narrow them most)
ESS_DEGENERATE = 100
#: an input "moved" when its mean shifted by at least this many prior sds (or its sd changed by this
#: ratio), and by more than 3 Monte Carlo standard errors (3 / sqrt(ESS) prior sds)
MOVE_MIN = 0.05


# -- weights -----------------------------------------------------------------------------------------
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b in a fixed order (not BLAS, whose result and speed depend on its threads)."""
    return float(np.add.reduce(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size 1 / sum(w^2) of normalised weights ``w`` (they sum to 1); 0 for
    no weights."""
    return float(1.0 / _dot(w, w)) if len(w) else 0.0


def log_likelihood(o: Observation, x: np.ndarray) -> np.ndarray:
    """log L(y | x_d) per draw, up to a constant that is the same for every draw."""
    e = o.error
    xb = e.bias * np.asarray(x, dtype=float)
    y = o.value
    if e.kind == "normal":
        return -0.5 * ((y - xb) / e.sd) ** 2
    if e.kind == "lognormal":
        pos = xb > 0
        with np.errstate(divide="ignore"):
            z = (math.log(y) - np.log(np.where(pos, xb, 1.0))) / e.sd
        return np.where(pos, -0.5 * z * z, -np.inf)
    if e.kind == "exact":
        inside = xb == y
    elif e.kind == "interval":
        inside = (xb >= e.low) & (xb <= e.high)
    elif e.kind == "at_least":
        inside = xb >= y
    else:
        inside = xb <= y
    return np.where(inside, 0.0, -np.inf)


def weights_for(
    observations: tuple[Observation, ...], x: np.ndarray, file: str = "observations"
) -> tuple[np.ndarray, float]:
    """(normalised importance weights (K,), effective sample size) given the observations (rows of
    ``x``: their per-draw model values). No observations: equal weights, ESS = K."""
    K = x.shape[1]
    if not observations:
        return np.full(K, 1.0 / K), float(K)
    ll = np.zeros(K)
    for k, o in enumerate(observations):
        lk = log_likelihood(o, x[k])
        if not np.isfinite(lk).any():
            raise RunError(
                Msg(
                    "run.obs_impossible",
                    file=str(file),
                    id=repr(o.id),
                    value=float(o.value),
                    error=str(o.error.describe()),
                    draws=K,
                )
            )
        ll += lk
    if not np.isfinite(ll).any():
        raise RunError(Msg("run.obs_inconsistent", file=str(file), ids=", ".join(o.id for o in observations), draws=K))
    w = np.exp(ll - ll.max())
    w /= w.sum()
    return w, effective_sample_size(w)


def ess_by_observation(observations: tuple[Observation, ...], x: np.ndarray) -> list[tuple[str, float]]:
    """(id, ESS of the weights of that observation alone), smallest ESS first (rows of ``x``: the
    observations' per-draw model values)."""
    out = []
    for k, o in enumerate(observations):
        ll = log_likelihood(o, x[k])
        if not np.isfinite(ll).any():
            out.append((o.id, 0.0))
            continue
        w = np.exp(ll - ll.max())
        w /= w.sum()
        out.append((o.id, effective_sample_size(w)))
    return sorted(out, key=lambda t: t[1])


# -- weighted statistics -----------------------------------------------------------------------------
def stable_argsort(x: np.ndarray) -> np.ndarray:
    """``np.argsort(x, kind="stable")``, the same permutation, faster: numpy's unstable (SIMD) sort,
    then equal values (NaNs among themselves; -0.0 and 0.0 are equal) put back in the order of
    their indices, as a stable sort leaves them, by one sort of (run of equal values, index) keys."""
    x = np.asarray(x)
    order = np.argsort(x)
    n = len(order)
    if n < 2:
        return order
    s = x[order]
    tie = s[1:] == s[:-1]
    if s.dtype.kind == "f":
        nan = np.isnan(s)
        tie |= nan[1:] & nan[:-1]
    if not tie.any():
        return order
    run = np.empty(n, dtype=np.int64)  # the rank of each position's run of equal values
    run[0] = 0
    np.cumsum(~tie, out=run[1:])
    key = run * n + order  # distinct: sorted, the runs in order and each run's indices ascending
    key.sort()
    return key % n


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles of the weighted sample (weights sum to 1): the sorted values placed at
    p_k = (W_k - w_k) / (1 - w_last) (W_k cumulative, w_last the largest value's weight) and
    interpolated linearly; with equal weights p_k = (k-1)/(n-1), numpy's default definition.
    Draws of weight 0 are left out."""
    x = np.asarray(x, dtype=float)
    keep = w > 0
    xs, ws = x[keep], w[keep]
    order = stable_argsort(xs)
    xs, ws = xs[order], ws[order] / ws.sum()
    if len(xs) == 1 or ws[-1] >= 1.0:
        return np.full(len(np.atleast_1d(q)), xs[-1])
    cum = np.cumsum(ws)
    p = (cum - ws) / (1.0 - ws[-1])
    p[-1] = 1.0
    return np.interp(q, p, xs)


def pmap(fn, items, threads: int = 1) -> list:
    """[fn(x) for x in items] on ``threads`` threads (numpy's sorts release the GIL); the results are
    the same, in the same order, whatever the number of threads."""
    items = list(items)
    n = min(max(1, threads), len(items))
    if n <= 1:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(n) as ex:
        return list(ex.map(fn, items))


def wquantiles(X: np.ndarray, w: np.ndarray, q: np.ndarray, threads: int = 1) -> np.ndarray:
    """Weighted quantiles over the first axis of X (K, ...) -> (len(q), ...), the columns on ``threads`` threads."""
    K = X.shape[0]
    flat = np.ascontiguousarray(X.reshape(K, -1).T)  # one contiguous row per column of X (one blocked copy)
    out = np.empty((len(q), flat.shape[0]))
    cols = pmap(lambda c: weighted_quantile(flat[c], w, q), range(flat.shape[0]), threads)
    for c, v in enumerate(cols):
        out[:, c] = v
    return out.reshape((len(q),) + X.shape[1:])


def wmean(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean over the first axis of X (K, ...), in a fixed order (not BLAS, whatever the
    threads); of a per-draw scalar (K,): :func:`_dot`."""
    if X.ndim == 1:
        return np.asarray(_dot(w, X))
    return np.einsum("k,k...->...", w, X)


def weighted_shortfall(gain: np.ndarray, target: np.ndarray, w: np.ndarray, tail: float | None) -> np.ndarray:
    """Weighted mean of max(0, target - gain) over the worst ``tail`` of the weight (all if None)."""
    short = np.maximum(0.0, target[None, :] - gain)
    if tail is None:
        return wmean(short, w)
    out = np.empty(short.shape[1])
    for y in range(short.shape[1]):
        order = stable_argsort(-short[:, y])
        s, ws = short[order, y], w[order]
        cum = np.cumsum(ws)
        take = np.clip(tail - (cum - ws), 0.0, ws)  # the part of each draw's weight inside the tail
        out[y] = float(_dot(take, s) / take.sum())
    return out


# -- running ---------------------------------------------------------------------------------------
#: the update and the backtest keep the per-draw inputs of at most this many kept draws (at least a
#: run's simengine.core.driver.DEFAULT_STORE_INPUTS): the initiative statistics and the inputs that moved
#: are weighted over them; the observed quantities and the weights cover every kept draw (computed
#: block by block from the inputs where each block ran, :func:`observe_block`)
STREAM_INPUTS = 100_000


def needs_inputs(o: Observation) -> bool:
    """Whether the model's value of ``o`` is computed from the per-draw inputs (go-live, adoption,
    an initiative's gain) rather than read from the kept per-draw results."""
    return o.quantity in NEEDS_INPUTS or o.scope == "initiative"


def observe_block(
    observations: tuple[Observation, ...], file: str, plan, part, keep_below: int = 0
) -> dict[str, np.ndarray]:
    """The block's kept draws' values of the ``observations`` that need the inputs
    (simengine.scenario.observations.per_draw on the block's inputs, draw by draw the same numbers as
    on all kept draws at once): ``{"observed": (kept draws of the block, observations)}``. With
    ``keep_below``, also the realisation sums (``"stored_sums"``, (rows, I, 1): local_sums,
    combination 0) and the go-live of every initiative (``"stored_golive"``, (rows, I)) of the
    block's draws below ``keep_below`` (those whose inputs are kept; simengine.core.driver.Merger
    places ``stored_`` rows beside the kept inputs), for the update's per-initiative statistics: each
    evaluated once per block, for the observations and those draws together. Runs where the block
    ran (simengine.core.distributed.Job.observe)."""
    from simengine.analysis.sensitivity import local_sums
    from simengine.model.formula import golive
    from simengine.scenario import observations as obsmod

    K = len(part.inputs)
    I = len(plan.gain)
    rows = max(0, min(keep_below - part.d0, K))
    out: dict[str, np.ndarray] = {}
    if not K:
        out["observed"] = np.zeros((0, len(observations)))
        if keep_below:
            out["stored_sums"], out["stored_golive"] = np.zeros((0, I, 1)), np.zeros((0, I))
        return out
    inputs = np.ascontiguousarray(part.inputs)
    # the realisation sums of the block's draws (their local draws come from the streams of draws
    # d0 ..): of every kept draw when an observation needs them, else of the draws below keep_below
    need_all = any(o.scope == "initiative" and o.quantity == "realised" for o in observations)
    s1 = None
    if need_all:
        s1 = local_sums(plan, inputs, combinations=1, d0=part.d0)
    elif rows:
        s1 = local_sums(plan, inputs[:rows], combinations=1, d0=part.d0)
    # every initiative's go-live, once for the block (golive, adoption and initiative observations)
    G = golive(plan, inputs) if any(needs_inputs(o) for o in observations) else None
    if G is None and rows:
        G = golive(plan, inputs[:rows])
    x = obsmod.per_draw(observations, _Draws(K), plan, inputs, file, s1=s1 if need_all else None, G=G)
    out["observed"] = np.ascontiguousarray(x.T)
    if keep_below:
        out["stored_sums"] = _rows(s1, rows, (0, I, 1))
        out["stored_golive"] = _rows(G, rows, (0, I))
    return out


def _rows(a: np.ndarray | None, rows: int, empty: tuple[int, ...]) -> np.ndarray:
    """The first ``rows`` rows of ``a`` (itself when that is all of it), or an empty array."""
    if a is None or not rows:
        return np.zeros(empty)
    return a if rows == len(a) else a[:rows].copy()


class _Draws:
    """Stands for a results Dataset of K draws in simengine.scenario.observations.per_draw (only
    observations computed from the inputs are asked of it)."""

    def __init__(self, K: int) -> None:
        self.sizes = {"draw": K}

    def __contains__(self, name: object) -> bool:
        return False


def observed(observations: tuple[Observation, ...], ds, raw, file: str = "observations") -> np.ndarray:
    """(n_obs, K) the model's value of each observation in each kept draw: those computed from the
    inputs as the blocks streamed them (``raw.extra["observed"]``, columns by
    ``raw.observed_ids``), the national and area gains from the kept per-draw results."""
    from simengine.scenario import observations as obsmod

    ids = getattr(raw, "observed_ids", None) or {}
    streamed = raw.extra.get("observed")
    out = np.empty((len(observations), ds.sizes["draw"]))
    for k, o in enumerate(observations):
        if needs_inputs(o) and streamed is not None and o.id in ids:
            out[k] = streamed[:, ids[o.id]]
        else:
            out[k] = obsmod.per_draw((o,), ds, raw.plan, raw.inputs, file)[0]
    return out


def simulate_for(
    sc,
    observations: tuple[Observation, ...],
    threads: int | None = None,
    analyses: bool = True,
    all_inputs: bool = False,
    command: str = "",
    progress=None,
    opts=None,
    file: str = "observations",
    keep_sums: bool = False,
):
    """Run the scenario as ``run`` does (the same results, bit for bit). When the observations need
    the per-draw inputs (go-live, adoption, per-initiative gains), their values in every kept draw
    are computed block by block where the block ran (:func:`observe_block`, ``raw.extra``; read
    them with :func:`observed`), and the inputs of the first :data:`STREAM_INPUTS` kept draws are
    kept (also with ``all_inputs``) for the initiative statistics and the inputs that moved.
    ``opts`` (simengine.core.driver.RunOptions, validated): threads, chunk and where the blocks of
    draws run (``scheduler``: a Dask cluster, the same results bit for bit); default: this process
    on ``threads`` threads. ``file``: the observations file, for error lines. ``keep_sums``: the
    blocks also compute the realisation sums and go-live of the draws whose inputs are kept
    (``raw.extra["stored_sums"]``, ``["stored_golive"]``: :func:`observe_block`), for
    :func:`reweight`'s per-initiative statistics. Returns (Dataset, raw results)."""
    import dataclasses
    import functools

    from simengine.analysis.results import build_dataset
    from simengine.core import driver, engine
    from simengine.model.plan import compile_plan

    opts = driver.RunOptions(via="cli", threads=threads) if opts is None else opts
    t0 = time.perf_counter()
    plan = compile_plan(sc)
    for note in plan.notes:
        warn(f"{sc.path}: {render(note)}")
    kept = min(sc.draws, sc.keep_draws)
    streamed = tuple(o for o in observations if needs_inputs(o))
    need = all_inputs or bool(streamed)
    store = max(engine.DEFAULT_STORE_INPUTS, min(kept, STREAM_INPUTS)) if need else engine.DEFAULT_STORE_INPUTS
    opts = dataclasses.replace(opts, store_inputs=store)
    observe = (
        functools.partial(observe_block, streamed, file, keep_below=store if keep_sums else 0)
        if streamed or keep_sums
        else None
    )
    t1 = time.perf_counter()
    with driver.open_executor(opts) as executor:  # this process, or the Dask cluster of --scheduler
        raw, _ = driver.run(plan, opts, executor, progress=progress, analyses=analyses, observe=observe)
        where = driver.executor_attrs(executor, raw)
    raw.observed_ids = {o.id: k for k, o in enumerate(streamed)}  # type: ignore[attr-defined]
    t2 = time.perf_counter()
    local = opts.local_threads()  # the analyses and weighted statistics run here, on the run's threads
    early = None
    if analyses:  # sensitivity, waterfall coalitions, run without shocks: beside the Dataset, as run does
        from simengine.analysis import sensitivity as analysis

        early = analysis.start(raw, local)
    ds = build_dataset(raw, command=command)
    if early is not None:  # its histograms trimmed: the run without the shocks may start
        early.dataset_built()
    from simengine.analysis.negotiate import add_negotiation  # as run does: committable amounts, deductions, deals

    ds = add_negotiation(ds, raw)
    t3 = time.perf_counter()
    if analyses:  # on the run's threads (--threads, or the machine's cores), passed explicitly
        from simengine.core.driver import numba_threads

        with numba_threads(local):
            ds = analysis.add_analyses(ds, raw, local, early)
            from simengine.analysis.calibration import (
                add_calibration_bases,  # the calibration ratio on the evidence's bases
            )

            ds = add_calibration_bases(ds, raw)
            from simengine.analysis.investment import add_investment  # staff freed per krone invested

            ds = add_investment(ds, raw)
            from simengine.analysis.shockeffect import add_shock_effect  # as run does: with vs without [[shocks]]

            ds = add_shock_effect(ds, raw, threads=local, early=early)
    ds.attrs["seconds_analyse"] = round(time.perf_counter() - t3, 4)
    ds.attrs["seconds_prepare"] = round(t1 - t0, 4)
    ds.attrs["seconds_simulate"] = round(t2 - t1, 4)
    ds.attrs["seconds_aggregate"] = round(t3 - t2, 4)
    ds.attrs.update(where)  # where the draws ran (informative: the results do not depend on it)
    return ds, raw


#: outputs that the weights cannot reach, and why
NOT_REWEIGHTED = {
    "municipality_benefit": "per-municipality values are not kept per draw (histograms over all draws)",
    "municipality_benefit_mean": "per-municipality values are not kept per draw",
    "municipality_shortfall_mean": "per-municipality values are not kept per draw",
    "sensitivity": "prior sensitivity (what drives the outcome under the assumptions)",
    "waterfall": "prior waterfall (the causes of the shortfall under the assumptions)",
}


def reweight(
    ds: xr.Dataset, raw, w: np.ndarray, s1: np.ndarray | None = None, threads: int | None = None
) -> xr.Dataset:
    """The run's statistics recomputed under the weights ``w`` of the kept draws. ``s1``: the kept
    draws' realisation sums (simengine.analysis.sensitivity.local_sums, combination 0), if at hand
    (else those the blocks computed, ``raw.extra["stored_sums"]``, or computed here); their go-live:
    ``raw.extra["stored_golive"]`` when the blocks computed it.
    ``threads``: the threads of the weighted quantiles (the run's, ``raw.threads``, if None)."""
    threads = raw.threads if threads is None else threads
    plan = raw.plan
    sc = plan.scenario
    q = np.asarray(ds["quantile"].values, dtype=float)
    out = ds.copy()
    # Monte Carlo intervals of the prior's statistics do not apply to the weighted ones
    out = out.drop_vars([v for v in out.data_vars if str(v).endswith(("_ci_low", "_ci_high"))])
    G = np.asarray(ds["benefit"].values)
    done = []

    def put(name, data):
        out[name] = (ds[name].dims, np.asarray(data, dtype=float).reshape(ds[name].shape))
        out[name].attrs = dict(ds[name].attrs, method=WEIGHTED_METHOD)
        done.append(name)

    # the statistics of a per-draw variable, as their specs declare them (VarSpec.weighted)
    for source, statistics in varspecs.weighted_stats():
        if source not in ds:
            continue
        X = np.asarray(ds[source].values)
        pairs: dict[str, np.ndarray] = {}
        for name, kind, *ref in statistics:
            if name in ds and all(r in ds for r in ref):
                put(name, _weighted(kind, name, source, X, ref, ds, w, q, sc, threads, pairs))
    if "observed" in ds:
        ranks = []
        # against the quantity the [observed] values measure (the gross gain, or the potential)
        O = np.asarray(ds["potential"].values) if ds["observed"].attrs.get("quantity") == "potential" else G
        for yv, v in zip(ds["observed_year"].values, ds["observed"].values):
            col = O[:, int(yv - sc.start_year)]
            ranks.append(float(_dot(w, (col < v) + 0.5 * (col == v))))
        r = np.array(ranks)
        put("observed_rank", r)
        put("observed_tail_probability", np.minimum(1.0, 2 * np.minimum(r, 1 - r)))
    # per initiative: the kept inputs give their draws' go-live and, by the waterfall's evaluator,
    # their gain per year (the first STREAM_INPUTS kept draws, under their share of the weights)
    inputs = raw.inputs
    K, wi = input_weights(w, len(inputs))
    not_done = dict(NOT_REWEIGHTED)
    if K and "initiative_benefit" in ds:
        I, Y = len(plan.gain), len(plan.years)
        stored = raw.extra.get("stored_sums") if hasattr(raw, "extra") else None
        if s1 is None and stored is not None and len(stored) >= K:
            s1 = stored  # evaluated once, block by block where the blocks ran
        if s1 is None or len(s1) < K:
            s1 = kept_sums(plan, inputs, K)
        iq = np.empty((len(q), I, Y))
        im = np.empty((I, Y))
        gq = np.empty((len(q), I))
        from simengine.model.formula import golive

        gl_all = raw.extra.get("stored_golive") if hasattr(raw, "extra") else None  # the blocks' go-live
        if gl_all is None or len(gl_all) < K:
            gl_all = golive(plan, inputs[:K])  # every initiative's go-live once, not once per initiative
        stats = pmap(lambda i: initiative_stats(plan, inputs, K, s1, i, wi, q, gl_all), range(I), threads)
        for i, (gl, bq, bm) in enumerate(stats):
            gq[:, i], iq[:, i, :], im[i, :] = gl, bq, bm
        put("initiative_golive", gq)
        put("initiative_benefit", iq)
        put("initiative_benefit_mean", im)
        if K < len(w):
            for name in ("initiative_golive", "initiative_benefit", "initiative_benefit_mean"):
                out[name].attrs["method"] = (
                    f"weighted over the first {K:,} of the {len(w):,} kept draws (those "
                    "whose inputs are kept), their importance weights renormalised"
                )
    else:
        for name in ("initiative_benefit", "initiative_benefit_mean", "initiative_golive"):
            not_done[name] = "the per-draw inputs of every kept draw were not kept"
    # the negotiation table (simengine.analysis.negotiate) from the kept per-draw values
    done += reweight_negotiation(ds, out, raw, w, threads)
    dists = []
    for name in negotiation_vars(out):  # by their specs (simengine.analysis.varspecs): what is left
        if name.startswith("dist_"):
            dists.append(name)
        elif name not in done and name not in NEGOTIATION_EXACT:
            not_done.setdefault(name, NEGOTIATION_NOT_REWEIGHTED.get(name, "computed from the prior draws"))
    if dists:  # ask answers from them only what has no per-draw values (simengine.cli.ask says so)
        not_done["stored histograms (" + ", ".join(dists[:2]) + ", …)"] = "streaming histograms over all prior draws"
        for name in dists:
            out[name].attrs = dict(out[name].attrs, weights="prior: not reweighted (histograms over all prior draws)")
    for name, why in not_done.items():
        if name in out:
            out[name].attrs = dict(out[name].attrs, weights=f"prior: not reweighted ({why})")
    out.attrs["reweighted"] = ", ".join(done)
    out.attrs["not_reweighted"] = "; ".join(f"{k}: {v}" for k, v in not_done.items())
    return out


#: negotiation variables that do not depend on the draws (the same before and after an update)
NEGOTIATION_EXACT = ("deduction_amount", "deduction_central_gain_mean")
#: why a negotiation variable cannot be reweighted
NEGOTIATION_NOT_REWEIGHTED = {
    "municipality_committable": "per-municipality values are not kept per draw (histograms over all draws)",
}
#: the ``method`` attribute of a reweighted statistic
WEIGHTED_METHOD = "weighted over the kept draws (importance weights)"


def wprob(B: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted probability of the per-draw events ``B`` (K, ...) (True/False or 1/0): their weighted
    mean, a value within 1e-12 of 0 or 1 (the rounding of the normalised weights) put at 0 or 1."""
    p = np.asarray(wmean(np.asarray(B, dtype=float), w), dtype=float)
    return np.where(p < 1e-12, 0.0, np.where(p > 1.0 - 1e-12, 1.0, p))


def reweight_negotiation(ds: xr.Dataset, out: xr.Dataset, raw, w: np.ndarray, threads: int = 1) -> list[str]:
    """The negotiation table (simengine.analysis.negotiate) under the weights ``w``, from the kept
    per-draw values: the committable amounts (the weighted 1 - certainty quantiles of the national
    and area realised, net and potential gains), the reach amount, the deduction analysis and the
    delivery deal (from the go-live of the draws whose inputs are kept). Writes into ``out``; their
    Monte Carlo intervals are dropped. Returns the names reweighted."""
    from simengine.analysis.negotiate import NEGLIGIBLE, delivery_per_draw, local_gain, max_safe, max_safe_share

    done: list[str] = []

    def put(name: str, data, method: str = WEIGHTED_METHOD) -> None:
        if name not in ds:
            return
        out[name] = (ds[name].dims, np.asarray(data, dtype=float).reshape(ds[name].shape))
        out[name].attrs = dict(ds[name].attrs, method=method)
        out[name].attrs.pop("weights", None)
        done.append(name)

    if "certainty" not in ds.coords or "benefit" not in ds:
        return done
    lv = 1.0 - np.asarray(ds["certainty"].values, dtype=float)
    for name, source in (
        ("committable", "benefit"),
        ("committable_net", "net_benefit"),
        ("committable_potential", "potential"),
        ("area_committable", "area_benefit"),
        ("area_committable_potential", "area_potential"),
    ):
        if name in ds and source in ds and "draw" in ds[source].dims:
            dims = [d for d in ds[name].dims if d != "certainty"]
            X = np.asarray(ds[source].transpose("draw", *dims).values, dtype=float)
            put(name, wquantiles(X, w, lv, threads))
    G = np.asarray(ds["benefit"].values, dtype=float)  # (K, Y)
    put("reach_amount", wquantiles(G, w, np.array([1.0 - NEGLIGIBLE]), threads)[0])
    if "deduction_amount" in ds:
        sc = raw.plan.scenario
        x = float(ds["deduction_p_cut_above"].attrs.get("threshold", sc.cut_threshold))
        alpha = float(ds.attrs.get("cut_alpha", sc.cut_alpha))
        D = np.asarray(ds["deduction_amount"].values, dtype=float)  # (S, Y)
        shares = np.asarray(ds["deduction"].values, dtype=float)
        p, cut_mean = np.empty(D.shape), np.empty(D.shape)
        for s in range(D.shape[0]):  # one share at a time: (K, Y) arrays only
            cut = np.maximum(0.0, D[s][None, :] - G)
            p[s] = wprob(cut > x, w)
            cut_mean[s] = wmean(cut, w)
        put("deduction_p_cut_above", p)
        put("deduction_service_cut_mean", cut_mean)
        put("deduction_local_gain_mean", local_gain(wmean(G, w), D, cut_mean))
        put("deduction_max_safe", max_safe(wquantiles(G, w, np.array([alpha]), threads)[0], x))
        put("deduction_max_safe_share", max_safe_share(shares, p, alpha))
    if "delivery_central_gain_mean" in ds and len(raw.inputs):
        K, wk = input_weights(w, min(len(raw.inputs), len(G)))
        if K >= 2:
            cen, cut = delivery_per_draw(raw)
            cen, cut = cen[:K], cut[:K]
            method = (
                WEIGHTED_METHOD
                if K == len(w)
                else f"weighted over the first {K:,} of the {len(w):,} kept draws (those whose inputs, hence "
                "go-live times, are kept), their importance weights renormalised"
            )
            q = np.asarray(ds["quantile"].values, dtype=float)
            x = float(ds["delivery_p_cut_above"].attrs.get("threshold", raw.plan.scenario.cut_threshold))
            put("delivery_central_gain_quantile", wquantiles(cen, wk, q, threads), method)
            put("delivery_central_gain_mean", wmean(cen, wk), method)
            put("delivery_service_cut_quantile", wquantiles(cut, wk, q, threads), method)
            put("delivery_service_cut_mean", wmean(cut, wk), method)
            put("delivery_p_cut_above", wprob(cut > x, wk), method)
            for var, per in (("central_gain", cen), ("service_cut", cut)):
                diff = per[:, None, :] - np.asarray(getattr(raw, var)[:K], dtype=float)  # (K, R, Y)
                put(f"delivery_{var}_difference_mean", wmean(diff, wk), method)
                put(f"delivery_{var}_difference_quantile", wquantiles(diff, wk, q, threads), method)
    return done


def _weighted(kind: str, name: str, source: str, X, ref: list[str], ds, w, q, sc, threads: int, pairs: dict):
    """Statistic ``name`` (of VarSpec.weighted's kind, simengine.analysis.varspecs.WEIGHTED) of the
    per-draw values X of ``source`` under the weights w; ``pairs`` caches X's pairwise differences."""
    if kind == "quantile":
        return wquantiles(X, w, q, threads)
    if kind == "mean":
        return wmean(X, w)
    if kind.startswith("difference_"):  # X_b - X_a draw by draw over the pairs of <dim>_pair
        pair = next(d for d in ds[name].dims if str(d).endswith("_pair"))
        if pair not in pairs:
            dim = str(pair)[: -len("_pair")]
            ax = ds[source].dims.index(dim)
            idx = {str(r): k for k, r in enumerate(ds[dim].values)}
            minuend, subtrahend = ds[f"{pair}_minuend"].values, ds[f"{pair}_subtrahend"].values
            pairs[pair] = np.stack(
                [
                    np.take(X, idx[str(b)], axis=ax) - np.take(X, idx[str(a)], axis=ax)
                    for b, a in zip(minuend, subtrahend)
                ],
                axis=ax,
            )
        D = pairs[pair]
        return wquantiles(D, w, q, threads) if kind == "difference_quantile" else wmean(D, w)
    if kind == "p_above":
        x = float(ds[name].attrs.get("threshold", sc.cut_threshold))
        return wprob(X > x, w)
    R = np.asarray(ds[ref[0]].values, dtype=float)
    if kind == "p_at_least":
        return wprob(X >= R[None], w)
    tail = sc.tail if "tail" in varspecs.SPECS[name].attrs else None  # "shortfall": over all draws without it
    return weighted_shortfall(X, R, w, tail)


def input_weights(w: np.ndarray, n_inputs: int) -> tuple[int, np.ndarray]:
    """(K, weights) for statistics of the kept draws whose inputs are kept (the first ``n_inputs``):
    ``w`` itself when they are all the kept draws, else its first K renormalised (K = 0 when they
    carry no weight)."""
    K = min(len(w), n_inputs)
    if K == len(w):
        return K, w
    total = float(np.add.reduce(w[:K]))
    return (K, w[:K] / total) if total > 0 else (0, w[:0])


def kept_sums(plan, inputs: np.ndarray, K: int) -> np.ndarray:
    """(K, I, 1) realisation sums of the kept draws with every cause as simulated
    (simengine.analysis.sensitivity.local_sums, combination 0 only): computed once per update."""
    from simengine.analysis.sensitivity import local_sums

    return local_sums(plan, np.ascontiguousarray(inputs[:K]), combinations=1)


def initiative_stats(
    plan, inputs: np.ndarray, K: int, s1: np.ndarray, i: int, w: np.ndarray, q: np.ndarray, G: np.ndarray | None = None
):
    """Initiative i's weighted go-live quantiles (Q,), gain quantiles (Q, Y) and gain means (Y,) over
    the kept draws: the same numbers as simengine.scenario.observations.golive_adoption and
    initiative_gains (simengine.model.formula's golive and adoption, the same expressions in the same
    order). ``G``: the go-live of every initiative in the first K draws (model.formula.golive), if at
    hand."""
    from simengine.model.formula import adoption, amplitude, golive
    from simengine.model.plan import N_NATIONAL, N_VARS

    o = N_NATIONAL + i * N_VARS
    X = inputs[:K]
    g = np.ascontiguousarray((golive(plan, X) if G is None else G)[:, i])  # every timing choice and dependency
    base = amplitude(plan.gain[i], X.T, o)  # the gain formula
    real = np.ascontiguousarray(s1[:K, i, 0])
    Y = len(plan.years)
    bq, bm = np.empty((len(q), Y)), np.empty(Y)
    for y in range(Y):
        gain = base * adoption(plan, X, g, i, float(plan.year_mid[y])) * real
        bq[:, y] = weighted_quantile(gain, w, q)
        bm[y] = float(np.einsum("k,k->", w, gain))
    return weighted_quantile(g, w, q), bq, bm


def input_movement(raw, w: np.ndarray, ess: float) -> dict:
    """Prior vs posterior (mean, sd, P10, P50, P90) of every sampled input that is not constant,
    and which moved (see :data:`MOVE_MIN`), over the kept draws whose inputs are kept (the first
    :data:`STREAM_INPUTS`; the weights renormalised on them and the ESS theirs when they are fewer
    than the kept draws)."""
    plan = raw.plan
    K, wk = input_weights(w, len(raw.inputs))
    if K < len(w):
        w, ess = wk, effective_sample_size(wk)
    names, rows, idx, kinds, who = [], [], [], [], []
    ini_names = {i.id: i.name for i in plan.scenario.initiatives}
    block = 32  # inputs transposed a block at a time: contiguous rows without a copy of all of them
    XT = np.empty((0, K))
    for k, name in enumerate(plan.input_names):
        if k % block == 0:
            XT = np.ascontiguousarray(raw.inputs[:K, k : k + block].T)
        v = XT[k % block]
        if K == 0 or np.all(v == v[0]):
            continue
        m1 = _dot(w, v)
        names.append(name)
        kinds.append(str(plan.input_kind[k]))
        ini = str(plan.input_initiative[k])
        who.append(ini_names.get(ini, ini) if ini else "")
        idx.append(k)
        rows.append([float(v.mean()), float(v.std()), m1, math.sqrt(max(_dot(w, (v - m1) ** 2), 0.0))])
    M = np.array(rows).reshape(len(names), 4)
    s0 = np.where(M[:, 1] > 0, M[:, 1], 1.0)
    shift = np.where(M[:, 1] > 0, (M[:, 2] - M[:, 0]) / s0, 0.0)
    ratio = np.where(M[:, 1] > 0, M[:, 3] / s0, 1.0)
    tol = max(MOVE_MIN, 3.0 / math.sqrt(max(ess, 1.0)))
    moved = (np.abs(shift) >= tol) | (np.abs(np.log(np.maximum(ratio, 1e-300))) >= tol)
    # columns: prior mean, sd, P10, P50, P90, posterior mean, sd, P10, P50, P90 (quantiles of the inputs
    # that moved; equal weights: numpy's quantile is the same definition, see weighted_quantile)
    R = np.full((len(names), 10), np.nan)
    R[:, [0, 1, 5, 6]] = M
    q = np.array([0.1, 0.5, 0.9])
    for j in np.flatnonzero(moved):
        v = np.ascontiguousarray(raw.inputs[:K, idx[j]])
        R[j, 2:5] = np.quantile(v, q)
        R[j, 7:10] = weighted_quantile(v, w, q)
    return {
        "names": names,
        "kinds": kinds,
        "who": who,
        "values": R,
        "shift": shift,
        "sd_ratio": ratio,
        "moved": moved,
        "tolerance": tol,
    }


def add_update_vars(out: xr.Dataset, prior: xr.Dataset, w: np.ndarray, ess: float, mv: dict, info: dict) -> xr.Dataset:
    varspecs.put(out, "weight", w)  # the update's own variables, as their specs declare them
    varspecs.put(out, "prior_benefit_quantile", prior["benefit_quantile"].values)
    varspecs.put(out, "prior_p_target", prior["p_target"].values)
    sel = np.flatnonzero(mv["moved"])
    out = out.assign_coords(updated_input=[mv["names"][k] for k in sel])
    varspecs.label_coords(out, names=["updated_input"])
    for j, c in enumerate(UPDATED_INPUT_COLUMNS):  # the columns of mv["values"] (input_movement)
        varspecs.put(out, f"updated_input_{c}", mv["values"][sel, j] if len(sel) else np.zeros(0))
    out.attrs.update(ess=ess, **info, moved_tolerance=mv["tolerance"])
    return out


def later_summary(bt: xr.Dataset) -> str:
    """Total CRPS per unit of a backtest, as one line."""
    return ", ".join(f"{float(v):.6g} {g}" for g, v in zip(bt["unit_group"].values, bt["crps_total"].values))


def update_run(
    sc, obs, known, threads: int | None = None, command: str = "", progress=None, quiet: bool = False, opts=None
):
    """Simulate ``sc`` and weight its kept draws on the observations of ``obs`` known by ``known``:
    (posterior Dataset, prior Dataset, raw results, weights, ESS, input movement, info). ``opts``
    (simengine.core.driver.RunOptions): threads and where the draws run (default: this process on
    ``threads`` threads); the results are the same bit for bit wherever they run."""
    from simengine.analysis.scoring import backtest_dataset
    from simengine.core.driver import RunOptions
    from simengine.scenario import observations as obsmod

    opts = RunOptions(via="cli", threads=threads) if opts is None else opts
    local = opts.local_threads()
    used = obs.known_by(known)
    prior, raw = simulate_for(
        sc,
        obs.observations,
        all_inputs=True,
        command=command,
        progress=progress,
        opts=opts,
        file=str(obs.path),
        keep_sums=bool(used),
    )
    # the observed quantities of every kept draw (those from the inputs streamed block by block)
    x = observed(used, prior, raw, str(obs.path))
    w, ess = weights_for(used, x, str(obs.path))
    # the realisation sums and go-live of the draws whose inputs are kept, for the reweighted
    # initiative statistics: computed by the blocks (raw.extra), once
    post = reweight(prior, raw, w, None, local) if used else prior.copy()
    mv = input_movement(raw, w, ess)
    info = {
        "observations_file": str(obs.path),
        "observations_file_absolute": str(Path(obs.path).resolve()),
        "observations_sha256": obs.sha256,
        "known_by": known.isoformat(),
        "conditioned_on": ", ".join(o.id for o in used) or "none",
        "update_method": "importance weights of the kept draws (docs/model.md, Scoring and updating)",
        "ess_by_observation": "; ".join(f"{oid}: {e:.6g}" for oid, e in ess_by_observation(used, x)),
    }
    scorable, rows = [], []
    for o in obs.later_than(known):  # a later observation these results cannot evaluate is left out
        try:
            rows.append(observed((o,), prior, raw, str(obs.path))[0])
            scorable.append(o)
        except obsmod.MissingQuantity as exc:
            if not quiet:
                warn(Msg("update.not_scored", detail=render(exc.messages[0]) if exc.messages else str(exc)))
    later = tuple(scorable)
    if later:  # did the update help with what came later? the same scores before and after
        xl = np.stack(rows)
        b0 = backtest_dataset(obs, later, xl, sc, sc.seed)
        b1 = backtest_dataset(obs, later, xl, sc, sc.seed, w)
        info.update(
            later_observations=", ".join(o.id for o in later),
            crps_later_prior=later_summary(b0),
            crps_later_posterior=later_summary(b1),
        )
    post = add_update_vars(post, prior, w, ess, mv, info)
    return post, prior, raw, w, ess, mv, info


def recompute(sc, info: dict, threads: int | None = None):
    """The results Dataset of an update recorded in a run manifest (``check``)."""
    from simengine.errors import ConfigError
    from simengine.scenario import observations as obsmod

    paths = [Path(info[k]) for k in ("observations_file_absolute", "observations_file") if info.get(k)]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise ConfigError(Msg("run.obs_gone", paths=", ".join(map(str, paths))))
    obs = obsmod.load(path)
    if obs.sha256 != info.get("observations_sha256"):
        raise RunError(Msg("run.obs_changed", file=str(path)))
    return update_run(sc, obs, obsmod.parse_date(info["known_by"]), threads=threads, quiet=True)[0]
