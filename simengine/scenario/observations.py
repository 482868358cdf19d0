"""Observations as data: what was observed, how precisely, and when it became known.

An observations file (TOML) is separate from a scenario: the scenario holds assumptions, the
observations file holds what happened. The schema (docs/model.md, *Scoring and updating*)::

    [[observation]]
    id = "kl-2016"                       # unique
    quantity = "potential"               # potential | realised | golive | adoption
    scope = "national"                   # national | "area:<id>" | "initiative:<id>"
    year = 2016                          # for gains and adoption; not for golive
    value = 1.6e9
    error = { kind = "lognormal", sd = 0.25, bias = 1.2 }
    known_by = 2016-02-16                # a TOML date
    source = "https://..."
    note = "..."                         # optional

    [[reference]]                        # optional; default: the business case at face value
    name = "reference_class"
    ratio = [0.3, 0.6]                   # a number (point forecast) or [low, high] (uniform)

Error models (``error.kind``): the observation y of the model's quantity x (times the optional
multiplicative ``bias`` b, > 0; b > 1 for a generous source):

* ``exact``: y = b x;
* ``normal``: y = b x + sd z (``sd`` in the value's units, > 0);
* ``lognormal``: log y = log(b x) + sd z (``sd`` of the log, > 0; y > 0);
* ``interval``: b x lies in [``low``, ``high``] (``value`` inside it: the source's central figure);
* ``at_least`` / ``at_most``: b x >= value / b x <= value.

:func:`load` checks the file on its own; :func:`check_against` checks it against a scenario
(initiative and area ids, years inside the horizon). :func:`per_draw` gives the model's value of
each observed quantity in every kept draw.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simengine.errors import ConfigError
from simengine.messages import Msg

QUANTITIES = ("potential", "realised", "golive", "adoption")
ERROR_KINDS = ("exact", "normal", "lognormal", "interval", "at_least", "at_most")
OBS_KEYS = ("id", "quantity", "scope", "year", "value", "error", "known_by", "source", "note")
ERROR_KEYS = ("kind", "sd", "low", "high", "bias")
REF_KEYS = ("name", "ratio", "note")
#: the reference forecast used when a file names none
DEFAULT_REFERENCE_NAME = "business_case"
_ID = re.compile(r"[A-Za-z0-9_.:-]+")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: reference names that would name another variable of backtest.nc (crps_total: the total CRPS per
#: unit); simengine.analysis.varspecs declares backtest.nc's variables, tests/unit/test_varspecs.py
#: derives this list from it
RESERVED_REFERENCE_NAMES = ("total",)
#: quantities that need the per-draw inputs of every kept draw (not only the national series)
NEEDS_INPUTS = ("golive", "adoption")


@dataclass(frozen=True)
class ErrorModel:
    kind: str
    sd: float = 0.0
    low: float = -math.inf
    high: float = math.inf
    bias: float = 1.0

    def describe(self) -> str:
        b = f", bias {self.bias:g}" if self.bias != 1.0 else ""
        if self.kind in ("normal", "lognormal"):
            return f"{self.kind} sd {self.sd:g}{b}"
        if self.kind == "interval":
            return f"interval [{self.low:g}, {self.high:g}]{b}"
        return self.kind + b


@dataclass(frozen=True)
class Observation:
    id: str
    quantity: str
    scope: str  # "national" | "area" | "initiative"
    unit: str  # the area key or initiative id ("" for national)
    year: int | None
    value: float
    error: ErrorModel
    known_by: _dt.date
    source: str
    note: str = ""

    @property
    def scope_text(self) -> str:
        return self.scope if self.scope == "national" else f"{self.scope}:{self.unit}"

    @property
    def what(self) -> str:
        return f"{self.quantity} {self.scope_text}" + (f" {self.year}" if self.year is not None else "")

    @property
    def is_gain(self) -> bool:
        return self.quantity in ("potential", "realised")


@dataclass(frozen=True)
class Reference:
    name: str
    low: float  # ratio to the business case: a point forecast when low == high
    high: float
    note: str = ""

    def describe(self) -> str:
        if self.low == self.high:
            return "business case at face value" if self.low == 1.0 else f"{self.low:g} x the business case"
        return f"uniform {self.low:g}-{self.high:g} x the business case"


@dataclass(frozen=True)
class Observations:
    path: Path
    sha256: str
    observations: tuple[Observation, ...]
    references: tuple[Reference, ...]

    def known_by(self, date: _dt.date | None) -> tuple[Observation, ...]:
        """The observations that were known on ``date`` (all if None)."""
        if date is None:
            return self.observations
        return tuple(o for o in self.observations if o.known_by <= date)

    def later_than(self, date: _dt.date) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if o.known_by > date)


def _show(v: Any) -> Any:
    from simengine.scenario.schema import _show as show

    return show(v)


#: the top level of the file, as a key path
TOP = Msg("obs.top_level")


def _join(where: str | Msg, key: Any) -> str | Msg:
    """The key path ``where.key`` ("(top level).key" at the top level)."""
    return Msg("obs.top_key", name=str(key)) if where == TOP else f"{where}.{key}"


class _Problems:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: list[str | Msg] = []

    def bad(self, where: str | Msg, msg: str | Msg) -> None:
        self.lines.append(Msg("sc.problem", where=Msg("sc.at", file=self.file, path=where), what=msg))


def _number(p: _Problems, where: str, v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        p.bad(where, Msg("sc.must_number", got=_show(v)))
        return None
    try:
        f = float(v)
    except OverflowError:
        f = math.inf
    if not math.isfinite(f):
        p.bad(where, Msg("sc.must_finite_number", got=_show(v)))
        return None
    return f


def _keys(p: _Problems, where: str | Msg, obj: dict, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None:
    """Unknown keys (with a suggestion), then missing required ones: a misspelt required key is one
    line, its unknown key's, which says the suggested key is required and missing."""
    import difflib

    missing = [r for r in required if r not in obj]
    named = set()
    for k in obj:
        if k not in allowed:
            hint = difflib.get_close_matches(str(k), allowed, n=1, cutoff=0.6)
            if hint and hint[0] in missing:
                named.add(hint[0])
                did: str | Msg = Msg("sc.did_you_mean_required", name=repr(hint[0]))
            else:
                did = Msg("sc.did_you_mean", name=repr(hint[0])) if hint else ""
            p.bad(_join(where, k), Msg("sc.unknown_key", hint=did, keys=", ".join(allowed)))
    for r in missing:
        if r not in named:
            p.bad(_join(where, r), Msg("sc.required"))


