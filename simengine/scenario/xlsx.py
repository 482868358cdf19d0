"""Scenarios as Excel workbooks, both ways.

``python -m simengine scenario export SCENARIO.toml scenario.xlsx`` writes a scenario as a workbook
an analyst can edit; ``run``, ``validate`` and ``compare`` read an ``.xlsx`` directly. The workbook is
read with openpyxl into the same document the TOML parser gives and then validated by the same code
(:func:`simengine.scenario.schema.from_dict`), so a workbook means exactly what the TOML file means: exported
and read back it gives the same scenario, number for number.

Sheets (names are Danish, the column heads are the scenario file's keys, see scenarios/README.md):

* ``Om`` – what the workbook is, where it came from, how to write a distribution (not read back);
* ``Indstillinger`` – one row per setting: key path (``scenario.target``), value, explanation, source;
* ``Områder`` – one row per area: key, name, target, source;
* ``Initiativer`` – one row per initiative: id, name, area, gain, start, then every prior as a
  column (``legislation.probability``, ``legislation.delay``, ``cost.overrun``, …) and the note;
  an empty cell means the key is not given (its default applies);
* ``Korrelationer`` – a, b, rho; ``Stød`` – the common shocks (id, input, initiatives, loading, note);
  ``Observeret`` – year, observed gain;
* ``Kilder`` – the source of a value that has no source column of its own (key path, source).

A distribution is written in a cell as ``pert(min=0.5, mode=0.8, max=1.0)`` (or as the TOML inline
table ``{ dist = "pert", min = 0.5, mode = 0.8, max = 1.0 }``); a fixed value as a number. A scenario
that ``extends`` another is exported flattened: the merged scenario, with ``[defaults]`` written into
every initiative's row (the ``Om`` sheet says which files it came from). Every number is written
so that it reads back as the same binary value (a number that Excel's 16 significant digits cannot
hold is written as its exact text). Text cells are always text, never a formula: a name beginning with
``=``, ``+``, ``-`` or ``@`` is stored as a string with Excel's quote prefix.

Problems of a workbook are reported like those of a TOML file, one line each, naming the file, the
sheet and cell (``Initiativer!H7``), the key path, the value and what is allowed.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import re
import tomllib
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from simengine.errors import ConfigError
from simengine.messages import Msg, TomlDetail
from simengine.model.distributions import FAMILIES
from simengine.model.structure import INITIATIVE_INPUTS, PRIOR_COLUMNS
from simengine.scenario import municipalities as mun
from simengine.scenario import schema as scmod

SUFFIXES = (".xlsx", ".xlsm")

S_ABOUT = "Om"
S_SETTINGS = "Indstillinger"
S_AREAS = "Områder"
S_INITIATIVES = "Initiativer"
S_CORRELATIONS = "Korrelationer"
S_OBSERVED = "Observeret"
S_SHOCKS = "Stød"
S_SOURCES = "Kilder"
READ_SHEETS = (S_SETTINGS, S_AREAS, S_INITIATIVES, S_CORRELATIONS, S_SHOCKS, S_OBSERVED, S_SOURCES)

SETTING_TABLES = ("scenario", "simulation", "national", "municipal", "regimes", "outputs", "model")
SETTING_KEYS = {
    "scenario": scmod.SCENARIO_KEYS,
    "simulation": scmod.SIMULATION_KEYS,
    "national": scmod.NATIONAL_KEYS,
    "municipal": scmod.MUNICIPAL_KEYS,
    "regimes": scmod.REGIME_KEYS,
    "outputs": scmod.OUTPUT_KEYS,
    "model": scmod.MODEL_KEYS,
}
#: the Initiativer sheet's columns; a dotted column is a key of a sub-table (legislation, technology, cost);
#: the sampled inputs' as declared (simengine.model.structure)
INITIATIVE_COLUMNS = (
    "id",
    "name",
    "area",
    "gain",
    "start",
    "channel_shift",
    "key",
    *PRIOR_COLUMNS,
    "ramp_baseline",
    "cost.investment",
    "cost.running",
    "cost.overrun",
    "depends_on",
    "dependency_lag",
    "note",
)
AREA_COLUMNS = ("key", "name", "target", "source")
CORRELATION_COLUMNS = ("a", "b", "rho")
#: the Stød sheet: the scenario's [[shocks]] (common shocks), one row each
SHOCK_COLUMNS = scmod.SHOCK_KEYS
OBSERVED_COLUMNS = ("year", "value")
SOURCE_COLUMNS = ("key", "source")
#: keys whose value is text: a number typed into such a cell is read as its text
TEXT_KEYS = {
    "name",
    "description",
    "id",
    "area",
    "key",
    "note",
    "sampling",
    "municipalities",
    "a",
    "b",
    "depends_on",
    "input",
    "description_da",
    "description_en",
}
#: the largest integer a number cell holds exactly (Excel keeps doubles)
EXACT_INT = 2**53

HELP_DA = {
    "id": "Initiativets id: bogstaver, tal, - og _ (bruges i korrelationer og i resultaterne)",
    "name": "Initiativets navn",
    "area": "Områdets nøgle (arket Områder)",
    "gain": "Business case-gevinst pr. år i kr. (faste priser)",
    "start": "Planlagt idriftsættelse (år)",
    "channel_shift": "SAND hvis gevinsten afhænger af kanalskift (digitalt svage borgere)",
    "key": "Fordelingsnøgle: population, equal eller en kolonne i kommunefilen",
    "cost.investment": "Investering i kr.",
    "cost.running": "Drift pr. år i kr.",
    "note": "Note / kilde til initiativet",
    **{v.scenario_key: v.help for v in INITIATIVE_INPUTS},  # the sampled inputs' (simengine.model.structure)
}


# ------------------------------------------------------------------------------------------
# writing
def _num_text(v: float | int) -> str:
    """A number as text that TOML and Python read back as the same value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def dist_text(d: dict) -> str:
    """``{"dist": "pert", "min": 1, ...}`` -> ``pert(min=1, mode=2, max=4)``."""
    params = ", ".join(f"{k}={_value_text(v)}" for k, v in d.items() if k != "dist")
    return f"{d.get('dist')}({params})"


