"""Property-based fuzzing of the scenario loader.

Whatever a scenario file holds -- arbitrary TOML, arbitrary bytes, or a valid scenario with
random damage -- ``simengine.scenario.schema.load`` either returns a Scenario or raises the
project's own :class:`~simengine.errors.ConfigError`, whose problems are non-empty one-line
strings that each name the file. Any other exception is a loader bug.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simengine.errors import ConfigError
from simengine.model.distributions import FAMILIES
from simengine.scenario import schema as scenario

DATA = Path(__file__).resolve().parents[1] / "data"
with open(DATA / "small.toml", "rb") as _fh:
    SMALL = tomllib.load(_fh)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# every key name the schema knows, so random documents reach past the top-level checks
KNOWN_KEYS = sorted(
    set(scenario.TOP_KEYS)
    | set(scenario.SCENARIO_KEYS)
    | set(scenario.SIMULATION_KEYS)
    | set(scenario.NATIONAL_KEYS)
    | set(scenario.MUNICIPAL_KEYS)
    | set(scenario.REGIME_KEYS)
    | set(scenario.OUTPUT_KEYS)
    | set(scenario.AREA_KEYS)
    | set(scenario.INITIATIVE_KEYS)
    | set(scenario.COST_KEYS)
    | {"dist", "probability", "loss", "borgerservice", "social", "2016"}
    | {k for req, opt in FAMILIES.values() for k in req + opt}
)
EXTREMES = [
    0,
    -1,
    1,
    -0.0,
    0.5,
    1.5,
    1e-308,
    -1e308,
    1e308,
    math.nan,
    math.inf,
    -math.inf,
    2**31,
    2**63,
    -(2**63),
    10**20,
    10**400,
    1900,
    2200,
    2011,
    99999,
]


# ------------------------------------------------------------------------------------------
# a TOML writer for arbitrary values (everything below the top level as inline values)
def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_toml_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_str(k)} = {_toml_val(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def to_toml(doc: dict) -> str:
    return "".join(f"{_toml_str(k)} = {_toml_val(v)}\n" for k, v in doc.items())


# ------------------------------------------------------------------------------------------
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=12))
scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.sampled_from(EXTREMES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(list(FAMILIES) + ["builtin", "gamma", "population", "equal", "borgerservice", "."]),
    st.dates(),
    st.times(),
    st.datetimes(timezones=st.one_of(st.none(), st.just(dt.UTC))),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)
documents = st.dictionaries(keys, values, max_size=8)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def check_load(path: Path) -> None:
    """Load ``path``: success or ConfigError with well-formed problems; anything else fails."""
    try:
        scenario.load(path)
    except ConfigError as exc:
        assert exc.problems, "ConfigError without problems"
        resolved_dir = str(path.parent.resolve())
        for line in exc.problems:
            assert isinstance(line, str) and line.strip(), f"empty problem in {exc.problems!r}"
            assert len(line.splitlines()) == 1, f"problem spans lines: {line!r}"
            assert line.startswith(str(path)) or line.startswith(resolved_dir) or line.startswith("builtin"), (
                f"problem does not name the file: {line!r}"
            )
            assert "Traceback" not in line


def write(fuzz_dir: Path, text: str | bytes) -> Path:
    p = fuzz_dir / "scenario.toml"
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def test_writer_roundtrips_small(fuzz_dir):
    assert tomllib.loads(to_toml(SMALL)) == SMALL
    sc = scenario.load(write(fuzz_dir, to_toml(SMALL)))  # the unmutated base loads
    assert len(sc.initiatives) == 3


# ------------------------------------------------------------------------------------------
@FUZZ
@given(doc=documents)
def test_arbitrary_toml_documents(fuzz_dir, doc):
    text = to_toml(doc)
    tomllib.loads(text)  # the strategy itself must produce valid TOML
    check_load(write(fuzz_dir, text))


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda s: s.encode("utf-8"))))
def test_arbitrary_bytes(fuzz_dir, data):
    check_load(write(fuzz_dir, data))


# ------------------------------------------------------------------------------------------
def _paths(obj, prefix=()):
    """Every (path to a value) in a nested dict/list document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


ALL_PATHS = sorted(_paths(SMALL), key=repr)


def _get(doc, path):
    for k in path:
        doc = doc[k]
    return doc


