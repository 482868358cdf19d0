"""Benchmarks (pytest-benchmark). Results and the command that produced them: benchmarks/README.md.

With ``--benchmark-disable`` (the normal test suite) every benchmark runs once on a small size as
a smoke test; with benchmarking enabled the sizes below are used. JIT compilation is excluded
(a warm-up call compiles or loads the kernel first), thread counts are pinned, and every
benchmark checks its result against the numpy reference or the exact statistics.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks import synthetic
from benchmarks.reference_numpy import simulate_reference, simulate_reference_chunked
from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "2015.toml"


def _size(benchmark, full: int, smoke: int) -> int:
    return smoke if benchmark.disabled else full


def _rounds(benchmark, full: int) -> int:
    return 1 if benchmark.disabled else full


def _plan(draws: int, path: Path = SCENARIO):
    return compile_plan(scenario.load(path).with_run_options(draws=draws))


def _check_against_reference(plan, part, n: int = 64) -> None:
    """The kernel's first draws equal the numpy reference's (exact scipy ppf vs the kernel's
    quantile tables: within 1e-4 relative)."""
    ref = simulate_reference(plan, np.arange(n))
    scale = np.abs(ref["benefit"]).max()
    assert np.max(np.abs(part.kept["benefit"][:n] - ref["benefit"])) < 1e-4 * scale


def _cells(plan) -> int:
    return len(plan.gain) * len(plan.size_effect)


@pytest.mark.benchmark(group="kernel 2015.toml")
@pytest.mark.parametrize(
    "draws,threads,outputs",
    [(100_000, 1, "all"), (100_000, 2, "all"), (1_000_000, 2, "all"), (100_000, 2, "no per-draw samples")],
)
def test_kernel_throughput(benchmark, draws, threads, outputs):
    """Kernel throughput on 2015.toml. "all": every output of a run, including the per-draw values
    of the first keep_draws (200,000) draws and the inputs of the first 50,000 (for sensitivity);
    "no per-draw samples" leaves those out, to show what writing them costs."""
    n = _size(benchmark, draws, 2_000)
    plan = _plan(n)
    kw = {} if outputs == "all" else {"keep_draws": 64, "store_inputs": 0}
    engine.run_range(plan, 0, 512, threads)  # compile / load from cache: not timed
    part = benchmark.pedantic(
        engine.run_range, args=(plan, 0, n, threads), kwargs=kw, rounds=_rounds(benchmark, 3), iterations=1
    )
    _check_against_reference(plan, part)
    t = benchmark.stats.stats.min if not benchmark.disabled else None
    if t:
        benchmark.extra_info.update(
            draws=n,
            threads=threads,
            outputs=outputs,
            draws_per_s=n / t,
            ns_per_draw_initiative_municipality=t / n / _cells(plan) * 1e9,
        )


@pytest.mark.benchmark(group="machine")
def test_fresh_memory_cost(benchmark):
    """Not simengine: what writing fresh memory costs on this machine (the first write to a page
    faults it in), against writing the same memory again. The per-draw samples a run keeps are
    fresh memory; this explains the gap between the kernel runs with and without them."""
    mb = _size(benchmark, 256, 16)
    times = {}

    def go():
        a = np.empty(mb * 2**20 // 8)
        t0 = time.perf_counter()
        a.fill(1.0)
        t1 = time.perf_counter()
        a.fill(2.0)
        times.update(first=t1 - t0, again=time.perf_counter() - t1)
        assert a[-1] == 2.0

    benchmark.pedantic(go, rounds=1, iterations=1)
    benchmark.extra_info.update(
        mb=mb, first_ms_per_mb=1e3 * times["first"] / mb, again_ms_per_mb=1e3 * times["again"] / mb
    )


@pytest.mark.benchmark(group="kernel 2015.toml")
def test_numpy_reference_throughput(benchmark):
    n = _size(benchmark, 1_000, 100)
    plan = _plan(n)
    simulate_reference_chunked(plan, 16)
    res = benchmark.pedantic(simulate_reference_chunked, args=(plan, n), kwargs={"chunk": 250}, rounds=2, iterations=1)
    part = engine.run_range(plan, 0, n, 2)
    np.testing.assert_allclose(part.kept["benefit"], res["benefit"], rtol=1e-4, atol=1e-4 * res["benefit"].max())
    t = benchmark.stats.stats.min if not benchmark.disabled else None
    if t:
        benchmark.extra_info.update(
            draws=n, draws_per_s=n / t, ns_per_draw_initiative_municipality=t / n / _cells(plan) * 1e9
        )


def _synthetic(tmp_path, initiatives=30, municipalities=98, years=10):
    return synthetic.write(tmp_path, initiatives, municipalities, years)


@pytest.mark.benchmark(group="scaling")
@pytest.mark.parametrize(
    "axis,size",
    [
        ("draws", 25_000),
        ("draws", 50_000),
        ("draws", 100_000),
        ("initiatives", 15),
        ("initiatives", 30),
        ("initiatives", 60),
        ("municipalities", 49),
        ("municipalities", 98),
        ("municipalities", 196),
    ],
)
def test_scaling(benchmark, tmp_path, axis, size):
    kw = {"initiatives": 30, "municipalities": 98}
    n = 25_000
    if axis == "draws":
        n = size
    else:
        kw[axis] = size
    n = _size(benchmark, n, 500)
    plan = _plan(n, _synthetic(tmp_path, kw["initiatives"], kw["municipalities"]))
    engine.run_range(plan, 0, 256, 2)
    part = benchmark.pedantic(engine.run_range, args=(plan, 0, n, 2), rounds=_rounds(benchmark, 2), iterations=1)
    _check_against_reference(plan, part, 16)
    t = benchmark.stats.stats.min if not benchmark.disabled else None
    if t:
        benchmark.extra_info.update(
            axis=axis,
            size=size,
            draws=n,
            draws_per_s=n / t,
            ns_per_draw_initiative_municipality=t / n / _cells(plan) * 1e9,
        )


def _run_cli(args: list[str], env: dict | None = None) -> tuple[float, dict]:
    """Run the CLI in a fresh process; returns (wall seconds, {'maxrss_mb': peak RSS in MiB})."""
    # peak RSS from VmHWM: it starts afresh at exec, while getrusage's ru_maxrss can carry the forked
    # parent's (here the benchmark process's) resident size over
    code = (
        "import sys, time; t=time.perf_counter(); from simengine.cli.main import main; rc=main(sys.argv[1:]); "
        "print('WALL', time.perf_counter()-t); "
        "print('RSS', [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]); "
        "sys.exit(rc)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}
    )
    assert r.returncode == 0, r.stderr
    vals = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.startswith(("WALL", "RSS")))
    return float(vals["WALL"]), {"maxrss_mb": int(vals["RSS"]) / 1024}


@pytest.mark.benchmark(group="end to end")
def test_cli_end_to_end(benchmark, tmp_path):
    """`python -m simengine run scenarios/2015.toml` with the scenario's default draws."""
    draws = _size(benchmark, 100_000, 1_000)
    out = tmp_path / "out"
    args = ["run", str(SCENARIO), "--draws", str(draws), "--out", str(out), "--quiet"]
    if not benchmark.disabled:
        _run_cli(args)  # warm the numba cache
    result = {}

    def go():
        result["wall"], result["mem"] = _run_cli(args)

    benchmark.pedantic(go, rounds=_rounds(benchmark, 2), iterations=1)
    import xarray as xr

    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert ds.attrs["draws"] == draws
        b = ds[
            "benefit"
        ].values  # float32 on disk (simengine.outputs.store): a draw within 2^-24 of the target may flip
        np.testing.assert_allclose(ds["p_target"].values, (b >= ds["target"].values).mean(axis=0), atol=3 / draws)
    benchmark.extra_info.update(draws=draws, peak_rss_mb=result["mem"]["maxrss_mb"])


