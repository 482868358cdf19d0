"""The update's shortcuts give the numbers of the direct computation: the realisation sums of the
kept draws computed once (combination 0 only), the per-initiative statistics from one read of each
input column, weighted quantiles on several threads."""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np

from simengine.analysis.sensitivity import local_sums
from simengine.analysis.update import initiative_stats, kept_sums, simulate_for, weighted_quantile, wquantiles
from simengine.scenario import observations as obsmod
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"


def _kept(draws: int = 1200):
    sc = scenario.load(SMALL).with_run_options(draws=draws)
    ds, raw = simulate_for(sc, (), analyses=False, all_inputs=True)
    return ds, raw, ds.sizes["draw"]


def test_kept_sums_and_initiative_stats_equal_the_direct_computation():
    ds, raw, K = _kept()
    plan, inputs = raw.plan, raw.inputs
    full = local_sums(plan, np.ascontiguousarray(inputs[:K]))
    s1 = kept_sums(plan, inputs, K)
    assert s1.shape == (K, len(plan.gain), 1)
    np.testing.assert_array_equal(s1[:, :, 0], full[:, :, 0])  # bit for bit
    rng = np.random.default_rng(3)
    w = rng.gamma(0.3, size=K)
    w /= w.sum()
    q = np.array([0.05, 0.1, 0.5, 0.9, 0.95])
    for i in range(len(plan.gain)):
        gq, bq, bm = initiative_stats(plan, inputs, K, s1, i, w, q)
        g = obsmod.golive_adoption(plan, inputs[:K], i)
        np.testing.assert_array_equal(gq, weighted_quantile(g, w, q))
        for y in range(len(plan.years)):
            gain = obsmod.initiative_gains(plan, inputs[:K], y, potential=False, s1=full)[:, i]
            np.testing.assert_array_equal(bq[:, y], weighted_quantile(gain, w, q))
            assert bm[y] == np.float64(np.sum(w * gain)) or abs(bm[y] - np.sum(w * gain)) <= 1e-12 * abs(bm[y])
    # the initiatives' gains add up to the kernel's national gain (the evaluator's own check)
    y = len(plan.years) - 1
    tot = obsmod.initiative_gains(plan, inputs[:K], y, potential=False, s1=s1).sum(axis=1)
    np.testing.assert_allclose(tot, ds["benefit"].values[:, y], rtol=1e-9)


def test_weighted_quantiles_do_not_depend_on_threads():
    rng = np.random.default_rng(5)
    X = rng.lognormal(size=(4000, 3, 7))
    X[:500] = 0.0  # ties, as before go-live
    w = rng.random(4000)
    w /= w.sum()
    q = np.array([0.1, 0.5, 0.9])
    one = wquantiles(X, w, q, threads=1)
    two = wquantiles(X, w, q, threads=2)  # the threads are passed; numba's setting is not read
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one[:, 1, 4], weighted_quantile(X[:, 1, 4], w, q))


def test_the_weighted_quantiles_do_not_read_numbas_thread_count(monkeypatch):
    """The thread pool's size is passed (from the run's options), never read back from numba."""

    def read(*_a):
        raise AssertionError("numba's thread count was read")

    monkeypatch.setattr(numba, "get_num_threads", read)
    X = np.random.default_rng(6).random((50, 4))
    w = np.full(50, 1 / 50)
    np.testing.assert_array_equal(wquantiles(X, w, np.array([0.5]), threads=2), wquantiles(X, w, np.array([0.5])))


def test_degenerate_weights_are_named():
    """ESS per observation: that of its likelihood alone; below ESS_DEGENERATE the warning says the
    weights degenerated and names the observations that narrow them most."""
    import datetime as dt

    from simengine.analysis.update import ESS_DEGENERATE, ess_by_observation, weights_for
    from simengine.outputs.terminal import ess_advice
    from simengine.scenario.observations import ErrorModel, Observation

    rng = np.random.default_rng(11)
    x = np.vstack([rng.normal(size=20_000), rng.normal(size=20_000)])
    day = dt.date(2015, 1, 1)
    wide = Observation("wide", "realised", "national", "", 2014, 0.0, ErrorModel("normal", sd=3.0), day, "x")
    sharp = Observation("sharp", "realised", "national", "", 2014, 2.5, ErrorModel("normal", sd=0.01), day, "x")
    per = ess_by_observation((wide, sharp), x)
    assert [oid for oid, _ in per] == ["sharp", "wide"]
    for k, o in enumerate((wide, sharp)):
        assert dict(per)[o.id] == weights_for((o,), x[k : k + 1])[1]
    # a standard normal prior and a normal likelihood of sd 3 at y = 0: ESS/K = (E w)^2 / E w^2
    # = sqrt(1 + 2 s2) / (1 + s2), s2 = prior variance / error variance = 1/9 (within 0.02 at 20,000 draws)
    s2 = 1 / 9.0
    assert abs(dict(per)["wide"] / 20_000 - np.sqrt(1 + 2 * s2) / (1 + s2)) < 0.02
    w, ess = weights_for((wide, sharp), x)
    assert ess < ESS_DEGENERATE
    msg = ess_advice(ess, 20_000, 20_000, per, n_inputs=300)
    # the kept inputs of the suggested draws: those of at most STREAM_INPUTS (100,000) draws, 300 inputs each
    assert "degenerated" in msg and "sharp (" in msg and "(their kept inputs take about 240 MB)" in msg
    assert "degenerated" not in ess_advice(500.0, 20_000, 20_000, per)


def test_stable_argsort_is_numpys_stable_sort_on_data_with_many_ties():
    """The unstable sort with its ties put back in index order is the stable permutation exactly:
    values with many ties (a few distinct values, atoms at 0 with -0.0 among them, NaNs, integers),
    without ties, and the trivial lengths."""
    from simengine.analysis.update import stable_argsort

    rng = np.random.default_rng(14)
    for n in (0, 1, 2, 3, 17, 1000, 50_000):
        cases = [
            rng.normal(size=n),  # no ties
            np.round(rng.lognormal(size=n), 1),  # many ties
            rng.integers(0, 3, n).astype(float),  # three values
            np.where(rng.random(n) < 0.6, 0.0, rng.normal(size=n)),  # an atom at 0
            np.where(rng.random(n) < 0.5, -0.0, 0.0),  # -0.0 and 0.0 are equal
            np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 4, n).astype(float)),  # NaNs
            np.full(n, 2.5),  # all equal
            rng.integers(0, 5, n),  # integers
        ]
        for x in cases:
            got = stable_argsort(x)
            assert np.array_equal(got, np.argsort(x, kind="stable")), (n, x[:8])
    # and the weighted quantiles with ties are those of the stable sort, bit for bit
    x = np.round(rng.lognormal(size=20_000), 1)
    w = rng.random(20_000)
    w /= w.sum()
    q = np.linspace(0.0, 1.0, 41)
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order] / w.sum()
    cum = np.cumsum(ws)
    p = (cum - ws) / (1.0 - ws[-1])
    p[-1] = 1.0
    assert weighted_quantile(x, w, q).tobytes() == np.interp(q, p, xs).tobytes()
