"""The numba core: one call simulates a contiguous range of global draw indices.

The kernel never materialises the draws x initiatives x municipalities x years tensor. It
uses the separable structure of the model, G_dimy = A_di * a_diy * (w_im * rho_dim): per draw
it computes rho for each (initiative, municipality) once and adds A_di * a_diy times that vector
to the municipality-by-year totals of the draw.

Per-municipality, per-initiative and national values of ``NBUF`` consecutive draws are buffered
(draw-major: each draw writes contiguous memory) and then binned year by year, so the hot bins of
one year's histograms stay in cache. A value's bin is found from its float64 bit pattern (one
subtraction and one shift; layout in :mod:`simengine.model`). Counts go first into 16-bit
per-block arrays, added into the block's 32-bit histograms (only the bins touched) before they
can overflow. Hot loops index with unsigned integers where the index is data-dependent: numba
emits extra code for possibly negative signed indices.

Reproducibility: ``prange`` runs over ``nblocks`` contiguous sub-ranges, each with its own
accumulators; every uniform comes from a keyed counter-based stream of the *global* draw index;
per-draw values are written by draw index; histograms and sums are integers (sums in fixed
point, see :data:`simengine.model.FIXED_BITS`), so merging blocks, calls or workers in any
order gives bit-identical results for any thread count or chunking.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from simengine.distributions import BERNOULLI, FIXED, TABLE, sample, table_values
from simengine.model import HIST_SHIFT, NAT_HALF, NAT_SHIFT
from simengine.qmc import sobol_row, sobol_uniform
from simengine.rng import lhs_uniform, lhs_uniforms, ndtr, ndtri, uniform

_U_MIN = 2.0**-53

FIXED_LIMIT = 2.0**52  # a per-draw fixed-point value above this sets the overflow flag
NBUF = 256  # draws buffered before their values are binned
SPILL_AFTER = 2**16 - 1 - NBUF  # 16-bit counts are added into the histograms before they can overflow


_ABS_MASK = np.int64(0x7FFFFFFFFFFFFFFF)


@nb.njit(inline="always", cache=True)
def hist_bin(bits, lo_bits, nbins, shift=HIST_SHIFT):  # pragma: no cover - compiled
    """Bin of a float64 value given its bit pattern (as int64); see simengine.model."""
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
def _flush(b, nbuf, nnat, bufB, bufG, bufN, mun_target, mun_lo_bits, init_lo_bits, mun_inv_unit,
           mun_short_inv_unit, init_inv_unit, nat_lo_bits, nat_inv_unit, lmun, mun_lo, mun_hi, linit, init_lo,
           init_hi, kb, nat_hist, nat_span, mun_sum, mun_short_sum, init_sum, nat_sum, overflow):  # pragma: no cover - compiled
    """Bin and sum the values of the ``nbuf`` buffered draws, the national ones of the first
    ``nnat`` (buffers: draw first, so that every loop below runs along contiguous memory). Sums
    are integers: their order does not matter. The sums are branch free, so that they vectorise;
    a value over FIXED_LIMIT is counted (the run then fails) and its clamped contribution is
    never used."""
    Y, M = bufB.shape[1], bufB.shape[2]
    I = bufG.shape[2]
    bitsB = bufB.view(np.int64)  # the values' bit patterns, for their bins
    bitsG = bufG.view(np.int64)
    bitsN = bufN.view(np.int64)
    nbins = lmun.shape[2]
    ov = np.int64(0)
    # histogram by histogram (national) and year by year: the bins touched stay in cache
    for sr in range(bufN.shape[1]):
        s, lo, hi, o = _nat_count(bufN, bitsN, nnat, sr, nat_lo_bits, nat_inv_unit, nat_hist[b, sr],
                                  nat_span[b, 0, sr], nat_span[b, 1, sr])
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
    overflow[b] += ov


@nb.njit(inline="always", cache=True)
def local_execution(keys, d, lhs_n, lhs_half, lhs_mask, code, par, tab, ub, tails, eps):  # pragma: no cover - compiled
    """eps[m]: the local execution factor of draw d in every municipality (keys[m] its stream).
    Uniforms first (a vectorisable loop), then their quantiles (``tails``: scratch)."""
    M = keys.shape[0]
    if lhs_n > 0:  # every stream at draw d (the permutations' scratch: ub itself and tails)
        lhs_uniforms(keys, 1, d, 0, M, lhs_n, lhs_half, lhs_mask, ub, ub.view(np.uint64), tails)
    else:
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
    BLAS so that results do not depend on the BLAS build). A function of its own so that LLVM
    vectorises the inner loop."""
    I, Y = coefs.shape
    M = X.shape[1]
    for y in range(Y):
        for m in range(M):
            B[y, m] = 0.0
    for i in range(I):
        for y in range(Y):
            c = coefs[i, y]
            if c > 0.0:
                for m in range(M):
                    B[y, m] += c * X[i, m]


