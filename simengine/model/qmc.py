"""Randomised quasi-Monte Carlo: scrambled Sobol' points for the per-draw inputs
(``[simulation] sampling = "qmc"``).

Draw ``d``'s uniforms for the per-draw inputs (the national and per-initiative variables that are
not fixed) and for the common shocks' factors are the coordinates of point ``d`` of one scrambled
Sobol' sequence (``scipy.stats.qmc.Sobol``, ``scramble=True``: Owen-type linear matrix scrambling
plus a digital shift), one dimension per quantity: the shocks first, then the inputs in the
kernel's order. The scrambling is drawn from a generator seeded by the scenario's seed (through
the keyed stream hash, like every stream), so a scenario and seed give the same points on every
run. The kernel computes point ``d`` from its index: coordinate j is ``shift_j XOR`` the scrambled
direction numbers ``v_jb`` of the bits b set in the Gray code ``d XOR (d >> 1)`` (how scipy
generates the sequence, point by point; the direction numbers and shift are scipy's, taken once
per run, and a test checks the kernel's points against ``Sobol.random``). A draw's uniforms
therefore do not depend on the threads, chunks or workers that compute it: results are bit for bit
identical for any of them.

The municipal factors (capacity per municipality, local execution per initiative and
municipality: 3,038 per draw on the 2015 scenario) stay on their keyed random streams: in that
many dimensions Sobol' points do no better than random ones, and they average over the 98
municipalities anyway.

Sobol' points are 30-bit fractions j / 2^30 (scipy's default), so every draw index below 2^30 has
its own point (the engine allows at most 10^9 draws). A point is moved to the middle of its
2^-30 cell, u = (j + 1/2) / 2^30, so that no uniform is 0 (the random streams never give 0 or 1
either); this keeps the points' stratification. The balance of Sobol' points is best at draw
counts that are powers of two; other counts are allowed (scipy warns about them, we do not).
"""

from __future__ import annotations

import warnings

import numba as nb
import numpy as np

from simengine.model.rng import stream_key

#: bits of the Sobol' points (scipy's default); 2^30 points, more than the engine's draw limit
QMC_BITS = 30
#: scipy's Sobol' direction numbers cover this many dimensions
QMC_MAX_DIMS = 21201


def qmc_seed(seed: int) -> int:
    """The seed of the scrambling: a keyed hash of the scenario's seed, like every stream's key."""
    return int(stream_key(seed, "qmc-sobol-scrambling"))


def _engine(seed: int, dims: int):
    from scipy.stats import qmc

    return qmc.Sobol(dims, scramble=True, bits=QMC_BITS, rng=np.random.default_rng(qmc_seed(seed)))


def directions(seed: int, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """(scrambled direction numbers (dims, QMC_BITS), digital shift (dims,)), both uint64, of the
    scenario's Sobol' sequence: what the kernel needs to compute any point from its index."""
    if dims == 0:
        return np.zeros((0, QMC_BITS), np.uint64), np.zeros(0, np.uint64)
    eng = _engine(seed, dims)
    return np.ascontiguousarray(eng._sv, dtype=np.uint64), np.ascontiguousarray(eng._shift, dtype=np.uint64)


_HALF = 0.5
_SCALE = 2.0**-QMC_BITS


@nb.njit(inline="always", cache=True)
def _point_bits(sv, shift, d):  # pragma: no cover - compiled
    """The scrambled bits of point d's coordinate: the shift XOR the direction numbers of the set
    bits of d's Gray code."""
    g = np.uint64(d) ^ (np.uint64(d) >> np.uint64(1))
    x = shift
    b = 0
    while g != np.uint64(0):
        if g & np.uint64(1):
            x ^= sv[b]
        g >>= np.uint64(1)
        b += 1
    return x


@nb.njit(inline="always", cache=True)
def sobol_uniform(sv, shift, d):  # pragma: no cover - compiled
    """Coordinate (direction numbers sv, shift) of point d, as a uniform in (0, 1)."""
    return (np.float64(_point_bits(sv, shift, d)) + _HALF) * _SCALE


@nb.njit(inline="always", cache=True)
def sobol_row(sv, shift, d, n, out):  # pragma: no cover - compiled
    """out[k] = the coordinate of point d + k for k < n: the first from its index, the others by
    one XOR each (consecutive Gray codes differ in the bit of the trailing zeros of d + k)."""
    x = _point_bits(sv, shift, d)
    out[0] = (np.float64(x) + _HALF) * _SCALE
    for k in range(1, n):
        i = np.uint64(d + k)
        c = 0
        while (i & np.uint64(1)) == np.uint64(0):
            i >>= np.uint64(1)
            c += 1
        x ^= sv[c]
        out[k] = (np.float64(x) + _HALF) * _SCALE


def sobol_uniforms(seed: int, dims: int, d0: int, n: int) -> np.ndarray:
    """(dims, n) uniforms in (0, 1): coordinates of points d0 .. d0 + n - 1 of the scenario's
    scrambled Sobol' sequence, through scipy's public interface (``fast_forward`` walks all
    earlier points: for the reference model and the tests, not for long runs)."""
    if dims == 0 or n == 0:
        return np.zeros((dims, n))
    eng = _engine(seed, dims)
    if d0:
        eng.fast_forward(d0)
    with warnings.catch_warnings():  # the balance warning for counts that are not powers of two
        warnings.simplefilter("ignore", UserWarning)
        pts = eng.random(n)
    return np.ascontiguousarray(pts.T + 0.5 * 2.0**-QMC_BITS)


def dimensions(in_code: np.ndarray, n_shocks: int, fixed_code: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(Sobol' dimension of each input, -1 for fixed ones; dimension of each shock; how many)."""
    sh = np.arange(n_shocks, dtype=np.int64)
    dim_in = np.full(len(in_code), -1, np.int64)
    k = n_shocks
    for j, code in enumerate(in_code):
        if code != fixed_code:
            dim_in[j] = k
            k += 1
    return dim_in, sh, k
