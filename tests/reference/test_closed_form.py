"""Scenarios whose answer is known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario


def _base(initiatives, **scen):
    d = {
        "scenario": {
            "name": "closed form",
            "start_year": 2011,
            "horizon": 2016,
            "target": 3.0e6,
            "target_start_year": 2012,
            "target_year": 2014,
            "discount_rate": 0.05,
            "cost_per_fte": 500_000,
        },
        "simulation": {"draws": 64, "seed": 3},
        "national": {"assumed_weak_share": 0.10, "weak_share": 0.19, "economic_pressure": 0.1},
        "municipal": {"capacity_spread": 0.0, "local_spread": 0.0, "size_penalty": 0.0},
        "regimes": {"retention_share": 0.5, "retention_years": 3, "incentive_uplift": 0.15},
        "areas": {"a": {"name": "A", "target": 1.0e6}, "b": {"name": "B", "target": 2.0e6}},
        "initiatives": initiatives,
    }
    d["scenario"].update(scen)
    return d


FIXED = [
    {
        "id": "one",
        "name": "One",
        "area": "a",
        "gain": 1.0e6,
        "start": 2012,
        "channel_shift": True,
        "estimate_factor": 0.8,
        "delay": 0.5,
        "legislation": {"probability": 1.0, "delay": 0.25},
        "technology": {"probability": 1.0, "loss": 0.1},
        "adoption": 0.9,
        "ramp": 2.0,
        "realisation": 0.5,
        "cost": {"investment": 3.0e5, "running": 1.0e4, "overrun": 1.2},
    },
    {
        "id": "two",
        "name": "Two",
        "area": "b",
        "gain": 2.0e6,
        "start": 2013,
        "realisation": 0.8,
        "cost": {"investment": 4.0e5, "running": 0.0},
    },
]


def _clamp(x, lo=0.0, hi=1.0):
    return min(max(x, lo), hi)


def _hand_computed():
    """MODEL.md's equations, evaluated by hand for the FIXED scenario."""
    years = range(2011, 2017)
    kappa = min(1.0, (1 - 0.19) / (1 - 0.10))  # 0.9
    E = 0.1
    g1 = 2012 + 0.5 + 1 * 0.25  # start + delay + blocker delay
    g2 = 2013.0
    G1 = [1.0e6 * 0.8 * (1 - 0.1) * kappa * 0.9 * _clamp((y + 0.5 - g1) / 2.0) * 0.5 * (1 - E) for y in years]
    G2 = [2.0e6 * 1.0 * 1.0 * 1.0 * 1.0 * _clamp((y + 0.5 - g2) / 1.0) * 0.8 * (1 - E) for y in years]
    # retention: realisation lifted by 15 %, unit keeps 50 % of the gain for 3 years after go-live
    R1 = [G * min(1, 0.5 * 1.15) / 0.5 for G in G1]
    R2 = [G * min(1, 0.8 * 1.15) / 0.8 for G in G2]

    def window(y, g):
        return max(0.0, min(y + 1, g + 3) - max(y, g))

    central_ret = [R1[k] * (1 - 0.5 * window(y, g1)) + R2[k] * (1 - 0.5 * window(y, g2)) for k, y in enumerate(years)]
    # costs: one goes live in its start year (2012): investment all in 2012, running from 2012
    cost1 = [1.2 * ((3.0e5 if y == 2012 else 0.0) + (1.0e4 if y >= 2012 else 0.0)) for y in years]
    cost2 = [(4.0e5 if y == 2013 else 0.0) for y in years]
    target = [0.0, 1.0e6, 2.0e6, 3.0e6, 3.0e6, 3.0e6]
    benefit = [a + b for a, b in zip(G1, G2)]
    net = [b - c1 - c2 for b, c1, c2 in zip(benefit, cost1, cost2)]
    npv = sum(n / 1.05 ** (y - 2011) for n, y in zip(net, years))
    return {
        "benefit": benefit,
        "area": [G1, G2],
        "cost": [a + b for a, b in zip(cost1, cost2)],
        "npv": npv,
        "central_ret": central_ret,
        "regime_benefit_ret": [a + b for a, b in zip(R1, R2)],
        # population key and no local spread: every municipality has the same ratio, so the
        # prebudgeting service cut is max(0, target - gain)
        "cut": [max(0.0, t - b) for t, b in zip(target, benefit)],
        "target": target,
    }


