"""Variants of a scenario: the scenario with some keys set to other values (``KEY.PATH=VALUE``).

One set of rules for ``python -m simengine sweep --set KEY.PATH=V1,V2,...`` (simengine.cli.sweep) and
for variants built in Python (``simengine.variant``, simengine.api): the value is put into the
scenario's TOML document (``extends`` already merged) at the key path -- ``regimes.retention_share``,
``areas.social.target``, ``initiatives.osb-1.delay`` with the initiative named by its id -- and the
document is validated again, so a bad value gives the usual one-line error of a scenario file,
prefixed by the setting that caused it (``--set ...:`` or ``variant ...:``).

A variant's sha256 is that of ``"<the file's sha256>|<key=value, ...>"`` (every change made since the
file was read, in order): the same variant built by a sweep or in Python, in one step or several, has
the same sha256.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from simengine.errors import ConfigError
from simengine.messages import Msg
from simengine.scenario import schema as scenario

#: a grid larger than this is almost certainly a typo (and would take days)
MAX_VARIANTS = 10_000
KEY_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]*")


# -- KEY.PATH=V1,V2,... ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """One ``--set KEY.PATH=V1,V2,...`` (or one key of a variant built in Python: ``via="variant"``)."""

    key: str
    values: tuple[Any, ...]
    option: str  # as given, for messages
    via: str = "--set"  # how the user gave it, for messages

    def text(self, k: int) -> str:
        return f"{self.key}={toml_value(self.values[k])}"


def toml_value(v: Any) -> str:
    """A value as TOML text (for labels, messages and string coordinates)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return str(v)


def _toml(text: str) -> Any:
    return tomllib.loads(f"v = {text}")["v"]


def parse_values(rhs: str, option: str, via: str = "--set") -> list[Any]:
    """``0.25,0.5`` -> [0.25, 0.5]: TOML values separated by commas (strings may be bare words)."""
    if not rhs.strip() or "\n" in rhs or "\r" in rhs:
        raise ConfigError(Msg("set.no_value", via=via, option=option))
    try:
        values = _toml(f"[{rhs}]")
        if isinstance(values, list) and values:
            return values
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        pass
    out = []
    for item in rhs.split(","):
        t = item.strip()
        try:
            out.append(_toml(t))
            continue
        except (tomllib.TOMLDecodeError, ValueError, RecursionError):
            pass
        if BARE_WORD.fullmatch(t):
            out.append(t)  # equal, population, lhs: a string does not need its quotes here
            continue
        raise ConfigError(Msg("set.bad_value", via=via, option=option, got=repr(t)))
    return out


def check_key(key: str, option: str, via: str = "--set") -> str:
    """The key path, stripped; ConfigError unless it is dotted keys of letters, digits, - and _."""
    key = key.strip()
    if not all(KEY_SEGMENT.fullmatch(p) for p in key.split(".")):
        raise ConfigError(Msg("set.bad_key", via=via, option=option, path=repr(key)))
    return key


def parse_set(option: str, via: str = "--set") -> Setting:
    """``KEY.PATH=V1,V2,...`` -> a Setting (``via`` names the option in messages)."""
    key, eq, rhs = option.partition("=")
    key = key.strip()
    if not eq or not key:
        raise ConfigError(Msg("set.form", via=via, option=option))
    key = check_key(key, option, via)
    values = parse_values(rhs, option, via)
    shown = [toml_value(v) for v in values]
    dup = sorted({s for s in shown if shown.count(s) > 1})
    if dup:
        raise ConfigError(Msg("set.twice", via=via, option=option, value=dup[0]))
    return Setting(key=key, values=tuple(values), option=option, via=via)


def check_settings(settings: Sequence[Setting]) -> None:
    """No key set twice (or inside another set key); at most MAX_VARIANTS combinations."""
    seen: dict[str, str] = {}
    for s in settings:
        for other, opt in seen.items():
            if s.key == other or s.key.startswith(other + ".") or other.startswith(s.key + "."):
                raise ConfigError(Msg("set.overlap", via=s.via, option=s.option, other=opt))
        seen[s.key] = s.option
    n = math.prod(len(s.values) for s in settings)
    if n > MAX_VARIANTS:
        via = settings[0].via if settings else "--set"
        raise ConfigError(
            Msg("set.too_many", via=via, n=n, sizes=" x ".join(str(len(s.values)) for s in settings), max=MAX_VARIANTS)
        )