def _value_text(v: Any) -> str:
    if isinstance(v, (bool, int, float)):
        return _num_text(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value_text(x) for x in v) + "]"
    if isinstance(v, dict):
        if isinstance(v.get("dist"), str):
            return dist_text(v)
        return "{ " + ", ".join(f"{_toml_key(k)} = {_value_text(x)}" for k, x in v.items()) + " }"
    return str(v)


def _exact_in_cell(v: float | int) -> bool:
    """Whether openpyxl's number format (16 significant digits) reads back as exactly ``v``."""
    if isinstance(v, int):
        return abs(v) <= EXACT_INT
    return math.isfinite(v) and float(f"{v:.16g}") == v


def _put(ws, row: int, col: int, value: Any, *, text_key: bool = False):
    """Write one value: numbers as numbers (exact), booleans as booleans, everything else as text."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, bool) or (isinstance(value, (int, float)) and _exact_in_cell(value)):
        cell.value = value
        return cell
    text = (
        _num_text(value)
        if isinstance(value, (int, float))
        else (value if isinstance(value, str) else _value_text(value))
    )
    cell.value = text
    cell.data_type = "s"  # never a formula
    if text[:1] in ("=", "+", "-", "@") or (isinstance(value, (int, float)) and not text_key):
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    return cell


def _comments(files: tuple[Path, ...]) -> dict[tuple, str]:
    """Source comments of a scenario file and the files it extends, by key path; an initiative's
    keys under ("initiatives", id, key...)."""
    from simengine.outputs.report.assumptions import source_of, toml_comments

    out: dict[tuple, str] = {}
    for f in reversed(files):  # the root first: a child's comment replaces its parent's
        try:
            text = f.read_text(encoding="utf-8-sig")
            data = tomllib.loads(text)
        except (OSError, ValueError):
            continue
        inits = data.get("initiatives") if isinstance(data.get("initiatives"), list) else []
        com = toml_comments(text)
        for path in com:
            src = source_of(com, path)
            if not src:
                continue
            if path[:1] == ("initiatives",) and len(path) > 2 and isinstance(path[1], int):
                ini = inits[path[1]] if path[1] < len(inits) else None
                if not isinstance(ini, dict) or not isinstance(ini.get("id"), str):
                    continue
                path = ("initiatives", ini["id"]) + tuple(path[2:])
            out[tuple(str(p) for p in path)] = src
    return out


def export(src: str | Path, dest: str | Path) -> Path:
    """Write the scenario ``src`` (TOML or a workbook) as a workbook at ``dest`` (atomically)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    src, dest = Path(src), Path(dest)
    if dest.suffix.lower() != ".xlsx":
        raise ConfigError(Msg("xl.export_name", file=str(dest)))
    if dest.is_dir():  # else the finished workbook could not be moved into place (exit 1, files left staged)
        raise ConfigError(Msg("xl.export_dir", file=str(dest)))
    scmod.load(src)  # only a valid scenario is exported
    if src.suffix.lower() in SUFFIXES:
        data, _, comments_read = read(src)
        files: tuple[Path, ...] = (src,)
        comments = comments_read
    else:
        r = scmod.resolve(src)
        data, files = r.data, r.files
        comments = _comments(files)
    data = flatten(data)
    mspec = (data.get("scenario") or {}).get("municipalities")
    if isinstance(mspec, str) and mspec != mun.BUILTIN and not os.path.isabs(mspec):
        # a municipalities CSV is named relative to the scenario: keep it pointing at the same file
        target = os.path.abspath(files[0].parent / mspec)
        try:
            mspec = os.path.relpath(target, os.path.abspath(dest.parent))
        except ValueError:  # another drive
            mspec = target
        data["scenario"] = {**data["scenario"], "municipalities": mspec}

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    wb = openpyxl.Workbook()
    about = wb.active
    about.title = S_ABOUT

    def header(ws, cols, helps=None):
        for j, c in enumerate(cols, 1):
            cell = ws.cell(row=1, column=j, value=c)
            cell.font, cell.fill = bold, head_fill
            if helps and helps.get(c):
                cell.comment = Comment(helps[c], "simengine")
        ws.freeze_panes = "B2"

    # -- Indstillinger ----------------------------------------------------------------------
    from simengine.outputs.labels import Labels

    L = Labels("da")
    ws = wb.create_sheet(S_SETTINGS)
    header(ws, ("key", "value", "forklaring", "source"))
    row = 2
    for table in SETTING_TABLES:
        t = data.get(table) or {}
        for k in SETTING_KEYS[table]:
            if k not in t:
                continue
            path = f"{table}.{k}"
            _put(ws, row, 1, path)
            _put(ws, row, 2, t[k], text_key=k in TEXT_KEYS)
            explain = L.param(path)
            _put(ws, row, 3, "" if explain == path else explain)
            _put(ws, row, 4, comments.get((table, k), ""))
            row += 1
    # -- Områder ----------------------------------------------------------------------------
    ws = wb.create_sheet(S_AREAS)
    header(ws, AREA_COLUMNS)
    for i, (ak, av) in enumerate((data.get("areas") or {}).items(), 2):
        _put(ws, i, 1, ak, text_key=True)
        if isinstance(av, dict):
            if "name" in av:
                _put(ws, i, 2, av["name"], text_key=True)
            if "target" in av:
                _put(ws, i, 3, av["target"])
        _put(ws, i, 4, comments.get(("areas", ak, "target"), ""))
    # -- Initiativer ------------------------------------------------------------------------
    ws = wb.create_sheet(S_INITIATIVES)
    header(ws, INITIATIVE_COLUMNS, HELP_DA)
    for i, ini in enumerate(data.get("initiatives") or [], 2):
        for j, col in enumerate(INITIATIVE_COLUMNS, 1):
            v = _get(ini, col)
            if v is not None:
                _put(ws, i, j, v, text_key=col in TEXT_KEYS)
    # -- Korrelationer, Stød, Observeret -------------------------------------------------------
    for sheet, key, columns in (
        (S_CORRELATIONS, "correlations", CORRELATION_COLUMNS),
        (S_SHOCKS, "shocks", SHOCK_COLUMNS),
    ):  # a list of tables: one row each
        ws = wb.create_sheet(sheet)
        header(ws, columns)
        for i, c in enumerate(data.get(key) or [], 2):
            for j, col in enumerate(columns, 1):
                if col in c:
                    _put(ws, i, j, c[col], text_key=col in TEXT_KEYS)
    ws = wb.create_sheet(S_OBSERVED)
    header(ws, OBSERVED_COLUMNS)
    for i, (y, v) in enumerate((data.get("observed") or {}).items(), 2):
        _put(ws, i, 1, int(y) if re.fullmatch(r"\d{4}", str(y)) else str(y))
        _put(ws, i, 2, v)
    # -- Kilder: sources that have no column of their own -----------------------------------
    ws = wb.create_sheet(S_SOURCES)
    header(ws, SOURCE_COLUMNS)
    row = 2
    for path, text in comments.items():
        if path[0] in SETTING_TABLES and len(path) == 2 or path[0] == "areas" and path[2:] == ("target",):
            continue  # shown beside the value
        _put(ws, row, 1, ".".join(path), text_key=True)
        _put(ws, row, 2, text)
        row += 1
    # -- Om ---------------------------------------------------------------------------------
    lines = [
        ("simengine scenarie", ""),
        ("Scenarie", str((data.get("scenario") or {}).get("name", ""))),
        ("Eksporteret fra", " -> ".join(str(f) for f in files)),
        ("", ""),
        (
            "Sådan bruges arket",
            "Ret værdierne i arkene Indstillinger, Områder, Initiativer, Korrelationer, "
            "Stød og Observeret, og kør: python -m simengine run " + dest.name,
        ),
        (
            "Fordelinger",
            "Et fast tal, eller fx pert(min=0.5, mode=0.8, max=1.0), triangular(min=, mode=, max=), "
            "uniform(min=, max=), beta(mean=, sd=), lognormal(median=, p90=), normal(mean=, sd=), "
            "bernoulli(p=). Decimaler med punktum i fordelinger.",
        ),
        ("Tomme celler", "En tom celle betyder at nøglen ikke er angivet: standardværdien gælder."),
        (
            "Kolonner",
            "Kolonneoverskrifterne er scenariefilens nøgler (se scenarios/README.md); "
            "hold musen over en overskrift i Initiativer for en forklaring.",
        ),
    ]
    if len(files) > 1:
        lines.append(
            (
                "Udfladet",
                "Scenariet udvider (extends) andre filer: arket er det samlede scenarie, "
                "med [defaults] skrevet ind i hvert initiativ.",
            )
        )
    elif "defaults" in _raw_defaults(files[0]):
        lines.append(("Udfladet", "Scenariets [defaults] er skrevet ind i hvert initiativs række."))
    for i, (a, b) in enumerate(lines, 1):
        _put(about, i, 1, a)
        _put(about, i, 2, b)
        about.cell(row=i, column=1).font = bold
        about.cell(row=i, column=2).alignment = wrap
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 100
    for name, widths in (
        (S_SETTINGS, (34, 22, 60, 60)),
        (S_AREAS, (18, 30, 16, 60)),
        (S_CORRELATIONS, (30, 30, 8)),
        (S_SHOCKS, (22, 16, 40, 8, 60)),
        (S_OBSERVED, (8, 16)),
        (S_SOURCES, (40, 100)),
    ):
        for j, w in enumerate(widths):
            wb[name].column_dimensions[chr(65 + j)].width = w
    for j, col in enumerate(INITIATIVE_COLUMNS):
        wb[S_INITIATIVES].column_dimensions[_col_letter(j + 1)].width = 14 if col not in ("name", "note") else 34

    from simengine.outputs.folder import atomic_outputs

    with atomic_outputs(dest.parent) as w:
        w.write(dest.name, lambda p: wb.save(p))
    return dest


