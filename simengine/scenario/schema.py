"""Reading and validating scenario files (TOML).

Validation happens once, here. Every problem becomes one line naming the file, the key path,
the value and what is allowed; all problems of a file are reported together in a
:class:`~simengine.errors.ConfigError`. Nothing in a scenario is executed: it can only name a
data file, resolved relative to the scenario's own folder. Keys are documented in
``scenarios/README.md``.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import hashlib
import math
import os
import re
import tomllib
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from simengine.errors import ConfigError
from simengine.messages import Msg, Pairs, TomlDetail
from simengine.model.distributions import FAMILIES, T_MIN, Dist
from simengine.model.structure import DIST_DOMAINS, INITIATIVE_VARS, NATIONAL_VARS, PRIOR_KEYS
from simengine.model.structure import INITIATIVE_INPUTS as _INPUTS
from simengine.scenario import municipalities as mun
from simengine.scenario.limits import MAX_DRAWS  # re-exported: scenario.MAX_DRAWS

MAX_FILE_BYTES = 5_000_000
#: limits checked before any per-item work (scenarios are shared files: none may hang the machine)
MAX_INITIATIVES = 5_000
MAX_AREAS = 1_000
MAX_CORRELATED_INPUTS = 500
#: amounts (DKK/year) beyond this are refused: 10^15 DKK is hundreds of times Denmark's GDP, and
#: sums of such amounts over draws, years and municipalities must stay far from float overflow
MAX_DKK = 1e15
#: "did you mean" suggestions per file (each compares one name with every known one)
MAX_HINTS = 20
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\Z")
DEFAULT_QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)

TOP_KEYS = (
    "scenario",
    "simulation",
    "national",
    "municipal",
    "regimes",
    "outputs",
    "areas",
    "correlations",
    "defaults",
    "initiatives",
    "observed",
    "model",
    "shocks",
)
SCENARIO_KEYS = (
    "name",
    "description",
    "start_year",
    "horizon",
    "target",
    "target_start_year",
    "target_year",
    "discount_rate",
    "cost_per_fte",
    "municipalities",
    "description_da",
    "description_en",
)
SCENARIO_REQUIRED = ("name", "start_year", "horizon", "target", "target_year")
SIMULATION_KEYS = ("draws", "seed", "sampling", "keep_draws")
SAMPLINGS = ("random", "lhs", "qmc")
#: what a scenario's [observed] values measure (Scenario.observed_quantity)
OBSERVED_QUANTITIES = ("realised", "potential")
CORRELATION_KEYS = ("a", "b", "rho")
#: names of the per-draw inputs that can be correlated: national.<v> and <initiative id>.<v>
NATIONAL_INPUTS = NATIONAL_VARS
INITIATIVE_INPUTS = INITIATIVE_VARS
NATIONAL_KEYS = ("assumed_weak_share", "weak_share", "economic_pressure")
MUNICIPAL_KEYS = ("capacity_spread", "local_spread", "optimal_population", "size_penalty")
REGIME_KEYS = ("retention_share", "retention_years", "incentive_uplift")
OUTPUT_KEYS = ("quantiles", "tail", "cut_threshold", "certainty", "deductions", "cut_alpha")
#: [outputs] certainty / deductions / cut_alpha defaults (simengine.analysis.negotiate)
DEFAULT_CERTAINTY = (0.50, 0.80, 0.90, 0.95)
DEFAULT_DEDUCTIONS = tuple(k / 10 for k in range(11))
AREA_KEYS = ("name", "target")
INITIATIVE_OWN = ("id", "name", "area", "gain", "start")
#: optional keys of one initiative only (not in [defaults]): a shared delivery dependency
INITIATIVE_DEPENDENCY = ("depends_on", "dependency_lag")
INITIATIVE_SHARED = ("channel_shift", "key", *PRIOR_KEYS, "cost", "note", "ramp_baseline")
INITIATIVE_KEYS = INITIATIVE_OWN + INITIATIVE_DEPENDENCY + INITIATIVE_SHARED
#: [model]: structural choices; the first of each list is the default (the model before the choice existed)
MODEL_KEYS = ("timing", "realisation", "calibration_band", "calibration_year", "calibration_basis")
#: [model] calibration_basis: which realised/promised ratio the band is read on (simengine.analysis.calibration)
CALIBRATION_BASES = ("promised", "delivered", "steady-state")
TIMINGS = ("additive", "component")
REALISATIONS = ("clamped", "mean-preserving")
#: the [model] keys whose value is one of a list of names, and the list (its first the default): the
#: validation follows from it; their Scenario fields have the same names, their defaults the lists' first
MODEL_CHOICES: dict[str, tuple[str, ...]] = {
    "timing": TIMINGS,
    "realisation": REALISATIONS,
    "calibration_basis": CALIBRATION_BASES,
}
#: [[shocks]]: common shocks (one-factor Gaussian copula on an input of several initiatives)
SHOCK_KEYS = ("id", "input", "initiatives", "loading", "note")
SHOCK_REQUIRED = ("id", "input", "loading")
#: risk events (simengine.model.structure: an input with an event_size): their [initiatives] table's keys
RISK_EVENT_KEYS = {
    v.key: ("probability", next(w.scenario_key for w in _INPUTS if w.key == v.event_size).split(".")[1])
    for v in _INPUTS
    if v.event_size
}
COST_KEYS = ("investment", "running", "overrun")


@dataclass(frozen=True)
class Area:
    key: str
    name: str
    target: float


@dataclass(frozen=True)
class Initiative:
    id: str
    name: str
    area: str
    gain: float
    start: int
    channel_shift: bool = False
    key: str = "population"
    estimate_factor: Dist = field(default_factory=lambda: Dist.fixed(1.0))
    delay: Dist = field(default_factory=lambda: Dist.fixed(0.0))
    legislation_probability: float = 0.0
    legislation_delay: Dist = field(default_factory=lambda: Dist.fixed(0.0))
    technology_probability: float = 0.0
    technology_loss: Dist = field(default_factory=lambda: Dist.fixed(0.0))
    adoption: Dist = field(default_factory=lambda: Dist.fixed(1.0))
    ramp: Dist = field(default_factory=lambda: Dist.fixed(1.0))
    realisation: Dist = field(default_factory=lambda: Dist.fixed(1.0))
    investment: float = 0.0
    running: float = 0.0
    overrun: Dist = field(default_factory=lambda: Dist.fixed(1.0))
    note: str = ""
    #: share of the channel shift already reached at go-live (adoption starts there, not at 0)
    ramp_baseline: float = 0.0
    #: id of an initiative whose go-live this one waits for ("" = none), and the lag after it (years)
    depends_on: str = ""
    dependency_lag: float = 0.0


@dataclass(frozen=True)
class Shock:
    """A common shock: the normal scores of ``input`` of ``initiatives`` load on one shared factor,
    z_i' = sqrt(loading) z_shock + sqrt(1 - loading) z_i."""

    id: str
    input: str
    initiatives: tuple[str, ...]
    loading: float
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    path: Path
    sha256: str
    name: str
    description: str
    start_year: int
    horizon: int
    target: float
    target_start_year: int
    target_year: int
    discount_rate: float
    cost_per_fte: float
    municipalities: mun.Municipalities
    draws: int
    seed: int
    sampling: str
    keep_draws: int
    assumed_weak_share: float
    weak_share: Dist
    economic_pressure: Dist
    capacity_spread: float
    local_spread: float
    optimal_population: tuple[float, float]
    size_penalty: float
    retention_share: float
    retention_years: float
    incentive_uplift: float
    quantiles: tuple[float, ...]
    tail: float
    areas: tuple[Area, ...]
    initiatives: tuple[Initiative, ...]
    observed: tuple[tuple[int, float], ...]
    #: what the [observed] values measure: "realised" (the national gross gain, the default) or
    #: "potential" (the gain before local realisation: a self-assessed gain that "can be realised")
    observed_quantity: str = "realised"
    #: rank correlations between per-draw inputs: ((input name, input name, rho), ...), wildcards expanded
    correlations: tuple[tuple[str, str, float], ...] = ()
    #: [outputs] cut_threshold: P(service cut > this) is reported per regime (DKK/year)
    cut_threshold: float = 100e6
    #: [outputs] certainty / deductions / cut_alpha: committable amounts and the deduction analysis
    #: (simengine.analysis.negotiate)
    certainty: tuple[float, ...] = DEFAULT_CERTAINTY
    deductions: tuple[float, ...] = DEFAULT_DEDUCTIONS
    cut_alpha: float = 0.10
    #: the scenario file and the files it extends (``extends``), in that order
    sources: tuple[Path, ...] = ()
    #: the document it was validated from (``extends`` merged), from which variants are made (simengine.scenario.variants)
    resolved: Resolved | None = field(default=None, compare=False, repr=False)
    #: a variant's changes to its scenario file, ``KEY.PATH=VALUE`` each (simengine.variant); () for the file itself
    changes: tuple[str, ...] = ()
    #: the description in a given language (``description_da``, ``description_en``): ((lang, text), ...)
    descriptions: tuple[tuple[str, str], ...] = ()

    def description_in(self, lang: str) -> str:
        """The description in ``lang`` if the scenario gives one, else ``description``."""
        return dict(self.descriptions).get(lang) or self.description

    #: [model] timing: "additive" (go-live = start + delay + legislation) or "component"
    #: (go-live = start + max(delay, legislation): the blocker is one cause within the all-causes delay)
    timing: str = TIMINGS[0]
    #: [model] realisation: "clamped" (rho = clamp(r C (1-E) eps, 0, 1)) or "mean-preserving"
    #: (rho = min(a C eps, 1) with a chosen so that the mean of rho is r (1-E) s exactly)
    realisation: str = REALISATIONS[0]
    #: [model] calibration_band: the realised/promised ratio the level x timing composite should hit
    calibration_band: tuple[float, float] | None = None
    calibration_year: int | None = None
    #: [model] calibration_basis: the ratio the band is read on: "promised" (mean gain / all business
    #: cases), "delivered" (/ those live in the year) or "steady-state" (the levels at full effect)
    calibration_basis: str = CALIBRATION_BASES[0]
    #: [[shocks]], in file order
    shocks: tuple[Shock, ...] = ()

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.horizon + 1))

    def with_run_options(self, draws: int | None = None, seed: int | None = None) -> Scenario:
        if draws is not None and not 1 <= draws <= MAX_DRAWS:  # --draws and every other way in
            raise ConfigError(Msg("run.draws_range", max=MAX_DRAWS, got=draws))
        if seed is not None and not 0 <= seed < 2**63:
            raise ConfigError(Msg("run.seed_range", got=str(seed)))
        return replace(self, draws=self.draws if draws is None else draws, seed=self.seed if seed is None else seed)

    def with_values(self, values: Any) -> Scenario:
        """This scenario with keys set to other values, validated: ``simengine.variant(self, values)``."""
        from simengine.api import variant

        return variant(self, values)


