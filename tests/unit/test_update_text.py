"""update's terminal table of the inputs that moved: every number with the same precision (1,200
beside 0,8788, not 1,2), and the tolerance in its sentence as a plain figure (3, not 3,000)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from simengine.outputs.terminal import update_text


def _ds() -> xr.Dataset:
    q = np.array([0.1, 0.5, 0.9])
    return xr.Dataset(
        {
            "benefit_quantile": (("quantile", "year"), np.full((3, 2), 5e8)),
            "p_target": ("year", [0.1, 0.2]),
            "target": ("year", [1e9, 1e9]),
            "weight": ("draw", np.ones(10)),
        },
        coords={"quantile": q, "year": [2015, 2016]},
    )


def _mv(tolerance: float) -> dict:
    values = np.array([[0.88, 0, 0.6, 0, 1.2, 2.0, 0, 1.5, 0, 2.5]])
    return {
        "moved": np.array([True]),
        "names": ["osb-1.estimate_factor"],
        "tolerance": tolerance,
        "shift": np.array([3.0]),
        "values": values,
    }


def test_moved_inputs_keep_their_trailing_zeros_and_the_tolerance_is_plain():
    da = update_text(_ds(), _ds(), _mv(3.0), 10.0, "2016-06-01", 2015, "da")
    assert "mindst 3 spredninger" in da, da
    row = next(line for line in da.splitlines() if "→" in line and "0,8800" in line)
    assert "0,8800 → 2,000" in row and "0,6000 → 1,500" in row and "1,200 → 2,500" in row, row
    en = update_text(_ds(), _ds(), _mv(0.25), 10.0, "2016-06-01", 2015, "en")
    assert "at least\n0.25 prior sds" in en, en
    assert "1.200 → 2.500" in en, en
