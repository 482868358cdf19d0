"""Updating by importance weights: nothing changes without observations, the weighted outputs are the
weighted statistics of the kept draws, and the update is calibrated (simulation-based calibration)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from simengine.analysis.results import results_digest
from simengine.analysis.update import (
    ESS_MIN,
    effective_sample_size,
    input_movement,
    reweight,
    simulate_for,
    weighted_quantile,
    weights_for,
)
from simengine.errors import RunError
from simengine.outputs.terminal import ess_advice
from simengine.scenario import observations as obsmod
from simengine.scenario import schema as scenario
from simengine.scenario.observations import ErrorModel, Observation

DATA = Path(__file__).resolve().parents[1] / "data"
OBS = DATA / "observations_small.toml"
ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
UPDATE_VARS = ("weight", "prior_benefit_quantile", "prior_p_target")


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "simengine", *map(str, args)], check=False, capture_output=True, text=True, env=ENV
    )


def _open(p: Path) -> xr.Dataset:
    with xr.open_dataset(p, engine="h5netcdf") as ds:
        return ds.load()


def test_update_on_no_observations_changes_nothing(tmp_path):
    """Known by a date before every observation: results.nc holds the run's results bit for bit
    (plus the equal weights and ESS = the kept draws)."""
    r = _cli("run", DATA / "small.toml", "--draws", "800", "--out", tmp_path / "run", "--no-report", "--quiet")
    assert r.returncode == 0, r.stderr
    u = _cli(
        "update",
        DATA / "small.toml",
        OBS,
        "--known-by",
        "2000-01-01",
        "--draws",
        "800",
        "--out",
        tmp_path / "upd",
        "--no-report",
        "--quiet",
    )
    assert u.returncode == 0, u.stderr
    a, b = _open(tmp_path / "run" / "results.nc"), _open(tmp_path / "upd" / "results.nc")
    assert b.attrs["ess"] == pytest.approx(800) and b.attrs["conditioned_on"] == "none"
    np.testing.assert_array_equal(b["weight"].values, np.full(800, 1 / 800))
    extra = [v for v in b.variables if v.startswith("updated_input") or v in UPDATE_VARS]
    assert results_digest(a) == results_digest(b.drop_vars(extra))


@pytest.fixture(scope="module")
def prior_run():
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=2000)
    o = obsmod.load(OBS)
    ds, raw = simulate_for(sc, o.observations, analyses=False, all_inputs=True)
    return sc, o, ds, raw


def test_effective_sample_size():
    """Kish's ESS against its closed forms: K for equal weights, 1 for one draw carrying all the
    weight, (sum v)^2 / sum v^2 for unnormalised v (to 1e-12 relative)."""
    assert effective_sample_size(np.full(400, 1 / 400)) == pytest.approx(400, rel=1e-12)
    assert effective_sample_size(np.eye(1, 50, 7)[0]) == 1.0
    v = np.random.default_rng(3).exponential(size=1000)
    assert effective_sample_size(v / v.sum()) == pytest.approx(v.sum() ** 2 / (v * v).sum(), rel=1e-12)
    assert effective_sample_size(np.empty(0)) == 0.0


def test_weights_and_weighted_outputs(prior_run):
    _sc, o, ds, raw = prior_run
    used = o.known_by(dt.date(2015, 1, 1))
    x = obsmod.per_draw(used, ds, raw.plan, raw.inputs)
    w, ess = weights_for(used, x)
    # the weights by hand: lognormal on the national 2013 gain, normal on osb-1's go-live
    ll = np.where(x[0] > 0, -0.5 * ((np.log(60e6) - np.log(np.maximum(x[0], 1e-300))) / 0.3) ** 2, -np.inf)
    ll = ll - 0.5 * ((2012.6 - x[1]) / 0.25) ** 2
    ref = np.exp(ll - ll.max())
    ref /= ref.sum()
    np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-300)
    assert ess == pytest.approx(1 / np.sum(ref**2))
    post = reweight(ds, raw, w)
    G = ds["benefit"].values
    np.testing.assert_allclose(post["p_target"].values, (w[:, None] * (G >= ds["target"].values)).sum(0), rtol=1e-12)
    np.testing.assert_allclose(post["benefit_mean"].values, w @ G, rtol=1e-12)
    q = ds["quantile"].values
    np.testing.assert_allclose(post["benefit_quantile"].values[:, -1], weighted_quantile(G[:, -1], w, q), rtol=1e-12)
    # the posterior median lies where the weights cross one half
    med = post["benefit_quantile"].sel(quantile=0.5).values[-1]
    assert abs(w[G[:, -1] <= med].sum() - 0.5) < 0.02
    # each observation on its own pulls its quantity towards the observed value
    w1, _ = weights_for(used[1:], x[1:])
    gl = reweight(ds, raw, w1)["initiative_golive"].sel(initiative="osb-1", quantile=0.5).values
    assert abs(gl - 2012.6) < abs(ds["initiative_golive"].sel(initiative="osb-1", quantile=0.5).values - 2012.6)
    w0, _ = weights_for(used[:1], x[:1])
    assert abs(w0 @ G[:, 2] - 60e6) < abs(G[:, 2].mean() - 60e6) / 2
    assert "municipality_benefit" in post.attrs["not_reweighted"]
    assert "not reweighted" in post["municipality_benefit"].attrs["weights"]
    mv = input_movement(raw, w, ess)
    moved = [n for n, m in zip(mv["names"], mv["moved"]) if m]
    assert "osb-1.delay" in moved and "osb-1.estimate_factor" in moved
    # the update's Dataset has a spec for every variable, its own included (simengine.analysis.varspecs)
    from simengine.analysis.update import add_update_vars
    from simengine.analysis.varspecs import check

    full = add_update_vars(post, ds, w, ess, mv, {})
    assert check(full) == []
    assert full["weight"].attrs["long_name"] == "normalised importance weight of the kept draw (sums to 1)"
    assert full.sizes["updated_input"] == len(moved) and "updated_input_posterior_p90" in full


def test_a_statistic_declared_weighted_is_reweighted(prior_run, monkeypatch):
    """reweight takes the statistics it recomputes from their specs (VarSpec.weighted): a new
    output declared as the mean of a per-draw variable is reweighted with nothing else changed."""
    from simengine.analysis import varspecs

    _sc, _o, ds, raw = prior_run
    spec = varspecs.VarSpec("cost_mean", ("year",), "DKK/year", "mean costs", weighted=("cost", "mean"))
    monkeypatch.setitem(varspecs.SPECS, "cost_mean", spec)
    ds = ds.copy()
    varspecs.put(ds, "cost_mean", ds["cost"].values.mean(axis=0))
    K = ds.sizes["draw"]
    w = np.linspace(1.0, 3.0, K)
    w /= w.sum()
    post = reweight(ds, raw, w)
    np.testing.assert_allclose(post["cost_mean"].values, w @ ds["cost"].values, rtol=1e-12)
    assert "cost_mean" in post.attrs["reweighted"].split(", ")
    assert post["cost_mean"].attrs["method"] == "weighted over the kept draws (importance weights)"


def test_uniform_weights_reproduce_the_prior_statistics(prior_run):
    """Every kept draw weighted equally (all draws kept): the recomputed statistics are the run's."""
    _sc, _o, ds, raw = prior_run
    K = ds.sizes["draw"]
    post = reweight(ds, raw, np.full(K, 1.0 / K))
    for v in (
        "benefit_quantile",
        "benefit_mean",
        "area_benefit_quantile",
        "p_target",
        "area_p_target",
        "expected_shortfall",
        "shortfall_mean",
        "npv_quantile",
        "central_gain_quantile",
        "service_cut_difference_quantile",
        "p_service_cut_above",
        "observed_rank",
    ):
        np.testing.assert_allclose(post[v].values, ds[v].values, rtol=1e-9, atol=1e-3, err_msg=v)
    # per initiative: the run's come from histograms and fixed-point sums over all draws
    np.testing.assert_allclose(
        post["initiative_benefit_mean"].values, ds["initiative_benefit_mean"].values, rtol=1e-6, atol=1.0
    )
    # quantiles: the run's histogram quantile lies between the order statistics around its rank (within a bin)
    q = ds["quantile"].values
    for y in range(ds.sizes["year"]):
        g = np.sort(obsmod.initiative_gains(raw.plan, raw.inputs, y, potential=False), axis=0)  # (K, I)
        r = q * (K - 1)
        lo, hi = g[np.floor(r).astype(int)], g[np.ceil(r).astype(int)]  # (q, I)
        run = ds["initiative_benefit"].values[:, :, y]
        assert np.all(run >= lo * (1 - 0.004) - 1.0) and np.all(run <= hi * (1 + 0.004) + 1.0)
        np.testing.assert_allclose(post["initiative_benefit"].values[:, :, y], np.quantile(g, q, axis=0), rtol=1e-9)
    np.testing.assert_allclose(post["initiative_golive"].values, ds["initiative_golive"].values, atol=1 / 12)