def _raw_defaults(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}


def _col_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _get(ini: dict, col: str) -> Any:
    if "." in col:
        t, k = col.split(".", 1)
        sub = ini.get(t)
        return sub.get(k) if isinstance(sub, dict) else None
    return ini.get(col)


def flatten(data: dict) -> dict:
    """The document with ``[defaults]`` written into every initiative (what the validator does)."""
    data = dict(data)
    dflt = data.pop("defaults", None)
    if isinstance(dflt, dict) and isinstance(data.get("initiatives"), list):
        data["initiatives"] = [{**dflt, **ini} if isinstance(ini, dict) else ini for ini in data["initiatives"]]
    return data


# ------------------------------------------------------------------------------------------
# reading
_DIST_RE = re.compile(r"^\s*([A-Za-z_]+)\s*\((.*)\)\s*$", re.DOTALL)
_NUM_RE = re.compile(r"^[+-]?(\d[\d_]*)(\.\d+)?([eE][+-]?\d+)?$|^[+-]?(inf|nan)$")


def _cell(sheet: str, col: int | str, row: int) -> Msg:
    """A cell by sheet and column (number or letter) and row: ``Initiativer!H7`` (Danish: ark Initiativer, celle H7)."""
    return Msg("xl.cell", sheet=sheet, cell=f"{_col_letter(col) if isinstance(col, int) else col}{row}")


