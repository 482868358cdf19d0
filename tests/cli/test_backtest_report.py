"""The backtest's scores in the report (simengine.outputs.report.backtest): the section of report.html and the
sheet of summary.xlsx show the numbers of backtest.nc, in Danish and in English."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import xarray as xr

from simengine.cli.main import main
from simengine.outputs import report
from simengine.outputs.labels import Labels
from simengine.outputs.report import backtest as rbt
from simengine.scenario import observations as obsmod
from simengine.scenario import schema as scenario
from tests.conftest import TaggedNumbers

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"
OBS = ROOT / "tests" / "data" / "observations_small.toml"
DRAWS = 1500


def _section(page: str) -> str:
    i = page.find('<section id="scores">')
    assert i > 0, "no scores section"
    return page[i : page.find("</section>", i)]


def _check_section(seg: str, bt: xr.Dataset, L: Labels) -> None:
    """Every number of the section equals backtest.nc, and every observation, unit and bin is shown."""
    p = TaggedNumbers()
    p.feed(seg)
    seen: dict[str, set] = {}
    for n in p.nums:
        var = n["data-var"]
        da = bt[var]
        key = next(k for k in ("data-observation", "data-unit_group", "data-pit_bin") if k in n)
        dim = key[len("data-") :]
        v = float(da.sel({dim: int(n[key]) if dim == "pit_bin" else n[key]}).values)
        assert float(n["data-value"]) == pytest.approx(v, rel=1e-12, abs=1e-12) or (
            math.isnan(v) and n["data-value"] == "nan"
        ), n
        if var == "pit":
            assert n["text"] == rbt.pit_text(L, v)
        elif var.startswith("skill_"):
            assert n["text"] == ("–" if math.isnan(v) else ("+" if v > 0 else "") + L.num(v, 2))
        elif var == "pit_histogram":
            assert n["text"] == L.num(v)
        else:  # on the observation's scale
            unit = str(bt["unit"].sel(observation=n[key]).values) if dim == "observation" else n[key]
            assert n["text"] == rbt.value_text(L, v, unit), n
        seen.setdefault(var, set()).add(n[key])
    ids = {str(o) for o in bt["observation"].values}
    refs = rbt.references(bt)
    assert refs, "the observations file names reference forecasts"
    for var in ["value", "forecast_p10", "forecast_p50", "forecast_p90", "pit", "crps"] + [f"crps_{r}" for r in refs]:
        assert seen[var] == ids, var
    groups = {str(g) for g in bt["unit_group"].values}
    assert seen["crps_total"] == groups
    for r in refs:
        assert seen[f"skill_{r}"] == groups
    assert seen["pit_histogram"] == {str(b) for b in range(bt.sizes["pit_bin"])}
    assert 'data-chart="pit_histogram"' in seg


def _check_sheet(xlsx: bytes, bt: xr.Dataset, L: Labels) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    ws = wb[L("sheet_scores")]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    n = bt.sizes["observation"]
    body = rows[1 : 1 + n]
    assert [r[0] for r in body] == [str(o) for o in bt["observation"].values]
    scale = np.array([1e6 if str(u) == "DKK/year" else 1.0 for u in bt["unit"].values])
    cols = {
        L("observed"): "value",
        "P10": "forecast_p10",
        "P50": "forecast_p50",
        "P90": "forecast_p90",
        "PIT": "pit",
        "CRPS": "crps",
    }
    cols.update({L("bts_crps_ref", ref=r): f"crps_{r}" for r in rbt.references(bt)})
    for h, var in cols.items():
        k = head.index(h)
        want = bt[var].values / (1.0 if var == "pit" else scale)
        np.testing.assert_allclose([r[k] for r in body], want, rtol=1e-12)
    # totals and skill per unit below the table
    r0 = next(i for i, r in enumerate(rows) if i > n and r[0] == L("unit"))
    tot_head = list(rows[r0])
    for j, g in enumerate(bt["unit_group"].values):
        r = rows[r0 + 1 + j]
        s = 1e6 if str(g) == "DKK/year" else 1.0
        assert r[tot_head.index(L("bts_crps_total"))] == pytest.approx(float(bt["crps_total"].values[j]) / s, rel=1e-12)
        for ref in rbt.references(bt):
            v = float(bt[f"skill_{ref}"].values[j])
            got = r[tot_head.index(L("bts_skill", ref=ref))]
            assert (got is None) if math.isnan(v) else got == pytest.approx(v, rel=1e-12)
    h0 = next(i for i, r in enumerate(rows) if r[0] == L("bts_pit"))
    assert [rows[h0 + 1 + b][1] for b in range(bt.sizes["pit_bin"])] == [int(c) for c in bt["pit_histogram"].values]
    # the bins' labels in the reader's decimals; a go-live year as 2013,07 (not 2.013,066)
    assert rows[h0 + 1][0] == f"{L.num(0, 1)}–{L.num(0.1, 1)}"
    for i, u in enumerate(bt["unit"].values, start=2):
        fmt = ws.cell(row=i, column=head.index("P50") + 1).number_format
        assert fmt == ("0.00" if str(u) == "year" else "#,##0.000"), (u, fmt)


def test_backtest_command_writes_the_scores_into_the_report_da(tmp_path):
    out = tmp_path / "bt"
    assert main(["backtest", str(SMALL), str(OBS), "--draws", str(DRAWS), "--out", str(out), "--quiet"]) == 0
    with xr.open_dataset(out / "backtest.nc", engine="h5netcdf") as f:
        bt = f.load()
    L = Labels("da")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="da"' in page
    seg = _section(page)
    assert L("sec_scores") in seg and L("bts_totals") in seg
    _check_section(seg, bt, L)
    assert (out / "charts" / "pit_histogram.png").stat().st_size > 1000
    _check_sheet((out / "summary.xlsx").read_bytes(), bt, L)
    # the rest of the report is the forecast's: the same page a run writes
    assert '<section id="fan">' in page and '<section id="headline">' in page


def test_scores_section_and_sheet_in_english_after_an_update(tmp_path):
    """--known-by: the forecast updated on what was known by then, scored on what came later; the
    report's other sections are of the updated forecast."""
    from simengine.analysis.scoring import backtest_run

    sc = scenario.load(SMALL).with_run_options(draws=DRAWS)
    obs = obsmod.load(OBS)
    obsmod.check_against(obs, sc)
    known = dt.date(2014, 12, 31)
    bt, ds, _raw, w = backtest_run(sc, obs, known)
    assert w is not None and bt.attrs["known_by"] == "2014-12-31"
    assert "weight" not in ds and "reweighted" in ds.attrs  # the weighted forecast
    files = report.build(ds, "en", scenario=sc, scores=bt)
    L = Labels("en")
    seg = _section(files.html)
    assert "effective sample size" in seg and L("sec_scores") in seg
    _check_section(seg, bt, L)
    assert "pit_histogram" in files.charts
    assert files.xlsx is not None
    _check_sheet(files.xlsx, bt, L)
    assert set(bt["observation"].values) == {o.id for o in obs.later_than(known)}


