"""The declarative variable specs: the builder writes what the spec says, the check finds a
variable without a spec or with other dims or units, and summary.parquet's row sets follow the specs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from simengine.analysis import varspecs
from simengine.analysis.varspecs import SPECS, batch, check, put, put_interval, summary_specs


def test_put_writes_the_spec():
    ds = xr.Dataset()
    put(ds, "expected_shortfall", np.arange(3.0), tail=0.1)
    s = SPECS["expected_shortfall"]
    assert ds["expected_shortfall"].dims == s.dims
    assert ds["expected_shortfall"].attrs == {
        "units": "DKK/year",
        "tail": 0.1,
        "long_name": "expected shortfall: mean of max(0, target - gain) over the worst 10% of draws (CVaR)",
    }
    assert check(ds) == []


def test_put_refuses_a_wrong_shape_and_a_missing_template_value():
    ds = xr.Dataset()
    with pytest.raises(ValueError, match="benefit_quantile"):
        put(ds, "benefit_quantile", np.arange(3.0))  # (quantile, year) needs 2 dims
    with pytest.raises(KeyError):
        put(ds, "expected_shortfall", np.arange(3.0))  # the long name needs the tail


def test_check_finds_disagreements():
    ds = xr.Dataset()
    put(ds, "p_target", np.array([0.5, 0.6]))
    put_interval(ds, "p_target", [0.4, 0.5], [0.6, 0.7], "Wilson", 100)
    assert check(ds) == []
    ds["p_target"].attrs["units"] = "DKK"
    ds["no_such_variable"] = (("year",), np.zeros(2))
    ds["target_ci_low"] = (("year",), np.zeros(2), {"units": "DKK/year"})
    ds["benefit_mean"] = (("area",), np.zeros(2), {"units": "DKK/year"})
    problems = check(ds)
    assert any(p.startswith("p_target: units") for p in problems)
    assert any(p.startswith("no_such_variable: no spec") for p in problems)
    assert any(p.startswith("target_ci_low: its spec target declares no") for p in problems)
    assert any(p.startswith("benefit_mean: dims") for p in problems)


def test_interval_long_name_and_units_follow_the_variable():
    ds = xr.Dataset()
    put(ds, "benefit_mean", np.array([1.0, 2.0]))
    put_interval(ds, "benefit_mean", [0.5, 1.5], [1.5, 2.5], "normal", 10)
    a = ds["benefit_mean_ci_high"].attrs
    assert a["units"] == "DKK/year" and a["draws"] == 10 and a["level"] == 0.95
    assert a["long_name"] == "upper end of the 95 % Monte Carlo interval of: mean national gross gain"


def _write_some(ds, new) -> None:
    """A few variables, one read back and one interval of it, as an analysis writes them."""
    put(new, "benefit_mean", np.array([1.0, 2.0]))
    put_interval(new, "benefit_mean", [0.5, 1.5], [1.5, 2.5], "normal", 10)
    put(new, "expected_shortfall", np.arange(2.0), tail=0.1)
    put(new, "p_target", new["benefit_mean"].values / 4)
    dist = {"layout": "unsigned", "nbins": 4, "zero_bin": 0, "sub_bits": 2, "lo": -1.0, "draws": 10}
    put(new, "dist_benefit", np.ones((2, 4), dtype=np.int64), **dist)  # stored compressed (encoding)


def test_a_batch_writes_what_putting_one_by_one_writes():
    """The same variables, in the same order, with the same attributes (in order), encoding and
    values as written one at a time; nothing is added before the batch's end."""
    coords = {"year": [2020, 2021], "municipality": [101, 147, 151]}
    one = xr.Dataset(coords=coords)
    _write_some(one, one)
    together = xr.Dataset(coords=coords)
    with batch(together) as new:
        _write_some(together, new)
        assert list(together.data_vars) == [] and "benefit_mean" in new
    assert list(together.variables) == list(one.variables)
    xr.testing.assert_identical(together, one)
    for name, var in one.variables.items():
        assert list(together[name].attrs.items()) == list(var.attrs.items()), name
        assert together[name].encoding == var.encoding, name
    assert together["dist_benefit"].encoding == {"zlib": True, "complevel": 4}


