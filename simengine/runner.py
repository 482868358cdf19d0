"""A whole run: scenario -> plan -> kernel -> Dataset -> files (written atomically)."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np
import xarray as xr

from simengine import __version__, engine
from simengine.model import compile_plan
from simengine.output import atomic_outputs
from simengine.results import build_dataset, summary_table
from simengine.scenario import Scenario


def simulate(sc: Scenario, threads: int | None = None, chunk: int | None = None, command: str = "") -> xr.Dataset:
    """Run a scenario in memory and return the results Dataset."""
    t0 = time.perf_counter()
    plan = compile_plan(sc)
    t1 = time.perf_counter()
    raw = engine.run(plan, threads=threads, chunk=chunk or engine.DEFAULT_CHUNK)
    t2 = time.perf_counter()
    ds = build_dataset(raw, command=command)
    t3 = time.perf_counter()
    ds.attrs["seconds_prepare"] = round(t1 - t0, 4)
    ds.attrs["seconds_simulate"] = round(t2 - t1, 4)
    ds.attrs["seconds_aggregate"] = round(t3 - t2, 4)
    return ds


def manifest(ds: xr.Dataset, sc: Scenario) -> dict:
    return {
        "scenario_file": str(sc.path),
        "scenario_sha256": sc.sha256,
        "scenario": sc.name,
        "seed": sc.seed,
        "draws": sc.draws,
        "sampling": sc.sampling,
        "threads": ds.attrs.get("threads"),
        "command": ds.attrs.get("command"),
        "created": ds.attrs.get("created"),
        "timings_seconds": {k[len("seconds_"):]: ds.attrs[k] for k in ds.attrs if k.startswith("seconds_")},
        "versions": {
            "simengine": __version__, "python": sys.version.split()[0], "numpy": np.__version__,
            "numba": numba.__version__, "xarray": xr.__version__,
        },
        "platform": platform.platform(),
        "stream_version": ds.attrs.get("stream_version"),
    }


def run_scenario(sc: Scenario, out: Path, threads: int | None = None, chunk: int | None = None,
                 command: str = "", quiet: bool = False) -> tuple[xr.Dataset, list[Path]]:
    """Simulate and write results.nc, summary.parquet and run.json to ``out``."""
    from simengine.output import prepare_dir

    prepare_dir(out)  # fail early, before minutes of simulation, if the folder is unusable
    ds = simulate(sc, threads=threads, chunk=chunk, command=command)
    with atomic_outputs(out) as w:
        w.write("results.nc", lambda p: ds.to_netcdf(p, engine="h5netcdf"))
        table = summary_table(ds)
        w.write("summary.parquet", lambda p: table.write_parquet(p))
        w.write_json("run.json", manifest(ds, sc))
        written = [final for _, final in w.pending]
    return ds, written
