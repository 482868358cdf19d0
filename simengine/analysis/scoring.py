"""Proper scores of a forecast (a weighted sample of draws) against observations with error models.

For one observation y of the model's quantity X (draws x_d with weights w_d, sum 1; equal weights
for the prior) under error model e with multiplicative bias b (simengine.scenario.observations):

* **PIT** = P(Y <= y) for the predictive Y of the *observation* (b X convolved with e):
  normal: sum_d w_d Phi((y - b x_d)/sd); lognormal: sum_d w_d Phi((log y - log(b x_d))/sd) (a draw
  with b x_d <= 0 counts 1); exact: randomised, F(y-) + V (F(y) - F(y-)) with V uniform, so an
  atom of the forecast at y (e.g. a gain of 0 before go-live) does not bias it; interval [lo, hi]
  (at_least: [y, inf), at_most: (-inf, y]): F(lo-) + V (F(hi) - F(lo-)), randomised over what the
  observation leaves open. V comes from a fixed keyed stream (reproducible).
* **CRPS** = E|Y - y| - E|Y - Y'|/2, exact for the (weighted) empirical distribution by the
  sorted-sample formula (Gneiting & Raftery 2007, eq. 21): for exact observations Y = b X; for
  normal and lognormal errors Y = b x_d + sd z_d or b x_d exp(sd z_d), one fixed-seed noise value
  z_d per draw (a Monte Carlo estimate of the CRPS of the forecast convolved with the error
  model, unbiased for E|Y - y| and with error O(1/sqrt(N)) overall); for interval and bound
  observations the censored CRPS, int_{-inf}^{lo} F(z)^2 dz + int_{hi}^{inf} (1 - F(z))^2 dz
  (only where the observation fixes the indicator 1{y <= z}; 0 when all draws lie in the interval;
  equal to the CRPS when lo = hi = y).
* **log score** = -log p(y), p the predictive density of the observation where one applies:
  normal and lognormal errors give the mixture density sum_d w_d f_e(y | b x_d), exactly; interval
  and bound observations give the probability of the event (a discrete log score); exact
  observations of a continuous forecast have none (NaN; an atom at y gives -log P(Y = y)).
* **skill** against a reference forecast R: 1 - CRPS / CRPS_R on the totals over observations.
"""

from __future__ import annotations

import math
import time

import numpy as np
import xarray as xr
from scipy.special import ndtr, ndtri  # type: ignore[import-untyped]

from simengine.analysis import varspecs
from simengine.model.rng import stream_key, uniforms_numpy
from simengine.scenario.observations import Observation, Observations, Reference, business_case

#: points of the quantile grid that represent a uniform-ratio reference forecast
REFERENCE_POINTS = 1000
PIT_BINS = 10
#: units of the observed quantities: gains, go-live times, adoption shares
UNITS = ("DKK/year", "year", "1")


# -- the scores -----------------------------------------------------------------------------------
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b in a fixed order (not BLAS, whose result and speed depend on its threads)."""
    return float(np.add.reduce(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _norm_w(n: int, w: np.ndarray | None) -> np.ndarray:
    if w is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(w, dtype=float)
    return w / w.sum()


def crps_sample(x: np.ndarray, y: float, w: np.ndarray | None = None) -> float:
    """CRPS of the (weighted) empirical distribution of ``x`` at ``y``: E|X - y| - E|X - X'|/2,
    with E|X - X'| = 2 sum_i w_(i) x_(i) (W_<i - W_>i) over the sorted sample (O(N log N))."""
    x = np.asarray(x, dtype=float)
    if w is None:
        xs = np.sort(x)
        n = len(xs)
        t1 = float(np.abs(xs - y).mean())
        i = np.arange(1, n + 1, dtype=float)
        t2 = 2.0 * float(_dot((2.0 * i - n - 1.0), xs)) / (n * n)
        return t1 - 0.5 * t2
    w = _norm_w(len(x), w)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    before = np.cumsum(ws) - ws
    after = 1.0 - before - ws
    t1 = float(_dot(ws, np.abs(xs - y)))
    t2 = 2.0 * float(_dot(ws * xs, before - after))
    return t1 - 0.5 * t2


