"""The [model] choices, common shocks and delivery dependencies: kernel against the numpy
reference, the mean-preserving realisation against closed forms and quadrature, shocks against
their stated correlation, and the streams of everything else left alone."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from simengine.core import engine
from simengine.errors import ConfigError
from simengine.model.distributions import N_REAL, clamped_mean, mean_preserving_scale, realisation_table
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario
from simengine.testing import simulate_reference_chunked

PER_DRAW = (
    "benefit",
    "cost",
    "area_benefit",
    "central_gain",
    "service_cut",
    "regime_benefit",
    "npv",
    "potential",
    "area_potential",
)


def with_choices(d: dict) -> dict:
    d = copy.deepcopy(d)
    d["model"] = {
        "timing": "component",
        "realisation": "mean-preserving",
        "calibration_band": [0.5, 0.8],
        "calibration_year": 2014,
    }
    d["initiatives"][1]["ramp_baseline"] = 0.35
    d["initiatives"][2]["depends_on"] = "osb-1"
    d["initiatives"][2]["dependency_lag"] = 0.5
    d["shocks"] = [
        {"id": "delivery", "input": "delay", "initiatives": "all", "loading": 0.4},
        {"id": "optimism", "input": "estimate_factor", "initiatives": ["osb-1"], "loading": 0.3},
        {"id": "realisation-climate", "input": "realisation", "loading": 0.25},
    ]
    d["correlations"] = [{"a": "osb-1.adoption", "b": "osb-2.adoption", "rho": 0.5}]
    d["initiatives"][0]["adoption"] = {"dist": "uniform", "min": 0.7, "max": 1.0}
    return d


def _run(path, draws, threads=2, chunk=engine.DEFAULT_CHUNK):
    sc = scenario.load(path).with_run_options(draws=draws)
    plan = compile_plan(sc)
    return plan, engine.run(plan, threads=threads, chunk=chunk)


@pytest.fixture(scope="module")
def choices_path(tmp_path_factory):
    import tomllib

    from tests.conftest import DATA, dump_toml

    with open(DATA / "small.toml", "rb") as fh:
        d = with_choices(tomllib.load(fh))
    p = tmp_path_factory.mktemp("choices") / "choices.toml"
    p.write_text(dump_toml(d), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def choices_run(choices_path):
    plan, raw = _run(choices_path, 2000)
    ref = simulate_reference_chunked(plan, 2000, keep_cells=True)
    return plan, raw, ref


def test_kernel_matches_reference_with_every_choice_on(choices_run):
    """Same uniforms; quantile tables (< 1e-5 of a range) and the interpolated realisation scale
    (its mean within 6e-6, see test below) against scipy and exact bisection."""
    plan, raw, ref = choices_run
    for name in PER_DRAW:
        a, b = getattr(raw, name), ref[name]
        scale = max(1.0, float(np.abs(b).max()))
        assert np.max(np.abs(a - b)) < 1e-4 * scale, name
    n = raw.draws
    ini_mean = raw.acc.init_sum / plan.init_inv_unit[None, :] / n
    np.testing.assert_allclose(ini_mean, ref["initiative"].mean(axis=0).T, rtol=1e-4, atol=1e-6 * plan.gain.max())
    pot_mean = raw.acc.init_pot_sum / plan.init_inv_unit[None, :] / n
    np.testing.assert_allclose(
        pot_mean, ref["initiative_potential"].mean(axis=0).T, rtol=1e-4, atol=1e-6 * plan.gain.max()
    )
    np.testing.assert_allclose(raw.inputs[:n], ref["inputs"][:n], rtol=1e-4, atol=1e-4)


def test_potential_bounds_the_realised_gain_and_adds_up(choices_run):
    _, raw, ref = choices_run
    assert np.all(raw.potential >= raw.benefit - 1e-6)
    np.testing.assert_allclose(raw.area_potential.sum(axis=1), raw.potential, rtol=1e-12, atol=1e-3)
    # dependency: fmk never goes live before osb-1 + 0.5 years (reference go-live per draw)
    g = ref["golive"]
    assert np.all(g[:, 2] >= g[:, 0] + 0.5 - 1e-12)
    assert np.any(g[:, 2] == g[:, 0] + 0.5)  # it binds in some draws


def test_identical_for_any_thread_count_and_chunking_with_choices(choices_path):
    _, one = _run(choices_path, 900, threads=1, chunk=900)
    _, two = _run(choices_path, 900, threads=2, chunk=217)
    for name in PER_DRAW + ("inputs",):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    for name in engine.ACC_FIELDS:
        assert np.array_equal(getattr(one.acc, name), getattr(two.acc, name)), name


# -- the mean-preserving realisation ---------------------------------------------------------------
@pytest.mark.parametrize("sigma", [0.1, 0.32, 1.0])
def test_clamped_mean_closed_form_against_quadrature(sigma):
    ln = stats.lognorm(s=sigma, scale=math.exp(-0.5 * sigma * sigma))
    for a in (0.2, 0.9, 1.3, 3.0):
        below, _ = integrate.quad(lambda v, a=a: a * v * ln.pdf(v), 0, 1 / a, limit=200, epsabs=1e-13)
        q = below + ln.sf(1 / a)
        assert clamped_mean(np.array(a), sigma) == pytest.approx(q, abs=1e-9)


@pytest.mark.parametrize("sigma", [0.1, 0.32, 1.0])
def test_interpolated_scale_keeps_the_mean(sigma):
    """The kernel's table lookup: E[min(a(mu) V, 1)] = mu within 1e-5 for mu <= 1 - 1/N_REAL
    and within 1e-4 in the last cell (measured 5e-6 and 6e-5)."""
    from simengine.model.distributions import realisation_scale

    tab = realisation_table(sigma)
    mu = np.linspace(0.0, 1.0, 30001)
    a = np.array([realisation_scale(tab, m) for m in mu])
    err = np.abs(clamped_mean(a, sigma) - mu)
    inner = mu <= 1 - 1 / N_REAL
    assert err[inner].max() < 1e-5
    assert err.max() < 1e-4
    assert np.all(np.diff(a) >= 0)
    np.testing.assert_allclose(clamped_mean(mean_preserving_scale(mu[1:-1], sigma), sigma), mu[1:-1], atol=1e-12)


def _spread_dict(small_dict, realisation, spread):
    d = copy.deepcopy(small_dict)
    d["model"] = {"realisation": realisation}
    d["national"]["economic_pressure"] = 0.0
    d["municipal"] = {"capacity_spread": 0.4 if spread else 0.0, "local_spread": 0.3 if spread else 0.0}
    d["defaults"]["realisation"] = 0.8
    return d


def test_mean_one_spread_alone_leaves_the_mean_gain_unchanged(small_dict, write_scenario):
    """Realisation 0.8, no economic pressure, no size penalty: adding mean-one capacity and local
    spreads leaves the mean gain unchanged under the mean-preserving realisation (same draws of
    every other input: the difference is the spreads' noise only; tolerance 4 standard errors of
    the paired difference, fixed seed), while the clamp lowers it far beyond that."""
    runs = {}
    for real in ("mean-preserving", "clamped"):
        for spread in (False, True):
            p = write_scenario(_spread_dict(small_dict, real, spread), f"{real}-{spread}.toml")
            runs[real, spread] = _run(p, 4000)[1].benefit[:, -1]
    for real in ("mean-preserving", "clamped"):
        diff = runs[real, True] - runs[real, False]
        se = diff.std(ddof=1) / math.sqrt(len(diff))
        rel = diff.mean() / runs[real, False].mean()
        if real == "mean-preserving":
            assert abs(diff.mean()) < 4 * se, (rel, se)
            assert abs(rel) < 0.002
        else:
            assert diff.mean() < -10 * se and rel < -0.01, rel  # the clamp's artefact
    # without a spread both realisations give the same gains (up to the last bits)
    np.testing.assert_allclose(runs["mean-preserving", False], runs["clamped", False], rtol=1e-9)


# -- shocks -------------------------------------------------------------------------------------------
def test_shock_gives_its_loading_as_correlation_and_leaves_other_streams_alone(small_dict, write_scenario):
    base = copy.deepcopy(small_dict)
    base["initiatives"][2]["estimate_factor"] = {"dist": "lognormal", "median": 1.0, "p90": 1.3}
    shocked = copy.deepcopy(base)
    shocked["shocks"] = [
        {"id": "climate", "input": "delay", "initiatives": "all", "loading": 0.5},
        {"id": "optimism", "input": "estimate_factor", "initiatives": ["osb-1"], "loading": 0.6},
    ]
    pa, a = _run(write_scenario(base, "a.toml"), 6000)
    pb, b = _run(write_scenario(shocked, "b.toml"), 6000)
    names = pa.input_names
    assert names == pb.input_names
    moved = {"osb-1.delay", "osb-2.delay", "fmk.delay", "osb-1.estimate_factor"}
    for k, n in enumerate(names):
        same = np.array_equal(a.inputs[:, k], b.inputs[:, k])
        assert same == (n not in moved), n

    # normal scores of the delays: correlation = the loading (one-factor model), se ~ 0.011
    def z(plan, raw, name):
        k = plan.input_names.index(name)
        return special.ndtri(np.clip(plan.input_dists[k].scipy().cdf(raw.inputs[:, k]), 1e-12, 1 - 1e-12))

    z1, z2, z3 = (z(pb, b, f"{i}.delay") for i in ("osb-1", "osb-2", "fmk"))
    for x, y in ((z1, z2), (z1, z3), (z2, z3)):
        assert np.corrcoef(x, y)[0, 1] == pytest.approx(0.5, abs=0.05)
    za, zb = z(pa, a, "osb-1.delay"), z(pa, a, "osb-2.delay")
    assert abs(np.corrcoef(za, zb)[0, 1]) < 0.05
    # marginals unchanged: the shocked delays are still standard normal scores
    assert stats.kstest(z1, "norm").pvalue > 1e-3
    # a shock on one initiative's estimate factor alone correlates nothing else
    ze1, ze3 = z(pb, b, "osb-1.estimate_factor"), z(pb, b, "fmk.estimate_factor")
    assert abs(np.corrcoef(ze1, ze3)[0, 1]) < 0.05


# -- bad input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda d: d.update(model={"timing": "sum"}), "model.timing: must be one of 'additive', 'component'"),
        (lambda d: d.update(model={"realisation": "beta"}), "model.realisation: must be one of"),
        (lambda d: d.update(model={"calibration_band": [0.8, 0.5]}), "model.calibration_band: must be [low, high]"),
        (lambda d: d.update(model={"calibration_year": 2014}), "model.calibration_year: needs model.calibration_band"),
        (lambda d: d.update(shocks=[{"id": "x", "input": "dealy", "loading": 0.3}]), "did you mean 'delay'"),
        (
            lambda d: d.update(shocks=[{"id": "x", "input": "delay", "loading": 1.3}]),
            "shocks[0].loading: must be in [0, 1]",
        ),
        (
            lambda d: d.update(shocks=[{"id": "x", "input": "delay", "initiatives": ["nope"], "loading": 0.3}]),
            "shocks[0].initiatives: no initiative 'nope'",
        ),
        (
            lambda d: d.update(shocks=[{"id": "x", "input": "overrun", "initiatives": ["osb-2"], "loading": 0.3}]),
            "nothing to shock",
        ),
        (
            lambda d: d["initiatives"][0].update(depends_on="fmk") or d["initiatives"][2].update(depends_on="osb-1"),
            "makes a cycle of dependencies",
        ),
        (lambda d: d["initiatives"][0].update(depends_on="osb-1"), "cannot wait for itself"),
        (lambda d: d["initiatives"][0].update(depends_on="fnk"), "did you mean 'fmk'"),
        (lambda d: d["initiatives"][0].update(ramp_baseline=1.0), "ramp_baseline: must be in [0, 1)"),
        (lambda d: d["initiatives"][0].update(dependency_lag=1.0), "dependency_lag: needs depends_on"),
    ],
)
def test_bad_model_choices_are_one_line_errors(small_dict, write_scenario, change, needle):
    d = copy.deepcopy(small_dict)
    change(d)
    with pytest.raises(ConfigError) as e:
        scenario.load(write_scenario(d))
    assert needle in str(e.value)
    assert "\n" not in str(e.value).strip() or all(
        line.startswith(str(e.value).split(":")[0]) for line in str(e.value).splitlines()
    )


# -- the potential in results.nc ----------------------------------------------------------------------
def test_potential_in_the_dataset_streamed_and_kept_agree(choices_path):
    """Statistics of the potential from the kept draws (exact) and from the streaming histograms
    (keep_draws < draws): means equal up to the fixed-point unit of the national sums, quantiles within one bin (0.1 %) of the order statistics that bracket their rank."""
    from simengine.analysis.results import build_dataset
    from simengine.outputs.terminal import calibration_text

    sc = scenario.load(choices_path).with_run_options(draws=3000)
    plan = compile_plan(sc)
    exact = build_dataset(engine.run(plan, keep_draws=3000))
    I_UNIT = float(1.0 / plan.init_inv_unit.min())  # noqa: N806 - the per-initiative fixed-point unit
    streamed = build_dataset(engine.run(plan, keep_draws=700))
    for name in ("potential_mean", "initiative_potential_mean", "realised_promised_ratio"):
        np.testing.assert_allclose(
            streamed[name].values, exact[name].values, rtol=1e-8, atol=1.0 / plan.nat_inv_unit, err_msg=name
        )
    # per area: the mean from the initiatives' sums over all draws
    np.testing.assert_allclose(
        streamed["area_potential_mean"].values,
        exact["area_potential_mean"].values,
        rtol=1e-8,
        atol=I_UNIT * len(plan.gain),
    )
    from simengine.analysis.results import bin_ratio

    gamma = bin_ratio(10)
    # per area, streamed: quantiles of the first 700 draws (kept per draw)
    np.testing.assert_allclose(
        streamed["area_potential_quantile"].values,
        np.quantile(exact["area_potential"].values[:700], exact["quantile"].values, axis=0),
    )
    for name, per_draw in (("potential_quantile", "potential"), ("area_potential_quantile", "area_potential")):
        srt = np.sort(exact[per_draw].values, axis=0)
        for k, qq in enumerate(exact["quantile"].values):
            r = qq * (srt.shape[0] - 1)
            lo, hi = srt[int(np.floor(r))], srt[int(np.ceil(r))]
            got = (streamed if name == "potential_quantile" else exact)[name].values[k]
            assert np.all(got >= lo / gamma - 1e-6) and np.all(got <= hi * gamma + 1e-6), (name, qq)
    np.testing.assert_array_equal(exact["potential"].values, exact["potential"].values)
    assert exact["potential"].shape == (3000, len(plan.years))
    assert np.all(exact["potential_mean"].values >= exact["benefit_mean"].values)
    ratio = exact["benefit_mean"].values / plan.gain.sum()
    np.testing.assert_allclose(exact["realised_promised_ratio"].values, ratio)
    text = calibration_text(exact)
    assert "calibration band 0.50-0.80 in 2014" in text and ("inside" in text or "BELOW" in text or "ABOVE" in text)


# -- the waterfall follows the choices ----------------------------------------------------------------
def test_waterfall_evaluator_matches_the_kernel_with_every_choice_on(choices_path):
    """The waterfall's evaluator re-derives the kernel's formulas (timing, dependencies, ramp
    baseline, mean-preserving realisation); with causes switched off it equals the kernel run on
    the scenario with those causes switched off, on the same draws."""
    from simengine.analysis import sensitivity as analysis
    from simengine.analysis.results import build_dataset
    from simengine.analysis.sensitivity import CAUSES, N_CAUSES

    keys = [c[0] for c in CAUSES]
    sc = scenario.load(choices_path).with_run_options(draws=400)
    raw = engine.run(compile_plan(sc), threads=2)
    ty = sc.target_year - sc.start_year
    masks = [0] + [1 << c for c in range(N_CAUSES)] + [(1 << N_CAUSES) - 1, 0b1010010110, 0b0101101001]
    for mask in masks:
        off = [keys[c] for c in range(N_CAUSES) if mask >> c & 1]
        ref = engine.run(compile_plan(analysis.switched_off(sc, off)), threads=2).benefit[:, ty]
        got = analysis.coalition_gain(raw.plan, raw.inputs, mask)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-3, err_msg=str(off))
    ds = analysis.add_waterfall(build_dataset(raw), raw)
    assert "waterfall" in ds and "waterfall_note" not in ds.attrs
    target = float(ds["target"].values[ty])
    assert target + ds["waterfall"].values.sum() == pytest.approx(float(ds["benefit_mean"].values[ty]), abs=1e-6)


# -- per-initiative observables -----------------------------------------------------------------------
def test_initiative_draws_add_up_to_the_kernels_per_draw_values(choices_run):
    """Recomputed from the kept inputs, the initiatives' potential and realised gains add up to the
    kernel's per-draw national potential and gain; go-live matches the numpy reference."""
    from simengine.analysis.observables import initiative_draws

    plan, raw, ref = choices_run
    n = min(len(raw.inputs), len(raw.benefit))
    obs = initiative_draws(plan, raw.inputs[:n])
    np.testing.assert_allclose(obs["potential"].sum(axis=1), raw.potential[:n], rtol=1e-12, atol=1e-3)
    np.testing.assert_allclose(obs["realised"].sum(axis=1), raw.benefit[:n], rtol=1e-12, atol=1e-3)
    # the reference's exact ppf against the kernel's quantile tables: < 1e-3 of a range in the tails
    np.testing.assert_allclose(obs["golive"], ref["golive"][:n], rtol=0, atol=2e-3)
    # go-live in the tails moves the ramp: within 1e-4 of the largest business case
    np.testing.assert_allclose(obs["potential"], ref["initiative_potential"][:n], rtol=0, atol=1e-4 * plan.gain.max())
    assert np.all(obs["realised"] <= obs["potential"] + 1e-6)


