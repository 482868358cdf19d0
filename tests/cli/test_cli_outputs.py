"""The command line and the output contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import xarray as xr

from simengine.cli.main import main
from simengine.scenario.municipalities import builtin_text, parse

ROOT = Path(__file__).resolve().parents[2]


def test_builtin_municipalities():
    problems: list[str] = []
    m = parse(builtin_text(), "builtin", problems)
    assert problems == []
    assert len(m) == 98
    assert int(m.population.sum()) == 5_560_534
    assert len(set(m.codes.tolist())) == 98
    assert m.names[list(m.codes).index(101)] == "København"
    assert set(m.regions) == {
        "Region Hovedstaden",
        "Region Sjælland",
        "Region Syddanmark",
        "Region Midtjylland",
        "Region Nordjylland",
    }


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    code = main(["run", str(ROOT / "tests/data/small.toml"), "--draws", "1000", "--out", str(out), "--quiet"])
    assert code == 0
    return out


def test_results_contract(run_out):
    from simengine.outputs.store import open_results

    ds = open_results(run_out / "results.nc")  # with the variables the file derives on read (simengine.outputs.store)
    for c in (
        "year",
        "area",
        "municipality",
        "municipality_name",
        "region",
        "initiative",
        "initiative_name",
        "initiative_area",
        "quantile",
        "regime",
        "draw",
        "observed_year",
    ):
        assert c in ds.coords, c
    assert list(ds["regime"].values) == ["prebudgeted", "realised", "retention"]
    dims = {
        "benefit": ("draw", "year"),
        "net_benefit": ("draw", "year"),
        "area_benefit": ("draw", "area", "year"),
        "fte": ("draw", "year"),
        "npv": ("draw",),
        "target": ("year",),
        "area_target": ("area", "year"),
        "p_target": ("year",),
        "area_p_target": ("area", "year"),
        "expected_shortfall": ("year",),
        "municipality_benefit": ("quantile", "municipality", "year"),
        "municipality_benefit_mean": ("municipality", "year"),
        "initiative_benefit": ("quantile", "initiative", "year"),
        "initiative_benefit_mean": ("initiative", "year"),
        "central_gain": ("draw", "regime", "year"),
        "service_cut": ("draw", "regime", "year"),
        "observed": ("observed_year",),
        "observed_rank": ("observed_year",),
    }
    for name, d in dims.items():
        assert name in ds, name
        assert ds[name].dims == d, name
        assert ds[name].attrs.get("units") and ds[name].attrs.get("long_name"), name
    # every variable has a spec whose dims and units are the written ones (simengine.analysis.varspecs)
    from simengine.analysis.varspecs import SPECS, check

    assert check(ds) == []  # the coordinates too: each declared, with its units and long name
    assert all(ds[c].attrs.get("long_name") for c in ds.coords)
    assert ds["regime"].attrs["long_name"] == "budget regime (docs/model.md, Budget regimes)"
    for name, spec in SPECS.items():  # each declared interval was written beside its variable
        if name in ds and spec.interval is not None:
            assert all(v in ds for v in spec.interval_names()), name
    assert ds.sizes["draw"] == 1000 and ds.sizes["municipality"] == 98 and ds.sizes["initiative"] == 3
    for a in ("scenario", "seed", "draws", "sampling", "simengine_version", "scenario_sha256", "created"):
        assert a in ds.attrs, a
    assert ds.attrs["draws"] == 1000 and ds.attrs["seed"] == 7
    # derived quantities agree with the per-draw values
    b = ds["benefit"].values
    np.testing.assert_allclose(ds["p_target"].values, (b >= ds["target"].values).mean(axis=0))
    np.testing.assert_allclose(ds["fte"].values, b / 450_000)
    q = ds["municipality_benefit"].values
    assert np.all(np.diff(q, axis=0) >= 0)  # monotone in q
    assert np.all((ds["p_target"].values >= 0) & (ds["p_target"].values <= 1))
    short = np.maximum(0, ds["target"].values - b)
    worst = np.sort(short, axis=0)[-100:]  # 10 % of 1000 draws
    np.testing.assert_allclose(ds["expected_shortfall"].values, worst.mean(axis=0))
    col = b[:, list(ds["year"].values).index(2016)]
    assert ds["observed_rank"].values[0] == pytest.approx((col < 200e6).mean())
    ds.close()


def test_summary_parquet(run_out):
    df = pl.read_parquet(run_out / "summary.parquet")
    assert {"metric", "statistic", "year", "area", "municipality", "initiative", "regime", "quantile", "value"} <= set(
        df.columns
    )
    p = df.filter((pl.col("metric") == "p_target") & (pl.col("year") == 2016))["value"][0]
    ds = xr.open_dataset(run_out / "results.nc", engine="h5netcdf")
    assert p == pytest.approx(float(ds["p_target"].sel(year=2016)))
    mb = df.filter(
        (pl.col("metric") == "municipality_benefit")
        & (pl.col("municipality") == 101)
        & (pl.col("year") == 2015)
        & (pl.col("quantile") == 0.5)
    )["value"][0]
    assert mb == pytest.approx(float(ds["municipality_benefit"].sel(municipality=101, year=2015, quantile=0.5)))
    assert set(df.filter(pl.col("metric") == "service_cut")["regime"].unique()) == {
        "prebudgeted",
        "realised",
        "retention",
    }
    ds.close()


def test_run_manifest(run_out):
    m = json.loads((run_out / "run.json").read_text())
    assert m["seed"] == 7 and m["draws"] == 1000 and len(m["scenario_sha256"]) == 64
    assert "numba" in m["versions"]


def test_no_temporary_files_left(run_out):
    assert sorted(p.name for p in run_out.iterdir()) == [
        ".simengine-files.json",
        "charts",
        "negotiation.html",
        "report.html",
        "results.nc",
        "run.json",
        "summary.parquet",
        "summary.xlsx",
    ]
    assert [p.name for p in run_out.rglob("*") if p.name.startswith(".")] == [".simengine-files.json"]


def test_stdout_table(capsys, tmp_path):
    assert (
        main(["run", str(ROOT / "tests/data/small.toml"), "--draws", "200", "--out", str(tmp_path), "--lang", "en"])
        == 0
    )
    out = capsys.readouterr().out
    assert "P(target)" in out and "P10" in out and "P50" in out and "P90" in out
    # one row per year 2011-2016, in the table and in its Monte Carlo (±) table
    assert sum(1 for line in out.splitlines() if line.strip()[:4].isdigit()) == 12


def test_same_seed_same_file_contents(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert (
        main(
            ["run", str(ROOT / "tests/data/small.toml"), "--draws", "300", "--out", str(a), "--quiet", "--threads", "1"]
        )
        == 0
    )
    assert (
        main(
            [
                "run",
                str(ROOT / "tests/data/small.toml"),
                "--draws",
                "300",
                "--out",
                str(b),
                "--quiet",
                "--threads",
                "2",
                "--chunk",
                "77",
            ]
        )
        == 0
    )
    da = xr.open_dataset(a / "results.nc", engine="h5netcdf")
    db = xr.open_dataset(b / "results.nc", engine="h5netcdf")
    for v in da.data_vars:
        assert np.array_equal(da[v].values, db[v].values, equal_nan=da[v].dtype.kind == "f"), v  # NaN: undefined
    da.close()
    db.close()


def test_validate_command(capsys):
    assert main(["validate", str(ROOT / "tests/data/small.toml")]) == 0
    assert "ok" in capsys.readouterr().out


def test_module_entry_point_subprocess(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario\nname = 1\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "simengine", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NUMBA_NUM_THREADS": "2"},
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert str(bad) in r.stderr and "TOML" in r.stderr


def test_usage_errors_exit_2(capsys):
    assert main(["run"]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["run", str(ROOT / "tests/data/small.toml"), "--draws", "0"]) == 2
    assert main(["run", str(ROOT / "tests/data/small.toml"), "--threads", "999"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--threads" in err


def test_failed_run_keeps_previous_results(tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert main(["run", str(ROOT / "tests/data/small.toml"), "--draws", "200", "--out", str(out), "--quiet"]) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    import polars as pl

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", boom)  # summary.parquet, the last file written
    assert main(["run", str(ROOT / "tests/data/small.toml"), "--draws", "300", "--out", str(out), "--quiet"]) == 1
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # same files, same bytes, no temporaries
