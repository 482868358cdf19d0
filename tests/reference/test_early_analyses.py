"""The sensitivity and the waterfall's coalitions computed in a thread beside the Dataset's building
(simengine.analysis.sensitivity.start): the same numbers as computed in turn, errors raised where
they were before, and only where numba's threading layer allows it."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from simengine.analysis import sensitivity as analysis
from simengine.analysis.results import build_dataset
from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario
from tests.conftest import DATA

#: the variables the two analyses add to the Dataset
ADDED = ("sensitivity", "tornado_low", "tornado_high", "waterfall", "waterfall_p50", "waterfall_mc_se")


@pytest.fixture(scope="module")
def raw():
    plan = compile_plan(scenario.load(DATA / "small.toml").with_run_options(draws=3000))
    return engine.run(plan, threads=2)


def _layer_takes_two_callers() -> bool:
    return numba.threading_layer() in ("omp", "tbb")


def test_started_beside_the_caller_where_the_threading_layer_allows(raw, monkeypatch):
    monkeypatch.delenv("SIMENGINE_DEBUG", raising=False)
    monkeypatch.delenv("SIMENGINE_ANALYSES_THREAD", raising=False)
    early = analysis.start(raw, 2)
    assert (early is not None) == _layer_takes_two_callers()
    if early is not None:
        early.sensitivity(), early.coalitions()  # let the thread finish before the next test


@pytest.mark.parametrize("env", ["SIMENGINE_ANALYSES_THREAD", "SIMENGINE_DEBUG"])
def test_turned_off_by_the_environment(raw, monkeypatch, env):
    monkeypatch.setenv(env, "0" if env == "SIMENGINE_ANALYSES_THREAD" else "1")
    assert analysis.start(raw, 2) is None


def test_the_same_numbers_as_in_turn(raw):
    """The Dataset with both analyses computed in the thread against the one computed in turn,
    variable by variable, bit for bit (NaN where NaN): the thread reads the same kept draws."""
    if not _layer_takes_two_callers():
        pytest.skip(f"numba's threading layer {numba.threading_layer()} runs one parallel loop at a time")
    early = analysis.Early(raw, 2)
    ds_thread = analysis.add_analyses(build_dataset(raw), raw, 2, early)
    ds_turn = analysis.add_analyses(build_dataset(raw), raw, 2)
    for name in ADDED:
        assert name in ds_turn, name
        np.testing.assert_array_equal(ds_thread[name].values, ds_turn[name].values, err_msg=name)
    assert set(ds_thread.data_vars) == set(ds_turn.data_vars)
    for name in ds_turn.data_vars:
        a, b = ds_thread[name].values, ds_turn[name].values
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    assert early.seconds["sensitivity"] > 0 and early.seconds["waterfall"] > 0
    assert ds_thread.attrs["seconds_sensitivity"] == round(early.seconds["sensitivity"], 4)


def test_an_error_in_the_thread_is_the_waterfalls_note(small_path, capsys):
    """The evaluator's self-check fails in the thread: the run goes on without a waterfall, with the
    note and the warning of a waterfall computed in turn."""
    if not _layer_takes_two_callers():
        pytest.skip(f"numba's threading layer {numba.threading_layer()} runs one parallel loop at a time")
    plan = compile_plan(scenario.load(small_path).with_run_options(draws=200))
    raw = engine.run(plan, threads=2)
    raw.benefit[:, :] *= 1.01  # as if the kernel computed something else
    ds = analysis.add_analyses(build_dataset(raw), raw, 2, analysis.Early(raw, 2))
    assert "waterfall" not in ds and "differs from the kernel" in ds.attrs["waterfall_note"]
    assert "sensitivity" in ds  # the other analysis is unaffected
    assert "no waterfall" in capsys.readouterr().err


@pytest.fixture(scope="module")
def shocked(tmp_path_factory):
    """The small scenario with three [[shocks]], 2,000 draws."""
    import tomllib

    from tests.conftest import dump_toml
    from tests.reference.test_shockeffect import _shocked

    with open(DATA / "small.toml", "rb") as fh:
        path = tmp_path_factory.mktemp("early") / "shocked.toml"
        path.write_text(dump_toml(_shocked(tomllib.load(fh))), encoding="utf-8")
    return engine.run(compile_plan(scenario.load(path).with_run_options(draws=2000)), threads=2)


def test_the_shock_comparison_from_the_thread_is_the_same(shocked):
    """A scenario with [[shocks]]: the run without them made in the thread gives the comparison
    computed in turn, bit for bit."""
    from simengine.analysis.shockeffect import add_shock_effect

    if not _layer_takes_two_callers():
        pytest.skip(f"numba's threading layer {numba.threading_layer()} runs one parallel loop at a time")
    raw = shocked
    early = analysis.Early(raw, 2)
    a = add_shock_effect(build_dataset(raw), raw, 2, early)
    b = add_shock_effect(build_dataset(raw), raw, 2)
    names = [n for n in b.data_vars if n.startswith("shock_effect")]
    assert len(names) == 5
    for n in names:
        np.testing.assert_array_equal(a[n].values, b[n].values, err_msg=n)
    assert early.seconds["shock_effect"] > 0


def test_the_run_without_the_shocks_waits_for_the_dataset(shocked):
    """Its kernel's buffers must not meet the Dataset's trimming (simengine.core.memory): it starts
    only once the caller says the Dataset is built."""
    import time

    if not _layer_takes_two_callers():
        pytest.skip(f"numba's threading layer {numba.threading_layer()} runs one parallel loop at a time")
    early = analysis.Early(shocked, 2)
    early.sensitivity(), early.coalitions()
    time.sleep(0.3)
    assert not early._shock.done() and "shock_effect" not in early.seconds
    early.dataset_built()
    assert early._shock.result(timeout=60)["draws"] == 2000
