"""With vs without the common shocks on the same draws (simengine.analysis.shockeffect, simengine.outputs.report.shocks):
the "without" is an independent run of the scenario with its [[shocks]] deleted, bit for bit; the
"with" is the scenario's own run on the same draws; the report shows it only when the scenario has
shocks. The small test scenario, 3,000 draws; about 20 s."""

from __future__ import annotations

import copy
import html
import io

import numpy as np
import openpyxl
import pytest
import xarray as xr

from simengine.analysis import shockeffect
from simengine.cli.runner import run_scenario
from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.outputs.labels import Labels
from simengine.scenario import schema as scenario
from tests.conftest import TaggedNumbers

DRAWS = 3000
LEVELS = (0.1, 0.5, 0.9)


def _shocked(d: dict) -> dict:
    d = copy.deepcopy(d)
    d["shocks"] = [
        {"id": "delivery", "input": "delay", "initiatives": "all", "loading": 0.5},
        {"id": "optimism", "input": "estimate_factor", "initiatives": ["osb-1"], "loading": 0.4},
        {"id": "realisation-climate", "input": "realisation", "loading": 0.3},
    ]
    return d


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import tomllib

    from tests.conftest import DATA, dump_toml

    base = tmp_path_factory.mktemp("shocks")
    with open(DATA / "small.toml", "rb") as fh:
        plain = tomllib.load(fh)
    out = {}
    for name, d in (("plain", plain), ("shocked", _shocked(plain))):
        p = base / f"{name}.toml"
        p.write_text(dump_toml(d), encoding="utf-8")
        out[name] = p
    return out


@pytest.fixture(scope="module")
def runs(files, tmp_path_factory):
    base = tmp_path_factory.mktemp("shock-runs")
    out = {}
    for key in ("plain", "shocked"):
        sc = scenario.load(files[key]).with_run_options(draws=DRAWS)
        run_scenario(sc, base / key, threads=2, quiet=True)
        with xr.open_dataset(base / key / "results.nc", engine="h5netcdf") as ds:
            out[key] = (base / key, ds.load())
    return out


def _benefit(path, draws, **opts) -> np.ndarray:
    sc = scenario.load(path).with_run_options(draws=draws)
    if opts:
        from dataclasses import replace

        sc = replace(sc, **opts)
    return engine.run(compile_plan(sc), threads=2).benefit


def test_without_equals_an_independent_run_without_the_shocks(files, runs):
    """results.nc's "without" is the scenario file with its [[shocks]] deleted, same seed and draws,
    bit for bit; "with" is the scenario's own draws; the statistics are those of the draws."""
    _, ds = runs["shocked"]
    assert ds["shock_effect_quantile"].attrs["draws"] == DRAWS
    ref = {"with": _benefit(files["shocked"], DRAWS), "without": _benefit(files["plain"], DRAWS)}
    assert not np.array_equal(ref["with"], ref["without"])  # the shocks do change the draws
    target = ds["target"].values
    for which, x in ref.items():
        got = ds["shock_effect_quantile"].sel(shocks=which).values
        np.testing.assert_array_equal(got, np.quantile(x, LEVELS, axis=0))
        np.testing.assert_array_equal(ds["shock_effect_mean"].sel(shocks=which).values, x.mean(axis=0))
        np.testing.assert_array_equal(ds["shock_effect_p_target"].sel(shocks=which).values, (x >= target).mean(axis=0))
        q = np.quantile(x, [0.1, 0.9], axis=0)
        np.testing.assert_array_equal(ds["shock_effect_width"].sel(shocks=which).values, q[1] - q[0])
    # the run's own "with" column is its own distribution (every draw kept: exact quantiles)
    np.testing.assert_allclose(
        ds["shock_effect_quantile"].sel(shocks="with", shock_quantile=0.5).values,
        ds["benefit_quantile"].sel(quantile=0.5).values,
        rtol=1e-12,
    )
    w = ds["shock_effect_width"].values
    with np.errstate(divide="ignore", invalid="ignore"):
        expect = np.where(w[1] > 0, w[0] / w[1] - 1, np.nan)
    np.testing.assert_array_equal(ds["shock_effect_widening"].values, expect)
    # a delay shared by every initiative at loading 0.5 widens the band in the target year
    assert float(ds["shock_effect_widening"].sel(year=2014)) > 0.05


