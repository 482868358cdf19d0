"""compile_plan(sc, like=plan): the quantile tables of another plan reused (the shock comparison's
run without [[shocks]]); the plan is the one compile_plan(sc) gives, bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np

from simengine.analysis.shockeffect import without_shocks
from simengine.model import plan as plan_mod
from simengine.scenario import schema as scenario
from tests.conftest import ROOT


def test_plan_like_another_is_the_same_plan_without_computing_tables(monkeypatch):
    sc = scenario.load(ROOT / "scenarios" / "2015.toml")
    assert sc.shocks
    full = plan_mod.compile_plan(sc)
    sub = without_shocks(sc.with_run_options(draws=2000))
    fresh = plan_mod.compile_plan(sub)
    computed: list[object] = []
    real = plan_mod.quantile_table
    monkeypatch.setattr(plan_mod, "quantile_table", lambda d: computed.append(d) or real(d))
    reused = plan_mod.compile_plan(sub, like=full)
    assert computed == []  # every table came from the other plan
    for f in dataclasses.fields(fresh):
        a, b = getattr(fresh, f.name), getattr(reused, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), f.name
        elif f.name != "scenario":
            assert a == b, f.name
    assert len(fresh.sh_in) == 0 and len(full.sh_in) > 0  # the shocks are what differs from the run's plan
