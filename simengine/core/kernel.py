"""The numba core: one call simulates a contiguous range of global draw indices.

The kernel never materialises the draws x initiatives x municipalities x years tensor. It
uses the separable structure of the model, G_dimy = A_di * a_diy * (w_im * rho_dim): per draw
it computes rho for each (initiative, municipality) once and adds A_di * a_diy times that vector
to the municipality-by-year totals of the draw.

Per-municipality, per-initiative and national values of ``NBUF`` consecutive draws are buffered
(draw-major: each draw writes contiguous memory) and then binned year by year, so the hot bins of
one year's histograms stay in cache. A value's bin is found from its float64 bit pattern (one
subtraction and one shift; layout in :mod:`simengine.model.plan`). Counts go first into 16-bit
per-block arrays, added into the block's 32-bit histograms (only the bins touched) before they
can overflow. Hot loops index with unsigned integers where the index is data-dependent: numba
emits extra code for possibly negative signed indices.

Reproducibility: ``prange`` runs over ``nblocks`` contiguous sub-ranges, each with its own
accumulators; every uniform comes from a keyed counter-based stream of the *global* draw index;
per-draw values are written by draw index; histograms and sums are integers (sums in fixed
point, see :data:`simengine.model.plan.FIXED_BITS`), so merging blocks, calls or workers in any
order gives bit-identical results for any thread count or chunking.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic

from simengine.model import formula
from simengine.model.distributions import BERNOULLI, FIXED, TABLE, sample, table_values
from simengine.model.plan import HIST_SHIFT, NAT_HALF, NAT_SHIFT
from simengine.model.qmc import sobol_row, sobol_uniform
from simengine.model.rng import lhs_uniform, lhs_uniforms, ndtr, ndtri, uniform
from simengine.model.structure import (
    N_NATIONAL,
    N_REGIMES,
    REGIME_CODES,
    REGIME_STREAMS,
    REGIME_VARS,
    V_ADOPTION,
    V_DELAY,
    V_LEGISLATION,
    V_LEGISLATION_DELAY,
    V_OVERRUN,
    V_RAMP,
    V_REALISATION,
    W_ECONOMIC_PRESSURE,
    W_WEAK_SHARE,
    series_at,
)

_U_MIN = 2.0**-53

FIXED_LIMIT = 2.0**52  # a per-draw fixed-point value above this sets the overflow flag
NBUF = 256  # draws buffered before their values are binned
SPILL_AFTER = 2**16 - 1 - NBUF  # 16-bit counts are added into the histograms before they can overflow


_ABS_MASK = np.int64(0x7FFFFFFFFFFFFFFF)

#: the gain formula (simengine.model.formula.amplitude), compiled: the evaluate stage and the
#: waterfall's evaluator call this one function
amplitude = nb.njit(inline="always", cache=True)(formula.amplitude)
#: the reach and timing factor kappa U ramp (simengine.model.formula.reach), compiled: the evaluate
#: stage and the waterfall's evaluator call this one function
reach = nb.njit(inline="always", cache=True)(formula.reach)
#: the ramp-up share (simengine.model.formula.ramp_share), compiled: the evaluate stage and the
#: waterfall's evaluator call this one function
ramp_share = nb.njit(inline="always", cache=True)(formula.ramp_share)


@nb.njit(inline="always", cache=True)
def hist_bin(bits, lo_bits, nbins, shift=HIST_SHIFT):  # pragma: no cover - compiled
    """Bin of a float64 value given its bit pattern (as int64); see simengine.model.plan."""
    if bits <= 0:  # +0.0 (and, defensively, negative values)
        return 0
    if bits < lo_bits:
        return 1
    k = 2 + ((bits - lo_bits) >> shift)
    if k > nbins - 1:
        k = nbins - 1
    return k


@nb.njit(inline="always", cache=True)
def nat_bin(bits, lo_bits):  # pragma: no cover - compiled
    """Signed national bin: NAT_HALF - 1 is exact zero, above it positive values, below negative."""
    k = hist_bin(bits & _ABS_MASK, lo_bits, NAT_HALF, NAT_SHIFT)
    if bits < 0:
        return NAT_HALF - 1 - k
    return NAT_HALF - 1 + k


@nb.njit(inline="always", cache=True)
def _bin_into(lh, lo, hi, y, bits, lob, nbins, kb):  # pragma: no cover - compiled
    """Count one draw's values bits[x] of histograms (y, x) in the block-local 16-bit counts
    ``lh``, widening [lo, hi][y, x] (lowest and highest bin touched since the last spill)."""
    X = bits.shape[0]
    for x in range(X):  # bins and spans first: a loop that vectorises
        k = hist_bin(bits[x], lob[x], nbins)
        kb[x] = np.uint64(k)  # unsigned: no code for negative indices below
        lo[y, x] = min(lo[y, x], k)
        hi[y, x] = max(hi[y, x], k)
    for x in range(X):
        lh[y, x, kb[x]] += 1


@nb.njit(inline="always", cache=True)
def _spill(b, lh, span, hist):  # pragma: no cover - compiled
    """Add the 16-bit counts into the block's histograms and zero them (only the bins touched:
    span[0], span[1]); span[2], span[3] keep the bins ever touched, for the final merge."""
    lo, hi, elo, ehi = span[0], span[1], span[2], span[3]
    for y in range(lh.shape[0]):
        for x in range(lh.shape[1]):
            for k in range(lo[y, x], hi[y, x] + 1):
                hist[b, y, x, k] += lh[y, x, k]
                lh[y, x, k] = 0
            elo[y, x] = min(elo[y, x], lo[y, x])
            ehi[y, x] = max(ehi[y, x], hi[y, x])
            lo[y, x] = lh.shape[2]
            hi[y, x] = -1


@nb.njit(parallel=True, cache=True)
def merge_blocks(hist, lo, hi, out):  # pragma: no cover - compiled
    """out[r, k] = sum over blocks b of hist[b, r, k], for the bins lo[b, r] <= k <= hi[b, r] that
    the blocks touched (the others are zero and left untouched: fresh memory is slow to touch on
    some virtual machines). hist (blocks, R, K), lo and hi (blocks, R), out (R, K) zeroed."""
    nb_, R = lo.shape
    for r in nb.prange(R):
        for b in range(nb_):
            for k in range(lo[b, r], hi[b, r] + 1):
                out[r, k] += hist[b, r, k]


@nb.njit(inline="always", cache=True)
def _nat_count(vals, bits, n, sr, lo_bits, inv_unit, hist, lo, hi):  # pragma: no cover - compiled
    """Count national series ``sr`` of the first ``n`` rows of vals (bits: the same as int64) into
    its histogram ``hist``; returns (their fixed-point sum, lowest and highest bin touched, given
    the previous ones lo and hi, and how many values exceeded FIXED_LIMIT)."""
    s = np.int64(0)
    ov = np.int64(0)
    for k in range(n):
        kk = nat_bin(bits[k, sr], lo_bits)
        hist[np.uint64(kk)] += 1
        lo = min(lo, kk)
        hi = max(hi, kk)
        fx = vals[k, sr] * inv_unit
        ov += abs(fx) > FIXED_LIMIT
        s += np.int64(math.floor(min(max(fx, -FIXED_LIMIT), FIXED_LIMIT) + 0.5))
    return s, lo, hi, ov


@nb.njit(parallel=True, cache=True)
def bin_national(vals, lo_bits, inv_unit, hist, sums):  # pragma: no cover - compiled
    """Add national series vals (n, S) of n draws into the histograms hist (S, NAT_BINS) and the
    fixed-point sums (S,) exactly as the kernel does for the draws it does not keep; returns how
    many values exceeded FIXED_LIMIT."""
    n, S = vals.shape
    bits = vals.view(np.int64)
    ov = np.zeros(S, np.int64)
    for sr in nb.prange(S):
        s, lo, hi, o = _nat_count(vals, bits, n, sr, lo_bits, inv_unit, hist[sr], 0, 0)
        sums[sr] += s
        ov[sr] = o
    return ov.sum()


@nb.njit(inline="always", cache=True)
def _flush(
    b, nbuf, nnat, w, mun_target, lay, lmun, mun_span, linit, init_span, acc, nat_span
):  # pragma: no cover - compiled
    """Bin and sum the values of the ``nbuf`` buffered draws of w, the national ones of the first
    ``nnat`` (buffers: draw first, so that every loop below runs along contiguous memory). Sums
    are integers: their order does not matter. The sums are branch free, so that they vectorise;
    a value over FIXED_LIMIT is counted (the run then fails) and its clamped contribution is
    never used."""
    bufB, bufG, bufN, kb = w.bufB, w.bufG, w.bufN, w.kb
    mun_lo, mun_hi, init_lo, init_hi = mun_span[0], mun_span[1], init_span[0], init_span[1]
    mun_lo_bits, init_lo_bits, nat_lo_bits = lay.mun_lo_bits, lay.init_lo_bits, lay.nat_lo_bits
    mun_inv_unit, mun_short_inv_unit = lay.mun_inv_unit, lay.mun_short_inv_unit
    init_inv_unit, nat_inv_unit = lay.init_inv_unit, lay.nat_inv_unit
    nat_hist, mun_sum, mun_short_sum, init_sum, nat_sum = (
        acc.nat_hist,
        acc.mun_sum,
        acc.mun_short_sum,
        acc.init_sum,
        acc.nat_sum,
    )
    Y, M = bufB.shape[1], bufB.shape[2]
    I = bufG.shape[2]
    bitsB = bufB.view(np.int64)  # the values' bit patterns, for their bins
    bitsG = bufG.view(np.int64)
    bitsN = bufN.view(np.int64)
    nbins = lmun.shape[2]
    ov = np.int64(0)
    # histogram by histogram (national) and year by year: the bins touched stay in cache
    for sr in range(bufN.shape[1]):
        s, lo, hi, o = _nat_count(
            bufN, bitsN, nnat, sr, nat_lo_bits, nat_inv_unit, nat_hist[b, sr], nat_span[b, 0, sr], nat_span[b, 1, sr]
        )
        nat_span[b, 0, sr] = lo
        nat_span[b, 1, sr] = hi
        nat_sum[b, sr] += s
        ov += o
    for y in range(Y):
        for k in range(nbuf):
            _bin_into(lmun, mun_lo, mun_hi, y, bitsB[k, y], mun_lo_bits, nbins, kb)
            _bin_into(linit, init_lo, init_hi, y, bitsG[k, y], init_lo_bits, nbins, kb)
            for m in range(M):
                v = bufB[k, y, m]
                fx = v * mun_inv_unit[m]
                fs = (mun_target[y, m] - v) * mun_short_inv_unit[m]
                ov += (fx > FIXED_LIMIT) | (fs > FIXED_LIMIT)
                mun_sum[b, y, m] += np.int64(min(fx, FIXED_LIMIT) + 0.5)
                mun_short_sum[b, y, m] += np.int64(min(max(fs, 0.0), FIXED_LIMIT) + 0.5)
            for i in range(I):
                fx = bufG[k, y, i] * init_inv_unit[i]
                ov += fx > FIXED_LIMIT
                init_sum[b, y, i] += np.int64(min(fx, FIXED_LIMIT) + 0.5)
    acc.overflow[b] += ov


@nb.njit(inline="always", cache=True)
def local_execution(keys, d, code, par, tab, ub, tails, eps):  # pragma: no cover - compiled
    """eps[m]: the local execution factor of draw d in every municipality (keys[m] its stream).
    Uniforms first (a vectorisable loop), then their quantiles (``tails``: scratch). The municipal
    factors are on their keyed random streams under every sampling (docs/model.md, "Latin
    hypercube sampling")."""
    M = keys.shape[0]
    for m in range(M):
        ub[m] = uniform(keys[m], d)
    if code == TABLE:
        table_values(tab, ub, eps, M, tails)
    else:
        for m in range(M):
            eps[m] = sample(code, par[0], par[1], par[2], tab, ub[m])


@nb.njit(inline="always", cache=True)
def _sum8(a):  # pragma: no cover - compiled
    """Sum in a fixed order that vectorises: eight interleaved partial sums, then combined.
    The order depends only on the length, so the result is the same on every machine."""
    n = a.shape[0]
    p0 = p1 = p2 = p3 = p4 = p5 = p6 = p7 = 0.0
    k = 0
    while k + 8 <= n:
        p0 += a[k]
        p1 += a[k + 1]
        p2 += a[k + 2]
        p3 += a[k + 3]
        p4 += a[k + 4]
        p5 += a[k + 5]
        p6 += a[k + 6]
        p7 += a[k + 7]
        k += 8
    while k < n:
        p0 += a[k]
        k += 1
    return ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))


