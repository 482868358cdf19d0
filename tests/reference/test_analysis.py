"""Sensitivity, tornado and the shortfall waterfall (simengine.analysis.sensitivity)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from simengine.analysis import sensitivity as analysis
from simengine.analysis.results import build_dataset
from simengine.analysis.sensitivity import CAUSES, N_CAUSES, WATERFALL_ITEMS
from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario

CAUSE_KEYS = [c[0] for c in CAUSES]


def _run(sc, draws=None, keep=None):
    if draws is not None:
        sc = sc.with_run_options(draws=draws)
    plan = compile_plan(sc)
    return engine.run(plan, threads=2, keep_draws=keep)


def _dataset(sc, draws=None, keep=None):
    raw = _run(sc, draws, keep)
    ds = build_dataset(raw)
    return analysis.add_analyses(ds, raw), raw


# -- sensitivity ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dominated(tmp_path_factory):
    """The small scenario with one input made to dominate the 2014 gain: fmk's estimate factor is
    uniform on [0, 4] (the others keep their priors), and fmk goes live on time."""
    import tomllib

    from tests.conftest import DATA, dump_toml

    with open(DATA / "small.toml", "rb") as fh:
        d = tomllib.load(fh)
    fmk = d["initiatives"][2]
    fmk["estimate_factor"] = {"dist": "uniform", "min": 0.0, "max": 4.0}
    fmk["delay"] = 0.0
    fmk["start"] = 2012
    p = tmp_path_factory.mktemp("dominated") / "dominated.toml"
    p.write_text(dump_toml(d), encoding="utf-8")
    sc = scenario.load(p).with_run_options(draws=3000)
    ds, raw = _dataset(sc)
    return sc, ds, raw


def test_dominant_input_tops_sensitivity_and_tornado(dominated):
    _, ds, _ = dominated
    assert ds["input"].values[0] == "fmk.estimate_factor"  # sorted by |Spearman| with the target-year gain
    width = np.abs(ds["tornado_high"].values - ds["tornado_low"].values)
    assert ds["input"].values[int(np.argmax(width))] == "fmk.estimate_factor"
    k = list(ds["input"].values).index("fmk.estimate_factor")
    assert ds["sensitivity"].values[k] > 0.8
    assert ds["tornado_high"].values[k] > ds["tornado_base"].values > ds["tornado_low"].values[k]
    assert ds["input_initiative"].values[k] == "fmk" and ds["input_kind"].values[k] == "estimate_factor"
    for v in ("sensitivity", "tornado_low", "tornado_high", "sensitivity_npv", "tornado_npv_low", "tornado_npv_high"):
        assert ds[v].dims == ("input",) and ds[v].attrs["units"] and ds[v].attrs["long_name"]
        assert ds[v].attrs["draws"] == 3000


def test_spearman_matches_scipy_and_events_are_one_input(dominated):
    sc, ds, raw = dominated
    plan = raw.plan
    ty = sc.target_year - sc.start_year
    names = list(ds["input"].values)
    col = {n: k for k, n in enumerate(plan.input_names)}
    # risk events: one input each, the delay (B·L) when the blocker strikes and 0 otherwise
    assert "osb-1.legislation" in names and "osb-1.legislation_delay" not in names
    assert "osb-1.technology" in names and "osb-1.technology_loss" not in names
    bl = raw.inputs[:, col["osb-1.legislation"]] * raw.inputs[:, col["osb-1.legislation_delay"]]
    # constant inputs are left out (fmk has no legislation; the overrun of osb-2 is fixed)
    assert "fmk.legislation" not in names and "osb-2.overrun" not in names
    for name, x in (
        ("fmk.estimate_factor", raw.inputs[:, col["fmk.estimate_factor"]]),
        ("osb-1.legislation", bl),
        ("national.weak_share", raw.inputs[:, 0]),
    ):
        k = names.index(name)
        assert ds["sensitivity"].values[k] == pytest.approx(sps.spearmanr(x, raw.benefit[:, ty]).statistic, abs=1e-12)
        assert ds["sensitivity_npv"].values[k] == pytest.approx(sps.spearmanr(x, raw.npv).statistic, abs=1e-12)
    # the blocker strikes in 20 % of draws: its lowest decile is every draw without it (ties at 0),
    # its highest decile the 10 % longest delays
    k = names.index("osb-1.legislation")
    assert ds["tornado_draws_low"].values[k] == int((bl == 0).sum()) > 2000
    assert ds["tornado_draws_high"].values[k] == 300
    assert ds["tornado_low"].values[k] == pytest.approx(np.median(raw.benefit[bl == 0, ty]))
    # immature technology strikes in 5 % of draws, fewer than a decile: its "highest decile" is
    # the draws where it strikes
    tq = raw.inputs[:, col["osb-1.technology"]] * raw.inputs[:, col["osb-1.technology_loss"]]
    k = names.index("osb-1.technology")
    assert 0 < ds["tornado_draws_high"].values[k] == int((tq > 0).sum()) < 300
    assert ds["tornado_high"].values[k] == pytest.approx(np.median(raw.benefit[tq > 0, ty]))
    # a continuous input: deciles of the draws
    k = names.index("fmk.estimate_factor")
    assert ds["tornado_draws_low"].values[k] == ds["tornado_draws_high"].values[k] == 300


def test_average_ranks_with_ties():
    x = np.array([3.0, 1.0, 3.0, 0.0, 3.0, 1.0])
    ranks, _, srt = analysis.average_ranks(x)
    np.testing.assert_array_equal(ranks, sps.rankdata(x))
    np.testing.assert_array_equal(srt, np.sort(x))


# -- waterfall --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_ds(tmp_path_factory):
    from tests.conftest import DATA

    sc = scenario.load(DATA / "small.toml")
    return _dataset(sc, draws=3000)


def _ty(ds):
    return list(ds["year"].values).index(ds["waterfall"].attrs["year"])


def test_waterfall_sums_exactly_to_the_gap(small_ds):
    ds, _ = small_ds
    ty = _ty(ds)
    assert list(ds["cause"].values) == [c[0] for c in WATERFALL_ITEMS]
    target = float(ds["target"].values[ty])
    mean = float(ds["benefit_mean"].values[ty])
    p50 = float(ds["benefit_quantile"].sel(quantile=0.5).values[ty])
    tol = 1e-6  # DKK: floating-point rounding of a sum of 12 parts of ~1e8
    assert ds["waterfall"].attrs["start"] == target
    assert target + ds["waterfall"].values.sum() == pytest.approx(mean, abs=tol)
    assert target + ds["waterfall_p50"].values.sum() == pytest.approx(p50, abs=tol)
    # per area: from the area's target to its mean and median
    np.testing.assert_allclose(
        ds["area_waterfall_start"].values + ds["area_waterfall"].values.sum(axis=1),
        ds["area_benefit_mean"].values[:, ty],
        rtol=0,
        atol=tol,
    )
    np.testing.assert_allclose(
        ds["area_waterfall_start"].values + ds["area_waterfall_p50"].values.sum(axis=1),
        ds["area_benefit_quantile"].sel(quantile=0.5).values[:, ty],
        rtol=0,
        atol=tol,
    )
    # per initiative: from its share of the target to its mean
    np.testing.assert_allclose(
        ds["initiative_waterfall_start"].values + ds["initiative_waterfall"].values.sum(axis=1),
        ds["initiative_benefit_mean"].values[:, ty],
        rtol=0,
        atol=tol,
    )
    assert ds["initiative_waterfall_start"].values.sum() == pytest.approx(target)
    # the mean is linear: the initiatives' parts add up to the national parts
    np.testing.assert_allclose(ds["initiative_waterfall"].values.sum(axis=0), ds["waterfall"].values, rtol=0, atol=1e-3)
    # every draw kept: no subsample, so no sampling part
    assert ds["waterfall"].sel(cause="sampling").values == pytest.approx(0.0, abs=tol)
    assert ds["waterfall"].attrs["draws"] == 3000


def test_switched_off_cause_gets_exactly_zero(small_dict, write_scenario):
    d = small_dict
    del d["national"]["economic_pressure"]  # economic pressure off
    for ini in d["initiatives"]:  # no legislative blockers, no immature technology
        ini.pop("legislation", None)
        ini.pop("technology", None)
    sc = scenario.load(write_scenario(d)).with_run_options(draws=1500)
    ds, _ = _dataset(sc)
    for cause in ("economic_pressure", "legislation", "technology"):
        for v in ("waterfall", "waterfall_p50", "area_waterfall", "area_waterfall_p50", "initiative_waterfall"):
            assert np.all(ds[v].sel(cause=cause).values == 0.0), (v, cause)
    for cause in ("delay", "realisation", "estimates"):  # still on
        assert ds["waterfall"].sel(cause=cause).values < 0


def test_closed_form_waterfall(small_dict, write_scenario):
    """Only realisation (r = 0.5) is uncertain... and fixed: the waterfall is arithmetic. fmk starts
    after the target year, so the plan misses its 100 mio."""
    d = small_dict
    d["national"] = {"assumed_weak_share": 0.1}
    d["municipal"] = {}
    d["defaults"] = {"ramp": 1.0, "realisation": 0.5}
    for ini in d["initiatives"]:
        for k in ("estimate_factor", "legislation", "technology", "adoption", "delay"):
            ini.pop(k, None)
    d["initiatives"][2]["start"] = 2015
    sc = scenario.load(write_scenario(d)).with_run_options(draws=200)
    ds, _ = _dataset(sc)
    w = ds["waterfall"]
    expect = {"plan": -100e6, "realisation": -100e6}
    for c in ds["cause"].values:
        assert w.sel(cause=c).values == pytest.approx(expect.get(str(c), 0.0), abs=1e-4), c
    assert ds["initiative_waterfall"].sel(initiative="fmk", cause="plan").values == pytest.approx(-100e6, abs=1e-4)
    assert ds["initiative_waterfall"].sel(initiative="osb-1", cause="realisation").values == pytest.approx(-60e6)


def test_evaluator_matches_the_kernel_with_causes_switched_off(small_path):
    """The waterfall's "cause off" is the scenario with that cause switched off, on the same draws."""
    sc = scenario.load(small_path).with_run_options(draws=400)
    raw = _run(sc)
    ty = sc.target_year - sc.start_year
    masks = [0] + [1 << c for c in range(N_CAUSES)] + [(1 << N_CAUSES) - 1, 0b1010010110]
    for mask in masks:
        off = [CAUSE_KEYS[c] for c in range(N_CAUSES) if mask >> c & 1]
        ref = _run(analysis.switched_off(sc, off)).benefit[:, ty]
        got = analysis.coalition_gain(raw.plan, raw.inputs, mask)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-3, err_msg=str(off))


