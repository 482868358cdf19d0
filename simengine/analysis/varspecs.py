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
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr

DKK = "DKK/year"

#: the interval kinds (simengine.analysis.mcerror): order statistics of quantiles, Wilson score
#: interval of a probability, normal interval of a mean
INTERVALS = ("quantile", "probability", "mean")
#: how a variable's rows are laid out in summary.parquet (simengine.outputs.summary_rows)
SUMMARY_LAYOUTS = ("table", "negotiation", "analysis")


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
    #: the analysis that writes the variable also writes its interval (:func:`put_interval`), so
    #: simengine.analysis.mcerror.add_mc_error leaves it alone
    own_interval: bool = False
    #: how summary.parquet lays out its rows (SUMMARY_LAYOUTS): "table" (year, area, municipality,
    #: initiative, quantile; split by regime), "negotiation" (certainty as quantile 1 - c, the
    #: deduction grid and the delivery pairs in the regime column) or "analysis" (the target year,
    #: one row per input or cause). "negotiation" also marks the variables of
    #: simengine.analysis.negotiate (with or without rows), which an update does not reweight
    layout: str = "table"
    #: the value of summary.parquet's ``regime`` column for all its rows (layout "negotiation")
    summary_regime: str | None = None
    #: attributes whose value is the same in every run: (name, value) pairs, written where ``attrs``
    #: lists the name (a value passed to :func:`put` wins)
    fixed: tuple[tuple[str, object], ...] = ()
    #: stored compressed (zlib) whatever its size
    compress: bool = False

    def __post_init__(self) -> None:
        if self.interval is not None and self.interval not in INTERVALS:
            raise ValueError(f"{self.name}: interval {self.interval!r} is not one of {INTERVALS}")
        if self.summary_interval and (self.interval is None or self.summary is None):
            raise ValueError(f"{self.name}: summary_interval needs an interval and summary rows")
        if self.split is not None and self.split not in self.dims:
            raise ValueError(f"{self.name}: split {self.split!r} is not one of its dims {self.dims}")
        if self.method is not None and "method" not in self.attrs:
            object.__setattr__(self, "attrs", self.attrs + ("method",))
        if self.layout not in SUMMARY_LAYOUTS:
            raise ValueError(f"{self.name}: layout {self.layout!r} is not one of {SUMMARY_LAYOUTS}")
        if self.own_interval and self.interval is None:
            raise ValueError(f"{self.name}: own_interval needs an interval")
        if any(k not in self.attrs for k, _ in self.fixed):
            raise ValueError(f"{self.name}: a fixed attribute is not in attrs {self.attrs}")

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
_DED = ("deduction", "year")
#: the value of the ``regime`` column of the delivery deal's summary.parquet rows
DELIVERY = "delivery"
#: the stored histograms: (name, dims, what)
_DISTRIBUTIONS = (
    ("benefit", ("year",), "national gross gain"),
    ("net_benefit", ("year",), "national net gain"),
    ("area_benefit", ("area", "year"), "gross gain per area"),
    ("municipality_benefit", ("municipality", "year"), "municipality's gross gain"),
    ("initiative_benefit", ("initiative", "year"), "initiative's national gross gain"),
)
_IN = ("input",)
_SENS_ATTRS = ("method", "draws", "draws_total", "subsample")
_WF_ATTRS = ("method", "year", "draws", "draws_total")
#: the columns of an update's table of the inputs that moved (updated_input_<column>)
UPDATED_INPUT_COLUMNS = tuple(
    f"{when}_{stat}" for when in ("prior", "posterior") for stat in ("mean", "sd", "p10", "p50", "p90")
)
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
    VarSpec("observed", ("observed_year",), DKK, "observed national {what} (backtest)", attrs=("quantity",)),
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
    # -- an update's own variables (simengine.analysis.update.add_update_vars) ----------------------
    VarSpec(
        "weight",
        ("draw",),
        "1",
        "normalised importance weight of the kept draw (sums to 1)",
        method="likelihood of the observations known by the date under their error models",
    ),
    VarSpec("prior_benefit_quantile", _Q + ("year",), DKK, "quantiles of the national gross gain before the update"),
    VarSpec("prior_p_target", ("year",), "1", "P(target) before the update"),
    *(
        VarSpec(
            f"updated_input_{c}",
            ("updated_input",),
            "the input's",
            f"{c.replace('_', ' ')} of the input (inputs that moved)",
        )
        for c in UPDATED_INPUT_COLUMNS
    ),
    # -- the negotiation table (simengine.analysis.negotiate), in summary.parquet's row order --------
    *(
        VarSpec(
            name,
            ("certainty", *dims),
            DKK,
            f"amount {what} reaches with probability 'certainty' (its 1 - certainty quantile)",
            attrs=("method",),
            summary=(name, "amount_at_certainty"),
            interval="quantile",
            own_interval=True,
            summary_interval=True,
            layout="negotiation",
        )
        for name, dims, what in (
            ("committable", ("year",), "the national realised gain"),
            ("committable_net", ("year",), "the national net gain (gain minus investment and running costs)"),
            ("committable_potential", ("year",), "the national potential gain"),
            ("area_committable", ("area", "year"), "the area's realised gain"),
            ("area_committable_potential", ("area", "year"), "the area's potential gain"),
            ("municipality_committable", ("municipality", "year"), "the municipality's realised gain"),
        )
    ),
    VarSpec(
        "reach_amount",
        ("year",),
        DKK,
        "amount the national gain reaches with probability {probability:.1%} "
        "(the largest amount with a non-negligible probability)",
        attrs=("probability", "method"),
        summary=("reach_amount", "value"),
        layout="negotiation",
    ),
    VarSpec(
        "deduction_amount",
        _DED,
        DKK,
        "the up-front deduction (share x target path)",
        summary=("deduction_amount", "value"),
        layout="negotiation",
    ),
    VarSpec(
        "deduction_p_cut_above",
        _DED,
        "1",
        "probability that the service cut max(0, deduction - national gain) exceeds {threshold:,.0f} DKK/year",
        attrs=("threshold", "threshold_units", "method"),
        fixed=(("threshold_units", DKK),),
        summary=("deduction_p_cut_above", "probability"),
        interval="probability",
        own_interval=True,
        summary_interval=True,
        layout="negotiation",
    ),
    VarSpec(
        "deduction_service_cut_mean",
        _DED,
        DKK,
        "mean service cut max(0, deduction - national gain) under an up-front deduction",
        attrs=("method",),
        summary=("deduction_service_cut", "mean"),
        interval="mean",
        own_interval=True,
        summary_interval=True,
        layout="negotiation",
    ),
    VarSpec(
        "deduction_central_gain_mean",
        _DED,
        DKK,
        "mean gain to the central budget under an up-front deduction (the deduction itself, as under prebudgeted)",
        summary=("deduction_central_gain", "mean"),
        layout="negotiation",
    ),
    VarSpec(
        "deduction_local_gain_mean",
        _DED,
        DKK,
        "mean gain left with the municipalities: max(0, national gain - deduction)",
        summary=("deduction_local_gain", "mean"),
        layout="negotiation",
    ),
    VarSpec(
        "deduction_max_safe",
        ("year",),
        DKK,
        "largest up-front deduction with P(service cut > {threshold:,.0f}) <= {alpha:g}: the national gain's "
        "{alpha:g} quantile plus the threshold",
        attrs=("threshold", "alpha"),
        summary=("deduction_max_safe", "value"),
        interval="quantile",
        own_interval=True,
        summary_interval=True,
        layout="negotiation",
    ),
    VarSpec(
        "deduction_max_safe_share",
        ("year",),
        "1",
        "largest share on the deduction grid with P(service cut > {threshold:,.0f}) <= {alpha:g}",
        attrs=("threshold", "alpha"),
        summary=("deduction_max_safe_share", "value"),
        layout="negotiation",
    ),
    *(
        VarSpec(
            name,
            dims,
            DKK,
            long_name,
            attrs=("method",),
            summary=(name.removesuffix("_quantile").removesuffix("_mean"), stat),
            summary_regime=DELIVERY,
            layout="negotiation",
        )
        for name, dims, stat, long_name in (
            (
                "delivery_central_gain_quantile",
                _Q + ("year",),
                "quantile",
                "quantiles of the gain to the central budget under deduction on delivery",
            ),
            (
                "delivery_central_gain_mean",
                ("year",),
                "mean",
                "mean gain to the central budget under deduction on delivery (business cases deducted from go-live)",
            ),
            (
                "delivery_service_cut_quantile",
                _Q + ("year",),
                "quantile",
                "quantiles of the service cut under deduction on delivery",
            ),
            (
                "delivery_service_cut_mean",
                ("year",),
                "mean",
                "mean service cut under deduction on delivery: max(0, deducted - national gain)",
            ),
        )
    ),
    VarSpec(
        "delivery_p_cut_above",
        ("year",),
        "1",
        "probability that the service cut under deduction on delivery exceeds {threshold:,.0f} DKK/year",
        attrs=("method", "threshold"),
        summary=("delivery_p_service_cut_above", "probability"),
        summary_regime=DELIVERY,
        interval="probability",
        own_interval=True,
        summary_interval=True,
        layout="negotiation",
    ),
    *(
        spec
        for var in ("central_gain", "service_cut")
        for spec in (
            VarSpec(
                f"delivery_{var}_difference_mean",
                ("delivery_pair", "year"),
                DKK,
                f"mean difference in {var.replace('_', ' ')} between deduction on delivery and each budget regime, "
                "draw by draw (delivery minus the regime)",
                attrs=("method",),
                summary=(f"delivery_{var}_difference", "mean"),
                summary_regime=DELIVERY,
                layout="negotiation",
            ),
            VarSpec(
                f"delivery_{var}_difference_quantile",
                _Q + ("delivery_pair", "year"),
                DKK,
                f"quantiles of the per-draw difference in {var.replace('_', ' ')}: delivery minus the regime",
                attrs=("method",),
                summary=(f"delivery_{var}_difference", "quantile"),
                summary_regime=DELIVERY,
                layout="negotiation",
            ),
        )
    ),
    # -- the stored distributions for `ask` (simengine.analysis.negotiate.add_distributions) ---------
    *(
        spec
        for name, dims, what in _DISTRIBUTIONS
        for spec in (
            VarSpec(
                f"dist_{name}",
                (*dims, f"{name}_bin"),
                "draws",
                f"histogram of the {what} over all {{draws:,}} draws (bins from dist_{name}_offset on; "
                f"exact zeros in dist_{name}_zero)",
                attrs=("layout", "nbins", "zero_bin", "sub_bits", "lo", "draws"),
                compress=True,
                layout="negotiation",
            ),
            VarSpec(
                f"dist_{name}_offset", dims, "1", f"index of the first bin stored in dist_{name}", layout="negotiation"
            ),
            VarSpec(
                f"dist_{name}_zero", dims, "draws", f"draws in which the {what} is exactly 0", layout="negotiation"
            ),
        )
    ),
    VarSpec(
        "dist_municipality_lo",
        ("municipality",),
        DKK,
        "lower edge of the municipality histograms' log bins",
        layout="negotiation",
    ),
    VarSpec(
        "dist_initiative_lo",
        ("initiative",),
        DKK,
        "lower edge of the initiative histograms' log bins",
        layout="negotiation",
    ),
    # -- sensitivity and tornado (simengine.analysis.sensitivity.add_sensitivity) --------------------
    VarSpec(
        "sensitivity",
        _IN,
        "1",
        "Spearman rank correlation of the input with the national gross gain in {year}",
        attrs=_SENS_ATTRS + ("standard_error", "output", "year"),
        fixed=(("output", "benefit"),),
        summary=("sensitivity", "spearman"),
        layout="analysis",
    ),
    VarSpec(
        "sensitivity_npv",
        _IN,
        "1",
        "Spearman rank correlation of the input with the NPV",
        attrs=_SENS_ATTRS + ("standard_error", "output"),
        fixed=(("output", "npv"),),
        summary=("sensitivity_npv", "spearman"),
        layout="analysis",
    ),
    *(
        VarSpec(
            f"tornado_{end}",
            _IN,
            DKK,
            f"median national gross gain in {{year}} when the input is in its {end}est decile",
            attrs=_SENS_ATTRS + ("base", "year"),
            summary=(f"tornado_{end}", "median"),
            layout="analysis",
        )
        for end in ("low", "high")
    ),
    *(
        VarSpec(
            f"tornado_npv_{end}",
            _IN,
            "DKK",
            f"median NPV when the input is in its {end}est decile",
            attrs=_SENS_ATTRS + ("base",),
            summary=(f"tornado_npv_{end}", "median"),
            layout="analysis",
        )
        for end in ("low", "high")
    ),
    *(
        VarSpec(f"tornado_draws_{end}", _IN, "1", f"draws in the input's {end}est-decile group", attrs=_SENS_ATTRS)
        for end in ("low", "high")
    ),
    VarSpec(
        "tornado_base",
        (),
        DKK,
        "median national gross gain in {year} over the same draws (tornado centre)",
        attrs=_SENS_ATTRS[1:],
    ),
    # -- the Shapley waterfall (simengine.analysis.sensitivity.add_waterfall) -------------------------
    VarSpec(
        "waterfall",
        ("cause",),
        DKK,
        "change from the target to the mean national gain in {year}, by cause",
        attrs=_WF_ATTRS + ("start", "end", "statistic"),
        fixed=(("statistic", "mean"),),
        summary=("waterfall", "mean"),
        layout="analysis",
    ),
    VarSpec(
        "waterfall_p50",
        ("cause",),
        DKK,
        "change from the target to the median (P50) national gain in {year}, by cause",
        attrs=_WF_ATTRS + ("start", "end", "statistic"),
        fixed=(("statistic", "P50"),),
        summary=("waterfall", "p50"),
        layout="analysis",
    ),
    VarSpec(
        "waterfall_mc_se",
        ("cause",),
        DKK,
        "Monte Carlo standard error of each part of the mean waterfall ({subsample})",
        attrs=_WF_ATTRS + ("statistic", "se_method"),
        fixed=(
            ("statistic", "standard error"),
            (
                "se_method",
                "a cause's part is the mean over the draws of its per-draw Shapley value: sd / sqrt(draws); plan: "
                "sd of the gain with every cause off / sqrt(draws); sampling: sd of the gain / sqrt(draws) x "
                "sqrt(1 - draws / draws_total)",
            ),
        ),
    ),
    VarSpec(
        "area_waterfall_start", ("area",), DKK, "area target in {year} (start of the area waterfall)", attrs=_WF_ATTRS
    ),
    *(
        VarSpec(
            f"area_waterfall{suffix}",
            ("area", "cause"),
            DKK,
            f"change from the area target to the area's {what} gain in {{year}}, by cause",
            attrs=_WF_ATTRS + ("statistic",),
            fixed=(("statistic", statistic),),
            summary=("area_waterfall", stat),
            layout="analysis",
        )
        for suffix, what, statistic, stat in (("", "mean", "mean", "mean"), ("_p50", "median", "P50", "p50"))
    ),
    VarSpec(
        "initiative_waterfall_start",
        ("initiative",),
        DKK,
        "the initiative's share of the target in {year}: target x its share of the business-case gains",
        attrs=_WF_ATTRS,
    ),
    VarSpec(
        "initiative_waterfall",
        ("initiative", "cause"),
        DKK,
        "change from the initiative's share of the target to its mean gain in {year}, by cause",
        attrs=_WF_ATTRS + ("statistic",),
        fixed=(("statistic", "mean"),),
        summary=("initiative_waterfall", "mean"),
        layout="analysis",
    ),
)

