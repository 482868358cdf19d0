"""The batched Latin hypercube permutations (simengine.model.rng.lhs_uniforms) give the one-at-a-time
uniforms (lhs_uniform) bit for bit, and each stream stays a stratified sample."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from simengine.model.rng import lhs_bits, lhs_uniform, lhs_uniforms, stream_key


@nb.njit(cache=True)
def _one_by_one(keys, n, half, mask):  # pragma: no cover - compiled
    out = np.empty((keys.shape[0], n))
    for k in range(keys.shape[0]):
        for d in range(n):
            out[k, d] = lhs_uniform(keys[k], d, n, half, mask)
    return out


@nb.njit(cache=True)
def _by_stream(keys, n, half, mask, batch):  # pragma: no cover - compiled
    """Each stream over consecutive draws, ``batch`` at a time."""
    out = np.empty((keys.shape[0], n))
    xs = np.empty(batch, np.uint64)
    idx = np.empty(batch, np.int64)
    for k in range(keys.shape[0]):
        for d in range(0, n, batch):
            c = min(batch, n - d)
            lhs_uniforms(keys[k], d, c, n, half, mask, out[k, d : d + c], xs, idx)
    return out


# n / 2^bits from the worst ratio (about 1/4: the longest walks) to 1
@pytest.mark.parametrize("n", [1, 2, 5, 257, 4097, 5000, 16384, 65537])
def test_batched_permutations_are_the_same_uniforms(n):
    keys = np.array([stream_key(7, "v", str(i)) for i in range(37)], dtype=np.uint64)
    half, mask = lhs_bits(n)
    ref = _one_by_one(keys, n, half, mask)
    assert np.array_equal(_by_stream(keys, n, half, mask, 256), ref)
    # still one value in each of the n strata, in every stream
    assert all(np.array_equal(np.sort(np.floor(r * n).astype(np.int64)), np.arange(n)) for r in ref)
