"""What every reader of a run's results file (``report``, ``ask``) requires of it, checked once.

simengine never writes a file that fails these (a run refuses non-finite results,
simengine.analysis.finite); a file that does was damaged or made by hand, and is refused with one
line naming the file, what is wrong and the value, as bad input (exit 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from simengine.errors import ConfigError
from simengine.messages import Msg


def not_a_file(p: Path) -> ConfigError:
    """The error for a results path that is not a regular file: a folder (naming the results.nc in
    it, if there is one) or nothing at all."""
    if p.is_dir():
        inner = p / "results.nc"
        if inner.is_file():
            return ConfigError(Msg("results.folder_has", file=str(p), inner=str(inner)))
        return ConfigError(Msg("results.folder", file=str(p)))
    return ConfigError(Msg("results.no_file", file=str(p)))


def draws(ds: xr.Dataset) -> int | None:
    """The attribute ``draws`` as a whole number >= 1, None if it is anything else or absent."""
    v = ds.attrs.get("draws")
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.reshape(-1)[0]
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and v >= 1:
        return int(v)
    return None


def non_finite(ds: xr.Dataset, names) -> list[str]:
    """Those of the float variables ``names`` present in ``ds`` that hold an inf or a NaN."""
    return [
        v for v in dict.fromkeys(names) if v in ds and ds[v].dtype.kind == "f" and not np.isfinite(ds[v].values).all()
    ]


def check(ds: xr.Dataset, p: Path, need=()) -> xr.Dataset:
    """Refuse a results Dataset read from ``p`` whose ``draws`` attribute is not a whole number >= 1,
    that has no year, or whose core results (simengine.analysis.finite.CORE, and ``need``) are not
    finite."""
    from simengine.analysis.finite import CORE
    from simengine.scenario.schema import _show as show

    if "draws" in ds.attrs and draws(ds) is None:
        raise ConfigError(Msg("results.bad_draws", file=str(p), got=show(ds.attrs["draws"])))
    if "year" in ds.dims and ds.sizes["year"] == 0:
        raise ConfigError(Msg("results.no_years", file=str(p)))
    bad = non_finite(ds, [*CORE, *need])
    if bad:  # simengine never writes such a file (simengine.analysis.finite): damaged or made by hand
        raise ConfigError(Msg("results.not_finite", file=str(p), names=", ".join(bad)))
    return ds