@pytest.mark.benchmark(group="start-up")
@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_time_to_first_result(benchmark, tmp_path, cache):
    """10,000 draws in a fresh process, with an empty numba cache (cold) or a filled one (warm)."""
    cache_dir = tmp_path / "numba-cache"
    args = [
        "run",
        str(SCENARIO),
        "--draws",
        str(_size(benchmark, 10_000, 1_000)),
        "--out",
        str(tmp_path / "o"),
        "--quiet",
    ]
    if benchmark.disabled:  # smoke test: one run with the shared cache, no recompilation
        if cache == "warm":
            pytest.skip("smoke mode: the cold row makes the one smoke run (both rows use the shared cache there)")
        wall, _ = _run_cli(args)
        benchmark.pedantic(lambda: None, rounds=1, iterations=1)
        assert wall > 0
        return
    env = {"NUMBA_CACHE_DIR": str(cache_dir)}
    if cache == "warm":
        _run_cli(args, env)
    result = {}

    def go():
        if cache == "cold":
            import shutil

            shutil.rmtree(cache_dir, ignore_errors=True)
        result["wall"], _ = _run_cli(args, env)

    benchmark.pedantic(go, rounds=2, iterations=1)
    assert any(cache_dir.rglob("*.nbi")), "numba wrote no cache index"
    benchmark.extra_info.update(cache=cache, wall_s=result["wall"])