class _Reader:
    def __init__(self, path: Path) -> None:
        self.file = str(path)
        self.problems: list[str | Msg] = []
        self.cells: dict[tuple, str | Msg] = {}  # key path -> its cell (xl.cell), for the validator's messages
        #: (sheet, "D3") -> the formula of a cell that has no computed (cached) value: such a cell reads as empty
        self.formulas: dict[tuple[str, str], str] = {}

    def bad(self, where: Msg, msg: str | Msg) -> None:
        self.problems.append(Msg("sc.problem", where=Msg("sc.at", file=self.file, path=where), what=msg))

    def value(self, raw: Any, where: Msg, key: str) -> Any:
        """A cell's value as the TOML parser would give it; ``_MISSING`` for an empty cell."""
        if raw is None:
            formula = (
                self.formulas.get((where.params.get("sheet"), where.params.get("cell"))) if self.formulas else None
            )
            if formula is not None:  # not empty: a formula no spreadsheet program has computed and saved
                self.bad(where, Msg("xl.formula_no_value", formula=_show(formula)))
            return _MISSING
        if isinstance(raw, str):
            s = raw.strip()
            if not s:
                return _MISSING
            if key in TEXT_KEYS:
                return raw
            if _NUM_RE.match(s):
                return _toml_value(s)
            m = _DIST_RE.match(s)
            if m:
                return self._dist(m.group(1), m.group(2), where, s)
            if s[0] in "{[":
                try:
                    return tomllib.loads("v = " + s)["v"]
                except tomllib.TOMLDecodeError as exc:
                    self.bad(where, Msg("xl.cannot_read", got=_show(s), detail=TomlDetail(str(exc))))
                    return _MISSING
                except (ValueError, RecursionError) as exc:
                    self.bad(where, Msg("xl.cannot_read", got=_show(s), detail=str(exc)))
                    return _MISSING
            if s.lower() in ("true", "false", "sand", "falsk"):
                return s.lower() in ("true", "sand")
            return raw
        if isinstance(raw, float) and raw.is_integer() and key in TEXT_KEYS:
            return str(int(raw))
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and key in TEXT_KEYS:
            return str(raw)
        return raw

    def _dist(self, fam: str, inner: str, where: Msg, shown: str) -> Any:
        out: dict[str, Any] = {"dist": fam}
        inner = inner.strip()
        if not inner:
            self.bad(where, Msg("xl.dist_no_params", got=_show(shown)))
            return _MISSING
        danish = ";" in inner  # pert(min=0,5; mode=0,8; max=1): Danish decimal commas between semicolons
        for part in inner.split(";") if danish else inner.split(","):
            if danish:
                part = part.replace(",", ".")
            if "=" not in part:
                self.bad(where, Msg("xl.dist_params", got=_show(shown)))
                return _MISSING
            k, v = (x.strip() for x in part.split("=", 1))
            if not _NUM_RE.match(v):
                self.bad(where, Msg("xl.dist_not_number", got=_show(shown), name=k, value=repr(v)))
                return _MISSING
            if k in out:
                self.bad(where, Msg("xl.dist_twice", got=_show(shown), name=k))
                return _MISSING
            out[k] = _toml_value(v)
        if fam not in FAMILIES:  # left to the validator, which names the families
            pass
        return out