def test_fixed_values_reproduce_the_arithmetic(write_scenario):
    sc = scenario.load(write_scenario(_base(FIXED)))
    plan = compile_plan(sc)
    raw = engine.run(plan, threads=2)
    want = _hand_computed()
    rt = 1e-12
    for d in range(raw.draws):  # every draw is the same
        np.testing.assert_allclose(raw.benefit[d], want["benefit"], rtol=rt, atol=1e-6)
        np.testing.assert_allclose(raw.area_benefit[d], want["area"], rtol=rt, atol=1e-6)
        np.testing.assert_allclose(raw.cost[d], want["cost"], rtol=rt, atol=1e-6)
        np.testing.assert_allclose(raw.npv[d], want["npv"], rtol=rt)
        np.testing.assert_allclose(raw.central_gain[d, 0], want["target"], rtol=rt)
        np.testing.assert_allclose(raw.central_gain[d, 1], want["benefit"], rtol=rt, atol=1e-6)
        np.testing.assert_allclose(raw.central_gain[d, 2], want["central_ret"], rtol=rt, atol=1e-6)
        np.testing.assert_allclose(raw.regime_benefit[d, 2], want["regime_benefit_ret"], rtol=rt, atol=1e-6)
        np.testing.assert_allclose(raw.service_cut[d, 0], want["cut"], rtol=1e-9, atol=1e-3)
        assert np.all(raw.service_cut[d, 1:] == 0)
    # municipalities get their population share
    pop = sc.municipalities.population
    mun_mean = raw.acc.mun_sum / plan.mun_inv_unit[None, :] / raw.draws
    np.testing.assert_allclose(mun_mean, np.outer(want["benefit"], pop / pop.sum()), rtol=1e-8, atol=1e-6)


def test_one_initiative_mean_matches_analytic_expectation(write_scenario):
    ini = {
        "id": "x",
        "name": "X",
        "area": "a",
        "gain": 1.0e8,
        "start": 2012,
        "estimate_factor": {"dist": "lognormal", "median": 0.85, "p90": 1.15},
        "legislation": {"probability": 0.3, "delay": 1.0},
        "technology": {"probability": 0.2, "loss": {"dist": "beta", "mean": 0.3, "sd": 0.1}},
        "adoption": {"dist": "triangular", "min": 0.7, "mode": 0.85, "max": 1.0},
        "ramp": 2.0,
        "realisation": {"dist": "beta", "mean": 0.6, "sd": 0.15},
    }
    data = _base([ini])
    data["simulation"]["draws"] = 200_000
    sc = scenario.load(write_scenario(data))
    raw = engine.run(compile_plan(sc), threads=2)
    sigma = math.log(1.15 / 0.85) / 1.2815515655446004
    EF = 0.85 * math.exp(sigma**2 / 2)
    EU = (0.7 + 0.85 + 1.0) / 3
    for k, y in enumerate(range(2011, 2017)):
        ramp = 0.7 * _clamp((y + 0.5 - 2012) / 2) + 0.3 * _clamp((y + 0.5 - 2013) / 2)
        want = 1.0e8 * EF * (1 - 0.2 * 0.3) * EU * ramp * 0.6 * (1 - 0.1)
        col = raw.benefit[:, k]
        se = col.std() / math.sqrt(len(col))
        # 4 standard errors (a false alarm about 1 in 16,000 per year) plus the table error
        assert abs(col.mean() - want) <= 4 * se + 1e-5 * max(want, 1.0), (y, col.mean(), want)


@pytest.mark.parametrize("pop,want", [(90_000, 1.0), (35_000, 0.95), (17_500, 0.90), (220_000, 0.95), (440_000, 0.90)])
def test_size_effect(pop, want):
    from simengine.model.plan import size_effect

    assert size_effect(np.array([pop]), (70_000, 110_000), 0.05)[0] == pytest.approx(want)


def test_target_path():
    from simengine.model.plan import target_path

    got = target_path(2.0e9, np.arange(2011, 2018), 2012, 2015)
    np.testing.assert_allclose(got, [0, 0.5e9, 1.0e9, 1.5e9, 2.0e9, 2.0e9, 2.0e9])


def test_histogram_counts_survive_many_spills(write_scenario):
    """Every draw of the FIXED scenario lands in the same bin of each histogram, so a bin's count
    passes 2^16 several times within one kernel call; the kernel's 16-bit counts must be added
    into the histograms before they overflow. 150,000 draws on one thread in a single call, and in
    calls of 7,000 draws: every histogram counts every draw, and both give the same histograms."""
    data = _base(FIXED)
    data["simulation"]["draws"] = 150_000
    plan = compile_plan(scenario.load(write_scenario(data)))
    n = plan.scenario.draws
    one = engine.run_range(plan, 0, n, 1, keep_draws=0, store_inputs=0, chunk=n)
    many = engine.run_range(plan, 0, n, 1, keep_draws=0, store_inputs=0, chunk=7_000)
    for name in ("mun_hist", "init_hist", "nat_hist"):
        h = getattr(one.acc, name)
        assert np.all(h.sum(axis=-1) == n), name
        assert h.max() == n  # one bin holds every draw: well past 2^16
        np.testing.assert_array_equal(h, getattr(many.acc, name))
