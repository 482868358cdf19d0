"""``python -m simengine sweep``: --set parsing, variants, common random numbers, outputs.

The sweep on a Dask cluster is tested in test_distributed.py (it shares that module's cluster).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import xarray as xr

from simengine.cli import sweep
from simengine.cli.main import main
from simengine.cli.runner import simulate
from simengine.errors import ConfigError
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"


# -- --set --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "option,values",
    [
        ("regimes.retention_share=0.25,0.5,0.75", [0.25, 0.5, 0.75]),
        ("regimes.retention_years=2,4", [2, 4]),
        ("scenario.target=2e9, 1_500_000_000", [2e9, 1_500_000_000]),
        ("initiatives.osb-1.key=equal,population", ["equal", "population"]),
        ("initiatives.osb-1.key=\"equal\",'population'", ["equal", "population"]),
        ("initiatives.osb-1.channel_shift=true,false", [True, False]),
        (
            'initiatives.osb-1.delay=0,{ dist = "uniform", min = 0, max = 2 }',
            [0, {"dist": "uniform", "min": 0, "max": 2}],
        ),
        ("municipal.optimal_population=[50000, 100000],[70000, 110000]", [[50000, 100000], [70000, 110000]]),
    ],
)
def test_parse_set(option, values):
    s = sweep.parse_set(option)
    assert s.key == option.split("=", 1)[0]
    assert list(s.values) == values


@pytest.mark.parametrize(
    "option,needle",
    [
        ("regimes.retention_share", "expected KEY.PATH=V1,V2"),
        ("=0.5", "expected KEY.PATH=V1,V2"),
        ("regimes.retention_share=", "at least one value"),
        ("regimes..share=1", "dotted keys"),
        ("regimes.retention share=1", "dotted keys"),
        ("regimes.retention_share=0.5,0.5", "given twice"),
        ("regimes.retention_share=0.5,(1)", "cannot read '(1)'"),
    ],
)
def test_parse_set_errors(option, needle):
    with pytest.raises(ConfigError, match=r"^--set ") as exc:
        sweep.parse_set(option)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_apply_by_initiative_id_and_new_tables(small_dict):
    doc = small_dict
    sweep.apply(doc, sweep.parse_set("initiatives.fmk.delay=0.5"), 0.5)
    assert next(i for i in doc["initiatives"] if i["id"] == "fmk")["delay"] == 0.5
    sweep.apply(doc, sweep.parse_set("initiatives.osb-2.legislation.probability=0.3"), 0.3)
    assert next(i for i in doc["initiatives"] if i["id"] == "osb-2")["legislation"] == {"probability": 0.3}
    del doc["regimes"]
    sweep.apply(doc, sweep.parse_set("regimes.retention_share=0.1"), 0.1)
    assert doc["regimes"] == {"retention_share": 0.1}
    with pytest.raises(ConfigError, match=r"no initiative with id 'osb1'; did you mean 'osb-1'\?"):
        sweep.apply(doc, sweep.parse_set("initiatives.osb1.delay=1"), 1)
    with pytest.raises(ConfigError, match="not a table"):
        sweep.apply(doc, sweep.parse_set("initiatives.fmk.delay.median=1"), 1)
    with pytest.raises(ConfigError, match="name an initiative by its id"):
        sweep.apply(doc, sweep.parse_set("initiatives.fmk=1"), 1)


def test_overlapping_or_huge_grids_are_refused():
    with pytest.raises(ConfigError, match="overlaps"):
        sweep.check_settings([sweep.parse_set("regimes.retention_share=0.1"), sweep.parse_set("regimes=1")])
    big = [
        sweep.parse_set("regimes.retention_share=" + ",".join(str(i / 1000) for i in range(101))),
        sweep.parse_set("regimes.retention_years=" + ",".join(str(i) for i in range(101))),
    ]
    with pytest.raises(ConfigError, match="10,201 variants"):
        sweep.check_settings(big)


def test_invalid_variant_names_its_set_option():
    settings = [sweep.parse_set("regimes.retention_share=0.5,1.5"), sweep.parse_set("regimes.retention_years=2,3")]
    with pytest.raises(ConfigError) as exc:
        sweep.build_variants(SMALL, settings, draws=100)
    problems = exc.value.problems
    assert len(problems) == 1, problems  # the same problem in two variants is reported once
    assert problems[0].startswith("--set regimes.retention_share=1.5: ")
    assert "regimes.retention_share" in problems[0] and "1.5" in problems[0]
    settings = [sweep.parse_set('initiatives.osb-2.adoption={ dist = "pert", min = 1, mode = 0.5, max = 2 }')]
    with pytest.raises(ConfigError, match=r"^--set initiatives.osb-2.adoption=\{ dist = \"pert\""):
        sweep.build_variants(SMALL, settings, draws=100)


def test_a_misspelt_key_is_one_problem_for_all_its_values():
    """An unknown key is wrong whatever its value: one line naming the --set key, not one per value."""
    settings = [sweep.parse_set("regimes.retention_shar=0.25,0.5,0.75")]
    with pytest.raises(ConfigError) as exc:
        sweep.build_variants(SMALL, settings, draws=100)
    problems = exc.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith("--set regimes.retention_shar: "), problems
    assert "unknown key; did you mean 'retention_share'?" in problems[0], problems


def test_cli_invalid_set_exits_2_with_one_line(tmp_path, capsys):
    code = main(
        [
            "sweep",
            str(SMALL),
            "--set",
            "regimes.retention_share=0.5,7",
            "--draws",
            "100",
            "--out",
            str(tmp_path / "s"),
            "--quiet",
            "--lang",
            "en",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --set regimes.retention_share=7: "), err
    assert not (tmp_path / "s").exists()


# -- results ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grid():
    sets = ["regimes.retention_share=0.25,0.5,0.75", "regimes.retention_years=2,4"]
    return sweep.sweep(SMALL, sets, draws=1200)


def test_grid_dataset(grid):
    ds, table = grid
    assert ds.sizes["variant"] == 6
    assert list(ds["regimes.retention_share"].values) == [0.25, 0.25, 0.5, 0.5, 0.75, 0.75]
    assert list(ds["regimes.retention_years"].values) == [2, 4, 2, 4, 2, 4]
    assert ds["variant_label"].values[3] == "regimes.retention_share=0.5, regimes.retention_years=4"
    assert ds["p_target"].dims == ("variant", "year")
    assert ds["benefit_quantile"].dims == ("variant", "quantile", "year")
    assert ds["central_gain_mean"].dims == ("variant", "regime", "year")
    assert ds["service_cut_mean"].dims == ("variant", "regime", "year")
    assert "draw" not in ds.dims and "municipality" not in ds.dims
    assert ds.attrs["seed"] == 7 and ds.attrs["draws"] == 1200 and ds.attrs["variants"] == 6
    assert table.height == 6
    for col in (
        "variant",
        "label",
        "regimes.retention_share",
        "regimes.retention_years",
        "year",
        "p_target",
        "benefit_p10",
        "benefit_p50",
        "service_cut_mean",
        "central_gain_mean_retention",
    ):
        assert col in table.columns, col
    assert table["year"].to_list() == [2014] * 6


def test_common_random_numbers(grid):
    """Retention settings change only the retention regime: everything else is identical across
    variants, draw by draw, because every variant uses the same streams."""
    ds, table = grid
    for name in ("p_target", "benefit_quantile", "benefit_mean", "expected_shortfall", "npv_mean"):
        v = ds[name].values
        assert (v == v[:1]).all(), name
    cg = ds["central_gain_mean"]
    assert (cg.sel(regime="realised").values == cg.sel(regime="realised").values[:1]).all()
    ret = cg.sel(regime="retention", year=2014).values
    assert len(set(ret.tolist())) == 6  # each retention setting gives a different central gain
    assert ret[0] > ret[2] > ret[4] and ret[0] > ret[1]  # keeping more, or longer, leaves less to the centre
    assert table["benefit_p50"].n_unique() == 1


def test_initiative_sweep_leaves_the_other_initiatives_draws_alone():
    ds, _ = sweep.sweep(SMALL, ["initiatives.osb-1.delay=0,1,2"], draws=800)
    ini = ds["initiative_benefit_mean"]
    for other in ("osb-2", "fmk"):
        v = ini.sel(initiative=other).values
        assert (v == v[:1]).all(), other
    osb = ini.sel(initiative="osb-1", year=2013).values
    assert osb[0] > osb[1] > osb[2]  # later go-live, less gain in 2013
    assert ds["initiatives.osb-1.delay"].values.tolist() == [0, 1, 2]


def test_a_variant_equals_a_plain_run_of_that_variant(small_dict, write_scenario):
    ds, _ = sweep.sweep(SMALL, ["regimes.incentive_uplift=0,0.3", "initiatives.fmk.start=2013,2014"], draws=900)
    small_dict["regimes"]["incentive_uplift"] = 0.3
    next(i for i in small_dict["initiatives"] if i["id"] == "fmk")["start"] = 2014
    sc = scenario.load(write_scenario(small_dict)).with_run_options(draws=900)
    run = simulate(sc, threads=1)
    v = ds.sel(variant=3)
    assert v["variant_label"].item() == "regimes.incentive_uplift=0.3, initiatives.fmk.start=2014"
    for name in (
        "p_target",
        "benefit_quantile",
        "central_gain_mean",
        "service_cut_mean",
        "npv_quantile",
        "initiative_golive",
        "area_p_target",
        "expected_shortfall",
    ):
        assert np.array_equal(v[name].values, run[name].values), name


def test_cli_sweep_writes_dataset_table_and_manifest(tmp_path, capsys):
    out = tmp_path / "s"
    code = main(
        [
            "sweep",
            str(SMALL),
            "--set",
            "regimes.retention_share=0.25,0.75",
            "--set",
            "initiatives.osb-1.delay=0,0.5",
            "--draws",
            "700",
            "--threads",
            "1",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert sorted(p.name for p in out.iterdir()) == [
        ".simengine-files.json",
        "sweep.html",
        "sweep.json",
        "sweep.nc",
        "sweep.xlsx",
        "sweep_summary.parquet",
    ]
    with xr.open_dataset(out / "sweep.nc", engine="h5netcdf") as ds:
        assert ds.sizes["variant"] == 4
        assert ds["initiatives.osb-1.delay"].values.tolist() == [0.0, 0.5, 0.0, 0.5]
        assert ds["p_target"].attrs["units"] == "1"
        # the output contract: the results' variables with variant first, every coordinate declared
        from simengine.analysis.varspecs import check

        assert check(ds, "sweep") == []
        assert ds["initiatives.osb-1.delay"].attrs == {
            "long_name": "swept scenario key initiatives.osb-1.delay",
            "set_option": "--set initiatives.osb-1.delay=0,0.5",
        }
        assert ds["year"].attrs["units"] == "year" and ds["regime"].attrs["long_name"]
    t = pl.read_parquet(out / "sweep_summary.parquet")
    assert t.height == 4 and t["initiatives.osb-1.delay"].to_list() == [0.0, 0.5, 0.0, 0.5]
    m = json.loads((out / "sweep.json").read_text())
    assert m["sets"] == ["regimes.retention_share=0.25,0.75", "initiatives.osb-1.delay=0,0.5"]
    assert len(m["variants"]) == 4 and m["seed"] == 7
    assert "4 varianter" in captured.out and "P(mål)" in captured.out  # Danish by default, as run
    assert max(len(ln) for ln in captured.out.splitlines() if not ln.startswith(("wrote ", "skrev "))) <= 80
    assert len([ln for ln in captured.out.splitlines() if ln.strip().startswith(("0 ", "1 ", "2 ", "3 "))]) == 4


def test_sweep_table_in_english_at_80_columns(tmp_path, capsys):
    """--lang en: the table in English; the swept keys numbered and named above it; 80 columns."""
    out = tmp_path / "s"
    code = main(
        [
            "sweep",
            str(SMALL),
            "--set",
            "regimes.retention_share=0.25,0.75",
            "--set",
            "initiatives.osb-1.delay=0,0.5",
            "--draws",
            "300",
            "--threads",
            "1",
            "--out",
            str(out),
            "--lang",
            "en",
            "--no-report",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "sweep of 4 variants" in text and "P(target)" in text and "varianter" not in text
    assert "[1] = regimes.retention_share" in text and "[2] = initiatives.osb-1.delay" in text
    body = [ln for ln in text.splitlines() if not ln.startswith(("wrote ", "skrev "))]
    assert max(len(ln) for ln in body) <= 80
    rows = [ln.split() for ln in body if ln.strip()[:2] in ("0 ", "1 ", "2 ", "3 ")]
    assert [r[2] for r in rows] == ["0", "0.5", "0", "0.5"]  # the swept delay, as in sweep_summary.parquet


def test_swept_amounts_in_the_readers_number_format(tmp_path, capsys):
    """A swept amount in DKK (a gain, a target, an investment) reads in mio. kr. (100, 250) in the
    terminal, the page's table, the charts' labels and the workbook, its heading saying so; any other
    swept number as written, in the reader's format (100.000.000, never 1e+08); the page says NPV is
    a total; the workbook's P(target) is empty in a year without a target (2011), as in the run's
    workbook."""
    from openpyxl import load_workbook

    from simengine.outputs.report import sweep as page

    out = tmp_path / "s"
    code = main(
        ["sweep", str(SMALL), "--set", "initiatives.osb-1.gain=1e8,2.5e8", "--draws", "200", "--threads", "1"]
        + ["--out", str(out)]
    )
    text = capsys.readouterr().out
    assert code == 0
    rows = [ln.split() for ln in text.splitlines() if ln.strip()[:2] in ("0 ", "1 ")]
    assert [r[1] for r in rows] == ["100", "250"] and "e+08" not in text
    assert "[1] = initiatives.osb-1.gain (mio. kr.)" in text
    html = (out / "sweep.html").read_text(encoding="utf-8")
    assert "gain (mio. kr.)</th>" in html and "<td>100</td>" in html and "e+08" not in html
    assert "NPV, middel er nutidsværdien af nettogevinsten over alle årene i alt (mio. kr.)." in html
    assert "kr.." not in html
    with xr.open_dataset(out / "sweep.nc", engine="h5netcdf") as ds:
        table = pl.read_parquet(out / "sweep_summary.parquet")
        assert page.Sw(ds, table, "da").short(table.row(0, named=True)) == "gain=100"
        assert page.Sw(ds, table, "en").short(table.row(1, named=True)) == "gain=250"
        years = [int(y) for y in ds["year"].values]
        targets = ds["target"].isel(variant=0).values
    assert targets[years.index(2011)] <= 0 < targets[years.index(2014)]
    wv = load_workbook(out / "sweep.xlsx")["Varianter"]
    assert wv.cell(row=1, column=2).value == "initiatives.osb-1.gain (mio. kr.)"
    assert [wv.cell(row=r, column=2).value for r in (2, 3)] == [100, 250]
    for key, v, want in (
        ("scenario.cost_per_fte", 1e8, "100.000.000"),  # kroner per FTE, not an amount per year
        ("regimes.retention_share", 0.25, "0,25"),
        ("scenario.target", 1.5e9, "1.500"),
        ("areas.social.target", 2.5e8, "250"),
        ("initiatives.fmk.investment", 1.25e7, "12,5"),
        ("outputs.cut_threshold", 1e8, "100"),
    ):
        assert page._value(v, "da", key) == want, key
    ws = load_workbook(out / "sweep.xlsx")["År"]
    head = [c.value for c in ws[1]]
    col_p, col_y = head.index("P(mål nået)"), head.index("År")
    by_year = {r[col_y]: r[col_p] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == 0}
    assert by_year[2011] is None and 0 <= by_year[2014] <= 1