@nb.njit(parallel=True, nogil=True, cache=True)
def simulate(d0, n, nblocks,
             # inputs
             in_code, in_par, in_tab, in_key, tables,
             cap_code, cap_par, cap_tab, cap_key, size_eff,
             loc_code, loc_par, loc_tab, loc_key,
             # model
             w0, gain, start, channel, investment, running, area_of, weights,
             years, year_mid, discount, target, mun_target,
             ret_share, ret_years, uplift, n_areas,
             # histogram / fixed point layout
             mun_lo_bits, init_lo_bits, mun_inv_unit, mun_short_inv_unit, init_inv_unit, nat_lo_bits, nat_inv_unit,
             area_target,
             golive_origin, golive_per_year,
             # sampling: Latin hypercube over lhs_n draws (0 = plain random); Gaussian copula
             lhs_n, lhs_half, lhs_mask, corr_idx, corr_factor,
             # [model] choices, common shocks, dependencies (simengine.model.Plan)
             timing_component, real_mean, real_tab, ramp_base, dep_of, dep_lag, order,
             shock_key, sh_in, sh_of, sh_a, sh_b,
             # randomised quasi-Monte Carlo (simengine.qmc): Sobol' dimension of each input and shock,
             # scrambled direction numbers and shift (no rows: not qmc)
             qmc_in, qmc_sh, qmc_sv, qmc_shift,
             # per-draw outputs kept for draws out_d0 <= d < out_d0 + len(out_benefit)
             out_d0, out_benefit, out_cost, out_area, out_central, out_cut, out_regime_benefit, out_npv,
             out_potential, out_area_potential,
             # inputs of the same kept draws (first rows), for sensitivity analysis
             inputs_out,
             # accumulators, first axis = block
             mun_hist, init_hist, nat_hist, golive_hist, mun_sum, mun_short_sum, init_sum, nat_sum, hit, area_hit,
             init_pot_sum, overflow,
             # scratch, first axis = block (see new_scratch in simengine.engine)
             lmun_all, linit_all, mun_span_all, init_span_all, nat_span):  # pragma: no cover
    n_in = in_code.shape[0]
    I = gain.shape[0]
    M = size_eff.shape[0]
    Y = years.shape[0]
    ngolive = golive_hist.shape[2]
    n_store_in = inputs_out.shape[0]
    n_keep = out_benefit.shape[0]
    nc = corr_idx.shape[0]
    n_series = nat_sum.shape[1]
    nv = (n_in - 2) // I if I > 0 else 0
    n_real = real_tab.shape[0] - 1
    ns = shock_key.shape[0]
    nh = sh_in.shape[0]
    nq = qmc_shift.shape[0]
    ltab = tables[loc_tab]
    ctab = tables[cap_tab]
    for b in nb.prange(nblocks):
        lo = d0 + (n * b) // nblocks
        hi = d0 + (n * (b + 1)) // nblocks
        valsB = np.empty((NBUF, n_in))
        valsT = np.empty((n_in, NBUF))
        tmp = np.empty(NBUF)
        zc = np.empty(nc)
        X = np.empty((I, M))
        coefs = np.empty((I, Y))
        cap = np.empty(M)
        ub = np.empty(M)
        tails = np.empty(max(M, NBUF), np.int64)
        eps = np.empty(M)
        x2 = np.empty(M)
        sme = np.empty(M)
        zs = np.empty(max(ns, 1))
        gl = np.empty(I)
        pot = np.empty(Y)
        apot = np.empty((n_areas, Y))
        G = np.empty(Y)
        Gret = np.empty(Y)
        cen = np.empty(Y)
        cost = np.empty(Y)
        area = np.empty((n_areas, Y))
        bufB = np.empty((NBUF, Y, M))
        bufG = np.empty((NBUF, Y, I))
        bufN = np.empty((NBUF, n_series))
        # per-municipality and per-initiative counts: 16-bit, added into the block's histograms
        # before they can overflow (a quarter of the memory keeps the hot bins in cache). They
        # come zeroed, with empty spans, and are left so: one allocation serves every call.
        lmun = lmun_all[b]
        linit = linit_all[b]
        mun_lo = mun_span_all[b, 0]
        mun_hi = mun_span_all[b, 1]
        init_lo = init_span_all[b, 0]
        init_hi = init_span_all[b, 1]
        kb = np.empty(max(M, I), np.uint64)
        kb2 = np.empty(M, np.uint64)
        xs = np.empty(NBUF, np.uint64)
        fr2 = np.empty(M)
        unspilled = 0
        nbuf = 0
        nnat = 0
        for d in range(lo, hi):
            j = d - out_d0
            keep = 0 <= j < n_keep
            if nbuf == 0:
                # sample the per-draw inputs of the next NBUF draws input by input (rows of valsT:
                # contiguous, the uniforms vectorise), then transpose to one row per draw
                nb_ = min(NBUF, hi - d)
                for k in range(n_in):
                    if in_code[k] != FIXED:
                        key = in_key[k]
                        row = valsT[k]
                        if lhs_n > 0:  # one stream over the next nb_ draws
                            lhs_uniforms(in_key[k:k + 1], 0, d, 1, nb_, lhs_n, lhs_half, lhs_mask, row, xs, tails)
                        elif nq > 0:
                            q = qmc_in[k]
                            sobol_row(qmc_sv[q], qmc_shift[q], d, nb_, row)
                        else:
                            for kk in range(nb_):
                                row[kk] = uniform(key, d + kk)
                if nc > 0:  # Gaussian copula: correlate the uniforms of the inputs in corr_idx
                    for kk in range(nb_):
                        for c in range(nc):
                            zc[c] = ndtri(valsT[corr_idx[c], kk])
                        for c in range(nc):
                            z = 0.0
                            for l2 in range(nc):
                                z += corr_factor[c, l2] * zc[l2]
                            valsT[corr_idx[c], kk] = min(max(ndtr(z), _U_MIN), 1.0 - _U_MIN)
                if nh > 0:  # common shocks: z' = sqrt(l) z_shock + sqrt(1 - l) z, in [[shocks]] order
                    for kk in range(nb_):
                        for s in range(ns):
                            if lhs_n > 0:
                                zs[s] = ndtri(lhs_uniform(shock_key[s], d + kk, lhs_n, lhs_half, lhs_mask))
                            elif nq > 0:
                                q = qmc_sh[s]
                                zs[s] = ndtri(sobol_uniform(qmc_sv[q], qmc_shift[q], d + kk))
                            else:
                                zs[s] = ndtri(uniform(shock_key[s], d + kk))
                        for h in range(nh):
                            k = sh_in[h]
                            z = sh_a[h] * zs[sh_of[h]] + sh_b[h] * ndtri(valsT[k, kk])
                            valsT[k, kk] = min(max(ndtr(z), _U_MIN), 1.0 - _U_MIN)
                for k in range(n_in):
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
                for kk in range(nb_):
                    for k in range(n_in):
                        valsB[kk, k] = valsT[k, kk]
            vals = valsB[nbuf]
            if 0 <= j < n_store_in:
                for k in range(n_in):
                    inputs_out[j, k] = vals[k]
            W = vals[0]
            E = vals[1]
            kappa_ch = min(max((1.0 - W) / (1.0 - w0), 0.0), 1.0)
            local_execution(cap_key, d, lhs_n, lhs_half, lhs_mask, cap_code, cap_par, ctab, ub, tails, cap)
            if real_mean:  # cap: the spread C alone; sme: the mean's municipal factor s (1 - E)
                for m in range(M):
                    sme[m] = size_eff[m] * (1.0 - E)
            else:
                for m in range(M):
                    cap[m] = size_eff[m] * cap[m] * (1.0 - E)
            G[:] = 0.0
            Gret[:] = 0.0
            cen[:] = 0.0
            cost[:] = 0.0
            area[:, :] = 0.0
            pot[:] = 0.0
            apot[:, :] = 0.0
            ovp = 0
            for ii in range(I):  # go-live times: a dependency's first (order)
                i = order[ii]
                o = 2 + i * nv
                S = vals[o + 1]
                BL = vals[o + 2] * vals[o + 3]
                g = start[i] + max(S, BL) if timing_component else start[i] + S + BL
                if dep_of[i] >= 0:
                    g = max(g, gl[dep_of[i]] + dep_lag[i])
                gl[i] = g
            for i in range(I):
                o = 2 + i * nv
                F = vals[o]
                T = vals[o + 4]
                Q = vals[o + 5]
                U = vals[o + 6]
                R = vals[o + 7]
                K = vals[o + 8]
                r = vals[o + 9]
                g = gl[i]
                rb = ramp_base[i]
                kap = kappa_ch if channel[i] > 0.0 else 1.0
                Ai = gain[i] * F * (1.0 - T * Q)
                r2 = min(r * (1.0 + uplift), 1.0)
                local_execution(loc_key[i], d, lhs_n, lhs_half, lhs_mask, loc_code, loc_par, ltab, ub, tails, eps)
                Xi = X[i]
                if real_mean:  # rho = min(a(mu) C eps, 1), mean mu = r s (1 - E) exactly
                    # table cells of both regimes (vectorises), the reads of both in one loop
                    # (two independent chains), then rho (vectorises); r2 == r (no incentive
                    # uplift) gives the same cell and the same value
                    for m in range(M):
                        pos = r * sme[m] * n_real
                        kr = min(int(pos), n_real - 1)
                        kb[m] = np.uint64(kr)
                        x2[m] = pos - kr
                        pos = r2 * sme[m] * n_real
                        kr = min(int(pos), n_real - 1)
                        kb2[m] = np.uint64(kr)
                        fr2[m] = pos - kr
                    for m in range(M):
                        t0 = real_tab[kb[m]]
                        Xi[m] = t0 + x2[m] * (real_tab[kb[m] + np.uint64(1)] - t0)
                        t1 = real_tab[kb2[m]]
                        x2[m] = t1 + fr2[m] * (real_tab[kb2[m] + np.uint64(1)] - t1)
                    for m in range(M):
                        v = cap[m] * eps[m]
                        w = weights[i, m]
                        Xi[m] = w * min(Xi[m] * v, 1.0)
                        x2[m] = w * min(x2[m] * v, 1.0)
                else:
                    for m in range(M):  # element-wise (vectorised); the sums follow in a fixed order
                        base = cap[m] * eps[m]
                        w = weights[i, m]
                        Xi[m] = w * min(max(r * base, 0.0), 1.0)
                        x2[m] = w * min(max(r2 * base, 0.0), 1.0)
                s1 = _sum8(Xi)
                s2 = _sum8(x2)
                gk = int(math.floor((g - golive_origin) * golive_per_year))
                gk = min(max(gk, 0), ngolive - 1)
                golive_hist[b, i, gk] += 1
                go_year = math.floor(g)
                for y in range(Y):  # branch free, so that it vectorises; a zero coefficient adds +0.0
                    x = (year_mid[y] - g) / R
                    ramp = min(x, 1.0)
                    ramp = ramp if rb == 0.0 else (rb + (1.0 - rb) * ramp if x > 0.0 else 0.0)
                    ad = kap * U * ramp
                    coef = Ai * ad if ad > 0.0 else 0.0
                    coefs[i, y] = coef
                    gi = coef * s1
                    G[y] += gi
                    area[area_of[i], y] += gi
                    gr = coef * s2
                    Gret[y] += gr
                    ov = max(min(years[y] + 1.0, g + ret_years) - max(float(years[y]), g), 0.0)
                    cen[y] += gr * (1.0 - ret_share * ov)
                    bufG[nbuf, y, i] = gi
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
                iu = init_inv_unit[i]
                for y in range(Y):
                    c = coefs[i, y]
                    pot[y] += c
                    apot[ai, y] += c
                    fp = c * iu
                    ovp += fp > FIXED_LIMIT
                    init_pot_sum[b, y, i] += np.int64(min(fp, FIXED_LIMIT) + 0.5)
            overflow[b] += ovp
            B = bufB[nbuf]
            _municipality_totals(coefs, X, B)
            npv = 0.0
            A = n_areas
            for y in range(Y):
                for m in range(M):
                    x2[m] = max(mun_target[y, m] - B[y, m], 0.0)
                cut = _sum8(x2)
                npv += (G[y] - cost[y]) * discount[y]
                if G[y] >= target[y]:
                    hit[b, y] += 1
                for a in range(A):
                    if area[a, y] >= area_target[a, y]:
                        area_hit[b, a, y] += 1
                if keep:
                    out_benefit[j, y] = G[y]
                    out_cost[j, y] = cost[y]
                    for a in range(A):
                        out_area[j, a, y] = area[a, y]
                    out_central[j, 0, y] = target[y]
                    out_central[j, 1, y] = G[y]
                    out_central[j, 2, y] = cen[y]
                    out_cut[j, 0, y] = cut
                    out_cut[j, 1, y] = 0.0
                    out_cut[j, 2, y] = 0.0
                    out_regime_benefit[j, 0, y] = G[y]
                    out_regime_benefit[j, 1, y] = G[y]
                    out_regime_benefit[j, 2, y] = Gret[y]
                    out_potential[j, y] = pot[y]
                    for a in range(A):
                        out_area_potential[j, a, y] = apot[a, y]
                else:  # national series, in the order of simengine.model.national_series
                    bufN[nnat, y] = G[y]
                    bufN[nnat, Y + y] = G[y] - cost[y]
                    bufN[nnat, 2 * Y + y] = cost[y]
                    for a in range(A):
                        bufN[nnat, 3 * Y + a * Y + y] = area[a, y]
                    so = 3 * Y + A * Y
                    bufN[nnat, so + y] = cen[y]
                    bufN[nnat, so + Y + y] = cut
                    bufN[nnat, so + 2 * Y + y] = Gret[y]
                    bufN[nnat, so + 3 * Y + y] = pot[y]
            # a kept draw's national series are binned from its kept values when needed
            # (simengine.engine.RawResults.national): the kernel streams only the others
            if keep:
                out_npv[j] = npv
            else:
                bufN[nnat, n_series - 1] = npv
                nnat += 1
            nbuf += 1
            if nbuf == NBUF or d == hi - 1:
                _flush(b, nbuf, nnat, bufB, bufG, bufN, mun_target, mun_lo_bits, init_lo_bits,
                       mun_inv_unit, mun_short_inv_unit, init_inv_unit, nat_lo_bits, nat_inv_unit, lmun, mun_lo,
                       mun_hi, linit, init_lo, init_hi, kb, nat_hist, nat_span, mun_sum, mun_short_sum, init_sum,
                       nat_sum, overflow)
                unspilled += nbuf
                nbuf = 0
                nnat = 0
                if unspilled > SPILL_AFTER or d == hi - 1:
                    _spill(b, lmun, mun_span_all[b], mun_hist)
                    _spill(b, linit, init_span_all[b], init_hist)
                    unspilled = 0