def test_reweighted_rank_of_an_observed_potential(prior_run):
    """[observed] quantity = "potential": the update ranks the observed value among the kept draws'
    potential gains under the weights (a direct weighted count), not among their realised gains."""
    _sc, _o, ds, raw = prior_run
    ds = ds.copy()
    ds["observed"] = ds["observed"].copy()
    ds["observed"].attrs["quantity"] = "potential"
    K = ds.sizes["draw"]
    w = np.linspace(1.0, 2.0, K)
    w /= w.sum()
    post = reweight(ds, raw, w)
    y, v = int(ds["observed_year"].values[0]), float(ds["observed"].values[0])
    pot, ben = (np.asarray(ds[n].sel(year=y).values) for n in ("potential", "benefit"))
    direct = float(w @ ((pot < v) + 0.5 * (pot == v)))
    assert post["observed_rank"].values[0] == pytest.approx(direct, abs=1e-12)
    assert abs(direct - float(w @ ((ben < v) + 0.5 * (ben == v)))) > 0.05


def test_impossible_observations_and_small_ess(prior_run):
    _sc, _o, ds, raw = prior_run
    bad = Observation("never", "realised", "national", "", 2016, 5e9, ErrorModel("at_least"), dt.date(2017, 1, 1), "x")
    x = obsmod.per_draw((bad,), ds, raw.plan, raw.inputs)
    with pytest.raises(RunError, match="'never'.*impossible"):
        weights_for((bad,), x, "obs.toml")
    assert ess_advice(ESS_MIN + 1, 1000, 1000) is None
    msg = ess_advice(100.0, 2000, 2000)
    assert "effective sample size 100" in msg and "40,000 draws" in msg