class _Missing:
    pass


_MISSING = _Missing()


def _toml_value(s: str) -> Any:
    """A number written as text, read as TOML reads it (1 is an integer, 1.0 and 1e6 are floats)."""
    try:
        return tomllib.loads("v = " + s.strip())["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        return float(s.replace("_", ""))


def _show(v: Any) -> Any:
    return scmod._show(v)


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", str(k)) else '"' + str(k).replace('"', '\\"') + '"'


def _rows(ws):
    """(row number, tuple of cell values) of the rows after the header, skipping empty rows."""
    for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), 2):
        if not all(_empty(v) for v in row):
            yield n, row


def _headers(ws, rd: _Reader, allowed: tuple[str, ...], sheet: str, ignore: tuple[str, ...] = ()) -> dict[int, str]:
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    cols: dict[int, str] = {}
    seen: set[str] = set()
    blank: list[int] = []
    for j, h in enumerate(first):
        if h is None or (isinstance(h, str) and not h.strip()):
            blank.append(j)
            continue
        h = str(h).strip()
        ref = _cell(sheet, j + 1, 1)
        if h in ignore:
            continue
        if h not in allowed:
            import difflib

            hint = difflib.get_close_matches(h, allowed, n=1, cutoff=0.6)
            did = Msg("sc.did_you_mean", name=repr(hint[0])) if hint else ""
            rd.bad(ref, Msg("xl.unknown_column", name=repr(h), hint=did, names=", ".join(allowed)))
            continue
        if h in seen:
            rd.bad(ref, Msg("xl.column_twice", name=repr(h)))
            continue
        seen.add(h)
        cols[j] = h
    if blank:
        _unnamed_columns(ws, rd, sheet, blank, allowed)
    return cols


