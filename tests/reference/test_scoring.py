"""Scores against closed forms and brute force; the observations file; per-draw observables; backtest."""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy import integrate, stats

from simengine.analysis.scoring import crps_censored, crps_lognormal, crps_normal, crps_sample, score
from simengine.analysis.update import simulate_for, weighted_quantile
from simengine.errors import ConfigError
from simengine.scenario import observations as obsmod
from simengine.scenario import schema as scenario
from simengine.scenario.observations import ErrorModel, Observation

DATA = Path(__file__).resolve().parents[1] / "data"
OBS = DATA / "observations_small.toml"
ROOT = Path(__file__).resolve().parents[2]


def obs(kind="exact", value=1.0, **kw) -> Observation:
    bias = kw.pop("bias", 1.0)
    return Observation(
        "t",
        "realised",
        "national",
        "",
        2013,
        value,
        ErrorModel(kind, bias=bias, **kw),
        dt.date(2014, 1, 1),
        "https://example.org",
    )


def brute_crps(x, y, w=None):
    """properscoring-style: E|X - y| - 0.5 E|X - X'| over all pairs (O(n^2))."""
    x = np.asarray(x, float)
    w = np.full(len(x), 1 / len(x)) if w is None else np.asarray(w) / np.sum(w)
    return float(w @ np.abs(x - y) - 0.5 * w @ np.abs(x[:, None] - x[None, :]) @ w)


# -- the scores --------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_crps_sample_matches_brute_force(n):
    rng = np.random.default_rng(n)
    x = rng.lognormal(0, 1, n)
    x[: n // 3] = 0.0  # atoms
    for y in (-1.0, 0.0, 0.7, float(np.median(x)), 10.0):
        assert crps_sample(x, y) == pytest.approx(brute_crps(x, y), rel=1e-12, abs=1e-12)
        w = rng.random(n)
        assert crps_sample(x, y, w) == pytest.approx(brute_crps(x, y, w), rel=1e-12, abs=1e-12)


def test_crps_integral_form_is_the_crps():
    """int (F(z) - 1{z >= y})^2 dz, the censored form with lo = hi = y, equals E|X-y| - E|X-X'|/2."""
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=40), rng.random(40)
    for y in (-3.0, -0.2, 0.0, 0.5, 4.0):
        assert crps_censored(x, y, y) == pytest.approx(brute_crps(x, y), rel=1e-12)
        assert crps_censored(x, y, y, w) == pytest.approx(brute_crps(x, y, w), rel=1e-12)


def test_censored_crps_by_numerical_integration():
    rng = np.random.default_rng(4)
    x = np.sort(rng.normal(size=30))
    F = lambda z: np.searchsorted(x, z, side="right") / len(x)
    lo, hi = -0.3, 0.8
    pts = list(x)
    left = integrate.quad(lambda z: F(z) ** 2, -10, lo, points=[p for p in pts if p < lo], limit=200)[0]
    right = integrate.quad(lambda z: (1 - F(z)) ** 2, hi, 10, points=[p for p in pts if p > hi], limit=200)[0]
    assert crps_censored(x, lo, hi) == pytest.approx(left + right, rel=1e-6)
    assert crps_censored(x, -math.inf, hi) == pytest.approx(right, rel=1e-6)
    assert crps_censored(np.array([0.0, 0.1]), -1.0, 1.0) == 0.0  # all inside: nothing to score


def test_normal_forecast_closed_form():
    """A sample at the quantiles of N(mu, s) has the closed-form CRPS (Gneiting & Raftery 2007)."""
    mu, s, n = 2.0, 1.5, 200_000
    x = mu + s * stats.norm.ppf((np.arange(n) + 0.5) / n)
    for y in (-1.0, 2.0, 3.3, 8.0):
        assert crps_sample(x, y) == pytest.approx(crps_normal(mu, s, y), rel=2e-4)


def test_lognormal_closed_form_by_integration():
    mu, s = 0.3, 0.6
    dist = stats.lognorm(s, scale=math.exp(mu))
    for y in (0.5, 1.3, 4.0):
        num = (
            integrate.quad(lambda z: dist.cdf(z) ** 2, 0, y)[0]
            + integrate.quad(lambda z: dist.sf(z) ** 2, y, np.inf)[0]
        )
        assert crps_lognormal(mu, s, y) == pytest.approx(num, rel=1e-7)
    assert crps_lognormal(mu, s, -1.0) == pytest.approx(
        integrate.quad(lambda z: dist.sf(z) ** 2, 0, np.inf)[0] + 1.0, rel=1e-7
    )