@nb.njit(nogil=True, cache=True)
def _municipality_totals(coefs, X, B):  # pragma: no cover - compiled
    """B[y, :] = sum_i coefs[i, y] * X[i, :], a small matrix product in a fixed order (kept out of
    BLAS so that results do not depend on the BLAS build): the initiatives in order, the terms of
    a zero (or NaN) coefficient skipped. Two initiatives per pass over B (one load and store of B
    for two terms, added in the same order as one at a time: the same bits). A function of its
    own so that LLVM vectorises the inner loops."""
    I, Y = coefs.shape
    M = X.shape[1]
    for y in range(Y):
        for m in range(M):
            B[y, m] = 0.0
    for i in range(0, I - 1, 2):
        for y in range(Y):
            c = coefs[i, y]
            c2 = coefs[i + 1, y]
            if c > 0.0 and c2 > 0.0:
                for m in range(M):
                    B[y, m] = (B[y, m] + c * X[i, m]) + c2 * X[i + 1, m]
            elif c > 0.0:
                for m in range(M):
                    B[y, m] += c * X[i, m]
            elif c2 > 0.0:
                for m in range(M):
                    B[y, m] += c2 * X[i + 1, m]
    if I % 2 == 1:
        for y in range(Y):
            c = coefs[I - 1, y]
            if c > 0.0:
                for m in range(M):
                    B[y, m] += c * X[I - 1, m]


