"""Why, and how sure: sensitivity of the outcome to every sampled input, and the shortfall
waterfall from the promised target to the simulated gain. The methods are in docs/model.md
(*Why and how sure*).

* :func:`sensitivity`: Spearman rank correlation of the target-year national gain and of the
  NPV with every sampled input, and a tornado (median of the output when the input is in its
  lowest vs its highest decile), on the draws whose inputs the engine keeps (``raw.inputs``).
* :func:`waterfall`: the gap between the target and the simulated mean (and P50) of the
  target-year gain, split exactly into a *plan* part (what is missing with every cause switched
  off) and the Shapley values of ten causes. Every one of the 2¹⁰ combinations of causes
  switched off is evaluated on the same draws (common random numbers), for a subsample of the
  draws, by re-evaluating the model's target-year gain from the kept per-draw inputs. The
  evaluator checks itself against the kernel's own per-draw gains before it is used.
* :func:`add_analyses`: both, plus the Monte Carlo intervals (:mod:`simengine.analysis.mcerror`), added
  to the results Dataset; ``run --explain`` prints them (simengine.outputs.terminal.explain_text).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import xarray as xr

from simengine.analysis.varspecs import batch, label_coords, put
from simengine.core.engine import DEFAULT_STORE_INPUTS, RawResults, available_threads
from simengine.core.kernel import (  # the kernel's own code: same bits
    amplitude,
    golive_time,
    local_execution,
    ramp_share,
    reach,
    realised_clamp,
    realised_mean,
)
from simengine.model.formula import AMPLITUDE_INPUTS
from simengine.model.plan import INITIATIVE_VARS, N_NATIONAL, Plan
from simengine.model.structure import (
    CAUSE_KEYS,
    EVENT_SIZES,
    INITIATIVE_INPUTS,
    INPUTS,
    PLAN_ITEM,
    SAMPLING_ITEM,
    V_ADOPTION,
    V_DELAY,
    V_LEGISLATION,
    V_RAMP,
    V_REALISATION,
    W_ECONOMIC_PRESSURE,
    W_WEAK_SHARE,
)
from simengine.model.structure import CAUSES as CAUSE_DECLS

# -- sensitivity -------------------------------------------------------------------------------
#: kinds as they appear in the ``input`` dimension: B·L and T·Q are one input each
KIND_LABELS = {v.key: v.label[1] for v in INPUTS if v.label is not None}
_EVENT_SIZE = {v.key: v.event_size for v in INPUTS}
DECILE = 0.10
#: draws the sensitivity analysis uses (the first ones with kept inputs: the engine keeps this many)
SENSITIVITY_DRAWS = DEFAULT_STORE_INPUTS
SENSITIVITY_METHOD = (
    "Spearman rank correlation (average ranks for ties) between the input and the output over "
    "the draws whose inputs are kept"
)
TORNADO_METHOD = (
    "median of the output over the draws with the input in its lowest (tornado_low) or highest "
    "(tornado_high) decile: values at most the input's 10 % point, or at least its 90 % point, ties "
    "included; where ties make that every draw (an input that is mostly at one value, such as a "
    "blocker that rarely strikes) the draws strictly beyond that value"
)


def sensitivity_inputs(
    raw: RawResults, draws: int | None = None
) -> tuple[list[str], list[str], list[str], list[str], np.ndarray]:
    """(names, initiative ids, kinds, labels, values (p, n)) of the non-constant sampled inputs
    over the first ``draws`` draws with kept inputs. A risk event is one input: its delay (B·L)
    or loss (T·Q) when it strikes, 0 otherwise."""
    plan = raw.plan
    n = len(raw.inputs) if draws is None else min(draws, len(raw.inputs))
    XT = np.ascontiguousarray(raw.inputs[:n].T)  # (n_in, n)
    col = {name: k for k, name in enumerate(plan.input_names)}
    ini_names = {i.id: i.name for i in plan.scenario.initiatives}
    names, inits, kinds, labels, rows = [], [], [], [], []
    for k, (name, ini, kind) in enumerate(zip(plan.input_names, plan.input_initiative, plan.input_kind)):
        if kind in EVENT_SIZES:
            continue
        v = XT[k]
        if _EVENT_SIZE.get(kind):
            v = v * XT[col[f"{ini}.{_EVENT_SIZE[kind]}"]]
        if n == 0 or np.all(v == v[0]):
            continue
        names.append(name)
        inits.append(ini)
        kinds.append(kind)
        who = ini_names.get(ini, "national") if ini else "national"
        labels.append(f"{who}: {KIND_LABELS.get(kind, kind)}")
        rows.append(v)
    values = np.stack(rows) if rows else np.zeros((0, n))
    return names, inits, kinds, labels, values


def average_ranks(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(average ranks, 1-based; sorting order; sorted values) of a 1-D array (ties share their mean rank)."""
    n = len(x)
    order = np.argsort(x)
    s = x[order]
    ranks = np.empty(n)
    new = np.empty(n, bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    if new.all():
        ranks[order] = np.arange(1, n + 1, dtype=float)
    else:
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], n)
        ranks[order] = np.repeat((starts + ends - 1) / 2.0 + 1.0, ends - starts)
    return ranks, order, s


def _decile_groups(srt: np.ndarray) -> tuple[int, int]:
    """(number of lowest draws, number of highest draws) in sorted order, by the rule of TORNADO_METHOD."""
    n = len(srt)
    m = max(1, math.ceil(DECILE * n))
    v_lo, v_hi = srt[m - 1], srt[n - m]
    if v_lo == srt[-1]:
        n_lo = int(np.searchsorted(srt, v_lo, side="left"))
    else:
        n_lo = int(np.searchsorted(srt, v_lo, side="right"))
    if v_hi == srt[0]:
        n_hi = n - int(np.searchsorted(srt, v_hi, side="right"))
    else:
        n_hi = n - int(np.searchsorted(srt, v_hi, side="left"))
    return n_lo, n_hi


