"""Distributions of the scenario file, sampled by inverse transform of uniforms.

Families (scenario syntax in scenarios/README.md): a bare number (fixed), ``uniform``,
``triangular``, ``pert``, ``beta``, ``lognormal``, ``normal`` (optionally truncated) and
``bernoulli``. Fixed, uniform, triangular and Bernoulli have closed-form quantile functions and
are computed exactly in the kernel. PERT, beta, lognormal and normal use a quantile table built
once from ``scipy.stats`` (see :func:`quantile_table`):

* grid, u in [2^-8, 1 - 2^-8]: knots at u = j / N_GRID, N_GRID = 2^13 (64 KB: the grids of the
  tables in use stay in the processor's second-level cache; 2^15 cells made the kernel 13 %
  slower for no accuracy that matters, 2^12 would miss the accuracy stated below). The cell of u is
  ``int(u * N_GRID)`` (the scaling is exact), so a lookup needs no clamping or offset and the
  tail test is an integer comparison; with counter-based uniforms only 0.8 % of lookups leave
  the grid;
* tails, u < 2^-8 and 1 - u < 2^-8: ``N_TAIL`` knots equally spaced in log2(u) (log2(1-u))
  from -46 to -8; beyond 2^-46 (probability 1.4e-14) the last knot is used.

Linear interpolation between knots. The largest error against ``scipy.stats.ppf`` is tested in
``tests/reference/test_rng_distributions.py``: below 1e-5 of the distribution's 1-99 % range for u in
[2^-6, 1 - 2^-6] (97 % of draws), below 1e-3 outside it (the grid's ends and the tails). Measured
for the test's families, the heaviest being a lognormal with p90/median = 5: 4.2e-6 in the
centre, 1.0e-4 at the grid's ends, 3.7e-4 in the tails.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from simengine import _jit

# compiled functions: numba is imported on their first use (simengine._jit)
_njit, __getattr__, _finish_jit = _jit.lazy(globals())

FIXED, UNIFORM, TRIANGULAR, TABLE, BERNOULLI = 0, 1, 2, 3, 4

GRID_BITS = 13
N_GRID = 2**GRID_BITS  # grid cells; knots 0..N_GRID
N_TAIL = 2049
T_MIN = -46.0
T_MAX = -8.0
K_TAIL = int(2.0**T_MAX * N_GRID)  # grid cells below 2^T_MAX (and above 1 - 2^T_MAX) are not used
TAIL_LO = N_GRID + 1  # offset of the lower tail's knots
TAIL_HI = TAIL_LO + N_TAIL  # offset of the upper tail's knots
TABLE_LEN = TAIL_HI + N_TAIL

Z90 = 1.2815515655446004  # standard normal 90 % quantile

FAMILIES = {
    "uniform": (("min", "max"), ()),
    "triangular": (("min", "mode", "max"), ()),
    "pert": (("min", "mode", "max"), ("lambda",)),
    "beta": (("mean", "sd"), ("min", "max")),
    "lognormal": ((), ("median", "p90", "mu", "sigma")),
    "normal": (("mean", "sd"), ("min", "max")),
    "bernoulli": (("p",), ()),
}


@dataclass(frozen=True)
class Dist:
    """One validated distribution. ``params`` are the scenario's own parameters."""

    family: str
    params: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def fixed(cls, value: float) -> Dist:
        return cls("fixed", (("value", float(value)),))

    def p(self, name: str, default: float | None = None) -> float:
        for k, v in self.params:
            if k == name:
                return v
        if default is None:
            raise KeyError(name)
        return default

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.params)

    # -- derived ------------------------------------------------------------------------
    @property
    def is_fixed(self) -> bool:
        return self.family == "fixed"

    def lognormal_mu_sigma(self) -> tuple[float, float]:
        if self.has("mu"):
            return self.p("mu"), self.p("sigma")
        mu = math.log(self.p("median"))
        return mu, (math.log(self.p("p90")) - mu) / Z90

    def beta_ab(self) -> tuple[float, float, float, float]:
        """(alpha, beta, loc, scale) of a beta or PERT distribution."""
        if self.family == "pert":
            lo, mode, hi = self.p("min"), self.p("mode"), self.p("max")
            lam = self.p("lambda", 4.0)
            a = 1.0 + lam * (mode - lo) / (hi - lo)
            b = 1.0 + lam * (hi - mode) / (hi - lo)
            return a, b, lo, hi - lo
        lo, hi = self.p("min", 0.0), self.p("max", 1.0)
        m = (self.p("mean") - lo) / (hi - lo)
        v = (self.p("sd") / (hi - lo)) ** 2
        k = m * (1.0 - m) / v - 1.0
        return m * k, (1.0 - m) * k, lo, hi - lo

    def scipy(self):
        """The frozen scipy.stats distribution (not defined for fixed and bernoulli), made once per
        distribution and shared: freezing one costs about 0.3 ms, and a scenario names the same
        distribution many times (2015.toml: 33 distinct of 229)."""
        return _frozen(self)

    def _scipy(self):
        f = self.family
        if f == "uniform":
            return stats.uniform(self.p("min"), self.p("max") - self.p("min"))
        if f == "triangular":
            lo, mode, hi = self.p("min"), self.p("mode"), self.p("max")
            return stats.triang((mode - lo) / (hi - lo), lo, hi - lo)
        if f in ("pert", "beta"):
            a, b, loc, scale = self.beta_ab()
            return stats.beta(a, b, loc, scale)
        if f == "lognormal":
            mu, sigma = self.lognormal_mu_sigma()
            return stats.lognorm(sigma, scale=math.exp(mu))
        if f == "normal":
            mean, sd = self.p("mean"), self.p("sd")
            lo = (self.p("min", -math.inf) - mean) / sd if self.has("min") else -math.inf
            hi = (self.p("max", math.inf) - mean) / sd if self.has("max") else math.inf
            if math.isinf(lo) and math.isinf(hi):
                return stats.norm(mean, sd)
            return stats.truncnorm(lo, hi, loc=mean, scale=sd)
        raise ValueError(f"no scipy distribution for {f}")

    def support(self) -> tuple[float, float]:
        f = self.family
        if f == "fixed":
            v = self.p("value")
            return v, v
        if f == "bernoulli":
            return 0.0, 1.0
        if f in ("uniform", "triangular", "pert"):
            return self.p("min"), self.p("max")
        if f == "beta":
            return self.p("min", 0.0), self.p("max", 1.0)
        if f == "lognormal":
            return 0.0, math.inf
        if f == "normal":
            return self.p("min", -math.inf), self.p("max", math.inf)
        raise ValueError(f)

    def mean(self) -> float:
        if self.family == "fixed":
            return self.p("value")
        if self.family == "bernoulli":
            return self.p("p")
        return float(self.scipy().mean())

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Exact quantile function (scipy), the reference for the kernel's tables."""
        u = np.asarray(u, dtype=float)
        if self.family == "fixed":
            return np.full_like(u, self.p("value"))
        if self.family == "bernoulli":
            return (u < self.p("p")).astype(float)
        return self.scipy().ppf(u)

    def describe(self) -> str:
        if self.family == "fixed":
            return f"{self.p('value'):g}"
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{self.family}({inner})"

    # -- kernel encoding ----------------------------------------------------------------
    def kernel_code(self) -> tuple[int, tuple[float, float, float]]:
        """(family code, up to three closed-form parameters) for the kernel."""
        f = self.family
        if f == "fixed":
            return FIXED, (self.p("value"), 0.0, 0.0)
        if f == "uniform":
            return UNIFORM, (self.p("min"), self.p("max"), 0.0)
        if f == "triangular":
            return TRIANGULAR, (self.p("min"), self.p("mode"), self.p("max"))
        if f == "bernoulli":
            return BERNOULLI, (self.p("p"), 0.0, 0.0)
        return TABLE, (0.0, 0.0, 0.0)


