"""The assumptions table: every prior of a scenario with the comment that gives its source.

``tomllib`` drops comments, so :func:`toml_comments` reads them from the raw text with a small
line-based parser: for each ``key = value  # comment`` it records the comment at the end of the
line and the block of ``#`` lines directly above the key (no blank line in between), under the
key's full path, e.g. ``("initiatives", 3, "delay")`` or ``("national", "weak_share")``.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass

from simengine.model import structure
from simengine.outputs.labels import Labels
from simengine.scenario.schema import MODEL_KEYS, Scenario

KR_KEYS = {"scenario.cost_per_fte"}
SHARE_KEYS = {
    "scenario.discount_rate",
    "regimes.retention_share",
    "regimes.incentive_uplift",
    "outputs.tail",
    "national.assumed_weak_share",
    "municipal.size_penalty",
    "outputs.cut_alpha",
}
GENERAL_ORDER = (
    (
        "scenario",
        (
            "target",
            "target_start_year",
            "target_year",
            "start_year",
            "horizon",
            "discount_rate",
            "cost_per_fte",
            "municipalities",
        ),
    ),
    ("national", ("assumed_weak_share", "weak_share", "economic_pressure")),
    ("municipal", ("capacity_spread", "local_spread", "optimal_population", "size_penalty")),
    ("regimes", ("retention_share", "retention_years", "incentive_uplift")),
    ("outputs", ("tail", "cut_threshold", "cut_alpha")),
    ("model", MODEL_KEYS),  # every [model] key, as declared (a new choice is a row without an edit here)
)
#: settings the negotiation figures rest on, shown with simengine's default when the file leaves them out
#: (the largest safe deduction is the gain's alpha quantile + the threshold: docs/model.md)
SHOWN_DEFAULTS = ("outputs.cut_threshold", "outputs.cut_alpha")
#: an initiative's keys in the table's order: the sampled inputs' as declared (simengine.model.structure)
PRIOR_KEYS = ("channel_shift", "key", *structure.PRIOR_KEYS, "cost", "ramp_baseline", "depends_on", "dependency_lag")


# ------------------------------------------------------------------------------------------
# comments
def _split_comment(line: str) -> tuple[str, str, int]:
    """(code, comment, bracket depth change) of one line; ``#`` inside strings is not a comment."""
    quote = None
    depth = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if quote == '"' and ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif ch == "#":
            return line[:i], line[i + 1 :].strip(), depth
        elif line.startswith('"""', i) or line.startswith("'''", i):
            quote = line[i : i + 3]
            i += 3
            continue
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return line, "", depth


def _key_parts(text: str) -> tuple[str, ...]:
    """``a."b c".d`` -> ("a", "b c", "d")."""
    parts: list[str] = []
    cur = ""
    quote = None
    for ch in text.strip():
        if quote:
            if ch == quote:
                quote = None
            else:
                cur += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return tuple(p for p in parts)


def toml_comments(text: str) -> dict[tuple, dict[str, str]]:
    """Comments per key path: ``{"inline": ..., "above": ...}`` (empty strings when absent)."""
    out: dict[tuple, dict[str, str]] = {}
    table: tuple = ()
    counts: dict[tuple, int] = {}
    above: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        i += 1
        if not s:
            above = []
            continue
        if s.startswith("#"):
            above.append(s.lstrip("#").strip())
            continue
        code, comment, depth = _split_comment(s)
        code = code.strip()
        if code.startswith("[["):
            name = _key_parts(code[2 : code.rfind("]]")])
            counts[name] = counts.get(name, -1) + 1
            table = name + (counts[name],)
            above = []
            continue
        if code.startswith("["):
            table = _key_parts(code[1 : code.rfind("]")])
            above = []
            continue
        if "=" not in code:
            above = []
            continue
        key_text, value = code.split("=", 1)
        # multi-line values (arrays, inline tables, triple-quoted strings): read on to the end
        open_triple = value.count('"""') % 2 == 1 or value.count("'''") % 2 == 1
        while (depth > 0 or open_triple) and i < len(lines):
            _, more_comment, d = _split_comment(lines[i].strip())
            if open_triple and ('"""' in lines[i] or "'''" in lines[i]):
                open_triple = False
            depth += d
            comment = more_comment or comment
            i += 1
        path = table + _key_parts(key_text)
        out[path] = {"inline": comment, "above": " ".join(a for a in above if a)}
        above = []
    return out


def source_of(comments: dict, path: tuple) -> str:
    c = comments.get(path)
    if not c:
        return ""
    parts = [c["above"], c["inline"]]
    return " — ".join(p for p in parts if p)


# ------------------------------------------------------------------------------------------
# values
def _dist_mean(d: dict) -> float | None:
    from simengine.model.distributions import Dist

    try:
        params = tuple((k, float(v)) for k, v in d.items() if k != "dist")
        dist = Dist(str(d["dist"]), params)
        if dist.family == "bernoulli":
            return dist.p("p")
        m = float(dist.scipy().mean())
        return m if math.isfinite(m) else None
    except Exception:  # noqa: BLE001 - a description must never fail the report
        return None