def test_summary_rows_follow_the_specs():
    rows = summary_specs()
    names = [r[0] for r in rows]
    assert len(names) == len(set(names))
    assert ("benefit_quantile_ci_low", "benefit", "quantile_ci_low", None) in rows
    assert ("fte_quantile_ci_low" not in names) and ("benefit", "quantile") == SPECS["benefit_quantile"].summary
    split = [r for r in rows if r[3] is not None]
    assert [r[0] for r in split][:2] == ["central_gain_quantile", "central_gain_mean"]
    assert {r[3] for r in split} == {"regime", "regime_pair"}
    # every row set is a declared variable or its interval
    for v, *_ in rows:
        assert v in SPECS or v.removesuffix("_ci_low").removesuffix("_ci_high") in SPECS


def test_declarations_are_consistent():
    for s in SPECS.values():
        assert s.long_name and s.units is not None
        if s.split is not None:
            assert s.summary is not None
        if s.summary_regime is not None:
            assert s.layout == "negotiation"
    with pytest.raises(ValueError, match="interval"):
        varspecs.VarSpec("x", ("year",), "1", "x", interval="median")
    with pytest.raises(ValueError, match="summary_interval"):
        varspecs.VarSpec("x", ("year",), "1", "x", summary_interval=True)
    with pytest.raises(ValueError, match="own_interval"):
        varspecs.VarSpec("x", ("year",), "1", "x", own_interval=True)
    with pytest.raises(ValueError, match="layout"):
        varspecs.VarSpec("x", ("year",), "1", "x", layout="wide")
    with pytest.raises(ValueError, match="fixed"):
        varspecs.VarSpec("x", ("year",), "1", "x", fixed=(("statistic", "mean"),))


def test_every_analysis_variable_is_declared():
    """The negotiation, sensitivity and waterfall variables have specs too: no allow-list is left,
    and a variable of theirs with other units is caught like any other."""
    assert not hasattr(varspecs, "UNDECLARED")
    for name in ("committable", "dist_benefit", "delivery_p_cut_above", "tornado_npv_low", "waterfall_mc_se"):
        assert name in SPECS, name
    ds = xr.Dataset()
    put(ds, "committable", np.zeros((2, 3)), method="m")
    put_interval(ds, "committable", np.zeros((2, 3)), np.ones((2, 3)), "m", None)
    assert check(ds) == [] and "draws" not in ds["committable_ci_low"].attrs
    ds["committable"].attrs["units"] = "DKK"
    assert check(ds) == ["committable: units 'DKK', spec 'DKK/year'"]


def test_fixed_attributes_and_their_order():
    ds = xr.Dataset()
    put(ds, "waterfall_mc_se", np.zeros(3), method="m", year=2015, draws=10, draws_total=20, subsample="s")
    a = ds["waterfall_mc_se"].attrs
    assert list(a) == ["units", "long_name", "method", "year", "draws", "draws_total", "statistic", "se_method"]
    assert a["statistic"] == "standard error" and a["long_name"].endswith("mean waterfall (s)")
    put(ds, "sensitivity", np.zeros(2), method="m", draws=1, draws_total=1, subsample="s", year=2015, output="x")
    assert ds["sensitivity"].attrs["output"] == "x"  # a value passed wins over the fixed one


def test_negotiation_and_analysis_rows_follow_the_specs():
    rows = summary_specs("negotiation")
    assert rows[:3] == [
        ("committable", "committable", "amount_at_certainty", None),
        ("committable_ci_low", "committable", "amount_at_certainty_ci_low", None),
        ("committable_ci_high", "committable", "amount_at_certainty_ci_high", None),
    ]
    assert ("delivery_p_cut_above_ci_high", "delivery_p_service_cut_above", "probability_ci_high", "delivery") in rows
    assert not {r[0] for r in rows} & {r[0] for r in summary_specs()}
    analysis = [r[0] for r in summary_specs("analysis")]
    assert analysis[:4] == ["sensitivity", "sensitivity_npv", "tornado_low", "tornado_high"]


