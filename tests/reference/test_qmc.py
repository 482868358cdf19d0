"""Randomised quasi-Monte Carlo ([simulation] sampling = "qmc"): scrambled Sobol' points for the
per-draw inputs and shocks (simengine.model.qmc)."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
from scipy import stats

from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.model.qmc import (
    QMC_BITS,
    QMC_REPLICATE,
    QMC_REPLICATE_BITS,
    directions,
    replicate_keys,
    replicated_uniforms,
    sobol_row,
    sobol_uniform,
    sobol_uniforms,
)
from simengine.scenario import schema as scenario
from simengine.testing import simulate_reference_chunked


def _qmc(small_dict, shocks=True):
    d = copy.deepcopy(small_dict)
    d["simulation"]["sampling"] = "qmc"
    d["initiatives"][2]["delay"] = {"dist": "uniform", "min": 0.0, "max": 1.0}
    if shocks:
        d["shocks"] = [{"id": "climate", "input": "delay", "initiatives": "all", "loading": 0.4}]
    return d


def _plan(path, draws, seed=None):
    return compile_plan(scenario.load(path).with_run_options(draws=draws, seed=seed))


def _all(part):
    acc = part.acc
    return (
        [getattr(acc, f) for f in engine.ACC_FIELDS]
        + [part.kept[k] for k in engine.PER_DRAW]
        + [part.inputs, np.array(acc.overflow)]
    )


def test_kernel_points_are_scipys_scrambled_sobol_points():
    """The kernel's points by index (sobol_uniform, sobol_row) in replicate 0 (the first
    QMC_REPLICATE draws) are scipy's Sobol.random, moved to the middle of their 2^-30 cell, exactly;
    from any starting draw."""
    sv, shift = directions(2011, 12)
    keys = replicate_keys(2011, 12)
    ref = sobol_uniforms(2011, 12, 0, 3000)
    assert QMC_REPLICATE >= 3000
    for j in range(12):
        for bits in (QMC_REPLICATE_BITS, QMC_BITS):
            assert all(
                sobol_uniform(sv[j], shift[j], keys[j], bits, d) == ref[j, d]
                for d in (0, 1, 2, 3, 255, 256, 2047, 2999)
            )
        for d0, n in ((0, 3000), (1, 256), (1000, 999), (2047, 2)):
            out = np.empty(n)
            sobol_row(sv[j], shift[j], keys[j], QMC_REPLICATE_BITS, d0, n, out)
            assert np.array_equal(out, ref[j, d0 : d0 + n]), (j, d0, n)
    assert np.array_equal(sobol_uniforms(2011, 12, 1700, 300), ref[:, 1700:2000])
    assert 0.0 < ref.min() and ref.max() < 1.0


def test_replicates_are_shifted_copies_of_the_sequence():
    """Replicates of 2^7 draws: the kernel's points by index and by row (across replicate
    boundaries) equal the reference's (scipy's points, bits XORed with the replicate's keyed shift);
    replicate 0 is scipy's sequence; every replicate is a digitally shifted copy of it, so each is
    stratified like it (one point in each of the 128 intervals of every coordinate) and the
    replicates differ from one another."""
    bits, m, dims = 7, 128, 6
    sv, shift = directions(7, dims)
    keys = replicate_keys(7, dims)
    d = np.arange(0, 10 * m)
    ref = replicated_uniforms(7, dims, d, bits)
    assert np.array_equal(ref[:, :m], sobol_uniforms(7, dims, 0, m))
    for j in range(dims):
        assert all(sobol_uniform(sv[j], shift[j], keys[j], bits, int(x)) == ref[j, x] for x in (0, 127, 128, 129, 1000))
        for d0, n in ((0, 10 * m), (100, 300), (127, 2), (256, 128), (5, 1)):
            out = np.empty(n)
            sobol_row(sv[j], shift[j], keys[j], bits, d0, n, out)
            assert np.array_equal(out, ref[j, d0 : d0 + n]), (j, d0, n)
    first = np.floor(ref[:, :m] * 2.0**QMC_BITS).astype(np.uint64)
    for r in range(10):
        x = ref[:, r * m : (r + 1) * m]
        assert all(np.array_equal(np.sort(np.floor(x[j] * m)), np.arange(m)) for j in range(dims)), r
        # a digital shift: the XOR of a replicate's point i with replicate 0's is the same for every i
        xor = np.floor(x * 2.0**QMC_BITS).astype(np.uint64) ^ first
        assert np.all(xor == xor[:, :1]), r
        assert r == 0 or np.all(xor[:, 0] != 0), r
    assert len({tuple(ref[:, r * m]) for r in range(10)}) == 10


def test_qmc_is_identical_for_any_threads_and_chunking(small_dict, write_scenario):
    path = write_scenario(_qmc(small_dict))
    plan = _plan(path, 2500)
    assert len(plan.qmc_shift) and len(plan.qmc_sh) == 1
    a = engine.run_range(plan, 0, 2500, 1, keep_draws=1200, store_inputs=1200)
    b = engine.run_range(plan, 0, 2500, 2, keep_draws=1200, store_inputs=1200, chunk=333)
    for x, y in zip(_all(a), _all(b)):
        assert np.array_equal(x, y)
    # and two ranges merged give the same as one
    c1 = engine.run_range(plan, 0, 1100, 2, keep_draws=1200, store_inputs=1200, chunk=257)
    c2 = engine.run_range(plan, 1100, 1400, 1, keep_draws=1200, store_inputs=1200)
    kept, inputs, acc = engine.assemble(plan, [c1, c2], 2500, 1200, 1200)
    assert np.array_equal(inputs, a.inputs) and np.array_equal(kept["benefit"], a.kept["benefit"])
    assert np.array_equal(acc.mun_hist, a.acc.mun_hist) and np.array_equal(acc.nat_hist, a.acc.nat_hist)


def test_qmc_marginals_follow_their_distributions(small_dict, write_scenario):
    """KS distance of each sampled input's 4,096 kept values (a power of two: Sobol' points are
    balanced) from its scipy distribution, at the scenario's seed. Random sampling gives about
    0.87 / sqrt(4096) = 0.014 on average; scrambled Sobol' points, about 1/n up to log factors,
    and the quantile tables add < 1e-5 of the range. Tolerance 0.004 (fails for random draws at
    the 1e-12 level: P(D > 0.004) for n = 4096 is about exp(-2 n 0.004^2) ~ 0.88, so random draws
    would pass it sometimes: the second check, 10x below random's typical distance, is the one
    random draws fail)."""
    n = 4096
    path = write_scenario(_qmc(small_dict, shocks=False))
    plan = _plan(path, n)
    raw = engine.run(plan, threads=2, keep_draws=n, store_inputs=n)
    ds = []
    for k, (name, dist) in enumerate(zip(plan.input_names, plan.input_dists)):
        if dist.is_fixed or dist.family == "bernoulli":
            continue
        d = stats.kstest(raw.inputs[:, k], dist.scipy().cdf).statistic
        assert d < 0.004, (name, d)
        ds.append(d)
    assert len(ds) >= 10 and np.mean(ds) < 0.0014, ds


def test_qmc_kernel_matches_numpy_reference(small_dict, write_scenario):
    """Same uniforms (the reference takes its points through scipy's public interface); the
    kernel's quantile tables differ from scipy's exact ppf by < 1e-5 of each input's range."""
    path = write_scenario(_qmc(small_dict))
    plan = _plan(path, 1500)
    raw = engine.run(plan, threads=2, keep_draws=1500, store_inputs=1500)
    ref = simulate_reference_chunked(plan, 1500)
    for name in ("benefit", "cost", "npv"):
        a, b = getattr(raw, name), ref[name]
        assert np.max(np.abs(a - b)) < 1e-4 * max(1.0, float(np.abs(b).max())), name


def test_qmc_replicates_kernel_matches_numpy_reference(small_dict, write_scenario):
    """Replicates of 2^9 draws (the plan's replicate size made small): 1,500 draws cross two
    replicate boundaries, and kernel and reference agree as for replicate 0 alone; the same run
    in other threads and chunks is bit for bit the same."""
    from dataclasses import replace

    path = write_scenario(_qmc(small_dict))
    plan = replace(_plan(path, 1500), qmc_rep_bits=9)
    raw = engine.run(plan, threads=2, keep_draws=1500, store_inputs=1500)
    ref = simulate_reference_chunked(plan, 1500, chunk=300)
    for name in ("benefit", "cost", "npv"):
        a, b = getattr(raw, name), ref[name]
        assert np.max(np.abs(a - b)) < 1e-4 * max(1.0, float(np.abs(b).max())), name
    other = engine.run(plan, threads=1, keep_draws=1500, store_inputs=1500, chunk=97)
    assert np.array_equal(other.benefit, raw.benefit) and np.array_equal(other.inputs, raw.inputs)
    # replicate 0 is the plain sequence: the first 512 draws as without replicates
    whole = engine.run(replace(plan, qmc_rep_bits=30), threads=2, keep_draws=1500, store_inputs=1500)
    assert np.array_equal(whole.benefit[:512], raw.benefit[:512])
    assert not np.array_equal(whole.benefit[512:], raw.benefit[512:])


def test_qmc_reduces_the_error_of_the_mean(small_dict, write_scenario):
    """Standard deviation of the target-year mean over 10 seeds at 1,024 draws: QMC against random.
    Only the per-draw inputs get Sobol' points (the municipal factors stay random), so the gain
    is the inputs' share of the variance; asserting < 0.8x leaves room for 10 replications."""
    sds = {}
    for samp in ("random", "qmc"):
        d = copy.deepcopy(small_dict)
        d["simulation"]["sampling"] = samp
        path = write_scenario(d, f"{samp}.toml")
        ty = None
        means = []
        for seed in range(10):
            plan = _plan(path, 1024, seed=seed)
            raw = engine.run(plan, threads=2, keep_draws=1024, store_inputs=0)
            ty = list(plan.years).index(plan.scenario.target_year) if ty is None else ty
            means.append(raw.benefit[:, ty].mean())
        sds[samp] = np.std(means, ddof=1)
    assert sds["qmc"] < 0.8 * sds["random"], sds


def test_bad_sampling_value_is_one_line_and_exit_2(small_dict, write_scenario):
    d = copy.deepcopy(small_dict)
    d["simulation"]["sampling"] = "sobol"
    path = write_scenario(d)
    out = subprocess.run(
        [sys.executable, "-m", "simengine", "run", str(path), "--draws", "10", "--no-report"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "simulation.sampling" in lines[0] and "qmc" in lines[0] and "'sobol'" in lines[0]
    assert "Traceback" not in out.stderr
