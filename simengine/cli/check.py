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
    kind = _other_kind(m) if missing else None
    if kind is not None:  # compare's run.json or sweep's sweep.json: nothing to replay
        raise ConfigError(Msg("check.other_manifest", file=str(path), kind=kind))
    if missing:
        raise ConfigError(Msg("check.manifest_missing", file=str(path), names=", ".join(missing)))
    problems = [
        Msg("check.problem", file=str(path), name=key, why=why, got=_show(m[key]))
        for key, ok, why in _RULES
        if key in m and (m[key] is not None or key in REQUIRED) and not ok(m[key])
    ]
    problems += _update_problems(path, m.get("update"))
    changes = m.get("scenario_changes")
    if isinstance(changes, list):  # each change named by its place
        problems += [
            Msg("check.problem", file=str(path), name=f"scenario_changes[{k}]", why=Msg("check.change"), got=_show(c))
            for k, c in enumerate(changes)
            if not _change_ok(c)
        ]
    if problems:
        raise ConfigError(problems)
    return m


def _other_kind(m) -> str | None:
    """The command that wrote a manifest ``check`` cannot replay: compare or sweep (their own keys)."""
    if not isinstance(m, dict):
        return None
    if "scenario_sha256_a" in m and "scenario_sha256_b" in m:
        return "compare"
    if "sets" in m and "variants" in m:
        return "sweep"
    return None


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
        ("scenario_changes", lambda v: isinstance(v, list), Msg("check.changes")),
    )


_RULES = _rules()


def _path_ok(v) -> bool:
    return isinstance(v, str) and 0 < len(v) < 4096 and "\x00" not in v


def _change_ok(v) -> bool:
    """A ``KEY.PATH=VALUE`` text (simengine.api's Scenario.changes)."""
    return (
        isinstance(v, str)
        and 0 < len(v) < 100_000
        and "\x00" not in v
        and bool(v.partition("=")[0].strip())
        and "=" in v
    )


def _update_problems(path: Path, info) -> list[Msg]:
    """``update``: the table ``update`` records (simengine.analysis.update), checked before ``check``
    looks for the observations file it names. None, {} or absent: a plain run."""
    import datetime as dt
    import re

    if info is None or info == {}:
        return []
    if not isinstance(info, dict):
        return [Msg("check.problem", file=str(path), name="update", why=Msg("check.update"), got=_show(info))]

    def date_ok(v) -> bool:
        try:
            return isinstance(v, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)) and bool(dt.date.fromisoformat(v))
        except ValueError:
            return False

    hexd = re.compile(r"[0-9a-f]{64}\Z")
    rules = (
        ("observations_file", True, _path_ok, Msg("check.obs_path")),
        ("observations_file_absolute", False, _path_ok, Msg("check.obs_path")),
        ("observations_sha256", True, lambda v: isinstance(v, str) and bool(hexd.match(v)), Msg("check.sha256")),
        ("known_by", True, date_ok, Msg("check.date")),
    )
    out = []
    for key, required, ok, why in rules:
        if key not in info and not required:
            continue
        if key not in info:
            out.append(Msg("check.key_missing", file=str(path), name=f"update.{key}", why=why))
        elif not ok(info[key]):
            out.append(Msg("check.problem", file=str(path), name=f"update.{key}", why=why, got=_show(info[key])))
    return out


def scenario_of(m: dict, manifest_path: Path):
    from simengine.scenario import schema as scenario

    candidates = [Path(m[k]) for k in ("scenario_path_absolute", "scenario_file") if m.get(k)]
    for c in candidates:
        if c.is_file():
            if m.get("scenario_changes"):  # a variant made in Python: its changes again (simengine.api)
                from simengine.api import rebuild

                try:
                    return rebuild(c, [str(x) for x in m["scenario_changes"]])
                except ConfigError as exc:  # a change the scenario refuses: say where it was recorded
                    raise ConfigError(
                        [Msg("check.change_refused", file=str(manifest_path), detail=p) for p in exc.messages]
                    ) from None
            return scenario.load(c)
    paths = ", ".join(str(c) for c in candidates) if candidates else Msg("check.no_path_recorded")
    raise ConfigError(Msg("check.scenario_gone", file=str(manifest_path), paths=paths))


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

        try:
            ds = recompute(sc, m["update"], threads=threads)
        except ConfigError as exc:
            if exc.key != "run.obs_gone":
                raise
            raise ConfigError(
                Msg("check.problem_at", file=str(manifest_path), name="update", detail=exc.messages[0])
            ) from None
    else:
        ds = simulate(sc, threads=threads)
    digest = results_digest(ds)
    if digest == m["results_digest"]:
        if not quiet:
            ok = Msg("check.identical", draws=sc.draws, seed=str(sc.seed), file=str(manifest_path), digest=digest[:16])
            print(ok.text(lang))
        return 0
    differ = _differing(ds, manifest_path.parent / "results.nc")
    if isinstance(differ, Msg):
        differing: Msg | str = differ
    else:
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


def _differing(ds, results_path: Path) -> list[str] | Msg:
    """The variables whose values differ from those in ``results_path`` (the results.nc beside the
    manifest), or a message saying why that file cannot be read to tell."""
    if not results_path.is_file():
        return []
    import numpy as np
    import xarray as xr

    from simengine.outputs import store

    out = []
    new, enc = store.to_stored(ds)  # compared as results.nc stores it (float32 per-draw values, no copies)
    try:
        with xr.open_dataset(results_path, engine="h5netcdf") as old:
            for name in sorted(str(v) for v in new.variables):
                vals = np.asarray(new[name].values)
                if enc.get(name, {}).get("dtype") == "float32":
                    vals = vals.astype(np.float32)
                if name not in old.variables or not _same(np.asarray(old[name].values), vals):
                    out.append(name)
    except Exception as exc:  # noqa: BLE001 - truncated, empty, not HDF5: the digests already differ
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Msg("run.check_results_unreadable", file=str(results_path), detail=detail)
    return out


def _same(a, b) -> bool:
    """Equal values, a NaN equal to a NaN in the same place (as the digest, which hashes the bytes, has it)."""
    import numpy as np

    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))