class _Work(NamedTuple):
    """One block's scratch, allocated inside the parallel loop (simulate) and reached by the
    stages through this tuple (they run outside the loop's body: see :func:`_block`)."""

    valsB: np.ndarray  # (NBUF, n_in) inputs of the buffered draws, one row per draw
    valsT: np.ndarray  # (n_in, NBUF) the same, one row per input while they are sampled
    tmp: np.ndarray  # (NBUF,)
    zc: np.ndarray  # (C,) copula normals
    zs: np.ndarray  # (S,) common shock normals
    xs: np.ndarray  # (NBUF,) uint64
    tails: np.ndarray  # (max(M, NBUF),) int64
    ltab: np.ndarray  # quantile grid of the local execution factor
    ctab: np.ndarray  # ... and of the municipal capacity
    cap: np.ndarray  # (M,) municipal capacity (mean-preserving: its spread C alone)
    sme: np.ndarray  # (M,) mean-preserving: the mean's municipal factor s (1 - E)
    ub: np.ndarray  # (M,) uniforms of the local factors
    eps: np.ndarray  # (M,) local execution factors of one initiative
    X: np.ndarray  # (I, M) realised shares w_im rho_dim
    x2: np.ndarray  # (M,) the same under the retention regime (uplifted); then scratch
    kb: np.ndarray  # (max(M, I),) uint64 table cells, histogram bins
    kb2: np.ndarray  # (M,) uint64
    fr2: np.ndarray  # (M,)
    gl: np.ndarray  # (I,) go-live times
    coefs: np.ndarray  # (I, Y) A_di a_diy
    G: np.ndarray  # (Y,) national gain
    Gret: np.ndarray  # (Y,) national gain under retention
    cen: np.ndarray  # (Y,) central gain under retention
    cost: np.ndarray  # (Y,)
    area: np.ndarray  # (A, Y)
    pot: np.ndarray  # (Y,) potential (before local realisation)
    apot: np.ndarray  # (A, Y)
    cut: np.ndarray  # (Y,) service cut (prebudgeted)
    bufB: np.ndarray  # (NBUF, Y, M) buffered municipal gains
    bufG: np.ndarray  # (NBUF, Y, I) buffered initiative gains
    bufN: np.ndarray  # (NBUF, S) buffered national series of the draws not kept


