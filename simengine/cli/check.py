"""``python -m simengine check RUN.json``: re-run a manifest and confirm identical results."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from simengine.errors import ConfigError, RunError
from simengine.messages import Msg, label

REQUIRED = ("scenario_sha256", "seed", "draws", "results_digest")


MAX_MANIFEST_BYTES = 10_000_000


def read_manifest(path: Path) -> dict:
    from simengine.outputs.folder import settle
    from simengine.scenario import safeio

    if not path.exists() and not path.is_symlink():
        raise ConfigError(Msg("check.no_manifest", file=str(path)))
    settle(path.parent)  # a run killed while moving its files into place: finish that first
    raw = safeio.read_bytes(path, MAX_MANIFEST_BYTES, "run manifest (run.json)")
    try:
        m = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(Msg("check.not_manifest", file=str(path), detail=str(exc))) from None
    missing = [k for k in REQUIRED if k not in m] if isinstance(m, dict) else list(REQUIRED)
    if missing:
        raise ConfigError(Msg("check.manifest_missing", file=str(path), names=", ".join(missing)))
    problems = [
        Msg("check.problem", file=str(path), name=key, why=why, got=_show(m[key]))
        for key, ok, why in _RULES
        if key in m and (m[key] is not None or key in REQUIRED) and not ok(m[key])
    ]
    if problems:
        raise ConfigError(problems)
    return m


def _int_in(lo: int, hi: int):
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _show(v) -> str:
    from simengine.scenario.schema import _show as show

    return show(v)


def _rules():
    import math
    import re

    from simengine.scenario.schema import MAX_DRAWS

    hexd = re.compile(r"[0-9a-f]{64}\Z")
    return (
        ("scenario_sha256", lambda v: isinstance(v, str) and bool(hexd.match(v)), Msg("check.sha256")),
        ("results_digest", lambda v: isinstance(v, str) and bool(hexd.match(v)), Msg("check.sha256")),
        ("seed", _int_in(0, 2**63 - 1), Msg("check.seed")),
        ("draws", _int_in(1, MAX_DRAWS), Msg("check.whole_in", hi=MAX_DRAWS)),
        ("keep_draws", _int_in(1, MAX_DRAWS), Msg("check.whole_in", hi=MAX_DRAWS)),
        (
            "cut_threshold",
            lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0,
            Msg("check.amount"),
        ),
        (
            "scenario_file",
            lambda v: isinstance(v, str) and 0 < len(v) < 4096 and "\x00" not in v,
            Msg("check.path"),
        ),
        (
            "scenario_path_absolute",
            lambda v: isinstance(v, str) and 0 < len(v) < 4096 and "\x00" not in v,
            Msg("check.path"),
        ),
        ("versions", lambda v: isinstance(v, dict), Msg("check.versions")),
    )


_RULES = _rules()


def scenario_of(m: dict, manifest_path: Path):
    from simengine.scenario import schema as scenario

    candidates = [Path(m[k]) for k in ("scenario_path_absolute", "scenario_file") if m.get(k)]
    for c in candidates:
        if c.is_file():
            if m.get("scenario_changes"):  # a variant made in Python: its changes again (simengine.api)
                from simengine.api import rebuild

                return rebuild(c, [str(x) for x in m["scenario_changes"]])
            return scenario.load(c)
    raise ConfigError(
        f"{manifest_path}: the scenario file of this run is gone "
        f"({', '.join(str(c) for c in candidates) or 'no path recorded'})"
    )


def check(manifest_path: Path, threads: int | None = None, quiet: bool = False, lang: str = "en") -> int:
    from simengine import __version__
    from simengine.analysis.results import results_digest
    from simengine.cli.runner import simulate

    m = read_manifest(manifest_path)
    sc = scenario_of(m, manifest_path)
    if sc.sha256 != m["scenario_sha256"]:
        raise RunError(
            Msg(
                "run.check_scenario_changed",
                file=str(sc.path),
                now=sc.sha256[:12],
                then=str(m["scenario_sha256"])[:12],
            )
        )
    from dataclasses import replace

    sc = replace(
        sc.with_run_options(draws=int(m["draws"]), seed=int(m["seed"])),
        keep_draws=int(m.get("keep_draws") or sc.keep_draws),
    )
    if m.get("cut_threshold") is not None:  # run --cut-threshold
        sc = replace(sc, cut_threshold=float(m["cut_threshold"]))
    old = (m.get("versions") or {}).get("simengine")
    if old and old != __version__ and not quiet:
        print(
            f"{label('note', lang)}: {Msg('check.version', old=str(old), new=__version__).text(lang)}", file=sys.stderr
        )
    if m.get("update"):  # the results of an update (simengine.analysis.update)
        from simengine.analysis.update import recompute

        ds = recompute(sc, m["update"], threads=threads)
    else:
        ds = simulate(sc, threads=threads)
    digest = results_digest(ds)
    if digest == m["results_digest"]:
        if not quiet:
            ok = Msg("check.identical", draws=sc.draws, seed=str(sc.seed), file=str(manifest_path), digest=digest[:16])
            print(ok.text(lang))
        return 0
    differ = _differing(ds, manifest_path.parent / "results.nc")
    differing = Msg("run.check_differing", names=", ".join(differ)) if differ else ""
    raise RunError(
        Msg(
            "run.check_differ",
            file=str(manifest_path),
            now=digest[:16],
            then=str(m["results_digest"])[:16],
            differing=differing,
        )
    )


def _differing(ds, results_path: Path) -> list[str]:
    if not results_path.is_file():
        return []
    import numpy as np
    import xarray as xr

    from simengine.outputs import store

    out = []
    new, enc = store.to_stored(ds)  # compared as results.nc stores it (float32 per-draw values, no copies)
    with xr.open_dataset(results_path, engine="h5netcdf") as old:
        for name in sorted(str(v) for v in new.variables):
            vals = np.asarray(new[name].values)
            if enc.get(name, {}).get("dtype") == "float32":
                vals = vals.astype(np.float32)
            if name not in old.variables or not np.array_equal(np.asarray(old[name].values), vals):
                out.append(name)
    return out
