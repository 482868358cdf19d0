"""The Python API (simengine.api, re-exported by ``import simengine``): the same numbers as the
command line, variants built in code equal to the same variant written as an ``extends`` file,
errors as data, the worked examples in docs/examples/, and ``mypy --strict`` on the API module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import simengine
from simengine.analysis.results import results_digest
from simengine.cli.main import main
from simengine.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"
EXAMPLES = ROOT / "docs" / "examples"
#: a variant of small.toml as a file and as the same changes in code
CHILD = """extends = "{base}"

[regimes]
retention_share = 0.3

[[initiatives]]
id = "osb-1"
legislation = {{ probability = 0.0, delay = 0.0 }}
"""
CHANGES = {"regimes.retention_share": 0.3, "initiatives.osb-1.legislation": {"probability": 0.0, "delay": 0.0}}


@pytest.fixture
def child(tmp_path: Path) -> Path:
    p = tmp_path / "child.toml"
    p.write_text(CHILD.format(base=SMALL.as_posix()), encoding="utf-8")
    return p


def data_equal(a: xr.Dataset, b: xr.Dataset) -> None:
    """Every variable and coordinate identical, bit for bit (attributes aside)."""
    assert sorted(a.variables) == sorted(b.variables)
    for name in a.variables:
        va, vb = np.asarray(a[name].values), np.asarray(b[name].values)
        assert a[name].dims == b[name].dims, name
        if va.dtype.kind in "OUS":
            assert va.tolist() == vb.tolist(), name
        else:
            assert va.dtype == vb.dtype and va.tobytes() == vb.tobytes(), name


# -- the API and the command line give the same numbers ---------------------------------------------
def test_run_equals_the_run_command(tmp_path):
    out = tmp_path / "run"
    assert (
        main(["run", str(SMALL), "--draws", "3000", "--seed", "11", "--out", str(out), "--no-report", "--quiet"]) == 0
    )
    manifest = json.loads((out / "run.json").read_text())
    ds = simengine.run(simengine.load(SMALL), draws=3000, seed=11, threads=1)  # threads do not matter
    assert results_digest(ds) == manifest["results_digest"]
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as nc:
        for name in (
            "benefit",
            "npv",
            "regime_benefit_retention",
            "benefit_quantile",
            "p_target",
        ):  # simengine.outputs.store
            mem = ds[name] if name in ds else ds["regime_benefit"].sel(regime="retention", drop=True)
            want = mem.values.astype(np.float32) if "draw" in mem.dims else mem.values  # per-draw: float32 on disk
            assert nc[name].dtype == want.dtype and np.array_equal(nc[name].values, want), name
    assert ds.attrs["seed"] == 11 and ds.attrs["draws"] == 3000
    assert "scenario_changes" not in ds.attrs and "scenario_changes" not in manifest


def test_compare_equals_the_compare_command(tmp_path, child):
    out = tmp_path / "cmp"
    assert main(["compare", str(SMALL), str(child), "--draws", "2000", "--out", str(out), "--quiet"]) == 0
    ds = simengine.compare_scenarios(SMALL, simengine.load(child), draws=2000)
    with xr.open_dataset(out / "comparison.nc", engine="h5netcdf") as nc:
        data_equal(nc.load(), ds)
    assert float(ds["difference_mean"].sel(year=2014)) != 0  # the variant changes something


def test_sweep_grid_equals_the_sweep_command(tmp_path):
    out = tmp_path / "sw"
    assert (
        main(
            [
                "sweep",
                str(SMALL),
                "--set",
                "regimes.retention_share=0.25,0.5",
                "--set",
                "initiatives.osb-1.delay=0,1",
                "--draws",
                "1500",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    sc = simengine.load(SMALL)
    ds = simengine.sweep_grid(
        sc, {"regimes.retention_share": [0.25, 0.5], "initiatives.osb-1.delay": [0, 1]}, draws=1500
    )
    same = simengine.sweep_grid(sc, ["regimes.retention_share=0.25,0.5", "initiatives.osb-1.delay=0,1"], draws=1500)
    with xr.open_dataset(out / "sweep.nc", engine="h5netcdf") as nc:
        nc = nc.load()
        for name in ("p_target", "benefit_quantile", "benefit_mean", "central_gain_mean", "npv_mean"):
            assert np.array_equal(nc[name].values, ds[name].values), name
            assert np.array_equal(same[name].values, ds[name].values), name
    assert list(ds["variant_label"].values) == list(nc["variant_label"].values)
    # each variant's numbers are those of run() on that variant
    one = simengine.run(
        simengine.variant(sc, {"regimes.retention_share": 0.5, "initiatives.osb-1.delay": 1}), draws=1500
    )
    k = list(ds["variant_label"].values).index("regimes.retention_share=0.5, initiatives.osb-1.delay=1")
    assert np.array_equal(ds["p_target"].values[k], one["p_target"].values)
    assert np.array_equal(ds["central_gain_mean"].values[k], one["central_gain_mean"].values)


# -- variants ---------------------------------------------------------------------------------------
def test_variant_in_code_equals_the_extends_file_draw_by_draw(child):
    in_code = simengine.variant(simengine.load(SMALL), CHANGES)
    from_file = simengine.load(child)
    a = simengine.run(in_code, draws=2500, seed=3)
    b = simengine.run(from_file, draws=2500, seed=3)
    assert a.sizes["draw"] == 2500  # every draw kept: compared draw by draw
    for name in ("benefit", "cost", "npv", "area_benefit", "central_gain", "service_cut", "regime_benefit"):
        assert np.array_equal(a[name].values, b[name].values), name
    assert results_digest(a) == results_digest(b)  # and every other result
    base = simengine.run(simengine.load(SMALL), draws=2500, seed=3)
    assert not np.array_equal(base["benefit"].values, a["benefit"].values)  # the change matters


def test_variant_forms_and_record():
    sc = simengine.load(SMALL)
    a = simengine.variant(sc, CHANGES)
    b = simengine.variant(
        sc, ["regimes.retention_share=0.3", "initiatives.osb-1.legislation={ probability = 0.0, delay = 0.0 }"]
    )
    c = sc.with_values(CHANGES)
    assert a.sha256 == b.sha256 == c.sha256 != sc.sha256
    assert a.retention_share == 0.3 and a.initiatives[0].legislation_probability == 0.0
    assert a.changes == (
        "regimes.retention_share=0.3",
        "initiatives.osb-1.legislation={ probability = 0.0, delay = 0.0 }",
    )
    assert simengine.variant(sc, {}) is sc
    # a variant of a variant, rebuilt from the recorded changes, is the same scenario
    twice = simengine.variant(simengine.variant(sc, {"regimes.retention_share": 0.3}), {"scenario.target": 2.5e8})
    assert simengine.rebuild(SMALL, twice.changes).sha256 == twice.sha256
    assert simengine.variant(sc, {"regimes.retention_share": 0.3, "scenario.target": 2.5e8}).sha256 == twice.sha256
    assert twice.target == 2.5e8 and twice.retention_share == 0.3
    # numpy scalars and tuples are plain values; draws and seed stay the base's unless [simulation] changes
    d = simengine.variant(
        sc.with_run_options(draws=123, seed=9), {"municipal.optimal_population": (np.int64(60_000), 100_000)}
    )
    assert d.optimal_population == (60_000, 100_000) and (d.draws, d.seed) == (123, 9)
    assert simengine.variant(sc, {"simulation.draws": 777}).draws == 777
    # the same variant made by a sweep has the same sha256
    from simengine.cli import sweep

    v = sweep.build_variants(SMALL, [sweep.parse_set("regimes.retention_share=0.3")])[0]
    assert v.scenario.sha256 == simengine.variant(sc, {"regimes.retention_share": 0.3}).sha256


# -- errors -----------------------------------------------------------------------------------------
def test_config_error_is_a_value_error_with_problems(child, tmp_path):
    sc = simengine.load(SMALL)
    with pytest.raises(ValueError) as exc:
        simengine.variant(sc, {"initiatives.osb-1.delay": -1})
    err = exc.value
    assert isinstance(err, ConfigError) and isinstance(err, simengine.ConfigError)
    assert isinstance(err.problems, list) and len(err.problems) == 1 and "\n" not in err.problems[0]
    problem = err.problems[0]
    assert problem.startswith(f"variant initiatives.osb-1.delay=-1: {SMALL}: initiatives[0] (osb-1).delay: ")
    # the same message as a scenario file with that value
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{SMALL.as_posix()}"\n[[initiatives]]\nid = "osb-1"\ndelay = -1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as from_file:
        simengine.load(bad)
    assert [p.split(": ", 1)[1] for p in from_file.value.problems] == [problem.split(": ", 2)[2]]


@pytest.mark.parametrize(
    "call,needle",
    [
        (lambda sc: simengine.variant(sc, {"initiatives.osb1.delay": 1}), "no initiative with id 'osb1'; did you mean"),
        (lambda sc: simengine.variant(sc, {"regimes..share": 1}), "dotted keys"),
        (lambda sc: simengine.variant(sc, {"regimes.retention_share": object()}), "cannot use a value of type object"),
        (lambda sc: simengine.variant(sc, "regimes.retention_share=0.1,0.2"), "one value per key"),
        (lambda sc: simengine.variant(sc, {"regimes.retention_share": 2.0}), "regimes.retention_share"),
        (lambda sc: simengine.variant(sc, {"regimes": 1, "regimes.retention_share": 0.1}), "overlaps"),
        (lambda sc: simengine.run(sc, draws=0), "run: draws must be between 1 and 1,000,000,000, got 0"),
        (lambda sc: simengine.run(sc, seed=-1), "run: seed must be between 0"),
        (lambda sc: simengine.run(sc, draws=2.5), "run: draws must be a whole number"),
        (lambda sc: simengine.run(sc, draws=100, precision=0.01), "draws is not used with precision"),
        (lambda sc: simengine.run(42), "run: expected a Scenario"),
        (lambda sc: simengine.load("no/such.toml"), "no/such.toml: no such file"),
        (lambda sc: simengine.sweep_grid(sc, {}), "sweep_grid: give at least one key"),
        (
            lambda sc: simengine.sweep_grid(sc, {"regimes.retention_share": [0.5, 1.5]}),
            "sweep_grid regimes.retention_share=1.5: ",
        ),
        (lambda sc: simengine.write(xr.Dataset(), "outputs/never"), "write: expected the results of simengine.run"),
    ],
)
def test_bad_input_raises_config_error(call, needle):
    with pytest.raises(ConfigError) as exc:
        call(simengine.load(SMALL))
    assert any(needle in p for p in exc.value.problems), exc.value.problems
    assert all("\n" not in p for p in exc.value.problems)


# -- write ------------------------------------------------------------------------------------------
def test_write_a_variant_and_check_it(tmp_path, capsys):
    sc = simengine.variant(simengine.load(SMALL), CHANGES)  # two keys at once
    sc = simengine.variant(sc, {"regimes.retention_share": 0.35})  # and one of them again
    ds = simengine.run(sc, draws=1500, seed=5)
    files = simengine.write(ds, tmp_path / "out", report=False)  # the scenario rebuilt from ds.attrs
    assert sorted(p.name for p in files) == ["results.nc", "run.json", "summary.parquet"]
    m = json.loads((tmp_path / "out" / "run.json").read_text())
    assert m["scenario_changes"] == [*sc.changes] and len(sc.changes) == 3 and m["scenario_sha256"] == sc.sha256
    assert m["results_digest"] == results_digest(ds) and m["draws"] == 1500 and m["seed"] == 5
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == [".simengine-files.json"]
    assert main(["check", str(tmp_path / "out" / "run.json"), "--quiet"]) == 0  # reproduces the variant
    with pytest.raises(ConfigError, match="not the scenario the results were run from"):
        simengine.write(ds, tmp_path / "other", simengine.load(SMALL))
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").iterdir())


# -- documentation ----------------------------------------------------------------------------------
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_examples_run(example):
    """The worked examples, as scripts, with few draws (they read SIMENGINE_EXAMPLE_DRAWS)."""
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    assert "# %%" in text and "format_name: percent" in text  # jupytext percent format: opens as a notebook
    env = {**os.environ, "SIMENGINE_EXAMPLE_DRAWS": "1500", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, example], cwd=EXAMPLES, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "1,500" in r.stdout


def test_examples_are_listed():
    assert {p.name for p in EXAMPLES.glob("*.py")} == {"employment_legislation_on_time.py", "commit_at_90_percent.py"}


def test_mypy_strict_on_the_api_module(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--cache-dir",
            str(tmp_path / "mypy"),
            "simengine/api.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


def test_py_typed_is_shipped():
    assert (ROOT / "simengine" / "py.typed").is_file()
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in cfg["tool"]["setuptools"]["package-data"]["simengine"]
    assert "mypy" in " ".join(cfg["project"]["optional-dependencies"]["test"])


def test_public_names_have_numpydoc_docstrings():
    for name in (
        "load",
        "variant",
        "run",
        "write",
        "compare_scenarios",
        "sweep_grid",
        "rebuild",
        "backtest",
        "update_forecast",
        "ask_results",
    ):
        doc = getattr(simengine, name).__doc__ or ""
        for section in ("Parameters\n", "Returns\n", "Examples\n"):
            assert section in doc, (name, section)


def test_docstring_examples_run(tmp_path, monkeypatch):
    """Every example in the API's docstrings, as a doctest (outputs go to a temporary folder)."""
    import doctest

    import simengine.api

    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data").symlink_to(ROOT / "tests" / "data", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(simengine.api, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 15 and result.failed == 0


