"""First run against a warm run of the same command, in one benchmark run.

    python benchmarks/first_run.py [--draws 10000] [--scenario scenarios/2015.toml] [--warm 2] [--ab [--ab-first]]

Runs ``python -m simengine run <scenario> --draws N --out <tmp>`` in a fresh process, first with
an empty numba cache (``NUMBA_CACHE_DIR`` = a new empty folder), then ``--warm`` times with the
same, now filled, cache folder, and prints both wall times and their ratio. Each child process
records, through numba's event API (``numba.core.event``), every compilation of a jitted function:
which function, for which argument types, and how long (nested compilations, e.g. a function the
kernel calls, are counted inside their caller; the table shows the outermost ones and the sum).
It also prints the phases of the run that the command itself reports (``run.json``'s timings) and
the signatures each cached dispatcher ended with: more than one signature for a function is compile
work a consistent dtype or layout would save.

The child is ``python benchmarks/first_run.py --child <args of simengine run>``: it installs the
listener and then runs ``simengine.cli.main.main`` exactly as ``python -m simengine`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(args: list[str], report: str) -> int:
    """Run ``simengine.cli.main.main(args)`` with a compile-event listener; write what it saw to ``report``."""
    t0 = time.perf_counter()
    import numba
    from numba.core import event

    t_numba = time.perf_counter() - t0
    records: list[dict] = []
    depth = [0]
    starts: list[float] = []

    class Listener(event.Listener):
        def on_start(self, ev):
            depth[0] += 1
            starts.append(time.perf_counter())

        def on_end(self, ev):
            depth[0] -= 1
            t = time.perf_counter() - starts.pop()
            data = ev.data or {}
            disp = data.get("dispatcher")
            name = getattr(getattr(disp, "py_func", None), "__qualname__", str(disp))
            mod = getattr(getattr(disp, "py_func", None), "__module__", "")
            records.append(
                {"function": f"{mod}.{name}", "args": str(data.get("args")), "seconds": t, "depth": depth[0]}
            )

    event.register("numba:compile", Listener())
    from simengine.cli.main import main

    t1 = time.perf_counter()
    try:
        rc = main(args)
    finally:
        t_main = time.perf_counter() - t1
        sigs = {}
        import gc

        from numba.core.registry import CPUDispatcher

        for obj in gc.get_objects():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__.startswith("simengine"):
                sigs[f"{obj.py_func.__module__}.{obj.py_func.__qualname__}"] = [str(s) for s in obj.signatures]
        Path(report).write_text(
            json.dumps(
                {
                    "numba_import": t_numba,
                    "main": t_main,
                    "compiles": records,
                    "signatures": sigs,
                    "numba": numba.__version__,
                }
            )
        )
    return rc or 0


def _run(cmd_args: list[str], cache: Path, report: Path, background: bool = True) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the run and the processes it started)."""
    import resource

    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), SIMENGINE_BACKGROUND_COMPILE="1" if background else "0")
    env.pop("SIMENGINE_NUMBA_CACHE_DIR", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(report), *cmd_args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def _summary(label: str, times: tuple[float, float], report: Path, out: Path) -> dict:
    wall, cpu = times
    rep = json.loads(report.read_text())
    top = [r for r in rep["compiles"] if r["depth"] == 0]
    compile_s = sum(r["seconds"] for r in top)
    print(
        f"\n{label}: {wall:.1f} s wall, {cpu:.1f} s CPU; numba import {rep['numba_import']:.1f} s; "
        f"compilation {compile_s:.1f} s in {len(top)} outermost compile(s), {len(rep['compiles'])} in all"
    )
    for r in sorted(top, key=lambda r: -r["seconds"]):
        print(f"  {r['seconds']:7.2f} s  {r['function']}  {r['args'][:110]}")
    nested: dict[str, list[float]] = {}
    for r in rep["compiles"]:
        if r["depth"] == 1:  # compiled while typing an outermost function (inlined helpers, callees)
            nested.setdefault(r["function"], []).append(r["seconds"])
    if nested:
        total = sum(sum(v) for v in nested.values())
        print(
            f"  of which helpers compiled while typing them: {total:.1f} s in {sum(map(len, nested.values()))} "
            "compile(s); the largest: "
            + ", ".join(
                f"{k.rsplit('.', 1)[-1]} {sum(v):.1f} s"
                for k, v in sorted(nested.items(), key=lambda kv: -sum(kv[1]))[:8]
            )
        )
    try:
        timings = json.loads((out / "run.json").read_text()).get("timings_seconds", {})
    except (OSError, ValueError):
        timings = {}
    if timings:
        print(
            "  run.json timings: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if isinstance(v, (int, float)))
        )
    return {"wall": wall, "cpu": cpu, "compile": compile_s, "report": rep}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[2:], argv[1])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=10_000)
    p.add_argument("--scenario", default="scenarios/2015.toml")
    p.add_argument("--warm", type=int, default=2, help="warm runs after the cold one (the median is used)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument(
        "--ab",
        action="store_true",
        help="also a cold run without the analyses' kernels compiled in a "
        "second process (SIMENGINE_BACKGROUND_COMPILE=0), after the first, in a cache folder of its own",
    )
    p.add_argument(
        "--ab-first",
        action="store_true",
        help="with --ab: the cold run without the second process first (the load of a shared machine drifts)",
    )
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="simengine-first-run-") as tmp:
        tmp_p = Path(tmp)
        cache = tmp_p / "numba-cache"
        cache.mkdir()
        base = ["run", a.scenario, "--draws", str(a.draws)]
        if a.threads:
            base += ["--threads", str(a.threads)]
        cold_out = tmp_p / "cold"

        def one_process() -> dict:
            cache2 = tmp_p / "numba-cache-2"
            cache2.mkdir()
            out2 = tmp_p / "cold2"
            return _summary(
                "cold, one process compiling (SIMENGINE_BACKGROUND_COMPILE=0)",
                _run(base + ["--out", str(out2)], cache2, tmp_p / "cold2.json", background=False),
                tmp_p / "cold2.json",
                out2,
            )

        if a.ab and a.ab_first:
            cold2 = one_process()
        cold = _summary(
            "cold (empty numba cache)",
            _run(base + ["--out", str(cold_out)], cache, tmp_p / "cold.json"),
            tmp_p / "cold.json",
            cold_out,
        )
        if a.ab and not a.ab_first:
            cold2 = one_process()
        warms = []
        for i in range(a.warm):
            out = tmp_p / f"warm{i}"
            warms.append(
                _summary(
                    f"warm {i + 1}",
                    _run(base + ["--out", str(out)], cache, tmp_p / f"w{i}.json"),
                    tmp_p / f"w{i}.json",
                    out,
                )
            )
        multi = {k: v for k, v in cold["report"]["signatures"].items() if len(v) > 1}
        if multi:
            print("\nfunctions compiled for more than one signature:")
            for k, v in multi.items():
                print(f"  {k}: {len(v)}: " + "; ".join(v))
        warm = sorted(w["wall"] for w in warms)[len(warms) // 2]
        each = ", ".join(f"{w['wall']:.1f}" for w in warms)
        print(
            f"\n{' '.join(base)} --out <tmp>: cold {cold['wall']:.1f} s, warm {warm:.1f} s (median of "
            f"{len(warms)}: {each}), ratio {cold['wall'] / warm:.2f}; CPU cold {cold['cpu']:.1f} s, "
            f"warm {warms[0]['cpu']:.1f} s"
        )
        if a.ab:
            print(
                f"without the second process: cold {cold2['wall']:.1f} s, ratio {cold2['wall'] / warm:.2f}; "
                f"CPU {cold2['cpu']:.1f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