def test_noisy_observation_scores_the_convolved_forecast():
    """A point forecast mu observed with normal error sd: predictive N(b mu, sd): PIT, log score exact, CRPS
    within its Monte Carlo error (200,000 draws, fixed noise seed)."""
    mu, sd, b, y = 100.0, 12.0, 1.2, 130.0
    o = obs("normal", y, sd=sd, bias=b)
    r = score(o, np.full(200_000, mu), seed=1)
    assert r["pit"] == pytest.approx(stats.norm.cdf(y, b * mu, sd), rel=1e-12)
    assert r["log_score"] == pytest.approx(-stats.norm.logpdf(y, b * mu, sd), rel=1e-10)
    assert r["crps"] == pytest.approx(crps_normal(b * mu, sd, y), rel=0.01)
    # lognormal error: predictive lognormal(log(b mu), sd)
    o = obs("lognormal", y, sd=0.2, bias=b)
    r = score(o, np.full(200_000, mu), seed=1)
    assert r["pit"] == pytest.approx(stats.norm.cdf((math.log(y) - math.log(b * mu)) / 0.2), rel=1e-12)
    assert r["log_score"] == pytest.approx(-stats.lognorm(0.2, scale=b * mu).logpdf(y), rel=1e-10)
    assert r["crps"] == pytest.approx(crps_lognormal(math.log(b * mu), 0.2, y), rel=0.01)
    # the mixture density of a spread forecast
    x = np.array([90.0, 100.0, 140.0])
    r = score(obs("normal", y, sd=sd), x, seed=1)
    assert r["log_score"] == pytest.approx(-math.log(stats.norm.pdf(y, x, sd).mean()), rel=1e-12)


def test_pit_uniform_for_a_calibrated_forecast_with_atoms():
    """Truths from the forecast's own distribution, half of it an atom at 0: the randomised PIT is uniform."""
    rng = np.random.default_rng(11)
    x = np.where(rng.random(4000) < 0.5, 0.0, rng.lognormal(0, 1, 4000))
    truth = np.where(rng.random(400) < 0.5, 0.0, rng.lognormal(0, 1, 400))
    pits = np.array([score(replace(obs("exact", float(t)), id=f"o{k}"), x)["pit"] for k, t in enumerate(truth)])
    assert stats.kstest(pits, "uniform").pvalue > 0.01
    assert pits[truth == 0].max() <= 0.5 + 0.02  # inside the atom's mass


def test_interval_and_bounds():
    x = np.linspace(0.0, 1.0, 101)
    r = score(obs("interval", 0.5, low=0.4, high=0.6), x)
    assert 0.39 <= r["pit"] <= 0.61
    assert r["log_score"] == pytest.approx(-math.log(21 / 101))
    r = score(obs("at_least", 0.9), x)
    assert r["pit"] >= 0.89 and r["log_score"] == pytest.approx(-math.log(11 / 101))
    r = score(obs("at_most", 2.0), x)
    assert r["crps"] == 0.0 and r["log_score"] == pytest.approx(0.0, abs=1e-12)


def test_weighted_quantile_equal_weights_is_numpy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=1001)
    q = np.array([0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0])
    np.testing.assert_allclose(
        weighted_quantile(x, np.full(1001, 1 / 1001), q), np.quantile(x, q), rtol=1e-12, atol=1e-12
    )
    w = np.zeros(1001)
    w[:501] = 1 / 501
    np.testing.assert_allclose(weighted_quantile(x, w, q), np.quantile(x[:501], q), rtol=1e-12, atol=1e-12)


# -- the observations file ----------------------------------------------------------------------------
def test_example_file_loads():
    o = obsmod.load(OBS)
    assert [x.id for x in o.observations][:2] == ["nat-2013", "osb1-golive"]
    assert [r.name for r in o.references] == ["business_case", "reference_class"]
    assert o.references[1].low == 0.3 and o.references[1].high == 0.6
    obsmod.check_against(o, scenario.load(DATA / "small.toml"))
    assert [x.id for x in o.known_by(dt.date(2014, 12, 31))] == ["nat-2013", "osb1-golive"]


