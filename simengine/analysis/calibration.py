"""The calibration check on the bases the evidence is measured on.

``realised_promised_ratio`` (simengine.analysis.potential) is mean G_y / Σ_i gain_i: the whole promise,
delivered or not, at a calendar date. The evidence behind a scenario's ``calibration_band`` is
usually of another kind: realised against planned gains of *completed* projects (e.g. Rigsrevisionen's
44 completed state IT projects), or of a programme measured at its end. Two more readings of the
same draws make the check compare like with like (docs/model.md, "Calibration check"):

* ``realised_delivered_ratio`` (year): mean G_y / mean D_y, D_y = Σ_i gain_i · clip(y + 1 − g_i, 0, 1),
  the business cases of the initiatives live in year y (pro rata in the go-live year, as the
  deduction on delivery): realised over promised for what has been delivered;
* ``steady_state_ratio`` (scalar): mean Σ_i A_i κ_i U_i ρ̄_i / Σ_i gain_i (A_i = gain_i F_i (1 − T_i Q_i), the
  gain formula simengine.model.formula.amplitude), the
  level priors alone at full effect (every initiative live and fully ramped; ρ̄_i = Σ_m w_im ρ_im,
  the kernel's realisation sums): what a scenario header's "product of the level priors" states.

Both from the first ``CALIBRATION_DRAWS`` draws whose inputs are kept, with the kernel's formulas
(simengine.analysis.observables; go-live with every [model] choice and dependency).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from simengine.analysis.varspecs import batch, put

CALIBRATION_DRAWS = 10_000


def bases(raw) -> dict | None:
    """Per-draw delivered business cases (n, Y), realised gain (n, Y) and steady-state gain (n,),
    for the first n kept draws; None without kept inputs."""
    from simengine.analysis.observables import golive
    from simengine.analysis.sensitivity import local_sums
    from simengine.model.formula import amplitude
    from simengine.model.plan import INITIATIVE_VARS, N_NATIONAL

    plan = raw.plan
    n = min(len(raw.inputs), len(raw.benefit), CALIBRATION_DRAWS)
    if n < 2:
        return None
    inputs = np.ascontiguousarray(raw.inputs[:n])
    I = len(plan.gain)
    V = {v: k for k, v in enumerate(INITIATIVE_VARS)}
    iv = inputs[:, N_NATIONAL:].reshape(n, I, len(INITIATIVE_VARS))
    g = golive(plan, inputs)
    yrs = plan.years.astype(float)
    delivered = np.zeros((n, len(yrs)))
    for i in range(I):
        delivered += plan.gain[i] * np.clip(yrs[None, :] + 1.0 - g[:, i, None], 0.0, 1.0)
    sc = plan.scenario
    kappa = np.clip((1.0 - inputs[:, 0]) / (1.0 - sc.assumed_weak_share), 0.0, 1.0)
    kap = np.where(plan.channel[None, :] > 0.0, kappa[:, None], 1.0)
    full = amplitude(plan.gain[None, :], np.moveaxis(iv, 2, 0), 0) * kap * iv[:, :, V["adoption"]]
    steady = (full * local_sums(plan, inputs)[:, :, 0]).sum(axis=1)
    return {"draws": n, "delivered": delivered, "benefit": np.asarray(raw.benefit[:n], dtype=float), "steady": steady}


def add_calibration_bases(ds: xr.Dataset, raw) -> xr.Dataset:
    """``realised_delivered_ratio`` and ``steady_state_ratio`` next to ``realised_promised_ratio``."""
    if "realised_promised_ratio" not in ds:
        return ds
    b = bases(raw)
    if b is None:
        return ds
    promised = float(raw.plan.gain.sum())
    n = b["draws"]
    dmean = b["delivered"].mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(dmean > 0, b["benefit"].mean(axis=0) / dmean, np.nan)
    how = f"over the first {n:,} draws (those whose inputs are kept)"
    band = {
        k: ds["realised_promised_ratio"].attrs[k]
        for k in ("calibration_band", "calibration_year", "calibration_basis")
        if k in ds["realised_promised_ratio"].attrs
    }
    with batch(ds) as new:
        put(new, "realised_delivered_ratio", ratio, method=how, **band)
        put(new, "steady_state_ratio", float(b["steady"].mean() / promised), method=how, **band)
    return ds
