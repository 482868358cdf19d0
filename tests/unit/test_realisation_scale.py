"""The mean-preserving realisation's scale table (simengine.model.distributions.mean_preserving_scale)
stops its bisection at the fixed point: bit for bit the table of all 200 bisection steps."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.model.distributions import N_REAL, clamped_mean, mean_preserving_scale


def _bisection_200(mu: np.ndarray, sigma: float) -> np.ndarray:
    """The bisection as it was, every one of its 200 steps taken."""
    m = np.clip(mu, 1e-300, 1.0 - 1e-12)
    lo = np.log(m)
    hi = lo + 8.0 * sigma + 8.0 * sigma * sigma + 1.0
    while np.any(clamped_mean(np.exp(hi), sigma) < m):
        hi = np.where(clamped_mean(np.exp(hi), sigma) < m, hi + 1.0, hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = clamped_mean(np.exp(mid), sigma) < m
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(mu <= 0.0, 0.0, np.exp(0.5 * (lo + hi)))


@pytest.mark.parametrize("sigma", [0.05, 0.3536, 1.2])
def test_scale_table_is_that_of_all_200_bisection_steps(sigma):
    mu = np.arange(0, N_REAL + 1, 7) / N_REAL  # every 7th knot, both ends' neighbourhoods included
    mu = np.concatenate([mu, [1.0, 1.0 - 1.0 / N_REAL, 1.0 / N_REAL]])
    got = mean_preserving_scale(mu, sigma)
    assert np.array_equal(got, _bisection_200(mu, sigma))
    assert got[0] == 0.0 and (np.diff(got[:-3]) > 0).all()
