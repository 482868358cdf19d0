"""The per-initiative gain formula, written once for the package.

``amplitude`` is the gain of one initiative at full adoption and full local realisation:
A = gain · F · (1 − T·Q) (docs/model.md). It is plain Python on purpose: the kernel's evaluate
stage compiles it (``simengine.core.kernel.amplitude``, numba, inlined) and calls it with one
draw's input vector ``x`` (1-D: ``x[o + v]`` is a number); the waterfall's compiled evaluator
calls the same compiled function; the numpy code (observables, observations, update,
calibration) calls it with ``x`` an array whose first axis is the input (``inputs.T``: then
``x[o + v]`` is the column of every draw). One expression, so the same bits everywhere.

A new risk cause that removes a share of the gain is one more factor in :func:`amplitude` and its
inputs in :data:`AMPLITUDE_INPUTS` (besides its declaration in :mod:`simengine.model.structure`
and its line in the independent reference model, :mod:`simengine.testing`); the waterfall's
compiled evaluator then switches it off through this function (``tests/unit/test_formula.py``
checks that :data:`AMPLITUDE_INPUTS` names exactly the inputs the function reads).

This module imports neither numba nor xarray: the scenario layer may use it.
"""

from __future__ import annotations

from simengine.model.structure import V_ESTIMATE_FACTOR, V_TECHNOLOGY, V_TECHNOLOGY_LOSS

#: the initiative inputs :func:`amplitude` reads (keys of simengine.model.structure.INITIATIVE_INPUTS)
AMPLITUDE_INPUTS: tuple[str, ...] = ("estimate_factor", "technology", "technology_loss")


def amplitude(gain, x, o):  # type: ignore[no-untyped-def]  # numbers (compiled) or numpy arrays
    """A = gain · F · (1 − T·Q): the initiative's gain before adoption and local realisation, its
    inputs at ``x[o + V_*]`` (``o``: the initiative's first input)."""
    return gain * x[o + V_ESTIMATE_FACTOR] * (1.0 - x[o + V_TECHNOLOGY] * x[o + V_TECHNOLOGY_LOSS])
