"""The update's observed quantities streamed block by block: computed from each block's inputs where
the block ran (simengine.analysis.update.observe_block), they are the numbers of the direct
computation on all kept inputs, bit for bit, whatever the blocks; only the inputs of the first
STREAM_INPUTS kept draws are kept, and the statistics that read inputs are weighted over those."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from simengine.analysis import update as upd
from simengine.core import driver, engine
from simengine.scenario import observations as obsmod
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"
OBS = ROOT / "tests" / "data" / "observations_small.toml"


def _run(draws: int = 1200):
    sc = scenario.load(SMALL).with_run_options(draws=draws)
    o = obsmod.load(OBS)
    ds, raw = upd.simulate_for(sc, o.observations, analyses=False, all_inputs=True, file=str(OBS))
    return o, ds, raw


def test_streamed_observations_equal_the_direct_computation(monkeypatch):
    o, ds_one, raw_one = _run()  # the kept draws in one block
    monkeypatch.setattr(driver, "OBSERVE_BLOCK", 250)  # ... and in five blocks of 240
    _, ds, raw = _run()
    streamed = [x for x in o.observations if upd.needs_inputs(x)]
    assert len(streamed) == 3 and raw.extra["observed"].shape == (1200, 3)
    assert len(raw.inputs) == 1200  # fewer kept draws than STREAM_INPUTS: all their inputs are kept
    direct = obsmod.per_draw(o.observations, ds, raw.plan, raw.inputs, str(OBS))  # on all kept inputs at once
    for r in (raw, raw_one):
        x = upd.observed(o.observations, ds, r, str(OBS))
        assert x.tobytes() == direct.tobytes()
    assert raw.inputs.tobytes() == raw_one.inputs.tobytes()
    for name in engine.PER_DRAW:
        assert getattr(raw, name).tobytes() == getattr(raw_one, name).tobytes(), name


def test_only_the_first_stream_inputs_draws_keep_their_inputs(monkeypatch):
    o, ds_all, raw_all = _run()
    monkeypatch.setattr(upd, "STREAM_INPUTS", 500)
    monkeypatch.setattr(engine, "DEFAULT_STORE_INPUTS", 500)
    _, ds, raw = _run()
    assert raw.inputs.shape == (500, raw.plan.n_inputs)
    assert raw.inputs.tobytes() == raw_all.inputs[:500].tobytes()
    # the weights still cover every kept draw, from the streamed observed quantities
    used = o.known_by(obsmod.parse_date("2015-01-01"))
    x = upd.observed(used, ds, raw, str(OBS))
    assert x.tobytes() == upd.observed(used, ds_all, raw_all, str(OBS)).tobytes()
    w, ess = upd.weights_for(used, x)
    assert len(w) == 1200
    post = upd.reweight(ds, raw, w)
    # the per-initiative statistics: the first 500 kept draws under their share of the weights
    K, wi = upd.input_weights(w, 500)
    assert K == 500 and abs(wi.sum() - 1.0) < 1e-12 and np.array_equal(wi, w[:500] / w[:500].sum())
    q = ds["quantile"].values
    s1 = upd.kept_sums(raw.plan, raw_all.inputs, 500)
    gl, bq, bm = upd.initiative_stats(raw.plan, raw_all.inputs, 500, s1, 0, wi, q)
    np.testing.assert_array_equal(post["initiative_golive"].values[:, 0], gl)
    np.testing.assert_array_equal(post["initiative_benefit"].values[:, 0, :], bq)
    assert "first 500 of the 1,200 kept draws" in post["initiative_benefit"].attrs["method"]
    # national statistics use every kept draw
    np.testing.assert_array_equal(post["benefit_mean"].values, upd.wmean(ds["benefit"].values, w))
    mv = upd.input_movement(raw, w, ess)
    ref = upd.input_movement(dataclasses.replace(raw, inputs=raw_all.inputs[:500]), wi, 1 / np.sum(wi**2))
    assert mv["names"] == ref["names"]
    np.testing.assert_array_equal(mv["values"], ref["values"])