def _unnamed_columns(ws, rd: _Reader, sheet: str, blank: list[int], allowed: tuple[str, ...]) -> None:
    """A column with values under an empty header cell: one problem at the header cell (its
    values would otherwise be left out without a word, and the keys they give reported missing)."""
    first: dict[int, int] = {}  # column -> the row of its first value
    for n, row in _rows(ws):
        for j in blank:
            if j not in first and j < len(row) and not _empty(row[j]):
                first[j] = n
        if len(first) == len(blank):
            break
    for j in blank:
        if j in first:
            col = _col_letter(j + 1)
            rd.bad(
                _cell(sheet, j + 1, 1),
                Msg("xl.column_no_header", col=col, first=f"{col}{first[j]}", names=", ".join(allowed)),
            )


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def read(path: str | Path) -> tuple[dict, dict[tuple, str | Msg], dict[tuple, str]]:
    """The workbook as a scenario document (what tomllib gives for the TOML file), the cell of
    every key path (("initiatives", "3", "delay") -> "Initiativer!I5") and the source comments."""
    import openpyxl

    path = Path(path)
    raw = _read_bytes(path)
    del raw
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ConfigError(Msg("xl.not_workbook", file=str(path), detail=str(exc))) from None
    rd = _Reader(path)
    rd.formulas = _uncomputed_formulas(path)
    try:
        missing = [s for s in (S_SETTINGS, S_AREAS, S_INITIATIVES) if s not in wb.sheetnames]
        if missing:
            raise ConfigError(
                Msg("xl.sheet_missing", file=str(path), sheet=repr(missing[0]), names=", ".join(READ_SHEETS))
            )
        data: dict[str, Any] = {}
        comments: dict[tuple, str] = {}
        _read_settings(wb[S_SETTINGS], rd, data, comments)
        _read_areas(wb[S_AREAS], rd, data, comments)
        _read_initiatives(wb[S_INITIATIVES], rd, data)
        if S_CORRELATIONS in wb.sheetnames:
            _read_list(wb[S_CORRELATIONS], rd, data, S_CORRELATIONS, "correlations", CORRELATION_COLUMNS)
        if S_SHOCKS in wb.sheetnames:
            _read_list(wb[S_SHOCKS], rd, data, S_SHOCKS, "shocks", SHOCK_COLUMNS)
        if S_OBSERVED in wb.sheetnames:
            _read_observed(wb[S_OBSERVED], rd, data)
        if S_SOURCES in wb.sheetnames:
            _read_sources(wb[S_SOURCES], rd, data, comments)
    finally:
        wb.close()
    if rd.problems:
        raise ConfigError(rd.problems)
    return data, rd.cells, comments


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _uncomputed_formulas(path: Path) -> dict[tuple[str, str], str]:
    """The formula cells of the sheets read ((sheet, "D3") -> formula), for those without a computed
    value (:meth:`_Reader.value`): openpyxl reads such a cell as empty (a workbook written by a program that does not
    compute formulas, such as openpyxl itself). The workbook is read a second time, with formulas,
    only if a sheet holds a formula at all."""
    try:
        with zipfile.ZipFile(path) as z:
            if not any(
                _FORMULA_TAG.search(z.read(n))
                for n in z.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")
            ):
                return {}
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return {}
    import openpyxl

    out: dict[tuple[str, str], str] = {}
    try:
        wf = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        return {}
    try:
        for s in READ_SHEETS:
            if s not in wf.sheetnames:
                continue
            for row in wf[s].iter_rows():
                for c in row:
                    if getattr(c, "data_type", None) == "f":  # read as empty only where no value was saved
                        out[(s, c.coordinate)] = str(c.value)
    finally:
        wf.close()
    return out


def _read_bytes(path: Path) -> bytes:
    from simengine.scenario import safeio

    where = str(path)
    try:
        if not path.exists():
            raise ConfigError(Msg("sc.no_file", file=where))
        if path.is_dir():
            raise ConfigError(Msg("xl.dir", file=where))
    except OSError as exc:
        raise ConfigError(Msg("io.cannot_read", file=where, detail=str(exc.strerror or exc))) from None
    # a regular file only (a FIFO or device is refused, not read), its size checked first
    return safeio.read_bytes(path, scmod.MAX_FILE_BYTES, "scenario", where)


