"""The municipalities a scenario runs over: the 98 of 2011 shipped with the package, or a CSV."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from simengine.messages import Msg

REQUIRED = ("code", "name", "region", "population")
MAX_CSV_BYTES = 50_000_000
MAX_MUNICIPALITIES = 10_000
#: a municipality's population (or any unit a CSV counts): far beyond any real one, and their sum
#: stays far from float overflow
MAX_POPULATION = 1e12
BUILTIN = "builtin"


@dataclass(frozen=True)
class Municipalities:
    source: str
    codes: np.ndarray  # int64 kommunekode
    names: tuple[str, ...]
    regions: tuple[str, ...]
    population: np.ndarray  # float64
    extra: dict[str, np.ndarray]  # further numeric columns, usable as allocation keys

    def __len__(self) -> int:
        return len(self.codes)


def builtin_text() -> str:
    return resources.files("simengine").joinpath("data/municipalities_2011.csv").read_text("utf-8")


def load(spec: str, scenario_path: Path, problems: list[Any], key_path: str) -> Municipalities | None:
    """Load ``spec`` ("builtin" or a CSV path relative to the scenario file).

    Problems are appended as full lines; returns None when the data cannot be used.
    """
    if spec == BUILTIN:
        return parse(builtin_text(), "builtin municipalities", problems)
    where = f"{scenario_path}: {key_path}"
    try:
        path = (scenario_path.parent / spec).resolve()
        exists, is_file = path.exists(), path.is_file()
    except (OSError, ValueError, RuntimeError) as exc:  # name too long, embedded NUL, symlink loop
        problems.append(
            Msg(
                "mun.unusable_path", where=where, got=repr(spec[:60]), detail=str(getattr(exc, "strerror", None) or exc)
            )
        )
        return None
    if not exists and not path.is_symlink():
        problems.append(Msg("mun.not_found", where=where, got=repr(spec), path=_shown(path)))
        return None
    if exists and not is_file:
        problems.append(Msg("mun.not_file", where=where, got=repr(spec), path=_shown(path)))
        return None
    from simengine.errors import ConfigError
    from simengine.scenario import safeio

    try:  # a regular file only, its size checked before a byte is read
        raw = safeio.read_bytes(path, MAX_CSV_BYTES, "municipalities CSV", _shown(path))
    except ConfigError as exc:
        problems.extend(exc.messages)
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            Msg("mun.not_utf8", file=str(path), at=str(exc.start), byte=repr(raw[exc.start : exc.start + 1]))
        )
        return None
    return parse(text, str(path), problems)


def parse(text: str, source: str, problems: list[Any]) -> Municipalities | None:
    n0 = len(problems)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        problems.append(f"{source}: not a readable CSV: {exc}")
        return None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        problems.append(Msg("mun.empty", file=source, header=",".join(REQUIRED)))
        return None
    header = [h.strip() for h in rows[0]]
    shown = ", ".join(h if h.isprintable() else repr(h) for h in header) or "(none)"
    missing = [c for c in REQUIRED if c not in header]
    if len(missing) == len(REQUIRED):  # not a municipalities CSV at all: its first line is not echoed
        problems.append(
            f"{source}: not a municipalities CSV: the first line must be a header with the columns {','.join(REQUIRED)}"
        )
        return None
    if missing:
        problems.append(
            Msg("mun.missing_columns", file=source, names=", ".join(missing), got=shown, required=", ".join(REQUIRED))
        )
        return None
    if len(set(header)) != len(header):
        problems.append(f"{source}: duplicate column names in header {header}")
        return None
    body = rows[1:]
    if not body:
        problems.append(Msg("mun.no_rows", file=source))
        return None
    if len(body) > MAX_MUNICIPALITIES:
        problems.append(f"{source}: at most {MAX_MUNICIPALITIES:,} municipalities, got {len(body):,}")
        return None
    idx = {h: i for i, h in enumerate(header)}
    extra_cols = [h for h in header if h not in REQUIRED]
    codes, names, regions, pops = [], [], [], []
    extra: dict[str, list[float]] = {h: [] for h in extra_cols}
    seen: dict[int, int] = {}
    for lineno, row in enumerate(body, start=2):
        if len(row) != len(header):
            problems.append(Msg("mun.fields", file=source, line=lineno, n=len(row), want=len(header)))
            continue
        cell = {h: row[i].strip() for h, i in idx.items()}
        code_s = cell["code"]
        try:
            code = int(code_s) if len(code_s) <= 19 else 0
            if not 0 < code < 2**63:  # stored as int64
                raise ValueError
        except ValueError:
            problems.append(Msg("mun.code", file=source, line=lineno, got=repr(code_s)))
            continue
        if code in seen:
            problems.append(Msg("mun.duplicate_code", file=source, line=lineno, code=str(code), other=seen[code]))
            continue
        seen[code] = lineno
        if not cell["name"]:
            problems.append(f"{source}: line {lineno}: empty name for code {code}")
        bad = [h for h in ("name", "region") if "\x00" in cell[h]]
        if bad:  # cannot be stored in results.nc (HDF5 strings end at a NUL)
            problems.append(
                f"{source}: line {lineno}: {bad[0]} must not contain a NUL character (\\x00), got {cell[bad[0]][:60]!r}"
            )
        pop = _number(cell["population"])
        if pop is None or pop <= 0:
            problems.append(Msg("mun.population", file=source, line=lineno, got=repr(cell["population"])))
            continue
        if pop > MAX_POPULATION:
            problems.append(
                f"{source}: line {lineno}: population must be at most {MAX_POPULATION:.0e}, "
                f"got {cell['population'][:40]!r}"
            )
            continue
        for h in extra_cols:
            v = _number(cell[h])
            if v is None and cell[h] and not _is_nan_text(cell[h]):
                problems.append(
                    f"{source}: line {lineno}: column {h if h.isprintable() else repr(h)}: further "
                    f"columns must be numeric (they can be allocation keys), got {cell[h][:40]!r}"
                )
                break
            extra[h].append(math.nan if v is None else v)
        codes.append(code)
        names.append(cell["name"])
        regions.append(cell["region"])
        pops.append(pop)
    if len(problems) > n0:
        return None
    return Municipalities(
        source=source,
        codes=np.array(codes, dtype=np.int64),
        names=tuple(names),
        regions=tuple(regions),
        population=np.array(pops, dtype=np.float64),
        extra={h: np.array(v, dtype=np.float64) for h, v in extra.items()},
    )


def _shown(path: Path) -> str:
    """A path for a one-line message: as is if printable, else quoted with escapes."""
    s = str(path)
    return s if s.isprintable() else repr(s)


def _is_nan_text(s: str) -> bool:
    return s.lower() in ("nan", "na", "n/a", "-")


def _number(s: str) -> float | None:
    try:
        v = float(s.replace("_", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None