def crps_censored(x: np.ndarray, lo: float, hi: float, w: np.ndarray | None = None) -> float:
    """int_{-inf}^{lo} F(z)^2 dz + int_{hi}^{inf} (1 - F(z))^2 dz for the (weighted) empirical F of
    ``x``: the CRPS of an observation known only to lie in [lo, hi] (lo = hi = y: the CRPS)."""
    x = np.asarray(x, dtype=float)
    w = _norm_w(len(x), w)
    order = np.argsort(x, kind="stable")
    xs, cum = x[order], np.cumsum(w[order])
    cum[-1] = 1.0
    total = 0.0
    if math.isfinite(lo):  # F = cum[k] on [xs[k], xs[k+1]), xs[n] = lo
        right = np.minimum(np.append(xs[1:], lo), lo)
        seg = np.maximum(right - xs, 0.0)
        total += float(_dot(cum * cum, seg))
    if math.isfinite(hi):  # 1 - F = 1 - cum[k-1] on [xs[k-1], xs[k]), xs[-1] = hi
        left = np.maximum(np.concatenate([[hi], xs[:-1]]), hi)
        seg = np.maximum(xs - left, 0.0)
        sf = 1.0 - np.concatenate([[0.0], cum[:-1]])
        total += float(_dot(sf * sf, seg))
    return total


def crps_normal(mu: float, sigma: float, y: float) -> float:
    """Closed form for a normal forecast (Gneiting & Raftery 2007, eq. 5)."""
    z = (y - mu) / sigma
    return sigma * (
        z * (2.0 * ndtr(z) - 1.0) + 2.0 * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) - 1.0 / math.sqrt(math.pi)
    )


def crps_lognormal(mu: float, sigma: float, y: float) -> float:
    """Closed form for a lognormal forecast, log Y ~ N(mu, sigma^2) (Baran & Lerch 2015, eq. 5)."""
    m = math.exp(mu + 0.5 * sigma * sigma)
    if y <= 0:  # E Y - y - E|Y - Y'|/2, E|Y - Y'| = 2 m (2 Phi(sigma/sqrt 2) - 1)
        return float(2.0 * m * (1.0 - ndtr(sigma / math.sqrt(2.0))) - y)
    z = (math.log(y) - mu) / sigma
    return float(y * (2.0 * ndtr(z) - 1.0) - 2.0 * m * (ndtr(z - sigma) + ndtr(sigma / math.sqrt(2.0)) - 1.0))


def _cdf(xb: np.ndarray, w: np.ndarray, v: float) -> tuple[float, float]:
    """(F(v-), F(v)) of the weighted sample."""
    return float(w[xb < v].sum()), float(w[xb <= v].sum())


def _bounds(o: Observation) -> tuple[float, float]:
    e = o.error
    if e.kind == "interval":
        return e.low, e.high
    if e.kind == "at_least":
        return o.value, math.inf
    if e.kind == "at_most":
        return -math.inf, o.value
    return o.value, o.value


def noise(o: Observation, n: int, seed: int) -> np.ndarray:
    """Standard normals z_d (d = 0..n-1) from the observation's own keyed stream: the same every run."""
    key = stream_key(seed, "observation-noise", o.id)
    return ndtri(uniforms_numpy(np.array([key]), np.arange(n, dtype=np.uint64))[0])


def _u(o: Observation, seed: int, what: str) -> float:
    """One fixed uniform for randomising the PIT of ``o``."""
    return float(uniforms_numpy(np.array([stream_key(seed, what, o.id)]), np.arange(1, dtype=np.uint64))[0, 0])


def predictive_sample(o: Observation, x: np.ndarray, seed: int) -> np.ndarray:
    """Draws of the observation's predictive: b x_d, with one noise value per draw for noisy errors."""
    e = o.error
    xb = e.bias * np.asarray(x, dtype=float)
    if e.kind == "normal":
        return xb + e.sd * noise(o, len(xb), seed)
    if e.kind == "lognormal":
        return xb * np.exp(e.sd * noise(o, len(xb), seed))
    return xb


