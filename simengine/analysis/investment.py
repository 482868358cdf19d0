"""Staff freed per krone invested, and retention against realised: what a scenario whose question
is freed hands (scenarios/2030.toml) can answer from its own figures.

Per draw d whose inputs are kept (the first ``min(kept draws, stored inputs)``):

* investment I_d = Σ_i investment_i · K_id, the initiatives' one-off investments with their cost
  overrun (DKK; the whole investment, whenever it is spent: Σ_m w_im = 1);
* FTE freed in year y under a regime: regime_benefit_dy / cost_per_fte, the gross gain of the
  regime in årsværk (``realised``: G; ``retention``: G' with the incentive's lifted realisation;
  docs/model.md, "Budget regimes"). Freed hands count whether the unit keeps them (retention) or
  they are taken out of its budget. The regimes counted are those that cut no services
  (``structure.FTE_REGIMES``, from the regimes' declarations: realised and retention);
* FTE freed per mio. DKK invested: FTE_dy / (I_d / 10^6).

Outputs (results.nc) over ``fte_regime`` = ``FTE_REGIMES`` and ``invest_quantile`` =
[0.1, 0.5, 0.9]: ``fte_freed_quantile``, ``fte_freed_mean``, ``fte_per_invested_quantile``,
``fte_per_invested_mean`` (the ratio of the means, FTE per mio. DKK), ``fte_retention_gain_quantile``
and ``_mean`` (retention minus realised, draw by draw, FTE: ``structure.FTE_GAIN_PAIR``, the first
counted regime whose gross gain is a series of its own minus the first whose gross gain is the
simulated gain), ``investment_total_quantile`` and
``_mean`` (DKK). Only for a scenario with a cost per FTE and some investment.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from simengine.analysis.varspecs import batch, label_coords, put
from simengine.model.structure import FTE_GAIN_PAIR, FTE_REGIMES

LEVELS = (0.1, 0.5, 0.9)


def per_draw(raw) -> dict | None:
    """Investment (n,) and FTE freed (n, len(FTE_REGIMES), Y) per kept draw; None when the scenario has no investment,
    no cost per FTE or no kept inputs."""
    from simengine.model.plan import INITIATIVE_VARS, N_NATIONAL, REGIMES

    plan = raw.plan
    sc = plan.scenario
    cpf = float(sc.cost_per_fte)
    if not cpf > 0 or not float(np.sum(plan.investment)) > 0:
        return None
    n = min(len(raw.inputs), len(raw.benefit))
    if n < 2:
        return None
    I = len(plan.gain)
    iv = raw.inputs[:n, N_NATIONAL:].reshape(n, I, len(INITIATIVE_VARS))
    overrun = iv[:, :, INITIATIVE_VARS.index("overrun")]
    invest = (plan.investment[None, :] * overrun).sum(axis=1)
    rb = np.asarray(raw.regime_benefit[:n], dtype=float)
    fte = np.stack([rb[:, REGIMES.index(r), :] for r in FTE_REGIMES], axis=1) / cpf
    return {"draws": n, "investment": invest, "fte": fte}


def add_investment(ds: xr.Dataset, raw) -> xr.Dataset:
    pd_ = per_draw(raw)
    if pd_ is None:
        return ds
    n, inv, fte = pd_["draws"], pd_["investment"], pd_["fte"]
    q = np.array(LEVELS)
    how = f"over the first {n:,} draws (those whose inputs are kept)" if n < raw.draws else "exact over all draws"
    per = fte / (inv[:, None, None] / 1e6)
    ds = ds.assign_coords(fte_regime=list(FTE_REGIMES), invest_quantile=q)
    label_coords(ds, names=["fte_regime", "invest_quantile"])

    run = {"method": how, "draws": n, "cost_per_fte": float(raw.plan.scenario.cost_per_fte)}
    with batch(ds) as new:
        put(new, "fte_freed_quantile", np.quantile(fte, q, axis=0).transpose(1, 0, 2), dtype=float, **run)
        put(new, "fte_freed_mean", fte.mean(axis=0), dtype=float, **run)
        put(new, "fte_per_invested_quantile", np.quantile(per, q, axis=0).transpose(1, 0, 2), dtype=float, **run)
        put(new, "fte_per_invested_mean", fte.mean(axis=0) / (inv.mean() / 1e6), dtype=float, **run)
        if FTE_GAIN_PAIR is not None:
            a, b = (FTE_REGIMES.index(r) for r in FTE_GAIN_PAIR)
            diff = fte[:, a, :] - fte[:, b, :]
            put(new, "fte_retention_gain_quantile", np.quantile(diff, q, axis=0), dtype=float, **run)
            put(new, "fte_retention_gain_mean", diff.mean(axis=0), dtype=float, **run)
        put(new, "investment_total_quantile", np.quantile(inv, q), dtype=float, **run)
        put(new, "investment_total_mean", inv.mean(), dtype=float, **run)
    return ds
