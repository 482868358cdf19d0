"""The run's writing phase alone: charts drawn in a forked process against in the run's process.

    python benchmarks/write_phase.py [--draws 100000] [--reps 3]

Simulates ``scenarios/2015.toml`` once (2 threads), then writes its files (results.nc,
summary.parquet, run.json, report.html, summary.xlsx, charts/) with ``simengine.cli.runner.write_results``
``--reps`` times each way, alternated ABBA: with ``SIMENGINE_CHART_PROCESS=0`` (every chart drawn in
the run's process, after the data files) and with the charts drawn in a forked child while the run's
process writes results.nc, summary.parquet, run.json, the workbook and the negotiation sheet
(simengine.outputs.report.chartproc). Prints wall seconds and the CPU seconds of the run's process
and of the chart process, and checks that both ways write the same chart bytes. On a machine whose
other jobs leave no core free the two ways take the same wall time; with two free cores the forked
way's wall time is about the larger of its two CPU figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its (waited-for) children."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args(argv)
    from simengine.cli.runner import simulate, write_results
    from simengine.outputs.folder import prepare_dir
    from simengine.scenario import schema

    sc = schema.load(ROOT / "scenarios" / "2015.toml").with_run_options(draws=a.draws)
    ds = simulate(sc, threads=2, command="write_phase")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load}, draws {a.draws:,}", flush=True)
    res: dict[str, list[tuple[float, float, float]]] = {"in process": [], "forked": []}
    charts: dict[str, dict[str, bytes]] = {}
    for i in range(a.reps):
        for way in ("in process", "forked") if i % 2 == 0 else ("forked", "in process"):
            os.environ["SIMENGINE_CHART_PROCESS"] = "0" if way == "in process" else "1"
            out = Path(tempfile.mkdtemp(prefix="write-phase-"))
            try:
                t, c = time.perf_counter(), _cpu()
                write_results(prepare_dir(out / "o"), ds, sc)
                c2 = _cpu()
                res[way].append((time.perf_counter() - t, c2[0] - c[0], c2[1] - c[1]))
                charts[way] = {p.name: p.read_bytes() for p in sorted((out / "o" / "charts").glob("*.png"))}
            finally:
                shutil.rmtree(out, ignore_errors=True)
            w, c, k = res[way][-1]
            print(f"  {way:10s} wall {w:6.2f} s  cpu: run's process {c:6.2f} s, chart process {k:6.2f} s", flush=True)
    for way, rs in res.items():
        ws = sorted(r[0] for r in rs)
        cs = sorted(r[1] for r in rs)
        ks = sorted(r[2] for r in rs)
        print(
            f"{way:10s} wall best {ws[0]:.2f} median {ws[len(ws) // 2]:.2f} s; cpu median: run's process "
            f"{cs[len(cs) // 2]:.2f} s, chart process {ks[len(ks) // 2]:.2f} s"
        )
    same = charts["in process"] == charts["forked"]
    print(f"charts byte for byte the same: {same} ({len(charts['forked'])} PNGs)")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"load average at the end {load}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