def quantile_table(dist: Dist) -> np.ndarray:
    """The kernel's quantile table for a continuous distribution (layout in the module doc).

    scipy's quantile functions take about 10 ms a table (a beta's, 2^13 + 2 x N_TAIL values), a
    third of a second for 2015.toml's 35 tables, so a table once computed is kept in the user's
    cache (``<cache>/tables/``, simengine._jit.cache_root) and read back bit for bit: its file is named
    by a hash of the distribution, this module's source (the table's layout and arithmetic) and the
    scipy and numpy versions, and holds the values and their SHA-256, checked on reading (a file that
    fails the check is computed again). ``SIMENGINE_TABLE_CACHE=0`` turns the cache off; a cache
    that cannot be written is skipped."""
    path = _table_path(dist)
    if path is not None:
        try:
            blob = path.read_bytes()
        except OSError:
            blob = b""
        data, digest = blob[: TABLE_LEN * 8], blob[TABLE_LEN * 8 :]
        if len(data) == TABLE_LEN * 8 and digest == hashlib.sha256(data).digest():
            return np.frombuffer(data, dtype="<f8").astype(np.float64)
    out = _compute_table(dist)
    if path is not None:
        _store_table(path, out)
    return out


@functools.lru_cache(maxsize=4096)
def _frozen(dist: Dist):
    """:meth:`Dist.scipy`'s object for ``dist`` (equal distributions share one)."""
    return dist._scipy()