def _containers(doc):
    return [()] + [p for p in _paths(doc) if isinstance(_get(doc, p), (dict, list))]


mutation = st.tuples(
    st.sampled_from(["delete", "replace", "extreme", "unknown_key", "dist_name", "empty", "swap_type"]),
    st.integers(min_value=0, max_value=10**6),
    values,
    keys,
    st.sampled_from(EXTREMES),
    st.one_of(st.sampled_from(list(FAMILIES) + ["gamma", "lognorm", "PERT", "", "fixed"]), st.text(max_size=8)),
)


def mutate(doc: dict, op) -> None:
    kind, pick, value, key, extreme, fam = op
    paths = list(_paths(doc))
    if kind == "unknown_key":
        holders = [p for p in _containers(doc) if isinstance(_get(doc, p), dict)]
        _get(doc, holders[pick % len(holders)])[key] = value
        return
    if kind == "dist_name":
        dists = [p for p in _containers(doc) if isinstance(_get(doc, p), dict) and "dist" in _get(doc, p)]
        if dists:
            _get(doc, dists[pick % len(dists)])["dist"] = fam
        return
    if not paths:
        return
    path = paths[pick % len(paths)]
    parent, last = _get(doc, path[:-1]), path[-1]
    old = parent[last]
    if kind == "delete":
        del parent[last]
    elif kind == "replace":
        parent[last] = value
    elif kind == "extreme":
        nums = [p for p in paths if isinstance(_get(doc, p), (int, float)) and not isinstance(_get(doc, p), bool)]
        if nums:
            p = nums[pick % len(nums)]
            _get(doc, p[:-1])[p[-1]] = extreme
    elif kind == "empty":
        parent[last] = [] if isinstance(old, list) or pick % 2 else {}
    elif kind == "swap_type":
        swaps = {bool: "true", int: 1.5, float: "1.0", str: 7, list: {"a": 1}, dict: [1, 2]}
        parent[last] = swaps.get(type(old), value)


@FUZZ
@given(ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_small_scenario(fuzz_dir, ops):
    doc = copy.deepcopy(SMALL)
    for op in ops:
        mutate(doc, op)
    check_load(write(fuzz_dir, to_toml(doc)))


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(
        [p for p in ALL_PATHS if isinstance(_get(SMALL, p), (int, float)) and not isinstance(_get(SMALL, p), bool)]
    ),
    value=st.one_of(st.sampled_from(EXTREMES), st.floats(), st.integers()),
)
def test_every_number_at_extremes(fuzz_dir, path, value):
    doc = copy.deepcopy(SMALL)
    _get(doc, path[:-1])[path[-1]] = value
    check_load(write(fuzz_dir, to_toml(doc)))


# ------------------------------------------------------------------------------------------
# the municipalities CSV a scenario names: arbitrary text, and damaged copies of the builtin one
BUILTIN_LINES = scenario.mun.builtin_text().splitlines()
csv_cells = st.one_of(st.text(max_size=8), st.sampled_from(["", "0", "-1", "1e999", "nan", "101", "x", '"', "\r"]))
csv_texts = st.one_of(
    st.text(max_size=400),
    st.tuples(
        st.sampled_from(["code,name,region,population", "code,name,region,population,extra"]),
        st.lists(st.lists(csv_cells, max_size=6).map(",".join), max_size=6),
    ).map(lambda t: "\n".join([t[0], *t[1]])),
    st.tuples(st.integers(0, len(BUILTIN_LINES) - 1), st.lists(csv_cells, max_size=6).map(",".join)).map(
        lambda t: "\n".join(BUILTIN_LINES[: t[0]] + [t[1]] + BUILTIN_LINES[t[0] + 1 :])
    ),
)


@settings(max_examples=150, deadline=None)
@given(text=csv_texts, key=st.sampled_from(["population", "equal", "extra", "name"]))
def test_arbitrary_municipalities_csv(fuzz_dir, text, key):
    (fuzz_dir / "mun.csv").write_text(text, encoding="utf-8", newline="")
    doc = copy.deepcopy(SMALL)
    doc["scenario"]["municipalities"] = "mun.csv"
    doc["initiatives"][0]["key"] = key
    check_load(write(fuzz_dir, to_toml(doc)))