def test_update_command_writes_weights(tmp_path):
    u = _cli(
        "update",
        DATA / "small.toml",
        OBS,
        "--known-by",
        "2015-01-01",
        "--draws",
        "1000",
        "--out",
        tmp_path,
        "--lang",
        "en",
    )
    assert u.returncode == 0, u.stderr
    ds = _open(tmp_path / "results.nc")
    w = ds["weight"].values
    assert ds["weight"].dims == ("draw",) and w.sum() == pytest.approx(1.0)
    assert ds.attrs["ess"] == pytest.approx(1.0 / np.sum(w**2))
    assert ds.attrs["conditioned_on"] == "nat-2013, osb1-golive"
    # the output contract: every variable and coordinate of the update's results.nc as declared
    from simengine.analysis.varspecs import check
    from simengine.outputs.store import open_results

    assert check(open_results(tmp_path / "results.nc")) == []
    assert "What the observations known by 2015-01-01 taught" in u.stdout
    assert (tmp_path / "charts" / "update_inputs.png").stat().st_size > 1000
    assert (tmp_path / "report.html").exists()
    assert "warning: effective sample size" in u.stderr  # 1,000 kept draws: small
    # the manifest re-runs the update: identical results
    c = _cli("check", tmp_path / "run.json", "--lang", "en")
    assert c.returncode == 0 and "identical" in c.stdout, c.stderr


