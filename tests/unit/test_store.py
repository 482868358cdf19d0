"""results.nc stores every distinct number once (simengine.outputs.store): no constant per-draw variable, no
variable that equals another, per-draw values in float32 and compressed; open_results gives back the
run's Dataset up to that rounding, and the run's own numbers do not depend on the storage."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import xarray as xr

from simengine.analysis.results import results_digest
from simengine.cli import runner
from simengine.outputs import store
from simengine.scenario import schema as scenario
from tests.conftest import DATA, ROOT

EPS32 = 2.0**-24  # largest relative rounding error of a float64 rounded to the nearest float32


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """2015.toml (every model choice on) at two draw counts, every draw kept, written as a run writes."""
    base = tmp_path_factory.mktemp("store")
    sc = scenario.load(ROOT / "scenarios" / "2015.toml")
    out = {}
    for n in (1_000, 3_000):
        ds = runner.simulate(sc.with_run_options(draws=n, seed=7), threads=2, analyses=False)
        path = base / f"r{n}.nc"
        store.write(ds, path)
        out[n] = (ds, path)
    return out


def _slices(da: xr.DataArray):
    """The variable itself and, per dimension other than draw and year, each of its slices."""
    yield da.name, da
    for d in da.dims:
        if d in ("draw", "year"):
            continue
        for i in range(da.sizes[d]):
            yield f"{da.name}[{d}={i}]", da.isel({d: i})


def test_no_constant_per_draw_variable_and_no_copies(runs):
    ds, path = runs[3_000]
    with xr.open_dataset(path) as f:  # a plain xarray read: what a user of the file sees
        per_draw = [f[n].load() for n in f.data_vars if "draw" in f[n].dims]
        fixed = {n: f[n].load() for n in f.data_vars if "draw" not in f[n].dims and f[n].dtype.kind == "f"}
    assert {
        "benefit",
        "cost",
        "area_benefit",
        "npv",
        "central_gain_retention",
        "service_cut_prebudgeted",
        "regime_benefit_retention",
    } <= {da.name for da in per_draw}
    for gone in ("net_benefit", "fte", "central_gain", "service_cut", "regime_benefit"):
        assert gone not in {da.name for da in per_draw}, gone
    pieces = [s for da in per_draw for s in _slices(da)]
    # an area whose initiatives promise nothing (2015.toml: the school area, target 0) gains 0 in every draw:
    # a slice of a variable, not a variable, and zlib stores it in a few bytes
    empty = {i for i in range(ds.sizes["area"]) if not ds["area_target"].values[i].any()}
    assert empty == {4}
    pieces = [(n, x) for n, x in pieces if not any(n.endswith(f"[area={i}]") for i in empty)]
    for name, x in pieces:
        v = x.values
        assert not (v == v[:1]).all(), f"{name} is the same in every draw"
        for fname, c in fixed.items():  # nor a stored constant such as the target path
            if set(c.dims) <= set(x.dims):
                assert not np.array_equal(v, c.broadcast_like(x).transpose(*x.dims).values), (name, fname)
    for (na, a), (nb, b) in itertools.combinations(pieces, 2):
        if a.shape == b.shape:
            assert not np.array_equal(a.values, b.values), f"{na} equals {nb}"
    # and the in-memory Dataset does have them, as the rules say
    for (var, regime), rule in store.REGIME_RULES.items():
        sl = ds[var].sel(regime=regime).values
        want = 0.0 if rule == "zero" else np.broadcast_to(ds[rule].values, sl.shape)
        assert np.array_equal(sl, np.broadcast_to(want, sl.shape)), (var, regime)


def _per_draw_values_per_draw(ds: xr.Dataset) -> int:
    """Distinct per-draw numbers of one draw: benefit, cost, potential and the three regime series
    that differ from them (Y each), gain and potential per area (A x Y each), the NPV."""
    Y, A = ds.sizes["year"], ds.sizes["area"]
    return 6 * Y + 2 * A * Y + 1


def test_file_size_per_kept_draw_is_below_float32_of_the_distinct_values(runs):
    (ds1, p1), (ds3, p3) = runs[1_000], runs[3_000]
    per_draw = (p3.stat().st_size - p1.stat().st_size) / (ds3.sizes["draw"] - ds1.sizes["draw"])
    bound = 4 * _per_draw_values_per_draw(ds3)  # float32, before compression: 4 bytes per distinct value
    # the earlier file: float64, uncompressed, with net_benefit, fte and all three regimes of three series
    Y, A = ds3.sizes["year"], ds3.sizes["area"]
    before = 8 * (Y * (5 + 2 * A + 9) + 1)
    assert per_draw < bound < before / 2, (per_draw, bound, before)


def test_open_results_gives_back_the_run_up_to_float32_rounding(runs):
    ds, path = runs[1_000]
    back = store.open_results(path)
    assert sorted(back.variables) == sorted(ds.variables)
    for n in ds.variables:
        a, b = ds[n], back[n]
        assert a.dims == b.dims and a.dtype == b.dtype, n
        if "draw" in a.dims and a.dtype.kind == "f":
            if n == "net_benefit":  # benefit - cost, each rounded
                tol = EPS32 * (np.abs(ds["benefit"].values) + np.abs(ds["cost"].values))
            else:
                tol = EPS32 * np.abs(a.values)
            assert (np.abs(a.values - b.values) <= tol).all(), n
        else:
            assert np.array_equal(a.values, b.values), n
    assert back.attrs.keys() == ds.attrs.keys()
    assert dict(back["central_gain"].attrs) == dict(ds["central_gain"].attrs)
    # the run's digest is of the in-memory float64 numbers: storing does not touch them
    d0 = results_digest(ds)
    store.write(ds, path.with_name("again.nc"))
    assert results_digest(ds) == d0
    with xr.open_dataset(path) as f:
        assert f["benefit"].dtype == np.float32 and "float32" in f["benefit"].attrs["storage_precision"]
        assert (
            "central_gain" in f.attrs["derived_on_read_note"]
            and "retention" in f["central_gain_retention"].attrs["regime"]
        )


def test_plain_xarray_reads_back_exactly_what_was_stored(runs):
    """Compression loses nothing: every variable a plain ``xarray.open_dataset`` reads from results.nc
    equals, bit for bit, the stored form of the run's in-memory Dataset (store.to_stored: per-draw
    amounts rounded to float32, the rest as computed), and the large ones are compressed as said."""
    ds, path = runs[3_000]
    stored, enc = store.to_stored(ds)
    with xr.open_dataset(path) as f:
        assert sorted(f.variables) == sorted(stored.variables)
        compressed = 0
        for n in stored.variables:
            want, got = stored[n].values, f[n].values
            if enc.get(str(n), {}).get("dtype") == "float32":
                want = want.astype(np.float32)
            if want.dtype.kind in "fiub":
                assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), n
            else:
                assert got.tolist() == want.tolist(), n
            if enc.get(str(n), {}).get("zlib"):
                assert f[n].encoding.get("zlib") and f[n].encoding.get("complevel") == store.COMPRESSION["complevel"], n
                compressed += 1
        assert compressed >= 10 and {"benefit", "area_benefit"} <= {n for n in enc if enc[n].get("zlib")}


def test_write_gives_the_file_to_netcdf_writes(runs, tmp_path):
    """store.write opens xarray's h5netcdf store itself (a lock of this process, not dask's): the file
    is the one ``to_netcdf`` writes with the same encoding, byte for byte."""
    ds, path = runs[1_000]
    stored, enc = store.to_stored(ds)
    ref = tmp_path / "ref.nc"
    stored.to_netcdf(ref, engine="h5netcdf", encoding=enc)
    assert path.read_bytes() == ref.read_bytes()


def test_ask_in_memory_and_on_the_file_agree_and_old_files_read_as_they_are(runs, tmp_path):
    from simengine.cli.ask import ask

    ds, path = runs[1_000]
    year = int(ds["year"].values[-1])
    x = float(np.median(ds["benefit"].values[:, -1]))
    assert ask(ds, year, at_least=x) == ask(path, year, at_least=x)
    old = tmp_path / "old.nc"  # a file written before simengine.outputs.store: read unchanged
    ds.to_netcdf(old, engine="h5netcdf")
    back = store.open_results(old)
    assert results_digest(back) == results_digest(ds)


def test_small_scenario_round_trip_through_the_run_command(tmp_path):
    from simengine.cli.main import main

    out = tmp_path / "run"
    assert main(["run", str(DATA / "small.toml"), "--draws", "500", "--out", str(out), "--quiet"]) == 0
    assert main(["report", str(out / "results.nc"), "--out", str(tmp_path / "rep"), "--quiet"]) == 0
    assert main(["check", str(out / "run.json"), "--quiet"]) == 0


def test_check_names_the_variables_that_differ_from_the_stored_file(tmp_path):
    from simengine.cli.check import _differing

    sc = scenario.load(DATA / "small.toml").with_run_options(draws=300, seed=1)
    ds = runner.simulate(sc, threads=1, analyses=False)
    path = tmp_path / "r.nc"
    store.write(ds, path)
    assert _differing(ds, path) == []
    other = ds.copy(deep=True)
    other["p_target"].values[1] += 0.1
    other["npv"].values[5] += 1e6
    assert _differing(other, path) == ["npv", "p_target"]
