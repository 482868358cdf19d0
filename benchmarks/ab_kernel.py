"""Time the kernel against its version at another git revision, in one process.

Timings on a shared 2-core machine move by 5-10 % between processes, more than most single
changes to the kernel gain or lose. This loads ``simengine/core/kernel.py`` as it was at REV as a
second module and calls both ``simulate`` functions with the same arguments, alternating them,
so that both see the same machine; it prints the best and median throughput of each and their
ratio, and checks that both give the same results bit for bit (every accumulator and the per-draw
values of 2,000 kept draws). The rest of the package (distributions, model) is the working tree's, so REV's kernel must
still fit it. Draws are not kept (the timing is the kernel's own, not fresh memory's). A kernel from before the named
argument tuples (simengine.core.contract) is called with the tuples' fields bound to its parameters by name.

    python benchmarks/ab_kernel.py HEAD [REV ...] [--draws 30000] [--threads 1] [--reps 7] [--sampling lhs]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


#: where the flat package's modules that a kernel imports live in the stage folders
_FLAT = {
    "distributions": "model.distributions",
    "model": "model.plan",
    "qmc": "model.qmc",
    "rng": "model.rng",
    "structure": "model.structure",
    "kernel_contract": "core.contract",
}


def _kernel_source(rev: str) -> str:
    """The kernel at ``rev``: simengine/core/kernel.py, or simengine/kernel.py from before the stage
    folders with its imports pointed at the modules' new places."""
    for path in ("simengine/core/kernel.py", "simengine/kernel.py"):
        r = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True, check=False)
        if r.returncode == 0:
            break
    else:
        raise SystemExit(f"ab_kernel: no kernel at {rev}")
    src = r.stdout
    # before QMC replicates (simengine.model.qmc) the Sobol' calls took no replicate key and size: one
    # replicate (2^62 draws) has no extra shift, so these give the uniforms those kernels gave
    src = src.replace("qmc_shift[q], d, nb_, row)", "qmc_shift[q], np.uint64(0), 62, d, nb_, row)")
    src = src.replace("qmc_shift[q], d + kk)", "qmc_shift[q], np.uint64(0), 62, d + kk)")
    if path == "simengine/kernel.py":
        return re.sub(
            r"\bfrom simengine\.(\w+) import",
            lambda m: f"from simengine.{_FLAT.get(m.group(1), m.group(1))} import",
            src,
        )
    return src


def load_kernel_at(rev: str, folder: Path):
    src = _kernel_source(rev)
    path = folder / "kernel_at_rev.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("kernel_at_rev", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


#: parameter names of the positional kernel (before simengine.core.contract) -> field names of the tuples
_OLD_NAMES = {
    "out_d0": "d0",
    "out_benefit": "benefit",
    "out_cost": "cost",
    "out_area": "area_benefit",
    "out_central": "central_gain",
    "out_cut": "service_cut",
    "out_regime_benefit": "regime_benefit",
    "out_npv": "npv",
    "out_potential": "potential",
    "out_area_potential": "area_potential",
    "inputs_out": "inputs",
    "lmun_all": "lmun",
    "linit_all": "linit",
    "mun_span_all": "mun_span",
    "init_span_all": "init_span",
}


def call(simulate, d0: int, n: int, nblocks: int, groups: tuple) -> None:
    """simulate(d0, n, nblocks, *groups) for a kernel taking the tuples of simengine.core.contract, or the
    tuples' fields by parameter name for a kernel taking them one by one."""
    code = simulate.py_func.__code__
    params = code.co_varnames[: code.co_argcount]
    if "inputs" in params and "in_code" not in params:
        simulate(d0, n, nblocks, *groups)
        return
    fields = {k: v for g in groups for k, v in g._asdict().items()}
    simulate(d0, n, nblocks, *(fields[_OLD_NAMES.get(p, p)] for p in params[3:]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev", nargs="+", help="one or more revisions, timed in turn with the working tree")
    ap.add_argument("--draws", type=int, default=30_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--sampling", default=None, help="override [simulation] sampling (random, lhs, qmc)")
    a = ap.parse_args(argv)

    import numba

    from simengine.core import engine, kernel
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    # under Latin hypercube sampling the permutations' cost depends on the run's draws (their cycle
    # walk on 2^bits >= draws values): time the first --draws of a 100,000-draw run, the default
    sc = scenario.load(ROOT / "scenarios" / "2015.toml").with_run_options(
        draws=max(a.draws, 100_000) if a.sampling == "lhs" else a.draws
    )
    plan = compile_plan(replace(sc, sampling=a.sampling) if a.sampling else sc)
    numba.set_num_threads(a.threads)
    args = engine._kernel_args(plan)
    kept = engine._per_draw(plan, 0)
    inputs = np.zeros((0, plan.n_inputs))

    def go(mod, n, kept=kept, inputs=inputs):
        acc = engine.new_accumulators(plan, a.threads)
        scratch = engine.new_scratch(plan, a.threads)
        out = engine._kernel_outputs(0, kept, inputs, acc, np.zeros(a.threads, np.int64))
        call(mod.simulate, 0, n, a.threads, (*args, *out, scratch))
        return acc

    def same(old, n=4000, keep=2000):
        out = []
        for mod in (kernel, old):
            k, i = engine._per_draw(plan, keep), np.zeros((keep, plan.n_inputs))
            acc = go(mod, n, k, i)
            out.append([getattr(acc, f) for f in engine.ACC_FIELDS] + [k[x] for x in engine.PER_DRAW] + [i])
        return all(np.array_equal(x, y) for x, y in zip(*out))

    with tempfile.TemporaryDirectory() as tmp:
        mods = {"working tree": kernel}
        for k, rev in enumerate(a.rev):
            (Path(tmp) / str(k)).mkdir()
            mods[rev] = load_kernel_at(rev, Path(tmp) / str(k))
        for mod in mods.values():
            go(mod, 300)  # compile or load from cache: not timed
        identical = {rev: same(mods[rev]) for rev in a.rev}
        times: dict[str, list[float]] = {name: [] for name in mods}
        for _ in range(a.reps):
            for name, mod in mods.items():
                t = time.perf_counter()
                go(mod, a.draws)
                times[name].append(time.perf_counter() - t)
    for name, t in times.items():
        print(f"{name}: best {a.draws / min(t):,.0f} draws/s, median {a.draws / np.median(t):,.0f} draws/s")
    new = times["working tree"]
    for rev in a.rev:
        print(f"results bit for bit identical with {rev}: {identical[rev]}")
        old_t = times[rev]
        print(
            f"working tree / {rev}: {min(old_t) / min(new):.3f} (best), {np.median(old_t) / np.median(new):.3f} (median)"
        )


if __name__ == "__main__":
    sys.exit(main())
