"""The numba core: one call simulates a contiguous range of global draw indices.

The kernel never materialises the draws x initiatives x municipalities x years tensor. It
uses the separable structure of the model: G_dimy = A_di * a_diy * (w_im * rho_dim), so per
draw it computes rho for each (initiative, municipality) once and adds A_di*a_diy times that
vector to the municipality-by-year totals.

Reproducibility: ``prange`` runs over ``nblocks`` contiguous sub-ranges, each with its own
accumulators; every uniform comes from a keyed counter-based stream of the *global* draw
index; per-draw values are written by draw index; histograms and sums are integers (sums are
in fixed point, see :data:`simengine.model.FIXED_BITS`), so merging blocks, calls or workers in
any order gives bit-identical results for any thread count or chunking.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from simengine.distributions import sample
from simengine.rng import uniform

FIXED_LIMIT = 2.0**52  # per-draw fixed-point value above this sets the overflow flag


@nb.njit(inline="always", cache=True)
def hist_bin(v, log_lo, inv_step, nbins):  # pragma: no cover - compiled
    if v <= 0.0:
        return 0
    lv = math.log(v)
    if lv < log_lo:
        return 1
    k = 2 + int((lv - log_lo) * inv_step)
    if k > nbins - 1:
        k = nbins - 1
    return k


@nb.njit(parallel=True, nogil=True, cache=True, fastmath=False)
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
             mun_log_lo, init_log_lo, inv_step, mun_inv_unit, init_inv_unit,
             golive_origin, golive_per_year,
             # per-draw outputs (chunk-local, index d - d0)
             out_benefit, out_cost, out_area, out_central, out_cut, out_regime_benefit, out_npv,
             # first draws' inputs (global index d < inputs_out.shape[0])
             inputs_out,
             # accumulators, first axis = block
             mun_hist, init_hist, golive_hist, mun_sum, mun_short_sum, init_sum, overflow):  # pragma: no cover
    n_in = in_code.shape[0]
    I = gain.shape[0]
    M = size_eff.shape[0]
    Y = years.shape[0]
    nbins = mun_hist.shape[3]
    ngolive = golive_hist.shape[2]
    n_store_in = inputs_out.shape[0]
    nv = (n_in - 2) // I if I > 0 else 0
    for b in nb.prange(nblocks):
        lo = d0 + (n * b) // nblocks
        hi = d0 + (n * (b + 1)) // nblocks
        vals = np.empty(n_in)
        cap = np.empty(M)
        x = np.empty(M)
        B = np.empty((Y, M))
        G = np.empty(Y)
        Gret = np.empty(Y)
        cen = np.empty(Y)
        cost = np.empty(Y)
        area = np.empty((n_areas, Y))
        for d in range(lo, hi):
            j = d - d0
            for k in range(n_in):
                u = uniform(in_key[k], d)
                vals[k] = sample(in_code[k], in_par[k, 0], in_par[k, 1], in_par[k, 2], tables[in_tab[k]], u)
            if d < n_store_in:
                for k in range(n_in):
                    inputs_out[d, k] = vals[k]
            W = vals[0]
            E = vals[1]
            kappa_ch = (1.0 - W) / (1.0 - w0)
            if kappa_ch > 1.0:
                kappa_ch = 1.0
            if kappa_ch < 0.0:
                kappa_ch = 0.0
            for m in range(M):
                u = uniform(cap_key[m], d)
                cap[m] = size_eff[m] * sample(cap_code, cap_par[0], cap_par[1], cap_par[2], tables[cap_tab], u) * (1.0 - E)
            B[:, :] = 0.0
            G[:] = 0.0
            Gret[:] = 0.0
            cen[:] = 0.0
            cost[:] = 0.0
            area[:, :] = 0.0
            for i in range(I):
                o = 2 + i * nv
                F = vals[o]
                S = vals[o + 1]
                Bl = vals[o + 2]
                L = vals[o + 3]
                T = vals[o + 4]
                Q = vals[o + 5]
                U = vals[o + 6]
                R = vals[o + 7]
                K = vals[o + 8]
                r = vals[o + 9]
                g = start[i] + S + Bl * L
                kap = kappa_ch if channel[i] > 0.0 else 1.0
                Ai = gain[i] * F * (1.0 - T * Q)
                r2 = r * (1.0 + uplift)
                if r2 > 1.0:
                    r2 = 1.0
                s1 = 0.0
                s2 = 0.0
                ltab = tables[loc_tab]
                for m in range(M):
                    u = uniform(loc_key[i, m], d)
                    base = cap[m] * sample(loc_code, loc_par[0], loc_par[1], loc_par[2], ltab, u)
                    rho = r * base
                    rho = min(max(rho, 0.0), 1.0)
                    rho2 = min(max(r2 * base, 0.0), 1.0)
                    x[m] = weights[i, m] * rho
                    s1 += x[m]
                    s2 += weights[i, m] * rho2
                gk = int(math.floor((g - golive_origin) * golive_per_year))
                if gk < 0:
                    gk = 0
                if gk > ngolive - 1:
                    gk = ngolive - 1
                golive_hist[b, i, gk] += 1
                go_year = math.floor(g)
                for y in range(Y):
                    ramp = (year_mid[y] - g) / R
                    if ramp > 1.0:
                        ramp = 1.0
                    ad = kap * U * ramp
                    gi = 0.0
                    if ad > 0.0:
                        coef = Ai * ad
                        gi = coef * s1
                        G[y] += gi
                        area[area_of[i], y] += gi
                        for m in range(M):
                            B[y, m] += coef * x[m]
                        gr = coef * s2
                        Gret[y] += gr
                        ov = min(years[y] + 1.0, g + ret_years) - max(float(years[y]), g)
                        if ov < 0.0:
                            ov = 0.0
                        cen[y] += gr * (1.0 - ret_share * ov)
                    init_hist[b, y, i, hist_bin(gi, init_log_lo[i], inv_step, nbins)] += 1
                    fx = gi * init_inv_unit[i]
                    if fx > FIXED_LIMIT:
                        overflow[b] += 1
                    else:
                        init_sum[b, y, i] += np.int64(fx + 0.5)
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
            npv = 0.0
            for y in range(Y):
                cut = 0.0
                for m in range(M):
                    v = B[y, m]
                    mun_hist[b, y, m, hist_bin(v, mun_log_lo[m], inv_step, nbins)] += 1
                    fx = v * mun_inv_unit[m]
                    short = mun_target[y, m] - v
                    if short > 0.0:
                        cut += short
                        fs = short * mun_inv_unit[m]
                        if fs > FIXED_LIMIT:
                            overflow[b] += 1
                        else:
                            mun_short_sum[b, y, m] += np.int64(fs + 0.5)
                    if fx > FIXED_LIMIT:
                        overflow[b] += 1
                    else:
                        mun_sum[b, y, m] += np.int64(fx + 0.5)
                out_benefit[j, y] = G[y]
                out_cost[j, y] = cost[y]
                for a in range(n_areas):
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
                npv += (G[y] - cost[y]) * discount[y]
            out_npv[j] = npv
