"""The gain formula (simengine.model.formula.amplitude) is written once: the inputs it reads are
the ones it declares (the waterfall's compiled evaluator switches a cause off through them), and
its numpy form (one row per input) gives the same bits as its per-draw form."""

from __future__ import annotations

import numpy as np

from simengine.model import formula, structure


def _vectors(n: int = 50) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.uniform(0.1, 0.9, size=(n, structure.N_NATIONAL + 2 * structure.N_VARS))


def test_amplitude_inputs_are_exactly_the_inputs_the_formula_reads():
    o = structure.N_NATIONAL + structure.N_VARS  # the second initiative
    for key in structure.INITIATIVE_VARS:
        k = o + structure.INITIATIVE_VARS.index(key)
        moved = False
        for x in _vectors():
            y = x.copy()
            y[k] += 0.05
            moved |= formula.amplitude(2.0, y, o) != formula.amplitude(2.0, x, o)
        assert moved == (key in formula.AMPLITUDE_INPUTS), key
    # and no other initiative's or national input
    x = _vectors()[0]
    y = x.copy()
    y[:o] += 0.05
    assert formula.amplitude(2.0, y, o) == formula.amplitude(2.0, x, o)


def test_numpy_rows_give_the_per_draw_bits():
    X = _vectors()
    o = structure.N_NATIONAL
    rows = formula.amplitude(3.5, X.T, o)
    assert rows.shape == (len(X),)
    np.testing.assert_array_equal(rows, [formula.amplitude(3.5, x, o) for x in X])


def test_every_amplitude_input_is_declared():
    assert set(formula.AMPLITUDE_INPUTS) <= set(structure.INITIATIVE_VARS)


def test_reach_numpy_rows_give_the_per_draw_bits():
    rng = np.random.default_rng(11)
    kap, U, ramp = rng.uniform(-0.2, 1.0, size=(3, 40))
    rows = formula.reach(kap, U, ramp)
    np.testing.assert_array_equal(rows, [formula.reach(float(a), float(b), float(c)) for a, b, c in zip(kap, U, ramp)])
    # the order of the product the kernel has always used: (kappa U) ramp
    np.testing.assert_array_equal(rows, (kap * U) * ramp)
