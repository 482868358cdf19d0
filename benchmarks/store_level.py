"""results.nc: write time and size at two zlib levels, on the Dataset of a run's results.nc.

    python -m simengine run scenarios/2015.toml --out /tmp/r --quiet      # 100,000 draws
    python benchmarks/store_level.py /tmp/r/results.nc [--levels 1 4] [--reps 3]

Reads the file back into a run's Dataset (simengine.outputs.store.open_results: the per-draw values
as float64, already rounded to float32, so storing them again gives the same numbers), then writes
it with ``simengine.outputs.store.write`` at each level in turn (levels alternating, ``reps`` times),
printing the best and median write time and the file size, and checks that a plain
``xarray.open_dataset`` reads the same values, bit for bit, from every level's file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import xarray as xr

    from simengine.outputs import store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path)
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args(argv)
    ds = store.open_results(a.results)
    base = dict(store.COMPRESSION)
    times: dict[int, list[float]] = {lv: [] for lv in a.levels}
    sizes: dict[int, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.reps):
            for lv in a.levels if i % 2 == 0 else a.levels[::-1]:
                store.COMPRESSION.update(base, complevel=lv)
                path = Path(tmp) / f"level{lv}.nc"
                t = time.perf_counter()
                store.write(ds, path)
                times[lv].append(time.perf_counter() - t)
                sizes[lv] = path.stat().st_size
        store.COMPRESSION.update(base)
        files = [xr.open_dataset(Path(tmp) / f"level{lv}.nc") for lv in a.levels]
        try:
            same = all(
                sorted(f.variables) == sorted(files[0].variables)
                and all(
                    np.array_equal(f[n].values, files[0][n].values, equal_nan=f[n].dtype.kind == "f")
                    if f[n].dtype.kind in "fiub"
                    else f[n].values.tolist() == files[0][n].values.tolist()
                    for n in f.variables
                )
                for f in files[1:]
            )
        finally:
            for f in files:
                f.close()
    print(f"{a.results}: {ds.sizes.get('draw', 0):,} kept draws")
    print("| zlib level | write best (s) | write median (s) | results.nc (MB) |")
    print("|---:|---:|---:|---:|")
    for lv in a.levels:
        print(f"| {lv} | {min(times[lv]):.2f} | {statistics.median(times[lv]):.2f} | {sizes[lv] / 1e6:.1f} |")
    print(f"values read by xarray.open_dataset bit for bit identical across levels: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
