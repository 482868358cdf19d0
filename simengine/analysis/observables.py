"""Per-draw, per-initiative quantities for scoring and updating: go-live, adoption, potential and
realised gain of each initiative in each year, for the draws whose inputs a run kept
(``RawResults.inputs``: the first ``DEFAULT_STORE_INPUTS`` draws).

The kernel does not keep these per draw (draws x initiatives x years would not fit in memory at
10^6 draws); they are functions of the kept inputs, recomputed here with the kernel's formulas
(every [model] choice, dependencies and ramp baselines; simengine.core.kernel, docs/model.md). The
realised gain uses the kernel's own realisation sums (simengine.analysis.sensitivity.local_sums, the same
code and streams). Tested against the kernel: the initiatives add up to its per-draw national
potential and gain (tests/reference/test_model_choices.py).
"""

from __future__ import annotations

import numpy as np

from simengine.model.formula import amplitude
from simengine.model.formula import golive as formula_golive
from simengine.model.plan import INITIATIVE_VARS, N_NATIONAL, Plan
from simengine.model.structure import W_WEAK_SHARE

_V = {v: k for k, v in enumerate(INITIATIVE_VARS)}


golive = formula_golive  # (D, I) go-live of each initiative in each draw: simengine.model.formula.golive


def initiative_draws(plan: Plan, inputs: np.ndarray, realised: bool = True) -> dict[str, np.ndarray]:
    """For draws 0..D-1 (the rows of ``inputs``): ``golive`` (D, I), ``adoption`` (D, I, Y) the
    share a_iy = kappa U ramp (0 before go-live), ``potential`` (D, I, Y) the gain formula A
    (simengine.model.formula.amplitude: gain F (1 - T Q)) times a, and,
    unless ``realised=False``, ``realised`` (D, I, Y) the initiative's national gross gain."""
    inputs = np.ascontiguousarray(inputs)
    D, I = len(inputs), len(plan.gain)
    iv = inputs[:, N_NATIONAL:].reshape(D, I, len(INITIATIVE_VARS))
    W = inputs[:, W_WEAK_SHARE]
    sc = plan.scenario
    g = golive(plan, inputs)
    kappa_ch = np.clip((1.0 - W) / (1.0 - sc.assumed_weak_share), 0.0, 1.0)
    kap = np.where(plan.channel[None, :] > 0.0, kappa_ch[:, None], 1.0)
    x = (plan.year_mid[None, None, :] - g[:, :, None]) / iv[:, :, _V["ramp"], None]
    ramp = np.minimum(x, 1.0)
    rb = plan.ramp_base[None, :, None]
    ramp = np.where(rb == 0.0, ramp, np.where(x > 0.0, rb + (1.0 - rb) * ramp, 0.0))
    ad = kap[:, :, None] * iv[:, :, _V["adoption"], None] * ramp
    ad = np.where(ad > 0.0, ad, 0.0)
    amp = amplitude(plan.gain[None, :], np.moveaxis(iv, 2, 0), 0)  # the gain formula, (D, I)
    pot = amp[:, :, None] * ad
    out = {"golive": g, "adoption": ad, "potential": pot}
    if realised:
        from simengine.analysis.sensitivity import local_sums

        s1 = local_sums(plan, inputs)[:, :, 0]  # combination 0: every cause as simulated
        out["realised"] = pot * s1[:, :, None]
    return out
