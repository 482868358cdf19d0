"""Monte Carlo error (simengine.analysis.mcerror): interval coverage, the stopping rule, the backtest."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import xarray as xr
from scipy import stats as sps

from simengine.analysis import mcerror
from simengine.analysis.results import NationalStats, build_dataset, hist_quantiles
from simengine.cli.main import main
from simengine.core import engine
from simengine.core.engine import PER_DRAW, RawResults
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario
from tests.conftest import DATA


# -- the intervals themselves ---------------------------------------------------------------------
@pytest.mark.parametrize("n", [20, 400, 10_000])
@pytest.mark.parametrize("q", [0.05, 0.1, 0.5, 0.9])
def test_order_statistic_ranks_cover(n, q):
    j, k = mcerror.quantile_ranks(n, np.array([q]))
    j, k = int(j[0]), int(k[0])
    assert 1 <= j <= k <= n
    if 1 < j and k < n:  # not clipped at the sample's ends: exact binomial coverage >= 95 %
        cover = sps.binom.cdf(k - 1, n, q) - sps.binom.cdf(j - 1, n, q)
        assert 0.95 <= cover < 0.99


def test_wilson_matches_scipy():
    for x, n in ((0, 100), (3, 100), (50, 100), (100, 100), (812, 2000)):
        lo, hi = mcerror.wilson(x, n)
        ci = sps.binomtest(x, n).proportion_ci(0.95, method="wilson")
        assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)


def _raw_from(plan, kept: dict, n: int, acc=None, keep=10**9) -> RawResults:
    return RawResults(
        plan=plan,
        draws=n,
        keep_draws=keep,
        threads=2,
        chunk=engine.DEFAULT_CHUNK,
        seconds=0.0,
        inputs=np.zeros((0, plan.n_inputs)),
        acc=acc,
        **kept,
    )


def test_interval_coverage(small_dict, write_scenario):
    """Repeat a small run (400 draws) on disjoint ranges of draws (independent, like new seeds): the
    true value, from a 200,000-draw run, falls inside the 95 % interval about 95 % of the time.
    Exact quantiles and P(target) over 200 runs; histogram-based quantiles (national with no draw
    kept, per initiative) over 60 runs. Tolerance: overall coverage in [0.93, 0.99] (the
    order-statistics interval is slightly conservative), each quantity >= 0.85."""
    d = small_dict
    d["scenario"]["target"] = 120e6  # so that P(target) is neither 0 nor 1 in 2014-2016
    sc = scenario.load(write_scenario(d))
    plan = compile_plan(sc)
    years = [3, 4, 5]  # 2014, 2015, 2016
    qs = np.array([0.1, 0.5, 0.9])
    truth = engine.run_range(plan, 50_000_000, 200_000, 2, keep_draws=10**9, store_inputs=0)
    tb = truth.kept["benefit"]
    true_q = np.quantile(tb, qs, axis=0)[:, years]
    true_p = (tb >= plan.target).mean(axis=0)[years]
    assert np.all((true_p > 0.02) & (true_p < 0.98))
    true_init = hist_quantiles(truth.acc.init_hist, plan.init_hist_lo[None, :], qs)[:, years]  # (q, y, I)

    n, runs = 400, 200
    big = engine.run_range(plan, 0, n * runs, 2, keep_draws=10**9, store_inputs=0).kept
    covered: dict[str, list[np.ndarray]] = {"quantile": [], "p_target": [], "hist_national": [], "hist_initiative": []}
    for r in range(runs):
        kept = {k: big[k][r * n : (r + 1) * n] for k in PER_DRAW}
        raw = _raw_from(plan, kept, n)
        _, lo, hi = (v[:, years] for v in mcerror.quantile_ci(NationalStats(raw), "benefit", qs, n))
        covered["quantile"].append((lo <= true_q) & (true_q <= hi))
        hits = (kept["benefit"] >= plan.target).sum(axis=0)[years]
        plo, phi = mcerror.wilson(hits, n)
        covered["p_target"].append((plo <= true_p) & (true_p <= phi))
    for r in range(60):
        part = engine.run_range(plan, 10_000_000 + r * n, n, 2, keep_draws=0, store_inputs=0)
        raw = _raw_from(plan, part.kept, n, acc=part.acc, keep=0)
        stats = NationalStats(raw)
        assert not stats.exact
        _, lo, hi = (v[:, years] for v in mcerror.quantile_ci(stats, "benefit", qs, n))
        covered["hist_national"].append((lo <= true_q) & (true_q <= hi))
        qlo, qhi = mcerror.rank_levels(n, qs)
        ilo = hist_quantiles(part.acc.init_hist, plan.init_hist_lo[None, :], qlo)[:, years]
        ihi = hist_quantiles(part.acc.init_hist, plan.init_hist_lo[None, :], qhi)[:, years]
        covered["hist_initiative"].append((ilo <= true_init) & (true_init <= ihi))
    rates = {k: np.mean(v, axis=0) for k, v in covered.items()}
    overall = np.mean(np.concatenate([np.ravel(v) for v in covered.values()]))
    assert 0.93 <= overall <= 0.99, (overall, rates)
    for k, v in rates.items():
        assert np.all(v >= 0.85), (k, v)


# -- the Dataset ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_run():
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=2000)
    raw = engine.run(compile_plan(sc), threads=2)
    ds = mcerror.add_mc_error(build_dataset(raw), raw)
    return ds, raw


def test_every_percentile_and_probability_has_an_interval(small_run):
    ds, raw = small_run
    for base in (
        "benefit_quantile",
        "net_benefit_quantile",
        "area_benefit_quantile",
        "npv_quantile",
        "central_gain_quantile",
        "service_cut_quantile",
        "regime_benefit_quantile",
        "municipality_benefit",
        "initiative_benefit",
        "initiative_golive",
        "p_target",
        "area_p_target",
        "observed_rank",
        "benefit_mean",
        "npv_mean",
        "central_gain_difference_quantile",
        "service_cut_difference_quantile",
        "central_gain_difference_mean",
        "p_service_cut_above",
        "fte_quantile",
        "fte_mean",
    ):
        lo, hi, est = ds[f"{base}_ci_low"], ds[f"{base}_ci_high"], ds[base]
        assert lo.dims == est.dims and hi.dims == est.dims, base
        assert lo.attrs["method"] and lo.attrs["level"] == 0.95 and lo.attrs["units"] == est.attrs["units"], base
        e = est.values
        assert np.all(lo.values <= e + 1e-9 * np.abs(e) + 1e-9) and np.all(e <= hi.values + 1e-9 * np.abs(e) + 1e-9), (
            base
        )
    # the exact national quantiles' bounds are order statistics of the draws
    b = np.sort(raw.benefit, axis=0)
    j, k = mcerror.quantile_ranks(2000, ds["quantile"].values)
    np.testing.assert_array_equal(ds["benefit_quantile_ci_low"].values, b[j - 1])
    np.testing.assert_array_equal(ds["benefit_quantile_ci_high"].values, b[k - 1])
    # P(target) is 1 by definition where the target is 0
    assert ds["p_target_ci_low"].values[0] == ds["p_target_ci_high"].values[0] == 1.0


def test_table_shows_intervals(small_run):
    from simengine.outputs.terminal import format_table

    ds, _ = small_run
    out = format_table(ds, lang="en")
    assert "±" in out and "95% Monte Carlo interval" in out and "two-sided tail probability" in out


# -- backtest ----------------------------------------------------------------------------------------------
def test_observed_rank_from_histograms_when_draws_are_not_kept():
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=4000)
    plan = compile_plan(sc)
    full = build_dataset(engine.run(plan, threads=2))
    part = build_dataset(engine.run(plan, threads=2, keep_draws=500))
    assert full["observed_rank"].values[0] == pytest.approx(part["observed_rank"].values[0], abs=2e-3)
    r = full["observed_rank"].values
    np.testing.assert_allclose(full["observed_tail_probability"].values, 2 * np.minimum(r, 1 - r))


def _mid_rank(col: np.ndarray, v: float) -> float:
    return float(((col < v).sum() + 0.5 * (col == v).sum()) / len(col))


def test_observed_potential_is_ranked_among_the_potential_gains(small_dict, write_scenario):
    """[observed] quantity = "potential": the rank is a direct count among the per-draw potential
    gains of that year (exact when every draw is kept, from the potential's histograms within 2e-3
    otherwise), not among the realised gains; without the key, among the realised gains."""
    small_dict["observed"] = {"quantity": "potential", "2016": 200e6}
    sc = scenario.load(write_scenario(small_dict)).with_run_options(draws=4000)
    assert sc.observed_quantity == "potential"
    plan = compile_plan(sc)
    full = build_dataset(engine.run(plan, threads=2))
    v = float(full["observed"].values[0])
    pot, ben = (full[n].sel(year=2016).values for n in ("potential", "benefit"))
    assert full["observed_rank"].values[0] == _mid_rank(pot, v)
    assert abs(_mid_rank(pot, v) - _mid_rank(ben, v)) > 0.05  # the two quantities tell apart here
    assert full["observed"].attrs["quantity"] == "potential"
    assert "potential" in full["observed"].attrs["long_name"]
    part = build_dataset(engine.run(plan, threads=2, keep_draws=500))
    assert part["observed_rank"].values[0] == pytest.approx(full["observed_rank"].values[0], abs=2e-3)
    # the default: the realised gain, with the long name as before
    del small_dict["observed"]["quantity"]
    real = build_dataset(
        engine.run(compile_plan(scenario.load(write_scenario(small_dict)).with_run_options(draws=4000)), threads=2)
    )
    assert real["observed_rank"].values[0] == _mid_rank(real["benefit"].sel(year=2016).values, v)
    assert real["observed"].attrs["long_name"] == "observed national gain (backtest)"
    assert real["observed"].attrs["quantity"] == "realised"


def test_observed_quantity_must_be_known(small_dict, write_scenario, capsys):
    small_dict["observed"] = {"quantity": "budgeted", "2016": 200e6}
    path = write_scenario(small_dict)
    assert main(["validate", str(path), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {path}: observed.quantity: must be one of realised, potential, got 'budgeted'"]


# -- the stopping rule -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_plan():
    return compile_plan(scenario.load(DATA / "small.toml"))


def test_stopping_rule_stops_when_precise_enough(small_plan):
    raw, info = mcerror.run_adaptive(small_plan, precision=0.03, max_draws=100_000, block=1000, threads=2)
    assert info.reached and info.draws == raw.draws and raw.draws % 1000 == 0
    assert max(info.half_widths.values()) <= 0.03
    assert len(info.steps) == raw.draws // 1000
    if len(info.steps) > 1:  # one block fewer was not enough
        prev = info.steps[-2]
        assert max(prev["p10"], prev["p50"], prev["p_target"]) > 0.03
    # the half-widths reported are those of the final results
    assert mcerror.half_widths(raw) == info.half_widths
    ds = mcerror.add_precision(build_dataset(raw), info)
    assert ds.attrs["draws"] == info.draws == ds.attrs["precision_draws"]
    assert "reached after" in ds.attrs["precision_summary"]


def test_stopping_rule_stops_at_max_draws(small_plan):
    raw, info = mcerror.run_adaptive(small_plan, precision=1e-4, max_draws=2500, block=1000, threads=2)
    assert not info.reached and raw.draws == info.draws == 2500
    assert [s["draws"] for s in info.steps] == [1000, 2000, 2500]
    assert "NOT reached" in info.describe()


def test_adaptive_run_equals_plain_run(small_plan):
    """Streams are keyed by the global draw index: N draws added in blocks are N plain draws."""
    raw, _ = mcerror.run_adaptive(small_plan, precision=1e-4, max_draws=2100, block=700, threads=2, keep_draws=1000)
    plain = engine.run(compile_plan(small_plan.scenario.with_run_options(draws=2100)), threads=1, keep_draws=1000)
    a, b = build_dataset(raw), build_dataset(plain)
    assert set(a.data_vars) == set(b.data_vars)
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)
    np.testing.assert_array_equal(raw.inputs, plain.inputs)


def test_precision_refuses_latin_hypercube_sampling(small_plan):
    from dataclasses import replace

    from simengine.errors import ConfigError

    lhs = replace(small_plan, scenario=replace(small_plan.scenario, sampling="lhs"))
    with pytest.raises(ConfigError, match='sampling = "random" or "qmc"'):
        mcerror.run_adaptive(lhs, precision=0.01)


def test_cli_precision_with_qmc(tmp_path, small_dict, write_scenario, capsys):
    """run --precision on a QMC scenario: the first block is 16 replicates of 4,096 draws, enough
    for the replicate intervals, which the stopping rule and the Dataset use."""
    from simengine.model.qmc import QMC_REPLICATE

    d = small_dict
    d["simulation"]["sampling"] = "qmc"
    out = tmp_path / "o"
    args = ["run", str(write_scenario(d)), "--precision", "0.05", "--out", str(out), "--no-report"]
    assert main(args) == 0
    assert "præcision 0,05 nået efter 65.536 træk: P10 ±" in capsys.readouterr().out  # Danish by default
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert ds.attrs["qmc_replicates"] == 65_536 // QMC_REPLICATE == 16
        assert ds["benefit_quantile_ci_low"].attrs["method"].startswith("95 % replicate interval")
        assert ds["p_target_ci_low"].attrs["method"].startswith("95 % replicate interval")


def test_cli_precision(tmp_path, capsys):
    out = tmp_path / "o"
    code = main(
        [
            "run",
            str(DATA / "small.toml"),
            "--precision",
            "0.05",
            "--max-draws",
            "200000",
            "--out",
            str(out),
            "--no-report",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "præcision 0,05 nået efter 65.536 træk: P10 ±" in text and "reached" not in text
    man = json.loads((out / "run.json").read_text())
    assert man["draws"] == man["precision"]["draws"] == 65_536 and man["precision"]["reached"]
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert ds.attrs["draws"] == 65_536 and ds.attrs["precision_reached"] == 1
    # usage errors: exit 2, one line
    assert main(["run", str(DATA / "small.toml"), "--precision", "0.05", "--draws", "100", "--out", str(out)]) == 2
    assert main(["run", str(DATA / "small.toml"), "--max-draws", "100", "--out", str(out)]) == 2
    assert main(["run", str(DATA / "small.toml"), "--precision", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        "--draws: bruges ikke sammen med --precision" in err and "--max-draws: bruges kun sammen med --precision" in err
    )


# -- randomised QMC: replicate intervals ------------------------------------------------------------
def _qmc_plan(small_dict, write_scenario, draws, rep_bits=8, seed=None):
    """The small scenario under sampling = "qmc" with replicates of 2^rep_bits draws (small, so that
    a run of a few thousand draws has enough of them)."""
    from dataclasses import replace

    d = small_dict
    d["simulation"]["sampling"] = "qmc"
    d["scenario"]["target"] = 120e6  # so that P(target) is neither 0 nor 1 in 2014-2016
    sc = scenario.load(write_scenario(d)).with_run_options(draws=draws, seed=seed)
    return replace(compile_plan(sc), qmc_rep_bits=rep_bits)


def test_qmc_replicate_intervals_from_the_draws(small_dict, write_scenario):
    """16 complete replicates of 256 draws and 100 draws of a 17th: every national mean, quantile
    and P(target) interval is the estimate over all draws ± t(15) · sd / 4, sd of the 16 complete
    replicates' own means, quantiles and proportions recomputed here from the kept draws (to 1e-9
    of the value); the intervals not computed from replicates say that they assume independent
    draws."""
    plan = _qmc_plan(small_dict, write_scenario, 16 * 256 + 100)
    raw = engine.run(plan, threads=2)
    ds = mcerror.add_mc_error(build_dataset(raw), raw)
    t = sps.t.ppf(0.975, 15)
    b = raw.benefit
    reps = b[: 16 * 256].reshape(16, 256, -1)
    qs = ds["quantile"].values

    def check(var, est, per_rep):
        half = t * np.std(per_rep, axis=0, ddof=1) / 4.0
        lo, hi = ds[f"{var}_ci_low"].values, ds[f"{var}_ci_high"].values
        tol = 1e-9 * np.abs(est).max()
        np.testing.assert_allclose(lo, est - half, rtol=0, atol=tol, err_msg=var)
        np.testing.assert_allclose(hi, est + half, rtol=0, atol=tol, err_msg=var)
        assert ds[f"{var}_ci_low"].attrs["method"].startswith("95 % replicate interval"), var
        assert "R = 16" in ds[f"{var}_ci_low"].attrs["method"]

    check("benefit_mean", b.mean(axis=0), reps.mean(axis=1))
    check("benefit_quantile", np.quantile(b, qs, axis=0), np.quantile(reps, qs, axis=1).swapaxes(0, 1))
    npv = raw.npv[: 16 * 256].reshape(16, 256)
    check("npv_quantile", np.quantile(raw.npv, qs), np.quantile(npv, qs, axis=1).T)
    p = (b >= plan.target).mean(axis=0)
    per = (reps >= plan.target).mean(axis=1)
    varying = np.any(per != per[:1], axis=0)
    assert varying[[3, 4, 5]].all()
    half = t * np.std(per, axis=0, ddof=1) / 4.0
    np.testing.assert_allclose(ds["p_target_ci_low"].values[varying], np.clip(p - half, 0, 1)[varying], atol=1e-12)
    np.testing.assert_allclose(ds["p_target_ci_high"].values[varying], np.clip(p + half, 0, 1)[varying], atol=1e-12)
    # the regimes' paired differences (pair 0) and P(service cut > X), from the per-draw values
    from simengine.analysis.results import REGIME_PAIRS
    from simengine.model.plan import REGIMES

    pb, pa = (REGIMES.index(r) for r in REGIME_PAIRS[0])
    diff = raw.central_gain[:, pb] - raw.central_gain[:, pa]
    dm = diff[: 16 * 256].reshape(16, 256, -1).mean(axis=1)
    half = t * np.std(dm, axis=0, ddof=1) / 4.0
    lo = ds["central_gain_difference_mean_ci_low"].values[0]
    np.testing.assert_allclose(lo, diff.mean(axis=0) - half, rtol=0, atol=1e-9 * np.abs(diff).max())
    assert ds["central_gain_difference_quantile_ci_low"].attrs["method"].startswith("95 % replicate interval")
    assert ds["p_service_cut_above_ci_low"].attrs["method"].startswith("95 % replicate interval")
    assert ds.attrs["qmc_replicates"] == 16 and ds.attrs["qmc_replicate_size"] == 256
    assert "assumes independent draws" in ds["municipality_benefit_ci_low"].attrs["method"]
    assert "replicate interval" in ds.attrs["mc_error_method"]
    # the stopping rule looks at the same intervals
    hw = mcerror.half_widths(raw)
    ty = mcerror._target_index(plan)
    est = ds["benefit_quantile"].sel(quantile=0.1).values[ty]
    hw10 = (ds["benefit_quantile_ci_high"] - ds["benefit_quantile_ci_low"]).sel(quantile=0.1).values[ty] / 2
    assert hw["p10"] == pytest.approx(hw10 / abs(est), rel=1e-9)


def test_qmc_with_few_replicates_falls_back_to_independent_intervals(small_dict, write_scenario):
    """4 replicates (fewer than MIN_REPLICATES): the independent-draw intervals, and their method
    says why."""
    plan = _qmc_plan(small_dict, write_scenario, 4 * 256)
    raw = engine.run(plan, threads=2)
    ds = mcerror.add_mc_error(build_dataset(raw), raw)
    b = raw.benefit
    lo, hi = mcerror.mean_ci(b, b.mean(axis=0), len(b))
    np.testing.assert_allclose(ds["benefit_mean_ci_low"].values, lo, rtol=1e-12)
    np.testing.assert_allclose(ds["benefit_mean_ci_high"].values, hi, rtol=1e-12)
    m = ds["benefit_mean_ci_low"].attrs["method"]
    assert m.startswith(mcerror.MEAN_METHOD) and "only 4 complete replicate(s)" in m and "8 needed" in m
    assert "assumes independent draws" in ds.attrs["mc_error_method"]


def test_qmc_replicate_intervals_cover(small_dict, write_scenario):
    """Coverage of the replicate intervals: 40 runs of 16 replicates of 256 draws (disjoint ranges
    of one run's draws: its replicates are i.i.d. given the scrambled matrices, like new shifts);
    the truth is a 2^17-draw QMC run of another seed (16 replicates of 2^13; its error is about a
    fifth of the intervals' half-width). The 2014-2016 mean, P10, P50, P90 and P(target).
    Tolerance: overall coverage in [0.90, 0.99] (t intervals over 16 replicates are exact only for
    normal replicate estimates), each quantity >= 0.8."""
    years = [3, 4, 5]
    qs = np.array([0.1, 0.5, 0.9])
    truth_plan = _qmc_plan(copy.deepcopy(small_dict), write_scenario, 2**17, rep_bits=13, seed=10**6)
    tb = engine.run(truth_plan, threads=2, keep_draws=2**17, store_inputs=0).benefit[:, years]
    target = truth_plan.target[years]
    true = {"mean": tb.mean(axis=0), "q": np.quantile(tb, qs, axis=0), "p": (tb >= target).mean(axis=0)}
    assert np.all((true["p"] > 0.02) & (true["p"] < 0.98))
    n, runs = 16 * 256, 40
    plan = _qmc_plan(small_dict, write_scenario, n, seed=2011)
    big = engine.run_range(plan, 0, n * runs, 2, keep_draws=10**9, store_inputs=0).kept
    covered: dict[str, list[np.ndarray]] = {"mean": [], "q": [], "p": []}
    for r in range(runs):
        raw = _raw_from(plan, {k: big[k][r * n : (r + 1) * n] for k in PER_DRAW}, n)
        rep = mcerror.replicates(raw)
        assert rep is not None and rep.ok and rep.total == 16
        b = raw.benefit[:, years]
        lo, hi = mcerror.replicate_mean_ci(rep, b, b.mean(axis=0))
        covered["mean"].append((lo <= true["mean"]) & (true["mean"] <= hi))
        lo, hi = mcerror.replicate_quantile_ci(rep, b, np.quantile(b, qs, axis=0), qs)
        covered["q"].append((lo <= true["q"]) & (true["q"] <= hi))
        lo, hi = mcerror.replicate_prob_ci(rep, b >= target, (b >= target).mean(axis=0), n)
        covered["p"].append((lo <= true["p"]) & (true["p"] <= hi))
    rates = {k: np.mean(v, axis=0) for k, v in covered.items()}
    overall = np.mean(np.concatenate([np.ravel(v) for v in covered.values()]))
    assert 0.90 <= overall <= 0.99, (overall, rates)
    for k, v in rates.items():
        assert np.all(v >= 0.8), (k, v)


def test_adaptive_qmc_run_adds_whole_replicates(small_dict, write_scenario):
    """--precision under QMC: blocks rounded up to whole replicates (1,000 -> 1,024 with replicates
    of 256), the run equals a plain run of as many draws, and the stopping rule's half-widths are
    the replicate intervals' once 8 replicates are done."""
    plan = _qmc_plan(small_dict, write_scenario, 100)
    raw, info = mcerror.run_adaptive(plan, precision=0.02, max_draws=40_000, block=1000, threads=2)
    assert info.block == 1024 and raw.draws % 1024 == 0 and len(info.steps) == raw.draws // 1024
    assert info.reached and max(info.half_widths.values()) <= 0.02
    plain = engine.run(
        compile_plan_like(plan, raw.draws),
        threads=1,
    )
    np.testing.assert_array_equal(plain.benefit, raw.benefit)
    assert mcerror.replicates(raw).ok and mcerror.half_widths(raw) == info.half_widths


def compile_plan_like(plan, draws):
    from dataclasses import replace

    return replace(compile_plan(plan.scenario.with_run_options(draws=draws)), qmc_rep_bits=plan.qmc_rep_bits)


def test_cli_warns_when_a_qmc_run_has_too_few_replicates(tmp_path, small_dict, write_scenario, capsys):
    """A QMC run of 10,000 draws (2 complete replicates of 4,096): one warning line naming the
    replicates and the draws that would give replicate intervals; none at 32,768 draws."""
    d = small_dict
    d["simulation"]["sampling"] = "qmc"
    path = str(write_scenario(d))
    base = ["run", path, "--out", str(tmp_path / "o"), "--no-report", "--quiet", "--lang", "en"]
    assert main(base + ["--draws", "10000"]) == 0
    err = [x for x in capsys.readouterr().err.splitlines() if "replicates" in x]
    assert len(err) == 1 and "complete replicates of 4,096 draws: 2 (8 needed)" in err[0] and "32,768 draws" in err[0]
    assert main(base + ["--draws", "32768", "--out", str(tmp_path / "p")]) == 0
    assert "replicates" not in capsys.readouterr().err