# -- backtest, update and ask from Python equal the commands ------------------------------------------
OBS_SMALL = ROOT / "tests" / "data" / "observations_small.toml"


def test_backtest_from_python_equals_the_command(tmp_path):
    bt = simengine.backtest(SMALL, OBS_SMALL, draws=800, seed=4)
    assert (
        main(
            [
                "backtest",
                str(SMALL),
                str(OBS_SMALL),
                "--draws",
                "800",
                "--seed",
                "4",
                "--out",
                str(tmp_path / "bt"),
                "--quiet",
            ]
        )
        == 0
    )
    with xr.open_dataset(tmp_path / "bt" / "backtest.nc", engine="h5netcdf") as f:
        for v in ("value", "pit", "crps"):
            np.testing.assert_array_equal(bt[v].values, f[v].values)


def test_update_from_python_equals_the_command(tmp_path):
    post = simengine.update_forecast(SMALL, OBS_SMALL, "2015-01-01", draws=1000, seed=2)
    assert (
        main(
            [
                "update",
                str(SMALL),
                str(OBS_SMALL),
                "--known-by",
                "2015-01-01",
                "--draws",
                "1000",
                "--seed",
                "2",
                "--out",
                str(tmp_path / "up"),
                "--no-report",
                "--quiet",
            ]
        )
        == 0
    )
    with xr.open_dataset(tmp_path / "up" / "results.nc", engine="h5netcdf") as f:
        np.testing.assert_array_equal(post["weight"].values, f["weight"].values)
        np.testing.assert_array_equal(post["benefit_quantile"].values, f["benefit_quantile"].values)
        assert post.attrs["ess"] == f.attrs["ess"]
    with pytest.raises(ConfigError):
        simengine.update_forecast(SMALL, OBS_SMALL, "not a date", draws=500)


def test_ask_in_memory_equals_ask_on_the_file(tmp_path):
    ds = simengine.run(SMALL, draws=1500, seed=9)
    simengine.write(ds, tmp_path / "out", report=False)
    year = int(ds["year"].values[-1])
    for kw in ({"certainty": 0.9}, {"at_least": float(ds["benefit"].values[:, -1].mean())}):
        a = simengine.ask_results(ds, year, **kw)
        b = simengine.ask_results(tmp_path / "out" / "results.nc", year, **kw)
        assert a == b
    assert simengine.api.ask is simengine.ask_results and simengine.api.update is simengine.update_forecast
    with pytest.raises(ConfigError):
        simengine.ask_results(ds, year, certainty=1.5)