def _error(p: _Problems, where: str, e: Any, value: float | None, gain_or_share: bool) -> ErrorModel | None:
    if not isinstance(e, dict):
        p.bad(where, Msg("obs.error_table", got=_show(e)))
        return None
    _keys(p, where, e, ERROR_KEYS)
    kind = e.get("kind")
    if kind not in ERROR_KINDS:
        p.bad(f"{where}.kind", Msg("sc.one_of", names=", ".join(ERROR_KINDS), got=_show(kind)))
        return None
    n0 = len(p.lines)
    bias = 1.0
    if "bias" in e:
        b = _number(p, f"{where}.bias", e["bias"])
        if b is not None and not b > 0:
            p.bad(f"{where}.bias", Msg("obs.bias", got=_show(e["bias"])))
        bias = b if b is not None and b > 0 else 1.0
    sd, low, high = 0.0, -math.inf, math.inf
    if kind in ("normal", "lognormal"):
        if "sd" not in e:
            p.bad(
                f"{where}.sd", Msg("obs.sd_required_log" if kind == "lognormal" else "obs.sd_required", kind=repr(kind))
            )
        else:
            s = _number(p, f"{where}.sd", e["sd"])
            if s is not None and not s > 0:
                p.bad(f"{where}.sd", Msg("obs.sd_positive", got=_show(e["sd"])))
            sd = s if s is not None else 0.0
    elif "sd" in e:
        p.bad(f"{where}.sd", Msg("obs.sd_only", kind=repr(kind)))
    if kind == "interval":
        for k in ("low", "high"):
            if k not in e:
                p.bad(f"{where}.{k}", Msg("obs.interval_required"))
        lo = _number(p, f"{where}.low", e["low"]) if "low" in e else None
        hi = _number(p, f"{where}.high", e["high"]) if "high" in e else None
        if lo is not None and hi is not None:
            if not lo < hi:
                p.bad(f"{where}.high", Msg("obs.high_above_low", low=lo, got=_show(e["high"])))
            low, high = lo, hi
    else:
        for k in ("low", "high"):
            if k in e:
                p.bad(f"{where}.{k}", Msg("obs.interval_only", kind=repr(kind)))
    if len(p.lines) > n0 or value is None:
        return None
    em = ErrorModel(kind, sd, low, high, bias)
    # can the value come from this error model? (gains and adoption shares are >= 0)
    if kind == "lognormal" and not value > 0:
        p.bad(where, Msg("obs.lognormal_value", got=_show(value)))
        return None
    if kind == "interval" and not low <= value <= high:
        p.bad(where, Msg("obs.outside_interval", value=value, low=low, high=high))
        return None
    if gain_or_share:
        if kind in ("exact", "at_most") and value < 0:
            p.bad(where, Msg("obs.never_negative", kind=repr(kind), value=value))
            return None
        if kind == "interval" and high < 0:
            p.bad(where, Msg("obs.interval_negative", low=low, high=high))
            return None
    return em


