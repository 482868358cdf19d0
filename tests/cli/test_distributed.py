"""Draws on a Dask cluster (simengine.core.distributed): bit-identical results, worker failure, errors.

A LocalCluster of 2 worker processes x 1 thread (this machine has 2 cores) is shared by the tests
of this module; the CLI tests that need their own cluster start one with ``--scheduler local:2``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from simengine.analysis.results import build_dataset, results_digest
from simengine.cli.main import main
from simengine.core import distributed as sd
from simengine.core import engine
from simengine.errors import ConfigError, RunError
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"
SCENARIO_2015 = ROOT / "scenarios" / "2015.toml"


def _plan(path: Path = SMALL, draws: int = 3000, **changes):
    sc = scenario.load(path).with_run_options(draws=draws)
    if changes:
        sc = dataclasses.replace(sc, **changes)
    return compile_plan(sc)


def assert_same_raw(a: engine.RawResults, b: engine.RawResults) -> None:
    """Every accumulator, every kept per-draw value and every stored input, bit for bit."""
    assert a.draws == b.draws and a.keep_draws == b.keep_draws
    for name in engine.ACC_FIELDS:
        x, y = getattr(a.acc, name), getattr(b.acc, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a.acc.overflow == b.acc.overflow
    for name in engine.PER_DRAW + ("inputs",):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape and x.tobytes() == y.tobytes(), name


# -- without a cluster ------------------------------------------------------------------------------
def test_parse_scheduler():
    assert sd.parse_scheduler("local:2").local_workers == 2
    assert sd.parse_scheduler("tcp://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
    assert sd.parse_scheduler("scheduler-host:8786").address == "scheduler-host:8786"
    for bad in ("local:", "local:0", "local:two", "tcp://host:port", "two words", ""):
        with pytest.raises(ConfigError, match="--scheduler"):
            sd.parse_scheduler(bad)


def test_default_blocks():
    cells_2015 = 30 * 98
    assert sd.default_block_draws(100_000, 2, cells_2015) == 50_000  # at least ~1e8 cells: 2 equal blocks
    assert sd.default_block_draws(1_000_000, 4, cells_2015) == 125_000  # 2 blocks per worker
    assert sd.default_block_draws(1_000, 8) == 1_000  # never more than the draws
    assert sd.default_block_draws(100_000, 8, 10**6) == 16_667  # 6 blocks of at least 2^14 draws (not 8)
    assert sd.default_block_draws(10**8, 4, cells_2015) == -(-(10**8) // 48)  # at most 2^21 draws, equal blocks
    for draws in (1, 999, 16_385, 99_999, 10**6 + 1, 10**9):
        for workers in (1, 2, 3, 7, 64):
            for cells in (1, 294, 2940, 10**6):
                b = sd.default_block_draws(draws, workers, cells)
                assert min(draws, sd.MIN_BLOCK_DRAWS) <= b <= max(sd.MAX_BLOCK_DRAWS, 1), (draws, workers, cells, b)
    bl = sd.blocks(1000, 300)
    assert bl == [(0, 300), (300, 300), (600, 300), (900, 100)]


def test_pack_roundtrip_and_merge_in_any_order():
    """Packed partials merged in shuffled order equal the single run and engine.assemble."""
    plan = _plan(draws=2000)
    ref = engine.run(plan, threads=1)
    bl = sd.blocks(2000, 333)
    parts = [engine.run_range(plan, d0, n, 1, keep_draws=plan.scenario.keep_draws) for d0, n in bl]
    for p in parts:
        back = sd.unpack(sd.pack(p))
        for name in engine.ACC_FIELDS:
            assert np.array_equal(getattr(back.acc, name), getattr(p.acc, name)), name
    kept, inputs, acc = engine.assemble(plan, parts, 2000, plan.scenario.keep_draws, engine.DEFAULT_STORE_INPUTS)
    for seed in (1, 2):
        order = list(range(len(parts)))
        random.Random(seed).shuffle(order)
        m = sd.Merger(plan, 2000, plan.scenario.keep_draws, engine.DEFAULT_STORE_INPUTS, bl)
        for k in order:
            m.add(sd.pack(parts[k]) if k % 2 else parts[k])  # packed and plain partials mix
        raw = m.raw(threads=1, chunk=engine.DEFAULT_CHUNK, seconds=0.0)
        assert_same_raw(raw, ref)
        for name in engine.ACC_FIELDS:
            assert np.array_equal(getattr(acc, name), getattr(raw.acc, name))
        assert np.array_equal(kept["benefit"], raw.benefit) and np.array_equal(inputs, raw.inputs)


def test_merger_refuses_a_repeated_or_missing_block():
    plan = _plan(draws=1000)
    bl = sd.blocks(1000, 500)
    m = sd.Merger(plan, 1000, 1000, 0, bl)
    p = engine.run_range(plan, 0, 500, 1, keep_draws=1000, store_inputs=0)
    m.add(sd.pack(p))
    with pytest.raises(RunError, match="repeated"):
        m.add(sd.pack(p))
    with pytest.raises(RunError, match="missing"):
        m.raw(threads=1, chunk=1, seconds=0)
    with pytest.raises(RunError, match="overlap|gap"):
        sd.Merger(plan, 1000, 1000, 0, [(0, 600), (500, 500)])


def test_in_process_executor_equals_run():
    plan = _plan(draws=1500)
    ref = engine.run(plan, threads=2)
    raw = sd.run(plan, sd.InProcess(1), block_draws=400)
    assert_same_raw(raw, ref)


def test_scheduler_without_dask_says_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code = main(
        [
            "run",
            str(SMALL),
            "--draws",
            "100",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
            "--no-report",
            "--scheduler",
            "local:2",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'simengine[dask]'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--scheduler", "local:0"], "--scheduler"),
        (["--scheduler", "local:3"], "at most 2 workers"),
        (["--scheduler", "local:2", "--threads", "2"], "exceed"),
        (["--block-draws", "1000"], "only used with --scheduler"),
        (["--connect-timeout", "3"], "only used with --scheduler"),
    ],
)
def test_bad_cluster_options_exit_2(tmp_path, capsys, args, needle):
    if "local:3" in args and engine.available_threads() != 2:
        pytest.skip("written for a 2-core machine")
    argv = ["run", str(SMALL), "--draws", "100", "--out", str(tmp_path / "o"), "--quiet", "--no-report", *args]
    code = main([*argv, "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_unreachable_scheduler_exits_1_within_the_timeout(tmp_path, capsys):
    pytest.importorskip("distributed")
    t0 = time.perf_counter()
    code = main(
        [
            "run",
            str(SMALL),
            "--draws",
            "100",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
            "--no-report",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--connect-timeout",
            "2",
            "--lang",
            "en",
        ]
    )
    secs = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --scheduler tcp://127.0.0.1:9: cannot reach"), err
    assert secs < 15, secs
    assert not (tmp_path / "o" / "results.nc").exists()


# -- on a LocalCluster of 2 processes x 1 thread ------------------------------------------------------
@pytest.fixture(scope="module")
def executor():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40)
    client = Client(cluster, set_as_default=False)
    try:
        client.wait_for_workers(2, timeout=60)
        yield sd.DaskExecutor(client, "test LocalCluster 2 x 1")
    finally:
        client.close()
        cluster.close()


@pytest.mark.parametrize("threads", [1, 2])
def test_identical_to_single_process(executor, threads):
    plan = _plan(draws=3000)
    ref = engine.run(plan, threads=threads)
    for block in (3000, 1000, 777, 64):
        raw = sd.run(plan, executor, block_draws=block)
        assert_same_raw(raw, ref)
        assert raw.timings["blocks"] == -(-3000 // block)
    assert raw.threads == 2  # 2 workers x 1 numba thread: never more threads than cores
    assert results_digest(build_dataset(raw)) == results_digest(build_dataset(ref))


def test_identical_when_only_some_draws_are_kept(executor):
    """Beyond keep_draws the national statistics come from the merged histograms."""
    plan = _plan(draws=4000, keep_draws=900)
    ref = engine.run(plan, threads=2)
    raw = sd.run(plan, executor, block_draws=500, store_inputs=300)
    ref300 = engine.run(plan, threads=1, store_inputs=300)
    assert_same_raw(raw, ref300)
    assert results_digest(build_dataset(raw)) == results_digest(build_dataset(ref))


@pytest.mark.skipif("lhs" not in getattr(scenario, "SAMPLINGS", ()), reason="no Latin hypercube sampling")
def test_identical_with_latin_hypercube_sampling(executor):
    plan = _plan(draws=2500, sampling="lhs")
    assert_same_raw(sd.run(plan, executor, block_draws=600), engine.run(plan, threads=2))


def test_each_task_uses_its_workers_threads(executor):
    job = sd.make_job(_plan(draws=100).scenario, 100, 0)
    futs = [executor.client.submit(sd.run_block, job, d0, 50, pure=False) for d0 in (0, 50)]
    parts = executor.client.gather(futs)
    assert [p.threads for p in parts] == [1, 1]  # worker nthreads = 1 -> 1 numba thread
    assert all(p.worker in executor.client.nthreads() for p in parts)


def test_cli_run_on_a_cluster_matches_the_plain_run(executor, tmp_path, capsys):
    address = executor.client.scheduler.address
    plain, dist = tmp_path / "plain", tmp_path / "dist"
    base = ["run", str(SMALL), "--draws", "2500", "--quiet", "--no-report"]
    assert main(base + ["--out", str(plain)]) == 0
    assert main(base + ["--out", str(dist), "--scheduler", address, "--block-draws", "600"]) == 0, (
        capsys.readouterr().err
    )
    a = json.loads((plain / "run.json").read_text())
    b = json.loads((dist / "run.json").read_text())
    assert a["results_digest"] == b["results_digest"]
    assert b["scheduler"] == f"Dask scheduler {address}" and a["scheduler"] is None
    import xarray as xr

    with xr.open_dataset(dist / "results.nc", engine="h5netcdf") as ds:
        assert ds.attrs["blocks"] == 5 and ds.attrs["block_draws"] == 600
    assert main(["check", str(dist / "run.json"), "--quiet"]) == 0  # re-run here: identical


def test_a_failing_task_gives_one_clear_error(executor, tmp_path):
    """A RunError raised on a worker (here: a mismatched simengine version) reaches the user as is."""
    plan = _plan(draws=200)
    job = dataclasses.replace(sd.make_job(plan.scenario, 200, 0), version="0.0.0-other")
    with pytest.raises(RunError, match="install the same version everywhere"):
        list(executor.imap_unordered([sd.Task(job, 0, 200)]))


def test_worker_killed_mid_run_is_rerun_with_identical_results(executor):
    """SIGKILL one worker process while it runs a block: Dask re-runs its blocks elsewhere (or on the
    restarted worker) and the merged result is still bit-identical."""
    client = executor.client
    plan = _plan(SCENARIO_2015, draws=6000)
    ref = engine.run(plan, threads=2)
    sd.run(plan, executor, block_draws=3000)  # warm both workers (plan cache, numba cache)
    pids = client.run(os.getpid)
    killed: list[int] = []

    def kill_a_busy_worker(n):
        if killed:
            return
        for addr, keys in client.processing().items():
            if keys and addr in pids:
                os.kill(pids[addr], signal.SIGKILL)
                killed.append(pids[addr])
                return

    raw = sd.run(plan, executor, block_draws=400, progress=kill_a_busy_worker)
    assert killed, "no worker was busy to be killed"
    assert_same_raw(raw, ref)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    assert killed[0] not in client.run(os.getpid).values()


def test_sweep_on_the_cluster_equals_the_local_sweep(executor):
    import xarray as xr

    from simengine.cli import sweep

    sets = ["regimes.retention_share=0.25,0.75", "initiatives.fmk.delay=0,1.5"]
    local, tl = sweep.sweep(SMALL, sets, draws=1500)
    for block in (None, 400):  # one task per variant, or blocks merged on the client
        dist, td = sweep.sweep(SMALL, sets, executor, draws=1500, block_draws=block)
        xr.testing.assert_identical(local.drop_attrs(), dist.drop_attrs())
        assert tl.equals(td)
    assert dist.attrs["scheduler"] == executor.description


def test_cli_sweep_on_a_cluster(executor, tmp_path, capsys):
    address = executor.client.scheduler.address
    args = ["sweep", str(SMALL), "--set", "regimes.retention_years=1,3", "--draws", "600", "--quiet"]
    assert main(args + ["--out", str(tmp_path / "local")]) == 0
    assert main(args + ["--out", str(tmp_path / "dist"), "--scheduler", address]) == 0, capsys.readouterr().err
    import polars as pl

    a = pl.read_parquet(tmp_path / "local" / "sweep_summary.parquet")
    b = pl.read_parquet(tmp_path / "dist" / "sweep_summary.parquet")
    assert a.equals(b) and b.height == 2
    assert json.loads((tmp_path / "dist" / "sweep.json").read_text())["scheduler"] == f"Dask scheduler {address}"


def _same_vars(a_path: Path, b_path: Path) -> list[str]:
    """The data variables of two NetCDF files, which must be equal bit for bit; their names."""
    import xarray as xr

    with xr.open_dataset(a_path, engine="h5netcdf") as a, xr.open_dataset(b_path, engine="h5netcdf") as b:
        assert sorted(a.data_vars) == sorted(b.data_vars)
        for v in a.data_vars:
            x, y = a[v].values, b[v].values
            assert x.shape == y.shape and x.tobytes() == y.tobytes(), v
        for k in ("ess", "conditioned_on", "known_by"):
            assert a.attrs.get(k) == b.attrs.get(k), k
        return list(a.data_vars)


@pytest.mark.parametrize("block", [None, "350"])
def test_update_and_backtest_on_a_cluster_match_the_plain_commands(executor, tmp_path, capsys, block):
    """update and backtest through the block driver on the cluster: the weights, every reweighted
    statistic, the inputs that moved and the scores are those of the commands run here, bit for bit
    (observations of go-live and adoption need the per-draw inputs of every kept draw)."""
    address = executor.client.scheduler.address
    obs = ROOT / "tests" / "data" / "observations_small.toml"
    on_cluster = ["--scheduler", address] + (["--block-draws", block] if block else [])
    for cmd, extra, out in (
        ("update", ["--known-by", "2015-01-01"], "results.nc"),
        ("backtest", ["--known-by", "2014-06-01"], "backtest.nc"),
    ):
        base = [cmd, str(SMALL), str(obs), "--draws", "1200", "--quiet", "--no-report"] + extra
        plain, dist = tmp_path / f"{cmd}-plain", tmp_path / f"{cmd}-dist"
        assert main(base + ["--out", str(plain)]) == 0, capsys.readouterr().err
        assert main(base + ["--out", str(dist)] + on_cluster) == 0, capsys.readouterr().err
        names = _same_vars(plain / out, dist / out)
        assert ("weight" in names and "updated_input_posterior_mean" in names) if cmd == "update" else "crps" in names
        import xarray as xr

        with xr.open_dataset(dist / out, engine="h5netcdf") as ds:
            assert ds.attrs["scheduler"] == f"Dask scheduler {address}"
            if block:
                assert ds.attrs["blocks"] == 4 and ds.attrs["block_draws"] == 350
    run = json.loads((tmp_path / "update-dist" / "run.json").read_text())
    assert run["scheduler"] == f"Dask scheduler {address}"
    assert main(["check", str(tmp_path / "update-dist" / "run.json"), "--quiet"]) == 0  # re-run here: identical


def test_update_and_backtest_from_python_on_a_cluster_match_here(executor):
    """simengine.update_forecast and simengine.backtest with scheduler= (and block_draws=): every
    variable of the results and of the scores equals the run in this process, bit for bit."""
    import simengine

    address = executor.client.scheduler.address
    obs = ROOT / "tests" / "data" / "observations_small.toml"
    for fn, known in ((simengine.update_forecast, "2015-01-01"), (simengine.backtest, "2014-06-01")):
        here = fn(SMALL, obs, known_by=known, draws=1200)
        there = fn(SMALL, obs, known_by=known, draws=1200, scheduler=address, block_draws=350, connect_timeout=30)
        assert sorted(here.data_vars) == sorted(there.data_vars)
        for v in here.data_vars:
            x, y = here[v].values, there[v].values
            assert x.shape == y.shape and x.tobytes() == y.tobytes(), (fn.__name__, v)
        assert there.attrs["scheduler"] == f"Dask scheduler {address}" and there.attrs["block_draws"] == 350
        assert here.attrs.get("ess") == there.attrs.get("ess")
    assert "weight" in here.data_vars or "crps" in here.data_vars


def test_update_and_backtest_from_python_check_the_cluster_options():
    """Bad scheduler=, block_draws=, connect_timeout=: ConfigError naming the function and the
    option, as run() does, before anything runs or connects."""
    import simengine

    obs = ROOT / "tests" / "data" / "observations_small.toml"
    for name, fn in (("update", simengine.update_forecast), ("backtest", simengine.backtest)):
        cases = [
            ({"block_draws": 100}, f"{name}: block_draws is only used with scheduler"),
            ({"connect_timeout": 5.0}, f"{name}: connect_timeout is only used with scheduler"),
            ({"scheduler": "local:0"}, "--scheduler"),
            ({"scheduler": 8786}, f"{name}: scheduler must be an address such as tcp://host:8786 or local:N"),
            ({"scheduler": "tcp://h:8786", "block_draws": 0}, f"{name}: block_draws must be between 1 and"),
            ({"scheduler": "tcp://h:8786", "block_draws": 2.5}, f"{name}: block_draws must be a whole number"),
            ({"scheduler": "tcp://h:8786", "connect_timeout": 0}, f"{name}: connect_timeout must be > 0"),
            ({"scheduler": "tcp://h:8786", "connect_timeout": 1e9}, f"{name}: connect_timeout must be > 0"),
        ]
        for kw, msg in cases:
            with pytest.raises(ConfigError) as exc:
                fn(SMALL, obs, known_by="2015-01-01", draws=500, **kw)
            text = str(exc.value)
            assert msg in text and "\n" not in text, (name, kw, text)


def test_update_cluster_options_are_checked_first(tmp_path, capsys):
    """--block-draws without --scheduler: exit 2 and one line, nothing written."""
    obs = ROOT / "tests" / "data" / "observations_small.toml"
    for cmd in ("update", "backtest"):
        out = tmp_path / cmd
        assert (
            main(
                [
                    cmd,
                    str(SMALL),
                    str(obs),
                    "--known-by",
                    "2015-01-01",
                    "--block-draws",
                    "100",
                    "--out",
                    str(out),
                    "--quiet",
                    "--lang",
                    "en",
                ]
            )
            == 2
        )
        err = capsys.readouterr().err.strip().splitlines()
        assert err == ["error: --block-draws: only used with --scheduler"] and not out.exists()


if __name__ == "__main__":  # LocalCluster spawns processes: keep module import side-effect free
    sys.exit(pytest.main([__file__, "-q"]))