def _read_settings(ws, rd: _Reader, data: dict, comments: dict) -> None:
    sheet = S_SETTINGS
    seen: dict[str, Msg] = {}
    for n, row in _rows(ws):
        key = row[0] if row else None
        val = row[1] if len(row) > 1 else None
        src = row[3] if len(row) > 3 else None
        ref_key, ref_val = _cell(sheet, "A", n), _cell(sheet, "B", n)
        if not isinstance(key, str) or "." not in key:
            rd.bad(ref_key, Msg("xl.key_path", tables=", ".join(SETTING_TABLES), got=_show(key)))
            continue
        table, k = key.strip().split(".", 1)
        if table not in SETTING_TABLES:
            rd.bad(
                ref_key, Msg("xl.unknown_table", table=repr(table), setting=repr(key), tables=", ".join(SETTING_TABLES))
            )
            continue
        if key in seen:
            rd.bad(ref_key, Msg("xl.key_twice", setting=repr(key), other=seen[key]))
            continue
        seen[key] = ref_key
        v = rd.value(val, ref_val, k)
        rd.cells[(table, k)] = ref_val
        t = data.setdefault(table, {})
        if v is not _MISSING:
            t[k] = v
        if isinstance(src, str) and src.strip():
            comments[(table, k)] = src.strip()


def _read_areas(ws, rd: _Reader, data: dict, comments: dict) -> None:
    sheet = S_AREAS
    cols = _headers(ws, rd, AREA_COLUMNS, sheet)
    areas: dict[str, Any] = {}
    for n, row in _rows(ws):
        rec = {cols[j]: (row[j], _cell(sheet, j + 1, n)) for j in cols if j < len(row)}
        kraw, kref = rec.get("key", (None, _cell(sheet, "A", n)))
        key = rd.value(kraw, kref, "key")
        if not isinstance(key, str):
            rd.bad(kref, Msg("xl.area_key", got=_show(None if key is _MISSING else key)))
            continue
        key = key.strip()
        if key in areas:
            rd.bad(kref, Msg("xl.area_twice", area=repr(key)))
            continue
        a: dict[str, Any] = {}
        rd.cells[("areas", key)] = kref
        for col in ("name", "target"):
            if col in rec:
                v = rd.value(rec[col][0], rec[col][1], col)
                rd.cells[("areas", key, col)] = rec[col][1]
                if v is not _MISSING:
                    a[col] = v
        src = rec["source"][0] if "source" in rec else None
        if isinstance(src, str) and src.strip():
            comments[("areas", key, "target")] = src.strip()
        areas[key] = a
    if areas:
        data["areas"] = areas


def _read_initiatives(ws, rd: _Reader, data: dict) -> None:
    sheet = S_INITIATIVES
    cols = _headers(ws, rd, INITIATIVE_COLUMNS, sheet)
    inits: list[dict] = []
    for n, row in _rows(ws):
        i = len(inits)
        ini: dict[str, Any] = {}
        rd.cells[("initiatives", str(i))] = _cell(sheet, "A", n)
        for j, col in cols.items():
            ref = _cell(sheet, j + 1, n)
            parts = col.split(".")
            rd.cells[("initiatives", str(i)) + tuple(parts)] = ref
            if len(parts) == 2 and ("initiatives", str(i), parts[0]) not in rd.cells:
                rd.cells[("initiatives", str(i), parts[0])] = ref  # the sub-table as a whole: its first column
            v = rd.value(row[j] if j < len(row) else None, ref, parts[-1])
            if v is _MISSING:
                continue
            if len(parts) == 2:
                ini.setdefault(parts[0], {})[parts[1]] = v
            else:
                ini[col] = v
        # each initiative row names its missing own keys' cells too (the column may be absent)
        inits.append(ini)
    data["initiatives"] = inits


def _read_list(ws, rd: _Reader, data: dict, sheet: str, key: str, columns: tuple[str, ...]) -> None:
    cols = _headers(ws, rd, columns, sheet)
    out: list[dict] = []
    for n, row in _rows(ws):
        i = len(out)
        item: dict[str, Any] = {}
        rd.cells[(key, str(i))] = _cell(sheet, "A", n)
        for j, col in cols.items():
            ref = _cell(sheet, j + 1, n)
            rd.cells[(key, str(i), col)] = ref
            v = rd.value(row[j] if j < len(row) else None, ref, col)
            if v is not _MISSING:
                item[col] = v
        out.append(item)
    if out:
        data[key] = out


