"""The output Datasets' variables and coordinates, declared once.

Each output variable of results.nc is one :class:`VarSpec`: its name, dimensions, units, long name
and method (``str.format`` templates over the run's values, e.g. ``{tail:.0%}``), which further
attributes it carries, whether and how it appears in summary.parquet, whether it has a 95 %
Monte Carlo interval (``<name>_ci_low`` / ``<name>_ci_high``, simengine.analysis.mcerror) and
whether an update recomputes it under the importance weights (``weighted``). The
analyses compute plain arrays and hand them to :func:`put`, which writes the variable with the
spec's dimensions and attributes; :func:`put_interval` writes the interval variables of a spec; an
analysis writes its variables in a :func:`batch`, which adds them to the Dataset in one step;
``simengine.outputs.summary_rows`` builds summary.parquet's rows from :data:`SPECS`. backtest.nc's
and comparison.nc's variables are VarSpecs too (``dataset``; a family such as ``crps_{reference}``
is one declaration of the variables named at run time), sweep.nc's are the results' with
``variant`` first, and every coordinate of the four Datasets is one :class:`CoordSpec`, written by
:func:`label_coords`. :func:`check` finds a variable or coordinate that disagrees with its
declaration or has none; the output-contract tests run it on every Dataset.

A new output variable is one entry here plus the statistic in the analysis that computes it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import xarray as xr

from simengine.model.structure import REGIME_DIFFERENCES, REGIME_VARS

#: the ``title`` attribute of the Dataset each command writes (how a reader tells the four files apart)
TITLES = {
    "run": "simengine results",
    "compare": "simengine paired comparison (B - A)",
    "sweep": "simengine sweep",
    "backtest": "simengine backtest",
}


def written_by(ds) -> str | None:
    """The command whose Dataset ``ds`` is, by its title (:data:`TITLES`); None for anything else."""
    title = str(ds.attrs.get("title", ""))
    return next((cmd for cmd, t in TITLES.items() if t == title), None)


DKK = "DKK/year"

#: the interval kinds (simengine.analysis.mcerror): order statistics of quantiles, Wilson score
#: interval of a probability, normal interval of a mean
INTERVALS = ("quantile", "probability", "mean")
#: how a variable's rows are laid out in summary.parquet (simengine.outputs.summary_rows)
SUMMARY_LAYOUTS = ("table", "negotiation", "analysis")
#: the Datasets whose variables and coordinates are declared here: results.nc (a run's and an
#: update's), backtest.nc (simengine.analysis.scoring), comparison.nc (simengine.cli.compare) and
#: sweep.nc (simengine.cli.sweep: the results' variables without a per-draw or per-municipality
#: dimension, with ``variant`` first)
DATASETS = ("results", "backtest", "compare", "sweep")
#: the statistics an update recomputes from a per-draw variable X under the weights (VarSpec.weighted):
#: its quantiles and mean; those of its differences between the pairs of a dimension (``<dim>_pair``,
#: whose coordinates ``<dim>_pair_minuend`` and ``_subtrahend`` name the pair); P(X >= ref), ref the
#: variable the spec names; P(X > the statistic's ``threshold`` attribute); the mean of max(0, ref - X)
#: over the worst ``tail`` share of draws (the scenario's, when the spec has a ``tail`` attribute) or all
WEIGHTED = ("quantile", "mean", "difference_quantile", "difference_mean", "p_at_least", "p_above", "shortfall")
#: the statistics of WEIGHTED that compare with a reference variable of the Dataset (its name follows)
WEIGHTED_REF = ("p_at_least", "shortfall")


@dataclasses.dataclass(frozen=True)
class VarSpec:
    """One variable of results.nc."""

    name: str
    dims: tuple[str, ...]
    #: None: no units attribute (text, e.g. backtest.nc's ``unit``)
    units: str | None
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
    #: the Dataset it belongs to (DATASETS); a sweep's variables are the results' (with ``variant`` first)
    dataset: str = "results"
    #: (per-draw variable, statistic of WEIGHTED[, reference variable]): the statistic is that over the
    #: draws of that per-draw variable of the same Dataset (its quantiles, mean, ...), so an update
    #: recomputes it under the importance weights (simengine.analysis.update.reweight)
    weighted: tuple[str, ...] | None = None
    #: a family of variables named at run time: ``name`` is a template with one field (e.g.
    #: ``crps_{reference}``) whose value matches this regular expression
    family: str | None = None

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS or self.dataset == "sweep":
            raise ValueError(f"{self.name}: dataset {self.dataset!r} is not one of {DATASETS[:-1]}")
        if self.weighted is not None and self.weighted[1] not in WEIGHTED:
            raise ValueError(f"{self.name}: weighted statistic {self.weighted[1]!r} is not one of {WEIGHTED}")
        if (self.family is None) != (_field(self.name) is None):
            raise ValueError(f"{self.name}: a family's name has one template field, and only a family's")
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

    def matches(self, name: str) -> bool:
        """Whether ``name`` is this variable (or, for a family, one of its members)."""
        return _matches(self.name, self.family, name)


def _field(template: str) -> str | None:
    """The one template field of a family's name (``crps_{reference}`` -> ``reference``), or None."""
    fields = re.findall(r"\{(\w+)\}", template)
    if len(fields) > 1:
        raise ValueError(f"{template}: a family's name has one template field")
    return fields[0] if fields else None