BAD = [  # (replacement in the example file, words the one-line message must hold)
    (
        'quantity = "realised"\nscope = "national"\nyear = 2013',
        'quantity = "staff"\nscope = "national"\nyear = 2013',
        ["'nat-2013'", "quantity", "'staff'"],
    ),
    ("year = 2013", "year = 2030", ["'nat-2013'", "year", "2030", "2011-2016"]),
    ("sd = 0.3 }", "sd = -0.3 }", ["'nat-2013'", "error.sd", "-0.3"]),
    ('scope = "initiative:fmk"', 'scope = "initiative:nope"', ["'fmk-2016'", "scope", "nope"]),
    ("value = 60e6", "value = -5", ["'nat-2013'", "lognormal", "-5"]),
    ("value = 0.8", "value = 1.4", ["'osb2-adoption-2015'", "1.4", "outside the interval"]),
    ("value = 150e6", "value = -150e6", ["'nat-2016'", "exact", "-1.5e+08"]),
    ("known_by = 2014-03-01", 'known_by = "soon"', ["'nat-2013'", "known_by", "soon"]),
]


@pytest.mark.parametrize("old,new,words", BAD, ids=[b[1][:20] for b in BAD])
def test_bad_observations_exit_2_one_line(tmp_path, old, new, words):
    text = OBS.read_text()
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new, 1))
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simengine",
            "backtest",
            str(DATA / "small.toml"),
            str(bad),
            "--draws",
            "50",
            "--out",
            str(out),
            "--lang",
            "en",  # the English words below
        ],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0], proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert "Traceback" not in proc.stderr and not out.exists()


def test_bad_references_and_duplicates(tmp_path):
    p = tmp_path / "o.toml"
    p.write_text(
        '[[observation]]\nid = "a"\nquantity = "golive"\nscope = "national"\nvalue = 2013.0\n'
        'error = { kind = "exact" }\nknown_by = 2014-01-01\nsource = "x"\n'
        '[[observation]]\nid = "a"\n[[reference]]\nname = "r"\nratio = [0.6, 0.3]\n'
    )
    with pytest.raises(ConfigError) as e:
        obsmod.load(p)
    msg = str(e.value)
    assert "golive" in msg and "initiative:<id>" in msg and "duplicate id 'a'" in msg and "0.6" in msg


# -- per-draw observables -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_run():
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=1500)
    o = obsmod.load(OBS)
    ds, raw = simulate_for(sc, o.observations, analyses=False, all_inputs=True)
    return sc, o, ds, raw


def test_per_initiative_gains_sum_to_the_national_gain(small_run):
    """The per-initiative gains (with the evaluator's realisation sums) add up to the kernel's national
    gains bit for bit, and to its area gains, in every kept draw and year; the potential is
    gain F (1 - T Q) x adoption."""
    sc, _, ds, raw = small_run
    plan = raw.plan
    for y in range(len(plan.years)):
        g = obsmod.initiative_gains(plan, raw.inputs, y, potential=False)
        total = np.zeros(len(g))
        for i in range(g.shape[1]):  # the kernel's order: the same bits
            total = total + g[:, i]
        np.testing.assert_array_equal(total, ds["benefit"].values[:, y])
        area = [[i.area for i in sc.initiatives].index(a.key) for a in sc.areas]
        assert len(area) == 2
        soc = [k for k, i in enumerate(sc.initiatives) if i.area == "social"]
        np.testing.assert_allclose(
            g[:, soc].sum(axis=1), ds["area_benefit"].sel(area="social").values[:, y], rtol=1e-12, atol=1e-3
        )
        pot = obsmod.initiative_gains(plan, raw.inputs, y, potential=True)
        from simengine.model.plan import N_NATIONAL, N_VARS

        for i in range(len(plan.gain)):
            o = N_NATIONAL + i * N_VARS
            F, T, Q = raw.inputs[:, o], raw.inputs[:, o + 4], raw.inputs[:, o + 5]
            ad = obsmod.golive_adoption(plan, raw.inputs, i, float(plan.year_mid[y]))
            np.testing.assert_allclose(pot[:, i], plan.gain[i] * F * (1 - T * Q) * ad, rtol=1e-12, atol=1e-6)
            assert np.all(pot[:, i] >= g[:, i] - 1e-6)


def test_golive_matches_the_kernel_histogram(small_run):
    """Go-live per draw from the kept inputs, binned monthly, gives the run's go-live quantiles."""
    from simengine.analysis.results import golive_quantiles

    sc, _, ds, raw = small_run
    plan = raw.plan
    G = np.stack([obsmod.golive_adoption(plan, raw.inputs, i) for i in range(len(plan.gain))])
    hist = np.zeros((len(plan.gain), raw.acc.golive_hist.shape[1]), np.int64)
    for i in range(len(plan.gain)):
        k = np.clip(np.floor((G[i] - sc.start_year) * 12).astype(int), 0, hist.shape[1] - 1)
        np.add.at(hist[i], k, 1)
    np.testing.assert_array_equal(hist, raw.acc.golive_hist)
    q = ds["quantile"].values
    np.testing.assert_allclose(golive_quantiles(hist, float(sc.start_year), q), ds["initiative_golive"].values)