@nb.njit(inline="always", cache=True)
def _new_work(inp, mdl, smp, n_series):  # pragma: no cover - compiled
    n_in = inp.in_code.shape[0]
    I = mdl.gain.shape[0]
    M = inp.size_eff.shape[0]
    Y = mdl.years.shape[0]
    A = mdl.n_areas
    return _Work(
        valsB=np.empty((NBUF, n_in)),
        valsT=np.empty((n_in, NBUF)),
        tmp=np.empty(NBUF),
        zc=np.empty(smp.corr_idx.shape[0]),
        zs=np.empty(max(smp.shock_key.shape[0], 1)),
        xs=np.empty(NBUF, np.uint64),
        tails=np.empty(max(M, NBUF), np.int64),
        ltab=inp.tables[inp.loc_tab],
        ctab=inp.tables[inp.cap_tab],
        cap=np.empty(M),
        sme=np.empty(M),
        ub=np.empty(M),
        eps=np.empty(M),
        X=np.empty((I, M)),
        x2=np.empty(M),
        kb=np.empty(max(M, I), np.uint64),
        kb2=np.empty(M, np.uint64),
        fr2=np.empty(M),
        gl=np.empty(I),
        coefs=np.empty((I, Y)),
        G=np.empty(Y),
        Gret=np.empty(Y),
        cen=np.empty(Y),
        cost=np.empty(Y),
        area=np.empty((A, Y)),
        pot=np.empty(Y),
        apot=np.empty((A, Y)),
        cut=np.empty(Y),
        bufB=np.empty((NBUF, Y, M)),
        bufG=np.empty((NBUF, Y, I)),
        bufN=np.empty((NBUF, n_series)),
    )


# ---- stage 1: sample the inputs of the next draws ------------------------------------------------


@nb.njit(inline="always", cache=True)
def _copula(nb_, smp, valsT, zc):  # pragma: no cover - compiled
    """Gaussian copula: correlate the uniforms of the inputs in smp.corr_idx."""
    corr_idx, corr_factor = smp.corr_idx, smp.corr_factor
    nc = corr_idx.shape[0]
    for kk in range(nb_):
        for c in range(nc):
            zc[c] = ndtri(valsT[corr_idx[c], kk])
        for c in range(nc):
            z = 0.0
            for l2 in range(nc):
                z += corr_factor[c, l2] * zc[l2]
            valsT[corr_idx[c], kk] = min(max(ndtr(z), _U_MIN), 1.0 - _U_MIN)


@nb.njit(inline="always", cache=True)
def _shocks(d, nb_, smp, valsT, zs):  # pragma: no cover - compiled
    """Common shocks: z' = sqrt(l) z_shock + sqrt(1 - l) z, in [[shocks]] order."""
    lhs_n, lhs_half, lhs_mask = smp.lhs_n, smp.lhs_half, smp.lhs_mask
    shock_key, sh_in, sh_of, sh_a, sh_b = smp.shock_key, smp.sh_in, smp.sh_of, smp.sh_a, smp.sh_b
    qmc_sh, qmc_sv, qmc_shift, qmc_key, qmc_bits = smp.qmc_sh, smp.qmc_sv, smp.qmc_shift, smp.qmc_key, smp.qmc_rep_bits
    nq = qmc_shift.shape[0]
    for kk in range(nb_):
        for s in range(shock_key.shape[0]):
            if lhs_n > 0:
                zs[s] = ndtri(lhs_uniform(shock_key[s], d + kk, lhs_n, lhs_half, lhs_mask))
            elif nq > 0:
                q = qmc_sh[s]
                zs[s] = ndtri(sobol_uniform(qmc_sv[q], qmc_shift[q], qmc_key[q], qmc_bits, d + kk))
            else:
                zs[s] = ndtri(uniform(shock_key[s], d + kk))
        for h in range(sh_in.shape[0]):
            k = sh_in[h]
            z = sh_a[h] * zs[sh_of[h]] + sh_b[h] * ndtri(valsT[k, kk])
            valsT[k, kk] = min(max(ndtr(z), _U_MIN), 1.0 - _U_MIN)


@nb.njit(inline="always", cache=True)
def _quantiles(nb_, inp, valsT, tmp, tails):  # pragma: no cover - compiled
    """Each input's uniforms (rows of valsT) replaced by its values."""
    in_code, in_par, in_tab, tables = inp.in_code, inp.in_par, inp.in_tab, inp.tables
    for k in range(in_code.shape[0]):
        code = in_code[k]
        p0, p1, p2 = in_par[k, 0], in_par[k, 1], in_par[k, 2]
        row = valsT[k]
        if code == FIXED:
            for kk in range(nb_):
                row[kk] = p0
        elif code == TABLE:
            table_values(tables[in_tab[k]], row, tmp, nb_, tails)
            for kk in range(nb_):
                row[kk] = tmp[kk]
        elif code == BERNOULLI:
            for kk in range(nb_):
                row[kk] = 1.0 if row[kk] < p0 else 0.0
        else:
            tab = tables[in_tab[k]]
            for kk in range(nb_):
                row[kk] = sample(code, p0, p1, p2, tab, row[kk])