def test_waterfall_on_a_subsample_states_it(small_path):
    sc = scenario.load(small_path).with_run_options(draws=2500)
    raw = _run(sc)
    ds = analysis.add_waterfall(build_dataset(raw), raw, draws=1000)
    ty = _ty(ds)
    assert ds["waterfall"].attrs["draws"] == 1000 and ds["waterfall"].attrs["draws_total"] == 2500
    assert "first 1,000 of 2,500" in ds["waterfall"].attrs["method"]
    # the sampling part bridges the subsample's mean to the mean over all draws
    sub = raw.benefit[:1000, ty].mean()
    assert ds["waterfall"].sel(cause="sampling").values == pytest.approx(ds["benefit_mean"].values[ty] - sub)
    assert ds["target"].values[ty] + ds["waterfall"].values.sum() == pytest.approx(ds["benefit_mean"].values[ty])


def test_waterfall_states_its_monte_carlo_error(small_path):
    """The mean waterfall's parts are means over the subsample of per-draw Shapley values: their
    standard errors (waterfall_mc_se) are the per-draw values' sd / sqrt(draws). Checked against the
    per-draw Shapley values computed independently (analysis.shapley on every draw's 1,024 values)."""
    sc = scenario.load(small_path).with_run_options(draws=4000)
    raw = _run(sc)
    n, ty = 1000, int(sc.target_year - sc.start_year)
    w = analysis.waterfall(raw, draws=n)
    np.testing.assert_allclose(-w["phi_draw_mean"], w["mean"][1:-1], rtol=1e-9, atol=1e-9 * w["start"])
    vals, _, masks = analysis.coalition_values(raw.plan, raw.inputs[:n], np.arange(32), year_index=ty)
    v = np.empty((1 << N_CAUSES, n))
    v[masks.ravel()] = vals[:, :, 0, :].reshape(-1, n)
    phi = analysis.shapley(v)  # (causes, draws)
    se = w["mean_se"]
    np.testing.assert_allclose(se[1:-1], np.std(phi, axis=1, ddof=1) / np.sqrt(n), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(se[0], np.std(v[-1], ddof=1) / np.sqrt(n), rtol=1e-6, atol=1e-9 * w["start"])
    g = raw.benefit[:n, ty]
    assert se[-1] == pytest.approx(np.std(g, ddof=1) / np.sqrt(n) * np.sqrt(1 - n / 4000))
    assert (se[1:-1] > 0).any()
    ds = analysis.add_waterfall(build_dataset(raw), raw, draws=n)
    assert ds["waterfall_mc_se"].attrs["units"] == "DKK/year" and "sqrt" in ds["waterfall_mc_se"].attrs["se_method"]


def test_shapley_is_exact_and_symmetric():
    rng = np.random.default_rng(1)
    n = 4
    v = rng.normal(size=1 << n)
    phi = analysis.shapley(v, n)
    assert phi.sum() == pytest.approx(v[-1] - v[0])
    # a product game x0 * x1 of two symmetric players splits equally; a dummy player gets 0
    g = np.array([(k & 1) * 2.0 * ((k >> 1) & 1) * 3.0 for k in range(1 << n)])
    phi = analysis.shapley(g, n)
    assert phi[0] == pytest.approx(3.0) and phi[1] == pytest.approx(3.0) and phi[2] == phi[3] == 0.0


def test_self_check_refuses_a_changed_model(small_path, capsys):
    sc = scenario.load(small_path).with_run_options(draws=200)
    raw = _run(sc)
    raw.benefit[:, :] *= 1.01  # as if the kernel computed something else
    ds = analysis.add_waterfall(build_dataset(raw), raw)
    assert "waterfall" not in ds and "differs from the kernel" in ds.attrs["waterfall_note"]
    assert "no waterfall" in capsys.readouterr().err


def test_explain_on_stdout(tmp_path, capsys):
    from simengine.cli.main import main
    from tests.conftest import DATA

    code = main(
        [
            "run",
            str(DATA / "small.toml"),
            "--draws",
            "800",
            "--out",
            str(tmp_path),
            "--no-report",
            "--explain",
            "--lang",
            "en",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Shapley waterfall" in out and "By area" in out and "By initiative" in out and "What drives" in out
    for _, name, _ in WATERFALL_ITEMS:
        assert name in out
