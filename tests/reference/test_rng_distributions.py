"""Sampling: keyed uniforms and every distribution family against scipy.stats."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import stats

from simengine.model.distributions import Dist, quantile_table, sample
from simengine.model.rng import stream_key, uniform, uniforms_numpy


@numba.njit
def _uniforms_kernel(key, n):
    out = np.empty(n)
    for d in range(n):
        out[d] = uniform(key, d)
    return out


@numba.njit
def _sample_kernel(code, p0, p1, p2, tab, u):
    out = np.empty(u.size)
    for k in range(u.size):
        out[k] = sample(code, p0, p1, p2, tab, u[k])
    return out


def kernel_samples(dist: Dist, u: np.ndarray) -> np.ndarray:
    code, (p0, p1, p2) = dist.kernel_code()
    tab = quantile_table(dist) if code == 3 else np.zeros(1)
    return _sample_kernel(code, p0, p1, p2, tab, u)


N = 200_000
KEY = stream_key(2011, "test", "dist")


def test_uniforms_numba_equal_numpy_bit_for_bit():
    a = _uniforms_kernel(KEY, 10_000)
    b = uniforms_numpy(np.array([KEY]), np.arange(10_000))[0]
    assert np.array_equal(a, b)


def test_uniforms_are_uniform_and_open_interval():
    u = _uniforms_kernel(KEY, N)
    assert 0.0 < u.min() and u.max() < 1.0
    # KS at n=2e5: a p-value below 1e-3 would be a 1-in-1000 event for a correct generator
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # mean 1/2, variance 1/12, within 5 standard errors
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / N)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / N)


def test_streams_are_uncorrelated():
    keys = np.array([stream_key(1, "v", f"i{k}") for k in range(20)], dtype=np.uint64)
    u = uniforms_numpy(keys, np.arange(50_000))
    c = np.corrcoef(u)
    off = c[~np.eye(20, dtype=bool)]
    # correlation of independent samples has sd 1/sqrt(n) = 0.0045; 5 sd
    assert np.abs(off).max() < 5 / np.sqrt(50_000)


def test_stream_keys_depend_on_every_part():
    base = stream_key(1, "delay", "osb-1", 101)
    assert base != stream_key(2, "delay", "osb-1", 101)
    assert base != stream_key(1, "ramp", "osb-1", 101)
    assert base != stream_key(1, "delay", "osb-2", 101)
    assert base != stream_key(1, "delay", "osb-1", 147)
    assert base == stream_key(1, "delay", "osb-1", 101)


FAMILIES = [
    Dist("uniform", (("min", 2.0), ("max", 5.0))),
    Dist("triangular", (("min", 1.0), ("mode", 2.0), ("max", 4.0))),
    Dist("triangular", (("min", 0.0), ("mode", 0.0), ("max", 1.0))),
    Dist("pert", (("min", 1.0), ("mode", 2.0), ("max", 4.0))),
    Dist("pert", (("min", 0.25), ("mode", 0.5), ("max", 2.0), ("lambda", 6.0))),
    Dist("beta", (("mean", 0.6), ("sd", 0.15))),
    Dist("beta", (("mean", 0.08), ("sd", 0.05))),
    Dist("beta", (("mean", 0.85), ("sd", 0.1), ("min", 0.5), ("max", 1.0))),
    Dist("lognormal", (("median", 0.85), ("p90", 1.15))),
    Dist("lognormal", (("median", 0.3), ("p90", 1.5))),
    Dist("lognormal", (("mu", -0.02), ("sigma", 0.2))),
    Dist("normal", (("mean", 1.0), ("sd", 0.3))),
    Dist("normal", (("mean", 0.5), ("sd", 0.5), ("min", 0.0), ("max", 1.0))),
]


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: d.describe())
def test_family_matches_scipy(dist):
    u = _uniforms_kernel(stream_key(5, dist.describe()), N)
    x = kernel_samples(dist, u)
    ref = dist.scipy()
    # KS against the scipy distribution; p > 1e-3 (a false alarm 1 time in 1000 per family)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3
    # mean within 5 standard errors
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / np.sqrt(N)
    # distribution-free: the empirical CDF at scipy's quantiles, within 5 binomial standard errors
    for q in (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99):
        assert abs(np.mean(x <= ref.ppf(q)) - q) < 5 * np.sqrt(q * (1 - q) / N)
    lo, hi = dist.support()
    assert x.min() >= lo - 1e-12 and x.max() <= hi + 1e-12


@pytest.mark.parametrize("dist", [d for d in FAMILIES if d.kernel_code()[0] == 3], ids=lambda d: d.describe())
def test_quantile_table_error_is_small(dist):
    """The stated table accuracy: centre error below 1e-5 of the 1-99 % range, tails below 1e-3."""
    rng = np.random.default_rng(3)
    centre = rng.uniform(2**-6, 1 - 2**-6, 50_000)
    tails = np.concatenate([np.exp2(-rng.uniform(6, 46, 5000)), 1 - np.exp2(-rng.uniform(6, 46, 5000))])
    scale = dist.ppf(0.99) - dist.ppf(0.01)
    assert np.max(np.abs(kernel_samples(dist, centre) - dist.ppf(centre))) < 1e-5 * scale
    assert np.max(np.abs(kernel_samples(dist, tails) - dist.ppf(tails))) < 1e-3 * scale


def test_bernoulli_and_fixed():
    u = _uniforms_kernel(stream_key(9, "b"), N)
    b = kernel_samples(Dist("bernoulli", (("p", 0.2),)), u)
    assert set(np.unique(b)) <= {0.0, 1.0}
    assert abs(b.mean() - 0.2) < 5 * np.sqrt(0.2 * 0.8 / N)
    assert np.all(kernel_samples(Dist.fixed(3.5), u[:10]) == 3.5)


def test_triangular_closed_form_matches_scipy_ppf_exactly():
    d = Dist("triangular", (("min", 1.0), ("mode", 2.0), ("max", 4.0)))
    u = np.linspace(0.001, 0.999, 999)
    np.testing.assert_allclose(kernel_samples(d, u), d.ppf(u), rtol=1e-12)