def _read_observed(ws, rd: _Reader, data: dict) -> None:
    sheet = S_OBSERVED
    cols = _headers(ws, rd, OBSERVED_COLUMNS, sheet)
    by = {v: j for j, v in cols.items()}
    obs: dict[str, Any] = {}
    for n, row in _rows(ws):
        yj, vj = by.get("year", 0), by.get("value", 1)
        y = row[yj] if yj < len(row) else None
        yref, vref = _cell(sheet, yj + 1, n), _cell(sheet, vj + 1, n)
        if isinstance(y, float) and y.is_integer():
            y = int(y)
        ys = str(y).strip() if y is not None else ""
        if ys == "quantity":  # what the values measure (the scenario's [observed] quantity), a word
            q = row[vj] if vj < len(row) else None
            rd.cells[("observed", ys)] = vref
            obs[ys] = q.strip() if isinstance(q, str) else q
            continue
        if not re.fullmatch(r"\d{4}", ys):
            rd.bad(yref, Msg("xl.year", got=_show(y)))
            continue
        v = rd.value(row[vj] if vj < len(row) else None, vref, "value")
        rd.cells[("observed", ys)] = vref
        if v is _MISSING:
            rd.bad(vref, Msg("xl.observed_missing", year=ys))
            continue
        obs[ys] = v
    if obs:
        data["observed"] = obs


def _read_sources(ws, rd: _Reader, data: dict, comments: dict) -> None:
    cols = _headers(ws, rd, SOURCE_COLUMNS, S_SOURCES)
    by = {v: j for j, v in cols.items()}
    if "key" not in by or "source" not in by:
        return
    for _, row in _rows(ws):
        k = row[by["key"]] if by["key"] < len(row) else None
        s = row[by["source"]] if by["source"] < len(row) else None
        if isinstance(k, str) and isinstance(s, str) and s.strip():
            comments[tuple(k.strip().split("."))] = s.strip()


# ------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(_read_bytes(path)).hexdigest()


def load(path: str | Path) -> scmod.Scenario:
    """Read and validate a scenario workbook: the same checks as a TOML file, problems by cell."""
    path = Path(path)
    sha = sha256(path)
    data, cells, _ = read(path)
    doc = copy.deepcopy(
        data
    )  # kept unchanged, so that variants can be made of a workbook (simengine.scenario.variants)
    sc = scmod.from_dict(data, path, sha, cells=cells, sources=(path,))
    return replace(sc, resolved=scmod.Resolved(data=doc, files=(path,), sha256=sha, origin={}))


def toml_text(path: str | Path) -> str:
    """The workbook as TOML text with its sources as comments (for the report's assumptions table)."""
    data, _, comments = read(path)
    return to_toml(data, comments)


def to_toml(data: dict, comments: dict[tuple, str] | None = None) -> str:
    comments = comments or {}
    ids = [ini.get("id") for ini in data.get("initiatives") or [] if isinstance(ini, dict)]
    lines: list[str] = []

    def line(path: tuple, key: str, v: Any) -> None:
        c = comments.get(tuple(str(p) for p in path))
        if c:
            lines.append("# " + " ".join(c.split()))
        lines.append(f"{_toml_key(key)} = {_toml_value_text(v)}")

    for table in SETTING_TABLES:
        t = data.get(table)
        if isinstance(t, dict) and t:
            lines.append(f"\n[{table}]")
            for k, v in t.items():
                line((table, k), k, v)
    for ak, av in (data.get("areas") or {}).items():
        lines.append(f"\n[areas.{_toml_key(ak)}]")
        for k, v in (av or {}).items():
            line(("areas", ak, k), k, v)
    for n, ini in enumerate(data.get("initiatives") or []):
        lines.append("\n[[initiatives]]")
        iid = ids[n] if n < len(ids) else None
        for k, v in ini.items():
            line(("initiatives", str(iid), k), k, v)
    for c in data.get("correlations") or []:
        lines.append("\n[[correlations]]")
        for k, v in c.items():
            lines.append(f"{_toml_key(k)} = {_toml_value_text(v)}")
    if data.get("observed"):
        lines.append("\n[observed]")
        for k, v in data["observed"].items():
            lines.append(f"{_toml_key(k)} = {_toml_value_text(v)}")
    return "\n".join(lines).lstrip() + "\n"


def _toml_value_text(v: Any) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value_text(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value_text(x) for x in v) + "]"
    if isinstance(v, (bool, int, float, str)):
        return _value_text(v)
    return _value_text(str(v))