@pytest.mark.benchmark(group="memory")
@pytest.mark.parametrize("draws", [100_000, 1_000_000, 10_000_000])
def test_peak_memory(benchmark, tmp_path, draws):
    """Peak RSS of a whole run: bounded in draws (per-draw values kept for 200,000 draws)."""
    if benchmark.disabled and draws != 100_000:
        pytest.skip("smoke mode runs the memory benchmark at one size")
    n = _size(benchmark, draws, 2_000)
    out = tmp_path / "m"
    args = ["run", str(SCENARIO), "--draws", str(n), "--out", str(out), "--quiet"]
    result = {}

    def go():
        result["wall"], result["mem"] = _run_cli(args)

    benchmark.pedantic(go, rounds=1, iterations=1)
    benchmark.extra_info.update(draws=n, peak_rss_mb=result["mem"]["maxrss_mb"], wall_s=result["wall"])
    import xarray as xr

    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert ds.attrs["draws"] == n and ds.sizes["draw"] == min(n, 200_000)
        assert np.all(np.diff(ds["benefit_quantile"].values, axis=0) >= 0)
    if not benchmark.disabled:
        assert result["mem"]["maxrss_mb"] < 2048, result


# -- the default run, phase by phase ----------------------------------------------------------------
#: phases of `python -m simengine run scenarios/2015.toml` (its default 10^5 draws, 2 threads)
PHASES = ("kernel", "aggregate", "analyses", "results files", "report", "whole run")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The kernel's results and the Datasets (without and with the analyses) of the default run,
    computed once for the phase rows below; the kernel is compiled or loaded from the cache here."""
    from simengine.analysis import sensitivity as analysis
    from simengine.analysis.negotiate import add_negotiation
    from simengine.analysis.results import build_dataset
    from simengine.cli import runner

    draws = 100_000 if "--benchmark-enable" in sys.argv else 1_000
    sc = scenario.load(SCENARIO).with_run_options(draws=draws)
    plan = compile_plan(sc)
    raw = engine.run(plan, threads=2)
    base = add_negotiation(build_dataset(raw), raw)
    full = runner.simulate(sc, threads=2)
    return {
        "sc": sc,
        "plan": plan,
        "raw": raw,
        "base": base,
        "full": full,
        "draws": draws,
        "tmp": tmp_path_factory.mktemp("default-run"),
        "analysis": analysis,
    }


@pytest.mark.benchmark(group="default run 2015.toml")
@pytest.mark.parametrize("phase", PHASES)
def test_default_run_phases(benchmark, default_run, phase):
    """What a user waits for in the default run, phase by phase, in one benchmark run (compare the
    ratios to the kernel row, not times across runs): the kernel alone (engine.run), building the
    Dataset from its results (statistics, regimes, negotiation), the analyses (Monte Carlo intervals,
    sensitivity, waterfall), writing results.nc + summary.parquet + run.json, building and writing the
    report (report.html, summary.xlsx, negotiation.html, charts/), and the whole `run` command in a
    fresh process with a warm numba cache."""
    from simengine.analysis.negotiate import add_negotiation
    from simengine.analysis.results import build_dataset
    from simengine.cli import runner
    from simengine.outputs import folder as output

    r = default_run
    sc, raw, n = r["sc"], r["raw"], r["draws"]
    out = r["tmp"] / phase.replace(" ", "_")
    result = {}

    def go():
        if phase == "kernel":
            result["raw"] = engine.run(r["plan"], threads=2)
        elif phase == "aggregate":
            result["ds"] = add_negotiation(build_dataset(raw), raw)
        elif phase == "analyses":
            result["ds"] = r["analysis"].add_analyses(r["base"].copy(), raw)
        elif phase == "results files":
            runner.write_results(output.prepare_dir(out), r["full"], sc, report=False)
        elif phase == "report":
            with output.atomic_outputs(out) as w:
                runner._write_report(w, r["full"], sc, "da")
        else:
            result["wall"], _ = _run_cli(
                ["run", str(SCENARIO), "--draws", str(n), "--threads", "2", "--out", str(out), "--quiet"]
            )

    benchmark.pedantic(go, rounds=1, iterations=1)  # 10^5 draws: one round of each (the whole run takes minutes)
    if phase == "kernel":
        np.testing.assert_array_equal(result["raw"].benefit, raw.benefit)
    elif phase in ("aggregate", "analyses"):
        assert "benefit_quantile" in result["ds"] and (phase == "aggregate" or "waterfall" in result["ds"])
    elif phase == "results files":
        import xarray as xr

        with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
            assert ds.attrs["draws"] == n
    elif phase == "report":
        assert (out / "report.html").stat().st_size > 50_000 and (out / "summary.xlsx").is_file()
    else:
        import json

        assert json.loads((out / "run.json").read_text())["results_digest"]
    benchmark.extra_info.update(draws=n, threads=2, phase=phase)


@pytest.mark.benchmark(group="sampling")
def test_lhs_standard_error(benchmark, tmp_path):
    """Standard error of the 2015 scenario's target-year mean: Latin hypercube vs random sampling at
    equal draws, from the spread of the mean over independent seeds."""
    import tomllib

    from tests.conftest import dump_toml

    draws = _size(benchmark, 10_000, 500)
    reps = _size(benchmark, 16, 3)
    data = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))
    paths = {}
    for samp in ("random", "lhs"):
        data["simulation"]["sampling"] = samp
        paths[samp] = tmp_path / f"{samp}.toml"
        paths[samp].write_text(dump_toml(data), encoding="utf-8")
    k = 2015 - 2011
    result = {}

    def go():
        for samp, p in paths.items():
            means = []
            for seed in range(reps):
                plan = compile_plan(scenario.load(p).with_run_options(draws=draws, seed=seed))
                means.append(engine.run_range(plan, 0, draws, 2).kept["benefit"][:, k].mean())
            result[samp] = float(np.std(means, ddof=1))

    benchmark.pedantic(go, rounds=1, iterations=1)
    assert result["lhs"] > 0 and result["random"] > 0
    if not benchmark.disabled:
        assert result["lhs"] < result["random"], result
    benchmark.extra_info.update(draws=draws, replications=reps, se_random=result["random"], se_lhs=result["lhs"])


@pytest.fixture(scope="module")
def first_run_cache(tmp_path_factory):
    """An empty numba cache folder shared by the cold and the warm row (the cold row fills it)."""
    return tmp_path_factory.mktemp("numba-cache")


@pytest.mark.benchmark(group="first run")
@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_first_run(benchmark, first_run_cache, cache):
    """`python -m simengine run scenarios/2015.toml --draws 10000` in a fresh process: "cold" with an
    empty numba cache (every kernel compiled), then "warm" with the cache the cold row filled; the
    ratio of the two rows is the first run's extra wait. benchmarks/first_run.py prints the same with
    the compilations and their times. Skipped in the smoke run (compiling takes minutes)."""
    if benchmark.disabled:
        pytest.skip("compiles every kernel: benchmarks only")
    out = first_run_cache.parent / f"first-run-{cache}"
    env = {"NUMBA_CACHE_DIR": str(first_run_cache), "SIMENGINE_NUMBA_CACHE_DIR": ""}
    result = {}

    def go():
        result["wall"], _ = _run_cli(["run", str(SCENARIO), "--draws", "10000", "--out", str(out), "--quiet"], env)

    benchmark.pedantic(go, rounds=1, iterations=1)
    import json

    assert json.loads((out / "run.json").read_text())["results_digest"]
    benchmark.extra_info.update(draws=10_000, cache=cache)
