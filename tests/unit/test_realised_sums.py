"""The realisation sums of one initiative are written once (simengine.core.kernel.realised_clamp and
realised_mean): the kernel's evaluate stage and the waterfall's realisation sums
(simengine.analysis.sensitivity._local_sums) call them. Checked here against the model's formulas
written out element by element: rho = clamp(r C eps, 0, 1), or min(a(r s (1 - E)) C eps, 1) with a
read from the realisation table (simengine.model.distributions.realisation_scale), and both
regimes of one call against two calls of one regime each, bit for bit."""

from __future__ import annotations

import numba as nb
import numpy as np

from simengine.core import kernel
from simengine.model.distributions import realisation_scale, realisation_table


@nb.njit(cache=False)
def _clamp(r, r2, cap, eps, w):  # pragma: no cover - compiled
    M = cap.shape[0]
    X1, X2 = np.empty(M), np.empty(M)
    s1, s2 = kernel.realised_clamp(r, r2, cap, eps, w, X1, X2)
    return s1, s2, X1, X2


@nb.njit(cache=False)
def _mean(r, r2, sme, spread, eps, w, tab):  # pragma: no cover - compiled
    M = sme.shape[0]
    X1, X2, fr2 = np.empty(M), np.empty(M), np.empty(M)
    kb, kb2 = np.empty(M, np.uint64), np.empty(M, np.uint64)
    s1, s2 = kernel.realised_mean(r, r2, sme, spread, eps, w, tab, kb, kb2, fr2, X1, X2)
    return s1, s2, X1, X2


@nb.njit(cache=False)
def _one(r, sme, spread, eps, w, tab):  # pragma: no cover - compiled
    """Both functions with one regime only (X2 None)."""
    M = sme.shape[0]
    X1, Y1, fr = np.empty(M), np.empty(M), np.empty(M)
    kb, kb2 = np.empty(M, np.uint64), np.empty(M, np.uint64)
    a = kernel.realised_mean(r, 0.0, sme, spread, eps, w, tab, kb, kb2, fr, X1, None)
    b = kernel.realised_clamp(r, 0.0, sme, eps, w, Y1, None)
    return a, b, X1, Y1


@nb.njit(cache=False)
def _scale(tab, mu):  # pragma: no cover - compiled
    out = np.empty(mu.shape[0])
    for k in range(mu.shape[0]):
        out[k] = realisation_scale(tab, mu[k])
    return out


def _factors(M: int = 37, seed: int = 5):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 1.4, M), rng.uniform(0.2, 1.8, M), rng.uniform(0.0, 0.05, M)


def test_clamp_is_the_model_formula_in_both_regimes():
    cap, eps, w = _factors()
    cap[3] = -0.5  # below zero: clamped to 0
    for r, r2 in ((0.7, 0.805), (0.9, 1.0), (0.6, 0.6)):
        s1, s2, X1, X2 = _clamp(r, r2, cap, eps, w)
        np.testing.assert_array_equal(X1, w * np.minimum(np.maximum(r * (cap * eps), 0.0), 1.0))
        np.testing.assert_array_equal(X2, w * np.minimum(np.maximum(r2 * (cap * eps), 0.0), 1.0))
        assert (s1, s2) == (_clamp(r, r, cap, eps, w)[0], _clamp(r2, r2, cap, eps, w)[0])
        assert s1 == kernel._sum8(X1) and s2 == kernel._sum8(X2)


def test_mean_preserving_reads_the_realisation_table_in_both_regimes():
    tab = realisation_table(0.4)
    sme, spread, w = _factors(seed=9)
    sme = sme / 1.5  # the mean r s (1 - E) within [0, 1)
    eps = np.random.default_rng(3).uniform(0.5, 1.5, len(sme))
    for r, r2 in ((0.7, 0.805), (0.9, 1.0), (0.6, 0.6)):
        s1, s2, X1, X2 = _mean(r, r2, sme, spread, eps, w, tab)
        for rr, X in ((r, X1), (r2, X2)):
            a = _scale(tab, rr * sme)
            np.testing.assert_array_equal(X, w * np.minimum(a * (spread * eps), 1.0))
        assert (s1, s2) == (_mean(r, r, sme, spread, eps, w, tab)[0], _mean(r2, r2, sme, spread, eps, w, tab)[0])
        assert s1 == kernel._sum8(X1) and s2 == kernel._sum8(X2)


def test_one_regime_gives_the_first_regime_of_two():
    tab = realisation_table(0.4)
    sme, spread, w = _factors(seed=13)
    sme = sme / 1.5
    eps = np.random.default_rng(4).uniform(0.5, 1.5, len(sme))
    (m1, m2), (c1, c2), X1, Y1 = _one(0.75, sme, spread, eps, w, tab)
    s1, _, Xm, _ = _mean(0.75, 0.9, sme, spread, eps, w, tab)
    t1, _, Xc, _ = _clamp(0.75, 0.9, sme, eps, w)
    assert (m1, c1, m2, c2) == (s1, t1, 0.0, 0.0)
    np.testing.assert_array_equal(X1, Xm)
    np.testing.assert_array_equal(Y1, Xc)
