"""Keyed, counter-based uniforms.

Every sampled quantity has its own stream, keyed by a stable 64-bit hash of
``(seed, variable, initiative id, municipality code)``. The uniform for draw ``d`` is the
SplitMix64 output ``mix64(key + d * GAMMA)`` mapped to the open interval (0, 1).

Consequences the engine relies on:

* a draw's numbers do not depend on which thread, chunk or worker computes it, so results are
  identical for any thread count or block size;
* adding, removing or editing one initiative leaves every other stream untouched, so two
  variants of a scenario run on the same seed are paired draw by draw (common random numbers).

SplitMix64 (Steele, Lea & Flood 2014) passes BigCrush. Two streams with random 64-bit keys
overlap only if their keys differ by GAMMA times an integer smaller than the number of draws:
about n_streams^2 * draws / 2^64, i.e. 5e-4 for 10^4 streams and 10^8 draws, and even then one
stream is only shifted against the other.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from simengine import _jit

# compiled functions: numba is imported on their first use (simengine._jit)
_njit, __getattr__, _finish_jit = _jit.lazy(globals())

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0  # 2**-53

#: bump when the mapping from (seed, names) to keys changes; recorded in every result.
STREAM_VERSION = "simengine-stream-v1"


def stream_key(seed: int, variable: str, initiative: str = "", municipality: int | str = "") -> np.uint64:
    """The 64-bit key of one sampled quantity's stream (stable across runs and platforms)."""
    text = f"{STREAM_VERSION}|{int(seed)}|{variable}|{initiative}|{municipality}"
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


@_njit(inline="always", cache=True)
def mix64(z):  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_njit(inline="always", cache=True)
def uniform(key, draw):  # pragma: no cover - compiled
    """Uniform in (0, 1) for stream ``key`` at global draw index ``draw`` (never 0 or 1)."""
    x = mix64(key + np.uint64(draw) * GAMMA)
    return (np.float64(x >> _S11) + 0.5) * _TWO_M53