def _date(p: _Problems, where: str, v: Any) -> _dt.date | None:
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if isinstance(v, str):
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            pass
    p.bad(where, Msg("obs.date", got=_show(v)))
    return None


def from_dict(data: dict, path: Path, sha256: str = "") -> Observations:
    p = _Problems(str(path))
    _keys(p, TOP, data, ("observation", "reference"))
    raw_obs = data.get("observation", [])
    if not isinstance(raw_obs, list):
        p.bad("observation", Msg("obs.array", name="observation", got=_show(raw_obs)))
        raw_obs = []
    obs: list[Observation] = []
    seen: set[str] = set()
    for k, t in enumerate(raw_obs):
        where = f"observation[{k + 1}]"
        if not isinstance(t, dict):
            p.bad(where, Msg("sc.must_table", got=_show(t)))
            continue
        oid = t.get("id")
        if "id" not in t:
            _keys(p, where, t, OBS_KEYS, required=("id",))
            continue
        if not isinstance(oid, str) or not _ID.fullmatch(oid):
            p.bad(f"{where}.id", Msg("obs.id", got=_show(oid)))
            continue
        where = f"observation {oid!r}"
        if oid in seen:
            p.bad(f"{where}.id", Msg("obs.duplicate_id", id=repr(oid)))
            continue
        seen.add(oid)
        n0 = len(p.lines)
        _keys(p, where, t, OBS_KEYS, required=("quantity", "scope", "value", "error", "known_by", "source"))
        q = t.get("quantity")
        if "quantity" in t and q not in QUANTITIES:
            p.bad(f"{where}.quantity", Msg("obs.quantity", names=", ".join(QUANTITIES), got=_show(q)))
        scope, unit = "national", ""
        s = t.get("scope")
        if "scope" in t:
            if s == "national":
                pass
            elif isinstance(s, str) and re.fullmatch(r"(area|initiative):.+", s):
                scope, unit = s.split(":", 1)
            else:
                p.bad(f"{where}.scope", Msg("obs.scope", got=_show(s)))
        if q in ("golive", "adoption") and scope != "initiative" and "scope" in t:
            p.bad(f"{where}.scope", Msg("obs.scope_initiative", q=repr(q), got=_show(s)))
        year = None
        if q == "golive":
            if "year" in t:
                p.bad(f"{where}.year", Msg("obs.year_golive"))
        elif q in QUANTITIES:
            y = t.get("year")
            if "year" not in t:
                p.bad(f"{where}.year", Msg("obs.year_required", q=repr(q)))
            elif isinstance(y, bool) or not isinstance(y, int):
                p.bad(f"{where}.year", Msg("obs.year_int", got=_show(y)))
            else:
                year = y
        value = _number(p, f"{where}.value", t["value"]) if "value" in t else None
        em = (
            _error(p, f"{where}.error", t["error"], value, q in ("potential", "realised", "adoption"))
            if "error" in t
            else None
        )
        kb = _date(p, f"{where}.known_by", t["known_by"]) if "known_by" in t else None
        src = t.get("source", "")
        if "source" in t and (not isinstance(src, str) or not src.strip()):
            p.bad(f"{where}.source", Msg("obs.source", got=_show(src)))
        note = t.get("note", "")
        if not isinstance(note, str):
            p.bad(f"{where}.note", Msg("sc.must_string", got=_show(note)))
        if len(p.lines) > n0 or em is None or kb is None or value is None:
            continue
        obs.append(Observation(oid, str(q), scope, unit, year, value, em, kb, src, note))
    refs = _references(p, data.get("reference", None))
    if p.lines:
        raise ConfigError(list(dict.fromkeys(p.lines)))
    return Observations(path, sha256, tuple(obs), refs)


