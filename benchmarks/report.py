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

    print(
        f"Machine: {_cpu()}, {os.cpu_count()} cores, {_mem_gib():.0f} GiB; {mi.get('system', '')} "
        f"{mi.get('release', '')}; Python {mi.get('python_version', '')}"
    )
    try:
        import numba
        import numpy

        print(
            f"numpy {numpy.__version__}, numba {numba.__version__} (threading layer: "
            f"{numba.config.THREADING_LAYER}); run {data.get('datetime', '')}"
        )
    except ImportError:
        pass
    print()

    def get(name, key):
        return rows[name]["extra_info"].get(key) if name in rows else None

    kernel = {n: b["extra_info"] for n, b in rows.items() if n.startswith("test_kernel_throughput")}
    npy = "test_numpy_reference_throughput"
    print("| what | draws | threads | outputs | draws/s | ns per draw·initiative·municipality |")
    print("|---|---:|---:|---|---:|---:|")
    for e in sorted(kernel.values(), key=lambda e: (e["outputs"] != "all", e["draws"], e["threads"])):
        print(
            f"| numba kernel | {e['draws']:,} | {e['threads']} | {e['outputs']} | {e['draws_per_s']:,.0f} | "
            f"{e['ns_per_draw_initiative_municipality']:.1f} |"
        )
    if npy in rows:
        print(
            f"| plain numpy (reference) | {get(npy, 'draws'):,} | 1 | all | {get(npy, 'draws_per_s'):,.0f} | "
            f"{get(npy, 'ns_per_draw_initiative_municipality'):.1f} |"
        )

    def pick(draws, threads):
        return next(
            (e for e in kernel.values() if e["draws"] == draws and e["threads"] == threads and e["outputs"] == "all"),
            None,
        )

    k1, k2 = pick(100_000, 1), pick(100_000, 2)
    if k1 and k2 and npy in rows:
        print()
        print(
            f"Ratios in this run (10^5 draws, every output): kernel (2 threads) / numpy = "
            f"**{k2['draws_per_s'] / get(npy, 'draws_per_s'):.0f}x**; 2 threads / 1 thread = "
            f"**{k2['draws_per_s'] / k1['draws_per_s']:.2f}x**."
        )
    fm = rows.get("test_fresh_memory_cost")
    if fm:
        e = fm["extra_info"]
        print()
        print(
            f"Writing fresh memory on this machine: {e['first_ms_per_mb']:.2f} ms per MB the first time, "
            f"{e['again_ms_per_mb']:.2f} ms per MB again ({e['mb']} MB, `test_fresh_memory_cost`)."
        )
    print()
    print("Scaling (2 threads; time should grow linearly with each size):")
    print()
    print("| axis | size | draws | draws/s | ns per draw·initiative·municipality |")
    print("|---|---:|---:|---:|---:|")
    for name, b in rows.items():
        if name.startswith("test_scaling"):
            e = b["extra_info"]
            print(
                f"| {e['axis']} | {e['size']:,} | {e['draws']:,} | {e['draws_per_s']:,.0f} | "
                f"{e['ns_per_draw_initiative_municipality']:.1f} |"
            )
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
        print(
            f"Latin hypercube vs random, {e.get('draws')} draws, {e.get('replications')} seeds: standard error of the "
            f"target-year mean {e.get('se_random'):,.0f} (random) vs {e.get('se_lhs'):,.0f} (LHS) DKK/year: "
            f"**{e.get('se_random') / e.get('se_lhs'):.1f}x** smaller with LHS."
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench.json")
