"""summary.parquet: the Dataset's statistics as a tidy table, with names beside the codes and the analyses' rows.

:func:`summary_table` builds one row per (metric, statistic, year, area/municipality/initiative/regime,
quantile) from the results Dataset (the negotiation outputs' rows by :func:`negotiation_frames`);
:func:`extend` adds

* ``area_name``, ``municipality_name``, ``initiative_name`` beside the codes (null where the row has
  no area / municipality / initiative);
* the sensitivity rows (``metric`` sensitivity / sensitivity_npv, statistic ``spearman``) and the
  tornado rows (tornado_low / tornado_high, tornado_npv_low / tornado_npv_high, statistic
  ``median``), one per sampled input, with the
  input in ``input`` (``osb-1.delay``), its kind in ``input_kind`` and its initiative in ``initiative``;
* the waterfall rows (waterfall / waterfall_p50 national, area_waterfall, initiative_waterfall), one
  per cause, the cause's key in ``cause`` and its English name in ``cause_name``;

and makes sure every row says its unit (``unit``: DKK/year, DKK, FTE, 1, year).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import xarray as xr

from simengine.analysis.varspecs import summary_specs

NAME_COLUMNS = ("area_name", "municipality_name", "initiative_name")
EXTRA_COLUMNS = NAME_COLUMNS + ("input", "input_kind", "cause", "cause_name")
#: summary.parquet's columns before the names are added (:func:`extend`), and with the analysis rows' own
SCHEMA = {
    "metric": pl.Utf8,
    "statistic": pl.Utf8,
    "regime": pl.Utf8,
    "year": pl.Int64,
    "area": pl.Utf8,
    "municipality": pl.Int64,
    "initiative": pl.Utf8,
    "quantile": pl.Float64,
    "value": pl.Float64,
    "unit": pl.Utf8,
}
ANALYSIS_SCHEMA = {**SCHEMA, "input": pl.Utf8, "input_kind": pl.Utf8, "cause": pl.Utf8, "cause_name": pl.Utf8}


def _names(ds: xr.Dataset, dim: str, coord: str) -> dict:
    if dim not in ds.coords or coord not in ds.coords:
        return {}
    keys = ds[dim].values
    return {(int(k) if dim == "municipality" else str(k)): str(v) for k, v in zip(keys, ds[coord].values)}


def _analysis_rows(ds: xr.Dataset) -> list[pl.DataFrame]:
    frames = []
    year = None
    for v, metric, stat, _ in summary_specs("analysis"):  # the specs of layout "analysis"
        if v not in ds:
            continue
        da = ds[v]
        if "year" in da.dims:  # the analyses are of the target year
            da = da.sel(year=int(da.attrs.get("year", da["year"].values[-1])))
        yr = da.attrs.get("year", year)
        other = [d for d in da.dims]
        grids = np.meshgrid(*[np.arange(da.sizes[d]) for d in other], indexing="ij") if other else []
        n = int(np.prod(da.shape)) if other else 1
        idx = {d: grids[k].ravel() for k, d in enumerate(other)}

        def coord(dim: str, name: str, cast=str):
            if dim not in idx or name not in ds[v].coords and name not in ds.coords:
                return [None] * n
            vals = (ds[v].coords[name] if name in ds[v].coords else ds.coords[name]).values
            return [cast(vals[i]) for i in idx[dim]]

        initiative = coord("input", "input_initiative") if "input" in idx else coord("initiative", "initiative")
        initiative = [x if x else None for x in initiative]
        cols = {
            "metric": [metric] * n,
            "statistic": [stat] * n,
            "regime": [None] * n,
            "year": [int(yr) if yr is not None else None] * n,
            "area": coord("area", "area"),
            "municipality": [None] * n,
            "initiative": initiative,
            "quantile": [None] * n,
            "value": np.asarray(da.values, dtype=float).ravel(),
            "unit": [str(ds[v].attrs.get("units", ""))] * n,
            "input": coord("input", "input"),
            "input_kind": coord("input", "input_kind"),
            "cause": coord("cause", "cause"),
            "cause_name": coord("cause", "cause_name"),
        }
        frames.append(
            pl.DataFrame(
                cols,
                schema=ANALYSIS_SCHEMA,
            )
        )
    return frames


def extend(df: pl.DataFrame, ds: xr.Dataset) -> pl.DataFrame:
    """The summary table with names, the analyses' rows and a unit on every row."""
    for c in ("input", "input_kind", "cause", "cause_name"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c))
    frames = [df] + _analysis_rows(ds)
    out = pl.concat([f.select(df.columns) for f in frames])
    out = out.with_columns(
        pl.when(pl.col("unit").is_null() | (pl.col("unit") == ""))
        .then(pl.lit("1"))
        .otherwise(pl.col("unit"))
        .alias("unit")
    )
    for dim, coord, col, dtype in (
        ("area", "area_name", "area_name", pl.Utf8),
        ("municipality", "municipality_name", "municipality_name", pl.Int64),
        ("initiative", "initiative_name", "initiative_name", pl.Utf8),
    ):
        names = _names(ds, dim, coord)
        key = pl.col(dim)
        out = out.with_columns(
            key.cast(dtype).replace_strict(names, default=None, return_dtype=pl.Utf8).alias(col)
            if names
            else pl.lit(None, dtype=pl.Utf8).alias(col)
        )
    order = [
        "metric",
        "statistic",
        "regime",
        "year",
        "area",
        "area_name",
        "municipality",
        "municipality_name",
        "initiative",
        "initiative_name",
        "input",
        "input_kind",
        "cause",
        "cause_name",
        "quantile",
        "value",
        "unit",
    ]
    return out.select([c for c in order if c in out.columns] + [c for c in out.columns if c not in order])


