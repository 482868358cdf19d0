"""Latin hypercube uniforms per second: simengine.model.rng.lhs_uniforms against the previous batch
algorithm (four Feistel steps of every value, then the rest of the walk one value at a time), one
thread, in one process; the two are checked bit for bit equal first.

    python benchmarks/lhs_micro.py [--n 100000 10000] [--reps 5]

One case, as the kernel calls it: one stream over 256 consecutive draws (a per-draw input; the
municipal factors are on random streams under every sampling); and the plain keyed uniform
(random sampling) for scale.
"""

from __future__ import annotations

import argparse
import time

import numba as nb
import numpy as np

from simengine.model.rng import _LHS_SALT, _feistel, lhs_bits, lhs_uniforms, stream_key, uniform


@nb.njit(inline="always")
def _previous(keys, kstep, d, dstep, cnt, n, half, mask, out, xs, idx):  # pragma: no cover - compiled
    h = np.uint64(half)
    nn = np.uint64(n)
    for i in range(cnt):
        xs[i] = _feistel(np.uint64(d + i * dstep), keys[i * kstep], h, mask)
    for _ in range(3):
        for i in range(cnt):
            x = xs[i]
            y = _feistel(x, keys[i * kstep], h, mask)
            xs[i] = y if x >= nn else x
    nt = 0
    for i in range(cnt):
        idx[nt] = i
        nt += xs[i] >= nn
    for t in range(nt):
        i = idx[t]
        x = xs[i]
        while x >= nn:
            x = _feistel(x, keys[i * kstep], h, mask)
        xs[i] = x
    for i in range(cnt):
        v = uniform(keys[i * kstep] ^ _LHS_SALT, d + i * dstep)
        out[i] = (np.float64(xs[i]) + v) / n


@nb.njit
def _by_stream(keys, n, half, mask, draws, which):  # pragma: no cover - compiled
    out = np.empty(256)
    xs = np.empty(256, np.uint64)
    idx = np.empty(256, np.int64)
    s = 0.0
    for k in range(keys.shape[0]):
        for d in range(0, draws, 256):
            c = min(256, draws - d)
            if which == 0:
                lhs_uniforms(keys[k], d, c, n, half, mask, out, xs, idx)
            elif which == 1:
                _previous(keys[k : k + 1], 0, d, 1, c, n, half, mask, out, xs, idx)
            else:
                for i in range(c):
                    out[i] = uniform(keys[k], d + i)
            s += out[0]
    return s


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, nargs="+", default=[100_000, 10_000])
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    nb.set_num_threads(1)
    keys = np.array([stream_key(11, "eps", str(i)) for i in range(98)], dtype=np.uint64)
    for n in a.n:
        half, mask = lhs_bits(n)
        draws = min(n, 20_000)
        # bit for bit: the two algorithms give the same uniforms (every stream, the first 2,048 draws)
        scratch = (np.empty(256, np.uint64), np.empty(256, np.int64))
        for k in range(98):
            for d in range(0, 2048, 256):
                u0, u1 = np.empty(256), np.empty(256)
                lhs_uniforms(keys[k], d, 256, n, half, mask, u0, *scratch)
                _previous(keys[k : k + 1], 0, d, 1, 256, n, half, mask, u1, *scratch)
                assert np.array_equal(u0, u1)
        for label, fn, count in (("one stream over 256 draws", _by_stream, draws * 98),):
            best = {}
            for which in (0, 1, 2):
                fn(keys, n, half, mask, 256, which)  # compile
            for _ in range(a.reps):
                for which in (0, 1, 2):
                    t0 = time.perf_counter()
                    fn(keys, n, half, mask, draws, which)
                    best[which] = min(best.get(which, 1e9), time.perf_counter() - t0)
            ns = {w: best[w] / count * 1e9 for w in best}
            print(
                f"n = {n:,} ({2 ** (2 * half) / n:.2f} Feistel steps per value), {label}: "
                f"lhs_uniforms {ns[0]:.2f} ns, previous {ns[1]:.2f} ns ({ns[1] / ns[0]:.2f}x), "
                f"plain keyed uniform {ns[2]:.2f} ns"
            )


if __name__ == "__main__":
    main()
