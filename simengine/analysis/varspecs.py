"""The results Dataset's variables, declared once.

Each output variable of results.nc is one :class:`VarSpec`: its name, dimensions, units, long name
and method (``str.format`` templates over the run's values, e.g. ``{tail:.0%}``), which further
attributes it carries, whether and how it appears in summary.parquet, and whether it has a 95 %
Monte Carlo interval (``<name>_ci_low`` / ``<name>_ci_high``, simengine.analysis.mcerror). The
analyses compute plain arrays and hand them to :func:`put`, which writes the variable with the
spec's dimensions and attributes; :func:`put_interval` writes the interval variables of a spec;
``simengine.outputs.summary_rows`` builds summary.parquet's rows from :data:`SPECS`, and
``tests/cli/test_cli_outputs.py`` checks that every variable written has a spec that agrees with it.

A new output variable is one entry here plus the statistic in the analysis that computes it.
Variables not declared here yet are listed in :data:`UNDECLARED` (the list only shrinks).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr

DKK = "DKK/year"

#: the interval kinds (simengine.analysis.mcerror): order statistics of quantiles, Wilson score
#: interval of a probability, normal interval of a mean
INTERVALS = ("quantile", "probability", "mean")


@dataclasses.dataclass(frozen=True)
class VarSpec:
    """One variable of results.nc."""

    name: str
    dims: tuple[str, ...]
    units: str
    #: ``str.format`` template over the values the analysis passes to :func:`put`
    long_name: str
    #: template of the ``method`` attribute; None: no method, or one given at run time (``attrs``)
    method: str | None = None
    #: further attributes after units and long_name, in order; ``method`` takes the template above
    #: (or the run's value), any other the value passed to :func:`put` (left out when not passed)
    attrs: tuple[str, ...] = ()
    #: (metric, statistic) of its rows in summary.parquet; None: not in summary.parquet
    summary: tuple[str, str] | None = None
    #: a dimension whose coordinate goes in summary.parquet's ``regime`` column (one row set per value)
    split: str | None = None
    #: the kind of its Monte Carlo interval (INTERVALS), None: no interval
    interval: str | None = None
    #: the national per-draw series its interval is computed from (NationalStats), where that applies
    series: str | None = None
    #: whether the interval's rows are in summary.parquet too (statistic "<statistic>_ci_low/high")
    summary_interval: bool = False

    def __post_init__(self) -> None:
        if self.interval is not None and self.interval not in INTERVALS:
            raise ValueError(f"{self.name}: interval {self.interval!r} is not one of {INTERVALS}")
        if self.summary_interval and (self.interval is None or self.summary is None):
            raise ValueError(f"{self.name}: summary_interval needs an interval and summary rows")
        if self.split is not None and self.split not in self.dims:
            raise ValueError(f"{self.name}: split {self.split!r} is not one of its dims {self.dims}")
        if self.method is not None and "method" not in self.attrs:
            object.__setattr__(self, "attrs", self.attrs + ("method",))

    def interval_names(self) -> tuple[str, str]:
        return f"{self.name}_ci_low", f"{self.name}_ci_high"


_Q = ("quantile",)
_REGIME_WHAT = {
    "central_gain": "gain to the central budget",
    "service_cut": "service cut",
    "regime_benefit": "gross gain realised",
}
_DIFF = "(regime_pair 'b-a' is b minus a)"
_SHOCK_ATTRS = ("draws", "shocks_removed", "method")
_INVEST_ATTRS = ("method", "draws", "cost_per_fte")
_POTENTIAL = "gain before local realisation (realisation share, economic pressure, local capacity)"

_SPECS: tuple[VarSpec, ...] = (
    # -- the statistics in summary.parquet, in its row order (simengine.analysis.results) ---------
    VarSpec(
        "benefit_quantile",
        _Q + ("year",),
        DKK,
        "quantiles of the national gross gain",
        summary=("benefit", "quantile"),
        interval="quantile",
        series="benefit",
        summary_interval=True,
    ),
    VarSpec(
        "benefit_mean",
        ("year",),
        DKK,
        "mean national gross gain",
        summary=("benefit", "mean"),
        interval="mean",
        series="benefit",
        summary_interval=True,
    ),
    VarSpec(
        "net_benefit_quantile",
        _Q + ("year",),
        DKK,
        "quantiles of the national net gain",
        summary=("net_benefit", "quantile"),
        interval="quantile",
        series="net_benefit",
        summary_interval=True,
    ),
    VarSpec(
        "net_benefit_mean",
        ("year",),
        DKK,
        "mean national net gain",
        summary=("net_benefit", "mean"),
        interval="mean",
        series="net_benefit",
    ),
    VarSpec(
        "area_benefit_mean",
        ("area", "year"),
        DKK,
        "mean gross gain per area",
        summary=("area_benefit", "mean"),
        interval="mean",
        series="area_benefit",
    ),
    VarSpec("npv_mean", (), "DKK", "mean NPV", summary=("npv", "mean"), interval="mean", series="npv"),
    VarSpec(
        "shortfall_mean", ("year",), DKK, "mean of max(0, target - gain) over all draws", summary=("shortfall", "mean")
    ),
    VarSpec(
        "area_benefit_quantile",
        _Q + ("area", "year"),
        DKK,
        "quantiles of the gross gain per area",
        summary=("area_benefit", "quantile"),
        interval="quantile",
        series="area_benefit",
        summary_interval=True,
    ),
    VarSpec(
        "p_target",
        ("year",),
        "1",
        "probability that the national gain reaches the target",
        summary=("p_target", "probability"),
        interval="probability",
        summary_interval=True,
    ),
    VarSpec(
        "area_p_target",
        ("area", "year"),
        "1",
        "probability that the area's gain reaches its target",
        summary=("area_p_target", "probability"),
        interval="probability",
        summary_interval=True,
    ),
    VarSpec(
        "expected_shortfall",
        ("year",),
        DKK,
        "expected shortfall: mean of max(0, target - gain) over the worst {tail:.0%} of draws (CVaR)",
        attrs=("tail",),
        summary=("expected_shortfall", "mean"),
    ),
    VarSpec("target", ("year",), DKK, "promised national gain (target path)", summary=("target", "value")),
    VarSpec(
        "area_target", ("area", "year"), DKK, "promised gain per area (target path)", summary=("area_target", "value")
    ),
    VarSpec(
        "npv_quantile",
        _Q,
        "DKK",
        "quantiles of the NPV",
        summary=("npv", "quantile"),
        interval="quantile",
        series="npv",
        summary_interval=True,
    ),
    VarSpec(
        "municipality_benefit",
        _Q + ("municipality", "year"),
        DKK,
        "quantiles of the municipality's gross gain",
        attrs=("method",),
        summary=("municipality_benefit", "quantile"),
        interval="quantile",
        summary_interval=True,
    ),
    VarSpec(
        "municipality_benefit_mean",
        ("municipality", "year"),
        DKK,
        "mean gross gain of the municipality",
        summary=("municipality_benefit", "mean"),
    ),
    VarSpec(
        "municipality_shortfall_mean",
        ("municipality", "year"),
        DKK,
        "mean of max(0, municipality target - municipality gain): what its services lose under prebudgeting",
        summary=("municipality_shortfall", "mean"),
    ),
    VarSpec(
        "initiative_benefit",
        _Q + ("initiative", "year"),
        DKK,
        "quantiles of the initiative's national gross gain",
        attrs=("method",),
        summary=("initiative_benefit", "quantile"),
        interval="quantile",
        summary_interval=True,
    ),
    VarSpec(
        "initiative_benefit_mean",
        ("initiative", "year"),
        DKK,
        "mean national gross gain of the initiative",
        summary=("initiative_benefit", "mean"),
    ),
    VarSpec(
        "initiative_golive",
        _Q + ("initiative",),
        "year",
        "go-live time (decimal year) of the initiative",
        method="monthly histogram",
        summary=("initiative_golive", "quantile"),
        interval="quantile",
    ),
    VarSpec(
        "observed_rank",
        ("observed_year",),
        "1",
        "share of simulated draws below the observed value (mid-rank percentile)",
        summary=("observed_rank", "probability"),
        interval="probability",
        summary_interval=True,
    ),
    VarSpec(
        "fte_quantile",
        _Q + ("year",),
        "FTE",
        "quantiles of the staff freed (gross gain / {cpf:,.0f} DKK per FTE)",
        summary=("fte", "quantile"),
        interval="quantile",
    ),
    VarSpec(
        "fte_mean",
        ("year",),
        "FTE",
        "mean staff freed (gross gain / cost_per_fte)",
        summary=("fte", "mean"),
        interval="mean",
    ),
    VarSpec(
        "target_fte",
        ("year",),
        "FTE",
        "the target path in FTE (target / cost_per_fte); P(target) is the same in FTE as in DKK",
        summary=("target_fte", "value"),
    ),
    # -- per budget regime: one row set per regime, then per pair of regimes ----------------------
    *(
        spec
        for name, what in _REGIME_WHAT.items()
        for spec in (
            VarSpec(
                f"{name}_quantile",
                _Q + ("regime", "year"),
                DKK,
                f"quantiles of the {what} under each budget regime",
                summary=(name, "quantile"),
                split="regime",
                interval="quantile",
                series=name,
            ),
            VarSpec(
                f"{name}_mean",
                ("regime", "year"),
                DKK,
                f"mean {what} under each budget regime",
                summary=(name, "mean"),
                split="regime",
            ),
        )
    ),
    VarSpec(
        "p_service_cut_above",
        ("regime", "year"),
        "1",
        "probability that services must be cut by more than {threshold:,.0f} DKK/year under each budget regime",
        attrs=("threshold", "threshold_units", "method"),
        summary=("p_service_cut_above", "probability"),
        split="regime",
        interval="probability",
    ),
    *(
        spec
        for name, what in list(_REGIME_WHAT.items())[:2]
        for spec in (
            VarSpec(
                f"{name}_difference_quantile",
                _Q + ("regime_pair", "year"),
                DKK,
                f"quantiles of the difference in {what} between two budget regimes, draw by draw {_DIFF}",
                attrs=("method",),
                summary=(f"{name}_difference", "quantile"),
                split="regime_pair",
                interval="quantile",
            ),
            VarSpec(
                f"{name}_difference_mean",
                ("regime_pair", "year"),
                DKK,
                f"mean difference in {what} between two budget regimes {_DIFF}",
                attrs=("method",),
                summary=(f"{name}_difference", "mean"),
                split="regime_pair",
                interval="mean",
            ),
        )
    ),
    # -- per draw (the kept draws) and the run's inputs --------------------------------------------
    VarSpec("benefit", ("draw", "year"), DKK, "national gross gain"),
    VarSpec("net_benefit", ("draw", "year"), DKK, "national net gain (gross gain minus investment and running costs)"),
    VarSpec("cost", ("draw", "year"), DKK, "national investment and running costs"),
    VarSpec("area_benefit", ("draw", "area", "year"), DKK, "gross gain per area"),
    VarSpec("fte", ("draw", "year"), "FTE", "staff freed (gross gain / cost_per_fte)"),
    VarSpec(
        "npv",
        ("draw",),
        "DKK",
        "net present value of net gain {start_year}-{horizon} at {discount_rate:g} "
        "per year, discounted to {start_year}",
    ),
    VarSpec(
        "municipality_target",
        ("municipality", "year"),
        DKK,
        "municipality's population share of the national target path",
    ),
    VarSpec("central_gain", ("draw", "regime", "year"), DKK, "gain to the central budget under each budget regime"),
    VarSpec(
        "service_cut",
        ("draw", "regime", "year"),
        DKK,
        "what services lose where budgets were cut but the gain did not come",
    ),
    VarSpec(
        "regime_benefit",
        ("draw", "regime", "year"),
        DKK,
        "gross gain realised under each regime (retention lifts realisation by incentive_uplift)",
    ),
    VarSpec("observed", ("observed_year",), DKK, "observed national gain (backtest)"),
    VarSpec("observed_tail_probability", ("observed_year",), "1", "two-sided tail probability of the observed value"),
    # -- the potential gain and the realised/promised ratio (simengine.analysis.potential) ---------
    VarSpec("potential", ("draw", "year"), DKK, f"national potential: {_POTENTIAL}"),
    VarSpec("area_potential", ("draw", "area", "year"), DKK, f"potential per area: {_POTENTIAL}"),
    VarSpec("potential_quantile", _Q + ("year",), DKK, "quantiles of the national potential gain"),
    VarSpec("potential_mean", ("year",), DKK, "mean national potential gain"),
    VarSpec(
        "area_potential_quantile",
        _Q + ("area", "year"),
        DKK,
        "quantiles of the potential gain per area",
        attrs=("method",),
    ),
    VarSpec("area_potential_mean", ("area", "year"), DKK, "mean potential gain per area", attrs=("method",)),
    VarSpec("initiative_potential_mean", ("initiative", "year"), DKK, "mean national potential gain of the initiative"),
    VarSpec(
        "realised_promised_ratio",
        ("year",),
        "1",
        "implied realised/promised ratio: mean national gross gain / sum of the business cases",
        attrs=("calibration_band", "calibration_year", "calibration_basis"),
    ),
    VarSpec("potential_promised_ratio", ("year",), "1", "mean national potential gain / sum of the business cases"),
    # -- the calibration check's other bases (simengine.analysis.calibration) ---------------------
    VarSpec(
        "realised_delivered_ratio",
        ("year",),
        "1",
        "realised/promised over what is delivered: mean national gross gain / mean sum of the business cases of "
        "the initiatives live in the year (pro rata in the go-live year); NaN before any go-live",
        attrs=("method", "calibration_band", "calibration_year", "calibration_basis"),
    ),
    VarSpec(
        "steady_state_ratio",
        (),
        "1",
        "realised/promised at full effect: the level priors alone (estimate factor, reach, adoption, "
        "technology, realisation and local factors), every initiative live and fully ramped",
        attrs=("method", "calibration_band", "calibration_year", "calibration_basis"),
    ),
    # -- with and without the common shocks, on the same draws (simengine.analysis.shockeffect) -----
    VarSpec(
        "shock_effect_quantile",
        ("shocks", "shock_quantile", "year"),
        DKK,
        "quantiles of the national gross gain with and without the common shocks",
        attrs=_SHOCK_ATTRS,
    ),
    VarSpec(
        "shock_effect_mean",
        ("shocks", "year"),
        DKK,
        "mean national gross gain with and without the common shocks",
        attrs=_SHOCK_ATTRS,
    ),
    VarSpec(
        "shock_effect_p_target",
        ("shocks", "year"),
        "1",
        "share of the draws whose national gross gain reaches the target, with and without the common shocks",
        attrs=_SHOCK_ATTRS,
    ),
    VarSpec(
        "shock_effect_width",
        ("shocks", "year"),
        DKK,
        "P90 - P10 of the national gross gain with and without the common shocks",
        attrs=_SHOCK_ATTRS,
    ),
    VarSpec(
        "shock_effect_widening",
        ("year",),
        "1",
        "(P90 - P10 with shocks) / (P90 - P10 without shocks) - 1: how much wider the common shocks make the "
        "band (NaN where the band without them is 0)",
        attrs=_SHOCK_ATTRS,
    ),
    # -- staff freed per krone invested (simengine.analysis.investment) ----------------------------
    VarSpec(
        "fte_freed_quantile",
        ("fte_regime", "invest_quantile", "year"),
        "FTE",
        "quantiles of the staff freed (gross gain of the regime / cost per FTE)",
        attrs=_INVEST_ATTRS,
    ),
    VarSpec("fte_freed_mean", ("fte_regime", "year"), "FTE", "mean staff freed", attrs=_INVEST_ATTRS),
    VarSpec(
        "fte_per_invested_quantile",
        ("fte_regime", "invest_quantile", "year"),
        "FTE per mio. DKK",
        "quantiles, over draws, of the staff freed in the year per mio. DKK of investment (overrun included)",
        attrs=_INVEST_ATTRS,
    ),
    VarSpec(
        "fte_per_invested_mean",
        ("fte_regime", "year"),
        "FTE per mio. DKK",
        "mean staff freed in the year / mean investment in mio. DKK (overrun included): the ratio of the means",
        attrs=_INVEST_ATTRS,
    ),
    VarSpec(
        "fte_retention_gain_quantile",
        ("invest_quantile", "year"),
        "FTE",
        "quantiles of the staff freed under retention minus under realised, draw by draw",
        attrs=_INVEST_ATTRS,
    ),
    VarSpec(
        "fte_retention_gain_mean",
        ("year",),
        "FTE",
        "mean staff freed under retention minus under realised",
        attrs=_INVEST_ATTRS,
    ),
    VarSpec(
        "investment_total_quantile",
        ("invest_quantile",),
        "DKK",
        "quantiles of the initiatives' total investment, cost overrun included",
        attrs=_INVEST_ATTRS,
    ),
    VarSpec("investment_total_mean", (), "DKK", "mean total investment, cost overrun included", attrs=_INVEST_ATTRS),
)

#: every declared variable, by name, in declaration order
SPECS: dict[str, VarSpec] = {s.name: s for s in _SPECS}
if len(SPECS) != len(_SPECS):  # pragma: no cover - a declaration error
    raise ValueError("a variable is declared twice in simengine.analysis.varspecs")

#: variables results.nc may hold that are still written without a spec, by the module that writes
#: them (their attributes are set there). The list only shrinks: declare a variable in _SPECS and
#: write it with put().
UNDECLARED: dict[str, str] = {
    **dict.fromkeys(
        (
            "area_committable",
            "area_committable_potential",
            "committable",
            "committable_net",
            "committable_potential",
            "deduction_amount",
            "deduction_central_gain_mean",
            "deduction_local_gain_mean",
            "deduction_max_safe",
            "deduction_max_safe_share",
            "deduction_p_cut_above",
            "deduction_service_cut_mean",
            "delivery_central_gain_difference_mean",
            "delivery_central_gain_difference_quantile",
            "delivery_central_gain_mean",
            "delivery_central_gain_quantile",
            "delivery_p_cut_above",
            "delivery_service_cut_difference_mean",
            "delivery_service_cut_difference_quantile",
            "delivery_service_cut_mean",
            "delivery_service_cut_quantile",
            "dist_area_benefit",
            "dist_area_benefit_offset",
            "dist_area_benefit_zero",
            "dist_benefit",
            "dist_benefit_offset",
            "dist_benefit_zero",
            "dist_initiative_benefit",
            "dist_initiative_benefit_offset",
            "dist_initiative_benefit_zero",
            "dist_initiative_lo",
            "dist_municipality_benefit",
            "dist_municipality_benefit_offset",
            "dist_municipality_benefit_zero",
            "dist_municipality_lo",
            "dist_net_benefit",
            "dist_net_benefit_offset",
            "dist_net_benefit_zero",
            "municipality_committable",
            "reach_amount",
        ),
        "simengine.analysis.negotiate",
    ),
    **dict.fromkeys(
        (
            "area_waterfall",
            "area_waterfall_p50",
            "area_waterfall_start",
            "initiative_waterfall",
            "initiative_waterfall_start",
            "sensitivity",
            "sensitivity_npv",
            "tornado_base",
            "tornado_draws_high",
            "tornado_draws_low",
            "tornado_high",
            "tornado_low",
            "tornado_npv_high",
            "tornado_npv_low",
            "waterfall",
            "waterfall_mc_se",
            "waterfall_p50",
        ),
        "simengine.analysis.sensitivity",
    ),
}


def spec(name: str) -> VarSpec:
    return SPECS[name]


def attrs(s: VarSpec, values: dict) -> dict:
    """The attributes of a variable: units, long name (formatted with ``values``), then ``s.attrs``."""
    out = {"units": s.units, "long_name": s.long_name.format(**values)}
    for key in s.attrs:
        if key == "method" and s.method is not None:
            out["method"] = s.method.format(**values)
        elif key in values:
            out[key] = values[key]
    return out


def put(ds: xr.Dataset, name: str, data, dtype=None, **values) -> None:
    """Write variable ``name`` from a plain array with its spec's dimensions and attributes.
    ``values`` fill the spec's templates and give its run-time attributes."""
    s = SPECS[name]
    arr = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    if arr.ndim != len(s.dims):
        raise ValueError(f"{name}: array of shape {arr.shape} for dims {s.dims}")
    ds[name] = (s.dims, arr)
    ds[name].attrs = attrs(s, values)