# -- the tidy table ------------------------------------------------------------------------------
def summary_table(ds: xr.Dataset) -> pl.DataFrame:
    """One row per (metric, year, area/municipality/initiative/regime, quantile): the variables whose
    spec (simengine.analysis.varspecs) gives summary rows, their Monte Carlo intervals where the spec
    says so, and the ones split by regime or regime pair, one row set per regime (pair)."""
    frames = []
    items: list[tuple[xr.DataArray, str, str, str | None]] = []
    plain = [(v, metric, stat) for v, metric, stat, split in summary_specs() if split is None]
    items += [(ds[v], metric, stat, None) for v, metric, stat in plain if v in ds]
    for dim in ("regime", "regime_pair"):  # the regime column holds the regime, or the pair "b-a"
        split = [(v, metric, stat) for v, metric, stat, by in summary_specs() if by == dim and v in ds]
        for r in ds[dim].values if dim in ds.coords else ():
            items += [(ds[v].sel({dim: r}), metric, stat, str(r)) for v, metric, stat in split]
    for da, metric, stat, regime in items:
        if "observed_year" in da.dims:
            da = da.rename(observed_year="year")
        da = da.reset_coords(drop=True)
        grids = np.meshgrid(*[np.asarray(da[d].values) for d in da.dims], indexing="ij") if da.dims else []
        n = int(np.prod(da.shape)) if da.dims else 1
        cols = {
            "metric": [metric] * n,
            "statistic": [stat] * n,
            "regime": [regime] * n,
            "year": grids[list(da.dims).index("year")].ravel().astype(np.int64) if "year" in da.dims else [None] * n,
            "area": grids[list(da.dims).index("area")].ravel().astype(str) if "area" in da.dims else [None] * n,
            "municipality": (
                grids[list(da.dims).index("municipality")].ravel().astype(np.int64)
                if "municipality" in da.dims
                else [None] * n
            ),
            "initiative": (
                grids[list(da.dims).index("initiative")].ravel().astype(str) if "initiative" in da.dims else [None] * n
            ),
            "quantile": (
                grids[list(da.dims).index("quantile")].ravel().astype(float) if "quantile" in da.dims else [None] * n
            ),
            "value": np.asarray(da.values, dtype=float).ravel(),
            "unit": [str(ds[da.name].attrs.get("units", "")) if da.name in ds else "DKK/year"] * n,
        }
        frames.append(
            pl.DataFrame(
                cols,
                schema=SCHEMA,
            )
        )
    frames += negotiation_frames(ds)  # committable amounts, deductions, delivery
    return extend(pl.concat(frames), ds)  # names beside codes, analysis rows, a unit on every row


def negotiation_frames(ds: xr.Dataset) -> list:
    """summary.parquet rows of the negotiation outputs (the specs of layout "negotiation", with their
    intervals), in summary_table's columns. The amount at
    certainty c has quantile = 1 - c (statistic "amount_at_certainty", its interval
    "amount_at_certainty_ci_low/high"); the deduction grid's rows carry "upfront:<share>" in the
    regime column, the delivery deal its spec's ``summary_regime`` "delivery" (and its pairs
    "delivery-<regime>")."""
    items = [(ds[v], metric, stat, regime) for v, metric, stat, regime in summary_specs("negotiation") if v in ds]
    frames = []
    for da, metric, stat, regime in items:
        unit = str(da.attrs.get("units", ""))
        da = da.reset_coords(drop=True)
        if "certainty" in da.dims:
            da = da.assign_coords(certainty=1.0 - da["certainty"].values).rename(certainty="quantile")
        dims = list(da.dims)
        grids = np.meshgrid(*[np.asarray(da[d].values) for d in dims], indexing="ij") if dims else []
        n = int(np.prod(da.shape)) if dims else 1

        def col(d, conv, grids=grids, dims=dims, n=n):
            return conv(grids[dims.index(d)].ravel()) if d in dims else [None] * n

        reg = [regime] * n
        if "deduction" in dims:
            reg = [f"upfront:{s:g}" for s in grids[dims.index("deduction")].ravel()]
        elif "delivery_pair" in dims:
            reg = [str(s) for s in grids[dims.index("delivery_pair")].ravel()]
        frames.append(
            pl.DataFrame(
                {
                    "metric": [metric] * n,
                    "statistic": [stat] * n,
                    "regime": reg,
                    "year": col("year", lambda a: a.astype(np.int64)),
                    "area": col("area", lambda a: a.astype(str)),
                    "municipality": col("municipality", lambda a: a.astype(np.int64)),
                    "initiative": col("initiative", lambda a: a.astype(str)),
                    "quantile": col("quantile", lambda a: a.astype(float)),
                    "value": np.asarray(da.values, dtype=float).ravel(),
                    "unit": [unit] * n,
                },
                schema=SCHEMA,
            )
        )
    return frames