@nb.njit(inline="always", cache=True)
def sample_inputs(d, nb_, inp, smp, w):  # pragma: no cover - compiled
    """Stage 1: the per-draw inputs of draws d .. d + nb_ - 1 into rows 0 .. nb_ - 1 of w.valsB,
    sampled input by input (rows of w.valsT: contiguous, the uniforms vectorise), then transposed."""
    in_code, in_key = inp.in_code, inp.in_key
    lhs_n, lhs_half, lhs_mask = smp.lhs_n, smp.lhs_half, smp.lhs_mask
    qmc_in, qmc_sv, qmc_shift, qmc_key, qmc_bits = smp.qmc_in, smp.qmc_sv, smp.qmc_shift, smp.qmc_key, smp.qmc_rep_bits
    valsT, valsB, xs, tails = w.valsT, w.valsB, w.xs, w.tails
    n_in = in_code.shape[0]
    nq = qmc_shift.shape[0]
    for k in range(n_in):
        if in_code[k] != FIXED:
            key = in_key[k]
            row = valsT[k]
            if lhs_n > 0:  # one stream over the next nb_ draws
                lhs_uniforms(key, d, nb_, lhs_n, lhs_half, lhs_mask, row, xs, tails)
            elif nq > 0:
                q = qmc_in[k]
                sobol_row(qmc_sv[q], qmc_shift[q], qmc_key[q], qmc_bits, d, nb_, row)
            else:
                for kk in range(nb_):
                    row[kk] = uniform(key, d + kk)
    if smp.corr_idx.shape[0] > 0:
        _copula(nb_, smp, valsT, w.zc)
    if smp.sh_in.shape[0] > 0:
        _shocks(d, nb_, smp, valsT, w.zs)
    _quantiles(nb_, inp, valsT, w.tmp, tails)
    for kk in range(nb_):
        for k in range(n_in):
            valsB[kk, k] = valsT[k, kk]


# ---- stage 2: evaluate a draw (the model arithmetic) ---------------------------------------------


@nb.njit(inline="always", cache=True)
def _capacity(d, E, inp, mdl, w):  # pragma: no cover - compiled
    """w.cap: the municipal capacity of draw d (mean-preserving: its spread C alone, and w.sme
    the mean's municipal factor s (1 - E))."""
    cap, sme, size_eff = w.cap, w.sme, inp.size_eff
    local_execution(inp.cap_key, d, inp.cap_code, inp.cap_par, w.ctab, w.ub, w.tails, cap)
    if mdl.real_mean:
        for m in range(cap.shape[0]):
            sme[m] = size_eff[m] * (1.0 - E)
    else:
        for m in range(cap.shape[0]):
            cap[m] = size_eff[m] * cap[m] * (1.0 - E)


@nb.njit(inline="always", cache=True)
def golive_time(start_i, vals, o, timing_component):  # pragma: no cover - compiled
    """The go-live time of the initiative whose inputs start at vals[o], before its dependency:
    start + S + B·L, or start + max(S, B·L) when legislation is a component of the delay."""
    S = vals[o + V_DELAY]
    BL = vals[o + V_LEGISLATION] * vals[o + V_LEGISLATION_DELAY]
    return start_i + max(S, BL) if timing_component else start_i + S + BL


@nb.njit(inline="always", cache=True)
def realised_clamp(r, r2, cap, eps, wrow, X1, X2):  # pragma: no cover - compiled
    """The realisation sums of one initiative under the clamp: X1[m] = w_m min(max(r cap_m eps_m, 0), 1)
    and X2 the same with r2 (the retention regime's realisation), element-wise (vectorised); returns
    their sums in a fixed order (_sum8). X2 None: the first only (compiled away; the second sum is 0).
    The evaluate stage and the waterfall's realisation sums (analysis.sensitivity._local_sums) call
    this one function."""
    for m in range(X1.shape[0]):
        base = cap[m] * eps[m]
        wt = wrow[m]
        X1[m] = wt * min(max(r * base, 0.0), 1.0)
        if X2 is not None:
            X2[m] = wt * min(max(r2 * base, 0.0), 1.0)
    if X2 is None:
        return _sum8(X1), 0.0
    return _sum8(X1), _sum8(X2)


@nb.njit(inline="always", cache=True)
def realised_mean(r, r2, sme, spread, eps, wrow, real_tab, kb, kb2, fr, X1, X2):  # pragma: no cover - compiled
    """The realisation sums of one initiative under the mean-preserving realisation: X1[m] =
    w_m min(a(r sme_m) spread_m eps_m, 1), a the scale of real_tab by linear interpolation, the
    mean r sme_m (sme_m = s_m (1 - E)), and X2 the same with r2 (the retention regime's
    realisation); returns their sums (_sum8). The table cells of both regimes first (vectorises;
    kb, fr and kb2, X2 hold them), then the reads of both in one loop (two independent chains),
    then the clamp (vectorises); r2 == r gives the same cell and the same value. X2 None: the first
    only (compiled away; the second sum is 0). The evaluate stage and the waterfall's realisation
    sums (analysis.sensitivity._local_sums) call this one function."""
    n_real = real_tab.shape[0] - 1
    M = X1.shape[0]
    for m in range(M):
        pos = r * sme[m] * n_real
        kr = min(int(pos), n_real - 1)
        kb[m] = np.uint64(kr)
        fr[m] = pos - kr
        if X2 is not None:
            pos = r2 * sme[m] * n_real
            kr = min(int(pos), n_real - 1)
            kb2[m] = np.uint64(kr)
            X2[m] = pos - kr
    for m in range(M):
        t0 = real_tab[kb[m]]
        X1[m] = t0 + fr[m] * (real_tab[kb[m] + np.uint64(1)] - t0)
        if X2 is not None:
            t1 = real_tab[kb2[m]]
            X2[m] = t1 + X2[m] * (real_tab[kb2[m] + np.uint64(1)] - t1)
    for m in range(M):
        v = spread[m] * eps[m]
        wt = wrow[m]
        X1[m] = wt * min(X1[m] * v, 1.0)
        if X2 is not None:
            X2[m] = wt * min(X2[m] * v, 1.0)
    if X2 is None:
        return _sum8(X1), 0.0
    return _sum8(X1), _sum8(X2)