def score(o: Observation, x: np.ndarray, w: np.ndarray | None = None, seed: int = 0) -> dict[str, float]:
    """PIT, CRPS and log score of the forecast draws ``x`` (weights ``w``) for observation ``o``."""
    e = o.error
    x = np.asarray(x, dtype=float)
    w = _norm_w(len(x), w)
    xb = e.bias * x
    y = o.value
    if e.kind == "normal":
        z = (y - xb) / e.sd
        pit = float(_dot(w, ndtr(z)))
        dens = float(_dot(w, np.exp(-0.5 * z * z))) / (e.sd * math.sqrt(2 * math.pi))
        crps = crps_sample(predictive_sample(o, x, seed), y, None if _uniform(w) else w)
        logs = -math.log(dens) if dens > 0 else math.inf
    elif e.kind == "lognormal":
        pos = xb > 0
        with np.errstate(divide="ignore"):
            z = np.where(pos, (math.log(y) - np.log(np.where(pos, xb, 1.0))) / e.sd, np.inf)  # Y = 0 <= y
        pit = float(_dot(w, ndtr(z)))
        dens = float(_dot(w[pos], np.exp(-0.5 * z[pos] ** 2))) / (e.sd * y * math.sqrt(2 * math.pi))
        crps = crps_sample(predictive_sample(o, x, seed), y, None if _uniform(w) else w)
        logs = -math.log(dens) if dens > 0 else math.inf
    else:
        lo, hi = _bounds(o)
        f_lo, _ = _cdf(xb, w, lo)
        _, f_hi = _cdf(xb, w, hi)
        pit = f_lo + _u(o, seed, "pit-randomisation") * (f_hi - f_lo)
        if e.kind == "exact":
            crps = crps_sample(xb, y, None if _uniform(w) else w)
        else:
            crps = crps_censored(xb, lo, hi, w)
        p = f_hi - f_lo
        logs = (-math.log(p) if p > 0 else math.inf) if (e.kind != "exact" or p > 0) else math.nan
    return {"pit": pit, "crps": crps, "log_score": logs}


def _uniform(w: np.ndarray) -> bool:
    return bool(np.all(w == w[0]))


def reference_sample(o: Observation, ref: Reference, sc) -> np.ndarray:
    """The reference forecast of the observed quantity: the business case at face value times the
    ratio (a point, or a grid of REFERENCE_POINTS quantiles of a uniform ratio); go-live and adoption
    are taken at the business case's face value whatever the ratio."""
    bc = business_case(o, sc)
    if not o.is_gain or ref.low == ref.high:
        return np.array([bc * (ref.low if o.is_gain else 1.0)])
    u = (np.arange(REFERENCE_POINTS) + 0.5) / REFERENCE_POINTS
    return bc * (ref.low + (ref.high - ref.low) * u)


