"""The calibration check on the bases of its evidence (simengine.analysis.calibration): the realised/promised
ratio over what is delivered against the deduction-on-delivery deal's own computation and a direct
count with every [model] choice, and the steady-state ratio against the gain in a year when every
initiative is live and fully ramped."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simengine.analysis import calibration
from simengine.cli import runner
from simengine.core import engine
from simengine.model.plan import INITIATIVE_VARS, N_NATIONAL, compile_plan
from simengine.outputs.terminal import calibration_text
from simengine.scenario import schema as scenario

DRAWS = 3000


def test_delivered_ratio_equals_the_delivery_deal(small_path):
    """Additive timing, no dependencies: the delivered business cases are those the fourth deal
    deducts (simengine.analysis.negotiate, its own go-live code), over the same (all) draws."""
    sc = scenario.load(small_path).with_run_options(draws=DRAWS)
    ds = runner.simulate(sc, threads=2)
    r = ds["realised_delivered_ratio"].values
    with np.errstate(invalid="ignore"):
        ref = ds["benefit_mean"].values / ds["delivery_central_gain_mean"].values
    live = ds["delivery_central_gain_mean"].values > 0
    np.testing.assert_allclose(r[live], ref[live], rtol=1e-12)
    assert np.isnan(r[~live]).all() and (~live).any()  # 2011: nothing live yet
    assert ds["realised_delivered_ratio"].attrs["method"].startswith("over the first 3,000 draws")


def test_delivered_ratio_with_every_model_choice(small_dict, write_scenario):
    """Component timing and a dependency: a direct count from the kept inputs by the equations of
    docs/model.md."""
    d = copy.deepcopy(small_dict)
    d["model"] = {
        "timing": "component",
        "realisation": "mean-preserving",
        "calibration_band": [0.5, 0.8],
        "calibration_year": 2015,
    }
    d["initiatives"][2]["depends_on"] = "osb-1"
    d["initiatives"][2]["dependency_lag"] = 0.5
    sc = scenario.load(write_scenario(d)).with_run_options(draws=DRAWS)
    plan = compile_plan(sc)
    raw = engine.run(plan, threads=2)
    b = calibration.bases(raw)
    V = {v: k for k, v in enumerate(INITIATIVE_VARS)}
    iv = raw.inputs[:, N_NATIONAL:].reshape(DRAWS, 3, len(INITIATIVE_VARS))
    start = np.array([2012.0, 2013.0, 2013.0])
    g = start + np.maximum(iv[:, :, V["delay"]], iv[:, :, V["legislation"]] * iv[:, :, V["legislation_delay"]])
    g[:, 2] = np.maximum(g[:, 2], g[:, 0] + 0.5)
    gain = np.array([120e6, 80e6, 100e6])
    years = np.arange(2011, 2017)
    ded = sum(gain[i] * np.clip(years[None, :] + 1 - g[:, i, None], 0, 1) for i in range(3))
    np.testing.assert_allclose(b["delivered"], ded, rtol=1e-14)
    ds = runner.simulate(sc, threads=2)
    assert ds["realised_delivered_ratio"].attrs["calibration_year"] == 2015
    text = calibration_text(ds, "en")
    assert "2015, of the business cases live by then:" in text and "at full effect" in text
    assert "af de business cases der er i drift" in calibration_text(ds, "da")


def test_steady_state_ratio_is_the_gain_once_everything_is_live(small_dict, write_scenario):
    """No delay, no legislation, a ramp of a hundredth of a year: in 2016 every initiative is live
    and fully ramped, so each draw's gain is its steady-state gain and the ratios agree."""
    d = copy.deepcopy(small_dict)
    d["defaults"]["delay"] = 0.0
    d["defaults"]["ramp"] = 0.01
    for ini in d["initiatives"]:
        ini.pop("legislation", None)
        ini.pop("delay", None)
    sc = scenario.load(write_scenario(d)).with_run_options(draws=DRAWS)
    raw = engine.run(compile_plan(sc), threads=2)
    b = calibration.bases(raw)
    np.testing.assert_allclose(b["steady"], raw.benefit[:, -1], rtol=1e-9)
    ds = runner.simulate(sc, threads=2)
    assert float(ds["steady_state_ratio"]) == pytest.approx(float(ds["realised_promised_ratio"][-1]), rel=1e-9)


@pytest.mark.parametrize(
    "model, message",
    [
        (
            {"calibration_band": [0.5, 0.8], "calibration_basis": "deliverd"},
            "model.calibration_basis: must be one of 'promised', 'delivered', 'steady-state', got 'deliverd'",
        ),
        ({"calibration_basis": "delivered"}, "model.calibration_basis: needs model.calibration_band"),
    ],
)
def test_bad_calibration_basis_is_one_line_exit_2(small_dict, write_scenario, tmp_path, model, message):
    import subprocess
    import sys

    d = copy.deepcopy(small_dict)
    d["model"] = model
    p = write_scenario(d, "bad.toml")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "simengine",
            "run",
            str(p),
            "--draws",
            "100",
            "--out",
            str(tmp_path / "out"),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_the_basis_reaches_results_and_text(small_dict, write_scenario):
    d = copy.deepcopy(small_dict)
    d["model"] = {"calibration_band": [0.5, 0.8], "calibration_year": 2016, "calibration_basis": "delivered"}
    ds = runner.simulate(scenario.load(write_scenario(d)).with_run_options(draws=500), threads=2)
    assert ds["realised_promised_ratio"].attrs["calibration_basis"] == "delivered"
    assert ds["realised_delivered_ratio"].attrs["calibration_basis"] == "delivered"
    assert "the scenario reads the band on: what is delivered" in calibration_text(ds, "en")
    # the default keeps the earlier meaning: no attribute, the band read on all that was promised
    d["model"].pop("calibration_basis")
    ds = runner.simulate(scenario.load(write_scenario(d)).with_run_options(draws=500), threads=2)
    assert "calibration_basis" not in ds["realised_promised_ratio"].attrs
    assert "reads the band on: all that was promised" in calibration_text(ds, "en")
