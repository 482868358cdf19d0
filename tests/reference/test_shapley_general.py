"""The Shapley waterfall for any number of causes: the enumeration (analysis.enumerate_coalitions)
and the Shapley values (analysis.shapley) against closed forms of games built here, for cause
counts other than the ten declared ones, and the declared structure the waterfall derives from."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from simengine.analysis import sensitivity as analysis

RTOL = 1e-12  # the games are sums of a few hundred terms of size ~1: only rounding differs


def _batches(v_draws: np.ndarray, init: np.ndarray, batch: int):
    """A game given per coalition and draw (K, D) as the evaluator's batches, masks shuffled."""
    K, D = v_draws.shape
    order = np.random.default_rng(1).permutation(K)
    for k0 in range(0, K, batch):
        m = order[k0 : k0 + batch]
        yield m, v_draws[m][:, None, :], init[m]


def _game(n: int, D: int, value) -> np.ndarray:
    """(2^n, D): value(set of causes switched off, draw) for every coalition mask."""
    out = np.empty((1 << n, D))
    for mask in range(1 << n):
        off = frozenset(c for c in range(n) if mask >> c & 1)
        out[mask] = [value(off, d) for d in range(D)]
    return out


@pytest.mark.parametrize("n", [3, 12])
def test_additive_game_gives_each_cause_its_own_contribution(n):
    """v(S) = sum over c in S of a_c (per draw): phi_c = a_c exactly, draw by draw and on average."""
    D = 5
    a = np.random.default_rng(n).normal(size=(n, D))
    v = _game(n, D, lambda off, d: sum(a[c, d] for c in off))
    e = analysis.enumerate_coalitions(_batches(v, np.zeros((1 << n, 0)), 37), n, D, 1, 0)
    np.testing.assert_allclose(e["phi_draw"], a, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(analysis.shapley(e["mean"][:, 0], n), a.mean(axis=1), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(e["mean"][:, 0], v.mean(axis=1), rtol=RTOL)


@pytest.mark.parametrize("n", [3, 12])
def test_symmetric_game_gives_equal_shares(n):
    """v(S) = f(|S|) with f convex: every cause gets (f(n) - f(0)) / n."""
    v = _game(n, 1, lambda off, d: len(off) ** 2 + 0.5 * len(off))
    phi = analysis.shapley(v[:, 0], n)
    np.testing.assert_allclose(phi, (n**2 + 0.5 * n) / n, rtol=RTOL)
    e = analysis.enumerate_coalitions(_batches(v, np.zeros((1 << n, 0)), 100), n, 1, 1, 0)
    np.testing.assert_allclose(e["phi_draw"][:, 0], phi, rtol=RTOL)


def test_small_game_against_the_permutation_average():
    """A non-additive, non-symmetric game of 4 causes (a product, a threshold and a max): the
    Shapley value is the average over all 4! orders of each cause's marginal contribution."""
    n = 4
    w = np.array([1.0, 2.5, -0.7, 4.0])

    def value(off, d=0):
        s = sum(w[c] for c in off)
        return s * s - (3.0 if {0, 2} <= off else 0.0) + max([w[c] for c in off], default=0.0)

    v = _game(n, 1, value)[:, 0]
    brute = np.zeros(n)
    for perm in itertools.permutations(range(n)):
        have: set[int] = set()
        for c in perm:
            brute[c] += value(frozenset(have | {c})) - value(frozenset(have))
            have.add(c)
    brute /= math.factorial(n)
    np.testing.assert_allclose(analysis.shapley(v, n), brute, rtol=RTOL)
    np.testing.assert_allclose(analysis.shapley_coefficients(n).T @ v, brute, rtol=RTOL)


def test_per_initiative_sums_and_medians_are_kept_per_coalition():
    n, D = 3, 7
    rng = np.random.default_rng(3)
    v = rng.normal(size=(1 << n, D))
    init = rng.normal(size=(1 << n, 2))
    e = analysis.enumerate_coalitions(_batches(v, init, 3), n, D, 1, 2)
    np.testing.assert_array_equal(e["p50"][:, 0], np.median(v, axis=1))
    np.testing.assert_allclose(e["init_mean"], init / D, rtol=RTOL)


def test_a_missing_coalition_is_an_error():
    v = np.zeros((8, 2))
    with pytest.raises(ValueError, match="1 of the 8 coalitions"):
        analysis.enumerate_coalitions(iter([(np.arange(7), v[:7, None, :], np.zeros((7, 0)))]), 3, 2, 1, 0)


def test_more_causes_than_the_exact_limit_is_one_clear_line():
    n = analysis.MAX_EXACT_CAUSES + 1
    with pytest.raises(analysis.WaterfallError) as exc:
        analysis.enumerate_coalitions(iter([]), n, 1, 1, 0)
    msg = str(exc.value)
    assert "\n" not in msg and f"up to {analysis.MAX_EXACT_CAUSES} causes; {n} are declared" in msg


def test_causes_other_than_the_compiled_ten_go_through_the_kernel(small_path, monkeypatch):
    """A waterfall over a declared set of causes the compiled evaluator does not implement (here
    two of the ten, so the result has a reference) runs the kernel once per coalition on the
    same draws: its Shapley values are those of the compiled evaluator's values of the same
    coalitions (relative 1e-9: the two differ only in rounding and in R = 1e-9 for ramp-up, not
    one of the two), and the chain still sums exactly to the simulated mean."""
    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    D = 300
    sc = scenario.load(small_path).with_run_options(draws=D)
    raw = engine.run(compile_plan(sc), threads=2)
    v = np.array([analysis.coalition_gain(raw.plan, raw.inputs[:D], m).mean() for m in range(4)])
    sub = analysis.CAUSES[:2]  # estimates, delay: bits 0-1 of the compiled layout too
    monkeypatch.setattr(analysis, "CAUSES", sub)
    monkeypatch.setattr(analysis, "N_CAUSES", 2)
    monkeypatch.setattr(analysis, "WATERFALL_ITEMS", analysis.WATERFALL_ITEMS[:1] + sub + analysis.WATERFALL_ITEMS[-1:])
    w = analysis.waterfall(raw, draws=D)
    assert w["mean"].shape == (4,)
    scale = abs(v).max()
    np.testing.assert_allclose(-w["mean"][1:3], analysis.shapley(v, 2), rtol=1e-9, atol=1e-9 * scale)
    assert abs(w["start"] + w["mean"].sum() - w["simulated_mean"]) <= 1e-9 * scale
    assert w["initiative_mean"].shape == (len(raw.plan.gain), 4)