def _table_path(dist: Dist):
    """Where :func:`quantile_table` keeps ``dist``'s table, or None (no cache)."""
    import os

    if os.environ.get("SIMENGINE_TABLE_CACHE", "1") == "0":
        return None
    from simengine._jit import cache_root

    key = _table_key()
    if key is None:
        return None
    h = key.copy()
    h.update(repr((dist.family, dist.params)).encode())  # repr of a float is exact
    return cache_root() / "tables" / f"{h.hexdigest()[:40]}.table"


def _store_table(path, table: np.ndarray) -> None:
    """Write a table and its SHA-256 to ``path`` atomically (a temporary file renamed); errors are ignored."""
    import os
    import tempfile

    data = table.astype("<f8").tobytes()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data + hashlib.sha256(data).digest())
        os.replace(tmp, path)
    except OSError:  # read-only, full, or gone: the table was computed anyway
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


@functools.cache
def _table_key() -> Any:
    """The hash of this module's source and the scipy and numpy versions, made once per process
    (None: the source cannot be read, and the tables are not cached)."""
    import scipy

    try:
        source = open(__file__, "rb").read()  # noqa: SIM115 - read once per process
    except OSError:
        return None
    key = hashlib.sha256(source)
    key.update(f"scipy {scipy.__version__} numpy {np.__version__}".encode())
    return key


def _compute_table(dist: Dist) -> np.ndarray:
    """The table of :func:`quantile_table`, from scipy."""
    sp = dist.scipy()
    out = np.empty(TABLE_LEN)
    j = np.arange(K_TAIL, N_GRID - K_TAIL + 1)
    out[j] = sp.ppf(j / N_GRID)
    out[:K_TAIL] = out[K_TAIL]  # finite fillers, read only for tail u (whose value is then replaced)
    out[N_GRID - K_TAIL + 1 : N_GRID + 1] = out[N_GRID - K_TAIL]
    tl = np.exp2(np.linspace(T_MIN, T_MAX, N_TAIL))
    out[TAIL_LO:TAIL_HI] = sp.ppf(tl)
    out[TAIL_HI:] = sp.isf(tl)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"quantile table of {dist.describe()} is not finite")
    return out


_T_SCALE = (N_TAIL - 1) / (T_MAX - T_MIN)


@_njit(inline="always", cache=True)
def grid_lookup(tab, u):  # pragma: no cover - compiled
    """(value on the grid, whether u is in a tail), for 0 < u < 1. Branch free; the value is
    meaningless for a tail u (the grid's unused knots hold finite fillers), which
    :func:`tail_lookup` gives."""
    pos = u * N_GRID
    k = int(pos)  # 0 <= k < N_GRID
    tail = (k < K_TAIL) | (k >= N_GRID - K_TAIL)
    a = np.uint64(k)  # an unsigned index: no code for negative indices
    b = a + np.uint64(1)
    return tab[a] + (pos - k) * (tab[b] - tab[a]), tail


@_njit(inline="always", cache=True)
def tail_lookup(tab, u):  # pragma: no cover - compiled
    """Quantile of a tail u (u < 2^T_MAX or 1 - u < 2^T_MAX; 1 - u is exact for u > 1/2)."""
    if u < 0.5:
        t = math.log2(u)
        base = TAIL_LO
    else:
        t = math.log2(1.0 - u)
        base = TAIL_HI
    pos = (max(t, T_MIN) - T_MIN) * _T_SCALE
    k = min(int(pos), N_TAIL - 2)
    return tab[base + k] + (pos - k) * (tab[base + k + 1] - tab[base + k])


