"""summary.parquet for readers: names beside the codes, and the analyses' rows.

:func:`extend` adds to the tidy table of :func:`simengine.analysis.results.summary_table`

* ``area_name``, ``municipality_name``, ``initiative_name`` beside the codes (null where the row has
  no area / municipality / initiative);
* the sensitivity rows (``metric`` sensitivity / sensitivity_npv, statistic ``spearman``) and the
  tornado rows (tornado_low / tornado_high, statistic ``median``), one per sampled input, with the
  input in ``input`` (``osb-1.delay``), its kind in ``input_kind`` and its initiative in ``initiative``;
* the waterfall rows (waterfall / waterfall_p50 national, area_waterfall, initiative_waterfall), one
  per cause, the cause's key in ``cause`` and its English name in ``cause_name``;

and makes sure every row says its unit (``unit``: DKK/year, DKK, FTE, 1, year).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import xarray as xr

NAME_COLUMNS = ("area_name", "municipality_name", "initiative_name")
EXTRA_COLUMNS = NAME_COLUMNS + ("input", "input_kind", "cause", "cause_name")
#: (variable, metric, statistic)
ANALYSIS_VARS = (
    ("sensitivity", "sensitivity", "spearman"),
    ("sensitivity_npv", "sensitivity_npv", "spearman"),
    ("tornado_low", "tornado_low", "median"),
    ("tornado_high", "tornado_high", "median"),
    ("tornado_low_npv", "tornado_low_npv", "median"),
    ("tornado_high_npv", "tornado_high_npv", "median"),
    ("waterfall", "waterfall", "mean"),
    ("waterfall_p50", "waterfall", "p50"),
    ("area_waterfall", "area_waterfall", "mean"),
    ("area_waterfall_p50", "area_waterfall", "p50"),
    ("initiative_waterfall", "initiative_waterfall", "mean"),
)


def _names(ds: xr.Dataset, dim: str, coord: str) -> dict:
    if dim not in ds.coords or coord not in ds.coords:
        return {}
    keys = ds[dim].values
    return {(int(k) if dim == "municipality" else str(k)): str(v) for k, v in zip(keys, ds[coord].values)}


def _analysis_rows(ds: xr.Dataset) -> list[pl.DataFrame]:
    frames = []
    year = None
    for v, metric, stat in ANALYSIS_VARS:
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
            "metric": [metric] * n, "statistic": [stat] * n, "regime": [None] * n,
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
        frames.append(pl.DataFrame(cols, schema={
            "metric": pl.Utf8, "statistic": pl.Utf8, "regime": pl.Utf8, "year": pl.Int64, "area": pl.Utf8,
            "municipality": pl.Int64, "initiative": pl.Utf8, "quantile": pl.Float64, "value": pl.Float64,
            "unit": pl.Utf8, "input": pl.Utf8, "input_kind": pl.Utf8, "cause": pl.Utf8, "cause_name": pl.Utf8}))
    return frames


def extend(df: pl.DataFrame, ds: xr.Dataset) -> pl.DataFrame:
    """The summary table with names, the analyses' rows and a unit on every row."""
    for c in ("input", "input_kind", "cause", "cause_name"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c))
    frames = [df] + _analysis_rows(ds)
    out = pl.concat([f.select(df.columns) for f in frames])
    out = out.with_columns(pl.when(pl.col("unit").is_null() | (pl.col("unit") == ""))
                           .then(pl.lit("1")).otherwise(pl.col("unit")).alias("unit"))
    for dim, coord, col, dtype in (("area", "area_name", "area_name", pl.Utf8),
                                   ("municipality", "municipality_name", "municipality_name", pl.Int64),
                                   ("initiative", "initiative_name", "initiative_name", pl.Utf8)):
        names = _names(ds, dim, coord)
        key = pl.col(dim)
        out = out.with_columns(key.cast(dtype).replace_strict(names, default=None, return_dtype=pl.Utf8).alias(col)
                               if names else pl.lit(None, dtype=pl.Utf8).alias(col))
    order = ["metric", "statistic", "regime", "year", "area", "area_name", "municipality", "municipality_name",
             "initiative", "initiative_name", "input", "input_kind", "cause", "cause_name", "quantile", "value",
             "unit"]
    return out.select([c for c in order if c in out.columns] + [c for c in out.columns if c not in order])