def sensitivity(raw: RawResults, draws: int = SENSITIVITY_DRAWS, threads: int | None = None) -> dict:
    """Spearman correlations and tornado medians of the target-year gain and of the NPV, over the
    first ``draws`` draws with kept inputs."""
    from concurrent.futures import ThreadPoolExecutor

    plan = raw.plan
    sc = plan.scenario
    ty = int(sc.target_year - sc.start_year)
    names, inits, kinds, labels, X = sensitivity_inputs(raw, draws)
    p, n = X.shape
    out = {"names": names, "initiatives": inits, "kinds": kinds, "labels": labels, "draws": n}
    if n < 3 or not p:
        return out
    ys = {"benefit": np.ascontiguousarray(raw.benefit[:n, ty]), "npv": np.ascontiguousarray(raw.npv[:n])}
    c = (n + 1) / 2.0
    centred = {}
    for key, y in ys.items():
        b = average_ranks(y)[0] - c
        centred[key] = (b, float(np.sqrt(np.add.reduce(b * b))))
    res = {key: np.empty((5, p)) for key in ys}  # rho, low, high, n_low, n_high

    def one(k: int) -> None:
        ranks, order, srt = average_ranks(X[k])
        a = ranks - c  # dot products by np.add.reduce, not BLAS (whose threads fight over the cores)
        na = float(np.sqrt(np.add.reduce(a * a)))
        n_lo, n_hi = _decile_groups(srt)
        low, high = order[:n_lo], order[n - n_hi :]
        for key, y in ys.items():
            b, nb_ = centred[key]
            r = res[key]
            r[0, k] = float(np.add.reduce(a * b)) / (na * nb_) if na > 0 and nb_ > 0 else np.nan
            r[1, k] = np.median(y[low])
            r[2, k] = np.median(y[high])
            r[3, k], r[4, k] = n_lo, n_hi

    workers = threads or available_threads()  # the machine's cores, as a run; never numba's current count
    if workers > 1:  # numpy's sorts and medians release the GIL
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(p)))
    else:
        for k in range(p):
            one(k)
    for key, y in ys.items():
        r = res[key]
        out[key] = {
            "rho": r[0],
            "low": r[1],
            "high": r[2],
            "base": float(np.median(y)),
            "n_low": r[3].astype(np.int64),
            "n_high": r[4].astype(np.int64),
        }
    return out


def add_sensitivity(
    ds: xr.Dataset, raw: RawResults, threads: int | None = None, early: Early | None = None
) -> xr.Dataset:
    """The sensitivity ranking and tornado added to ``ds``; ``early``: computed beside the Dataset (:func:`start`)."""
    res = early.sensitivity() if early is not None else sensitivity(raw, threads=threads)
    if "benefit" not in res:
        ds.attrs["sensitivity_note"] = "no sensitivity: fewer than 3 draws with kept inputs, or no uncertain input"
        return ds
    sc = raw.plan.scenario
    ty = sc.target_year
    b, v = res["benefit"], res["npv"]
    # order: strongest rank correlation with the target-year gain first
    key = np.where(np.isnan(b["rho"]), -1.0, np.abs(b["rho"]))
    order = np.lexsort((np.array(res["names"]), -key))

    def pick(a):
        return np.asarray(a)[order]

    ds = ds.assign_coords(
        input=pick(res["names"]),
        input_initiative=("input", pick(res["initiatives"])),
        input_kind=("input", pick(res["kinds"])),
        input_label=("input", pick(res["labels"])),
    )
    label_coords(ds, names=["input", "input_initiative", "input_kind", "input_label"])
    n, N = res["draws"], raw.draws
    sub = f"the first {n:,} of {N:,} draws" if n < N else f"all {N:,} draws"
    common = {"draws": n, "draws_total": N, "subsample": sub, "year": ty}

    with batch(ds) as new:

        def put_input(name, data, method, **extra):  # over the inputs, in the order above
            put(new, name, pick(data), method=method, **common, **extra)

        se = 1.06 / math.sqrt(max(n - 3, 1))
        put_input("sensitivity", b["rho"], SENSITIVITY_METHOD + f" ({sub})", standard_error=se)
        put_input("tornado_low", b["low"], TORNADO_METHOD, base=b["base"])
        put_input("tornado_high", b["high"], TORNADO_METHOD, base=b["base"])
        put_input("sensitivity_npv", v["rho"], SENSITIVITY_METHOD + f" ({sub})", standard_error=se)
        put_input("tornado_npv_low", v["low"], TORNADO_METHOD, base=v["base"])
        put_input("tornado_npv_high", v["high"], TORNADO_METHOD, base=v["base"])
        put_input("tornado_draws_low", b["n_low"], TORNADO_METHOD)
        put_input("tornado_draws_high", b["n_high"], TORNADO_METHOD)
        put(new, "tornado_base", b["base"], **common)
    return ds


# -- waterfall: the model's target-year gain, with causes switched off ----------------------------
#: (cause key, name, what switching it off means), as declared in simengine.model.structure.CAUSES.
#: Bit c of a coalition mask switches cause c off.
CAUSES = tuple((c.key, c.name, c.off) for c in CAUSE_DECLS)
N_CAUSES = len(CAUSES)
WATERFALL_ITEMS = ((PLAN_ITEM[0], PLAN_ITEM[1], ""),) + CAUSES + ((SAMPLING_ITEM[0], SAMPLING_ITEM[1], ""),)


def switched_off(sc, causes) -> object:
    """The scenario with ``causes`` (keys of CAUSES) switched off: what each cause's "off" means,
    written as a scenario (simengine.model.structure.Cause: its initiative and scenario fields). The
    waterfall's evaluator computes exactly this on the same draws (tested against the kernel);
    ramp-up is switched off as R = 1e-9, the limit the evaluator uses exactly (full adoption from
    go-live)."""
    from dataclasses import replace

    from simengine.model.distributions import Dist

    causes = set(causes)
    unknown = causes - {c[0] for c in CAUSES}
    if unknown:
        raise ValueError(f"unknown causes {sorted(unknown)}")

    def value(obj, name: str, v: float | str):
        if isinstance(v, str):  # the value of another field of the scenario
            v = getattr(sc, v)
        return Dist.fixed(float(v)) if isinstance(getattr(obj, name), Dist) else v

    ini_changes: dict = {}
    changes: dict = {}
    for c in CAUSE_DECLS:  # declaration order
        if c.key in causes:
            ini_changes.update({k: v for k, v in c.initiative.items()})
            changes.update({k: value(sc, k, v) for k, v in c.scenario.items()})
    if sc.initiatives:
        ini0 = sc.initiatives[0]
        ini_changes = {k: value(ini0, k, v) for k, v in ini_changes.items()}
    changes["initiatives"] = tuple(replace(i, **ini_changes) for i in sc.initiatives)
    return replace(sc, **changes)