@nb.njit(inline="always", cache=True)
def _golive(vals, nv, mdl, gl):  # pragma: no cover - compiled
    """gl[i]: the go-live time of each initiative, a dependency's first (mdl.order)."""
    start, dep_of, dep_lag, order = mdl.start, mdl.dep_of, mdl.dep_lag, mdl.order
    for ii in range(order.shape[0]):
        i = order[ii]
        g = golive_time(start[i], vals, N_NATIONAL + i * nv, mdl.timing_component)
        if dep_of[i] >= 0:
            g = max(g, gl[dep_of[i]] + dep_lag[i])
        gl[i] = g


# one loop over the initiatives, tuple fields bound once before it (each read of a tuple field is a reference
# count update: 15 % of the time when the stage was split further); the realisation sums and reach are the
# inlined functions the waterfall's evaluator calls too (realised_clamp, realised_mean, reach)
@nb.njit(inline="always", cache=True)
def evaluate(d, vals, inp, mdl, w, ginit, B):  # pragma: no cover - compiled
    """Stage 2: the model arithmetic of draw d from its inputs ``vals``: into w its go-live
    times, coefficients, realised shares, national, retention, central, area and potential
    gains and costs by year; the initiatives' gains into ginit (Y, I), the municipalities' into
    B (Y, M)."""
    # fmt: off
    G, Gret, cen, cost, area, coefs, pot, apot = w.G, w.Gret, w.cen, w.cost, w.area, w.coefs, w.pot, w.apot
    X, x2, cap, eps, sme, kb, kb2, fr2, ub, tails, ltab = w.X, w.x2, w.cap, w.eps, w.sme, w.kb, w.kb2, w.fr2, \
        w.ub, w.tails, w.ltab
    years, year_mid, start, ret_share, ret_years = mdl.years, mdl.year_mid, mdl.start, mdl.ret_share, mdl.ret_years
    gain, channel, ramp_base, area_of, weights = mdl.gain, mdl.channel, mdl.ramp_base, mdl.area_of, mdl.weights
    investment, running, real_mean, real_tab, uplift = mdl.investment, mdl.running, mdl.real_mean, mdl.real_tab, \
        mdl.uplift
    loc_key, loc_code, loc_par = inp.loc_key, inp.loc_code, inp.loc_par
    # fmt: on
    gl = w.gl
    I = gain.shape[0]
    Y = years.shape[0]
    nv = (inp.in_code.shape[0] - N_NATIONAL) // I if I > 0 else 0
    kappa_ch = min(max((1.0 - vals[W_WEAK_SHARE]) / (1.0 - mdl.w0), 0.0), 1.0)
    _capacity(d, vals[W_ECONOMIC_PRESSURE], inp, mdl, w)
    G[:] = 0.0
    Gret[:] = 0.0
    cen[:] = 0.0
    cost[:] = 0.0
    area[:, :] = 0.0
    pot[:] = 0.0
    apot[:, :] = 0.0
    _golive(vals, nv, mdl, gl)
    for i in range(I):
        o = N_NATIONAL + i * nv
        U, R, K, r = vals[o + V_ADOPTION], vals[o + V_RAMP], vals[o + V_OVERRUN], vals[o + V_REALISATION]
        g = gl[i]
        rb = ramp_base[i]
        ai = area_of[i]
        kap = kappa_ch if channel[i] > 0.0 else 1.0
        Ai = amplitude(gain[i], vals, o)
        r2 = min(r * (1.0 + uplift), 1.0)
        local_execution(loc_key[i], d, loc_code, loc_par, ltab, ub, tails, eps)
        if real_mean:  # rho = min(a(mu) C eps, 1), mean mu = r s (1 - E) exactly
            s1, s2 = realised_mean(r, r2, sme, cap, eps, weights[i], real_tab, kb, kb2, fr2, X[i], x2)
        else:
            s1, s2 = realised_clamp(r, r2, cap, eps, weights[i], X[i], x2)
        go_year = math.floor(g)
        for y in range(Y):  # branch free, so that it vectorises; a zero coefficient adds +0.0
            ad = reach(kap, U, ramp_share(year_mid[y] - g, R, rb))
            coef = Ai * ad if ad > 0.0 else 0.0
            coefs[i, y] = coef
            gi = coef * s1
            G[y] += gi
            area[ai, y] += gi
            gr = coef * s2
            Gret[y] += gr
            ov = max(min(years[y] + 1.0, g + ret_years) - max(float(years[y]), g), 0.0)
            cen[y] += gr * (1.0 - ret_share * ov)
            ginit[y, i] = gi
        for y in range(Y):
            c = 0.0
            yr = years[y]
            if yr >= go_year:
                c += running[i]
            if go_year <= start[i]:
                if yr == start[i]:
                    c += investment[i]
            elif yr >= start[i] and yr < go_year:
                c += investment[i] / (go_year - start[i])
            cost[y] += K * c
    for i in range(I):  # the potential: coefs before local realisation
        ai = area_of[i]
        for y in range(Y):
            c = coefs[i, y]
            pot[y] += c
            apot[ai, y] += c
    _municipality_totals(coefs, X, B)