def uniforms_numpy(keys: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Plain numpy version of :func:`uniform`: result[..., d] for keys[...] and draws[d].

    Used by the reference implementation and the tests; bit-identical to the kernel.
    """
    keys = np.asarray(keys, dtype=np.uint64)[..., None]
    d = np.asarray(draws, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = keys + d * GAMMA
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        z = z ^ (z >> _S31)
    return ((z >> _S11).astype(np.float64) + 0.5) * _TWO_M53


# -- Latin hypercube sampling --------------------------------------------------------------------
# With N draws, input k's uniform for draw d is (pi_k(d) + v_kd) / N, where pi_k is a keyed
# pseudo-random permutation of 0..N-1 and v_kd a keyed uniform: each of the N strata
# [j/N, (j+1)/N) gets exactly one draw. pi_k is a 4-round Feistel network on the smallest even
# number of bits covering N, walked until it lands below N (cycle walking), so any draw's
# uniform is computed on its own, independent of threads and chunks.
_LHS_SALT = np.uint64(0xD1B54A32D192ED03)


def lhs_bits(n: int) -> tuple[int, np.uint64]:
    """(half the Feistel width in bits, mask of one half) for permutations of 0..n-1."""
    bits = max(2, int(np.ceil(np.log2(max(n, 2)))))
    bits += bits % 2
    half = bits // 2
    return half, np.uint64((1 << half) - 1)


@_njit(inline="always", cache=True)
def _feistel(x, key, half, mask):  # pragma: no cover - compiled
    left = x >> half
    right = x & mask
    for r in range(4):
        f = mix64(right ^ (key + np.uint64(r + 1) * GAMMA)) & mask
        left, right = right, left ^ f
    return (left << half) | right


@_njit(inline="always", cache=True)
def permute(d, n, key, half, mask):  # pragma: no cover - compiled
    """A keyed permutation of 0..n-1 evaluated at d (d < n)."""
    x = np.uint64(d)
    nn = np.uint64(n)
    h = np.uint64(half)
    while True:
        x = _feistel(x, key, h, mask)
        if x < nn:
            return x


@_njit(inline="always", cache=True)
def lhs_uniform(key, draw, n, half, mask):  # pragma: no cover - compiled
    """Stratified uniform in (0, 1) of draw ``draw`` among ``n`` draws."""
    j = permute(draw, n, key, half, mask)
    v = uniform(key ^ _LHS_SALT, draw)
    return (np.float64(j) + v) / n


@_njit(inline="always", cache=True)
def lhs_uniforms(key, d, cnt, n, half, mask, out, xs, idx):  # pragma: no cover - compiled
    """out[i] = lhs_uniform(key, d + i, n, half, mask) for i < cnt, bit for bit: one stream over
    consecutive draws.

    The same cycle walk as :func:`permute`, reorganised so that it vectorises: after the first
    Feistel step of every value, only the values still outside 0..n-1 are stepped, packed in a
    contiguous array that is packed again after each step, so no step is computed that the walk
    does not need (2^bits/n steps per value on average) and every step is a loop that vectorises.
    ``xs`` (uint64) and ``idx`` (int64) are scratch of length >= cnt."""
    h = np.uint64(half)
    nn = np.uint64(n)
    for i in range(cnt):
        xs[i] = _feistel(np.uint64(d + i), key, h, mask)
    nt = 0
    for i in range(cnt):
        idx[nt] = i
        nt += xs[i] >= nn
    if nt > 0:
        ys = np.empty(nt, np.uint64)
        for t in range(nt):
            ys[t] = xs[idx[t]]
        while nt > 0:
            for t in range(nt):
                ys[t] = _feistel(ys[t], key, h, mask)
            m = 0
            for t in range(nt):
                i = idx[t]
                y = ys[t]
                xs[i] = y
                idx[m] = i
                ys[m] = y
                m += y >= nn
            nt = m
    salted = key ^ _LHS_SALT
    for i in range(cnt):
        out[i] = (np.float64(xs[i]) + uniform(salted, d + i)) / n


# -- the standard normal, for the Gaussian copula --------------------------------------------------
@_njit(cache=True)
def ndtri(p):  # pragma: no cover - compiled
    """Standard normal quantile, Wichura's AS241 (PPND16): about 1e-16 relative accuracy."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return (
            q
            * (
                (
                    (
                        (
                            (
                                ((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                                + 45921.953931549871457
                            )
                            * r
                            + 13731.693765509461125
                        )
                        * r
                        + 1971.5909503065514427
                    )
                    * r
                    + 133.14166789178437745
                )
                * r
                + 3.387132872796366608
            )
            / (
                (
                    (
                        (
                            (
                                ((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r
                                + 21213.794301586595867
                            )
                            * r
                            + 5394.1960214247511077
                        )
                        * r
                        + 687.1870074920579083
                    )
                    * r
                    + 42.313330701600911252
                )
                * r
                + 1.0
            )
        )
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        val = (
            (
                (
                    (
                        (
                            ((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                            + 1.27045825245236838258
                        )
                        * r
                        + 3.64784832476320460504
                    )
                    * r
                    + 5.7694972214606914055
                )
                * r
                + 4.6303378461565452959
            )
            * r
            + 1.42343711074968357734
        ) / (
            (
                (
                    (
                        (
                            ((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966)
                            * r
                            + 0.14810397642748007459
                        )
                        * r
                        + 0.68976733498510000455
                    )
                    * r
                    + 1.6763848301838038494
                )
                * r
                + 2.05319162663775882187
            )
            * r
            + 1.0
        )
    else:
        r -= 5.0
        val = (
            (
                (
                    (
                        (
                            ((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386)
                            * r
                            + 0.026532189526576123093
                        )
                        * r
                        + 0.29656057182850489123
                    )
                    * r
                    + 1.7848265399172913358
                )
                * r
                + 5.4637849111641143699
            )
            * r
            + 6.6579046435011037772
        ) / (
            (
                (
                    (
                        (
                            ((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5)
                            * r
                            + 7.868691311456132591e-4
                        )
                        * r
                        + 0.0148753612908506148525
                    )
                    * r
                    + 0.13692988092273580531
                )
                * r
                + 0.59983220655588793769
            )
            * r
            + 1.0
        )
    return -val if q < 0.0 else val


@_njit(cache=True)
def ndtr(x):  # pragma: no cover - compiled
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


_finish_jit()