def _references(p: _Problems, raw: Any) -> tuple[Reference, ...]:
    if raw is None:
        return (Reference(DEFAULT_REFERENCE_NAME, 1.0, 1.0),)
    if not isinstance(raw, list):
        p.bad("reference", Msg("obs.array", name="reference", got=_show(raw)))
        return ()
    out: list[Reference] = []
    for k, t in enumerate(raw):
        where = f"reference[{k + 1}]"
        if not isinstance(t, dict):
            p.bad(where, Msg("sc.must_table", got=_show(t)))
            continue
        name = t.get("name")
        if "name" not in t:
            _keys(p, where, t, REF_KEYS, required=("name",))
            continue
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            p.bad(f"{where}.name", Msg("obs.ref_name", got=_show(name)))
            continue
        if name in RESERVED_REFERENCE_NAMES:
            p.bad(f"{where}.name", Msg("obs.ref_reserved", name=name))
            continue
        where = f"reference {name!r}"
        if any(r.name == name for r in out):
            p.bad(f"{where}.name", Msg("obs.ref_duplicate"))
            continue
        _keys(p, where, t, REF_KEYS)
        ratio = t.get("ratio", 1.0)
        lo = hi = None
        if isinstance(ratio, list):
            if len(ratio) != 2:
                p.bad(f"{where}.ratio", Msg("obs.ratio", got=_show(ratio)))
            else:
                lo = _number(p, f"{where}.ratio[1]", ratio[0])
                hi = _number(p, f"{where}.ratio[2]", ratio[1])
                if lo is not None and hi is not None and not 0 <= lo < hi:
                    p.bad(f"{where}.ratio", Msg("obs.ratio_order", lo=lo, hi=hi))
                    lo = None
        else:
            lo = hi = _number(p, f"{where}.ratio", ratio)
            if lo is not None and lo < 0:
                p.bad(f"{where}.ratio", Msg("sc.must_be", need=Msg("iv.above", op=">=", lo=0), got=_show(ratio)))
                lo = None
        note = t.get("note", "")
        if lo is None or hi is None or not isinstance(note, str):
            continue
        out.append(Reference(name, lo, hi, note))
    return tuple(out)


def load(path: str | Path) -> Observations:
    """Read and check an observations file (on its own; see :func:`check_against`)."""
    from simengine.scenario.schema import read_toml

    path = Path(path)
    try:
        data, raw = read_toml(path, what="observations")
    except ConfigError as exc:
        m = exc.messages[0] if len(exc.messages) == 1 else None
        if isinstance(m, Msg) and m.key == "sc.not_utf8":  # name the observations file, not a scenario
            raise ConfigError(Msg("obs.not_utf8", **m.params)) from None
        raise
    obs = from_dict(data, path, hashlib.sha256(raw).hexdigest())
    if not obs.observations:  # an empty file, or only [reference]: nothing to score or condition on
        raise ConfigError(Msg("obs.none", file=str(path)))
    return obs