def test_potential_missing_is_one_clear_line(small_run):
    _sc, o, ds, raw = small_run
    pot = replace(o.observations[0], quantity="potential")
    ds2 = ds.drop_vars([v for v in ("potential", "area_potential") if v in ds])
    with pytest.raises(ConfigError) as e:
        obsmod.per_draw((pot,), ds2, raw.plan, raw.inputs, "obs.toml")
    assert "obs.toml" in str(e.value) and "'nat-2013'" in str(e.value) and "potential" in str(e.value)
    assert len(str(e.value).splitlines()) == 1
    # a Dataset that has it (as the results will): national potential read from it
    fake = ds.assign(potential=ds["benefit"] * 1.5)
    x = obsmod.per_draw((pot,), fake, raw.plan, raw.inputs)
    np.testing.assert_array_equal(x[0], fake["potential"].sel(year=2013).values)


def test_business_case_reference():
    sc = scenario.load(DATA / "small.toml")
    o = obsmod.load(OBS)
    by = {x.id: x for x in o.observations}
    assert obsmod.business_case(by["nat-2013"], sc) == 120e6 + 80e6 + 100e6  # starts 2012, 2013, 2013
    assert obsmod.business_case(replace(by["nat-2013"], year=2012), sc) == 120e6
    assert obsmod.business_case(by["osb1-golive"], sc) == 2012.0
    assert obsmod.business_case(by["social-2015"], sc) == 100e6


# -- the backtest command ---------------------------------------------------------------------------
def test_backtest_command(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = tmp_path / "bt"
    cmd = [
        sys.executable,
        "-m",
        "simengine",
        "backtest",
        str(DATA / "small.toml"),
        str(OBS),
        "--draws",
        "1000",
        "--lang",
        "en",
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())  # the table wraps at 80 columns
    assert "PIT histogram" in text and "skill vs reference_class" in text
    assert (out / "charts" / "pit_histogram.png").stat().st_size > 1000
    with xr.open_dataset(out / "backtest.nc", engine="h5netcdf") as bt:
        bt = bt.load()
    ids = [x.id for x in obsmod.load(OBS).observations]
    assert list(bt["observation"].values) == ids
    for v in ("pit", "crps", "value", "crps_business_case", "crps_reference_class", "log_score"):
        assert bt[v].dims == ("observation",)
    assert np.all((bt["pit"] >= 0) & (bt["pit"] <= 1))
    assert int(bt["pit_histogram"].sum()) == len(ids)
    # the output contract: every variable (crps_<reference> included) and coordinate as declared
    from simengine.analysis.varspecs import check

    assert check(bt, "backtest") == []
    assert bt["crps_business_case"].attrs["long_name"].startswith("CRPS of the reference forecast 'business_case'")
    assert bt["observation"].attrs["long_name"] and bt["year"].attrs["units"] == "year"
    # the scores are those of the per-draw values, independently recomputed
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=1000)
    o = obsmod.load(OBS)
    ds, raw = simulate_for(sc, o.observations, analyses=False)
    x = obsmod.per_draw(o.observations, ds, raw.plan, raw.inputs)
    k = ids.index("nat-2016")  # exact: the CRPS of the kept draws at the value
    assert float(bt["crps"].values[k]) == pytest.approx(brute_crps(x[k], 150e6), rel=1e-9)
    k = ids.index("nat-2013")  # lognormal error: the PIT integrates the error model exactly
    pit = stats.norm.cdf((math.log(60e6) - np.log(np.maximum(x[k], 1e-300))) / 0.3)
    assert float(bt["pit"].values[k]) == pytest.approx(np.where(x[k] > 0, pit, 1.0).mean(), rel=1e-9)
    # the business case at face value: a point forecast; exact observation: |bc - y|
    assert float(bt["crps_business_case"].values[ids.index("nat-2016")]) == pytest.approx(300e6 - 150e6)
    # reproducible: a second run gives the same file contents
    proc = subprocess.run(cmd[:-1] + [str(tmp_path / "bt2")], check=False, capture_output=True, text=True, env=env)
    assert proc.returncode == 0
    with xr.open_dataset(tmp_path / "bt2" / "backtest.nc", engine="h5netcdf") as bt2:
        for v in bt.data_vars:
            np.testing.assert_array_equal(bt[v].values, bt2[v].values)