#: every declared variable, by name, in declaration order
SPECS: dict[str, VarSpec] = {s.name: s for s in _SPECS}
if len(SPECS) != len(_SPECS):  # pragma: no cover - a declaration error
    raise ValueError("a variable is declared twice in simengine.analysis.varspecs")


def spec(name: str) -> VarSpec:
    return SPECS[name]


def attrs(s: VarSpec, values: dict) -> dict:
    """The attributes of a variable: units, long name (formatted with ``values``), then ``s.attrs``."""
    out: dict[str, object] = {"units": s.units, "long_name": s.long_name.format(**values)}
    fixed = dict(s.fixed)
    for key in s.attrs:
        if key == "method" and s.method is not None:
            out["method"] = s.method.format(**values)
        elif key in values:
            out[key] = values[key]
        elif key in fixed:
            out[key] = fixed[key]
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
    if s.compress:
        ds[name].encoding = {"zlib": True, "complevel": 4}


#: the ``observed`` variable's long name by what the values measure ([observed] quantity)
OBSERVED_WHAT = {"realised": "gain", "potential": "potential gain (before local realisation)"}

#: the confidence level of every Monte Carlo interval
LEVEL = 0.95


def put_interval(ds: xr.Dataset, base: str, lo, hi, method: str, draws: int | None) -> None:
    """Write ``<base>_ci_low`` / ``<base>_ci_high`` of a variable already in ``ds`` (the interval
    variables take its dims, units and long name; ``draws`` None: no ``draws`` attribute)."""
    da = ds[base]
    for suffix, val in (("ci_low", lo), ("ci_high", hi)):
        ds[f"{base}_{suffix}"] = (da.dims, np.asarray(val, dtype=float).reshape(da.shape))
        ds[f"{base}_{suffix}"].attrs = {
            "units": da.attrs.get("units", ""),
            "long_name": f"{'lower' if suffix == 'ci_low' else 'upper'} end of the 95 % Monte Carlo interval "
            f"of: {da.attrs.get('long_name', base)}",
            "method": method,
            "level": LEVEL,
            **({} if draws is None else {"draws": draws}),
        }


