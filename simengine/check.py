"""``python -m simengine check RUN.json``: re-run a manifest and confirm identical results."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from simengine.errors import ConfigError, RunError

REQUIRED = ("scenario_sha256", "seed", "draws", "results_digest")


MAX_MANIFEST_BYTES = 10_000_000


def read_manifest(path: Path) -> dict:
    from simengine import safeio
    from simengine.output import settle

    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{path}: no such run manifest (run.json)")
    settle(path.parent)  # a run killed while moving its files into place: finish that first
    raw = safeio.read_bytes(path, MAX_MANIFEST_BYTES, "run manifest (run.json)")
    try:
        m = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: not a run manifest: {exc}") from None
    missing = [k for k in REQUIRED if k not in m] if isinstance(m, dict) else list(REQUIRED)
    if missing:
        raise ConfigError(f"{path}: not a run manifest: missing {', '.join(missing)}")
    return m


def scenario_of(m: dict, manifest_path: Path):
    from simengine import scenario

    candidates = [Path(m[k]) for k in ("scenario_path_absolute", "scenario_file") if m.get(k)]
    for c in candidates:
        if c.is_file():
            return scenario.load(c)
    raise ConfigError(f"{manifest_path}: the scenario file of this run is gone "
                      f"({', '.join(str(c) for c in candidates) or 'no path recorded'})")


def check(manifest_path: Path, threads: int | None = None, quiet: bool = False) -> int:
    from simengine import __version__
    from simengine.results import results_digest
    from simengine.runner import simulate

    m = read_manifest(manifest_path)
    sc = scenario_of(m, manifest_path)
    if sc.sha256 != m["scenario_sha256"]:
        raise RunError(f"{sc.path}: the scenario changed since the run (sha256 {sc.sha256[:12]}…, "
                       f"the run used {m['scenario_sha256'][:12]}…); results cannot be compared")
    from dataclasses import replace

    sc = replace(sc.with_run_options(draws=int(m["draws"]), seed=int(m["seed"])),
                 keep_draws=int(m.get("keep_draws", sc.keep_draws)))
    old = m.get("versions", {}).get("simengine")
    if old and old != __version__ and not quiet:
        print(f"note: the run used simengine {old}, this is {__version__}", file=sys.stderr)
    ds = simulate(sc, threads=threads)
    digest = results_digest(ds)
    if digest == m["results_digest"]:
        if not quiet:
            print(f"identical: {sc.draws:,} draws, seed {sc.seed} reproduce {manifest_path} bit for bit "
                  f"(digest {digest[:16]}…)")
        return 0
    differ = _differing(ds, manifest_path.parent / "results.nc")
    raise RunError(f"{manifest_path}: results differ from the recorded run (digest {digest[:16]}… vs "
                   f"{m['results_digest'][:16]}…)" + (f"; differing variables: {', '.join(differ)}" if differ else ""))


def _differing(ds, results_path: Path) -> list[str]:
    if not results_path.is_file():
        return []
    import numpy as np
    import xarray as xr

    out = []
    with xr.open_dataset(results_path, engine="h5netcdf") as old:
        for name in sorted(ds.variables):
            if name not in old.variables or not np.array_equal(np.asarray(old[name].values), np.asarray(ds[name].values)):
                out.append(name)
    return out
