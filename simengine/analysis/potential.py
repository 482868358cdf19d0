"""The potential gain and the calibration check.

*Potential*: per draw, the gross gain before local realisation (realisation share, economic
pressure, local capacity), sum over initiatives of gain_i F_i a_iy (1 - T_i Q_i): what a
self-assessed "gain that can be realised" measures. The kernel computes it per draw (national and
per area, kept draws and streaming histograms) and sums it per initiative; this module puts it in
the results Dataset.

*Calibration*: the implied realised/promised ratio per year, the mean simulated gain over the sum
of the business cases, next to the band the scenario says the level x timing composite should hit
([model] calibration_band, calibration_year; docs/model.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from simengine.analysis.varspecs import Batch, batch, put


def add_potential(ds: xr.Dataset, raw, stats, q: np.ndarray) -> None:
    """potential, area_potential (per kept draw), their quantiles and means over all draws,
    initiative_potential_mean, and the realised/promised ratio with the calibration band."""
    plan = raw.plan
    sc = plan.scenario
    N = raw.draws
    with batch(ds) as new:
        put(new, "potential", raw.potential, dtype=float)
        put(new, "area_potential", raw.area_potential, dtype=float)
        put(new, "potential_quantile", stats.quantile("potential", q), dtype=float)
        put(new, "potential_mean", stats.mean("potential"), dtype=float)
        ini_mean = (raw.acc.init_pot_sum / plan.init_inv_unit[None, :] / N).T  # (I, Y) over all draws
        # per area: exact over all draws when every draw is kept; otherwise the quantiles come from the
        # kept draws (a fixed-size sample; the kernel streams no per-area potential histograms, to stay
        # as fast) and the mean from the initiatives' fixed-point sums over all draws
        if stats.exact:
            aq, am = np.quantile(raw.area_potential, q, axis=0), raw.area_potential.mean(axis=0)
            how = "exact over all draws"
        else:
            aq = np.quantile(raw.area_potential, q, axis=0)
            am = np.zeros((len(sc.areas), len(plan.years)))
            np.add.at(am, plan.area_of, ini_mean)
            how = (
                f"quantiles from the first {len(raw.area_potential):,} draws (kept per draw), mean over all {N:,} draws"
            )
        put(new, "area_potential_quantile", aq, dtype=float, method=how)
        put(new, "area_potential_mean", am, dtype=float, method=how)
        put(new, "initiative_potential_mean", ini_mean, dtype=float)
        promised = float(plan.gain.sum())
        if promised > 0:  # no ratio to the business cases when they promise nothing
            _add_ratios(new, sc, stats, promised)
    ds.attrs["model_choices"] = model_choices(sc)


def _add_ratios(new: Batch, sc, stats, promised) -> None:
    ratio = stats.mean("benefit") / promised
    extra: dict[str, Any] = {}
    if sc.calibration_band is not None:
        extra["calibration_band"] = list(sc.calibration_band)
        if sc.calibration_year is not None:
            extra["calibration_year"] = sc.calibration_year
        if sc.calibration_basis != "promised":  # [model] calibration_basis (simengine.analysis.calibration)
            extra["calibration_basis"] = sc.calibration_basis
    put(new, "realised_promised_ratio", ratio, dtype=float, **extra)
    put(new, "potential_promised_ratio", stats.mean("potential") / promised, dtype=float)


def model_choices(sc) -> str:
    """One line: the scenario's [model] choices, shocks and dependencies (results.nc attribute)."""
    shocks = (
        ", ".join(f"{s.id} ({s.input}, loading {s.loading:g}, {len(s.initiatives)} initiatives)" for s in sc.shocks)
        or "none"
    )
    deps = (
        ", ".join(f"{i.id} after {i.depends_on} + {i.dependency_lag:g}" for i in sc.initiatives if i.depends_on)
        or "none"
    )
    return f"timing={sc.timing}; realisation={sc.realisation}; shocks={shocks}; dependencies={deps}"