#: draws the waterfall evaluates (the first ones): 2^10 combinations on each
WATERFALL_DRAWS = 10_000
#: the evaluator must reproduce the kernel's gains to this relative tolerance
SELF_CHECK_RTOL = 1e-9
_NV = len(INITIATIVE_VARS)
_NBLOCKS = 16  # fixed number of accumulation blocks: per-initiative sums do not depend on threads


@nb.njit(parallel=True, nogil=True, cache=True)
def _local_sums(
    inputs,
    nv,
    size_eff,
    cap_code,
    cap_par,
    cap_tab,
    cap_key,
    loc_code,
    loc_par,
    loc_tab,
    loc_key,
    tables,
    weights,
    real_mean,
    real_tab,
    d0,
    out,
):  # pragma: no cover - compiled
    """out[d, i, l] = sum_m w_im clamp(r' C'_m eps'_m, 0, 1) (row d: global draw d0 + d, whose keyed
    streams the local draws come from) for the first out.shape[2] (8, or 1: every
    cause as simulated) of the 8 combinations l of
    realisation (bit 0: r' = 1), economic pressure (bit 1: E' = 0) and local capacity (bit 2:
    C' = 1 - E', eps' = 1) switched off: the kernel's own realisation sums (realised_clamp,
    realised_mean), combination l with realisation as simulated and l + 1 with it off in one call
    (the kernel's two regimes, r2 = 1; one regime when only the first combination is asked). With
    the mean-preserving realisation (real_mean): sum_m w_im min(a(r' s'_m (1 - E')) V'_m, 1),
    V = C eps, and with local capacity off (no spread, no size effect) the clamp of r' (1 - E')."""
    D = inputs.shape[0]
    I, M = weights.shape
    nl = out.shape[2]
    ltab = tables[loc_tab]
    ctab = tables[cap_tab]
    for d in nb.prange(D):
        E = inputs[d, W_ECONOMIC_PRESSURE]
        csamp = np.empty(M)
        fac = np.empty((2, M))  # index: 1 = E off; the kernel's sme (real_mean) or capacity (clamp)
        off = np.empty((2, M))  # local capacity off: 1 - E'
        ones = np.ones(M)
        eps = np.empty(M)
        ub = np.empty(M)
        tails = np.empty(M, np.int64)
        kb = np.empty(M, np.uint64)
        kb2 = np.empty(M, np.uint64)
        fr = np.empty(M)
        x1 = np.empty(M)
        x2 = np.empty(M)
        local_execution(cap_key, d0 + d, cap_code, cap_par, ctab, ub, tails, csamp)
        for e in range(2):
            ee = 0.0 if e else E
            for m in range(M):
                fac[e, m] = size_eff[m] * (1.0 - ee) if real_mean else size_eff[m] * csamp[m] * (1.0 - ee)
                off[e, m] = 1.0 - ee
        for i in range(I):
            r = inputs[d, N_NATIONAL + i * nv + V_REALISATION]
            local_execution(loc_key[i], d0 + d, loc_code, loc_par, ltab, ub, tails, eps)
            if nl == 1:  # every cause as simulated only
                if real_mean:
                    s1, _ = realised_mean(r, r, fac[0], csamp, eps, weights[i], real_tab, kb, kb2, fr, x1, None)
                else:
                    s1, _ = realised_clamp(r, r, fac[0], eps, weights[i], x1, None)
                out[d, i, 0] = s1
                continue
            for l in range(0, nl, 2):
                e = (l >> 1) & 1
                if (l >> 2) & 1:
                    s1, s2 = realised_clamp(r, 1.0, off[e], ones, weights[i], x1, x2)
                elif real_mean:
                    s1, s2 = realised_mean(r, 1.0, fac[e], csamp, eps, weights[i], real_tab, kb, kb2, fr, x1, x2)
                else:
                    s1, s2 = realised_clamp(r, 1.0, fac[e], eps, weights[i], x1, x2)
                out[d, i, l] = s1
                if l + 1 < nl:
                    out[d, i, l + 1] = s2


# The compiled evaluator factors the target-year gain of initiative i in every coalition as
# P[p] * (A[a] * s1[l]): P = max(kappa' U' ramp', 0) (the kernel's reach) over the coalitions p of the
# five causes of reach and timing (weak citizens, adoption | delay, legislation, ramp), A = the kernel's gain
# formula (simengine.model.formula.amplitude) with the amplitude causes' inputs switched off (every
# declared cause that switches off only inputs the formula reads: estimates and technology, and any
# new one of that kind), s1 = the realisation sums with realisation, economic pressure and local
# capacity switched off (_local_sums: the kernel's realised_clamp and realised_mean). p = ib | it << 2;
# q = a | l << n_amp.
_P_CAUSES = ("weak_citizens", "adoption", "delay", "legislation", "ramp")
_L_CAUSES = ("realisation", "economic_pressure", "local_capacity")
_NP = 32  # coalitions of the P side


def _amplitude_causes() -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray] | None:
    """(keys, cause bit, input position, value when off) of the amplitude causes, or None when a
    declared cause is neither one of the evaluator's own eight nor an amplitude cause."""
    inputs = {v.key: v for v in INITIATIVE_INPUTS}
    keys, bit, var, val = [], [], [], []
    for c in CAUSE_DECLS:
        if c.key in _P_CAUSES or c.key in _L_CAUSES:
            continue
        if not c.inputs or c.scenario or not set(c.inputs) <= set(AMPLITUDE_INPUTS):
            return None
        for k in c.inputs:  # the input's value with the cause off: its scenario field's "off" value
            v = c.initiative.get(inputs[k].scenario_key.replace(".", "_"))
            if not isinstance(v, float):
                return None
            bit.append(len(keys))
            var.append(INITIATIVE_VARS.index(k))
            val.append(v)
        keys.append(c.key)
    if not set(_P_CAUSES + _L_CAUSES) <= set(CAUSE_KEYS):
        return None
    return tuple(keys), np.array(bit, np.int64), np.array(var, np.int64), np.array(val)


_AMP = _amplitude_causes()
#: the causes the compiled evaluator (_coalitions, MASKS) implements: its own eight and the amplitude
#: causes; any other declared cause set goes through the kernel (_kernel_batches)
FAST_CAUSES = () if _AMP is None else tuple(k for k in CAUSE_KEYS if k in _P_CAUSES + _L_CAUSES + _AMP[0])
_N_AMP = 0 if _AMP is None else len(_AMP[0])
_NQ = 8 << _N_AMP  # coalitions of the Q side


