"""numpy's arrays in transparent huge pages against ordinary pages (simengine.core.memory.ordinary_pages).

    python benchmarks/pages.py [--draws 100000] [--reps 3] [--kernel-reps 4]

1. **The command**, ``python -m simengine run scenarios/2015.toml --draws N --quiet --out <tmp>``, each
   in a process of its own, in ABBA order: with ``NUMPY_MADVISE_HUGEPAGE=1`` (numpy advises every
   array of 4 MiB or more into huge pages, as before simengine switched it off; simengine leaves a
   user's setting alone) against without the variable (simengine's ordinary pages). Wall time, the
   user and system CPU seconds and the minor page faults of the process and its children (the
   chart process), from ``getrusage(RUSAGE_CHILDREN)``.
2. **The kernel alone** (``engine.run`` of the same plan, 2 threads, loaded) in one process, numpy's
   switch alternated ABBA.

The numbers of the two are the same bit for bit (checked here: run.json's ``results_digest``).
What the difference is worth depends on the machine's transparent-huge-page policy, printed first:
with ``never`` numpy's advice does nothing, with ``always`` every large mapping gets huge pages anyway.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def thp_policy() -> str:
    try:
        return Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
    except OSError:
        return "unknown (no /sys/kernel/mm/transparent_hugepage)"


def command(draws: int, huge: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if huge:
        env["NUMPY_MADVISE_HUGEPAGE"] = "1"
    out = Path(tempfile.mkdtemp(prefix="pages-"))
    try:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "simengine",
                "run",
                "scenarios/2015.toml",
                "--draws",
                str(draws),
                "--quiet",
                "--out",
                str(out / "o"),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        digest = json.loads((out / "o" / "run.json").read_text())["results_digest"]
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "wall": wall,
        "user": r1.ru_utime - r0.ru_utime,
        "sys": r1.ru_stime - r0.ru_stime,
        "faults": r1.ru_minflt - r0.ru_minflt,
        "digest": digest,
    }


def kernel_alone(draws: int, reps: int) -> dict[bool, list[float]]:
    sys.path.insert(0, str(ROOT))
    from simengine.core import engine, memory
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema

    switch = memory._numpy_hugepage_switch()
    if switch is None:
        raise SystemExit("pages: this numpy has no madvise hugepage switch")
    plan = compile_plan(schema.load(ROOT / "scenarios/2015.toml").with_run_options(draws=draws))
    before = switch(True)
    os.environ["NUMPY_MADVISE_HUGEPAGE"] = "1"  # the driver's ordinary_pages() leaves the switch as set here
    try:
        engine.run(plan, threads=2)  # loaded and warm
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(reps):
            for huge in (True, False, False, True):
                switch(huge)
                t = time.perf_counter()
                raw = engine.run(plan, threads=2)
                times[huge].append(time.perf_counter() - t)
                del raw
    finally:
        switch(before)
        del os.environ["NUMPY_MADVISE_HUGEPAGE"]
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3, help="ABBA pairs of the command (default 3)")
    ap.add_argument("--kernel-reps", type=int, default=4, help="ABBA rounds of the kernel alone (default 4)")
    a = ap.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores; "
        f"transparent huge pages: {thp_policy()}; draws {a.draws:,}"
    )
    command(2_000, False)  # warm: numba's cache, the quantile tables
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for _ in range(a.reps):
        for huge in (True, False, False, True):
            runs[huge].append(command(a.draws, huge))
    digests = {r["digest"] for rs in runs.values() for r in rs}
    print(f"results the same bit for bit: {len(digests) == 1}\n")
    print("| command, medians of", 2 * a.reps, "| huge pages (before) | ordinary pages | ratio |")
    print("|---|---:|---:|---:|")
    for key, fmt in (("wall", "{:.2f} s"), ("user", "{:.2f} s"), ("sys", "{:.2f} s"), ("faults", "{:,.0f}")):
        h = statistics.median(r[key] for r in runs[True])
        o = statistics.median(r[key] for r in runs[False])
        print(f"| {key} | {fmt.format(h)} | {fmt.format(o)} | {o / h:.2f} |")
    for huge in (True, False):
        walls = ", ".join(f"{r['wall']:.2f}" for r in runs[huge])
        print(f"  {'huge' if huge else 'ordinary'} pages, walls: {walls}")
    k = kernel_alone(a.draws, a.kernel_reps)
    print(f"\nkernel alone ({a.draws:,} draws, 2 threads, {2 * a.kernel_reps} runs each):")
    for huge in (True, False):
        v = sorted(k[huge])
        print(
            f"  {'huge pages' if huge else 'ordinary pages'}: median {statistics.median(v):.3f} s, "
            f"best {v[0]:.3f}, worst {v[-1]:.3f}"
        )
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