def negotiation_vars(ds: xr.Dataset) -> list[str]:
    """The variables of ``ds`` written by simengine.analysis.negotiate (layout "negotiation",
    intervals included), in ``ds``'s order."""
    names = []
    for name in ds.data_vars:
        s = SPECS.get(str(name).removesuffix("_ci_low").removesuffix("_ci_high"))
        if s is not None and s.layout == "negotiation":
            names.append(str(name))
    return names


def interval_specs() -> list[VarSpec]:
    """The variables that have a Monte Carlo interval."""
    return [s for s in SPECS.values() if s.interval is not None]


def summary_specs(layout: str = "table") -> list[tuple[str, str, str, str | None]]:
    """(variable, metric, statistic, split) of every summary.parquet row set of ``layout``, in row
    order (simengine.outputs.summary_rows). Layout "table": the statistics, then their intervals,
    then the ones split by a dimension; the other layouts: each variable followed by its interval
    (split: the spec's ``summary_regime``)."""
    specs = [s for s in SPECS.values() if s.summary is not None and s.layout == layout]
    rows: list[tuple[str, str, str, str | None]] = []
    if layout != "table":
        for s in specs:
            metric, stat = s.summary  # type: ignore[misc]
            rows.append((s.name, metric, stat, s.summary_regime))
            if s.summary_interval:
                rows += [
                    (v, metric, f"{stat}_ci_{end}", s.summary_regime)
                    for v, end in zip(s.interval_names(), ("low", "high"))
                ]
        return rows
    plain = [s for s in specs if s.split is None]
    rows += [(s.name, *s.summary, None) for s in plain]  # type: ignore[misc]
    for s in plain:
        if s.summary_interval:
            metric, stat = s.summary  # type: ignore[misc]
            rows += [(v, metric, f"{stat}_ci_{end}", None) for v, end in zip(s.interval_names(), ("low", "high"))]
    rows += [(s.name, *s.summary, s.split) for s in specs if s.split is not None]  # type: ignore[misc]
    return rows


def check(ds: xr.Dataset) -> list[str]:
    """What disagrees between ``ds``'s variables and their specs: a variable without a spec, or one whose dims or units differ from its spec's. Interval variables
    (``_ci_low``/``_ci_high``) are checked against their base's spec, which must declare an interval."""
    problems = []
    for name in ds.data_vars:
        name = str(name)
        base = name.removesuffix("_ci_low").removesuffix("_ci_high")
        s = SPECS.get(base)
        if s is None:
            problems.append(f"{name}: no spec in simengine.analysis.varspecs")
            continue
        if base != name and s.interval is None:
            problems.append(f"{name}: its spec {base} declares no Monte Carlo interval")
        if tuple(ds[name].dims) != s.dims:
            problems.append(f"{name}: dims {tuple(ds[name].dims)}, spec {s.dims}")
        if ds[name].attrs.get("units") != s.units:
            problems.append(f"{name}: units {ds[name].attrs.get('units')!r}, spec {s.units!r}")
    return problems