# ---- stage 3: record a draw ----------------------------------------------------------------------


# the regimes' slices (structure.REGIME_DECLS): the kernel's own series of central_gain, service_cut and
# regime_benefit are cen, cut and Gret (their formulas in evaluate and record); _CODES in REGIME_VARS' order
_CODES = REGIME_CODES
_STREAM_VAR = tuple(REGIME_VARS.index(v) for v, _ in REGIME_STREAMS)
_STREAM_AT = tuple(series_at(f"{v}_{r}") for v, r in REGIME_STREAMS)
_POT_AT = series_at("potential")


@nb.njit(inline="always", cache=True)
def _series_start(at, Y, A):  # pragma: no cover - compiled
    """Where a national series starts in a draw's row, from its structure.series_at (a, b, c)."""
    return at[0] * Y + at[1] * A * Y + at[2]


@nb.njit(inline="always", cache=True)
def _regime_value(code, target, g, own):  # pragma: no cover - compiled
    """A regime variable under a regime by its code: 0, the target, the gross gain g or the kernel's own."""
    if code == 3:
        return own
    if code == 2:
        return g
    if code == 1:
        return target
    return 0.0


@nb.njit(inline="always", cache=True)
def _keep(j, npv, mdl, w, kept):  # pragma: no cover - compiled
    """The per-draw outputs of a kept draw at row j."""
    G, cost, area, cen, Gret, pot, apot, cut = w.G, w.cost, w.area, w.cen, w.Gret, w.pot, w.apot, w.cut
    target = mdl.target
    for y in range(G.shape[0]):
        kept.benefit[j, y] = G[y]
        kept.cost[j, y] = cost[y]
        for a in range(area.shape[0]):
            kept.area_benefit[j, a, y] = area[a, y]
        for r in range(N_REGIMES):  # each regime's slice as declared (structure.REGIME_CODES)
            kept.central_gain[j, r, y] = _regime_value(_CODES[0][r], target[y], G[y], cen[y])
            kept.service_cut[j, r, y] = _regime_value(_CODES[1][r], target[y], G[y], cut[y])
            kept.regime_benefit[j, r, y] = _regime_value(_CODES[2][r], target[y], G[y], Gret[y])
        kept.potential[j, y] = pot[y]
        for a in range(area.shape[0]):
            kept.area_potential[j, a, y] = apot[a, y]
    kept.npv[j] = npv


@nb.njit(inline="always", cache=True)
def _stream(k, npv, w):  # pragma: no cover - compiled
    """Row k of w.bufN: the national series of a draw not kept, in the order of
    simengine.model.plan.national_series."""
    G, cost, area, cen, Gret, pot, cut = w.G, w.cost, w.area, w.cen, w.Gret, w.pot, w.cut
    row = w.bufN[k]
    Y = G.shape[0]
    A = area.shape[0]
    op = _series_start(_POT_AT, Y, A)
    for y in range(Y):
        row[y] = G[y]
        row[Y + y] = G[y] - cost[y]
        row[2 * Y + y] = cost[y]
        for a in range(A):
            row[3 * Y + a * Y + y] = area[a, y]
        row[op + y] = pot[y]
    for s in range(len(_STREAM_VAR)):  # the regimes' own slices, at their places (structure.REGIME_STREAMS)
        v = _STREAM_VAR[s]
        src = cen if v == 0 else (cut if v == 1 else Gret)
        o = _series_start(_STREAM_AT[s], Y, A)
        for y in range(Y):
            row[o + y] = src[y]
    row[row.shape[0] - 1] = npv


@nb.njit(inline="always", cache=True)
def record(b, d, nnat, vals, B, mdl, lay, w, kept, acc):  # pragma: no cover - compiled
    """Stage 3: count draw d (evaluated into w, its municipal gains in B) into block b's
    accumulators (the histograms follow in _flush), then write it to its kept row or, if it is
    not kept, its national series to row nnat of w.bufN (a kept draw's national series are
    binned from its kept values when needed: simengine.core.engine.RawResults.national); returns 1
    if it was buffered there, else 0."""
    Y = mdl.years.shape[0]
    j = d - kept.d0
    if 0 <= j < kept.inputs.shape[0]:
        for k in range(vals.shape[0]):
            kept.inputs[j, k] = vals[k]
    gl, golive_hist = w.gl, acc.golive_hist
    ngolive = golive_hist.shape[2]
    for i in range(gl.shape[0]):
        gk = int(math.floor((gl[i] - lay.golive_origin) * lay.golive_per_year))
        golive_hist[b, i, min(max(gk, 0), ngolive - 1)] += 1
    coefs, init_pot_sum, init_inv_unit = w.coefs, acc.init_pot_sum, lay.init_inv_unit
    ovp = 0
    for i in range(gl.shape[0]):
        iu = init_inv_unit[i]
        for y in range(Y):
            fp = coefs[i, y] * iu
            ovp += fp > FIXED_LIMIT
            init_pot_sum[b, y, i] += np.int64(min(fp, FIXED_LIMIT) + 0.5)
    acc.overflow[b] += ovp
    G, cost, area, cut, x2 = w.G, w.cost, w.area, w.cut, w.x2
    mun_target, discount, target, area_target = mdl.mun_target, mdl.discount, mdl.target, mdl.area_target
    hit, area_hit = acc.hit, acc.area_hit
    npv = 0.0
    for y in range(Y):
        for m in range(x2.shape[0]):
            x2[m] = max(mun_target[y, m] - B[y, m], 0.0)
        cut[y] = _sum8(x2)
        npv += (G[y] - cost[y]) * discount[y]
        if G[y] >= target[y]:
            hit[b, y] += 1
        for a in range(area.shape[0]):
            if area[a, y] >= area_target[a, y]:
                area_hit[b, a, y] += 1
    if 0 <= j < kept.benefit.shape[0]:
        _keep(j, npv, mdl, w, kept)
        return 0
    _stream(nnat, npv, w)
    return 1