def apply(doc: dict, s: Setting, value: Any) -> None:
    """Put ``value`` at ``s.key`` in the scenario document ``doc`` (in place)."""
    parts = s.key.split(".")
    node: Any = doc
    where = ""
    if parts[0] == "initiatives":
        items = doc.get("initiatives")
        ids = [i.get("id") for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        if len(parts) < 3:
            eg = ids[0] if ids else "ID"
            raise ConfigError(Msg("set.initiative_key", via=s.via, option=s.option, eg=eg))
        match = [i for i in items or [] if isinstance(i, dict) and i.get("id") == parts[1]]
        if not match:
            hint = difflib.get_close_matches(parts[1], [str(i) for i in ids], n=1, cutoff=0.6)
            did = Msg("set.did_you_mean", name=repr(hint[0])) if hint else ""
            raise ConfigError(
                Msg(
                    "set.no_initiative",
                    via=s.via,
                    option=s.option,
                    id=repr(parts[1]),
                    hint=did,
                    ids=", ".join(str(i) for i in ids) or Msg("set.none"),
                )
            )
        node = match[0]
        where = f"initiatives.{parts[1]}"
        parts = parts[2:]
    for p in parts[:-1]:
        where = f"{where}.{p}" if where else p
        nxt = node.get(p)
        if nxt is None:
            nxt = node[p] = {}
        elif not isinstance(nxt, dict):
            raise ConfigError(Msg("set.not_table", via=s.via, option=s.option, where=where, got=toml_value(nxt)))
        node = nxt
    node[parts[-1]] = copy.deepcopy(value)


# -- a variant ------------------------------------------------------------------------------------
def _problem_key(problem: str, files: list[str]) -> str:
    """The key path a validation problem is about, with initiatives[n] (id) written initiatives.id."""
    rest = problem
    for f in files:
        if rest.startswith(f + ": "):
            rest = rest[len(f) + 2 :]
            break
    key = rest.split(": ", 1)[0]
    return re.sub(r"initiatives\[\d+\] \(([^)]*)\)", r"initiatives.\1", key).replace("'", "")


def derive(base: scenario.Scenario, settings: Sequence[Setting], choice: Sequence[int]) -> scenario.Scenario:
    """``base`` with each ``settings[k].key`` set to ``settings[k].values[choice[k]]``, validated.

    Raises ConfigError with one line per problem, each prefixed by the setting(s) that caused it.
    The variant keeps ``base``'s draws and seed unless a setting changes ``simulation``."""
    r = base.resolved
    if r is None:
        raise ConfigError(Msg("set.no_document", file=str(base.path)))
    doc = copy.deepcopy(r.data)
    for s, c in zip(settings, choice):
        apply(doc, s, s.values[c])
    texts = [s.text(c) for s, c in zip(settings, choice)]
    # of the file(s) and every change since: made in one step or several, the same variant has one sha256
    sha = hashlib.sha256(f"{r.sha256}|{', '.join(base.changes + tuple(texts))}".encode()).hexdigest()
    try:
        sc = scenario.from_dict(doc, base.path, sha, sources=r.files)
    except ConfigError as exc:
        files = [str(base.path)] + [str(f) for f in r.files]
        problems: list[str | Msg] = []
        for p, m in zip(exc.problems, exc.messages):
            key = _problem_key(p, files)
            what = m.params.get("what") if isinstance(m, Msg) and m.key == "sc.problem" else None
            # an unknown key is wrong whatever its value: named once for all of the setting's values
            unknown = isinstance(what, Msg) and what.key == "sc.unknown_key"
            culprits = [
                s.via + " " + (s.key if unknown else t)
                for s, t in zip(settings, texts)
                if key == s.key or key.startswith(s.key + ".") or s.key.startswith(key + ".")
            ]
            who = " ".join(culprits or [s.via + " " + t for s, t in zip(settings, texts)])
            problems.append(Msg("sc.problem", where=who, what=m))
        raise ConfigError(list(dict.fromkeys(problems))) from None
    if not any(s.key == "simulation" or s.key.startswith("simulation.") for s in settings):
        sc = sc.with_run_options(draws=base.draws, seed=base.seed)
    return replace(sc, resolved=scenario.Resolved(doc, r.files, r.sha256, {}), changes=base.changes + tuple(texts))
