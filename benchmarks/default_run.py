"""The default run phase by phase, and its total against the kernel alone (issue 18, goal 1: ≤ 3×).

    python benchmarks/default_run.py [--draws 100000] [--reps 3] [--baseline TREE]

Each repetition is ``python -m simengine run scenarios/2015.toml --draws N --out <tmp>`` (every
output, the report included, 2 threads: the machine's cores) run in process by the CLI's own
``main()`` in a fresh Python process, with the numba cache warm (one small run of each tree first,
not counted). The phases are timed by wrapping the pipeline's own functions (simengine.cli.runner
and what it calls) in the child process, so the same table is measured on a checkout that predates
this script: nothing of the run is copied here. Phases timed in another thread (the analyses'
thread of simengine.analysis.sensitivity.Early) are shown under "analyses' thread", beside the run's
own phases, which then only wait for them. A phase entered inside another is shown under it
(e.g. the shock comparison's second kernel run). After the run the child times the kernel alone
(``engine.run`` of the same plan, threads 2, loaded): ``total / kernel`` is goal 1's ratio.

``--baseline TREE``: another checkout (``git worktree add /tmp/base main``); current and baseline
children then alternate in ABBA order (PYTHONPATH=TREE, cwd TREE) and the medians' ratio is
printed per phase. Only ratios within one invocation mean anything on a shared machine.

Each repetition also times the command itself, ``python -m simengine run scenarios/2015.toml --draws N
--quiet`` in a process of its own ("command wall"): the interpreter's start and shutdown included,
which the phases (timed inside the run) leave out.

``--small N``: each repetition also runs each tree at N draws (say 2,000). The run at N draws is
the run's fixed part (imports, loading the kernels, the report's charts and workbook, the file
writing's overhead: what does not grow with the draws); the difference to the full run, per draw,
is the run's cost per draw, printed beside the kernel's own. The fixed part divided by the kernel
alone at the full draws is a floor under goal 1's ratio that no per-draw work can lower.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

T_START = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]

#: (phase, module, attribute): the pipeline's functions timed by wrapping; a method as "Class.method".
#: A missing one (another revision) is left out of the table and named on stderr.
PHASES = (
    ("load scenario", "simengine.scenario.schema", "load"),
    ("run_scenario", "simengine.cli.runner", "run_scenario"),
    ("plan", "simengine.cli.runner", "compile_plan"),
    ("kernel", "simengine.core.driver", "run"),
    ("Dataset", "simengine.cli.runner", "build_dataset"),
    ("negotiation", "simengine.analysis.negotiate", "add_negotiation"),
    ("analyses", "simengine.analysis.sensitivity", "add_analyses"),
    ("MC error", "simengine.analysis.mcerror", "add_mc_error"),
    ("sensitivity", "simengine.analysis.sensitivity", "add_sensitivity"),
    ("waterfall", "simengine.analysis.sensitivity", "add_waterfall"),
    ("calibration", "simengine.analysis.calibration", "add_calibration_bases"),
    ("investment", "simengine.analysis.investment", "add_investment"),
    ("shock comparison", "simengine.analysis.shockeffect", "add_shock_effect"),
    # the work itself, also where it runs in the analyses' thread (simengine.analysis.sensitivity.Early)
    ("sensitivity computed", "simengine.analysis.sensitivity", "sensitivity"),
    ("waterfall coalitions", "simengine.analysis.sensitivity", "waterfall_coalitions"),
    ("shock comparison runs", "simengine.analysis.shockeffect", "shock_effect"),
    ("finite check", "simengine.analysis.finite", "check"),
    ("write files", "simengine.cli.runner", "write_results"),
    ("results.nc", "simengine.outputs.store", "write"),
    ("summary table", "simengine.cli.runner", "summary_table"),
    ("run.json", "simengine.cli.runner", "manifest"),
    ("report", "simengine.cli.runner", "_write_report"),
    ("page", "simengine.outputs.report.html", "render"),
    ("workbook", "simengine.outputs.report.workbook", "build"),
    ("negotiation sheet", "simengine.outputs.report.negotiation", "sheet_html"),
    ("commit (fsync, rename)", "simengine.outputs.folder", "AtomicOutputs.commit"),
)


# -- the child: one run in this process --------------------------------------------------------------
def _child(draws: int, out: Path) -> dict:
    import importlib
    import threading

    times: dict[str, float] = {}
    local = threading.local()  # each thread its own nesting; another thread's phases under "analyses' thread"

    def timed(name: str, f):
        def wrapper(*args, **kwargs):
            if not hasattr(local, "stack"):
                local.stack = [] if threading.current_thread() is threading.main_thread() else ["analyses' thread"]
                if local.stack:
                    times.setdefault("analyses' thread", 0.0)
            stack = local.stack
            key = " > ".join([*stack, name])
            times.setdefault(key, 0.0)
            stack.append(name)
            t = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t
                times[key] += dt
                stack.pop()
                if stack == ["analyses' thread"]:
                    times["analyses' thread"] = times.get("analyses' thread", 0.0) + dt

        wrapper.__wrapped__ = f  # type: ignore[attr-defined]
        return wrapper

    t = time.perf_counter()
    from simengine.cli import main as cli

    times["imports"] = time.perf_counter() - t
    for name, mod_name, attr in PHASES:
        try:
            obj = importlib.import_module(mod_name)
            *owner, fn = attr.split(".")
            for o in owner:
                obj = getattr(obj, o)
            setattr(obj, fn, timed(name, getattr(obj, fn)))
        except (ImportError, AttributeError):
            print(f"default_run: {mod_name}.{attr} not found: phase {name!r} not timed", file=sys.stderr)
    from simengine.outputs.report import charts

    for name in charts.CHARTS:  # report.build_safe calls getattr(charts, name)
        setattr(charts, name, timed("charts", getattr(charts, name)))
    argv = ["run", "scenarios/2015.toml", "--draws", str(draws), "--threads", "2", "--out", str(out)]
    with contextlib.redirect_stdout(io.StringIO()):  # the results table and texts are made, not shown
        t = time.perf_counter()
        rc = cli.main(argv)
        times["main()"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - T_START
    if rc != 0:
        raise SystemExit(f"default_run: run exited {rc}")

    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema

    load = getattr(schema.load, "__wrapped__", schema.load)
    plan = (getattr(compile_plan, "__wrapped__", compile_plan))(
        load(Path("scenarios/2015.toml")).with_run_options(draws=draws)
    )
    result = dict(times)  # engine.run goes through the wrapped driver.run: not a phase of the run
    t = time.perf_counter()
    engine.run(plan, threads=2)
    result["kernel alone"] = time.perf_counter() - t
    result["results.nc MB"] = (out / "results.nc").stat().st_size / 1e6
    return result


# -- the parent: children, ABBA, the table -----------------------------------------------------------
def _spawn(tree: Path, draws: int, keep: Path | None = None) -> dict:
    out = Path(tempfile.mkdtemp(prefix="default-run-"))
    env = {**os.environ, "PYTHONPATH": str(tree)}
    try:
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", "--draws", str(draws), "--out", str(out / "o")],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t
        if keep is not None and r.returncode == 0:
            shutil.move(out / "o" / "results.nc", keep)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if r.returncode != 0:
        raise SystemExit(f"default_run: child in {tree} failed:\n{r.stderr[-3000:]}")
    sys.stderr.write("".join(line + "\n" for line in r.stderr.splitlines() if line.startswith("default_run:")))
    times = json.loads(r.stdout.strip().splitlines()[-1])
    times["process wall"] = wall
    return times


def _command(tree: Path, draws: int) -> float:
    """Seconds of ``python -m simengine run scenarios/2015.toml --draws N --quiet`` in ``tree``, from the
    command's start to the end of its process: what the user waits for at the terminal, the
    interpreter's start and shutdown included."""
    out = Path(tempfile.mkdtemp(prefix="default-run-cmd-"))
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = ["run", "scenarios/2015.toml", "--draws", str(draws), "--threads", "2", "--out", str(out / "o"), "--quiet"]
    try:
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "simengine", *argv], cwd=tree, env=env, capture_output=True, check=False
        )
        wall = time.perf_counter() - t
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if r.returncode != 0:
        raise SystemExit(f"default_run: the command in {tree} failed:\n{r.stderr.decode()[-3000:]}")
    return wall


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=3, help="runs of each tree (default 3)")
    ap.add_argument("--baseline", type=Path, default=None, help="another checkout to compare with, ABBA")
    ap.add_argument("--keep-results", type=Path, default=None, help="keep the current tree's last results.nc here")
    ap.add_argument("--no-warmup", action="store_true", help="skip the small uncounted run of each tree")
    ap.add_argument(
        "--small",
        type=int,
        default=None,
        help="also run each tree at this many draws: the run's fixed part and its cost per draw against the kernel's",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(_child(a.draws, a.out)))
        return 0
    trees = {"current": ROOT}
    if a.baseline is not None:
        if not (a.baseline / "simengine").is_dir():
            print(f"default_run: {a.baseline}: not a simengine checkout", file=sys.stderr)
            return 2
        trees["baseline"] = a.baseline.resolve()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {_loadavg()}, "
        f"{os.cpu_count()} cores; draws {a.draws:,}, reps {a.reps}; " + ", ".join(f"{k} {v}" for k, v in trees.items()),
        flush=True,
    )
    if not a.no_warmup:
        for tree in trees.values():
            _spawn(tree, 1000)
    runs: dict[str, list[dict]] = {k: [] for k in trees}
    small: dict[str, list[dict]] = {k: [] for k in trees}
    names = list(trees)
    for i in range(a.reps):
        for k in names if i % 2 == 0 else names[::-1]:  # ABBA
            runs[k].append(_spawn(trees[k], a.draws, a.keep_results if k == "current" else None))
            r = runs[k][-1]
            r["command wall"] = _command(trees[k], a.draws)
            print(
                f"  {k} run {i + 1}: total {r['total']:.1f} s, command {r['command wall']:.1f} s, "
                f"kernel alone {r['kernel alone']:.2f} s, load {_loadavg()}",
                flush=True,
            )
            if a.small is not None:
                small[k].append(_spawn(trees[k], a.small))
                r = small[k][-1]
                print(
                    f"  {k} run {i + 1} at {a.small:,} draws: total {r['total']:.1f} s, "
                    f"kernel alone {r['kernel alone']:.2f} s, load {_loadavg()}",
                    flush=True,
                )
    keys: list[str] = []
    for k in dict.fromkeys(k for rs in runs.values() for r in rs for k in r):  # a key after its parent's rows
        parent = k.rsplit(" > ", 1)[0] if " > " in k else None
        at = [i for i, x in enumerate(keys) if parent is not None and (x == parent or x.startswith(parent + " > "))]
        keys.insert(at[-1] + 1 if at else len(keys), k)
    thread = [k for k in keys if k.startswith("analyses' thread")]  # the other thread's rows after the run's
    keys = [k for k in keys if k not in thread] + thread
    order = (
        ["command wall", "process wall", "total", "imports"]
        + [
            k
            for k in keys
            if k not in ("command wall", "process wall", "total", "imports", "kernel alone", "results.nc MB")
        ]
        + ["kernel alone", "results.nc MB"]
    )
    med = {
        t: {k: _median([r[k] for r in rs if k in r]) for k in order if any(k in r for r in rs)}
        for t, rs in runs.items()
    }
    head = (
        "| phase | "
        + " | ".join(f"{t} (s, median)" for t in trees)
        + (" | current / baseline |" if len(trees) == 2 else " |")
    )
    print()
    print(head)
    print("|---|" + "---:|" * (len(trees) + (len(trees) == 2)))
    for k in order:
        label = ("&nbsp;&nbsp;" * k.count(" > ")) + k.split(" > ")[-1]
        cells = [f"{med[t][k]:.2f}" if k in med[t] else "–" for t in trees]
        ratio = ""
        if len(trees) == 2:
            c, b = med["current"].get(k), med["baseline"].get(k)
            ratio = f" {c / b:.2f} |" if c is not None and b else " – |"
        print(f"| {label} | " + " | ".join(cells) + " |" + ratio)
    print()
    for t in trees:
        ratios = [r["total"] / r["kernel alone"] for r in runs[t]]
        print(
            f"{t}: total / kernel alone = {', '.join(f'{x:.1f}' for x in ratios)} "
            f"(median {_median(ratios):.1f}; goal ≤ 3)"
        )
        ratios = [r["command wall"] / r["kernel alone"] for r in runs[t]]
        print(
            f"{t}: command wall / kernel alone = {', '.join(f'{x:.1f}' for x in ratios)} (median {_median(ratios):.1f})"
        )
    if a.small is not None:
        _fixed_and_per_draw(runs, small, a.draws, a.small)
    print(f"load average at the end {_loadavg()}")
    return 0