def check_against(obs: Observations, sc) -> None:
    """Problems that need the scenario: unknown initiative or area ids, years outside its horizon."""
    p = _Problems(str(obs.path))
    inits = {i.id for i in sc.initiatives}
    areas = {a.key for a in sc.areas}
    for o in obs.observations:
        where = f"observation {o.id!r}"
        if o.scope == "initiative" and o.unit not in inits:
            p.bad(
                f"{where}.scope", Msg("obs.no_initiative", unit=repr(o.unit), file=str(sc.path), got=repr(o.scope_text))
            )
        if o.scope == "area" and o.unit not in areas:
            p.bad(
                f"{where}.scope",
                Msg(
                    "obs.no_area",
                    unit=repr(o.unit),
                    file=str(sc.path),
                    names=", ".join(sorted(areas)),
                    got=repr(o.scope_text),
                ),
            )
        if o.year is not None and not sc.start_year <= o.year <= sc.horizon:
            p.bad(f"{where}.year", Msg("obs.horizon", start=str(sc.start_year), end=str(sc.horizon), got=str(o.year)))
    if p.lines:
        raise ConfigError(p.lines)


def parse_date(text: str) -> _dt.date:
    """A --known-by date (YYYY-MM-DD)."""
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(Msg("obs.known_by", got=repr(text))) from None


# -- the model's value of each observed quantity, per kept draw ------------------------------------
def business_case(o: Observation, sc) -> float:
    """The business cases at face value: every initiative delivers its full gain from its planned
    go-live (start), adoption 1 from then on, go-live at ``start``."""
    inits = [
        i
        for i in sc.initiatives
        if o.scope == "national"
        or (o.scope == "area" and i.area == o.unit)
        or (o.scope == "initiative" and i.id == o.unit)
    ]
    if o.quantity == "golive" or o.year is None:
        return float(inits[0].start)
    mid = o.year + 0.5
    if o.quantity == "adoption":
        return 1.0 if mid > inits[0].start else 0.0
    return float(sum(i.gain for i in inits if mid > i.start))


def _year_index(o: Observation, sc) -> int:
    return int(o.year - sc.start_year)


def golive_adoption(
    plan, inputs: np.ndarray, i: int, year_mid: float | None = None, G: np.ndarray | None = None
) -> np.ndarray:
    """Per draw: initiative i's go-live (``year_mid`` None), or its adoption in the year of mid-point
    ``year_mid``, as the kernel makes them: every [model] timing choice, dependencies and ramp
    baselines (simengine.model.formula.golive and adoption; docs/model.md). ``G``: the go-live of
    every initiative in these draws (simengine.model.formula.golive), if at hand."""
    from simengine.model.formula import adoption, golive

    g = (golive(plan, inputs) if G is None else G)[:, i]
    return g if year_mid is None else adoption(plan, inputs, g, i, year_mid)


def initiative_gains(
    plan,
    inputs: np.ndarray,
    year_index: int,
    potential: bool,
    s1: np.ndarray | None = None,
    only: int | None = None,
    G: np.ndarray | None = None,
) -> np.ndarray:
    """(D, I) per-draw gain of every initiative in one year: the gain formula A_i
    (simengine.model.formula.amplitude: gain_i F (1 - T Q)) a_iy times the
    realisation sum sum_m w_im clamp(r C_m (1 - E) eps_im, 0, 1) of the waterfall's evaluator
    (simengine.analysis.sensitivity.local_sums, every cause on), in the kernel's order of the products (so the
    same bits); potential: the sum replaced by 1 (before local realisation). ``s1``: local_sums of
    the same draws, if at hand. ``only``: compute initiative ``only`` alone (the other columns are
    left undefined). ``G``: the go-live of every initiative in these draws, if at hand."""
    from simengine.model.formula import adoption, amplitude, golive
    from simengine.model.plan import N_NATIONAL, N_VARS

    D, I = len(inputs), len(plan.gain)
    out = np.empty((D, I))
    if not D or not I:
        return out
    if s1 is None and not potential:  # (D, I, 8); the draw index is the row: must start at draw 0
        from simengine.analysis.sensitivity import local_sums

        s1 = local_sums(plan, np.ascontiguousarray(inputs))
    ymid = float(plan.year_mid[year_index])
    g = golive(plan, inputs) if G is None else G  # every initiative's go-live once (a dependency needs the others')
    for i in range(I) if only is None else (only,):
        o = N_NATIONAL + i * N_VARS
        coef = amplitude(plan.gain[i], inputs.T, o) * adoption(plan, inputs, g[:, i], i, ymid)
        if potential:
            out[:, i] = coef
        else:
            assert s1 is not None  # computed above when not given
            out[:, i] = coef * s1[:, i, 0]
    return out


