"""Numbers that cannot silently go wrong: properties of randomly generated valid scenarios.

Common random numbers make the monotonicity properties exact draw by draw: two variants of a
scenario on the same seed see the same uniforms, so raising a blocker probability, a delay or
the weak share can only lower (never raise) each draw's gain.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simengine.analysis.results import build_dataset
from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario

DRAWS = 300
prob = st.floats(0.0, 1.0)
unit = st.floats(0.01, 0.99)


@st.composite
def dist(draw, lo: float, hi: float):
    """A distribution with support inside [lo, hi]."""
    a = draw(st.floats(lo, hi - (hi - lo) * 0.1))
    b = draw(st.floats(a + (hi - lo) * 0.05, hi))
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "pert", "beta"]))
    if kind == "fixed":
        return a
    if kind == "uniform":
        return {"dist": "uniform", "min": a, "max": b}
    mode = draw(st.floats(a, b))
    if kind in ("triangular", "pert"):
        return {"dist": kind, "min": a, "mode": mode, "max": b}
    mean = a + (b - a) * draw(st.floats(0.1, 0.9))
    m = (mean - a) / (b - a)
    sd = float((b - a) * np.sqrt(m * (1 - m)) * draw(st.floats(0.1, 0.9)))
    return {"dist": "beta", "mean": mean, "sd": sd, "min": a, "max": b}


@st.composite
def initiative(draw, k: int, areas: list[str]):
    ini = {
        "id": f"i{k}",
        "name": f"Initiative {k}",
        "area": draw(st.sampled_from(areas)),
        "gain": draw(st.floats(0.0, 5e8)),
        "start": draw(st.integers(2011, 2015)),
        "channel_shift": draw(st.booleans()),
        "estimate_factor": draw(dist(0.2, 2.0)),
        "delay": {"dist": "uniform", "min": 0.0, "max": draw(st.floats(0.01, 3.0))},
        "legislation": {"probability": draw(prob), "delay": draw(dist(0.0, 3.0))},
        "technology": {"probability": draw(prob), "loss": draw(dist(0.0, 1.0))},
        "adoption": draw(dist(0.0, 1.2)),
        "ramp": draw(dist(0.1, 5.0)),
        "realisation": draw(dist(0.0, 1.0)),
        "cost": {
            "investment": draw(st.floats(0, 1e8)),
            "running": draw(st.floats(0, 1e7)),
            "overrun": draw(dist(0.5, 3.0)),
        },
    }
    if draw(st.booleans()):
        ini["key"] = "equal"
    return ini


@st.composite
def scenarios(draw):
    areas = ["a", "b"][: draw(st.integers(1, 2))]
    n = draw(st.integers(1, 3))
    w0 = draw(st.floats(0.0, 0.3))
    return {
        "scenario": {
            "name": "generated",
            "start_year": 2011,
            "horizon": draw(st.integers(2013, 2020)),
            "target": draw(st.floats(1e6, 2e9)),
            "target_start_year": 2012,
            "target_year": 2013,
            "discount_rate": draw(st.floats(0.0, 0.1)),
        },
        "simulation": {"draws": DRAWS, "seed": draw(st.integers(0, 10**6))},
        "national": {
            "assumed_weak_share": w0,
            "weak_share": {"dist": "uniform", "min": 0.0, "max": draw(st.floats(0.05, 0.5))},
            "economic_pressure": draw(dist(0.0, 0.5)),
        },
        "municipal": {
            "capacity_spread": draw(st.floats(0.0, 0.6)),
            "local_spread": draw(st.floats(0.0, 0.6)),
            "optimal_population": [70_000, 110_000],
            "size_penalty": draw(st.floats(0.0, 0.3)),
        },
        "regimes": {
            "retention_share": draw(prob),
            "retention_years": draw(st.floats(0.0, 6.0)),
            "incentive_uplift": draw(st.floats(0.0, 1.0)),
        },
        "areas": {a: {"name": a.upper(), "target": draw(st.floats(0.0, 1e9))} for a in areas},
        "initiatives": [draw(initiative(k, areas)) for k in range(n)],
    }


def _run(data, write_scenario, name="s.toml"):
    sc = scenario.load(write_scenario(data, name))
    plan = compile_plan(sc)
    raw = engine.run(plan, threads=2)
    return plan, raw


SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@SETTINGS
@given(data=scenarios())
def test_results_are_finite_consistent_and_monotone(data, write_scenario):
    plan, raw = _run(data, write_scenario)
    ds = build_dataset(raw)
    for name, var in ds.data_vars.items():
        if var.dtype.kind == "f":
            assert np.all(np.isfinite(var.values)), name
    for name in (
        "benefit",
        "area_benefit",
        "municipality_benefit",
        "initiative_benefit",
        "municipality_benefit_mean",
        "initiative_benefit_mean",
        "service_cut",
        "expected_shortfall",
    ):
        assert np.all(ds[name].values >= 0), name
    p = ds["p_target"].values
    assert np.all((p >= 0) & (p <= 1))
    # areas add up to the nation in every draw; municipalities and initiatives on average
    np.testing.assert_allclose(raw.area_benefit.sum(axis=1), raw.benefit, rtol=1e-9, atol=1e-3)
    mean = raw.benefit.mean(axis=0)
    tol = 1e-6 * max(1.0, plan.gain.sum())
    np.testing.assert_allclose(ds["municipality_benefit_mean"].sum("municipality").values, mean, atol=tol)
    np.testing.assert_allclose(ds["initiative_benefit_mean"].sum("initiative").values, mean, atol=tol)
    # quantiles are monotone in q
    for name in ("benefit_quantile", "municipality_benefit", "initiative_benefit", "npv_quantile"):
        assert np.all(np.diff(ds[name].values, axis=0) >= -1e-9), name


@SETTINGS
@given(data=scenarios(), factor=st.floats(1.01, 3.0))
def test_p_target_falls_as_the_target_rises(data, factor, write_scenario):
    _, a = _run(data, write_scenario, "a.toml")
    higher = copy.deepcopy(data)
    higher["scenario"]["target"] *= factor
    _, b = _run(higher, write_scenario, "b.toml")
    pa = build_dataset(a)["p_target"].values
    pb = build_dataset(b)["p_target"].values
    assert np.all(pb <= pa)


@SETTINGS
@given(
    data=scenarios(),
    k=st.integers(0, 2),
    which=st.sampled_from(["legislation", "delay", "weak_share"]),
    amount=st.floats(0.01, 1.0),
)
def test_more_risk_never_raises_the_gain(data, k, which, amount, write_scenario):
    """Raising a blocker probability, a delay or the weak share lowers each draw's gain or leaves it."""
    _, base = _run(data, write_scenario, "a.toml")
    worse = copy.deepcopy(data)
    ini = worse["initiatives"][k % len(worse["initiatives"])]
    if which == "legislation":
        ini["legislation"]["probability"] = min(1.0, ini["legislation"]["probability"] + amount)
    elif which == "delay":
        ini["delay"] = {"dist": "uniform", "min": ini["delay"]["min"] + amount, "max": ini["delay"]["max"] + amount}
    else:
        w = worse["national"]["weak_share"]
        shift = min(amount, 1.0 - w["max"])
        worse["national"]["weak_share"] = {"dist": "uniform", "min": w["min"] + shift, "max": w["max"] + shift}
    _, bad = _run(worse, write_scenario, "b.toml")
    assert np.all(bad.benefit <= base.benefit * (1 + 1e-12) + 1e-6)
    assert bad.benefit.mean() <= base.benefit.mean() + 1e-6