FAMILY_NAMES = {
    "da": {
        "uniform": "ligefordeling",
        "triangular": "trekant",
        "pert": "PERT",
        "beta": "beta",
        "lognormal": "lognormal",
        "normal": "normal",
        "bernoulli": "bernoulli",
    },
    "en": {
        "uniform": "uniform",
        "triangular": "triangular",
        "pert": "PERT",
        "beta": "beta",
        "lognormal": "lognormal",
        "normal": "normal",
        "bernoulli": "Bernoulli",
    },
}
PARAM_NAMES = {
    "da": {"mode": "typisk", "mean": "middel", "sd": "sd", "median": "median", "p90": "P90"},
    "en": {"mode": "mode", "mean": "mean", "sd": "sd", "median": "median", "p90": "P90"},
}


def describe(value, L: Labels, kind: str = "", key: str = "") -> str:
    """A scenario value in words: numbers, distributions and the event/cost tables; ``key``: the
    setting's key (``model.timing``; an initiative's as ``key``), whose named values are shown in
    the report's language (:meth:`Labels.choice`)."""
    lang = L.lang
    if isinstance(value, bool):
        return ("ja" if value else "nej") if lang == "da" else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        if kind == "money":
            v = L.general(value / 1e6)
            return f"{v} mio. kr." if lang == "da" else f"DKK {v}m"
        if kind == "kr":
            return Labels.kr(L, value)  # an input in kr., whatever unit the report shows
        if kind == "share":
            return L.share(value)
        if kind == "year":
            return str(int(value))
        return L.general(value)
    if isinstance(value, str):
        return L.choice(key, value) if key else value
    if isinstance(value, list):
        return "–".join(describe(v, L, kind) for v in value)
    if isinstance(value, dict):
        if "dist" in value:
            fam = FAMILY_NAMES[lang].get(str(value["dist"]), str(value["dist"]))
            sep = "; " if lang == "da" else ", "
            inner = sep.join(f"{PARAM_NAMES[lang].get(k, k)} {L.general(v)}" for k, v in value.items() if k != "dist")
            text = f"{fam}({inner})"
            m = _dist_mean(value)
            if m is not None and value["dist"] != "bernoulli" and "mean" not in value:
                text += f", {'middel' if lang == 'da' else 'mean'} {L.general(float(f'{m:.3g}'))}"
            return text
        if "probability" in value:  # legislation / technology
            p = value.get("probability", 0)
            if not p:
                return L("ass_no_event")
            if "delay" in value:
                then = value["delay"]
                txt = describe(then, L) + (
                    (" år" if lang == "da" else " years") if isinstance(then, (int, float)) else ""
                )
            else:
                then = value.get("loss", 0)
                txt = describe(then, L, "share" if isinstance(then, (int, float)) else "")
            return L("prob_then", p=L.share(p), then=txt)
        if set(value) <= {"investment", "running", "overrun"}:  # cost
            parts = []
            if "investment" in value:
                parts.append(
                    f"{'investering' if lang == 'da' else 'investment'} {describe(value['investment'], L, 'money')}"
                )
            if "running" in value:
                parts.append(
                    f"{'drift' if lang == 'da' else 'running'} {describe(value['running'], L, 'money')}"
                    f"{'/år' if lang == 'da' else '/yr'}"
                )
            if "overrun" in value:
                parts.append(f"{'overskridelse' if lang == 'da' else 'overrun'} {describe(value['overrun'], L)}")
            return "; ".join(parts) if parts else L("none")
        sep = "; " if lang == "da" else ", "
        return sep.join(f"{k} {describe(v, L)}" for k, v in value.items())
    return str(value)


def _decimals(x: float) -> int:
    """The decimals :meth:`Labels.general` shows of ``x``."""
    s = Labels("en").general(x)
    return len(s.split(".", 1)[1]) if "." in s else 0