@_njit(inline="always", cache=True)
def table_values(tab, u, out, n, tails):  # pragma: no cover - compiled
    """out[i] = the quantile of u[i] for i < n: the grid for every value, branch free, noting the
    few tail values (0.8 %) in ``tails`` (scratch, length >= n); then those from the tails."""
    nt = 0
    for i in range(n):
        v, tail = grid_lookup(tab, u[i])
        out[i] = v
        tails[nt] = i
        nt += tail
    for t in range(nt):
        i = tails[t]
        out[i] = tail_lookup(tab, u[i])


@_njit(inline="always", cache=True)
def table_lookup(tab, u):  # pragma: no cover - compiled
    v, tail = grid_lookup(tab, u)
    if tail:
        return tail_lookup(tab, u)
    return v


@_njit(inline="always", cache=True)
def sample(code, p0, p1, p2, tab, u):  # pragma: no cover - compiled
    """Inverse transform of ``u`` for one encoded distribution."""
    if code == FIXED:
        return p0
    if code == UNIFORM:
        return p0 + u * (p1 - p0)
    if code == TRIANGULAR:
        lo, mode, hi = p0, p1, p2
        if hi <= lo:
            return lo
        c = (mode - lo) / (hi - lo)
        if u < c:
            return lo + math.sqrt(u * (hi - lo) * (mode - lo))
        return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
    if code == BERNOULLI:
        return 1.0 if u < p0 else 0.0
    return table_lookup(tab, u)


def sample_numpy(dist: Dist, u: np.ndarray) -> np.ndarray:
    """Exact inverse transform with scipy, used by the reference implementation."""
    return dist.ppf(u)


# -- realisation without the clamp's bias ([model] realisation = "mean-preserving") ----------------
#: cells of the table of the scale a(mu), mu in [0, 1] (knots mu_j = j / N_REAL)
REAL_BITS = 14
N_REAL = 2**REAL_BITS


def clamped_mean(a: np.ndarray, sigma: float) -> np.ndarray:
    """E[min(a V, 1)] for V lognormal with mean one and log-sd ``sigma`` (closed form):
    a Phi((-ln a - s^2/2)/s) + 1 - Phi((-ln a + s^2/2)/s)."""
    a = np.asarray(a, dtype=float)
    if sigma == 0:
        return np.minimum(a, 1.0)
    with np.errstate(divide="ignore"):
        la = np.log(a)
    h = 0.5 * sigma * sigma
    return a * stats.norm.cdf((-la - h) / sigma) + stats.norm.sf((-la + h) / sigma)


def mean_preserving_scale(mu: np.ndarray, sigma: float, iterations: int = 200) -> np.ndarray:
    """The scale a(mu) with E[min(a V, 1)] = mu (V as in :func:`clamped_mean`), by bisection on
    ln a (E[min(a V, 1)] rises with a, and a >= mu since E[min(a V, 1)] <= a). mu = 0 gives 0;
    mu = 1 has no finite solution and is taken as 1 - 1e-12."""
    mu = np.asarray(mu, dtype=float)
    if sigma == 0:
        return mu.copy()
    m = np.clip(mu, 1e-300, 1.0 - 1e-12)
    lo = np.log(m)
    hi = lo + 8.0 * sigma + 8.0 * sigma * sigma + 1.0
    while np.any(clamped_mean(np.exp(hi), sigma) < m):
        hi = np.where(clamped_mean(np.exp(hi), sigma) < m, hi + 1.0, hi)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = clamped_mean(np.exp(mid), sigma) < m
        new_lo, new_hi = np.where(below, mid, lo), np.where(below, hi, mid)
        if np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi):
            break  # a fixed point (lo, hi adjacent floats, ~70 steps): the remaining steps would change nothing
        lo, hi = new_lo, new_hi
    out = np.exp(0.5 * (lo + hi))
    return np.where(mu <= 0.0, 0.0, out)


def realisation_table(sigma: float) -> np.ndarray:
    """a(mu_j) at the knots mu_j = j / N_REAL, j = 0..N_REAL, for the kernel's linear interpolation."""
    return mean_preserving_scale(np.arange(N_REAL + 1) / N_REAL, sigma)


@_njit(inline="always", cache=True)
def realisation_scale(tab, mu):  # pragma: no cover - compiled
    """a(mu) from :func:`realisation_table` by linear interpolation (0 <= mu <= 1)."""
    pos = mu * N_REAL
    k = min(int(pos), N_REAL - 1)
    a = np.uint64(k)  # an unsigned index: no code for negative indices
    b = a + np.uint64(1)
    return tab[a] + (pos - k) * (tab[b] - tab[a])


_finish_jit()
