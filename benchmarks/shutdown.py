"""Seconds from a run's last line to the end of its process: the interpreter's shutdown.

    python benchmarks/shutdown.py [--draws 2000] [--reps 3]

Each repetition runs ``run scenarios/2015.toml --draws N --quiet`` in a fresh Python process twice,
alternating: once through ``simengine.cli.main.main`` (what Python code calls) and once through
``simengine.cli.main.entry`` (what ``python -m simengine`` and the ``simengine`` command call: ``main``,
then ``gc.freeze()``). The process writes the time when the command returned as its last line; the
shutdown is the time from then until the process has ended, as seen by this script.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import sys, time
from simengine.cli import main as cli
fn, args = sys.argv[1], sys.argv[2:]
if fn == "main":
    rc = cli.main(args)
else:  # entry reads the command line, as the console script does
    sys.argv = ["simengine", *args]
    rc = cli.entry()
print(repr(time.time()), flush=True)
sys.exit(rc)
"""


def once(fn: str, draws: int) -> float:
    out = Path(tempfile.mkdtemp(prefix="shutdown-"))
    argv = ["run", "scenarios/2015.toml", "--draws", str(draws), "--out", str(out / "o"), "--quiet"]
    try:
        r = subprocess.run([sys.executable, "-c", CODE, fn, *argv], cwd=ROOT, capture_output=True, text=True)
        ended = time.time()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if r.returncode != 0:
        raise SystemExit(f"shutdown: {fn} failed:\n{r.stderr[-2000:]}")
    return ended - float(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args(argv)
    times: dict[str, list[float]] = {"main": [], "entry": []}
    for i in range(a.reps):
        for fn in ("main", "entry") if i % 2 == 0 else ("entry", "main"):
            times[fn].append(once(fn, a.draws))
            print(f"  {fn} run {i + 1}: shutdown {times[fn][-1]:.3f} s", flush=True)
    print()
    print("| entry point | shutdown, s (median) | runs |")
    print("|---|---:|---|")
    for fn, ts in times.items():
        s = sorted(ts)
        print(f"| {fn} | {s[len(s) // 2]:.3f} | {', '.join(f'{t:.3f}' for t in ts)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
