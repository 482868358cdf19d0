"""Correlated inputs (Gaussian copula) and Latin hypercube sampling."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats

from simengine.core import engine
from simengine.errors import ConfigError
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario


def _run(path, draws, seed=None, threads=2, chunk=engine.DEFAULT_CHUNK):
    sc = scenario.load(path).with_run_options(draws=draws, seed=seed)
    plan = compile_plan(sc)
    return plan, engine.run(plan, threads=threads, chunk=chunk, store_inputs=draws, keep_draws=draws)


def _col(plan, raw, name):
    return raw.inputs[:, plan.input_names.index(name)]


def _with(small_dict, **changes):
    d = copy.deepcopy(small_dict)
    for k, v in changes.items():
        d[k] = v
    return d


CORR = [
    {"a": "osb-1.delay", "b": "fmk.delay", "rho": 0.7},
    {"a": "national.weak_share", "b": "national.economic_pressure", "rho": -0.4},
    {"a": "osb-1.estimate_factor", "b": "osb-1.realisation", "rho": 0.3},
]


def test_requested_rank_correlations_are_achieved(small_dict, write_scenario):
    """Spearman correlation of 20,000 draws has a standard error of at most 1/sqrt(N) = 0.007;
    tolerance 0.03 (about 4 standard errors)."""
    plan, raw = _run(write_scenario(_with(small_dict, correlations=CORR)), 20_000)
    for c in CORR:
        rho = stats.spearmanr(_col(plan, raw, c["a"]), _col(plan, raw, c["b"])).statistic
        assert abs(rho - c["rho"]) < 0.03, (c, rho)
    # an uncorrelated pair stays uncorrelated
    rho0 = stats.spearmanr(_col(plan, raw, "osb-1.delay"), _col(plan, raw, "osb-2.delay")).statistic
    assert abs(rho0) < 0.03


def test_correlation_leaves_marginals_unchanged(small_dict, write_scenario):
    """Two-sample KS between the correlated and the uncorrelated run's values of each input:
    p > 1e-3 (the copula only re-pairs the draws)."""
    plan_c, raw_c = _run(write_scenario(_with(small_dict, correlations=CORR), "c.toml"), 20_000)
    plan_u, raw_u = _run(write_scenario(small_dict, "u.toml"), 20_000, seed=99)
    for name in ("osb-1.delay", "fmk.delay", "national.weak_share", "national.economic_pressure"):
        assert stats.ks_2samp(_col(plan_c, raw_c, name), _col(plan_u, raw_u, name)).pvalue > 1e-3, name


def test_wildcards_correlate_every_matching_input(small_dict, write_scenario):
    corr = [{"a": "*.delay", "b": "*.delay", "rho": 0.6}]
    sc = scenario.load(write_scenario(_with(small_dict, correlations=corr)))
    pairs = {tuple(sorted((a, b))) for a, b, _ in sc.correlations}
    assert pairs == {("fmk.delay", "osb-1.delay"), ("fmk.delay", "osb-2.delay"), ("osb-1.delay", "osb-2.delay")}


def test_invalid_matrix_is_repaired_with_a_note(small_dict, write_scenario):
    corr = [
        {"a": "osb-1.delay", "b": "osb-2.delay", "rho": 0.9},
        {"a": "osb-2.delay", "b": "fmk.delay", "rho": 0.9},
        {"a": "osb-1.delay", "b": "fmk.delay", "rho": -0.9},
    ]
    plan, raw = _run(write_scenario(_with(small_dict, correlations=corr)), 5_000)
    note = plan.notes[0]
    assert len(plan.notes) == 1 and "repaired" in str(note) and "positive semi-definite" in str(note)
    assert note.text("da").startswith("[[correlations]]-matricen er ikke positivt semidefinit; den er rettet til")
    a = plan.corr_factor
    assert np.all(np.linalg.eigvalsh(a @ a.T) > -1e-9)
    np.testing.assert_allclose(np.diag(a @ a.T), 1.0)


def test_correlation_errors(small_dict, write_scenario):
    with pytest.raises(
        ConfigError, match=r"correlations\[0\]\.a: no input named 'osb-1.dealy'; did you mean 'osb-1.delay'"
    ):
        scenario.load(
            write_scenario(_with(small_dict, correlations=[{"a": "osb-1.dealy", "b": "fmk.delay", "rho": 0.5}]))
        )
    with pytest.raises(ConfigError, match=r"correlations\[0\]\.b: 'fmk.adoption' has a fixed value"):
        scenario.load(
            write_scenario(_with(small_dict, correlations=[{"a": "osb-1.delay", "b": "fmk.adoption", "rho": 0.5}]))
        )
    with pytest.raises(ConfigError, match=r"correlations\[0\]\.rho: must be in \[-1, 1\], got 1.5"):
        scenario.load(
            write_scenario(_with(small_dict, correlations=[{"a": "osb-1.delay", "b": "fmk.delay", "rho": 1.5}]))
        )


def test_correlated_runs_are_reproducible_across_threads_and_chunks(small_dict, write_scenario):
    path = write_scenario(_with(small_dict, correlations=CORR))
    _, a = _run(path, 1200, threads=1, chunk=1200)
    _, b = _run(path, 1200, threads=2, chunk=111)
    assert np.array_equal(a.inputs, b.inputs) and np.array_equal(a.benefit, b.benefit)


def _lhs(small_dict):
    d = copy.deepcopy(small_dict)
    d["simulation"]["sampling"] = "lhs"
    d["initiatives"][2]["delay"] = {"dist": "uniform", "min": 0.0, "max": 1.0}
    return d


def test_lhs_puts_one_draw_in_every_stratum(small_dict, write_scenario):
    n = 3001
    plan, raw = _run(write_scenario(_lhs(small_dict)), n)
    u = _col(plan, raw, "fmk.delay")  # uniform(0, 1): the value is the stratified uniform itself
    assert np.array_equal(np.sort(np.floor(u * n).astype(int)), np.arange(n))
    # every other sampled input too, through its own quantile function
    for name, dist in zip(plan.input_names, plan.input_dists):
        if dist.is_fixed or dist.family == "bernoulli":
            continue
        strata = np.floor(dist.scipy().cdf(_col(plan, raw, name)) * n).astype(int)
        # the quantile tables are accurate to ~1e-5 of the range: allow a neighbouring stratum for a handful
        assert np.mean(np.sort(strata) == np.arange(n)) > 0.99, name


def test_lhs_is_reproducible_across_threads_and_chunks(small_dict, write_scenario):
    path = write_scenario(_lhs(small_dict))
    _, a = _run(path, 1000, threads=1, chunk=1000)
    _, b = _run(path, 1000, threads=2, chunk=97)
    assert np.array_equal(a.inputs, b.inputs) and np.array_equal(a.benefit, b.benefit)
    assert np.array_equal(a.acc.mun_hist, b.acc.mun_hist)


def test_lhs_reduces_the_error_of_the_mean(small_dict, write_scenario):
    """Standard deviation of the target-year mean over 12 seeds at 1,500 draws: LHS measured about
    0.2x random on this scenario; asserting < 0.6x leaves room for the noise of 12 replications."""
    sds = {}
    for samp in ("random", "lhs"):
        d = copy.deepcopy(small_dict)
        d["simulation"]["sampling"] = samp
        path = write_scenario(d, f"{samp}.toml")
        means = [_run(path, 1500, seed=s)[1].benefit[:, 3].mean() for s in range(12)]
        sds[samp] = np.std(means, ddof=1)
    assert sds["lhs"] < 0.6 * sds["random"], sds


def test_lhs_leaves_the_municipal_factors_on_their_random_streams(small_dict, write_scenario):
    """Latin hypercube stratifies the per-draw inputs and shocks; the municipal factors (capacity and
    the local execution eps per initiative and municipality) stay on their keyed random streams, as
    under QMC: with every per-draw input fixed, an LHS run is a random run, bit for bit."""
    d = _lhs(small_dict)
    for ini in d["initiatives"]:
        for k in ("delay", "estimate_factor", "adoption", "realisation"):
            ini[k] = 0.5 if k == "delay" else 0.8
        ini.pop("legislation", None)
        ini.pop("technology", None)
    d.pop("defaults", None)
    d["national"] = {"assumed_weak_share": 0.1, "weak_share": 0.1, "economic_pressure": 0.05}
    d["municipal"]["capacity_spread"] = 0.0
    r = copy.deepcopy(d)
    r["simulation"]["sampling"] = "random"
    plan, a = _run(write_scenario(d, "l.toml"), 400)
    assert plan.lhs_n == 400  # the LHS run is one
    _, b = _run(write_scenario(r, "r.toml"), 400)
    # the municipal factors do vary from draw to draw (else the equality below would say nothing)
    assert np.unique(a.benefit[:, -1]).size > 300
    assert np.array_equal(a.acc.mun_sum, b.acc.mun_sum)
    assert np.array_equal(a.acc.mun_hist, b.acc.mun_hist)
    assert np.array_equal(a.benefit, b.benefit)