def _fixed_and_per_draw(runs: dict[str, list[dict]], small: dict[str, list[dict]], draws: int, few: int) -> None:
    """The run as a fixed part (its total at ``few`` draws) and a cost per draw (the difference to
    ``draws``), each against the kernel alone: how far the fixed part alone is from goal 1."""
    print()
    print(f"| medians | {' | '.join(runs)} |")
    print("|---|" + "---:|" * len(runs))
    rows: dict[str, list[str]] = {}
    for t in runs:
        tot, ker = _median([r["total"] for r in runs[t]]), _median([r["kernel alone"] for r in runs[t]])
        tot0, ker0 = _median([r["total"] for r in small[t]]), _median([r["kernel alone"] for r in small[t]])
        per_run, per_kernel = (tot - tot0) / (draws - few), (ker - ker0) / (draws - few)
        for label, v in (
            (f"run at {few:,} draws, s (the fixed part)", f"{tot0:.2f}"),
            (f"run at {draws:,} draws, s", f"{tot:.2f}"),
            (f"kernel alone at {draws:,} draws, s", f"{ker:.2f}"),
            (f"fixed part / kernel alone at {draws:,} draws", f"{tot0 / ker:.1f}"),
            ("run's cost per further draw, µs", f"{per_run * 1e6:.1f}"),
            ("kernel's cost per further draw, µs", f"{per_kernel * 1e6:.1f}"),
            ("run per draw / kernel per draw", f"{per_run / per_kernel:.1f}" if per_kernel > 0 else "–"),
        ):
            rows.setdefault(label, []).append(v)
    for label, cells in rows.items():
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