def test_observed_quantities_follow_every_choice_as_the_kernel_does(choices_run):
    """What an observation reads per draw (go-live, adoption, an initiative's potential and realised
    gain: simengine.scenario.observations) and the update's per-initiative statistics
    (simengine.analysis.update.initiative_stats) equal the kernel-checked observables with component
    timing, a dependency with a lag and a ramp baseline on (bit for bit: the same functions)."""
    from simengine.analysis.observables import initiative_draws
    from simengine.analysis.sensitivity import local_sums
    from simengine.analysis.update import initiative_stats, weighted_quantile
    from simengine.scenario.observations import golive_adoption, initiative_gains

    plan, raw, _ = choices_run
    n = min(len(raw.inputs), len(raw.benefit))
    X = np.ascontiguousarray(raw.inputs[:n])
    obs = initiative_draws(plan, X)
    dep = next(i for i in range(len(plan.gain)) if plan.dep_of[i] >= 0)
    # the dependency binds in some draws and the baseline matters: the check is not vacuous
    assert np.any(obs["golive"][:, dep] == obs["golive"][:, plan.dep_of[dep]] + plan.dep_lag[dep])
    s1 = local_sums(plan, X)
    for i in range(len(plan.gain)):
        np.testing.assert_array_equal(golive_adoption(plan, X, i), obs["golive"][:, i])
        for y in range(len(plan.years)):
            ym = float(plan.year_mid[y])
            np.testing.assert_array_equal(golive_adoption(plan, X, i, ym), obs["adoption"][:, i, y])
    for y in range(len(plan.years)):
        np.testing.assert_array_equal(initiative_gains(plan, X, y, True), obs["potential"][:, :, y])
        np.testing.assert_allclose(initiative_gains(plan, X, y, False, s1=s1), obs["realised"][:, :, y], rtol=1e-13)
    w = np.full(n, 1.0 / n)
    q = np.array([0.1, 0.5, 0.9])
    for i in range(len(plan.gain)):
        gq, bq, bm = initiative_stats(plan, X, n, s1, i, w, q)
        np.testing.assert_array_equal(gq, weighted_quantile(obs["golive"][:, i], w, q))
        for y in range(len(plan.years)):
            np.testing.assert_allclose(bq[:, y], weighted_quantile(obs["realised"][:, i, y], w, q), rtol=1e-12)