def _matches(template: str, family: str | None, name: str) -> bool:
    """Whether ``name`` is the declared ``template`` (a family's: one of its members)."""
    if family is None:
        return name == template
    head, _, tail = template.partition("{" + str(_field(template)) + "}")
    return re.fullmatch(re.escape(head) + f"(?:{family})" + re.escape(tail), name) is not None


_Q = ("quantile",)
_REGIME_WHAT = {
    "central_gain": "gain to the central budget",
    "service_cut": "service cut",
    "regime_benefit": "gross gain realised",
}
assert tuple(_REGIME_WHAT) == REGIME_VARS  # one description per regime variable
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
        weighted=("benefit", "quantile"),
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
        weighted=("benefit", "mean"),
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
        weighted=("net_benefit", "quantile"),
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
        weighted=("net_benefit", "mean"),
    ),
    VarSpec(
        "area_benefit_mean",
        ("area", "year"),
        DKK,
        "mean gross gain per area",
        summary=("area_benefit", "mean"),
        interval="mean",
        series="area_benefit",
        weighted=("area_benefit", "mean"),
    ),
    VarSpec(
        "npv_mean",
        (),
        "DKK",
        "mean NPV",
        summary=("npv", "mean"),
        interval="mean",
        series="npv",
        weighted=("npv", "mean"),
    ),
    VarSpec(
        "shortfall_mean",
        ("year",),
        DKK,
        "mean of max(0, target - gain) over all draws",
        summary=("shortfall", "mean"),
        weighted=("benefit", "shortfall", "target"),
    ),
    VarSpec(
        "area_benefit_quantile",
        _Q + ("area", "year"),
        DKK,
        "quantiles of the gross gain per area",
        summary=("area_benefit", "quantile"),
        interval="quantile",
        series="area_benefit",
        weighted=("area_benefit", "quantile"),
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
        weighted=("benefit", "p_at_least", "target"),
    ),
    VarSpec(
        "area_p_target",
        ("area", "year"),
        "1",
        "probability that the area's gain reaches its target",
        summary=("area_p_target", "probability"),
        interval="probability",
        summary_interval=True,
        weighted=("area_benefit", "p_at_least", "area_target"),
    ),
    VarSpec(
        "expected_shortfall",
        ("year",),
        DKK,
        "expected shortfall: mean of max(0, target - gain) over the worst {tail:.0%} of draws (CVaR)",
        attrs=("tail",),
        summary=("expected_shortfall", "mean"),
        weighted=("benefit", "shortfall", "target"),
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
        weighted=("npv", "quantile"),
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
        weighted=("fte", "quantile"),
    ),
    VarSpec(
        "fte_mean",
        ("year",),
        "FTE",
        "mean staff freed (gross gain / cost_per_fte)",
        summary=("fte", "mean"),
        interval="mean",
        weighted=("fte", "mean"),
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
                weighted=(name, "quantile"),
            ),
            VarSpec(
                f"{name}_mean",
                ("regime", "year"),
                DKK,
                f"mean {what} under each budget regime",
                summary=(name, "mean"),
                split="regime",
                weighted=(name, "mean"),
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
        weighted=("service_cut", "p_above"),
    ),
    *(
        spec
        for name, what in _REGIME_WHAT.items()
        if name in REGIME_DIFFERENCES
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
                weighted=(name, "difference_quantile"),
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
                weighted=(name, "difference_mean"),
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
    VarSpec(
        "potential_quantile",
        _Q + ("year",),
        DKK,
        "quantiles of the national potential gain",
        weighted=("potential", "quantile"),
    ),
    VarSpec("potential_mean", ("year",), DKK, "mean national potential gain", weighted=("potential", "mean")),
    VarSpec(
        "area_potential_quantile",
        _Q + ("area", "year"),
        DKK,
        "quantiles of the potential gain per area",
        attrs=("method",),
        weighted=("area_potential", "quantile"),
    ),
    VarSpec(
        "area_potential_mean",
        ("area", "year"),
        DKK,
        "mean potential gain per area",
        attrs=("method",),
        weighted=("area_potential", "mean"),
    ),
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

# -- backtest.nc (simengine.analysis.scoring.backtest_dataset) ---------------------------------------
_OBS = ("observation",)
#: the units of a backtest's scores and values: those of each observation's quantity (variable ``unit``)
SEE_UNIT = "see unit"
_BACKTEST: tuple[VarSpec, ...] = (
    VarSpec(
        "unit",
        _OBS,
        None,
        "units of the observed quantity (DKK/year, year or 1): the units of the observation's value and scores",
        dataset="backtest",
    ),
    VarSpec("value", _OBS, SEE_UNIT, "observed value", dataset="backtest"),
    VarSpec(
        "pit",
        _OBS,
        "1",
        "probability integral transform: P(predictive observation <= observed value), randomised at atoms and "
        "over intervals, integrated over the error model",
        dataset="backtest",
    ),
    VarSpec(
        "crps",
        _OBS,
        SEE_UNIT,
        "continuous ranked probability score of the forecast convolved with the error model (lower is better)",
        dataset="backtest",
    ),
    VarSpec(
        "log_score",
        _OBS,
        "1",
        "-log predictive density (normal, lognormal errors) or -log probability (interval, bounds) of the "
        "observation; NaN where no density applies",
        dataset="backtest",
    ),
    *(
        VarSpec(
            f"forecast_{lab}",
            _OBS,
            SEE_UNIT,
            f"{lab.upper()} of the forecast of the observed quantity (times the error model's bias)",
            dataset="backtest",
        )
        for lab in ("p10", "p50", "p90")
    ),
    VarSpec(
        "crps_total",
        ("unit_group",),
        "see unit_group",
        "total CRPS of the observations in each unit",
        dataset="backtest",
    ),
    # one pair per [[reference]] of the observations file, named by it
    VarSpec(
        "crps_{reference}",
        _OBS,
        SEE_UNIT,
        "CRPS of the reference forecast {reference!r}: {describe}",
        attrs=("ratio_low", "ratio_high"),
        dataset="backtest",
        family=r"[A-Za-z][A-Za-z0-9_]*",
    ),
    VarSpec(
        "skill_{reference}",
        ("unit_group",),
        "1",
        "CRPS skill against {reference!r}: 1 - total CRPS / total CRPS of the reference, over the observations "
        "in each unit (NaN where the reference's total CRPS is 0)",
        dataset="backtest",
        family=r"[A-Za-z][A-Za-z0-9_]*",
    ),
    VarSpec(
        "pit_histogram",
        ("pit_bin",),
        "1",
        "observations per PIT decile ({bins} equal bins of [0, 1])",
        dataset="backtest",
    ),
)

# -- comparison.nc (simengine.cli.compare.compare) ---------------------------------------------------


def _compare(name: str, dims: tuple[str, ...], units: str, long_name: str, **kw: Any) -> VarSpec:
    """A variable of comparison.nc."""
    return VarSpec(name, dims, units, long_name, dataset="compare", **kw)


_COMPARE: tuple[VarSpec, ...] = (
    *(
        spec
        for s in ("a", "b")
        for spec in (
            _compare(f"target_{s}", ("year",), DKK, f"{s.upper()}'s target path"),
            _compare(f"benefit_mean_{s}", ("year",), DKK, f"{s.upper()}'s mean national gross gain (all draws)"),
        )
    ),
    *(
        _compare(f"p_target_{s}", ("year",), "1", f"P({s.upper()}'s gain reaches {s.upper()}'s target), all draws")
        for s in ("a", "b")
    ),
    _compare("difference", ("draw", "year"), DKK, "B - A: national gross gain of B minus that of A in the same draw"),
    _compare("difference_quantile", _Q + ("year",), DKK, "quantiles of B - A over the paired draws"),
    _compare("difference_mean", ("year",), DKK, "mean of B - A (all draws: the difference of the means)"),
    _compare("p_b_greater", ("year",), "1", "P(B > A): share of paired draws where B's gain is larger"),
    _compare("p_b_less", ("year",), "1", "P(B < A): share of paired draws where B's gain is smaller"),
    _compare(
        "p_only_b_reaches_target",
        ("year",),
        "1",
        "P(B reaches its target and A does not), paired draws",
        attrs=("target",),
    ),
    _compare(
        "p_only_a_reaches_target",
        ("year",),
        "1",
        "P(A reaches its target and B does not), paired draws",
        attrs=("target",),
    ),
    _compare(
        "net_difference_quantile",
        _Q + ("year",),
        DKK,
        "quantiles of B - A of the national net gain (gross gain minus costs), paired draws",
    ),
    _compare("net_difference_mean", ("year",), DKK, "mean of B - A of the national net gain, paired draws"),
    _compare(
        "fte_difference_quantile",
        _Q + ("year",),
        "FTE",
        "quantiles of B - A in FTE (each gain / its scenario's cost_per_fte: A {cpf_a:,.0f}, B {cpf_b:,.0f} DKK)",
    ),
    _compare("fte_difference_mean", ("year",), "FTE", "mean of B - A in FTE (all draws)"),
    _compare("npv_difference_quantile", _Q, "DKK", "quantiles of B - A of the NPV of the net gain, paired draws"),
    _compare("npv_difference_mean", (), "DKK", "mean of B - A of the NPV, paired draws"),
    *(
        _compare(
            f"initiative_benefit_mean_{s}",
            ("initiative", "year"),
            DKK,
            f"{s.upper()}'s mean gross gain of the initiative",
        )
        for s in ("a", "b")
    ),
    _compare(
        "initiative_benefit_mean_difference",
        ("initiative", "year"),
        DKK,
        "B - A of the initiative's mean gross gain (initiatives in both scenarios)",
    ),
    # A and B themselves, for the reader's page (simengine.outputs.report.compare)
    *(
        spec
        for s in ("a", "b")
        for spec in (
            _compare(
                f"benefit_quantile_{s}",
                ("band", "year"),
                DKK,
                f"quantiles of {s.upper()}'s national gross gain (all draws)",
            ),
            _compare(
                f"benefit_target_year_{s}",
                ("draw",),
                DKK,
                f"{s.upper()}'s national gross gain in {{year}} (the comparison's target year), per paired draw",
            ),
        )
    ),
    *(
        _compare(
            f"committable_{s}",
            ("certainty", "year"),
            DKK,
            f"amount {s.upper()}'s national gross gain reaches with probability 'certainty' (all draws)",
        )
        for s in ("a", "b")
    ),
)


def _table(specs: tuple[VarSpec, ...]) -> dict[str, VarSpec]:
    table = {s.name: s for s in specs}
    if len(table) != len(specs):  # pragma: no cover - a declaration error
        raise ValueError("a variable is declared twice in simengine.analysis.varspecs")
    for s in specs:
        if s.weighted is not None:  # the statistic's dims are the per-draw variable's without draw
            src = table.get(s.weighted[0])
            kind = s.weighted[1]
            lead = _Q if kind.endswith("quantile") else ()
            dims = src.dims[1:] if src is not None else ()
            if kind.startswith("difference_"):  # over the pairs of its split dimension, <dim>_pair
                dims = tuple(f"{d}_pair" if f"{d}_pair" == s.split else d for d in dims)
            ref = table.get(s.weighted[2]) if kind in WEIGHTED_REF and len(s.weighted) == 3 else None
            if (
                src is None
                or src.dims[:1] != ("draw",)
                or s.dims != lead + dims
                or (kind in WEIGHTED_REF) != (ref is not None)
                or (ref is not None and ref.dims != s.dims)
                or (kind == "p_above" and "threshold" not in s.attrs)
                or (kind.startswith("difference_") and s.split not in {f"{d}_pair" for d in src.dims})
            ):
                raise ValueError(f"{s.name}: weighted {s.weighted} is not a statistic of a per-draw variable")
    return table


#: every declared variable of results.nc, by name, in declaration order
SPECS: dict[str, VarSpec] = _table(_SPECS)
#: every declared variable of each Dataset (DATASETS; a sweep's are the results')
TABLES: dict[str, dict[str, VarSpec]] = {
    "results": SPECS,
    "backtest": _table(_BACKTEST),
    "compare": _table(_COMPARE),
    "sweep": SPECS,
}


# -- the coordinates ------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CoordSpec:
    """One coordinate of the Datasets ``datasets``: the dims it lies on, its units (None: none, e.g.
    for labels) and long name (a ``str.format`` template over the values passed to
    :func:`label_coords`), and further attributes (the values passed)."""

    name: str
    dims: tuple[str, ...]
    units: str | None
    long_name: str
    datasets: tuple[str, ...] = ("results", "sweep")
    attrs: tuple[str, ...] = ()
    #: a family named at run time (as VarSpec.family): ``name`` is a template with one field, filled
    #: with the coordinate's name
    family: str | None = None

    def __post_init__(self) -> None:
        if not set(self.datasets) <= set(DATASETS):
            raise ValueError(f"{self.name}: datasets {self.datasets} are not among {DATASETS}")
        if (self.family is None) != (_field(self.name) is None):
            raise ValueError(f"{self.name}: a family's name has one template field, and only a family's")

    def matches(self, name: str) -> bool:
        return _matches(self.name, self.family, name)


_M = ("municipality",)
_RS = ("results", "sweep")
_RSC = ("results", "sweep", "compare")
_BT = ("backtest",)
_PROB = "probability with which the gain reaches the amount (the amount is the gain's 1 - certainty quantile)"
_COORDS: tuple[CoordSpec, ...] = (
    # -- results.nc (simengine.analysis.results.build_dataset and the analyses) ------------------------
    CoordSpec("year", ("year",), "year", "calendar year (adoption evaluated at mid-year)"),
    CoordSpec("area", ("area",), None, "area key ([areas.<key>] of the scenario)"),
    CoordSpec("area_name", ("area",), None, "the area's name"),
    CoordSpec("municipality", _M, "1", "kommunekode"),
    CoordSpec("municipality_name", _M, None, "the municipality's name"),
    CoordSpec("region", _M, None, "the municipality's region"),
    CoordSpec("population", _M, "persons", "population used for the municipality's share of the target"),
    CoordSpec("initiative", ("initiative",), None, "initiative id ([[initiatives]] id)", _RSC),
    CoordSpec("initiative_name", ("initiative",), None, "the initiative's name", _RSC),
    CoordSpec("initiative_area", ("initiative",), None, "the initiative's area (its key)"),
    CoordSpec("quantile", ("quantile",), "1", "probability level of the quantile", _RSC),
    CoordSpec("regime", ("regime",), None, "budget regime (docs/model.md, Budget regimes)"),
    CoordSpec("draw", ("draw",), "1", "draw index{kept}", ("results",)),
    CoordSpec("regime_pair", ("regime_pair",), None, "pair of budget regimes 'b-a': regime b minus regime a"),
    CoordSpec("regime_pair_minuend", ("regime_pair",), None, "the regime b of the pair 'b-a'"),
    CoordSpec("regime_pair_subtrahend", ("regime_pair",), None, "the regime a of the pair 'b-a'"),
    CoordSpec("observed_year", ("observed_year",), "year", "year of an [observed] value"),
    CoordSpec("certainty", ("certainty",), "1", _PROB, ("results", "compare")),
    CoordSpec("deduction", ("deduction",), "1", "up-front deduction as a share of the target path", ("results",)),
    CoordSpec(
        "delivery_pair",
        ("delivery_pair",),
        None,
        "deduction on delivery paired with a budget regime ('delivery-<regime>': delivery minus the regime)",
        ("results",),
    ),
    CoordSpec(
        "input",
        ("input",),
        "1",
        "sampled input (<initiative id>.<variable> or national.<variable>); legislation = B·L and technology = "
        "T·Q: a risk event is one input",
        ("results",),
    ),
    CoordSpec(
        "input_initiative", ("input",), None, "the input's initiative id (empty: a national input)", ("results",)
    ),
    CoordSpec("input_kind", ("input",), None, "the input's variable", ("results",)),
    CoordSpec("input_label", ("input",), None, "the input's label", ("results",)),
    CoordSpec(
        "cause",
        ("cause",),
        "1",
        "cause of the shortfall: plan, the ten causes switched off in the Shapley decomposition, and the "
        "subsample's Monte Carlo difference",
        ("results",),
    ),
    CoordSpec("cause_name", ("cause",), None, "the cause's label", ("results",)),
    CoordSpec(
        "cause_switched_off",
        ("cause",),
        None,
        "what the cause switched off means (empty: plan, sampling)",
        ("results",),
    ),
    CoordSpec(
        "shocks",
        ("shocks",),
        None,
        "the scenario with its [[shocks]] and with them removed, on the same draws",
        ("results",),
    ),
    CoordSpec("shock_quantile", ("shock_quantile",), "1", "quantile level of the shock comparison", ("results",)),
    CoordSpec(
        "fte_regime",
        ("fte_regime",),
        None,
        "budget regime of the freed staff (docs/model.md, Budget regimes)",
        ("results",),
    ),
    CoordSpec("invest_quantile", ("invest_quantile",), "1", "quantile level of the investment outputs", ("results",)),
    CoordSpec(
        "updated_input",
        ("updated_input",),
        None,
        "sampled input that moved in the update (<initiative id>.<variable> or national.<variable>)",
        ("results",),
    ),
    # -- sweep.nc (simengine.cli.sweep.combine) -------------------------------------------------------------
    CoordSpec(
        "variant",
        ("variant",),
        "1",
        "variant number (the grid of --set values, last --set varying fastest)",
        ("sweep",),
    ),
    CoordSpec("variant_label", ("variant",), "1", "the variant's --set values", ("sweep",)),
    CoordSpec(
        "{key}",
        ("variant",),
        None,
        "swept scenario key {key}",
        ("sweep",),
        attrs=("set_option",),
        family=r"[^.]+(?:\.[^.]+)+",  # a dotted scenario key (simengine.scenario.variants)
    ),
    # -- comparison.nc (simengine.cli.compare.compare) --------------------------------------------------------
    CoordSpec("year", ("year",), "year", "calendar year (the years both scenarios cover)", ("compare",)),
    CoordSpec("draw", ("draw",), "1", "draw index (the same draw in A and B)", ("compare",)),
    CoordSpec("band", ("band",), "1", "probability level of the quantiles of A's and B's gain", ("compare",)),
    # -- backtest.nc (simengine.analysis.scoring.backtest_dataset) -----------------------------------------
    CoordSpec("observation", _OBS, None, "observation id ([[observation]] id)", _BT),
    CoordSpec("quantity", _OBS, None, "observed quantity (realised, potential, golive or adoption)", _BT),
    CoordSpec("scope", _OBS, None, "what the observation covers (national, area:<key> or initiative:<id>)", _BT),
    CoordSpec("year", _OBS, "year", "year of the observed value (NaN: an observation without a year)", _BT),
    CoordSpec("known_by", _OBS, None, "date by which the observation was known (YYYY-MM-DD)", _BT),
    CoordSpec("source", _OBS, None, "where the observed value comes from", _BT),
    CoordSpec("error_model", _OBS, None, "the observation's error model", _BT),
    CoordSpec("pit_bin", ("pit_bin",), "1", "PIT bin k: [k/{bins}, (k+1)/{bins})", _BT),
    CoordSpec(
        "unit_group",
        ("unit_group",),
        None,
        "the unit of a group of observations (totals and skill per unit)",
        _BT,
    ),
)
#: every declared coordinate of each Dataset (DATASETS), by name; families apart
COORDS: dict[str, dict[str, CoordSpec]] = {
    d: {c.name: c for c in _COORDS if d in c.datasets and c.family is None} for d in DATASETS
}
_COORD_FAMILIES: dict[str, list[CoordSpec]] = {
    d: [c for c in _COORDS if d in c.datasets and c.family is not None] for d in DATASETS
}
if sum(len(t) + len(_COORD_FAMILIES[d]) for d, t in COORDS.items()) != sum(len(c.datasets) for c in _COORDS):
    raise ValueError("a coordinate is declared twice for a Dataset in simengine.analysis.varspecs")  # pragma: no cover


def coord_spec(name: str, dataset: str = "results") -> CoordSpec | None:
    """The declaration of coordinate ``name`` of a ``dataset`` Dataset (a family's member included)."""
    c = COORDS[dataset].get(name)
    return c if c is not None else next((f for f in _COORD_FAMILIES[dataset] if f.matches(name)), None)


def coord_attrs(c: CoordSpec, name: str, values: dict) -> dict:
    """The attributes of coordinate ``name``: units (if any), long name, then ``c.attrs``."""
    if c.family is not None:
        values = {str(_field(c.name)): name, **values}
    out: dict[str, object] = {} if c.units is None else {"units": c.units}
    out["long_name"] = c.long_name.format(**values)
    out.update({k: values[k] for k in c.attrs if k in values})
    return out


def label_coords(ds: xr.Dataset, dataset: str = "results", names=None, **values) -> None:
    """Give the coordinates ``names`` of ``ds`` (default: every coordinate with a declaration) their
    declared attributes; ``values`` fill the long names' templates and give further attributes."""
    for name in ds.coords if names is None else names:
        c = coord_spec(str(name), dataset)
        if c is None:
            if names is None:
                continue
            raise KeyError(f"{name}: no coordinate of {dataset} in simengine.analysis.varspecs")
        ds[name].attrs = coord_attrs(c, str(name), values)


def spec(name: str, dataset: str = "results") -> VarSpec:
    """The declaration of variable ``name`` of a ``dataset`` Dataset (a family's member included)."""
    table = TABLES[dataset]
    s = table.get(name)
    if s is None:
        s = next((f for f in table.values() if f.family is not None and f.matches(name)), None)
    if s is None:
        raise KeyError(name)
    return s


def attrs(s: VarSpec, values: dict) -> dict:
    """The attributes of a variable: units, long name (formatted with ``values``), then ``s.attrs``."""
    out: dict[str, object] = {} if s.units is None else {"units": s.units}
    out["long_name"] = s.long_name.format(**values)
    fixed = dict(s.fixed)
    for key in s.attrs:
        if key == "method" and s.method is not None:
            out["method"] = s.method.format(**values)
        elif key in values:
            out[key] = values[key]
        elif key in fixed:
            out[key] = fixed[key]
    return out


class Batch:
    """Variables being written to a Dataset (:func:`batch`): :func:`put` and :func:`put_interval`
    collect them here, with their attributes and encoding; reading a name gives the variable written
    here, else the Dataset's."""

    def __init__(self, ds: xr.Dataset) -> None:
        self.ds = ds
        self.new: dict[str, xr.Variable] = {}

    def __getitem__(self, name: str) -> xr.Variable | xr.DataArray:
        return self.new[name] if name in self.new else self.ds[name]

    def __contains__(self, name: object) -> bool:
        return name in self.new or name in self.ds


@contextlib.contextmanager
def batch(ds: xr.Dataset) -> Iterator[Batch]:
    """Write variables to ``ds`` together: ``with batch(ds) as new: put(new, ...)`` adds them at the
    block's end in one step, in the order written, as writing them one by one would (each
    ``ds[name] = ...`` merges the new variable with every one already there: milliseconds each at
    the size of results.nc). A coordinate is assigned to ``ds`` before the block (or after it), so
    the order of the Dataset's variables, and of results.nc's, is the order they were written in."""
    new = Batch(ds)
    yield new
    if new.new:
        ds.update(new.new)


def _write(ds: xr.Dataset | Batch, name: str, var: xr.Variable) -> None:
    if isinstance(ds, Batch):
        ds.new[name] = var
    else:
        ds[name] = var


def put(ds: xr.Dataset | Batch, name: str, data, dtype=None, *, dataset: str = "results", **values) -> None:
    """Write variable ``name`` of a ``dataset`` Dataset (DATASETS) from a plain array with its spec's
    dimensions and attributes (``ds``: the Dataset, or a :func:`batch` of it). ``values`` fill the
    spec's templates and give its run-time attributes; a family's member is named by its template
    (``put(ds, "crps_{reference}", ..., reference="business_case")``)."""
    s = TABLES[dataset][name]
    if s.family is not None:
        name = s.name.format(**values)
        if not s.matches(name) or name in TABLES[dataset]:
            raise ValueError(f"{name}: not a member of the family {s.name} (or the name of another variable)")
    arr = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    if arr.ndim != len(s.dims):
        raise ValueError(f"{name}: array of shape {arr.shape} for dims {s.dims}")
    encoding = {"zlib": True, "complevel": 4} if s.compress else None
    _write(ds, name, xr.Variable(s.dims, arr, attrs(s, values), encoding))


#: the ``observed`` variable's long name by what the values measure ([observed] quantity)
OBSERVED_WHAT = {"realised": "gain", "potential": "potential gain (before local realisation)"}

#: the confidence level of every Monte Carlo interval
LEVEL = 0.95


def put_interval(ds: xr.Dataset | Batch, base: str, lo, hi, method: str, draws: int | None) -> None:
    """Write ``<base>_ci_low`` / ``<base>_ci_high`` of a variable already in ``ds`` (the Dataset or a
    :func:`batch` of it; the interval variables take its dims, units and long name; ``draws`` None:
    no ``draws`` attribute)."""
    da = ds[base]
    for suffix, val in (("ci_low", lo), ("ci_high", hi)):
        ends = np.asarray(val, dtype=float).reshape(da.shape)
        interval_attrs = {
            "units": da.attrs.get("units", ""),
            "long_name": f"{'lower' if suffix == 'ci_low' else 'upper'} end of the 95 % Monte Carlo interval "
            f"of: {da.attrs.get('long_name', base)}",
            "method": method,
            "level": LEVEL,
            **({} if draws is None else {"draws": draws}),
        }
        _write(ds, f"{base}_{suffix}", xr.Variable(da.dims, ends, interval_attrs))


def negotiation_vars(ds: xr.Dataset) -> list[str]:
    """The variables of ``ds`` written by simengine.analysis.negotiate (layout "negotiation",
    intervals included), in ``ds``'s order."""
    names = []
    for name in ds.data_vars:
        s = SPECS.get(str(name).removesuffix("_ci_low").removesuffix("_ci_high"))
        if s is not None and s.layout == "negotiation":
            names.append(str(name))
    return names


def weighted_stats() -> list[tuple[str, list[tuple[str, ...]]]]:
    """The statistics an update recomputes under the importance weights (VarSpec.weighted): per
    per-draw variable, in declaration order, its statistics as (name, statistic of WEIGHTED[,
    reference variable]), in WEIGHTED's order (the quantiles first)."""
    by: dict[str, list[tuple[str, ...]]] = {}
    for s in SPECS.values():
        if s.weighted is not None:
            by.setdefault(s.weighted[0], []).append((s.name, *s.weighted[1:]))
    return [(name, sorted(by[name], key=lambda t: WEIGHTED.index(t[1]))) for name in SPECS if name in by]


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


def check(ds: xr.Dataset, dataset: str = "results") -> list[str]:
    """What disagrees between ``ds`` (a ``dataset`` Dataset, DATASETS) and the declarations: a variable
    without a spec, or one whose dims or units differ from its spec's (a sweep's have ``variant``
    first); interval variables (``_ci_low``/``_ci_high``) are checked against their base's spec, which
    must declare an interval. A coordinate without a declaration, on other dims, or without its
    declared units, long name and further attributes."""
    problems = []
    lead = ("variant",) if dataset == "sweep" else ()
    for name in ds.data_vars:
        name = str(name)
        base = name.removesuffix("_ci_low").removesuffix("_ci_high")
        try:
            s = spec(base, dataset)
        except KeyError:
            problems.append(f"{name}: no spec in simengine.analysis.varspecs")
            continue
        if base != name and s.interval is None:
            problems.append(f"{name}: its spec {base} declares no Monte Carlo interval")
        if tuple(ds[name].dims) != lead + s.dims:
            problems.append(f"{name}: dims {tuple(ds[name].dims)}, spec {lead + s.dims}")
        if ds[name].attrs.get("units") != s.units:
            problems.append(f"{name}: units {ds[name].attrs.get('units')!r}, spec {s.units!r}")
    for name in ds.coords:
        name = str(name)
        c = coord_spec(name, dataset)
        if c is None:
            problems.append(f"coordinate {name}: no declaration in simengine.analysis.varspecs")
            continue
        a = ds[name].attrs
        if tuple(ds[name].dims) != c.dims:
            problems.append(f"coordinate {name}: dims {tuple(ds[name].dims)}, declared {c.dims}")
        if a.get("units") != c.units:
            problems.append(f"coordinate {name}: units {a.get('units')!r}, declared {c.units!r}")
        fixed = c.long_name if c.family is None else c.long_name.replace("{" + str(_field(c.name)) + "}", name)
        if not a.get("long_name") or ("{" not in fixed and a["long_name"] != fixed):
            problems.append(f"coordinate {name}: long_name {a.get('long_name')!r}, declared {c.long_name!r}")
        problems += [f"coordinate {name}: no attribute {k}" for k in c.attrs if k not in a]
    return problems
