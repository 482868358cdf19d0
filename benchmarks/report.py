"""Turn a pytest-benchmark JSON file into the tables of benchmarks/README.md.

    python -m pytest benchmarks --benchmark-enable --benchmark-json=bench.json -p no:cacheprovider
    python benchmarks/report.py bench.json > benchmarks/results.md
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def main(path: str) -> None:
    data = json.loads(Path(path).read_text())
    rows = {b["name"]: b for b in data["benchmarks"]}
    mi = data.get("machine_info", {})
    import os

    print(f"Machine: {_cpu()}, {os.cpu_count()} cores, {_mem_gib():.0f} GiB; {mi.get('system', '')} "
          f"{mi.get('release', '')}; Python {mi.get('python_version', '')}")
    try:
        import numba
        import numpy

        print(f"numpy {numpy.__version__}, numba {numba.__version__} (threading layer: "
              f"{numba.config.THREADING_LAYER}); run {data.get('datetime', '')}")
    except ImportError:
        pass
    print()

    def get(name, key):
        return rows[name]["extra_info"].get(key) if name in rows else None

    k1, k2 = "test_kernel_throughput[1]", "test_kernel_throughput[2]"
    npy = "test_numpy_reference_throughput"
    print("| what | draws/s | ns per draw·initiative·municipality |")
    print("|---|---:|---:|")
    for name, label in ((k1, "numba kernel, 1 thread"), (k2, "numba kernel, 2 threads"), (npy, "plain numpy (reference)")):
        if name in rows:
            print(f"| {label} | {get(name, 'draws_per_s'):,.0f} | {get(name, 'ns_per_draw_initiative_municipality'):.1f} |")
    if k2 in rows and npy in rows and k1 in rows:
        print()
        print(f"Ratios in this run: kernel (2 threads) / numpy = **{get(k2, 'draws_per_s') / get(npy, 'draws_per_s'):.0f}x**; "
              f"2 threads / 1 thread = **{get(k2, 'draws_per_s') / get(k1, 'draws_per_s'):.2f}x**.")
    print()
    print("Scaling (2 threads; time should grow linearly with each size):")
    print()
    print("| axis | size | draws | draws/s | ns per draw·initiative·municipality |")
    print("|---|---:|---:|---:|---:|")
    for name, b in rows.items():
        if name.startswith("test_scaling"):
            e = b["extra_info"]
            print(f"| {e['axis']} | {e['size']:,} | {e['draws']:,} | {e['draws_per_s']:,.0f} | "
                  f"{e['ns_per_draw_initiative_municipality']:.1f} |")
    print()
    print("End to end, start-up and memory (`python -m simengine run scenarios/2015.toml` in a fresh process):")
    print()
    print("| what | draws | wall time (s) | peak RSS (MiB) |")
    print("|---|---:|---:|---:|")
    for name, b in rows.items():
        e = b["extra_info"]
        if name.startswith(("test_cli_end_to_end", "test_time_to_first_result", "test_peak_memory", "test_dask")):
            wall = e.get("wall_s", b["stats"]["min"])
            label = name.replace("test_", "").replace("_", " ")
            print(f"| {label} | {e.get('draws', '')!s} | {wall:.1f} | {e.get('peak_rss_mb', float('nan')):.0f} |")
    extra = [n for n in rows if n.startswith("test_lhs")]
    for name in extra:
        e = rows[name]["extra_info"]
        print()
        print(f"Latin hypercube vs random, {e.get('draws')} draws, {e.get('replications')} seeds: standard error of the "
              f"target-year mean {e.get('se_random'):,.0f} (random) vs {e.get('se_lhs'):,.0f} (LHS) DKK/year: "
              f"**{e.get('se_random') / e.get('se_lhs'):.1f}x** smaller with LHS.")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench.json")
