"""The README's quick start on a fresh machine: ``pip install .``, then the first runs, each timed.

    python benchmarks/install_first_run.py [--draws 10000] [--runs 2] [--ab]

Copies the files git tracks into a new folder, makes a new virtualenv there and an empty cache
home (``XDG_CACHE_HOME``: numba's cache folder of simengine and matplotlib's font list start
empty, as on a new machine; pip's own download cache is kept), and times

* ``pip install .`` (the build backend compiles the default run's kernels: scripts/build_backend.py),
* ``--runs`` times ``python -m simengine run scenarios/2015.toml --draws N`` in that folder, as
  the quick start runs it (the package imported from the folder: the kernels the install compiled
  there), and
* once the ``simengine`` command from another folder (the installed copy in site-packages: it
  adopts the compiled kernels, simengine/__init__.py).

``--ab`` repeats all of it with ``SIMENGINE_PRECOMPILE=0`` (nothing compiled at install: the first
run compiles), in its own folder, virtualenv and cache, after the first; the last lines give both
sides' time from the start of the install to the first run's result, and the first run against a
warm run of the same command. Wall seconds; the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _copy_tree(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)


def _timed(cmd: list[str], cwd: Path, env: dict, log: Path) -> float:
    t0 = time.perf_counter()
    with log.open("ab") as out:
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    secs = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"install_first_run: {' '.join(cmd)} exited {done.returncode}: see {log}")
    return secs


def side(label: str, precompile: bool, draws: int, runs: int, keep: bool) -> dict[str, float]:
    base = Path(tempfile.mkdtemp(prefix=f"simengine-install-{label}-"))
    tree, cache, elsewhere = base / "simengine", base / "cache", base / "elsewhere"
    for d in (tree, cache, elsewhere):
        d.mkdir()
    _copy_tree(tree)
    log = base / "log.txt"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "NUMBA_CACHE_DIR")}
    env.update(XDG_CACHE_HOME=str(cache), SIMENGINE_PRECOMPILE="1" if precompile else "0")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    out: dict[str, float] = {}
    out["install"] = _timed([py, "-m", "pip", "install", "-q", "."], tree, env, log)
    print(f"{label}: pip install . {out['install']:.1f} s", flush=True)
    for i in range(1, runs + 1):
        cmd = [py, "-m", "simengine", "run", "scenarios/2015.toml", "--draws", str(draws), "--quiet"]
        out[f"run{i}"] = _timed([*cmd, "--out", str(base / f"out{i}")], tree, env, log)
        print(f"{label}: run {i} (python -m simengine in the source folder) {out[f'run{i}']:.1f} s", flush=True)
    scenario = str(tree / "scenarios" / "2015.toml")
    cmd = [str(venv / "bin" / "simengine"), "run", scenario, "--draws", str(draws), "--quiet"]
    out["installed"] = _timed([*cmd, "--out", str(base / "out-installed")], elsewhere, env, log)
    print(f"{label}: the simengine command from another folder (installed copy) {out['installed']:.1f} s", flush=True)
    if keep:
        print(f"{label}: kept {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=2, help="runs in the source folder after the install (>= 2)")
    ap.add_argument("--ab", action="store_true", help="also without the install-time compile")
    ap.add_argument("--keep", action="store_true", help="keep the folders (logs, outputs)")
    a = ap.parse_args()
    runs = max(2, a.runs)
    print(f"load average before: {os.getloadavg()}", flush=True)
    sides = {"compiled at install": side("precompile", True, a.draws, runs, a.keep)}
    if a.ab:
        sides["compiled by the first run"] = side("no-precompile", False, a.draws, runs, a.keep)
    print(f"load average after: {os.getloadavg()}")
    print(f"\n{'side':<28}{'install':>9}{'run 1':>8}{'run 2':>8}{'other':>8}{'to 1st result':>15}{'run1/run2':>11}")
    for name, o in sides.items():
        warm = min(o[f"run{i}"] for i in range(2, runs + 1))
        print(
            f"{name:<28}{o['install']:>9.1f}{o['run1']:>8.1f}{warm:>8.1f}{o['installed']:>8.1f}"
            f"{o['install'] + o['run1']:>15.1f}{o['run1'] / warm:>11.2f}"
        )


if __name__ == "__main__":
    main()
