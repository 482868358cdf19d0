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

**Replicates.** The draws are split into replicates of :data:`QMC_REPLICATE` consecutive draws:
draw d uses point i = d mod M of the sequence (M = QMC_REPLICATE), randomised for its replicate
r = d // M by a digital shift of its own: coordinate j's bits are XORed with a 30-bit value
``replicate_shift(key_j, r)``, a keyed hash (SplitMix64, simengine.model.rng) of (seed, dimension
j, r), 0 for replicate 0. Replicate 0 is therefore scipy's sequence itself; every other replicate
is the same scrambled sequence under an independent uniform digital shift (the scrambled matrices
are shared). Conditionally on the matrices, the replicates' estimates are independent and
identically distributed, and each is unbiased for a mean: their spread gives an honest Monte
Carlo error (simengine.analysis.mcerror). A run of at most M draws is the plain scrambled
sequence; a longer run is R = draws // M complete replicates (and a partial one when the draw
count is not a multiple of M).

Sobol' points are 30-bit fractions j / 2^30 (scipy's default); a replicate uses its first M
points. A point is moved to the middle of its
2^-30 cell, u = (j + 1/2) / 2^30, so that no uniform is 0 (the random streams never give 0 or 1
either); this keeps the points' stratification. The balance of Sobol' points is best at draw
counts that are powers of two; other counts are allowed (scipy warns about them, we do not).
"""

from __future__ import annotations

import warnings

import numba as nb
import numpy as np

from simengine.model.rng import GAMMA, mix64, stream_key

#: bits of the Sobol' points (scipy's default); 2^30 points, more than the engine's draw limit
QMC_BITS = 30
#: scipy's Sobol' direction numbers cover this many dimensions
QMC_MAX_DIMS = 21201
#: draws per replicate under ``sampling = "qmc"`` (a power of two, at most 2^QMC_BITS): draw d is
#: point d mod QMC_REPLICATE of the sequence under replicate d // QMC_REPLICATE's digital shift.
#: 2^12 = 4,096, by measurement on the 2015 scenario (benchmarks/README.md, "Replicated QMC"): per
#: draw, a replicate's target-year mean gained less over random sampling the larger the replicate
#: (variance ratio 12.8 at 2^10, 5.8 at 2^12, 2.9 at 2^13, 1.5 at 2^14) while its P10 gained about
#: the same (2.2-2.9); 2^12 gives 8 replicates, the replicate intervals' minimum, from 32,768 draws,
#: 16 per block of the adaptive run and 24 in 100,000 draws.
QMC_REPLICATE = 2**12
QMC_REPLICATE_BITS = QMC_REPLICATE.bit_length() - 1


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


def replicate_keys(seed: int, dims: int) -> np.ndarray:
    """(dims,) uint64: the key of each dimension's replicate shifts (one stream per dimension)."""
    return np.array([stream_key(seed, "qmc-replicate-shift", "", j) for j in range(dims)], dtype=np.uint64)


_SHIFT_DROP = np.uint64(64 - QMC_BITS)


def replicate_shifts_numpy(keys: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """(len(keys), len(reps)) uint64: :func:`replicate_shift` in numpy, for the reference model."""
    k = np.asarray(keys, dtype=np.uint64)[:, None]
    r = np.asarray(reps, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        z = k + r * GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return np.where(r == 0, np.uint64(0), z >> _SHIFT_DROP)


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
def replicate_shift(key, r):  # pragma: no cover - compiled
    """The extra digital shift (30 bits) of replicate r in the dimension of ``key``: 0 for r = 0."""
    if r == 0:
        return np.uint64(0)
    return mix64(key + np.uint64(r) * GAMMA) >> _SHIFT_DROP


@nb.njit(inline="always", cache=True)
def sobol_uniform(sv, shift, key, rep_bits, d):  # pragma: no cover - compiled
    """Coordinate (direction numbers sv, shift, replicate key) of draw d, as a uniform in (0, 1):
    point d mod 2^rep_bits under replicate d >> rep_bits's shift."""
    r = d >> rep_bits
    i = d - (r << rep_bits)
    return (np.float64(_point_bits(sv, shift ^ replicate_shift(key, r), i)) + _HALF) * _SCALE


@nb.njit(inline="always", cache=True)
def sobol_row(sv, shift, key, rep_bits, d, n, out):  # pragma: no cover - compiled
    """out[k] = :func:`sobol_uniform` of draw d + k for k < n: in each replicate the first from its
    index, the others by one XOR each (consecutive Gray codes differ in the bit of the trailing
    zeros of the point's index)."""
    size = np.int64(1) << rep_bits
    k = 0
    while k < n:
        r = (d + k) >> rep_bits
        i0 = d + k - (r << rep_bits)
        seg = min(n - k, size - i0)
        x = _point_bits(sv, shift ^ replicate_shift(key, r), i0)
        out[k] = (np.float64(x) + _HALF) * _SCALE
        for t in range(1, seg):
            i = np.uint64(i0 + t)
            c = 0
            while (i & np.uint64(1)) == np.uint64(0):
                i >>= np.uint64(1)
                c += 1
            x ^= sv[c]
            out[k + t] = (np.float64(x) + _HALF) * _SCALE
        k += seg


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


def replicated_uniforms(seed: int, dims: int, draws: np.ndarray, rep_bits: int = QMC_REPLICATE_BITS) -> np.ndarray:
    """(dims, len(draws)) uniforms of the given draws under replicates of 2^rep_bits draws, through
    scipy's public interface (for the reference model and the tests): point d mod 2^rep_bits of
    :func:`sobol_uniforms`, its bits XORed with replicate d >> rep_bits's shift."""
    d = np.asarray(draws, dtype=np.int64)
    if dims == 0 or len(d) == 0:
        return np.zeros((dims, len(d)))
    r = d >> rep_bits
    i = d - (r << rep_bits)
    lo, hi = int(i.min()), int(i.max())
    base = sobol_uniforms(seed, dims, lo, hi - lo + 1)[:, i - lo]
    bits = np.floor(base * 2.0**QMC_BITS).astype(np.uint64)  # the point's 30 bits (u = (bits + 1/2) / 2^30)
    ur, inv = np.unique(r, return_inverse=True)
    bits ^= replicate_shifts_numpy(replicate_keys(seed, dims), ur)[:, inv]
    return (bits.astype(np.float64) + _HALF) * _SCALE


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