class MissingQuantity(ConfigError):
    pass


def per_draw(
    observations: tuple[Observation, ...],
    ds,
    plan,
    inputs: np.ndarray | None,
    file: str = "observations",
    s1: np.ndarray | None = None,
    G: np.ndarray | None = None,
) -> np.ndarray:
    """(n_obs, K) the model's value of each observed quantity in each of the K kept draws.

    national/area gains come from the results Dataset (``benefit``/``area_benefit`` for realised,
    ``potential``/``area_potential`` for potential); per-initiative gains, go-live and adoption
    from the kept per-draw inputs (``inputs``: one row per kept draw). ``s1``: the kept draws'
    realisation sums (simengine.analysis.sensitivity.local_sums), if at hand; ``G``: their go-live of
    every initiative (simengine.model.formula.golive), if at hand, else computed once for all the
    observations that need it."""
    sc = plan.scenario
    K = ds.sizes["draw"]
    out = np.empty((len(observations), K))
    cache: dict[tuple[int, bool, int], np.ndarray] = {}
    inp = inputs if inputs is not None else np.zeros((0, plan.n_inputs))
    sums: list[np.ndarray] = [] if s1 is None else [s1]
    ini_index = {ini.id: k for k, ini in enumerate(sc.initiatives)}
    golives: list[np.ndarray] = [] if G is None else [G]

    def go() -> np.ndarray:  # every initiative's go-live in the K draws, once
        if not golives:
            from simengine.model.formula import golive

            golives.append(golive(plan, inp[:K]))
        return golives[0]

    for k, o in enumerate(observations):
        needs_inputs = o.quantity in NEEDS_INPUTS or o.scope == "initiative"
        if needs_inputs and len(inp) < K:
            raise ConfigError(Msg("obs.needs_inputs", file=file, id=repr(o.id), what=o.what, n=len(inp), k=K))
        if o.quantity == "golive":
            out[k] = golive_adoption(plan, inp[:K], ini_index[o.unit], G=go())
        elif o.quantity == "adoption":
            out[k] = golive_adoption(plan, inp[:K], ini_index[o.unit], float(plan.year_mid[_year_index(o, sc)]), G=go())
        elif o.scope == "initiative":
            i = ini_index[o.unit]
            key = (_year_index(o, sc), o.quantity == "potential", i)
            if key not in cache:
                if not sums and o.quantity != "potential":
                    from simengine.analysis.sensitivity import local_sums

                    sums.append(local_sums(plan, np.ascontiguousarray(inp[:K]), combinations=1))
                cache[key] = initiative_gains(
                    plan, inp[:K], key[0], key[1], s1=sums[0] if sums else None, only=i, G=go()
                )[:, i]
            out[k] = cache[key]
        else:
            if o.quantity == "realised":
                name = "benefit" if o.scope == "national" else "area_benefit"
            else:
                name = "potential" if o.scope == "national" else "area_potential"
            if name not in ds:
                raise MissingQuantity(Msg("obs.no_quantity", file=file, id=repr(o.id), what=o.what, name=repr(name)))
            da = ds[name]
            if o.scope == "area":
                da = da.sel(area=o.unit)
            out[k] = np.asarray(da.sel(year=o.year).values, dtype=float)
    return out