# ---- the kernel ----------------------------------------------------------------------------------


def _unowned(context, builder, ty, value):  # pragma: no cover - compiled
    """An array value with the same data, shape and strides and no owner (no meminfo, no parent)."""
    ary = context.make_array(ty)(context, builder, value=value)
    ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
    ary.parent = cgutils.get_null_value(ary.parent.type)
    return ary._getvalue()


@intrinsic
def _borrowed(typingctx, tup):  # pragma: no cover - compiled
    """The tuple ``tup`` with each array replaced by a view of it that owns nothing (no meminfo).
    numba counts references to an array whenever a variable takes it (a tuple field read, an
    argument of a function inlined at its IR level, a view): an atomic update on the way in and on
    the way out, several hundred per draw in the stages, for arrays that live for the whole block
    anyway. Of an array without owner the count is a null test only. The caller keeps the owners
    alive (the arguments of :func:`_draws` are held by its caller) and hands these views to nothing
    that outlives the call."""

    def codegen(context, builder, sig, args):
        val = args[0]
        for k, mty in enumerate(sig.args[0].types):
            if isinstance(mty, types.Array):
                member = _unowned(context, builder, mty, builder.extract_value(val, k))
                val = builder.insert_value(val, member, k)
        return val

    return tup(tup), codegen


# error_model="numpy", as numba compiles the body of a prange loop: divisions need no zero checks
# (which would keep the loops over years from vectorising) and give what the loop's body gave
@nb.njit(nogil=True, cache=True, error_model="numpy")
def _draws(b, lo, hi, inp, mdl, lay, smp, kept, acc, scr, w_own):  # pragma: no cover - compiled
    """Draws lo <= d < hi into block b's accumulators, w_own the block's scratch. Every tuple is
    read through views that own nothing (:func:`_borrowed`): the owners are this function's
    arguments, alive until it returns."""
    inp, mdl, lay, smp = _borrowed(inp), _borrowed(mdl), _borrowed(lay), _borrowed(smp)
    kept, acc, scr, w = _borrowed(kept), _borrowed(acc), _borrowed(scr), _borrowed(w_own)
    # per-municipality and per-initiative counts: 16-bit, added into the block's histograms
    # before they can overflow (a quarter of the memory keeps the hot bins in cache). They come
    # zeroed, with empty spans, and are left so: one allocation serves every call.
    lmun, linit, mun_span, init_span = scr.lmun[b], scr.linit[b], scr.mun_span[b], scr.init_span[b]
    unspilled = 0
    nbuf = 0
    nnat = 0
    for d in range(lo, hi):
        if nbuf == 0:  # the inputs of the next NBUF draws
            sample_inputs(d, min(NBUF, hi - d), inp, smp, w)
        vals = w.valsB[nbuf]
        B = w.bufB[nbuf]
        evaluate(d, vals, inp, mdl, w, w.bufG[nbuf], B)
        nnat += record(b, d, nnat, vals, B, mdl, lay, w, kept, acc)
        nbuf += 1
        if nbuf == NBUF or d == hi - 1:
            _flush(b, nbuf, nnat, w, mdl.mun_target, lay, lmun, mun_span, linit, init_span, acc, scr.nat_span)
            unspilled += nbuf
            nbuf = 0
            nnat = 0
            if unspilled > SPILL_AFTER or d == hi - 1:
                _spill(b, lmun, mun_span, acc.mun_hist)
                _spill(b, linit, init_span, acc.init_hist)
                unspilled = 0


@nb.njit(nogil=True, cache=True, error_model="numpy")
def _block(b, lo, hi, inp, mdl, lay, smp, kept, acc, scr):  # pragma: no cover - compiled
    """Draws lo <= d < hi into block b's accumulators: a function of its own, called from the
    parallel loop, so that the stages may write through the tuples (numba issue 5872 loses
    such writes only in the body of a prange loop). It owns the block's scratch while
    :func:`_draws` runs."""
    w = _new_work(inp, mdl, smp, acc.nat_sum.shape[1])
    _draws(b, lo, hi, inp, mdl, lay, smp, kept, acc, scr, w)


@nb.njit(parallel=True, nogil=True, cache=True)
def simulate(d0, n, nblocks, inputs, model, layout, sampling, kept, acc, scratch):  # pragma: no cover - compiled
    """Simulate global draws [d0, d0 + n) in ``nblocks`` blocks run in parallel, each into its
    own accumulators (first axis of acc and scratch); the argument tuples are declared in
    simengine.core.contract. The body of the parallel loop reaches into no tuple (numba
    issue 5872): :func:`_block` does."""
    for b in nb.prange(nblocks):
        lo = d0 + (n * b) // nblocks
        hi = d0 + (n * (b + 1)) // nblocks
        # np.int64: the parallel loop's index is typed int64, then uint64 when the loop is
        # re-typed as a parfor; one type compiles _block (and all it inlines) once, not twice
        _block(np.int64(b), lo, hi, inputs, model, layout, sampling, kept, acc, scratch)