def test_no_scores_no_section_and_no_report_option(tmp_path):
    from simengine.analysis.update import simulate_for

    sc = scenario.load(SMALL).with_run_options(draws=400)
    ds, _raw = simulate_for(sc, (), analyses=False)
    files = report.build(ds, "en", scenario=sc)
    assert 'id="scores"' not in files.html and "pit_histogram" not in files.charts
    assert files.xlsx is not None
    assert Labels("en")("sheet_scores") not in openpyxl.load_workbook(io.BytesIO(files.xlsx)).sheetnames
    out = tmp_path / "bt"
    assert main(["backtest", str(SMALL), str(OBS), "--draws", "400", "--out", str(out), "--quiet", "--no-report"]) == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["backtest.nc", "charts"]
    assert [p.name for p in (out / "charts").iterdir()] == ["pit_histogram.png"]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_error_models_in_the_readers_words(lang):
    """Every kind of error model (as simengine.scenario.observations describes it) in the report's language and
    number style; money on the observation's scale in mio. kr.; anything else shown as it is."""
    from simengine.scenario.observations import ErrorModel

    L = Labels(lang)
    da = lang == "da"
    cases = [
        (
            ErrorModel("normal", sd=1.5e7, bias=1.2),
            "DKK/year",
            "normal, sd 15, bias 1,2" if da else "normal, sd 15, bias 1.2",
        ),
        (
            ErrorModel("lognormal", sd=0.3),
            "DKK/year",
            "lognormal, sd 0,3 (log-skala)" if da else "lognormal, sd 0.3 (log scale)",
        ),
        (ErrorModel("interval", low=0.6, high=1.0), "1", "interval [0,6; 1]" if da else "interval [0.6, 1]"),
        (ErrorModel("normal", sd=0.25), "year", "normal, sd 0,25" if da else "normal, sd 0.25"),
        (ErrorModel("at_least"), "DKK/year", "mindst" if da else "at least"),
        (ErrorModel("at_most", bias=0.9), "DKK/year", "højst, bias 0,9" if da else "at most, bias 0.9"),
        (ErrorModel("exact"), "DKK/year", "eksakt" if da else "exact"),
    ]
    for em, unit, want in cases:
        assert rbt.error_text(L, em.describe(), unit) == want, em
    assert rbt.error_text(L, "something else", "1") == "something else"


