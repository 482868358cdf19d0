"""How results.nc stores a run's Dataset: compressed, per-draw values in float32, no copies.

The Dataset of a run (simengine.analysis.results.build_dataset) holds every per-draw series a reader may
want, including some that are copies or constants by the model's definition (docs/model.md,
Budget regimes). The file stores each distinct number once:

* **Derived on read, not stored.** ``net_benefit`` (= ``benefit - cost``), ``fte``
  (= ``benefit / cost_per_fte``) and the budget-regime slices of ``central_gain``, ``service_cut``
  and ``regime_benefit`` that equal a stored series in every draw: central_gain under
  ``prebudgeted`` is the target, under ``realised`` the gross gain; service_cut under ``realised``
  and ``retention`` is 0; regime_benefit under ``prebudgeted`` and ``realised`` is the gross gain.
  A slice is left out only if it equals its rule exactly in this run; the others are stored as
  ``<name>_<regime>`` (draw, year), e.g. ``central_gain_retention``. The file's attribute
  ``derived_on_read`` and each stored slice's attributes say so.
* **Per-draw amounts in float32.** Every per-draw amount of money (a float variable with a ``draw``
  dimension and units DKK or DKK/year) is stored as float32: each value rounded to the nearest float32, a relative error of at most 2**-24
  (6.0e-8), i.e. below 150 DKK on a gain of 2 bn DKK/year. The attribute ``storage_precision``
  says so. Every statistic of the run (quantiles, means, probabilities, analyses) was computed
  from the float64 values in memory before writing and is stored in float64: the numbers of a run
  and its ``results_digest`` (run.json) do not depend on the storage.
* **Compression.** Every numeric variable of more than 4 KiB is stored with zlib (level 1) and
  the shuffle filter; HDF5 decompresses transparently, so ``xarray.open_dataset`` reads the file
  as it is. Level 1 writes a 10⁵-draw run 10 % faster than level 4 for a file 1.6 % larger
  (38.0 MB against 37.4 MB; benchmarks/README.md).

The digest of what the file holds (``results_digest`` of ``xarray.open_dataset``) therefore differs
from earlier versions' files (float32 per-draw amounts, fewer variables); run.json's
``results_digest`` is of the run's float64 Dataset and is unchanged, which ``check`` compares.

:func:`open_results` opens a file and puts the derived variables back (as float64), so the
``report``, ``ask`` and ``check`` commands see the Dataset that was written, up to the float32
rounding of the per-draw values. Files written before this scheme are read unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

# (variable, regime) -> what the slice equals in every draw by the model's definition (the
# regimes' declaration), and the per-regime variables
from simengine.model.structure import REGIME_RULES, REGIME_VARS

FORMAT = "simengine-store-1"
COMPRESSION = {"zlib": True, "complevel": 1, "shuffle": True}
MIN_COMPRESS_BYTES = 4096
PRECISION_NOTE = (
    "stored as float32: each value rounded to the nearest float32 (relative error at most "
    "2**-24 = 6.0e-08); the run's statistics were computed from the float64 values"
)

_RULE_TEXT = {
    "target": "the target path (variable target) in every draw",
    "benefit": "the national gross gain (variable benefit), draw by draw",
    "zero": "0 in every draw",
}


def _rule_value(ds: xr.Dataset, rule: str, like: xr.DataArray) -> xr.DataArray:
    if rule == "zero":
        return xr.zeros_like(like)
    return ds[rule].broadcast_like(like).transpose(*like.dims)


def _per_draw_float(da: xr.DataArray) -> bool:
    """A per-draw amount of money (stored as float32); other per-draw values, such as the importance
    weights of ``update``, stay float64."""
    return "draw" in da.dims and da.dtype.kind == "f" and str(da.attrs.get("units", "")).startswith("DKK")


def to_stored(ds: xr.Dataset) -> tuple[xr.Dataset, dict[str, dict]]:
    """The Dataset as results.nc stores it, and the encoding for ``to_netcdf`` (see the module doc)."""
    out = ds.copy()
    derived: dict[str, dict[str, Any]] = {}
    if (
        "benefit" in ds
        and "cost" in ds
        and "net_benefit" in ds
        and np.array_equal(ds["net_benefit"].values, ds["benefit"].values - ds["cost"].values)
    ):
        derived["net_benefit"] = {"rule": "benefit - cost"}
    cpf = float(ds.attrs.get("cost_per_fte") or 0.0)
    if "benefit" in ds and "fte" in ds and cpf > 0 and np.array_equal(ds["fte"].values, ds["benefit"].values / cpf):
        derived["fte"] = {"rule": "benefit / cost_per_fte"}
    for name in REGIME_VARS:
        if name not in ds or "regime" not in ds[name].dims or "draw" not in ds[name].dims:
            continue
        da = ds[name]
        kept: list[str] = []
        rules: dict[str, str] = {}
        for r in (str(x) for x in ds["regime"].values):
            rule = REGIME_RULES.get((name, r))
            sl = da.sel(regime=r, drop=True)
            if (
                rule is not None
                and (rule == "zero" or rule in ds)
                and np.array_equal(sl.values, _rule_value(ds, rule, sl).values)
            ):
                rules[r] = rule
            else:
                kept.append(r)
        if not rules:
            continue
        derived[name] = {"stored": kept, "derived": rules}
        for r in kept:
            v = f"{name}_{r}"
            out[v] = da.sel(regime=r, drop=True)
            out[v].attrs = {
                **da.attrs,
                "regime": r,
                "long_name": f"{da.attrs.get('long_name', name)} (regime {r})",
                "other_regimes": "; ".join(f"{name} under {k}: {_RULE_TEXT[x]}" for k, x in rules.items()),
            }
    for n in derived:
        derived[n]["attrs"] = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in ds[n].attrs.items()}
    out = out.drop_vars([n for n in derived if n in out])
    enc: dict[str, dict] = {}
    for key in list(out.variables):
        n, da = str(key), out[key]
        e: dict = {}
        if _per_draw_float(da):
            e["dtype"] = "float32"
            out[n].attrs["storage_precision"] = PRECISION_NOTE
        if da.dtype.kind in "fiub" and da.nbytes > MIN_COMPRESS_BYTES:
            e.update(COMPRESSION)
        if e:
            enc[n] = e
    if derived:
        out.attrs["derived_on_read"] = json.dumps(derived, default=str)
        notes = []
        for k, d in derived.items():
            if "rule" in d:
                notes.append(f"{k} = {d['rule']}")
            else:
                notes.append(
                    f"{k} (draw, regime, year): "
                    + ", ".join(
                        [f"{r}: stored as {k}_{r}" for r in d["stored"]]
                        + [f"{r}: {_RULE_TEXT[x]}" for r, x in d["derived"].items()]
                    )
                )
        out.attrs["derived_on_read_note"] = (
            "variables not stored because they follow from stored ones: "
            + "; ".join(notes)
            + " (simengine.outputs.store.open_results puts them back)"
        )
    out.attrs["storage"] = FORMAT
    return out, enc


def write(ds: xr.Dataset, path: str | Path) -> None:
    """Write the results Dataset to ``path`` in the stored form.

    The same file as ``to_netcdf(path, engine="h5netcdf", encoding=...)`` writes, byte for byte
    (tests/unit/test_store.py), through the same store, opened here with a lock of this process:
    ``to_netcdf`` asks dask, where it is installed, for a lock fit for its scheduler, which imports
    ``dask.distributed`` (0.12 s) for a file of numpy arrays that only this process writes."""
    import threading

    from xarray.backends import H5NetCDFStore

    stored, enc = to_stored(ds)
    store = H5NetCDFStore.open(str(path), mode="w", lock=threading.Lock())
    try:
        stored.dump_to_store(store, encoding=enc)
    finally:
        store.close()


def from_stored(ds: xr.Dataset) -> xr.Dataset:
    """Put back the variables that results.nc derives on read (a loaded Dataset in, a new one out)."""
    if ds.attrs.get("storage") != FORMAT:  # written before this scheme: read as it is
        return ds
    derived = json.loads(ds.attrs.get("derived_on_read") or "{}")
    ds = ds.copy()
    for n in list(ds.variables):  # per-draw values: float32 in the file, float64 in memory as in a run
        if _per_draw_float(ds[n]) and ds[n].dtype != np.float64:
            ds[n] = ds[n].astype(np.float64)
            ds[n].attrs = {k: v for k, v in ds[n].attrs.items() if k != "storage_precision"}
    dropped: list[str] = []
    for name, how in derived.items():
        if name == "net_benefit":
            ds[name] = ds["benefit"] - ds["cost"]
        elif name == "fte":
            ds[name] = ds["benefit"] / float(ds.attrs["cost_per_fte"])
        else:
            parts = []
            for r in (str(x) for x in ds["regime"].values):
                if r in how["derived"]:
                    parts.append(_rule_value(ds, how["derived"][r], ds["benefit"]).astype(np.float64))
                else:
                    parts.append(ds[f"{name}_{r}"])
                    dropped.append(f"{name}_{r}")
            da = xr.concat([p.reset_coords(drop=True) for p in parts], dim="regime")
            ds[name] = da.transpose("draw", "regime", "year").assign_coords(regime=ds["regime"])
        ds[name].attrs = dict(how.get("attrs", {}))
    ds = ds.drop_vars(dropped)
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in ("derived_on_read", "derived_on_read_note", "storage")}
    return ds


def open_results(path: str | Path) -> xr.Dataset:
    """Open a results file fully into memory (and close it), with the derived variables put back."""
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        ds = ds.load()
    return from_stored(ds)


def round_trip(ds: xr.Dataset) -> xr.Dataset:
    """The Dataset as :func:`open_results` would read it back from the file :func:`write` writes
    (per-draw values rounded to float32), without writing: ``ask`` on a Dataset in memory answers
    from the same numbers as ``ask`` on its results.nc."""
    if ds.attrs.get("storage"):
        return ds
    stored, enc = to_stored(ds)
    for n, e in enc.items():
        if e.get("dtype") == "float32":
            stored[n] = stored[n].astype(np.float32)
    return from_stored(stored)
