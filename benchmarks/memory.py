"""Estimated against measured peak memory of ``python -m simengine run``.

    python benchmarks/memory.py            # 2015.toml at 10^4 and 10^5 draws, 5,000 municipalities at 10^4
    python benchmarks/memory.py --small    # only 2015.toml at 10^3 draws, --no-report (what the test runs)

Each case runs once in a fresh process (2 threads, warm numba cache); its peak RSS is the
process's own VmHWM, read by the process itself at exit (getrusage of a child would count the
parent's size: a forked child starts with it). The estimate is simengine.core.memory's, printed with
the phase and term that dominate it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: runs the command line in this process and writes the process's VmHWM (bytes) to argv[1] at exit
CHILD = """
import atexit, runpy, sys
out = sys.argv[1]
def peak():
    from simengine.core import memory
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(out, "w").write(f"{int(line.split()[1]) * 1024} {memory.last_total or 0}")
atexit.register(peak)
sys.argv = ["simengine"] + sys.argv[2:]
runpy.run_module("simengine", run_name="__main__")
"""


def measure(args: list[str], threads: int = 2) -> int:
    """Peak RSS (bytes) of ``python -m simengine ARGS`` in a fresh process."""
    return measure_both(args, threads)[0]


def measure_both(args: list[str], threads: int = 2) -> tuple[int, int]:
    """(peak RSS, the run's own memory estimate) in bytes of ``python -m simengine ARGS`` in a fresh
    process: the estimate as the run's guard made it, with the baseline observed in that process."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peak"
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        r = subprocess.run(
            [sys.executable, "-c", CHILD, str(out), *args, "--threads", str(threads), "--quiet"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {r.stderr[-2000:]}")
        peak, est = (int(x) for x in out.read_text().split())
        return peak, est


def estimate(path: Path, draws: int, threads: int = 2, report: bool = True):
    from simengine.core import memory
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    sc = scenario.load(path).with_run_options(draws=draws)
    return memory.estimate(compile_plan(sc), draws, threads, sc.keep_draws, report=report)


def case(label: str, path: Path, draws: int, report: bool = True, threads: int = 2) -> dict:
    est = estimate(path, draws, threads, report)  # for its phases and terms
    with tempfile.TemporaryDirectory() as tmp:
        args = ["run", str(path), "--draws", str(draws), "--out", str(Path(tmp) / "out")]
        measured, total = measure_both(args + ([] if report else ["--no-report"]), threads)
    term, size = est.dominant()
    row = {
        "case": label,
        "draws": draws,
        "report": report,
        "estimate_mib": round(total / 2**20),
        "measured_mib": round(measured / 2**20),
        "error": round(total / measured - 1, 4),
        "peak_phase": est.peak_phase,
        "dominant_term": term,
        "dominant_mib": round(size / 2**20),
    }
    print(
        f"{label:<34} {draws:>9,} {'yes' if report else 'no':>6} {row['estimate_mib']:>9,} "
        f"{row['measured_mib']:>9,} {row['error']:>+7.1%}  {est.peak_phase}/{term}",
        flush=True,
    )
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="only the small case the test runs")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    print(f"{'case':<34} {'draws':>9} {'report':>6} {'est. MiB':>9} {'meas. MiB':>9} {'error':>7}  peak phase/term")
    rows = [case("2015.toml", ROOT / "scenarios/2015.toml", 1_000, report=False)]
    if not a.small:
        from benchmarks import synthetic

        rows.append(case("2015.toml", ROOT / "scenarios/2015.toml", 10_000))
        rows.append(case("2015.toml", ROOT / "scenarios/2015.toml", 100_000))
        with tempfile.TemporaryDirectory() as tmp:
            big = synthetic.write(Path(tmp), initiatives=30, municipalities=5000, years=10, draws=10_000)
            rows.append(case("synthetic 30 x 5,000 x 10 years", big, 10_000))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