def test_pits_near_0_or_1_and_long_ids_in_the_terminal_page_and_sheet(tmp_path):
    """A PIT that rounds to 1 or 0 without being it reads "> 0,999" / "< 0,001" in the terminal, on
    the page and in the workbook (the cell keeps the number); ids are never cut in the terminal's
    tables (the column as wide as the longest id, a longer one wrapped after a "-" where the
    columns leave no room)."""
    from simengine.analysis.update import simulate_for
    from simengine.outputs.terminal import backtest_text

    out = tmp_path / "bt"
    assert main(["backtest", str(SMALL), str(OBS), "--draws", "400", "--out", str(out), "--quiet", "--no-report"]) == 0
    with xr.open_dataset(out / "backtest.nc", engine="h5netcdf") as f:
        bt = f.load()
    ids = [str(o) for o in bt["observation"].values]
    ids[0], ids[1] = "osb-1-adoption-in-the-municipalities-2011", "osb-1-adoption-in-the-municipalities-2012"
    ids[2] = "mono-infrastruktur-golive"  # 25 characters: on one line
    bt = bt.assign_coords(observation=ids)
    bt["pit"].values[0], bt["pit"].values[1] = 0.99999985, 1.5e-7
    for lang in ("da", "en"):
        L = Labels(lang)
        hi, lo = "> " + L.num(0.999, 3), "< " + L.num(0.001, 3)
        text = backtest_text(bt, lang, name="x", draws=400, seed=7, file="o.toml")
        lines = text.splitlines()
        assert max(len(ln) for ln in lines) <= 80
        # wrapped after a "-" in the scores' table: the two ids stay whole and apart; on one line in
        # the references' table, which has the room
        assert lines.count("  municipalities-2011") == lines.count("  municipalities-2012") == 1
        assert sum(ln.startswith("  osb-1-adoption-in-the- ") for ln in lines) == 2
        for oid in ids[:2]:
            assert sum(ln.startswith(f"  {oid} ") for ln in lines) == 1, oid
        assert sum(ln.startswith("  mono-infrastruktur-golive ") for ln in lines) == 2
        assert hi in lines[lines.index("  municipalities-2011") - 1]
        assert lo in lines[lines.index("  municipalities-2012") - 1]
        for oid in ids[3:]:
            assert sum(ln.startswith(f"  {oid} ") for ln in lines) == 2, oid
    sc = scenario.load(SMALL).with_run_options(draws=400)
    ds, _raw = simulate_for(sc, (), analyses=False)
    files = report.build(ds, "da", scenario=sc, scores=bt)
    seg = _section(files.html)
    assert "&gt; 0,999" in seg and "&lt; 0,001" in seg
    assert files.xlsx is not None
    ws = openpyxl.load_workbook(io.BytesIO(files.xlsx))[Labels("da")("sheet_scores")]
    k = [c.value for c in ws[1]].index("PIT") + 1
    assert ws.cell(row=2, column=k).value == pytest.approx(0.99999985, abs=0)  # the number, shown as the text
    assert ws.cell(row=2, column=k).number_format == '"> 0,999"'
    assert ws.cell(row=3, column=k).number_format == '"< 0,001"' and ws.cell(row=4, column=k).number_format == "0.000"


def test_pit_chart_ticks_in_the_readers_decimals(monkeypatch):
    from simengine.outputs.report import scorecharts

    figs: list = []
    monkeypatch.setattr(scorecharts, "_png", lambda fig: figs.append(fig) or b"")
    bt = xr.Dataset({"pit_histogram": ("pit_bin", np.arange(10)), "pit": ("observation", np.linspace(0.05, 0.95, 45))})
    for lang, want in (("da", "0,2"), ("en", "0.2")):
        scorecharts.pit_chart(bt, lang)
        figs[-1].canvas.draw()
        assert want in [t.get_text() for t in figs[-1].axes[0].get_xticklabels()], lang


@pytest.mark.parametrize("lang", ["da", "en"])
def test_later_scores_one_unit_at_a_time_without_nested_brackets(lang):
    from simengine.outputs.terminal import later_scores_text

    text = " ".join(
        later_scores_text(
            14, "2013-12-31", "172e6 DKK/year, 3.25 year, 1.244 1", "152e6 DKK/year, 4.81 year, 1.037 1", lang
        ).split()
    )
    assert "((" not in text and "))" not in text
    if lang == "da":
        assert "(samlet CRPS pr. enhed, før → efter): mio. kr. pr. år: 172 → 152; år (go-live): 3,25 → 4,81;" in text
    else:
        assert "prior → posterior): DKK m per year: 172 → 152; year (go-live): 3.25 → 4.81; share" in text
