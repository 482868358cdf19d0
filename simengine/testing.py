"""A plain, vectorised numpy implementation of the risk model (docs/model.md), written for clarity.

``from simengine.testing import simulate_reference_chunked``; benchmarks/reference_numpy.py
re-exports it.

Two uses:
* the correctness reference for the numba kernel: same keyed uniforms (``uniforms_numpy``), but
  exact ``scipy.stats`` quantile functions instead of the kernel's quantile tables, and the
  equations written out over whole arrays;
* the "obvious alternative" the kernel's speed is compared with in the benchmarks.

It materialises (draws, initiatives, municipalities) and (draws, years, municipalities) arrays,
so run it in chunks of a few hundred draws.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from simengine.model.distributions import mean_preserving_scale
from simengine.model.plan import Plan
from simengine.model.qmc import replicated_uniforms
from simengine.model.rng import uniforms_numpy
from simengine.model.structure import INITIATIVE_VARS, N_NATIONAL, NATIONAL_VARS, REGIME_RULES, REGIME_VARS, REGIMES

_U_MIN = 2.0**-53


def _u(z: np.ndarray) -> np.ndarray:
    return np.clip(special.ndtr(z), _U_MIN, 1.0 - _U_MIN)


def simulate_reference(plan: Plan, draws: np.ndarray) -> dict[str, np.ndarray]:
    sc = plan.scenario
    d = np.asarray(draws, dtype=np.int64)
    n = len(d)
    I, _M, Y = len(plan.gain), len(plan.size_effect), len(plan.years)

    # per-draw inputs, exact inverse transform
    U = uniforms_numpy(plan.in_key, d)  # (n_in, n)
    Q = None
    if len(plan.qmc_shift):  # sampling = "qmc": replicated Sobol' points (simengine.model.qmc)
        Q = replicated_uniforms(sc.seed, len(plan.qmc_shift), d, plan.qmc_rep_bits)
        on = plan.qmc_in >= 0
        U[on] = Q[plan.qmc_in[on]]
    if len(plan.corr_idx):  # [[correlations]]: Gaussian copula, z' = A z
        Z = special.ndtri(U[plan.corr_idx])
        U[plan.corr_idx] = _u(plan.corr_factor @ Z)
    if len(plan.sh_in):  # [[shocks]] in order: z' = sqrt(loading) z_shock + sqrt(1 - loading) z
        Zs = special.ndtri(uniforms_numpy(plan.shock_key, d) if Q is None else Q[plan.qmc_sh])  # (S, n)
        for k, s, a, b in zip(plan.sh_in, plan.sh_of, plan.sh_a, plan.sh_b):
            U[k] = _u(a * Zs[s] + b * special.ndtri(U[k]))
    vals = np.empty_like(U)
    for k, dist in enumerate(plan.input_dists):
        vals[k] = dist.ppf(U[k])
    nat = dict(zip(NATIONAL_VARS, vals[:N_NATIONAL]))  # each (n,)
    W, E = nat["weak_share"], nat["economic_pressure"]
    iv = dict(zip(INITIATIVE_VARS, np.moveaxis(vals[N_NATIONAL:].reshape(I, -1, n), 1, 0).transpose(0, 2, 1)))
    F, S, Bl, L = iv["estimate_factor"], iv["delay"], iv["legislation"], iv["legislation_delay"]  # each (n, I)
    T, Q, Uad, R = iv["technology"], iv["technology_loss"], iv["adoption"], iv["ramp"]
    K, r = iv["overrun"], iv["realisation"]

    # go-live: [model] timing, then the dependencies (go-live >= the other's + lag)
    if sc.timing == "component":
        g = plan.start[None, :] + np.maximum(S, Bl * L)  # (n, I)
    else:
        g = plan.start[None, :] + S + Bl * L
    for i in plan.order:
        if plan.dep_of[i] >= 0:
            g[:, i] = np.maximum(g[:, i], g[:, plan.dep_of[i]] + plan.dep_lag[i])
    # adoption: ramp-up from the baseline share b at go-live, b + (1 - b) min(x, 1) for x > 0
    kappa_ch = np.clip((1 - W) / (1 - sc.assumed_weak_share), 0, 1)  # (n,)
    kappa = np.where(plan.channel[None, :] > 0, kappa_ch[:, None], 1.0)
    x = (plan.year_mid[None, None, :] - g[:, :, None]) / R[:, :, None]  # (n, I, Y)
    b = plan.ramp_base[None, :, None]
    ramp = np.where(x > 0, b + (1 - b) * np.clip(x, 0, 1), 0.0)
    a = kappa[:, :, None] * Uad[:, :, None] * ramp

    # local realisation
    cap_u = uniforms_numpy(plan.cap_key, d)  # (M, n)
    C = plan.size_effect[None, :] * plan.cap_dist.ppf(cap_u).T  # (n, M)
    eps = plan.loc_dist.ppf(uniforms_numpy(plan.loc_key, d))  # (I, M, n)
    eps = np.moveaxis(eps, -1, 0)  # (n, I, M)
    r_ret = np.minimum(r * (1 + sc.incentive_uplift), 1.0)
    if sc.realisation == "mean-preserving":  # rho = min(a(mu) C eps, 1), E[rho] = mu = r s (1 - E)
        sigma = np.hypot(sc.capacity_spread, sc.local_spread)
        V = plan.cap_dist.ppf(cap_u).T[:, None, :] * eps  # (n, I, M)
        sme = plan.size_effect[None, None, :] * (1 - E)[:, None, None]
        rho = np.minimum(mean_preserving_scale(r[:, :, None] * sme, sigma) * V, 1.0)
        rho_ret = np.minimum(mean_preserving_scale(r_ret[:, :, None] * sme, sigma) * V, 1.0)
    else:
        base = C[:, None, :] * (1 - E)[:, None, None] * eps
        rho = np.clip(r[:, :, None] * base, 0, 1)
        rho_ret = np.clip(r_ret[:, :, None] * base, 0, 1)

    # gross benefit G_dimy = gain_i w_im F_di a_diy (1 - T Q) rho_dim
    amp = plan.gain[None, :] * F * (1 - T * Q)  # (n, I)
    x = plan.weights[None, :, :] * rho  # (n, I, M)  (x reused: the ramp's is no longer needed)
    mun = np.einsum("ni,niy,nim->nym", amp, a, x)  # (n, Y, M)
    init = amp[:, :, None] * a * x.sum(axis=2)[:, :, None]  # (n, I, Y)
    pot_init = amp[:, :, None] * a  # potential: before local realisation (n, I, Y)
    potential = pot_init.sum(axis=1)
    area_pot = np.zeros((n, len(sc.areas), Y))
    for i in range(I):
        area_pot[:, plan.area_of[i], :] += pot_init[:, i, :]
    benefit = init.sum(axis=1)  # (n, Y)
    area = np.zeros((n, len(sc.areas), Y))
    for i in range(I):
        area[:, plan.area_of[i], :] += init[:, i, :]
    init_ret = amp[:, :, None] * a * (plan.weights[None] * rho_ret).sum(axis=2)[:, :, None]

    # costs
    yrs = plan.years[None, None, :].astype(float)
    go_year = np.floor(g)[:, :, None]
    st = plan.start[None, :, None]
    running = np.where(yrs >= go_year, plan.running[None, :, None], 0.0)
    same = go_year <= st
    spread = np.where(
        same,
        np.where(yrs == st, 1.0, 0.0),
        np.where((yrs >= st) & (yrs < go_year), 1.0 / np.maximum(go_year - st, 1.0), 0.0),
    )
    cost_i = K[:, :, None] * (running + plan.investment[None, :, None] * spread)
    cost = cost_i.sum(axis=1)

    # regimes
    overlap = np.clip(np.minimum(yrs + 1, g[:, :, None] + sc.retention_years) - np.maximum(yrs, g[:, :, None]), 0, None)
    central_ret = (init_ret * (1 - sc.retention_share * overlap)).sum(axis=1)
    cut_pre = np.maximum(0.0, plan.mun_target[None, :, :] - mun).sum(axis=2)
    # each regime's slice as declared: the formula of its own (as the kernel's), or the target, gain or 0
    own = {"central_gain": central_ret, "service_cut": cut_pre, "regime_benefit": init_ret.sum(axis=1)}
    rule = {"target": np.broadcast_to(plan.target, (n, Y)), "benefit": benefit, "zero": np.zeros((n, Y))}
    per_regime = {
        v: np.stack([rule[REGIME_RULES[v, r]] if (v, r) in REGIME_RULES else own[v] for r in REGIMES], axis=1)
        for v in REGIME_VARS
    }
    npv = ((benefit - cost) * plan.discount[None, :]).sum(axis=1)
    return {
        "benefit": benefit,
        "cost": cost,
        "area_benefit": area,
        **per_regime,
        "npv": npv,
        "municipality": mun,
        "initiative": init,
        "golive": g,
        "municipality_shortfall": np.maximum(0.0, plan.mun_target[None, :, :] - mun),
        "inputs": vals.T,
        "potential": potential,
        "area_potential": area_pot,
        "initiative_potential": pot_init,
    }


def simulate_reference_chunked(plan: Plan, n: int, chunk: int = 256, keep_cells: bool = False) -> dict[str, np.ndarray]:
    """Reference over draws 0..n-1 in chunks; per-municipality/initiative arrays only if asked."""
    parts: dict[str, list[np.ndarray]] = {}
    for s in range(0, n, chunk):
        res = simulate_reference(plan, np.arange(s, min(n, s + chunk)))
        for k, v in res.items():
            if keep_cells or k not in (
                "municipality",
                "initiative",
                "municipality_shortfall",
                "inputs",
                "initiative_potential",
            ):
                parts.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in parts.items()}
