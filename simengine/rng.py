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

import numba as nb
import numpy as np

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


@nb.njit(inline="always", cache=True)
def mix64(z):  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", cache=True)
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