def test_simulation_based_calibration():
    """Truths drawn from the prior (another seed), their observations simulated with the error models,
    the prior draws weighted; the truth's 2016 national gain ranks uniformly among the posterior draws.
    200 replications: KS and chi-square (10 bins) tests against U(0, 1), each at the 1 % level (measured
    p = 0.99 and 0.94); weights that trust the observations too much fail the chi-square test; the
    posterior is sharper than the prior."""
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=6000, seed=101)
    o = obsmod.load(OBS)
    ds, raw = simulate_for(sc, o.observations, analyses=False, all_inputs=True)
    truth_ds, truth_raw = simulate_for(
        sc.with_run_options(draws=200, seed=202), o.observations, analyses=False, all_inputs=True
    )
    base = {x.id: x for x in o.observations}
    # normal errors on the gains: their truth can be 0 (nothing live yet), which a lognormal error cannot produce
    used = (
        Observation(
            "nat-2013", "realised", "national", "", 2013, 1.0, ErrorModel("normal", sd=10e6), dt.date(2014, 1, 1), "x"
        ),
        base["osb1-golive"],
        Observation(
            "nat-2014", "realised", "national", "", 2014, 1.0, ErrorModel("normal", sd=15e6), dt.date(2015, 1, 1), "x"
        ),
    )
    x = obsmod.per_draw(used, ds, raw.plan, raw.inputs)
    xt = obsmod.per_draw(used, truth_ds, truth_raw.plan, truth_raw.inputs)
    later = ds["benefit"].sel(year=2016).values
    later_t = truth_ds["benefit"].sel(year=2016).values
    rng = np.random.default_rng(5)
    ranks, prior_ranks, ess_all = [], [], []
    for t in range(xt.shape[1]):
        sim = []
        for k, ob in enumerate(used):  # the observation the true world would produce
            v = xt[k, t]
            v = v + ob.error.sd * rng.standard_normal()
            sim.append(
                Observation(ob.id, ob.quantity, ob.scope, ob.unit, ob.year, float(v), ob.error, ob.known_by, ob.source)
            )
        w, ess = weights_for(tuple(sim), x)
        ess_all.append(ess)
        ranks.append(float(w[later < later_t[t]].sum()))
        prior_ranks.append(float((later < later_t[t]).mean()))
    ranks = np.array(ranks)
    assert np.median(ess_all) > 300  # a truth far in the tail leaves few draws near it (ESS down to ~8)
    assert stats.kstest(ranks, "uniform").pvalue > 0.01
    counts = np.histogram(ranks, bins=10, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 0.01
    # negative control: weights that trust the observations too much (error sds x 0.3) fail the same test
    rng = np.random.default_rng(5)
    bad = []
    for t in range(xt.shape[1]):
        sim = tuple(
            Observation(
                ob.id,
                ob.quantity,
                ob.scope,
                ob.unit,
                ob.year,
                float(xt[k, t] + ob.error.sd * rng.standard_normal()),
                ErrorModel("normal", sd=0.3 * ob.error.sd),
                ob.known_by,
                ob.source,
            )
            for k, ob in enumerate(used)
        )
        w, _ = weights_for(sim, x)
        bad.append(float(w[later < later_t[t]].sum()))
    assert stats.chisquare(np.histogram(bad, bins=10, range=(0, 1))[0]).pvalue < 0.01
    # informative: the posterior's ranks sit closer to the middle than the prior's would if the truth
    # were far out (the spread of the rank of the truth among the prior draws is that of U(0, 1) too,
    # so compare sharpness instead: the posterior sd of the 2016 gain is below the prior's on average)
    sds = []
    for t in range(20):
        w, _ = weights_for(
            tuple(
                Observation(
                    ob.id, ob.quantity, ob.scope, ob.unit, ob.year, float(xt[k, t]), ob.error, ob.known_by, ob.source
                )
                for k, ob in enumerate(used)
            ),
            x,
        )
        m = w @ later
        sds.append(np.sqrt(w @ (later - m) ** 2))
    assert np.mean(sds) < 0.9 * later.std()