def test_every_analysis_spec_with_rows_reaches_summary_parquet():
    """Each variable whose spec gives analysis rows (sensitivity, tornado, waterfall) has rows in
    summary.parquet, the NPV tornado's included (its rows were once looked up under a wrong name)."""
    from simengine.outputs.summary_rows import _analysis_rows

    ds = xr.Dataset(
        coords={
            "input": ["a.delay", "national.W"],
            "input_initiative": ("input", ["a", ""]),
            "input_kind": ("input", ["delay", "W"]),
        }
    )
    common = {"method": "m", "draws": 10, "draws_total": 10, "subsample": "all", "year": 2015}
    for name in (
        "sensitivity",
        "sensitivity_npv",
        "tornado_low",
        "tornado_high",
        "tornado_npv_low",
        "tornado_npv_high",
    ):
        put(ds, name, np.array([1.0, 2.0]), standard_error=0.1, base=0.0, **common)
    rows = _analysis_rows(ds)
    metrics = {f["metric"][0]: f for f in rows}
    for name in ("tornado_low", "tornado_high", "tornado_npv_low", "tornado_npv_high"):
        assert name in metrics, name
        assert metrics[name]["statistic"][0] == "median"
        assert metrics[name]["input"].to_list() == ["a.delay", "national.W"]
    assert metrics["tornado_npv_low"]["unit"][0] == "DKK" and metrics["tornado_low"]["unit"][0] == "DKK/year"
    assert {s.summary[0] for s in SPECS.values() if s.layout == "analysis" and s.summary} <= set(metrics) | {
        "waterfall",
        "area_waterfall",
        "initiative_waterfall",
    }


def test_negotiation_vars_are_found_by_their_specs():
    """update.reweight leaves the negotiation outputs alone; it finds them by their specs, intervals
    and stored histograms included, not by a list of name prefixes."""
    ds = xr.Dataset()
    put(ds, "benefit_mean", np.zeros(2))
    put(ds, "committable", np.zeros((2, 2)), method="m")
    put_interval(ds, "committable", np.zeros((2, 2)), np.ones((2, 2)), "m", 10)
    put(ds, "dist_municipality_lo", np.ones(3))
    put(ds, "delivery_service_cut_mean", np.zeros(2), method="m")
    put(ds, "p_target", np.zeros(2))
    ds["not_a_spec"] = (("year",), np.zeros(2))
    assert varspecs.negotiation_vars(ds) == [
        "committable",
        "committable_ci_low",
        "committable_ci_high",
        "dist_municipality_lo",
        "delivery_service_cut_mean",
    ]


def test_backtest_family_is_one_declaration():
    """backtest.nc's per-reference variables are named at run time (crps_<reference>): one spec
    gives every member its dims, units and long name; a name of another variable is refused."""
    ds = xr.Dataset(coords={"observation": ["a", "b"], "unit_group": ["DKK/year"]})
    put(ds, "crps_{reference}", [1.0, 2.0], dataset="backtest", reference="bc", describe="d", ratio_low=1, ratio_high=1)
    put(ds, "skill_{reference}", [0.5], dataset="backtest", reference="bc")
    assert ds["crps_bc"].attrs == {
        "units": "see unit",
        "long_name": "CRPS of the reference forecast 'bc': d",
        "ratio_low": 1,
        "ratio_high": 1,
    }
    assert [p for p in check(ds, "backtest") if not p.startswith("coordinate")] == []
    with pytest.raises(ValueError, match="crps_total"):
        put(ds, "crps_{reference}", [1.0, 2.0], dataset="backtest", reference="total", describe="d")
    with pytest.raises(KeyError):
        put(ds, "crps_bc", [1.0, 2.0], dataset="backtest")  # a member is written through its family
    ds["crps_bc"].attrs["units"] = "1"
    ds["pit"] = (("observation",), np.zeros(2), {"units": "1"})  # a results.nc check would not know it
    assert "crps_bc: units '1', spec 'see unit'" in check(ds, "backtest")
    assert "pit: no spec in simengine.analysis.varspecs" in check(ds)


def test_coordinates_are_checked_against_their_declarations():
    ds = xr.Dataset(coords={"year": [2015, 2016], "regime": ["a", "b"], "mystery": [1, 2]})
    varspecs.label_coords(ds)
    assert ds["year"].attrs == {"units": "year", "long_name": "calendar year (adoption evaluated at mid-year)"}
    assert "units" not in ds["regime"].attrs and ds["regime"].attrs["long_name"]
    assert check(ds) == ["coordinate mystery: no declaration in simengine.analysis.varspecs"]
    ds["year"].attrs = {"long_name": "year"}
    problems = check(ds)
    assert "coordinate year: units None, declared 'year'" in problems
    assert any(p.startswith("coordinate year: long_name") for p in problems)
    # the same name may be declared apart for another Dataset (comparison.nc's years)
    varspecs.label_coords(ds, "compare", ["year"])
    assert ds["year"].attrs["long_name"] == "calendar year (the years both scenarios cover)"
    with pytest.raises(KeyError, match="mystery"):
        varspecs.label_coords(ds, "results", ["mystery"])