def test_fewer_draws_than_the_run_and_latin_hypercube(files):
    """The comparison on the first n < draws draws equals runs at n draws (plain random sampling:
    a draw does not depend on the number of draws); with Latin hypercube sampling, whose strata
    depend on it, both sides are runs at n draws."""
    sc = scenario.load(files["shocked"]).with_run_options(draws=DRAWS)
    raw = engine.run(compile_plan(sc), threads=2)
    eff = shockeffect.shock_effect(sc, raw, threads=2, draws=1000)
    assert eff["draws"] == 1000 and "first" in eff["how_with"]
    np.testing.assert_array_equal(eff["with"], _benefit(files["shocked"], 1000))
    np.testing.assert_array_equal(eff["without"], _benefit(files["plain"], 1000))

    from dataclasses import replace

    lhs = replace(sc, sampling="lhs")
    raw = engine.run(compile_plan(lhs), threads=2)
    eff = shockeffect.shock_effect(lhs, raw, threads=2, draws=1000)
    assert "run of the scenario" in eff["how_with"]
    np.testing.assert_array_equal(eff["with"], _benefit(files["shocked"], 1000, sampling="lhs"))
    np.testing.assert_array_equal(eff["without"], _benefit(files["plain"], 1000, sampling="lhs"))


def _value(ds, n: dict) -> float:
    da = ds[n["data-var"]]
    sel = {"year": int(n["data-year"])}
    if "data-shocks" in n:
        sel["shocks"] = n["data-shocks"]
    if "data-shock_quantile" in n:
        sel["shock_quantile"] = float(n["data-shock_quantile"])
    return float(da.sel(**sel).values)


def test_report_section_sheet_and_chart(runs):
    """Every number of the section equals results.nc, the sheet's cells too, the chart is written;
    a scenario without shocks has no section, sheet or chart (and no variables)."""
    out, ds = runs["shocked"]
    page = (out / "report.html").read_text(encoding="utf-8")
    i = page.find('<section id="shocks">')
    assert i > page.find('<section id="fan">') > 0
    seg = page[i : page.find("</section>", i)]
    assert 'data-chart="shocks"' in seg and (out / "charts" / "shocks.png").is_file()
    L = Labels("da")
    assert (
        L("sec_shocks") in seg
        and "delivery (delay, loading 0.5)" in ds["shock_effect_quantile"].attrs["shocks_removed"]
    )
    # in Danish: the id as the scenario writes it (quoted), the input by its name in the assumptions
    # table, the loading with a decimal comma
    shown = html.unescape(seg)
    assert (
        f'"delivery": {L.param("delay")}, ladning 0,5; "optimism": {L.param("estimate_factor")}, ladning 0,4' in shown
    )
    assert "loading" not in seg
    p = TaggedNumbers()
    p.feed(seg)
    seen = set()
    for n in p.nums:
        v = _value(ds, n)
        assert float(n["data-value"]) == v, n
        assert n["text"] in {L.mio_value(v), L.pct(v)}, n
        seen.add(n["data-var"])
    assert seen == {"shock_effect_quantile", "shock_effect_width", "shock_effect_widening", "shock_effect_p_target"}
    years = [int(y) for y in ds["year"].values]
    assert sum(n["data-var"] == "shock_effect_quantile" for n in p.nums) == 6 * len(years)

    wb = openpyxl.load_workbook(out / "summary.xlsx")
    rows = list(wb[L("sheet_shocks")].iter_rows(values_only=True))
    head, body = list(rows[0]), [r for r in rows[1:] if isinstance(r[0], int)]
    assert [r[0] for r in body] == years
    for which in ("with", "without"):
        for q, name in zip(LEVELS, ("P10", "P50", "P90")):
            k = head.index(f"{L('shk_' + which)} {name} (mio. kr.)")
            np.testing.assert_allclose(
                [r[k] * 1e6 for r in body],
                ds["shock_effect_quantile"].sel(shocks=which, shock_quantile=q).values,
                rtol=1e-12,
            )
    k = head.index(L("shk_col_widening"))
    wid = ds["shock_effect_widening"].values
    assert [r[k] for r in body] == [None if np.isnan(v) else pytest.approx(v, rel=1e-14) for v in wid]

    # English labels
    from simengine.outputs.report import shocks as rsh
    from simengine.outputs.report import workbook as rwb
    from simengine.outputs.report.context import Context

    en = rsh.section(Context(ds, "en"), {})
    assert "With shocks P10" in en and "Wider with shocks" in en and "the same 3,000 draws" in en
    assert f'"realisation-climate": {Labels("en").param("realisation")}, loading 0.3' in html.unescape(en)

    # no shocks: nothing
    out0, ds0 = runs["plain"]
    assert not [v for v in ds0.variables if str(v).startswith("shock")]
    assert '<section id="shocks">' not in (out0 / "report.html").read_text(encoding="utf-8")
    assert not (out0 / "charts" / "shocks.png").exists()
    assert L("sheet_shocks") not in openpyxl.load_workbook(out0 / "summary.xlsx").sheetnames
    ctx = Context(ds0, "da")
    assert rsh.section(ctx, {}) == "" and rsh.chart(ctx) is None
    wb0 = openpyxl.load_workbook(io.BytesIO(rwb.build(ctx)))
    assert L("sheet_shocks") not in wb0.sheetnames
