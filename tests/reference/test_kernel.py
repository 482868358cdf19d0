"""The numba kernel against the plain numpy reference, and its reproducibility contract."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simengine.analysis.results import bin_ratio, hist_quantiles
from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario
from simengine.testing import simulate_reference_chunked

PER_DRAW = ("benefit", "cost", "area_benefit", "central_gain", "service_cut", "regime_benefit", "npv")


def _run(path, draws, threads=2, chunk=engine.DEFAULT_CHUNK, seed=None):
    sc = scenario.load(path).with_run_options(draws=draws, seed=seed)
    plan = compile_plan(sc)
    return plan, engine.run(plan, threads=threads, chunk=chunk)


@pytest.fixture(scope="module")
def small_run(request):
    from tests.conftest import DATA

    plan, raw = _run(DATA / "small.toml", 3000)
    ref = simulate_reference_chunked(plan, 3000, keep_cells=True)
    return plan, raw, ref


def test_kernel_matches_numpy_reference_per_draw(small_run):
    """Same uniforms; the kernel's quantile tables differ from scipy's exact ppf by < 1e-5 of
    each input's range for 97 % of the uniforms (< 1e-3 for the rest), which moves outputs by
    well under 1e-4 relative."""
    plan, raw, ref = small_run
    for name in PER_DRAW:
        a, b = getattr(raw, name), ref[name]
        scale = max(1.0, float(np.abs(b).max()))
        assert np.max(np.abs(a - b)) < 1e-4 * scale, name


def test_kernel_matches_reference_per_municipality_and_initiative(small_run):
    plan, raw, ref = small_run
    n = raw.draws
    mun_mean = raw.acc.mun_sum / plan.mun_inv_unit[None, :] / n  # (Y, M)
    np.testing.assert_allclose(
        mun_mean, ref["municipality"].mean(axis=0), rtol=1e-4, atol=1e-6 * plan.mun_nominal.max()
    )
    ini_mean = raw.acc.init_sum / plan.init_inv_unit[None, :] / n  # (Y, I)
    np.testing.assert_allclose(ini_mean, ref["initiative"].mean(axis=0).T, rtol=1e-4, atol=1e-6 * plan.gain.max())
    short = raw.acc.mun_short_sum / plan.mun_short_inv_unit[None, :] / n
    np.testing.assert_allclose(
        short, ref["municipality_shortfall"].mean(axis=0), rtol=1e-4, atol=1e-6 * plan.mun_nominal.max()
    )
    # the stored inputs are the same draws' inputs
    np.testing.assert_allclose(raw.inputs[:n], ref["inputs"][:n], rtol=1e-4, atol=1e-4)


def _bracket(values, q):
    """The order statistics x_(floor r) and x_(ceil r), r = q (n - 1), along axis 0."""
    srt = np.sort(values, axis=0)
    r = q * (values.shape[0] - 1)
    return srt[int(np.floor(r))], srt[int(np.ceil(r))]


def test_histogram_quantiles_within_one_bin_of_exact(small_run):
    """The stated resolution: a histogram quantile lies between the two order statistics that
    bracket its rank, widened by one bin (relative bin width at most bin_ratio - 1 = 0.39 %)."""
    plan, raw, ref = small_run
    gamma = bin_ratio()
    for q in (0.05, 0.1, 0.5, 0.9, 0.95):
        got = hist_quantiles(raw.acc.mun_hist, plan.mun_hist_lo[None, :], np.array([q]))[0]  # (Y, M)
        lo, hi = _bracket(ref["municipality"], q)
        assert np.all(got >= lo / gamma - 1e-9) and np.all(got <= hi * gamma + 1e-9), q
        assert np.all(got[hi == 0] == 0)
        got_i = hist_quantiles(raw.acc.init_hist, plan.init_hist_lo[None, :], np.array([q]))[0]  # (Y, I)
        lo_i, hi_i = _bracket(ref["initiative"].transpose(0, 2, 1), q)
        assert np.all(got_i >= lo_i / gamma - 1e-9) and np.all(got_i <= hi_i * gamma + 1e-9), q


def test_sums_are_consistent(small_run):
    plan, raw, ref = small_run
    # areas add up to the national total in every draw
    np.testing.assert_allclose(raw.area_benefit.sum(axis=1), raw.benefit, rtol=1e-12, atol=1e-3)
    # municipalities add up to the national total in every draw (reference) and on average (kernel)
    np.testing.assert_allclose(ref["municipality"].sum(axis=2), ref["benefit"], rtol=1e-10)
    mun_mean = raw.acc.mun_sum / plan.mun_inv_unit[None, :] / raw.draws
    np.testing.assert_allclose(mun_mean.sum(axis=1), raw.benefit.mean(axis=0), rtol=1e-7)
    ini_mean = raw.acc.init_sum / plan.init_inv_unit[None, :] / raw.draws
    np.testing.assert_allclose(ini_mean.sum(axis=1), raw.benefit.mean(axis=0), rtol=1e-7)


def _same(a, b):
    for name in PER_DRAW + ("inputs",):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in engine.ACC_FIELDS:
        assert np.array_equal(getattr(a.acc, name), getattr(b.acc, name)), name


def test_identical_for_any_thread_count_and_chunking(small_path):
    _, one = _run(small_path, 1500, threads=1, chunk=1500)
    _, two = _run(small_path, 1500, threads=2, chunk=1500)
    _, chunked = _run(small_path, 1500, threads=2, chunk=217)
    _, chunked1 = _run(small_path, 1500, threads=1, chunk=1000)
    _same(one, two)
    _same(one, chunked)
    _same(one, chunked1)


def test_different_seed_gives_different_results(small_path):
    _, a = _run(small_path, 500, seed=1)
    _, b = _run(small_path, 500, seed=2)
    assert not np.array_equal(a.benefit, b.benefit)
    assert abs(a.benefit[:, -1].mean() / b.benefit[:, -1].mean() - 1) < 0.1  # same model, other draws


def test_draws_are_a_prefix(small_path):
    """Draw d is the same whether 300 or 1000 draws are run (streams keyed by draw index)."""
    _, a = _run(small_path, 300)
    _, b = _run(small_path, 1000)
    assert np.array_equal(a.benefit, b.benefit[:300])


def _inputs(plan, raw, ident):
    cols = [k for k, i in enumerate(plan.input_initiative) if i == ident]
    return raw.inputs[:, cols]


def test_keyed_streams_editing_one_initiative_leaves_others_alone(small_dict, write_scenario):
    base = write_scenario(small_dict, "a.toml")
    edited = copy.deepcopy(small_dict)
    edited["initiatives"][0]["delay"] = {"dist": "uniform", "min": 1.0, "max": 3.0}
    p_ed = write_scenario(edited, "b.toml")
    plan_a, a = _run(base, 800)
    plan_b, b = _run(p_ed, 800)
    for ini in ("osb-2", "fmk"):
        assert np.array_equal(_inputs(plan_a, a, ini), _inputs(plan_b, b, ini))
    assert np.array_equal(a.inputs[:, :2], b.inputs[:, :2])  # national inputs
    da, db = _inputs(plan_a, a, "osb-1"), _inputs(plan_b, b, "osb-1")
    kinds = [plan_a.input_kind[c] for c in range(plan_a.n_inputs) if plan_a.input_initiative[c] == "osb-1"]
    k = kinds.index("delay")
    assert not np.array_equal(da[:, k], db[:, k])
    others = [c for c in range(da.shape[1]) if c != k]
    assert np.array_equal(da[:, others], db[:, others])
    # the initiatives that did not change contribute exactly the same gain in every draw
    ia = a.acc.init_sum[:, 1:]
    ib = b.acc.init_sum[:, 1:]
    assert np.array_equal(ia, ib)


def test_keyed_streams_removing_an_initiative(small_dict, write_scenario):
    fewer = copy.deepcopy(small_dict)
    fewer["initiatives"] = fewer["initiatives"][1:]
    plan_a, a = _run(write_scenario(small_dict, "a.toml"), 600)
    plan_b, b = _run(write_scenario(fewer, "b.toml"), 600)
    for ini in ("osb-2", "fmk"):
        assert np.array_equal(_inputs(plan_a, a, ini), _inputs(plan_b, b, ini))
    assert np.array_equal(a.acc.init_sum[:, 1:], b.acc.init_sum)


def test_streaming_national_statistics_match_exact(small_path):
    """With fewer draws kept than run, national statistics come from streaming histograms; they
    must agree with the exact ones: quantiles within one bin (0.1 %) of the order statistics at
    their rank, P(target) identical (it is counted exactly), means to fixed-point precision and
    the expected shortfall within 0.2 % of the target."""
    from simengine.analysis.results import bin_ratio, build_dataset
    from simengine.model.plan import NAT_SUB_BITS

    sc = scenario.load(small_path).with_run_options(draws=4000)
    plan = compile_plan(sc)
    full = engine.run(plan, threads=2, keep_draws=4000)
    part = engine.run(plan, threads=2, keep_draws=150)
    assert len(part.benefit) == 150 and np.array_equal(part.benefit, full.benefit[:150])
    ex, st = build_dataset(full), build_dataset(part)
    assert st.sizes["draw"] == 150 and st.attrs["draws_kept"] == 150 and st.attrs["draws"] == 4000
    np.testing.assert_array_equal(ex["p_target"].values, st["p_target"].values)
    np.testing.assert_array_equal(ex["area_p_target"].values, st["area_p_target"].values)
    for v in (
        "benefit_mean",
        "net_benefit_mean",
        "area_benefit_mean",
        "npv_mean",
        "central_gain_mean",
        "service_cut_mean",
        "regime_benefit_mean",
    ):
        np.testing.assert_allclose(st[v].values, ex[v].values, rtol=1e-6, atol=1e-6 * plan.nat_nominal, err_msg=v)
    gamma = bin_ratio(NAT_SUB_BITS)
    for name, values in (
        ("benefit", full.benefit),
        ("net_benefit", full.benefit - full.cost),
        ("area_benefit", full.area_benefit),
        ("npv", full.npv),
        ("service_cut", full.service_cut),
    ):
        for q in (0.05, 0.1, 0.5, 0.9, 0.95):
            got = st[f"{name}_quantile"].sel(quantile=q).values
            lo, hi = _bracket(values, q)
            # widen by one bin on either side, for either sign
            low = np.minimum(lo / gamma, lo * gamma) - 1e-6
            high = np.maximum(hi * gamma, hi / gamma) + 1e-6
            assert np.all(got >= low) and np.all(got <= high), (name, q)
    np.testing.assert_allclose(st["expected_shortfall"].values, ex["expected_shortfall"].values, atol=2e-3 * sc.target)
    np.testing.assert_allclose(st["shortfall_mean"].values, ex["shortfall_mean"].values, atol=2e-3 * sc.target)


def test_national_histograms_of_kept_draws_equal_streaming_every_draw(small_path):
    """The kernel streams national series only for draws it does not keep; RawResults.national
    bins the kept ones from their per-draw values. The result must be the very integers of
    streaming every draw (keep_draws=0), for kept samples that end inside a kernel chunk, and
    must not change the run's other accumulators."""
    plan = compile_plan(scenario.load(small_path).with_run_options(draws=3000))
    every = engine.run(plan, threads=2, keep_draws=0)
    assert every.acc.nat_hist.sum() == 3000 * every.acc.nat_hist.shape[0]
    for keep in (1, 777, 3000):
        raw = engine.run(plan, threads=2, keep_draws=keep, chunk=500)
        assert raw.acc.nat_hist.sum() == (3000 - keep) * raw.acc.nat_hist.shape[0]  # streamed: the others
        hist, sums = raw.national()
        np.testing.assert_array_equal(hist, every.acc.nat_hist)
        np.testing.assert_array_equal(sums, every.acc.nat_sum)
        for name in engine.ACC_FIELDS:
            if name not in ("nat_hist", "nat_sum"):
                np.testing.assert_array_equal(getattr(raw.acc, name), getattr(every.acc, name), err_msg=name)