def _mask_table() -> np.ndarray:
    """MASKS[p, q]: the coalition (bit c: CAUSES[c] off) of the evaluator's (p, q)."""
    pos = {k: j for j, k in enumerate(CAUSE_KEYS)}
    amp = () if _AMP is None else _AMP[0]
    out = np.zeros((_NP, _NQ), np.int64)
    for p in range(_NP):
        for q in range(_NQ):
            m = 0
            for b, k in enumerate(_P_CAUSES):
                m |= ((p >> b) & 1) << pos[k] if k in pos else 0
            for b, k in enumerate(amp):
                m |= ((q >> b) & 1) << pos[k]
            for b, k in enumerate(_L_CAUSES):
                m |= ((q >> (_N_AMP + b)) & 1) << pos[k] if k in pos else 0
            out[p, q] = m
    return out


MASKS = _mask_table()


@nb.njit(inline="always", cache=True)
def _golive_off(inputs, d, xrow, nv, start, timing_component, dep_of, dep_lag, order, gt):  # pragma: no cover
    """gt[i, t]: go-live of initiative i with delay (bit 0 of t) and legislation (bit 1) off: the
    kernel's golive_time on the draw's inputs with S = 0, B = 0, a dependency's first (as the kernel)."""
    I = start.shape[0]
    for ii in range(I):
        i = order[ii]
        o = N_NATIONAL + i * nv
        for t in range(8):  # bit 2 (ramp) does not move go-live
            xrow[o + V_DELAY] = 0.0 if t & 1 else inputs[d, o + V_DELAY]
            xrow[o + V_LEGISLATION] = 0.0 if t & 2 else inputs[d, o + V_LEGISLATION]
            g = golive_time(start[i], xrow, o, timing_component)
            if dep_of[i] >= 0:
                g = max(g, gt[dep_of[i], t] + dep_lag[i])
            gt[i, t] = g
        xrow[o + V_DELAY] = inputs[d, o + V_DELAY]
        xrow[o + V_LEGISLATION] = inputs[d, o + V_LEGISLATION]


@nb.njit(inline="always", cache=True)
def _amplitudes(gain_i, xrow, inputs, d, o, amp_bit, amp_var, amp_val, Av):  # pragma: no cover - compiled
    """Av[a]: the kernel's gain formula with the amplitude causes of a (bit b: cause b) switched
    off, their inputs set to their values when off in the draw's row xrow (restored after)."""
    for a in range(Av.shape[0]):
        for e in range(amp_var.shape[0]):
            if (a >> amp_bit[e]) & 1:
                xrow[o + amp_var[e]] = amp_val[e]
        Av[a] = amplitude(gain_i, xrow, o)
        for e in range(amp_var.shape[0]):
            xrow[o + amp_var[e]] = inputs[d, o + amp_var[e]]


# over 80 lines and 12 parameters: one parallel loop whose body binds nothing from a tuple (numba
# issue 5872), so the plan's arrays come one by one; its parts are the kernel's stage functions
@nb.njit(parallel=True, nogil=True, cache=True)
def _coalitions(
    inputs,
    nv,
    s1,
    w0,
    gain,
    start,
    channel,
    area_of,
    n_areas,
    ymid,
    p_list,
    timing_component,
    ramp_base,
    dep_of,
    dep_lag,
    order,
    amp_bit,
    amp_var,
    amp_val,
    out,
    init_acc,
):
    # pragma: no cover - compiled
    """For the coalitions (p, q), p in p_list, q in 0..NQ-1 (see MASKS), and each draw d: the
    national (out[j, q, 0, d]) and per-area (out[j, q, 1 + a, d]) target-year gain, and the
    per-initiative sums over the draws of each of _NBLOCKS blocks (init_acc[block, i, j, q]).
    The gain of initiative i is max(kappa' U' ramp', 0) * (A' * s1'), from the kernel's own
    golive_time, ramp_share, reach and amplitude (the national gain is the sum of the areas')."""
    D = inputs.shape[0]
    I = gain.shape[0]
    NP = p_list.shape[0]
    NQ = out.shape[1]
    na = NQ // 8  # amplitude coalitions: q = a | l << sh
    sh = 0
    while (1 << sh) < na:
        sh += 1
    TB = 64
    for b in nb.prange(_NBLOCKS):
        lo = (D * b) // _NBLOCKS
        hi = (D * (b + 1)) // _NBLOCKS
        Av = np.empty(na)
        Rv = np.empty(8)
        P = np.empty((I, NP))
        Qm = np.empty((I, NQ))
        buf = np.empty((NP, NQ, 1 + n_areas, TB))
        nbuf = 0
        tot = np.empty((n_areas, NP * NQ))
        gt = np.empty((I, 8))
        xrow = np.empty(inputs.shape[1])
        for d in range(lo, hi):
            W = inputs[d, W_WEAK_SHARE]
            kappa_ch = min(max((1.0 - W) / (1.0 - w0), 0.0), 1.0)
            for k in range(xrow.shape[0]):
                xrow[k] = inputs[d, k]
            _golive_off(inputs, d, xrow, nv, start, timing_component, dep_of, dep_lag, order, gt)
            for i in range(I):
                o = N_NATIONAL + i * nv
                U = inputs[d, o + V_ADOPTION]
                R = inputs[d, o + V_RAMP]
                kap = kappa_ch if channel[i] > 0.0 else 1.0
                _amplitudes(gain[i], xrow, inputs, d, o, amp_bit, amp_var, amp_val, Av)
                rb = ramp_base[i]
                for t in range(8):  # bit 0 delay off, bit 1 legislation off, bit 2 ramp off (R -> 0)
                    g = gt[i, t]
                    if t & 4:
                        Rv[t] = 1.0 if ymid - g > 0.0 else 0.0
                    else:
                        Rv[t] = ramp_share(ymid - g, R, rb)
                for j in range(NP):  # bit 0 weak citizens off, bit 1 adoption off, bits 2-4 the timing t
                    p = p_list[j]
                    ad = reach(1.0 if p & 1 else kap, 1.0 if p & 2 else U, Rv[p >> 2])
                    P[i, j] = max(0.0, ad)
                for q in range(NQ):
                    Qm[i, q] = Av[q & (na - 1)] * s1[d, i, q >> sh]
            tot[:, :] = 0.0
            for i in range(I):
                ta = tot[area_of[i]]
                for j in range(NP):
                    pv = P[i, j]
                    if pv != 0.0:
                        o = j * NQ
                        ti = init_acc[b, i, j]
                        for q in range(NQ):
                            t = pv * Qm[i, q]
                            ta[o + q] += t
                            ti[q] += t
            # buffer TB draws, then write them to out (coalition, series, draw) row by row
            for j in range(NP):
                for q in range(NQ):
                    g = 0.0
                    for a in range(n_areas):  # national = sum of the areas, in area order
                        v = tot[a, j * NQ + q]
                        buf[j, q, 1 + a, nbuf] = v
                        g += v
                    buf[j, q, 0, nbuf] = g
            nbuf += 1
            if nbuf == TB or d == hi - 1:
                d0 = d + 1 - nbuf
                for j in range(NP):
                    for q in range(NQ):
                        for a in range(1 + n_areas):
                            for k in range(nbuf):
                                out[j, q, a, d0 + k] = buf[j, q, a, k]
                nbuf = 0


