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


def _ramp_share_by_cases(dt: float, R: float, rb: float) -> float:
    """The ramp-up share as the kernel wrote it before it was shared: min(dt / R, 1), or rb + (1 - rb)
    min(dt / R, 1) after go-live and 0 at and before it."""
    x = dt / R
    ramp = min(x, 1.0)
    return ramp if rb == 0.0 else (rb + (1.0 - rb) * ramp if x > 0.0 else 0.0)


def test_ramp_share_compiled_and_on_columns_gives_the_bits_of_the_cases():
    from simengine.core.kernel import ramp_share as compiled

    rng = np.random.default_rng(13)
    dt = np.concatenate([rng.normal(0.0, 3.0, 400), [0.0, -0.0, 1e-300, -1e-300, 5.0, -5.0]])
    R = np.concatenate([rng.lognormal(0.0, 1.0, 400), [1e-9, 1e-9, 1e-9, 1e-9, 1e-320, 1e-320]])  # x = +-inf too
    for rb in (0.0, 0.1, 0.5, 1.0):
        want = np.array([_ramp_share_by_cases(float(a), float(b), rb) for a, b in zip(dt, R)])
        with np.errstate(over="ignore", invalid="ignore"):
            cols = formula.ramp_share(dt, R, rb)
        got = np.array([compiled(float(a), float(b), rb) for a, b in zip(dt, R)])
        assert cols.view(np.int64).tolist() == want.view(np.int64).tolist(), rb  # the same bits, signed zeros too
        assert got.view(np.int64).tolist() == want.view(np.int64).tolist(), rb