def cell(value, L: Labels, kind: str = "") -> tuple[float | int | None, str | None]:
    """(number, Excel number format) of a scenario value that is a number, shown as :func:`describe`
    writes it (the unit in the format, the number plain); (None, None) for anything else (a
    distribution, a range, a name, yes/no), which stays text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None, None
    da = L.lang == "da"

    def fixed(d: int) -> str:
        return "#,##0" + ("." + "0" * d if d else "")

    if kind == "money":
        m = value / 1e6
        return m, (f'{fixed(_decimals(m))}" mio. kr."' if da else f'"DKK "{fixed(_decimals(m))}"m"')
    if kind == "kr":
        return value, ('#,##0" kr."' if da else '"DKK "#,##0')
    if kind == "share":
        v = 100 * float(value)
        return value, ("0%" if abs(v - round(v)) < 1e-9 else "0.0%")
    if kind == "year":
        return int(value), "0"
    return value, fixed(_decimals(value))


def money_key(path: str) -> bool:
    """Whether a key path (``scenario.target``, ``areas.social.target`` or ``areas.target``,
    ``initiatives.osb-1.gain`` or ``gain``, ``outputs.cut_threshold``) holds an amount in DKK, shown
    in mio. kr. (the assumptions' values, a sweep's swept values)."""
    parts = path.split(".")
    last = parts[-1]
    return (
        last in ("gain", "investment", "running")
        or path in ("scenario.target", "outputs.cut_threshold")
        or (parts[0] == "areas" and last == "target")
    )


def _kind(path: str) -> str:
    if money_key(path):
        return "money"
    if path in KR_KEYS:
        return "kr"
    if path in SHARE_KEYS:
        return "share"
    if path.endswith("year") or path.endswith("horizon") or path.endswith(".start") or path == "start":
        return "year"
    return ""


# ------------------------------------------------------------------------------------------
@dataclass
class Row:
    label: str
    key: str
    value: str
    source: str
    group: bool = False  # a heading row (one per initiative)
    number: float | int | None = None  # the value when it is a number (summary.xlsx), with its format
    number_format: str | None = None


def _row(label: str, key: str, value, L: Labels, kind: str, setting: str, source: str) -> Row:
    """A row of a scenario value: in words and, when it is a number, as one (:func:`cell`)."""
    number, fmt = cell(value, L, kind)
    return Row(label, key, describe(value, L, kind, setting), source, number=number, number_format=fmt)


@dataclass
class Section:
    title: str
    rows: list[Row]
    note: str = ""


def run_settings(ds) -> dict:
    """The values of :data:`SHOWN_DEFAULTS` a run used (results.nc attributes; ``run --cut-threshold``
    included)."""
    out = {}
    for path in SHOWN_DEFAULTS:
        v = ds.attrs.get(path.split(".", 1)[1])
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[path] = float(v)
    return out


def assumption_sections(text: str, L: Labels, used: dict | None = None) -> list[Section]:
    """The scenario's priors, section by section, with their source comments; ``used``: the values of
    :data:`SHOWN_DEFAULTS` the run used (:func:`run_settings`), shown where they differ from the file's."""
    used = used or {}
    data = tomllib.loads(text)
    com = toml_comments(text)
    sections: list[Section] = []

    rows = []
    for table, keys in GENERAL_ORDER:
        t = data.get(table, {})
        for k in keys:
            path = f"{table}.{k}"
            if k in t:
                v, src = t[k], source_of(com, (table, k))
            elif path in SHOWN_DEFAULTS:
                v, src = next(f.default for f in dataclasses.fields(Scenario) if f.name == k), L("ass_default")
            else:
                continue
            if path in used and not math.isclose(float(used[path]), float(v), rel_tol=1e-12):
                v, src = used[path], L("ass_run_option")  # a run option (run --cut-threshold) set it
            rows.append(_row(L.param(path), path, v, L, _kind(path), path, src))
    sections.append(Section(L("ass_general"), rows))

    rows = []
    for ak, av in (data.get("areas") or {}).items():
        if not isinstance(av, dict):
            continue
        rows.append(
            _row(
                str(av.get("name", ak)),
                f"areas.{ak}.target",
                av.get("target", 0.0),
                L,
                "money",
                "",
                source_of(com, ("areas", ak, "target")),
            )
        )
    sections.append(Section(L("ass_areas"), rows))

    rows = []
    defaults = data.get("defaults") or {}
    for k in PRIOR_KEYS + ("note",):
        if k in defaults:
            rows.append(_row(L.param(k), f"defaults.{k}", defaults[k], L, _kind(k), k, source_of(com, ("defaults", k))))
    sections.append(Section(L("ass_defaults"), rows))

    rows = []
    area_names = {ak: str(av.get("name", ak)) for ak, av in (data.get("areas") or {}).items() if isinstance(av, dict)}
    for n, ini in enumerate(data.get("initiatives") or []):
        if not isinstance(ini, dict):
            continue
        head = f"{ini.get('name', ini.get('id', ''))}"
        sub = f"{ini.get('id', '')} · {area_names.get(ini.get('area'), ini.get('area', ''))}"
        rows.append(Row(head, sub, "", str(ini.get("note", defaults.get("note", ""))), group=True))
        for k in ("gain", "start") + PRIOR_KEYS:
            if k not in ini:
                continue
            rows.append(_row(L.param(k), k, ini[k], L, _kind(k), k, source_of(com, ("initiatives", n, k))))
    sections.append(Section(L("ass_initiatives"), rows, note=L("ass_initiatives_note")))

    rows = []  # [[shocks]]: common shocks
    for n, sh in enumerate(data.get("shocks") or []):
        if not isinstance(sh, dict):
            continue
        members = sh.get("initiatives", "all")
        who = L("ass_all_initiatives") if members == "all" else ", ".join(str(x) for x in members)
        rows.append(
            Row(
                f"{sh.get('id', '')}: {L.param(str(sh.get('input', '')))}",
                f"shocks[{n}]",
                L("ass_shock_value", loading=L.general(sh.get("loading", 0.0)), who=who),
                str(sh.get("note", "")) or source_of(com, ("shocks", n, "loading")),
            )
        )
    if rows:
        sections.append(Section(L("ass_shocks"), rows, note=L("ass_shocks_note")))
    return sections