class WaterfallError(RuntimeError):
    """The evaluator does not reproduce the kernel (the model changed): no waterfall."""


def local_sums(plan: Plan, inputs: np.ndarray, combinations: int = 8, d0: int = 0) -> np.ndarray:
    """(D, I, combinations) realisation sums of draws d0 .. d0 + D - 1 (the rows of ``inputs``), see
    :func:`_local_sums` (``combinations=1``: only every cause as simulated, the per-initiative gains' own)."""
    D, I = len(inputs), len(plan.gain)
    out = np.empty((D, I, combinations))
    if D and I:
        _local_sums(
            np.ascontiguousarray(inputs),
            _NV,
            plan.size_effect,
            plan.cap_code,
            plan.cap_par,
            plan.cap_tab,
            plan.cap_key,
            plan.loc_code,
            plan.loc_par,
            plan.loc_tab,
            plan.loc_key,
            plan.tables,
            plan.weights,
            int(plan.real_mean),
            plan.real_tab,
            int(d0),
            out,
        )
    return out


def coalition_values(
    plan: Plan, inputs: np.ndarray, p_list, s1: np.ndarray | None = None, year_index: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the coalitions MASKS[p_list] (P, NQ): per-draw national and area gains (P, NQ, 1 + A, D) in
    the target year (or ``year_index``) with those causes switched off, per-initiative sums over
    the draws (P, NQ, I), and the masks (P, NQ)."""
    sc = plan.scenario
    ty = int(sc.target_year - sc.start_year) if year_index is None else year_index
    inputs = np.ascontiguousarray(inputs)
    if s1 is None:
        s1 = local_sums(plan, inputs)
    p_list = np.atleast_1d(np.asarray(p_list, dtype=np.int64))
    D, I, A = len(inputs), len(plan.gain), len(sc.areas)
    out = np.zeros((len(p_list), _NQ, 1 + A, D))
    acc = np.zeros((_NBLOCKS, I, len(p_list), _NQ))
    if D and I:
        assert _AMP is not None, "the compiled evaluator does not implement the declared causes"
        _coalitions(
            inputs,
            _NV,
            s1,
            float(sc.assumed_weak_share),
            plan.gain,
            plan.start,
            plan.channel,
            plan.area_of,
            A,
            float(plan.year_mid[ty]),
            p_list,
            int(plan.timing_component),
            plan.ramp_base,
            plan.dep_of,
            plan.dep_lag,
            plan.order,
            _AMP[1],
            _AMP[2],
            _AMP[3],
            out,
            acc,
        )
    init_sum = np.zeros((I, len(p_list), _NQ))
    for b in range(_NBLOCKS):  # fixed order
        init_sum += acc[b]
    return out, init_sum.transpose(1, 2, 0), MASKS[p_list]


def coalition_gain(plan: Plan, inputs: np.ndarray, mask: int) -> np.ndarray:
    """Per-draw national target-year gain with the causes of ``mask`` (bit c = CAUSES[c]) switched off."""
    p, q = (int(x[0]) for x in np.nonzero(MASKS == mask))
    vals, _, _ = coalition_values(plan, inputs, [p])
    return vals[0, q, 0]


#: the waterfall enumerates all 2^n coalitions of the n causes exactly up to this many causes and
#: refuses more (one line; docs/model.md). Measured on scenarios/2015.toml, 10,000 draws, 2 threads:
#: the evaluator of the declared causes takes 6.5 ms per coalition (1,024 in 6.6 s), so 2^14
#: coalitions take about 2 minutes and 2^16 about 7; the enumeration's own arrays are
#: 2^n x (areas + initiatives + 2) floats (13 MB at 2^14 for 2015.toml)
MAX_EXACT_CAUSES = 14


def _shapley_weights(n: int) -> np.ndarray:
    """|S|! (n-1-|S|)! / n! for |S| = 0..n-1."""
    return np.array([math.factorial(s) * math.factorial(n - 1 - s) for s in range(n)], dtype=float) / math.factorial(n)


def shapley(v: np.ndarray, n: int = N_CAUSES) -> np.ndarray:
    """Shapley values (n, ...) of the game v[mask] (mask = set of players, v.shape[0] = 2^n):
    phi_c = sum over S without c of |S|! (n-1-|S|)! / n! (v[S + c] - v[S]); they sum to v[all] - v[0]."""
    K = 1 << n
    if v.shape[0] != K:
        raise ValueError(f"a game of {n} players has {K} coalitions, got {v.shape[0]} values")
    k = np.arange(K, dtype=np.int64)
    size = np.array([int(x).bit_count() for x in range(K)]) if K <= 1 << 12 else _popcount(k)
    w = _shapley_weights(n)
    phi = np.zeros((n,) + v.shape[1:])
    for c in range(n):
        bit = 1 << c
        S = k[(k & bit) == 0]  # ascending, as the sum's fixed order
        phi[c] = np.einsum("k,k...->...", w[size[S]], v[S | bit] - v[S])  # not BLAS: fixed order
    return phi


def _popcount(k: np.ndarray) -> np.ndarray:
    size = np.zeros(len(k), np.int64)
    x = k.copy()
    while x.any():
        size += x & 1
        x >>= 1
    return size


def coalition_coefficients(masks: np.ndarray, n: int = N_CAUSES) -> np.ndarray:
    """(len(masks), n): phi_c = sum over all masks S of coef[S, c] v[S] (the weights of
    :func:`shapley`): |S|-1 weight where c is in S, minus the |S| weight where it is not."""
    masks = np.asarray(masks, dtype=np.int64)
    size = _popcount(masks)
    w = np.append(_shapley_weights(n), 0.0)  # size n: every cause is in S
    bits = (masks[:, None] >> np.arange(n)[None, :]) & 1
    return np.where(bits == 1, w[size - 1][:, None], -w[size][:, None])


def shapley_coefficients(n: int = N_CAUSES) -> np.ndarray:
    """(2^n, n): phi_c = sum over masks S of coef[S, c] v[S] (the weights of :func:`shapley`)."""
    return coalition_coefficients(np.arange(1 << n), n)


def check_cause_count(n: int) -> None:
    """Refuse a waterfall of more causes than the exact enumeration's limit (one line)."""
    if n > MAX_EXACT_CAUSES:
        raise WaterfallError(
            f"the waterfall evaluates all 2^n combinations of its n causes exactly, up to "
            f"{MAX_EXACT_CAUSES} causes; {n} are declared (simengine.model.structure.CAUSES)"
        )


def enumerate_coalitions(batches, n_causes: int, draws: int, n_series: int, n_init: int, check=None) -> dict:
    """Means, medians and per-draw Shapley values of a game over every coalition of ``n_causes``.

    ``batches`` yields (masks (B,), vals (B, n_series, draws), init_sums (B, n_init)): for each
    coalition (bit c of its mask: cause c switched off) the per-draw value of every series (series
    0: the one whose per-draw Shapley values are kept) and a per-initiative sum over the draws;
    together the batches must give every one of the 2^n masks once. ``check(masks, vals)`` is
    called on the first batch. Returns ``mean`` and ``p50`` (2^n, n_series), ``init_mean``
    (2^n, n_init) and ``phi_draw`` (n, draws): series 0's Shapley values draw by draw."""
    check_cause_count(n_causes)
    K = 1 << n_causes
    mean = np.empty((K, n_series))
    med = np.empty((K, n_series))
    init_mean = np.empty((K, n_init))
    seen = np.zeros(K, bool)
    phi_draw = np.zeros((n_causes, draws))
    n, h = draws, draws // 2
    first = True
    for masks, vals, isum in batches:
        masks = np.asarray(masks, dtype=np.int64)
        if first and check is not None:
            check(masks, vals)
        first = False
        B = len(masks)
        rows = vals.reshape(-1, n)  # (coalition x series, draw)
        means = (np.add.reduce(rows, axis=1) / n).reshape(B, n_series)
        part = np.partition(rows, h, axis=1)  # numpy's median, by one partition
        meds = part[:, h] if n % 2 else (part[:, :h].max(axis=1) + part[:, h]) / 2.0
        coef = coalition_coefficients(masks, n_causes)
        phi_draw += np.einsum("sc,sd->cd", coef, np.ascontiguousarray(vals[:, 0, :]))  # not BLAS
        del rows, part
        mean[masks], med[masks] = means, meds.reshape(B, n_series)
        init_mean[masks] = isum / n
        seen[masks] = True
    if not seen.all():
        raise ValueError(f"{int((~seen).sum())} of the {K} coalitions were not evaluated")
    return {"mean": mean, "p50": med, "init_mean": init_mean, "phi_draw": phi_draw}


def _fast_batches(plan: Plan, inputs: np.ndarray, ty: int):
    """The declared causes' coalitions from the compiled evaluator, 4 x NQ at a time."""
    n, A, I = len(inputs), len(plan.scenario.areas), len(plan.gain)
    s1 = local_sums(plan, inputs)
    per_call = 4  # values of p per call: 4 x NQ coalitions
    for p0 in range(0, _NP, per_call):
        vals, isum, masks = coalition_values(plan, inputs, np.arange(p0, p0 + per_call), s1, ty)
        yield masks.ravel(), vals.reshape(-1, 1 + A, n), isum.reshape(-1, I)


def _kernel_batches(raw: RawResults, n: int, ty: int, causes: tuple = ()):
    """Any declared causes' coalitions by the kernel itself: each coalition's scenario
    (:func:`switched_off`) compiled and run on the first n draws (the same draws: every random
    number is keyed by draw and input). One kernel run per coalition: slow, exact."""
    from simengine.core.engine import run_range
    from simengine.model.plan import compile_plan

    plan = raw.plan
    sc = plan.scenario
    if sc.sampling == "qmc" or sc.correlations:
        raise WaterfallError(
            "the waterfall's kernel evaluator (causes other than the compiled ten) needs sampling "
            '"random" or "lhs" and no [[correlations]]: a fixed input changes the Sobol\' '
            "dimensions and the copula, so the draws would differ"
        )
    keys = [c[0] for c in (causes or CAUSES)]
    A, I = len(sc.areas), len(plan.gain)
    K = 1 << len(keys)
    batch = 64
    for k0 in range(0, K, batch):
        masks = np.arange(k0, min(K, k0 + batch))
        vals = np.empty((len(masks), 1 + A, n))
        isum = np.empty((len(masks), I))
        for j, m in enumerate(masks):
            p = compile_plan(switched_off(sc, [keys[c] for c in range(len(keys)) if m >> c & 1]))
            part = run_range(p, 0, n, raw.threads, keep_draws=n, store_inputs=0)
            vals[j, 0] = part.kept["benefit"][:, ty]
            vals[j, 1:] = part.kept["area_benefit"][:, :, ty].T
            isum[j] = part.acc.init_sum[ty] / p.init_inv_unit
        yield masks, vals, isum


def waterfall(raw: RawResults, draws: int = WATERFALL_DRAWS) -> dict:
    """The waterfall from the target to the simulated mean and P50 of the target-year gain:
    nationally, per area and per initiative (mean only). Values are signed changes (a loss is
    negative) in the order of WATERFALL_ITEMS; start + sum of the changes = the simulated value.

    The declared causes' coalitions come from the compiled evaluator when they are the ten it
    implements (FAST_CAUSES: its own eight and any amplitude causes), otherwise from the kernel itself, one run per coalition."""
    return waterfall_from(raw, waterfall_coalitions(raw, draws))


def waterfall_coalitions(raw: RawResults, draws: int = WATERFALL_DRAWS) -> dict:
    """The waterfall's heavy part: the values of every coalition of causes switched off over the
    first ``draws`` draws (:func:`enumerate_coalitions`, with ``"draws"``: how many). It reads only
    the kept inputs and per-draw gains, so it may run in another thread while the run's Dataset is
    built (:func:`start`); :func:`waterfall_from` makes the waterfall of it."""
    plan = raw.plan
    sc = plan.scenario
    ty = int(sc.target_year - sc.start_year)
    n = min(draws, len(raw.inputs), len(raw.benefit))
    if n < 1:
        raise WaterfallError("no draws with kept inputs")
    check_cause_count(N_CAUSES)
    inputs = raw.inputs[:n]
    I, A = len(plan.gain), len(sc.areas)
    if tuple(c[0] for c in CAUSES) == FAST_CAUSES:
        batches = _fast_batches(plan, inputs, ty)
    else:
        batches = _kernel_batches(raw, n, ty)

    def check(masks, vals):
        if masks[0] == 0:  # mask 0 = the model as simulated: the kernel's own per-draw gains
            _self_check(raw, vals[0], n, ty)

    return {**enumerate_coalitions(batches, N_CAUSES, n, 1 + A, I, check), "draws": n}


def waterfall_from(raw: RawResults, e: dict) -> dict:
    """The waterfall (see :func:`waterfall`) from the coalitions' values of :func:`waterfall_coalitions`."""
    from simengine.analysis.results import NationalStats

    plan = raw.plan
    sc = plan.scenario
    ty = int(sc.target_year - sc.start_year)
    n = e["draws"]
    K = 1 << N_CAUSES
    I, A = len(plan.gain), len(sc.areas)
    nat_mean, area_mean = e["mean"][:, 0], e["mean"][:, 1:]
    nat_med, area_med = e["p50"][:, 0], e["p50"][:, 1:]
    init_mean, phi_draw = e["init_mean"], e["phi_draw"]
    stats = NationalStats(raw)
    full_mean = float(stats.mean("benefit")[ty])
    full_med = float(stats.quantile("benefit", np.array([0.5]))[0, ty])
    full_area_mean = stats.mean("area_benefit")[:, ty]
    full_area_med = stats.quantile("area_benefit", np.array([0.5]))[0, :, ty]
    full_init_mean = raw.acc.init_sum[ty] / plan.init_inv_unit / raw.draws

    def chain(start, v, full):
        """[plan, -phi_1..-phi_n, sampling]: from start to full."""
        phi = shapley(v, N_CAUSES)
        return np.concatenate([[v[K - 1] - start], -phi, [full - v[0]]], axis=0)

    target = float(plan.target[ty])
    gains = plan.gain
    share = gains / gains.sum() if gains.sum() > 0 else np.zeros(I)
    init_start = target * share
    out = {
        "draws": n,
        "draws_total": raw.draws,
        "year": int(sc.target_year),
        "start": target,
        "mean": chain(target, nat_mean, full_mean),
        "p50": chain(target, nat_med, full_med),
        "simulated_mean": full_mean,
        "simulated_p50": full_med,
        "area_start": plan.area_target[:, ty].copy(),
        "area_mean": np.stack([chain(plan.area_target[a, ty], area_mean[:, a], full_area_mean[a]) for a in range(A)]),
        "area_p50": np.stack([chain(plan.area_target[a, ty], area_med[:, a], full_area_med[a]) for a in range(A)]),
        "initiative_start": init_start,
        "initiative_mean": np.stack([chain(init_start[i], init_mean[:, i], full_init_mean[i]) for i in range(I)])
        if I
        else np.zeros((0, len(WATERFALL_ITEMS))),
        "ideal_mean": nat_mean[K - 1],
        "subsample_mean": nat_mean[0],
        "subsample_p50": nat_med[0],
        "mean_se": waterfall_se(raw, phi_draw, n, ty),
        "phi_draw_mean": phi_draw.mean(axis=1),
    }
    return out


def waterfall_se(raw: RawResults, phi_draw: np.ndarray, n: int, ty: int) -> np.ndarray:
    """Monte Carlo standard errors of the parts of the national mean waterfall (order of
    WATERFALL_ITEMS): a cause's part is the mean over the n draws of its per-draw Shapley value,
    so its error is their sd / sqrt(n); plan: that of the mean gain with every cause off; sampling:
    that of the subsample's mean as an estimate of the mean over all N draws, sd / sqrt(n) x
    sqrt(1 - n / N) (0 when every draw is used)."""
    N = raw.draws

    def sd(x: np.ndarray) -> float:
        return float(np.std(x, ddof=1)) if len(x) > 1 else 0.0

    g = raw.benefit[:n, ty]
    all_off = g + phi_draw.sum(axis=0)  # per draw: v(all off) = v(none off) + sum phi
    frac = max(0.0, 1.0 - n / N) if N else 0.0
    causes = [sd(-phi_draw[c]) / math.sqrt(n) for c in range(len(phi_draw))]
    return np.array([sd(all_off) / math.sqrt(n), *causes, sd(g) / math.sqrt(n) * math.sqrt(frac)])


def _self_check(raw: RawResults, vals0: np.ndarray, n: int, ty: int) -> None:
    ref = np.concatenate([raw.benefit[:n, ty][None, :], raw.area_benefit[:n, :, ty].T], axis=0)
    scale = max(float(np.abs(ref).max()), float(raw.plan.target.max()), 1.0)
    err = float(np.abs(vals0 - ref).max()) if ref.size else 0.0
    if not err <= SELF_CHECK_RTOL * scale:
        raise WaterfallError(
            f"the waterfall's evaluator differs from the kernel by {err:.3g} DKK "
            f"(tolerance {SELF_CHECK_RTOL * scale:.3g}): the model has changed; update "
            "simengine/analysis/sensitivity.py"
        )


def add_waterfall(
    ds: xr.Dataset, raw: RawResults, draws: int = WATERFALL_DRAWS, early: Early | None = None
) -> xr.Dataset:
    """The shortfall waterfall added to ``ds``; ``early``: its coalitions computed beside the Dataset (:func:`start`)."""
    try:
        w = waterfall_from(raw, early.coalitions()) if early is not None else waterfall(raw, draws)
    except WaterfallError as exc:
        from simengine.messages import Msg, warn

        warn(Msg("analysis.no_waterfall", detail=str(exc)))
        ds.attrs["waterfall_note"] = f"no waterfall: {exc}"
        return ds
    ds = ds.assign_coords(
        cause=[c[0] for c in WATERFALL_ITEMS],
        cause_name=("cause", [c[1] for c in WATERFALL_ITEMS]),
        cause_switched_off=("cause", [c[2] for c in WATERFALL_ITEMS]),
    )
    label_coords(ds, names=["cause", "cause_name", "cause_switched_off"])
    n, N, ty = w["draws"], w["draws_total"], w["year"]
    sub = f"the first {n:,} of {N:,} draws" if n < N else f"all {N:,} draws"
    method = (
        f"Shapley values over the {N_CAUSES} causes: each of the 2^{N_CAUSES} combinations of causes switched "
        f"off evaluated on the same draws ({sub}; common random numbers); plan = the value with every cause "
        "off minus the start; sampling = the value over all draws minus the subsample's. Changes are signed "
        "(a loss is negative); start + sum over cause = the simulated value (docs/model.md)"
    )
    common = {"method": method, "year": ty, "draws": n, "draws_total": N, "subsample": sub}

    with batch(ds) as new:

        def put_float(name, data, **extra):
            put(new, name, data, float, **common, **extra)

        put_float("waterfall", w["mean"], start=w["start"], end=w["simulated_mean"])
        put_float("waterfall_mc_se", w["mean_se"])
        put_float("waterfall_p50", w["p50"], start=w["start"], end=w["simulated_p50"])
        put_float("area_waterfall_start", w["area_start"])
        put_float("area_waterfall", w["area_mean"])
        put_float("area_waterfall_p50", w["area_p50"])
        put_float("initiative_waterfall_start", w["initiative_start"])
        put_float("initiative_waterfall", w["initiative_mean"])
    return ds


# -- everything -----------------------------------------------------------------------------------
def add_analyses(ds: xr.Dataset, raw: RawResults, threads: int | None = None, early: Early | None = None) -> xr.Dataset:
    """Monte Carlo intervals, sensitivity and waterfall, added to the results Dataset; the sensitivity's
    thread pool has ``threads`` threads (the machine's cores if None). ``early``: the sensitivity and
    the waterfall's coalitions, started beside the Dataset by :func:`start` (the same numbers)."""
    import time

    from simengine.analysis.mcerror import add_mc_error
    from simengine.outputs import progress

    progress.phase("Analyses: Monte Carlo error, sensitivity, waterfall", 3)  # the bar, when one is shown
    t0 = time.perf_counter()
    ds = add_mc_error(ds, raw)
    progress.step()
    t1 = time.perf_counter()
    ds = add_sensitivity(ds, raw, threads, early)
    progress.step()
    t2 = time.perf_counter()
    ds = add_waterfall(ds, raw, early=early)
    progress.step()
    t3 = time.perf_counter()
    ds.attrs["seconds_mc_error"] = round(t1 - t0, 4)
    # computed beside the Dataset: their own time in the other thread, not the wait for it
    ds.attrs["seconds_sensitivity"] = round(early.seconds["sensitivity"] if early is not None else t2 - t1, 4)
    ds.attrs["seconds_waterfall"] = round(early.seconds["waterfall"] if early is not None else t3 - t2, 4)
    return ds


class Early:
    """The sensitivity (:func:`sensitivity`), the waterfall's coalitions (:func:`waterfall_coalitions`)
    and, for a scenario with ``[[shocks]]``, the run without them (simengine.analysis.shockeffect)
    computed one after the other in a thread of their own while the run's Dataset is built: they read
    only the plan and the kept inputs and per-draw values, which nothing changes after the kernel, and
    none touches what the Dataset caches on the raw results. The numbers are the same as computed in
    turn; an error raised there is raised again by the method that returns the result. Made by
    :func:`start`.

    The run without the shocks waits for :meth:`dataset_built` (or for :meth:`shock_effect`): its
    kernel's buffers then never meet the Dataset's largest transient, trimming the histograms, so the
    peak memory is the one simengine.core.memory estimates, whatever the timing. The thread is a
    daemon: a run that fails in the meantime does not wait for it."""

    def __init__(self, raw: RawResults, threads: int) -> None:
        import contextvars
        import threading
        from concurrent.futures import Future

        from simengine.analysis.shockeffect import shock_effect

        self.seconds: dict[str, float] = {}  # each job's, set when it ends (before its result is)
        self._threads = threads
        self._built = threading.Event()
        sc = raw.plan.scenario
        jobs = [
            ("sensitivity", lambda: sensitivity(raw, threads=threads)),
            ("waterfall", lambda: waterfall_coalitions(raw)),
        ]
        if sc.shocks:

            def without_shocks() -> dict:
                self._built.wait()
                return shock_effect(sc, raw, threads=threads)

            jobs.append(("shock_effect", without_shocks))
        futures: list[Future] = [Future() for _ in jobs]
        self._sens, self._coal = futures[0], futures[1]
        self._shock = futures[2] if sc.shocks else None

        def work() -> None:
            for (what, fn), fut in zip(jobs, futures):
                try:
                    fut.set_result(self._timed(what, fn))
                except BaseException as exc:  # noqa: BLE001 - raised again by the method that returns it
                    fut.set_exception(exc)

        ctx = contextvars.copy_context()  # the caller's context (e.g. the memory guard's REPORT)
        threading.Thread(target=ctx.run, args=(work,), name="simengine-analyses", daemon=True).start()

    def _timed(self, what: str, fn):
        import time

        from simengine.core.driver import numba_threads

        t = time.perf_counter()
        try:
            with numba_threads(self._threads):  # numba's thread count is the calling thread's own
                return fn()
        finally:
            self.seconds[what] = time.perf_counter() - t

    def dataset_built(self) -> None:
        """The caller's Dataset is built (its histograms trimmed): the run without the shocks may start."""
        self._built.set()

    def sensitivity(self) -> dict:
        return self._sens.result()

    def coalitions(self) -> dict:
        return self._coal.result()

    def shock_effect(self) -> dict | None:
        """simengine.analysis.shockeffect.shock_effect of the run (None: no ``[[shocks]]``)."""
        self._built.set()
        return self._shock.result() if self._shock is not None else None


def start(raw: RawResults, threads: int) -> Early | None:
    """Start the sensitivity, the waterfall's coalitions and the run without the shocks in a thread
    beside the caller (:class:`Early`), or None where that is not safe or not wanted: numba's
    threading layer must allow parallel loops from two threads at once (``omp`` or ``tbb``;
    ``workqueue`` does not), and the environment variables SIMENGINE_DEBUG or
    SIMENGINE_ANALYSES_THREAD=0 turn it off."""
    import os

    if os.environ.get("SIMENGINE_DEBUG") or os.environ.get("SIMENGINE_ANALYSES_THREAD", "1") == "0":
        return None
    try:
        layer = nb.threading_layer()
    except ValueError:  # no parallel loop has run in this process yet (e.g. the kernel ran on a cluster)
        return None
    if layer not in ("omp", "tbb"):
        return None
    return Early(raw, threads)
