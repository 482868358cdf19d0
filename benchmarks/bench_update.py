"""What scoring and updating add to a run: ``run`` against ``update`` on the same scenario and draws.

    python benchmarks/bench_update.py [--draws 1000000] [--threads 2]
                                      [--observations benchmarks/data/observations_30.toml]
                                      [--known-by 2016-12-31] [--scenario scenarios/2015.toml]
                                      [--baseline SOURCE_TREE]

One invocation runs, one after the other, ``python -m simengine run SCENARIO --no-report``,
``python -m simengine update SCENARIO OBSERVATIONS --known-by DATE --no-report`` (the update
simulates the same draws as the run, weights the kept draws on the observations known by the date,
recomputes the statistics under the weights and scores the later observations before and after) and
``python -m simengine backtest SCENARIO OBSERVATIONS --no-report`` (the same draws without the
run's sensitivity and waterfall, every observation scored; its phase ``score`` is the scoring's own
time: the observed values and the scores, from backtest.nc), each in its own process so that its peak memory is its own (``os.wait4``). A small run first loads
or compiles the kernels, so that neither measurement includes compilation. Printed: wall and CPU
time (user + system) of each, the update's extra time and memory as a share of the run's, and the
phases of each from its results file. ``--baseline``: also the update of another source tree
(e.g. ``git archive REV | tar -x -C DIR``), measured in the same invocation after the run, so that
before and after share the machine's load. Results and the command: benchmarks/README.md.

The observations: benchmarks/data/observations_30.toml, the 18 observations of
observations/2015.toml and 12 synthetic ones (benchmark data only).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("seconds_prepare", "seconds_simulate", "seconds_aggregate", "seconds_analyse", "seconds_score")


def measure(cmd: list[str], root: Path = ROOT) -> dict:
    """Wall time, CPU time and peak resident memory of one command in its own process (the package
    of the source tree ``root``)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()}")
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_gb": ru.ru_maxrss / 1024**2, "stderr": err}


def phases(results: Path) -> dict:
    import xarray as xr

    with xr.open_dataset(results, engine="h5netcdf") as ds:
        return {k: float(ds.attrs.get(k, float("nan"))) for k in PHASES} | {
            "draws": int(ds.attrs.get("draws", 0)),
            "kept": int(ds.sizes.get("draw", 0)),
            "ess": float(ds.attrs.get("ess", float("nan"))),
            "conditioned_on": str(ds.attrs.get("conditioned_on", "")),
        }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=1_000_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "2015.toml")
    p.add_argument("--observations", type=Path, default=ROOT / "benchmarks" / "data" / "observations_30.toml")
    p.add_argument("--known-by", default="2016-12-31")
    p.add_argument("--baseline", type=Path, help="a source tree whose update is measured too (before/after)")
    p.add_argument("--no-backtest", action="store_true", help="measure run and update only")
    a = p.parse_args(argv)
    py = [sys.executable, "-m", "simengine"]
    trees = ([a.baseline.resolve()] if a.baseline else []) + [ROOT]
    with tempfile.TemporaryDirectory(prefix="bench-update-") as tmp:
        t = Path(tmp)
        for k, tree in enumerate(trees):  # load or compile every kernel the commands use (not measured)
            measure(
                py
                + [
                    "update",
                    str(ROOT / "tests/data/small.toml"),
                    str(ROOT / "tests/data/observations_small.toml"),
                    "--known-by",
                    "2016-01-01",
                    "--draws",
                    "2000",
                    "--no-report",
                    "--quiet",
                    "--out",
                    str(t / f"warm{k}"),
                ],
                tree,
            )
        common = ["--draws", str(a.draws), "--threads", str(a.threads), "--no-report", "--quiet"]
        run = measure(py + ["run", str(a.scenario)] + common + ["--out", str(t / "run")])
        rows = [("run", run, phases(t / "run" / "results.nc"))]
        for k, tree in enumerate(trees):
            name = "update" if tree == ROOT else "baseline"
            m = measure(
                py
                + ["update", str(a.scenario), str(a.observations), "--known-by", a.known_by]
                + common
                + ["--out", str(t / f"update{k}")],
                tree,
            )
            rows.append((name, m, phases(t / f"update{k}" / "results.nc")))
        pu = rows[-1][2]
        if not a.no_backtest:  # every observation scored against the forecast (no --known-by)
            m = measure(
                py + ["backtest", str(a.scenario), str(a.observations)] + common + ["--out", str(t / "backtest")]
            )
            rows.append(("backtest", m, phases(t / "backtest" / "backtest.nc")))
    n_obs = sum(
        1 for line in a.observations.read_text(encoding="utf-8").splitlines() if line.strip() == "[[observation]]"
    )
    print(
        f"{a.scenario.name}, {a.draws:,} draws ({pu['kept']:,} kept), {a.threads} threads, {n_obs} observations "
        f"({len(pu['conditioned_on'].split(', '))} known by {a.known_by}; ESS {pu['ess']:,.0f})"
    )
    print(
        f"{'command':<8} {'wall s':>8} {'CPU s':>8} {'max RSS GB':>11}   phases (s, - where none): "
        + " ".join(k[len("seconds_") :] for k in PHASES)
    )
    for name, m, ph in rows:
        print(
            f"{name:<8} {m['wall']:>8.1f} {m['cpu']:>8.1f} {m['rss_gb']:>11.2f}   "
            + " ".join("-" if ph[k] != ph[k] else f"{ph[k]:.1f}" for k in PHASES)
        )
    for name, m, _ in rows[1:]:
        print(
            f"{name} / run: wall {m['wall'] / run['wall']:.3f}, CPU {m['cpu'] / run['cpu']:.3f}, "
            f"memory {m['rss_gb'] / run['rss_gb']:.3f}"
        )
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