# ------------------------------------------------------------------------------------------
class _Checker:
    """Collects problems as full lines: ``<file>: <key path>: <what>, got <value>``."""

    def __init__(
        self, file: str, origin: dict[tuple, str] | None = None, cells: dict[tuple, str | Msg] | None = None
    ) -> None:
        self.file = file
        self.origin = origin  # key path -> file that set it, for a scenario that extends others
        self.cells = cells  # key path -> "Sheet!B7" (a Msg, xl.cell), for a scenario read from a workbook
        self.problems: list[str | Msg] = []
        self.hints = _Hints()

    def did_you_mean(self, word: str, choices, cutoff: float = 0.6) -> str | Msg:
        return self.hints(word, choices, cutoff)

    def bad(self, path: str, msg: str | Msg) -> None:
        file = (_origin_of(self.origin, path) or self.file) if self.origin else self.file
        cell = _origin_of(self.cells, path) if self.cells else None
        where = (
            Msg("sc.at_cell", file=str(file), cell=cell, path=path) if cell else Msg("sc.at", file=str(file), path=path)
        )
        self.problems.append(Msg("sc.problem", where=where, what=msg))

    def table(self, obj: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict | None:
        if not isinstance(obj, dict):
            self.bad(path, Msg("sc.must_table", got=_show(obj)))
            return None
        missing = [k for k in required if k not in obj]
        named = set()  # missing required keys that an unknown key's suggestion already names
        for k in obj:
            if k not in allowed:
                did = self.did_you_mean(str(k), allowed) if isinstance(k, str) else ""
                if isinstance(did, Msg) and did.params["name"] in (repr(m) for m in missing):
                    named.add(did.params["name"])
                    hint = Msg("sc.did_you_mean_required", name=did.params["name"])
                    self.bad(_join(path, k), Msg("sc.unknown_key", hint=hint, keys=", ".join(allowed)))
                    continue
                self.bad(_join(path, k), Msg("sc.unknown_key", hint=did, keys=", ".join(allowed)))
        for k in missing:
            if repr(k) not in named:  # one line for a misspelt required key, not two
                self.bad(_join(path, k), Msg("sc.required"))
        return obj

    def number(
        self,
        obj: dict,
        key: str,
        path: str,
        default: float | None = None,
        *,
        lo: float = -math.inf,
        hi: float = math.inf,
        lo_strict: bool = False,
        hi_strict: bool = False,
        integer: bool = False,
    ) -> float | None:
        p = _join(path, key)
        if key not in obj:
            return default
        v = obj[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
            self.bad(p, Msg("sc.must_integer" if integer else "sc.must_number", got=_show(v)))
            return None
        if isinstance(v, float) and not math.isfinite(v):
            self.bad(p, Msg("sc.must_finite_number", got=_show(v)))
            return None
        below = v <= lo if lo_strict else v < lo
        above = v >= hi if hi_strict else v > hi
        if below or above:
            self.bad(p, Msg("sc.must_be", need=_interval(lo, hi, lo_strict, hi_strict), got=_show(v)))
            return None
        if not _finite(v):  # an integer beyond the range of a float (TOML allows any size)
            self.bad(p, Msg("sc.float_range", got=_show(v)))
            return None
        return v

    def string(self, obj: dict, key: str, path: str, default: str | None = None) -> str | None:
        if key not in obj:
            return default
        v = obj[key]
        if not isinstance(v, str):
            self.bad(_join(path, key), Msg("sc.must_string", got=_show(v)))
            return None
        if "\x00" in v:  # cannot be stored in results.nc (HDF5 strings end at a NUL)
            self.bad(_join(path, key), Msg("sc.no_nul", got=_show(v)))
            return None
        return v

    def boolean(self, obj: dict, key: str, path: str, default: bool) -> bool:
        if key not in obj:
            return default
        v = obj[key]
        if not isinstance(v, bool):
            self.bad(_join(path, key), Msg("sc.must_bool", got=_show(v)))
            return default
        return v

    def dist(
        self, value: Any, path: str, domain: tuple[float, float, bool] = (-math.inf, math.inf, False)
    ) -> Dist | None:
        n0 = len(self.problems)
        d = self._dist(value, path)
        if d is None or len(self.problems) > n0:
            return None
        lo, hi, lo_strict = domain
        slo, shi = d.support()
        if (slo <= lo if lo_strict else slo < lo) or shi > hi:
            need = _interval(lo, hi, lo_strict, False)
            trunc = Msg("sc.dist_truncate") if d.family == "normal" else ""
            self.bad(path, Msg("sc.dist_range", need=need, dist=d.describe(), lo=slo, hi=shi, trunc=trunc))
            return None
        if d.family in ("pert", "beta", "lognormal", "normal") and not _finite_quantiles(d):
            self.bad(path, Msg("sc.dist_extreme", dist=d.describe(), t=f"{T_MIN:g}"))
            return None
        return d

    def _dist(self, value: Any, path: str) -> Dist | None:
        if isinstance(value, bool):
            self.bad(path, Msg("sc.number_or_dist", got=_show(value)))
            return None
        if isinstance(value, (int, float)):
            if not _finite(value):
                self.bad(path, Msg("sc.must_finite", got=_show(value)))
                return None
            return Dist.fixed(float(value))
        if not isinstance(value, dict):
            self.bad(path, Msg("sc.number_or_dist_like", got=_show(value)))
            return None
        fam = value.get("dist")
        if not isinstance(fam, str):
            shown = _show(fam) if "dist" in value else Msg("sc.nothing")
            self.bad(_join(path, "dist"), Msg("sc.dist_name", names=", ".join(FAMILIES), got=shown))
            return None
        if fam not in FAMILIES:
            did = self.did_you_mean(fam, FAMILIES, cutoff=0.5)
            self.bad(_join(path, "dist"), Msg("sc.unknown_dist", name=repr(fam), hint=did, names=", ".join(FAMILIES)))
            return None
        req, opt = FAMILIES[fam]
        if self.table(value, path, ("dist",) + req + opt, req) is None:
            return None
        params: dict[str, float] = {}
        for k in req + opt:
            if k in value:
                v = self.number(value, k, path)
                if v is None:
                    return None
                params[k] = float(v)
        if any(k not in params for k in req):
            return None
        return self._check_family(fam, params, path)

    def _check_family(self, fam: str, p: dict[str, float], path: str) -> Dist | None:
        def got(*names: str) -> Pairs:
            return Pairs([(n, p[n]) for n in names if n in p])

        def needs(cond: str, shown: Pairs) -> None:
            return self._fail(path, Msg("sc.dist_needs", fam=fam, cond=cond, got=shown))

        if fam == "uniform":
            if not p["min"] < p["max"]:
                return needs("min < max", got("min", "max"))
        elif fam in ("triangular", "pert"):
            if not (p["min"] <= p["mode"] <= p["max"] and p["min"] < p["max"]):
                return self._fail(path, Msg("sc.dist_needs_mode", fam=fam, got=got("min", "mode", "max")))
            if fam == "pert" and "lambda" in p and not p["lambda"] > 0:
                return needs("lambda > 0", got("lambda"))
        elif fam == "beta":
            lo, hi = p.get("min", 0.0), p.get("max", 1.0)
            if not lo < hi:
                return needs("min < max", Pairs([("min", lo), ("max", hi)]))
            if not lo < p["mean"] < hi:
                return needs("min < mean < max", Pairs([("mean", p["mean"]), ("min", lo), ("max", hi)]))
            if not p["sd"] > 0:
                return needs("sd > 0", got("sd"))
            m = (p["mean"] - lo) / (hi - lo)
            s = p["sd"] / (hi - lo)
            if not s * s < m * (1 - m):
                limit = math.sqrt(m * (1 - m)) * (hi - lo)
                return self._fail(path, Msg("sc.beta_sd", limit=limit, got=got("mean", "sd")))
        elif fam == "lognormal":
            by_q = "median" in p or "p90" in p
            by_ms = "mu" in p or "sigma" in p
            if by_q == by_ms:
                shown = got("median", "p90", "mu", "sigma")
                return self._fail(
                    path, Msg("sc.lognormal_either", got=shown if shown.pairs else Msg("sc.none_of_them"))
                )
            if by_q:
                if "median" not in p or "p90" not in p:
                    return self._fail(path, Msg("sc.lognormal_both", a="median", b="p90", got=got("median", "p90")))
                if not 0 < p["median"] < p["p90"]:
                    return needs("0 < median < p90", got("median", "p90"))
            else:
                if "mu" not in p or "sigma" not in p:
                    return self._fail(path, Msg("sc.lognormal_both", a="mu", b="sigma", got=got("mu", "sigma")))
                if not p["sigma"] > 0:
                    return needs("sigma > 0", got("sigma"))
        elif fam == "normal":
            if not p["sd"] > 0:
                return needs("sd > 0", got("sd"))
            if "min" in p and "max" in p and not p["min"] < p["max"]:
                return needs("min < max", got("min", "max"))
            d = Dist(fam, tuple(p.items()))
            lo, hi = d.support()
            with np.errstate(all="ignore"):
                mass = d.scipy().cdf(hi) - d.scipy().cdf(lo) if (math.isfinite(lo) or math.isfinite(hi)) else 1.0
            if not mass > 1e-9:
                return self._fail(path, Msg("sc.normal_no_mass", mass=mass, got=got("mean", "sd", "min", "max")))
        elif fam == "bernoulli":
            if not 0 <= p["p"] <= 1:
                return needs("0 <= p <= 1", got("p"))
        return Dist(fam, tuple(p.items()))

    def _fail(self, path: str, msg: str | Msg) -> None:
        self.bad(path, msg)
        return None


class _Hints:
    """ "did you mean" suggestions in bounded time: at most MAX_HINTS per file, against at most
    10,000 known names, for names of at most 100 characters (else no suggestion)."""

    def __init__(self) -> None:
        self.left = MAX_HINTS

    def __call__(self, word: str, choices, cutoff: float = 0.6) -> str | Msg:
        choices = list(choices)
        if self.left <= 0 or len(word) > 100 or len(choices) > 10_000:
            return ""
        self.left -= 1
        hint = difflib.get_close_matches(word, [c for c in choices if len(c) <= 200], n=1, cutoff=cutoff)
        return Msg("sc.did_you_mean", name=repr(hint[0])) if hint else ""


def _join(path: str, key: str) -> str:
    key = _key(key)
    return f"{path}.{key}" if path else key


def _key(key: Any) -> str:
    """A key as shown in a key path: bare if it is a TOML bare key, else quoted (one line, escaped)."""
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else repr(key)


def _share_list(c, out: dict, key: str, default: tuple[float, ...], open_: bool) -> tuple[float, ...]:
    """[outputs] certainty (each in (0, 1)) or deductions (shares of the target path, each in [0, 10]):
    a non-empty list of numbers, sorted and de-duplicated."""
    if key not in out:
        return default
    v = out[key]
    if not (isinstance(v, list) and 0 < len(v) <= 99):
        c.bad(f"outputs.{key}", Msg("sc.share_list_open" if open_ else "sc.share_list", got=_show(v)))
        return default
    hi, note = (1.0, "") if open_ else (10.0, Msg("sc.share_of_target"))
    if _bad_item(c, v, f"outputs.{key}", 0.0, hi, strict=open_, note=note):
        return default
    return tuple(sorted({float(x) for x in v}))


def _bad_item(c, items: list, path: str, lo: float, hi: float, *, strict: bool, note: str | Msg = "") -> bool:
    """Whether a list has an item that is not a number in [lo, hi] ((lo, hi) if ``strict``); the
    first such is reported by its index and value (``outputs.quantiles[0]: ..., got 1.5``)."""
    for n, x in enumerate(items):
        number = isinstance(x, (int, float)) and not isinstance(x, bool) and _finite(x)
        if not number or not (lo < x < hi if strict else lo <= x <= hi):
            need = _interval(lo, hi, strict, strict)
            c.bad(f"{path}[{n}]", Msg("sc.list_item", need=need, note=note, got=_show(x)))
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _finite_quantiles(d: Dist) -> bool:
    """Whether the kernel's quantile table of ``d`` (built from scipy at run time) can be finite
    (once per distribution: a scenario names the same one many times)."""
    u = 2.0**T_MIN
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            sp = d.scipy()
            q = np.concatenate([np.atleast_1d(sp.ppf([u, 0.5])), np.atleast_1d(sp.isf(u))])
    except (ArithmeticError, ValueError):
        return False
    return bool(np.all(np.isfinite(q)))


def _finite(v: int | float) -> bool:
    """math.isfinite that also accepts integers too large for a float (TOML allows them)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _show(v: Any) -> Any:
    """A value as the file wrote it (a string, shown as it is in either language), or a Msg for a
    table or a list (str() of it is English)."""
    if isinstance(v, str):
        s = v if len(v) <= 60 else v[:57] + "..."
        return repr(s)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return Msg("sc.a_table")
    if isinstance(v, list):
        return Msg("sc.a_list", n=len(v))
    if isinstance(v, float):
        g = f"{v:g}"
        return g if not math.isfinite(v) or float(g) == v else repr(v)  # 1.0000001 is not "1"
    s = _date_text(v) if isinstance(v, (dt.date, dt.time, dt.timedelta)) else repr(v)
    return s if len(s) <= 60 else f"{s[:20]}... ({len(s)} characters)"


def _list_text(v: list) -> str:
    """A short list as the file wrote it: [0.9, 0.5], [2011-01-01, 'a'] (a longer one cut short)."""
    items = [str(_show(x)) for x in v[:10]]
    return "[" + ", ".join(items) + (", ...]" if len(v) > 10 else "]")


def _date_text(v: dt.date | dt.time | dt.timedelta) -> str:
    """A date or time as a file or a cell shows it, not as Python writes it: 2011-01-01 (a TOML date,
    or a date cell, which a workbook holds as a date at midnight), 2011-01-01T07:30:00, 07:30:00,
    1979-05-27T07:32:00Z; a duration cell as 1 day, 2:00:00."""
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0) and v.tzinfo is None:
            return v.date().isoformat()
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat().replace("+00:00", "Z")
    return str(v)


def _interval(lo: float, hi: float, lo_strict: bool, hi_strict: bool) -> Msg:
    if math.isinf(lo) and math.isinf(hi):
        return Msg("iv.finite")
    if math.isinf(hi):
        return Msg("iv.above", op=">" if lo_strict else ">=", lo=lo)
    if math.isinf(lo):
        return Msg("iv.below", op="<" if hi_strict else "<=", hi=hi)
    return Msg("iv.in", open="(" if lo_strict else "[", lo=lo, hi=hi, close=")" if hi_strict else "]")


# ------------------------------------------------------------------------------------------
def read_toml(path: Path, what: str = "scenario") -> tuple[dict, bytes]:
    """Read a scenario file (or, ``what``, another TOML file: "observations") into a dict, with
    clear errors for every way that can fail."""
    where = str(path)
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError) as exc:  # name too long, embedded NUL, ...
        shown = where if where.isprintable() else repr(where)
        raise ConfigError(Msg("sc.bad_path", file=shown, detail=str(getattr(exc, "strerror", None) or exc))) from None
    if not exists and not path.is_symlink():  # a symlink loop "does not exist" either: safeio says which
        raise ConfigError(Msg("sc.no_file", file=where))
    if is_dir:
        kind = "sc.dir_observations" if what == "observations" else "sc.dir_scenario" if what == "scenario" else ""
        if kind:
            raise ConfigError(Msg(kind, file=where))
        raise ConfigError(f"{where}: is a directory, expected a {what} file (.toml)")
    from simengine.scenario import safeio

    noun = "observations file" if what == "observations" else what
    raw = safeio.read_bytes(path, MAX_FILE_BYTES, noun, where)  # a regular file, size checked first
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = repr(raw[exc.start : exc.start + 1])
        raise ConfigError(Msg("sc.not_utf8", file=where, at=str(exc.start), byte=shown)) from None
    text = text.removeprefix("\ufeff")  # a byte order mark, as Windows editors save "UTF-8" (not TOML, but harmless)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(Msg("sc.not_toml", file=where, detail=TomlDetail(str(exc)))) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ConfigError(Msg("sc.not_toml", file=where, detail=str(exc))) from None
    except RecursionError:
        raise ConfigError(Msg("sc.not_toml", file=where, detail=Msg("sc.nested_too_deeply"))) from None
    return data, raw


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file (and the files it ``extends``); raises ConfigError
    listing every problem."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):  # a scenario workbook (simengine.scenario.xlsx)
        from simengine.scenario import xlsx as xlsx_scenario

        return xlsx_scenario.load(path)
    r = resolve(path)
    doc = copy.deepcopy(r.data)  # kept unchanged for variants (simengine.scenario.variants)
    sc = from_dict(r.data, path, r.sha256, origin=r.origin if len(r.files) > 1 else None, sources=r.files)
    return replace(sc, resolved=replace(r, data=doc))


def from_dict(
    data: dict,
    path: Path,
    sha256: str = "",
    *,
    origin: dict[tuple, str] | None = None,
    sources: tuple[Path, ...] = (),
    cells: dict[tuple, str | Msg] | None = None,
) -> Scenario:
    """Validate a scenario document. ``extends`` must already be resolved (:func:`resolve`);
    ``origin`` maps key paths to the file that set them, so that errors name that file; ``cells``
    maps them to the workbook cell that holds them (a scenario read from an .xlsx)."""
    c = _Checker(str(path), origin, cells)
    c.table(data, "", TOP_KEYS + INHERIT_KEYS, ("scenario", "areas", "initiatives"))
    for k in INHERIT_KEYS:
        if k in data:
            c.bad(k, Msg("sc.inherit_from_dict"))

    s = (
        c.table(data.get("scenario", {}), "scenario", SCENARIO_KEYS, SCENARIO_REQUIRED if "scenario" in data else ())
        or {}
    )
    name = c.string(s, "name", "scenario", "")
    description = c.string(s, "description", "scenario", "") or ""
    descriptions = tuple(
        (lang, text) for lang in ("da", "en") if (text := c.string(s, f"description_{lang}", "scenario", ""))
    )
    start = c.number(s, "start_year", "scenario", lo=1900, hi=2200, integer=True)
    horizon = c.number(s, "horizon", "scenario", lo=1900, hi=2200, integer=True)
    if start is not None and horizon is not None:
        if horizon < start:
            c.bad("scenario.horizon", Msg("sc.horizon_before", start=str(start), got=str(horizon)))
            horizon = None
        elif horizon - start > 100:
            c.bad("scenario.horizon", Msg("sc.horizon_long", start=str(start), got=str(horizon)))
            horizon = None
    target = c.number(s, "target", "scenario", lo=0.0, hi=MAX_DKK)
    target_year = c.number(s, "target_year", "scenario", integer=True, lo=1900, hi=2200)
    target_start = c.number(s, "target_start_year", "scenario", default=start, integer=True, lo=1900, hi=2200)
    if None not in (start, horizon, target_year):
        if not start <= target_year <= horizon:
            c.bad(
                "scenario.target_year",
                Msg("sc.within", a="start_year", b="horizon", lo=str(start), hi=str(horizon), got=str(target_year)),
            )
        elif target_start is not None and not start <= target_start <= target_year:
            c.bad(
                "scenario.target_start_year",
                Msg(
                    "sc.within",
                    a="start_year",
                    b="target_year",
                    lo=str(start),
                    hi=str(target_year),
                    got=str(target_start),
                ),
            )
    discount = c.number(s, "discount_rate", "scenario", 0.04, lo=-0.5, hi=1.0, lo_strict=True)
    cost_per_fte = c.number(s, "cost_per_fte", "scenario", 450_000.0, lo=1.0, hi=MAX_DKK)
    mspec = c.string(s, "municipalities", "scenario", mun.BUILTIN)

    sim = c.table(data.get("simulation", {}), "simulation", SIMULATION_KEYS) or {}
    draws = c.number(sim, "draws", "simulation", 100_000, lo=1, hi=MAX_DRAWS, integer=True)
    seed = c.number(sim, "seed", "simulation", 0, lo=0, hi=2**63 - 1, integer=True)
    sampling = c.string(sim, "sampling", "simulation", "random")
    keep_draws = c.number(sim, "keep_draws", "simulation", 200_000, lo=1, hi=MAX_DRAWS, integer=True)
    if sampling is not None and sampling not in SAMPLINGS:
        c.bad("simulation.sampling", Msg("sc.one_of", names=", ".join(SAMPLINGS), got=repr(sampling)))

    nat = c.table(data.get("national", {}), "national", NATIONAL_KEYS) or {}
    w0 = c.number(nat, "assumed_weak_share", "national", 0.0, lo=0.0, hi=1.0, hi_strict=True)
    weak = (
        c.dist(nat["weak_share"], "national.weak_share", (0.0, 1.0, False))
        if "weak_share" in nat
        else Dist.fixed(w0 or 0.0)
    )
    econ = (
        c.dist(nat["economic_pressure"], "national.economic_pressure", (0.0, 1.0, False))
        if "economic_pressure" in nat
        else Dist.fixed(0.0)
    )

    mu = c.table(data.get("municipal", {}), "municipal", MUNICIPAL_KEYS) or {}
    cap_spread = c.number(mu, "capacity_spread", "municipal", 0.0, lo=0.0, hi=3.0)
    loc_spread = c.number(mu, "local_spread", "municipal", 0.0, lo=0.0, hi=3.0)
    size_penalty = c.number(mu, "size_penalty", "municipal", 0.0, lo=0.0, hi=1.0)
    band = mu.get("optimal_population", [0, math.inf])
    opt_pop: tuple[float, float] | None = (0.0, math.inf)
    if "optimal_population" in mu:
        if (
            not isinstance(band, list)
            or len(band) != 2
            or not all(isinstance(b, (int, float)) and not isinstance(b, bool) and _finite(b) for b in band)
            or not 0 < band[0] <= band[1]
        ):
            shown = (
                Msg("sc.shown_list", shown=_show(band), items=_list_text(band))
                if isinstance(band, list)
                else _show(band)
            )
            c.bad("municipal.optimal_population", Msg("sc.low_high", got=shown))
            opt_pop = None
        else:
            opt_pop = (float(band[0]), float(band[1]))

    reg = c.table(data.get("regimes", {}), "regimes", REGIME_KEYS) or {}
    ret_share = c.number(reg, "retention_share", "regimes", 0.5, lo=0.0, hi=1.0)
    ret_years = c.number(reg, "retention_years", "regimes", 3, lo=0.0, hi=100.0)
    uplift = c.number(reg, "incentive_uplift", "regimes", 0.0, lo=0.0, hi=10.0)

    out = c.table(data.get("outputs", {}), "outputs", OUTPUT_KEYS) or {}
    quantiles: tuple[float, ...] | None = DEFAULT_QUANTILES
    if "quantiles" in out:
        q = out["quantiles"]
        if not isinstance(q, list) or not q or len(q) > 99:
            c.bad("outputs.quantiles", Msg("sc.quantiles", got=_show(q)))
            quantiles = None
        elif _bad_item(c, q, "outputs.quantiles", 0.0, 1.0, strict=True):
            quantiles = None
        else:
            quantiles = tuple(sorted({float(x) for x in q}))
    tail = c.number(out, "tail", "outputs", 0.10, lo=0.0, hi=1.0, lo_strict=True)
    cut_threshold = c.number(out, "cut_threshold", "outputs", 100e6, lo=0.0)
    certainty = _share_list(c, out, "certainty", DEFAULT_CERTAINTY, open_=True)  # simengine.analysis.negotiate
    deductions = _share_list(c, out, "deductions", DEFAULT_DEDUCTIONS, open_=False)
    cut_alpha = c.number(out, "cut_alpha", "outputs", 0.10, lo=0.0, hi=1.0, lo_strict=True, hi_strict=True)

    areas, area_keys = _areas(c, data.get("areas"))
    municipalities = None
    if mspec is not None:
        municipalities = mun.load(mspec, path, c.problems, "scenario.municipalities")
    # the ids of initiatives left out for a problem already reported ("" for one without a usable id):
    # the checks that look initiatives up by id say nothing more about them
    dropped: set[str] = set()
    initiatives = _initiatives(
        c, data.get("initiatives"), data.get("defaults", {}), area_keys, start, municipalities, dropped
    )

    observed: list[tuple[int, float]] = []
    observed_quantity = "realised"
    obs = data.get("observed", {})
    if "observed" in data:
        if not isinstance(obs, dict):
            c.bad("observed", Msg("sc.observed_table", got=_show(obs)))
        else:
            for k, _v in obs.items():
                p = _join("observed", k)
                if k == "quantity":
                    if _v in OBSERVED_QUANTITIES:
                        observed_quantity = _v
                    else:
                        c.bad(p, Msg("sc.one_of", names=", ".join(OBSERVED_QUANTITIES), got=_show(_v)))
                    continue
                if not re.fullmatch(r"\d{4}", k):
                    c.bad(p, Msg("sc.observed_key", got=repr(k)))
                    continue
                year = int(k)
                if start is not None and horizon is not None and not start <= year <= horizon:
                    c.bad(p, Msg("sc.year_within", lo=str(start), hi=str(horizon), got=str(year)))
                    continue
                val = c.number(obs, k, "observed", lo=0.0, hi=MAX_DKK)
                if val is not None:
                    observed.append((year, float(val)))

    correlations = _correlations(c, data.get("correlations"), initiatives, weak, econ, dropped)
    model = _model(c, data.get("model"), start, horizon)
    shocks = _shocks(c, data.get("shocks"), initiatives, dropped)
    _dependencies(c, initiatives, dropped, data.get("initiatives"))

    if c.problems:  # a bad [defaults] entry is found once per initiative: report it once
        raise ConfigError(list(dict.fromkeys(c.problems)))
    return Scenario(
        path=path,
        sha256=sha256,
        name=name or path.stem,
        description=description,
        start_year=int(start),
        horizon=int(horizon),
        target=float(target),
        target_start_year=int(target_start),
        target_year=int(target_year),
        discount_rate=float(discount),
        cost_per_fte=float(cost_per_fte),
        municipalities=municipalities,
        draws=int(draws),
        seed=int(seed),
        sampling=sampling,
        keep_draws=int(keep_draws),
        assumed_weak_share=float(w0),
        weak_share=weak,
        economic_pressure=econ,
        capacity_spread=float(cap_spread),
        local_spread=float(loc_spread),
        optimal_population=opt_pop,
        size_penalty=float(size_penalty),
        retention_share=float(ret_share),
        retention_years=float(ret_years),
        incentive_uplift=float(uplift),
        quantiles=quantiles,
        tail=float(tail),
        areas=tuple(areas),
        initiatives=tuple(initiatives),
        observed=tuple(sorted(observed)),
        observed_quantity=observed_quantity,
        correlations=tuple(correlations),
        cut_threshold=float(cut_threshold),
        certainty=certainty,
        deductions=deductions,
        cut_alpha=float(cut_alpha),
        sources=tuple(sources) or (path,),
        descriptions=descriptions,
        shocks=tuple(shocks),
        **model,
    )


def _input_dists(initiatives, weak: Dist | None, econ: Dist | None, dropped: set[str]) -> dict[str, Dist | None]:
    """Every per-draw input name with its distribution (None where it could not be read, as for
    the inputs of an initiative left out for a problem already reported)."""
    from simengine.model.plan import initiative_dists

    out: dict[str, Dist | None] = {"national.weak_share": weak, "national.economic_pressure": econ}
    for ini in initiatives:
        for v, d in zip(INITIATIVE_INPUTS, initiative_dists(ini)):
            out[f"{ini.id}.{v}"] = d
    for iid in sorted(dropped - {""}):
        for v in INITIATIVE_INPUTS:
            out.setdefault(f"{iid}.{v}", None)
    return out


def _match(pattern: str, names: list[str]) -> list[str]:
    """An input name, or a wildcard: "*.delay" (every initiative's delay), "osb-1.*"."""
    import fnmatch

    if "*" in pattern:
        return [n for n in names if fnmatch.fnmatchcase(n, pattern)]
    return [n for n in names if n == pattern]


def _correlations(c: _Checker, obj: Any, initiatives, weak, econ, dropped: set[str]) -> list[tuple[str, str, float]]:
    if obj is None:
        return []
    if not isinstance(obj, list):
        c.bad("correlations", Msg("sc.corr_list", got=_show(obj)))
        return []
    inputs = _input_dists(initiatives, weak, econ, dropped)
    names = list(inputs)
    out: dict[tuple[str, str], float] = {}
    for n, raw in enumerate(obj):
        p = f"correlations[{n}]"
        t = c.table(raw, p, CORRELATION_KEYS, CORRELATION_KEYS)
        if t is None:
            continue
        rho = c.number(t, "rho", p, lo=-1.0, hi=1.0)
        a, b = c.string(t, "a", p), c.string(t, "b", p)
        if None in (rho, a, b):
            continue
        side = {}
        for key, pat in (("a", a), ("b", b)):
            found = _match(pat, names)
            uncertain = [x for x in found if inputs[x] is not None and not inputs[x].is_fixed]
            unread = any(inputs[x] is None for x in found) or (not found and "" in dropped)
            if not uncertain and unread:  # an input whose problem is already reported: nothing more to say
                pass
            elif not found:
                did = c.did_you_mean(pat, names)
                c.bad(
                    f"{p}.{key}",
                    Msg("sc.corr_no_input", name=_show(pat), hint=did, inputs=", ".join(INITIATIVE_INPUTS)),
                )
            elif not uncertain:
                c.bad(f"{p}.{key}", Msg("sc.corr_fixed", name=_show(pat)))
            side[key] = uncertain
        if len(side) < 2 or not side["a"] or not side["b"]:
            continue
        n_corr = len(set(side["a"]) | set(side["b"]) | {v for pair in out for v in pair})
        if n_corr > MAX_CORRELATED_INPUTS:
            c.bad(p, Msg("sc.corr_too_many", max=MAX_CORRELATED_INPUTS, a=_show(a), b=_show(b), n=n_corr))
            return []
        if side["a"] == side["b"] and len(side["a"]) == 1:
            c.bad(p, Msg("sc.corr_self", name=side["a"][0], rho=_show(rho)))
            continue
        for x in side["a"]:
            for y in side["b"]:
                if x != y:
                    out[tuple(sorted((x, y)))] = float(rho)
    return [(x, y, r) for (x, y), r in out.items()]


def _model(c: _Checker, obj: Any, start: int | None, horizon: int | None) -> dict:
    """[model]: the structural choices (defaults: the model before they existed)."""
    out: dict[str, Any] = {}
    if obj is None:
        return out
    t = c.table(obj, "model", MODEL_KEYS)
    if t is None:
        return out
    for key, allowed in MODEL_CHOICES.items():
        v = c.string(t, key, "model")
        if v is None:
            continue
        if v not in allowed:
            c.bad(f"model.{key}", Msg("sc.one_of", names=", ".join(repr(a) for a in allowed), got=_show(v)))
        else:
            out[key] = v
    if "calibration_band" in t:
        b = t["calibration_band"]
        if (
            not isinstance(b, list)
            or len(b) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and _finite(x) for x in b)
            or not 0 <= b[0] <= b[1]
        ):
            raw = f" {_list_text(b)}" if isinstance(b, list) else ""
            c.bad("model.calibration_band", Msg("sc.calibration_band", got=_show(b), raw=raw))
        else:
            out["calibration_band"] = (float(b[0]), float(b[1]))
    lo, hi = (start, horizon) if start is not None and horizon is not None else (1900, 2200)
    y = c.number(t, "calibration_year", "model", integer=True, lo=lo, hi=hi)
    if y is not None:
        out["calibration_year"] = int(y)
        if "calibration_band" not in t:
            c.bad("model.calibration_year", Msg("sc.calibration_year"))
    if "calibration_basis" in t and "calibration_band" not in t:
        c.bad("model.calibration_basis", Msg("sc.calibration_basis"))
    return out


def _shocks(c: _Checker, obj: Any, initiatives, dropped: set[str]) -> list[Shock]:
    if obj is None:
        return []
    if not isinstance(obj, list):
        c.bad("shocks", Msg("sc.shocks_list", got=_show(obj)))
        return []
    ids = [i.id for i in initiatives]
    by_id = {i.id: i for i in initiatives}
    from simengine.model.plan import initiative_dists

    out: list[Shock] = []
    seen: set[str] = set()
    for n, raw in enumerate(obj):
        p = f"shocks[{n}]"
        t = c.table(raw, p, SHOCK_KEYS, SHOCK_REQUIRED)
        if t is None:
            continue
        n0 = len(c.problems)
        sid = c.string(t, "id", p)
        if sid is not None:
            if not ID_RE.match(sid):
                c.bad(f"{p}.id", Msg("sc.shock_id", got=repr(sid)))
            elif sid in seen:
                c.bad(f"{p}.id", Msg("sc.duplicate_shock", id=repr(sid)))
            seen.add(sid)
        inp = c.string(t, "input", p)
        if inp is not None and inp not in INITIATIVE_INPUTS:
            hint = difflib.get_close_matches(inp, INITIATIVE_INPUTS, n=1, cutoff=0.6)
            did = Msg("sc.did_you_mean", name=repr(hint[0])) if hint else ""
            c.bad(f"{p}.input", Msg("sc.shock_input", hint=did, names=", ".join(INITIATIVE_INPUTS), got=_show(inp)))
        loading = c.number(t, "loading", p, lo=0.0, hi=1.0)
        note = c.string(t, "note", p, "") or ""
        members = t.get("initiatives", "all")
        chosen: list[str] = []
        unread = False  # some initiative the shock names could not be read (its problem already reported)
        if members == "all":
            chosen = list(ids)
            unread = bool(dropped)
        elif isinstance(members, list) and members and all(isinstance(x, str) for x in members):
            for x in members:
                if x not in by_id and (x in dropped or "" in dropped):
                    unread = True  # left out for a problem already reported
                elif x not in by_id:
                    hint = difflib.get_close_matches(x, ids, n=1, cutoff=0.6)
                    did = Msg("sc.did_you_mean", name=repr(hint[0])) if hint else ""
                    c.bad(f"{p}.initiatives", Msg("sc.no_initiative", id=repr(x), hint=did))
                elif x not in chosen:
                    chosen.append(x)
        else:
            c.bad(f"{p}.initiatives", Msg("sc.shock_members", got=_show(members)))
        if len(c.problems) > n0 or None in (sid, inp, loading):
            continue
        k = INITIATIVE_INPUTS.index(inp)
        # an input with a fixed value has nothing to share: left out ("all" takes the uncertain ones)
        uncertain = [x for x in chosen if not initiative_dists(by_id[x])[k].is_fixed]
        if not uncertain:
            if not unread:
                c.bad(f"{p}.input", Msg("sc.shock_all_fixed", input=repr(inp)))
            continue
        if members != "all" and len(uncertain) < len(chosen):
            fixed = [x for x in chosen if x not in uncertain]
            c.bad(f"{p}.initiatives", Msg("sc.shock_some_fixed", input=repr(inp), ids=", ".join(fixed)))
            continue
        out.append(Shock(sid, inp, tuple(uncertain), float(loading), note))
    return out


def _dependencies(c: _Checker, initiatives, dropped: set[str], raw: Any) -> None:
    """depends_on: an existing other initiative, and no cycles."""
    by_id = {i.id: i for i in initiatives}
    # each initiative's place in the file's list (``initiatives`` lacks those left out)
    place = {}
    for n, r in enumerate(raw if isinstance(raw, list) else ()):
        if isinstance(r, dict) and isinstance(r.get("id"), str):
            place.setdefault(r["id"], n)
    for ini in initiatives:
        n = place.get(ini.id, 0)
        if ini.depends_on and ini.depends_on not in by_id and not (ini.depends_on in dropped or "" in dropped):
            hint = difflib.get_close_matches(ini.depends_on, list(by_id), n=1, cutoff=0.6)
            did = Msg("sc.did_you_mean", name=repr(hint[0])) if hint else ""
            c.bad(f"initiatives[{n}] ({ini.id}).depends_on", Msg("sc.no_initiative", id=repr(ini.depends_on), hint=did))
    for ini in initiatives:
        n = place.get(ini.id, 0)
        path = [ini.id]
        cur = ini
        while cur.depends_on and cur.depends_on in by_id:
            nxt = cur.depends_on
            if nxt in path:
                if nxt == ini.id:  # report each cycle at each of its members
                    c.bad(
                        f"initiatives[{n}] ({ini.id}).depends_on",
                        Msg("sc.dependency_cycle", chain=" -> ".join(path + [nxt])),
                    )
                break
            path.append(nxt)
            cur = by_id[nxt]


def _areas(c: _Checker, obj: Any) -> tuple[list[Area], set[str] | None]:
    """The areas, and the keys an initiative may name: every key of [areas], also one whose values
    are bad (its problem is reported once, not again at each of its initiatives); None when [areas]
    is missing or unusable or has a key that is not a valid key (ditto: no initiative's area can be
    checked)."""
    if obj is None:
        return [], None
    if not isinstance(obj, dict) or not obj:
        c.bad("areas", Msg("sc.areas_table", got=_show(obj)))
        return [], None
    if len(obj) > MAX_AREAS:
        c.bad("areas", Msg("sc.at_most_areas", max=MAX_AREAS, got=len(obj)))
        return [], None
    out = []
    for key, a in obj.items():
        p = _join("areas", key)
        if not ID_RE.match(key):
            c.bad(p, Msg("sc.area_key", got=repr(key)))
            continue
        t = c.table(a, p, AREA_KEYS, ("target",))
        if t is None:
            continue
        nm = c.string(t, "name", p, key)
        target = c.number(t, "target", p, lo=0.0, hi=MAX_DKK)
        if nm is not None and target is not None:
            out.append(Area(key, nm, float(target)))
    if not all(ID_RE.match(key) for key in obj):  # a misspelt key: which area an initiative means is unclear
        return out, None
    return out, set(obj)


def _initiatives(
    c: _Checker,
    obj: Any,
    defaults: Any,
    area_keys: set[str] | None,
    start_year: int | None,
    municipalities: mun.Municipalities | None,
    dropped: set[str],
) -> list[Initiative]:
    """The initiatives that could be read; the ids of those left out go into ``dropped`` ("" for
    one without a usable id)."""
    dflt = c.table(defaults, "defaults", INITIATIVE_SHARED) if defaults is not None else {}
    if dflt is None:  # reported: the initiatives are read without it, but are not what the file means
        dflt = {}
        dropped.add("")
    if obj is None:
        dropped.add("")
        return []
    if not isinstance(obj, list) or not obj:
        c.bad("initiatives", Msg("sc.initiatives_list", got=_show(obj)))
        dropped.add("")
        return []
    if len(obj) > MAX_INITIATIVES:
        c.bad("initiatives", Msg("sc.at_most_initiatives", max=MAX_INITIATIVES, got=len(obj)))
        dropped.add("")
        return []
    keys_allowed = {"population", "equal"} | (set(municipalities.extra) if municipalities else set())
    out: list[Initiative] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(obj):
        ident = raw.get("id") if isinstance(raw, dict) else None
        p = f"initiatives[{n}]" + (f" ({_key(ident)})" if isinstance(ident, str) else "")
        t = c.table(raw, p, INITIATIVE_KEYS, INITIATIVE_OWN)
        if t is None:
            dropped.add("")
            continue
        n0 = len(c.problems)
        merged = {**{k: v for k, v in dflt.items()}, **t}
        iid = c.string(t, "id", p)
        if iid is not None:
            if not ID_RE.match(iid):
                c.bad(f"{p}.id", Msg("sc.initiative_id", got=repr(iid)))
            elif iid in seen:
                c.bad(f"{p}.id", Msg("sc.duplicate_id", id=repr(iid), other=f"initiatives[{seen[iid]}]"))
            else:
                seen[iid] = n
        nm = c.string(t, "name", p)
        area = c.string(t, "area", p)
        if area is not None and area_keys is not None and area not in area_keys:
            did = c.did_you_mean(area, sorted(area_keys))
            known = sorted(area_keys)
            more = Msg("sc.in_all", n=len(known)) if len(known) > 20 else ""
            names = Msg("sc.names_more", names=", ".join(known[:20]), more=more) if known else Msg("sc.none")
            c.bad(f"{p}.area", Msg("sc.undefined_area", area=_show(area), hint=did, names=names))
        gain = c.number(t, "gain", p, lo=0.0, hi=MAX_DKK)
        st = c.number(t, "start", p, integer=True, lo=start_year if start_year is not None else 1900, hi=2200)

        def src(k: str, t: dict = t, p: str = p) -> str:  # a shared key's path: the initiative's own, or [defaults]
            return p if k in t else "defaults"

        channel = c.boolean(merged, "channel_shift", src("channel_shift"), False)
        key = c.string(merged, "key", src("key"), "population")
        if key is not None and key not in keys_allowed:
            c.bad(f"{src('key')}.key", Msg("sc.alloc_key", names=", ".join(sorted(keys_allowed)), got=repr(key)))
        elif key not in (None, "population", "equal") and municipalities is not None:
            col = municipalities.extra[key]
            if not (np.isfinite(col).all() and (col >= 0).all() and col.sum() > 0):
                c.bad(f"{src('key')}.key", Msg("sc.key_column", key=repr(key), source=str(municipalities.source)))
        note = c.string(merged, "note", src("note"), "") or ""
        rb = c.number(merged, "ramp_baseline", src("ramp_baseline"), 0.0, lo=0.0, hi=1.0, hi_strict=True)
        dep = c.string(t, "depends_on", p, "")
        if dep is not None and dep == iid and iid:
            c.bad(f"{p}.depends_on", Msg("sc.self_dependency", got=repr(dep)))
        lag = c.number(t, "dependency_lag", p, 0.0, lo=0.0, hi=50.0)
        if "dependency_lag" in t and not dep:
            c.bad(f"{p}.dependency_lag", Msg("sc.lag_needs_dep"))

        def dist(name: str, default: Dist) -> Dist:
            if name not in merged:
                return default
            d = c.dist(merged[name], f"{src(name)}.{name}", DIST_DOMAINS[name])
            return d if d is not None else default

        kw: dict[str, Any] = {}
        for name, dflt_d in (
            ("estimate_factor", Dist.fixed(1.0)),
            ("delay", Dist.fixed(0.0)),
            ("adoption", Dist.fixed(1.0)),
            ("ramp", Dist.fixed(1.0)),
            ("realisation", Dist.fixed(1.0)),
        ):
            kw[name] = dist(name, dflt_d)
        for ev, (prob_key, val_key) in RISK_EVENT_KEYS.items():
            if ev not in merged:
                continue
            ep = f"{src(ev)}.{ev}"
            e = c.table(merged[ev], ep, (prob_key, val_key), (prob_key, val_key))
            if e is None:
                continue
            prob = c.number(e, prob_key, ep, lo=0.0, hi=1.0)
            dom = DIST_DOMAINS[f"{ev}.{val_key}"]
            val = c.dist(e[val_key], f"{ep}.{val_key}", dom) if val_key in e else None
            if prob is not None and val is not None:
                kw[f"{ev}_probability"] = float(prob)
                kw[f"{ev}_{val_key}"] = val
        if "cost" in merged:
            cp = f"{src('cost')}.cost"
            ct = c.table(merged["cost"], cp, COST_KEYS)
            if ct is not None:
                inv = c.number(ct, "investment", cp, 0.0, lo=0.0, hi=MAX_DKK)
                run = c.number(ct, "running", cp, 0.0, lo=0.0, hi=MAX_DKK)
                ov = (
                    c.dist(ct["overrun"], f"{cp}.overrun", DIST_DOMAINS["cost.overrun"])
                    if "overrun" in ct
                    else Dist.fixed(1.0)
                )
                if None not in (inv, run, ov):
                    kw.update(investment=float(inv), running=float(run), overrun=ov)
        if len(c.problems) > n0 or None in (iid, nm, area, gain, st, rb, dep, lag):
            dropped.add(iid if iid is not None else "")
            continue
        out.append(
            Initiative(
                id=iid,
                name=nm,
                area=area,
                gain=float(gain),
                start=int(st),
                channel_shift=channel,
                key=key,
                note=note,
                ramp_baseline=float(rb),
                depends_on=dep,
                dependency_lag=float(lag),
                **kw,
            )
        )
    return out


# -- scenario inheritance: extends = "base.toml" ----------------------------------------------
#: top-level keys that only a file loaded with :func:`load` / :func:`resolve` may use
INHERIT_KEYS = ("extends", "remove_initiatives")
#: how many files a chain of ``extends`` may hold
MAX_EXTENDS = 32
#: tables merged key by key (a child key replaces the parent's value for that key, whole)
MERGED_TABLES = ("scenario", "simulation", "national", "municipal", "regimes", "outputs", "defaults", "observed")


@dataclass(frozen=True)
class Resolved:
    """A scenario document with its ``extends`` chain merged in."""

    data: dict  # the merged document, without extends / remove_initiatives
    files: tuple[Path, ...]  # the file itself, then the file it extends, and so on
    sha256: str  # of the file; for a chain, of the files' sha256 digests in the order of ``files``
    origin: dict[tuple, str]  # key path -> file that set it (initiatives by merged index)


def resolve(path: str | Path) -> Resolved:
    """Read a scenario file and, if it says ``extends = "other.toml"``, the files it extends, and
    merge them: the child's keys override the parent's (see scenarios/README.md, "extends")."""
    path = Path(path)
    chain: list[tuple[Path, dict, bytes]] = []
    seen: list[str] = []
    cur = path
    while True:
        data, raw = _read_document(cur)
        chain.append((cur, data, raw))
        seen.append(_real(cur))
        ext = data.get("extends")
        if ext is None:
            if "remove_initiatives" in data:
                raise ConfigError(Msg("sc.remove_without_extends", file=str(cur)))
            break
        if not isinstance(ext, str) or not ext.strip():
            raise ConfigError(Msg("sc.extends_path", file=str(cur), got=_show(ext)))
        nxt = cur.parent / ext
        if _real(nxt) in seen:
            loop = " -> ".join(str(p) for p, _, _ in chain) + f" -> {nxt}"
            raise ConfigError(Msg("sc.extends_cycle", file=str(cur), ext=repr(ext), loop=loop))
        if len(chain) >= MAX_EXTENDS:
            raise ConfigError(Msg("sc.extends_max", file=str(cur), max=str(MAX_EXTENDS)))
        try:
            missing = not nxt.exists() and not nxt.is_symlink()
            other = nxt.exists() and not nxt.is_file()
        except (OSError, ValueError):
            missing = other = False  # read_toml says what is wrong with the path
        if missing:
            raise ConfigError(Msg("sc.extends_missing", file=str(cur), ext=repr(ext), path=str(nxt)))
        if other:
            raise ConfigError(Msg("sc.extends_not_file", file=str(cur), ext=repr(ext), path=str(nxt)))
        cur = nxt
    files = tuple(p for p, _, _ in chain)
    if len(chain) == 1:
        return Resolved(chain[0][1], files, hashlib.sha256(chain[0][2]).hexdigest(), {})
    data, origin = _merge_chain(chain)
    sha = hashlib.sha256(b"".join(hashlib.sha256(raw).digest() for _, _, raw in chain)).hexdigest()
    return Resolved(data, files, sha, origin)


def _read_document(path: Path) -> tuple[dict, bytes]:
    """A scenario file's document and bytes: TOML, or a workbook (simengine.scenario.xlsx)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from simengine.scenario import xlsx as xlsx_scenario

        raw = xlsx_scenario._read_bytes(path)
        return xlsx_scenario.read(path)[0], raw
    return read_toml(path)


def _real(p: Path) -> str:
    try:
        return os.path.realpath(p)
    except (OSError, ValueError):
        return os.path.abspath(p)


def _merge_chain(chain: list[tuple[Path, dict, bytes]]) -> tuple[dict, dict[tuple, str]]:
    """Merge from the root of the chain down to the file itself; record who set each key."""
    doc: dict = {}
    origin: dict[tuple, str] = {}
    inits: Any = None  # a list of (entry, key -> file, file that added it), or a value that is not a list
    problems: list[str | Msg] = []
    for p, data, _ in reversed(chain):
        f = str(p)
        removed = _removals(data, f, inits if isinstance(inits, list) else [], problems)
        for k, v in data.items():
            if k in INHERIT_KEYS:
                continue
            if k == "initiatives":
                inits = _merge_initiatives(inits, v, f, removed, problems)
                if not isinstance(inits, list):
                    _mark(origin, (k,), v, f)
            elif k in MERGED_TABLES and isinstance(v, dict) and isinstance(doc.get(k), dict):
                doc[k] = {**doc[k], **v}
                for sub, sv in v.items():
                    _mark(origin, (k, sub), sv, f)
            elif k == "areas" and isinstance(v, dict) and isinstance(doc.get(k), dict):
                areas = dict(doc[k])
                for a, av in v.items():
                    if isinstance(av, dict) and isinstance(areas.get(a), dict):
                        areas[a] = {**areas[a], **av}
                        for sub, sv in av.items():
                            _mark(origin, ("areas", a, sub), sv, f)
                    else:
                        areas[a] = av
                        _mark(origin, ("areas", a), av, f, depth=2)
                doc[k] = areas
            else:  # a new table, or any other value: replaced whole
                doc[k] = v
                _mark(origin, (k,), v, f, depth=3 if k == "areas" else 2)
        if removed:
            inits = [e for e in inits if not (isinstance(e[0], dict) and e[0].get("id") in removed and e[2] != f)]
    if problems:
        raise ConfigError(problems)
    if inits is not None and not isinstance(inits, list):
        doc["initiatives"] = inits
    elif inits is not None:
        doc["initiatives"] = [e for e, _, _ in inits]
        for n, (_, keys, added) in enumerate(inits):
            origin[("initiatives", str(n))] = added
            for k, fk in keys.items():
                origin[("initiatives", str(n), k)] = fk
    _rebase_municipalities(doc, origin, chain[0][0])
    return doc, origin


def _mark(origin: dict[tuple, str], key: tuple, value: Any, f: str, depth: int = 1) -> None:
    """``key`` (and its sub-keys, ``depth`` levels down) were set by file ``f``."""
    for old in [o for o in origin if o[: len(key)] == key]:
        del origin[old]
    origin[key] = f
    if depth > 1 and isinstance(value, dict):
        for sub, sv in value.items():
            _mark(origin, key + (str(sub),), sv, f, depth - 1)


def _removals(data: dict, f: str, inits: list, problems: list[str | Msg]) -> set[str]:
    rm = data.get("remove_initiatives")
    if rm is None:
        return set()
    if not isinstance(rm, list) or not all(isinstance(x, str) for x in rm):
        problems.append(Msg("sc.remove_list", file=f, got=_show(rm)))
        return set()
    have = [e[0].get("id") for e in inits if isinstance(e[0], dict) and isinstance(e[0].get("id"), str)]
    known = set(have)
    hints = _Hints()
    out = set()
    for ident in rm:
        if ident not in known:
            did = hints(ident, have)
            problems.append(Msg("sc.remove_unknown", file=f, id=repr(ident), hint=did))
        else:
            out.add(ident)
    return out


def _merge_initiatives(base: list | None, value: Any, f: str, removed: set[str], problems: list[str | Msg]) -> list:
    """The parent's initiatives with the child's ``[[initiatives]]`` merged in by id."""

    def fresh(entry: Any) -> tuple:
        return entry, ({str(k): f for k in entry} if isinstance(entry, dict) else {}), f

    if not isinstance(base, list):  # the root of the chain, or no usable parent list: taken as they are
        return [fresh(e) for e in value] if isinstance(value, list) else value
    if not isinstance(value, list):
        problems.append(Msg("sc.extends_initiatives", file=f, got=_show(value)))
        return base
    out = list(base)
    index = {e[0]["id"]: n for n, e in enumerate(out) if isinstance(e[0], dict) and isinstance(e[0].get("id"), str)}
    mine: set[str] = set()
    for n, entry in enumerate(value):
        p = f"initiatives[{n}]"
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            problems.append(
                Msg("sc.problem", where=Msg("sc.at", file=f, path=p), what=Msg("sc.must_table", got=_show(entry)))
            )
        elif not isinstance(ident, str):
            problems.append(Msg("sc.extends_id_required", file=f, path=p))
        elif ident in mine:
            problems.append(Msg("sc.extends_duplicate_id", file=f, path=p, id=repr(ident)))
        elif ident in removed or ident not in index:  # new, or replacing a removed one whole: in its place
            mine.add(ident)
            if ident in index:
                out[index[ident]] = fresh(entry)
            else:
                out.append(fresh(entry))
        else:
            mine.add(ident)
            old, keys, added = out[index[ident]]
            out[index[ident]] = ({**old, **entry}, {**keys, **{str(k): f for k in entry}}, added)
    return out


def _rebase_municipalities(doc: dict, origin: dict[tuple, str], path: Path) -> None:
    """A municipalities CSV named in a file in another folder stays relative to that file."""
    sc = doc.get("scenario")
    spec = sc.get("municipalities") if isinstance(sc, dict) else None
    setter = origin.get(("scenario", "municipalities"))
    if not isinstance(spec, str) or spec == mun.BUILTIN or setter is None or setter == str(path):
        return
    try:
        if Path(spec).is_absolute() or Path(setter).parent.resolve() == path.parent.resolve():
            return
        doc["scenario"] = {**sc, "municipalities": os.path.abspath(Path(setter).parent / spec)}
    except (OSError, ValueError, RuntimeError):
        return


def _origin_of(origin: dict[tuple, Any] | None, path: str) -> Any:
    """The file that set the key at a checker key path (best effort; None if unknown)."""
    if not origin:
        return None
    m = re.match(r"(\w+)\[(\d+)\](?: \(.*?\))?", path)  # initiatives[3] (osb-1).delay, correlations[0].a
    if m:
        parts = [m.group(1), m.group(2)] + [x for x in path[m.end() :].split(".") if x]
    else:
        parts = [re.sub(r"\[\d+\]\Z", "", x) for x in path.split(".") if x]  # outputs.quantiles[0]: the list's
    for n in range(len(parts), 0, -1):
        f = origin.get(tuple(parts[:n]))
        if f is not None:
            return f
    return None
