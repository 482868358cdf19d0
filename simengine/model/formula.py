"""The per-initiative gain formula, written once for the package.

``amplitude`` is the gain of one initiative at full adoption and full local realisation:
A = gain · F · (1 − T·Q) (docs/model.md). It is plain Python on purpose: the kernel's evaluate
stage compiles it (``simengine.core.kernel.amplitude``, numba, inlined) and calls it with one
draw's input vector ``x`` (1-D: ``x[o + v]`` is a number); the waterfall's compiled evaluator
calls the same compiled function; the numpy code (observables, observations, update,
calibration) calls it with ``x`` an array whose first axis is the input (``inputs.T``: then
``x[o + v]`` is the column of every draw). One expression, so the same bits everywhere.
``reach`` (kappa · U · ramp, the share of the amplitude reached in a year) and ``ramp_share`` (the
ramp-up share a number of years after go-live) are shared the same way: the kernel's evaluate stage
and the waterfall's evaluator call them compiled (``simengine.core.kernel.reach``, ``ramp_share``),
:func:`adoption` on numpy columns.

A new risk cause that removes a share of the gain is one more factor in :func:`amplitude` and its
inputs in :data:`AMPLITUDE_INPUTS` (besides its declaration in :mod:`simengine.model.structure`
and its line in the independent reference model, :mod:`simengine.testing`); the waterfall's
compiled evaluator then switches it off through this function (``tests/unit/test_formula.py``
checks that :data:`AMPLITUDE_INPUTS` names exactly the inputs the function reads).

This module imports neither numba nor xarray: the scenario layer may use it.
"""

from __future__ import annotations

import numpy as np

from simengine.model.structure import (
    N_NATIONAL,
    N_VARS,
    V_ADOPTION,
    V_DELAY,
    V_ESTIMATE_FACTOR,
    V_LEGISLATION,
    V_LEGISLATION_DELAY,
    V_RAMP,
    V_TECHNOLOGY,
    V_TECHNOLOGY_LOSS,
    W_WEAK_SHARE,
)

#: the initiative inputs :func:`amplitude` reads (keys of simengine.model.structure.INITIATIVE_INPUTS)
AMPLITUDE_INPUTS: tuple[str, ...] = ("estimate_factor", "technology", "technology_loss")


def amplitude(gain, x, o):  # type: ignore[no-untyped-def]  # numbers (compiled) or numpy arrays
    """A = gain · F · (1 − T·Q): the initiative's gain before adoption and local realisation, its
    inputs at ``x[o + V_*]`` (``o``: the initiative's first input)."""
    return gain * x[o + V_ESTIMATE_FACTOR] * (1.0 - x[o + V_TECHNOLOGY] * x[o + V_TECHNOLOGY_LOSS])


def reach(kap, U, ramp):  # type: ignore[no-untyped-def]  # numbers (compiled) or numpy arrays
    """kappa · U · ramp: the share of an initiative's amplitude reached in a year (reach and timing),
    kappa the weak citizens' reach of a channel initiative (1 otherwise), U the adoption, ``ramp``
    the ramp-up share (:func:`ramp_share`; 1 after go-live with ramp-up switched off).
    The year's coefficient is amplitude · reach where reach is positive, 0 otherwise. The kernel's
    evaluate stage and the waterfall's evaluator call it compiled
    (``simengine.core.kernel.reach``), :func:`adoption` on numpy columns."""
    return kap * U * ramp


def ramp_share(dt, R, rb):  # type: ignore[no-untyped-def]  # numbers (compiled) or numpy arrays
    """The ramp-up share ``dt`` years after go-live (R: the ramp-up time, rb: the share reached at
    go-live, a number): min(dt / R, 1), or rb + (1 − rb) min(dt / R, 1) after go-live and 0 at and
    before it. Arithmetic only (``np.minimum``, ``np.maximum`` and a comparison as a factor of 0 or
    1, no branch on ``dt``), so that the kernel's evaluate stage and the waterfall's evaluator call it
    compiled (``simengine.core.kernel.ramp_share``) and :func:`adoption` on numpy columns. Without a
    baseline it is negative before go-live (the caller keeps only a positive reach); with one, the
    factor (dt / R > 0) multiplies a finite number, so it is exactly 0 there."""
    x = dt / R
    ramp = np.minimum(x, 1.0)
    return ramp if rb == 0.0 else (x > 0.0) * (rb + (1.0 - rb) * np.maximum(ramp, 0.0))


# ---- go-live and adoption of every draw at once (numpy), as the kernel's stages make them -------------
# The kernel evaluates one draw at a time (core/kernel.py: golive_time, _golive); the code
# that reads per-draw quantities afterwards (observables, observations, update) uses these two, so every
# [model] choice (timing, dependencies, ramp baselines) reaches them in one place.


def golive(plan, inputs: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(D, I) go-live time of each initiative (decimal year) in each draw: start + S + B·L, or
    start + max(S, B·L) when ``plan.timing_component``; then no earlier than its dependency's go-live
    plus the lag (dependencies first, ``plan.order``), as the kernel's ``_golive``."""
    D, I = len(inputs), len(plan.gain)
    iv = inputs[:, N_NATIONAL : N_NATIONAL + I * N_VARS].reshape(D, I, N_VARS)
    S, BL = iv[:, :, V_DELAY], iv[:, :, V_LEGISLATION] * iv[:, :, V_LEGISLATION_DELAY]
    g = plan.start[None, :] + np.maximum(S, BL) if plan.timing_component else plan.start[None, :] + S + BL
    for i in plan.order:
        if plan.dep_of[i] >= 0:
            g[:, i] = np.maximum(g[:, i], g[:, plan.dep_of[i]] + plan.dep_lag[i])
    return g


def adoption(plan, inputs: np.ndarray, g: np.ndarray, i: int, year_mid: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(D,) initiative i's adoption share in the year of mid-point ``year_mid``, its go-live ``g`` (D,):
    kappa U ramp, ramp = min((year_mid - g)/R, 1), or rb + (1 - rb) ramp after go-live and 0 before it
    with a ramp baseline rb; 0 where not positive (:func:`ramp_share` and :func:`reach`, as the kernel)."""
    o = N_NATIONAL + i * N_VARS
    U, R = inputs[:, o + V_ADOPTION], inputs[:, o + V_RAMP]
    if plan.channel[i] > 0.0:
        kap = np.clip((1.0 - inputs[:, W_WEAK_SHARE]) / (1.0 - plan.scenario.assumed_weak_share), 0.0, 1.0)
    else:
        kap = 1.0
    ad = reach(kap, U, ramp_share(year_mid - g, R, float(plan.ramp_base[i])))
    return np.where(ad > 0.0, ad, 0.0)
