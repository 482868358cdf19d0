"""The block driver (simengine.core.driver): one options object, one merge, one manifest; compare and
--precision on a Dask cluster give the same bits as in this process; sweep and plain runs unchanged.

The cluster tests share a LocalCluster of 2 worker processes x 1 thread, built as in
tests/cli/test_distributed.py, and reach it through its address (``scheduler=``, as ``--scheduler``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import pytest

import simengine
from simengine import api
from simengine.analysis.results import results_digest
from simengine.cli.main import main
from simengine.core import driver, engine
from simengine.errors import ConfigError
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario
from simengine.scenario.limits import MAX_DRAWS
from tests import digests

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"

#: recorded with the five separate run loops, before the block driver: the driver must not change them
#: (one per kind of processor, tests/digests.py; the second from 0229e6d, which recorded the first, on it)
_FIRST = "recorded 2026-12-01 by 0229e6d (kind of processor not recorded)"
_ZNVER3 = "numpy SIMD X86_V3; LLVM cpu znver3 (0229e6d on it, 2026-12-02)"
SWEEP_DIGEST = {
    _FIRST: "1467418e36ed048ff037f773ce9ac687249cc763fced6046bbef46c1316e106b",
    _ZNVER3: "16d9fd234d7324b1a45b99814093737ba890a5276308ead8a86628fe9afdf046",
}
SWEEP_TABLE_DIGEST = {
    _FIRST: "31009a8ff0a476c42f1e752d0029a41f973f8b286e5d6bd05097141460f37429",
    _ZNVER3: "8906cf03d87ca8ef0339d98f054d699a6471eb943b025c0f773b70d09cfdec76",
}
RUN_DIGEST = {  # small.toml, 300 draws, seed 5
    _FIRST: "0052b9f344894e6e7cb273078278a19c3a39c7648f514c87667de09d6d9133aa",
    _ZNVER3: "87a0583b427d77f2021170455b649e81c845fa7a6040f4ff8362eff0d206f503",
}
RUN_JSON_KEYS = [
    "scenario_file",
    "scenario_sha256",
    "scenario",
    "seed",
    "draws",
    "sampling",
    "threads",
    "command",
    "created",
    "timings_seconds",
    "versions",
    "platform",
    "stream_version",
    "scheduler",
    "scenario_path_absolute",
    "scenario_files",
    "keep_draws",
    "cut_threshold",
    "results_digest",
    "precision",
]


def _one_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


# -- options ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw,fragment",
    [
        ({"draws": 0}, "run: draws must be between 1 and 1,000,000,000, got 0"),
        ({"draws": MAX_DRAWS + 1}, "run: draws must be at most 1,000,000,000"),
        ({"draws": 2.5}, "run: draws must be a whole number"),
        ({"draws": True}, "run: draws must be a whole number"),
        ({"seed": -1}, "run: seed must be between 0"),
        ({"threads": 0}, "run: threads must be >= 1"),
        ({"threads": 10_000}, "run: threads must be between 1 and"),
        ({"chunk": 0}, "run: chunk must be >= 1"),
        ({"precision": 0.0}, "run: precision must be between 0 and 1"),
        ({"precision": float("nan")}, "run: precision must be between 0 and 1"),
        ({"precision": 0.01, "draws": 10}, "run: draws is not used with precision"),
        ({"max_draws": 10}, "run: max_draws is only used with precision"),
        ({"precision": 0.01, "max_draws": MAX_DRAWS + 1}, "run: max_draws must be at most 1,000,000,000"),
        ({"block_draws": 100}, "run: block_draws is only used with scheduler"),
        ({"connect_timeout": 3.0}, "run: connect_timeout is only used with scheduler"),
        ({"scheduler": "bogus"}, "--scheduler: the address needs a port"),
        ({"scheduler": "local:0"}, "--scheduler: local:N needs"),
        ({"scheduler": "tcp://h:8786", "connect_timeout": 1e308}, "run: connect_timeout must be > 0 and at most 3600"),
        ({"scheduler": "tcp://h:8786", "block_draws": 0}, "run: block_draws must be between 1 and"),
    ],
)
def test_options_reject_bad_values_with_one_line(kw, fragment):
    with pytest.raises(ConfigError) as exc:
        driver.RunOptions(via="run", **kw)
    assert len(exc.value.problems) == 1 and "\n" not in exc.value.problems[0]
    assert fragment in exc.value.problems[0], exc.value.problems[0]


def test_options_are_frozen_and_name_options_as_the_command_line_does():
    opts = driver.RunOptions(via="cli", draws=100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.draws = 5  # type: ignore[misc]
    with pytest.raises(ConfigError, match=r"^--draws: must be at most 1,000,000,000"):
        driver.RunOptions(via="cli", draws=MAX_DRAWS + 1)
    with pytest.raises(ConfigError, match=r"^--max-draws: only used with --precision"):
        driver.RunOptions(via="cli", max_draws=5)


def test_draws_above_the_cap_are_refused_by_the_api_whatever_the_way_in():
    sc = simengine.load(SMALL)
    with pytest.raises(ConfigError, match="at most 1,000,000,000"):
        simengine.run(sc, draws=MAX_DRAWS + 1)
    with pytest.raises(ConfigError, match="at most 1,000,000,000"):
        simengine.compare_scenarios(sc, sc, draws=MAX_DRAWS + 1)
    with pytest.raises(ConfigError, match="at most 1,000,000,000"):
        simengine.sweep_grid(sc, {"regimes.retention_share": [0.25]}, draws=MAX_DRAWS + 1)
    # a Scenario changed past the loader's checks is still refused before any draw
    big = dataclasses.replace(sc, draws=2**31)
    with pytest.raises(ConfigError, match="simulation.draws: .*at most 1,000,000,000"):
        simengine.run(big)
    with pytest.raises(ConfigError, match="simulation.draws"):
        simengine.compare_scenarios(big, sc, seed=1)
    # and the engine's block function itself refuses a block the int32 counts cannot hold
    plan = compile_plan(sc.with_run_options(draws=100))
    with pytest.raises(ConfigError, match="at most 1,000,000,000"):
        engine.run_range(plan, 0, MAX_DRAWS + 1, 1)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(SMALL), "--draws", str(MAX_DRAWS + 1)],
        ["run", str(SMALL), "--draws", "0"],
        ["run", str(SMALL), "--seed", "-3"],
        ["run", str(SMALL), "--threads", "0"],
        ["run", str(SMALL), "--precision", "1.5"],
        ["run", str(SMALL), "--precision", "0.01", "--max-draws", str(MAX_DRAWS + 1)],
        ["compare", str(SMALL), str(SMALL), "--draws", str(MAX_DRAWS + 1)],
        ["compare", str(SMALL), str(SMALL), "--block-draws", "100"],
        ["sweep", str(SMALL), "--set", "regimes.retention_share=0.25,0.5", "--draws", str(MAX_DRAWS + 1)],
        ["run", str(SMALL), "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "0"],
    ],
)
def test_bad_options_on_the_command_line_give_one_line_and_exit_2(argv, tmp_path, capsys):
    assert main(argv + ["--out", str(tmp_path / "o"), "--quiet", "--lang", "en"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("error: --"), line
    assert not (tmp_path / "o").exists()


def test_threads_are_set_for_a_block_and_restored():
    import numba

    before = numba.get_num_threads()
    with driver.numba_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    plan = compile_plan(scenario.load(SMALL).with_run_options(draws=50))
    engine.run_range(plan, 0, 50, 1)
    assert numba.get_num_threads() == before  # the engine no longer leaves its threads behind


# -- plain runs and sweeps unchanged ------------------------------------------------------------------------
def test_plain_run_manifest_and_numbers_unchanged(tmp_path):
    out = tmp_path / "o"
    assert main(["run", str(SMALL), "--draws", "300", "--seed", "5", "--out", str(out), "--quiet", "--no-report"]) == 0
    m = json.loads((out / "run.json").read_text())
    assert list(m) == RUN_JSON_KEYS
    digests.check(m["results_digest"], RUN_DIGEST, "run")
    assert m["scheduler"] is None and m["precision"] is None and isinstance(m["threads"], int)


def test_sweep_unchanged():
    ds, table = api.sweep_and_summary(
        SMALL, {"regimes.retention_share": [0.25, 0.75], "initiatives.fmk.delay": [0, 1.5]}, draws=1500, seed=3
    )
    digests.check(results_digest(ds), SWEEP_DIGEST, "sweep")
    digests.check(hashlib.sha256(table.write_csv().encode()).hexdigest(), SWEEP_TABLE_DIGEST, "sweep table")


def test_one_merge_grows_and_adopts():
    """The merger of the adaptive run (blocks expected step by step) equals one of all blocks at once."""
    plan = compile_plan(scenario.load(SMALL).with_run_options(draws=1000))
    parts = [engine.run_range(plan, d0, 250, 1, keep_draws=600, store_inputs=300) for d0 in range(0, 1000, 250)]
    grown = driver.Merger(plan, 0, 600, 300)
    for p in parts:
        grown.expect([(p.d0, p.n)])
        grown.add(p)
    ref = engine.run(plan, threads=1, keep_draws=600, store_inputs=300)
    raw = grown.raw(threads=1, chunk=1, seconds=0.0)
    for name in engine.ACC_FIELDS:
        assert (getattr(raw.acc, name) == getattr(ref.acc, name)).all(), name
    for name in engine.PER_DRAW + ("inputs",):
        assert getattr(raw, name).tobytes() == getattr(ref, name).tobytes(), name


# -- on a LocalCluster of 2 processes x 1 thread --------------------------------------------------------------
@pytest.fixture(scope="module")
def address():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40)
    client = Client(cluster, set_as_default=False)
    try:
        client.wait_for_workers(2, timeout=60)
        yield cluster.scheduler_address
    finally:
        client.close()
        cluster.close()


INFORMATIVE = ("created", "command", "seconds", "scheduler", "blocks", "block_draws", "workers", "threads")


def _drop(ds):
    return ds.drop_attrs().assign_attrs(
        {k: v for k, v in ds.attrs.items() if k not in INFORMATIVE and not k.startswith("seconds_")}
    )


def test_compare_on_a_cluster_is_bit_identical(address):
    import xarray as xr

    sc = simengine.load(SMALL)
    b = simengine.variant(sc, {"regimes.retention_share": 0.25, "initiatives.fmk.delay": 1.5})
    here = simengine.compare_scenarios(sc, b, draws=2500, seed=4)
    there = simengine.compare_scenarios(sc, b, draws=2500, seed=4, scheduler=address, block_draws=700)
    xr.testing.assert_identical(_drop(here), _drop(there))
    assert results_digest(here) == results_digest(there)
    assert there.attrs["scheduler"] == f"Dask scheduler {address}" and there.attrs["blocks"] == 4


def test_cli_compare_with_scheduler(address, tmp_path, capsys):
    import xarray as xr

    base = ["compare", str(SMALL), str(SMALL), "--draws", "1200", "--quiet", "--no-report"]
    assert main(base + ["--out", str(tmp_path / "here")]) == 0
    assert main(base + ["--out", str(tmp_path / "there"), "--scheduler", address]) == 0, capsys.readouterr().err
    with (
        xr.open_dataset(tmp_path / "here" / "comparison.nc", engine="h5netcdf") as a,
        xr.open_dataset(tmp_path / "there" / "comparison.nc", engine="h5netcdf") as b,
    ):
        assert results_digest(a) == results_digest(b)
    ma = json.loads((tmp_path / "here" / "run.json").read_text())
    mb = json.loads((tmp_path / "there" / "run.json").read_text())
    assert list(ma) == list(mb) and ma["scheduler"] is None and mb["scheduler"] == f"Dask scheduler {address}"


def test_precision_on_a_cluster_is_bit_identical(address):
    sc = simengine.load(SMALL)
    here = simengine.run(sc, precision=0.08, max_draws=200_000, analyses=False)
    there = simengine.run(sc, precision=0.08, max_draws=200_000, analyses=False, scheduler=address, block_draws=20_000)
    assert results_digest(here) == results_digest(there)
    a, b = json.loads(here.attrs["precision_info"]), json.loads(there.attrs["precision_info"])
    assert a == b and a["draws"] % 65_536 == 0
    assert there.attrs["blocks"] == 4 * (a["draws"] // 65_536)  # each step of 65,536 draws in blocks of 20,000


def test_qmc_precision_on_a_cluster_is_bit_identical(address):
    """Replicated QMC on the cluster: blocks of 20,000 draws cut replicates of 4,096 anywhere, and
    a draw's point depends only on its index, so the results and the stopping rule's replicate
    half-widths are the same bits as here."""
    from dataclasses import replace

    sc = replace(simengine.load(SMALL), sampling="qmc")
    here = simengine.run(sc, precision=0.08, max_draws=200_000, analyses=False)
    there = simengine.run(sc, precision=0.08, max_draws=200_000, analyses=False, scheduler=address, block_draws=20_000)
    assert results_digest(here) == results_digest(there)
    a, b = json.loads(here.attrs["precision_info"]), json.loads(there.attrs["precision_info"])
    assert a == b and a["draws"] % 65_536 == 0 and here.attrs["sampling"] == "qmc"


def test_cli_precision_with_scheduler(address, tmp_path, capsys):
    base = ["run", str(SMALL), "--precision", "0.1", "--quiet", "--no-report"]
    assert main(base + ["--out", str(tmp_path / "here")]) == 0
    assert main(base + ["--out", str(tmp_path / "there"), "--scheduler", address]) == 0, capsys.readouterr().err
    a = json.loads((tmp_path / "here" / "run.json").read_text())
    b = json.loads((tmp_path / "there" / "run.json").read_text())
    assert a["results_digest"] == b["results_digest"] and a["precision"] == b["precision"]
    assert list(a) == list(b) == RUN_JSON_KEYS


if __name__ == "__main__":  # LocalCluster spawns processes: keep module import side-effect free
    sys.exit(pytest.main([__file__, "-q"]))