def test_sweep_keys_and_variables():
    """sweep.nc: the results' variables with variant first, and one coordinate per swept key (a
    family named at run time)."""
    ds = xr.Dataset(coords={"variant": [0, 1], "regimes.retention_share": ("variant", [0.25, 0.5])})
    varspecs.label_coords(ds, "sweep", ["variant"])
    varspecs.label_coords(ds, "sweep", ["regimes.retention_share"], set_option="--set x")
    assert ds["regimes.retention_share"].attrs == {
        "long_name": "swept scenario key regimes.retention_share",
        "set_option": "--set x",
    }
    ds["p_target"] = (("variant", "year"), np.zeros((2, 3)), {"units": "1"})
    assert check(ds, "sweep") == []
    ds["p_target"] = (("year",), np.zeros(3), {"units": "1"})
    assert check(ds, "sweep") == ["p_target: dims ('year',), spec ('variant', 'year')"]


def test_weighted_statistics_derive_from_the_specs():
    """update.reweight recomputes every statistic declared weighted= (no list of its own): the
    quantiles and means of each per-draw variable, and a declaration that is not such a statistic is
    refused."""
    stats = dict(varspecs.weighted_stats())
    assert stats["benefit"] == [
        ("benefit_quantile", "quantile"),
        ("benefit_mean", "mean"),
        ("p_target", "p_at_least", "target"),
        ("shortfall_mean", "shortfall", "target"),
        ("expected_shortfall", "shortfall", "target"),
    ]
    assert stats["area_benefit"][-1] == ("area_p_target", "p_at_least", "area_target")
    assert stats["service_cut"][2:] == [
        ("service_cut_difference_quantile", "difference_quantile"),
        ("service_cut_difference_mean", "difference_mean"),
        ("p_service_cut_above", "p_above"),
    ]
    assert stats["npv"] == [("npv_quantile", "quantile"), ("npv_mean", "mean")]
    assert set(stats) == {
        "benefit",
        "net_benefit",
        "area_benefit",
        "fte",
        "npv",
        "central_gain",
        "service_cut",
        "regime_benefit",
        "potential",
        "area_potential",
    }
    with pytest.raises(ValueError, match="weighted"):
        varspecs.VarSpec("x", ("year",), "1", "x", weighted=("benefit", "median"))
    bad = varspecs.VarSpec("x_mean", ("area", "year"), "1", "x", weighted=("benefit", "mean"))
    with pytest.raises(ValueError, match="x_mean: weighted"):
        varspecs._table((SPECS["benefit"], bad))
    for bad in (  # a reference of other dims, none, or a threshold the statistic does not carry
        varspecs.VarSpec("x_p", ("year",), "1", "x", weighted=("benefit", "p_at_least", "area_target")),
        varspecs.VarSpec("x_p", ("year",), "1", "x", weighted=("benefit", "p_at_least")),
        varspecs.VarSpec("x_p", ("year",), "1", "x", weighted=("benefit", "p_above")),
        varspecs.VarSpec("x_p", ("regime", "year"), "1", "x", weighted=("central_gain", "difference_mean")),
    ):
        with pytest.raises(ValueError, match="x_p: weighted"):
            varspecs._table((SPECS["benefit"], SPECS["central_gain"], SPECS["area_target"], bad))


def test_reference_names_cannot_take_another_backtest_variable(tmp_path):
    """A reference named so that crps_<reference> or skill_<reference> is another variable of
    backtest.nc is refused in one line when the observations are read (the reserved names follow
    from the declarations)."""
    from simengine.errors import ConfigError
    from simengine.scenario import observations as obsmod

    table = varspecs.TABLES["backtest"]
    taken = set()
    for fam in (s for s in table.values() if s.family is not None):
        head, _, tail = fam.name.partition("{reference}")
        taken |= {n[len(head) : len(n) - len(tail)] for n in table if n != fam.name and fam.matches(n)}
    assert taken == set(obsmod.RESERVED_REFERENCE_NAMES) == {"total"}
    src = (Path(__file__).resolve().parents[1] / "data" / "observations_small.toml").read_text(encoding="utf-8")
    bad = tmp_path / "obs.toml"
    bad.write_text(src.replace('name = "business_case"', 'name = "total"'), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        obsmod.load(bad)
    text = "\n".join(str(m) for m in exc.value.messages)
    assert "'total' cannot name a reference" in text and text.count("\n") == 0