#: the confidence level of every Monte Carlo interval
LEVEL = 0.95


def put_interval(ds: xr.Dataset, base: str, lo, hi, method: str, draws: int) -> None:
    """Write ``<base>_ci_low`` / ``<base>_ci_high`` of a variable already in ``ds`` (the interval
    variables take its dims, units and long name)."""
    da = ds[base]
    for suffix, val in (("ci_low", lo), ("ci_high", hi)):
        ds[f"{base}_{suffix}"] = (da.dims, np.asarray(val, dtype=float).reshape(da.shape))
        ds[f"{base}_{suffix}"].attrs = {
            "units": da.attrs.get("units", ""),
            "long_name": f"{'lower' if suffix == 'ci_low' else 'upper'} end of the 95 % Monte Carlo interval "
            f"of: {da.attrs.get('long_name', base)}",
            "method": method,
            "level": LEVEL,
            "draws": draws,
        }


def interval_specs() -> list[VarSpec]:
    """The variables that have a Monte Carlo interval."""
    return [s for s in SPECS.values() if s.interval is not None]


def summary_specs() -> list[tuple[str, str, str, str | None]]:
    """(variable, metric, statistic, split) of every summary.parquet row set, in row order: the
    statistics, then their intervals, then the ones split by a dimension (simengine.outputs.summary_rows)."""
    plain = [s for s in SPECS.values() if s.summary is not None and s.split is None]
    rows: list[tuple[str, str, str, str | None]] = [(s.name, *s.summary, None) for s in plain]  # type: ignore[misc]
    for s in plain:
        if s.summary_interval:
            metric, stat = s.summary  # type: ignore[misc]
            rows += [(v, metric, f"{stat}_ci_{end}", None) for v, end in zip(s.interval_names(), ("low", "high"))]
    rows += [
        (s.name, *s.summary, s.split)
        for s in SPECS.values()  # type: ignore[misc]
        if s.summary is not None and s.split is not None
    ]
    return rows


def check(ds: xr.Dataset) -> list[str]:
    """What disagrees between ``ds``'s variables and their specs: a variable without a spec (and not
    in UNDECLARED), or one whose dims or units differ from its spec's. Interval variables
    (``_ci_low``/``_ci_high``) are checked against their base's spec, which must declare an interval."""
    problems = []
    for name in ds.data_vars:
        name = str(name)
        base = name.removesuffix("_ci_low").removesuffix("_ci_high")
        s = SPECS.get(base)
        if s is None:
            if base not in UNDECLARED:
                problems.append(f"{name}: no spec in simengine.analysis.varspecs")
            continue
        if base != name and s.interval is None:
            problems.append(f"{name}: its spec {base} declares no Monte Carlo interval")
        if tuple(ds[name].dims) != s.dims:
            problems.append(f"{name}: dims {tuple(ds[name].dims)}, spec {s.dims}")
        if ds[name].attrs.get("units") != s.units:
            problems.append(f"{name}: units {ds[name].attrs.get('units')!r}, spec {s.units!r}")
    return problems