def reference_crps(o: Observation, ref: Reference, sc, seed: int) -> float:
    r = reference_sample(o, ref, sc)
    e = o.error
    if len(r) == 1 and e.kind == "normal":  # a point forecast convolved with the error: closed forms
        return crps_normal(e.bias * float(r[0]), e.sd, o.value)
    if len(r) == 1 and e.kind == "lognormal" and r[0] > 0:
        return crps_lognormal(math.log(e.bias * float(r[0])), e.sd, o.value)
    if e.kind in ("normal", "lognormal"):  # the forecast convolved with the error model
        reps = max(1, REFERENCE_POINTS // len(r)) * 10
        r = np.repeat(r, reps)
    return score(o, r, None, seed)["crps"]


# -- a backtest -------------------------------------------------------------------------------------
def backtest_dataset(
    obs: Observations,
    selected: tuple[Observation, ...],
    x: np.ndarray,
    sc,
    seed: int,
    w: np.ndarray | None = None,
    attrs: dict | None = None,
) -> xr.Dataset:
    """Scores of every selected observation (rows of ``x``: its per-draw model values)."""
    n = len(selected)
    res = [score(o, x[k], w, seed) for k, o in enumerate(selected)]
    ds = xr.Dataset(
        coords={
            "observation": [o.id for o in selected],
            "quantity": ("observation", [o.quantity for o in selected]),
            "scope": ("observation", [o.scope_text for o in selected]),
            "year": ("observation", [float(o.year) if o.year is not None else np.nan for o in selected]),
            "known_by": ("observation", [o.known_by.isoformat() for o in selected]),
            "source": ("observation", [o.source for o in selected]),
            "error_model": ("observation", [o.error.describe() for o in selected]),
            "pit_bin": np.arange(PIT_BINS),
        }
    )

    def put(name, data, **values):  # as simengine.analysis.varspecs declares backtest.nc's variables
        varspecs.put(ds, name, data, float, dataset="backtest", **values)

    unit = ["DKK/year" if o.is_gain else ("year" if o.quantity == "golive" else "1") for o in selected]
    varspecs.put(ds, "unit", unit, dataset="backtest")
    put("value", [o.value for o in selected])
    for name in ("pit", "crps", "log_score"):
        put(name, [r[name] for r in res])
    ww = _norm_w(x.shape[1], w)
    qs = np.array([0.1, 0.5, 0.9])
    fq = np.array([_wquant(x[k] * o.error.bias, ww, qs) for k, o in enumerate(selected)]).reshape(n, 3)
    for j, lab in enumerate(("p10", "p50", "p90")):
        put(f"forecast_{lab}", fq[:, j])
    units = sorted(set(unit), key=UNITS.index)
    ds.coords["unit_group"] = units
    in_group = np.array([[u == g for u in unit] for g in units], dtype=bool).reshape(len(units), n)
    crps = ds["crps"].values
    put("crps_total", [crps[m].sum() for m in in_group])
    for ref in obs.references:
        c = np.array([reference_crps(o, ref, sc, seed) for o in selected])
        put("crps_{reference}", c, reference=ref.name, describe=ref.describe(), ratio_low=ref.low, ratio_high=ref.high)
        sk = [1.0 - crps[m].sum() / c[m].sum() if c[m].sum() > 0 else math.nan for m in in_group]
        put("skill_{reference}", sk, reference=ref.name)
    hist = np.histogram(ds["pit"].values, bins=PIT_BINS, range=(0.0, 1.0))[0] if n else np.zeros(PIT_BINS)
    put("pit_histogram", hist, bins=PIT_BINS)
    varspecs.label_coords(ds, "backtest", bins=PIT_BINS)
    ds.attrs = {
        "title": varspecs.TITLES["backtest"],
        "observations_file": str(obs.path),
        "observations_sha256": obs.sha256,
        "noise_seed": seed,
        "draws_scored": int(x.shape[1]),
        "log_score_total": float(np.nansum(ds["log_score"].values)) if n else 0.0,
        "references": "; ".join(f"{r.name}: {r.describe()}" for r in obs.references),
        "method": "docs/model.md, Scoring and updating",
        **(attrs or {}),
    }
    return ds


def _wquant(x: np.ndarray, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    from simengine.analysis.update import weighted_quantile

    return weighted_quantile(x, w, q)


def backtest(sc, obs: Observations, known=None, threads: int | None = None, command: str = "") -> xr.Dataset:
    """Score the forecast of ``sc`` against the observations of ``obs`` (all of them; or, with a
    date ``known``, the forecast updated on those known by then against those known later): the
    Dataset of ``backtest.nc``. ``obs`` must have been checked against ``sc``
    (simengine.scenario.observations.check_against)."""
    return backtest_run(sc, obs, known, threads=threads, command=command)[0]


def backtest_run(sc, obs: Observations, known=None, threads: int | None = None, command: str = "", opts=None):
    """(backtest Dataset, the forecast's results Dataset, raw results, weights or None): the
    forecast is the run's (no sensitivity or waterfall) or, with ``known``, reweighted on the
    observations known by then (simengine.analysis.update.reweight). ``opts``
    (simengine.core.driver.RunOptions): threads and where the draws run (default: this process on
    ``threads`` threads); the scores are the same bit for bit wherever they run."""
    from simengine.analysis.update import observed, reweight, simulate_for, weights_for
    from simengine.core.driver import RunOptions

    opts = RunOptions(via="cli", threads=threads) if opts is None else opts
    selected = obs.later_than(known) if known else obs.observations
    conditioning = obs.known_by(known) if known else ()
    ds, raw = simulate_for(
        sc,
        obs.observations,
        analyses=False,
        command=command,
        opts=opts,
        file=str(obs.path),
        keep_sums=bool(conditioning),  # the blocks compute the sums and go-live reweight needs, once
    )
    t0 = time.perf_counter()
    x = observed(selected, ds, raw, str(obs.path))  # those from the inputs streamed block by block
    w, ess = None, None
    attrs = {"scenario": sc.name, "scenario_file": str(sc.path), "seed": sc.seed, "draws": sc.draws, "command": command}
    attrs.update({k: ds.attrs[k] for k in ("scheduler", "blocks", "block_draws", "workers") if k in ds.attrs})
    # the forecast's phases (informative, as a run's): prepare, simulate, aggregate; and the scoring's own
    attrs.update(
        {k: ds.attrs[k] for k in ("seconds_prepare", "seconds_simulate", "seconds_aggregate") if k in ds.attrs}
    )
    if known:
        xc = observed(conditioning, ds, raw, str(obs.path))
        w, ess = weights_for(conditioning, xc, str(obs.path))
        attrs.update(
            known_by=known.isoformat(), conditioned_on=", ".join(o.id for o in conditioning) or "none", ess=ess
        )
        if conditioning:
            ds = reweight(ds, raw, w, None, opts.local_threads())
    bt = backtest_dataset(obs, selected, x, sc, sc.seed, w, attrs)
    bt.attrs["seconds_score"] = round(time.perf_counter() - t0, 4)  # observed values, weights, scores
    return bt, ds, raw, w
