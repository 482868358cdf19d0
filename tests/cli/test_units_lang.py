"""Every number in the report carries the unit its variable says; the Danish report and workbook hold
none of the engine's own English labels (and the English ones none of the Danish)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import openpyxl
import pytest
import xarray as xr

from simengine.analysis import sensitivity as analysis
from simengine.cli.main import main
from simengine.outputs import labels
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[2]


def _command(argv: list[str], capfd, *, process: bool) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``python -m simengine ARGV`` with COLUMNS=80: the command in a process
    of its own, or main() in this process with what it writes to the file descriptors 1 and 2."""
    import os
    import subprocess
    import sys

    if process:
        proc = subprocess.run(
            [sys.executable, "-m", "simengine", *argv],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "80"},
            cwd=ROOT,
        )
        return proc.returncode, proc.stdout, proc.stderr
    capfd.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "80")
        code = main(argv)
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert (
        main(["run", str(ROOT / "tests" / "data" / "small.toml"), "--draws", "3000", "--out", str(out), "--quiet"]) == 0
    )
    assert main(["report", str(out / "results.nc"), "--lang", "en", "--out", str(out / "en"), "--quiet"]) == 0
    return out


def _visible(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<style.*?</style>|<script.*?</script>", " ", text, flags=re.S)
    text = re.sub(r"<footer.*?</footer>", " ", text, flags=re.S)  # the command line as typed
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _rows(page: str, section: str) -> list[list[str]]:
    i = page.find(f'<section id="{section}">')
    assert i >= 0, section
    seg = page[i : page.find("</section>", i)]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", seg, re.S)
    ]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_monte_carlo_table_numbers_carry_their_variables_unit(run_dir, lang):
    page = (run_dir / ("report.html" if lang == "da" else "en/report.html")).read_text(encoding="utf-8")
    rows = _rows(page, "mc")[1:]
    assert len(rows) >= 5
    L = labels.Labels(lang)
    money, fte = L("mio"), labels.unit_name(L, "FTE")
    ds = xr.open_dataset(run_dir / "results.nc")
    seen_fte = False
    for label, *vals in rows:
        assert len(vals) == 3
        if f"({money})" in label or f"({labels.unit_name(L, 'DKK/year')})" in label:
            assert not any("%" in v for v in vals), (label, vals)  # money: no percent sign
        elif f"({fte})" in label:
            seen_fte = True
            assert not any("%" in v for v in vals), (label, vals)
            shown = float(
                vals[0].replace(".", "").replace(",", ".").replace("−", "-")
                if lang == "da"
                else vals[0].replace(",", "")
            )
            ty = int(ds["benefit"].attrs.get("target_year", ds.attrs.get("target_year", 2014)))
            assert shown == pytest.approx(float(ds["fte_mean"].sel(year=ty)), abs=0.5)  # whole FTE, not x100
        else:  # no unit in the label: a probability, shown as a percentage
            assert all(v.endswith("%") for v in vals), (label, vals)
    assert seen_fte


def _english_labels() -> set[str]:
    out = set(analysis.KIND_LABELS.values())
    out |= {name for _, name, _ in analysis.WATERFALL_ITEMS}
    out |= {en for da, en in labels.TEXT.values() if da != en and len(en) >= 14 and "{" not in en}
    out |= {en for da, en in labels.VARS.values()}
    return {w for w in out if " " in w}  # one word (legislation) is also a scenario key, shown as such


def _english_attr_phrases(ds: xr.Dataset) -> set[str]:
    out = set()
    for k in ("quantile_method_national", "quantile_method_municipality_initiative", "mc_error_method"):
        if k in ds.attrs:
            out.add(str(ds.attrs[k])[:30])
    for v in ("fte_mean", "benefit_mean", "sensitivity", "tornado_low", "waterfall"):
        if v in ds and ds[v].attrs.get("long_name"):
            out.add(str(ds[v].attrs["long_name"]))
    for v in ds.data_vars:  # any variable a table might name by its long_name (its first 40 characters)
        name = str(ds[v].attrs.get("long_name", ""))
        if len(name) >= 24 and name.count(" ") >= 3:
            out.add(name[:40])
    return out


def test_danish_report_and_workbook_hold_no_english_engine_labels(run_dir):
    ds = xr.open_dataset(run_dir / "results.nc")
    words = _english_labels() | _english_attr_phrases(ds)
    page = _visible(run_dir / "report.html")
    found = sorted(w for w in words if w in page)
    assert not found, found
    wb = openpyxl.load_workbook(run_dir / "summary.xlsx")
    assert "Følsomhed" in wb.sheetnames
    cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    found = sorted({w for w in words for c in cells if w in c})
    assert not found, found


def test_english_report_is_english(run_dir):
    page = _visible(run_dir / "en" / "report.html")
    danish = {da for da, en in labels.VARS.values()} | {da for da, en in labels.CAUSES.values()}
    danish |= {da for da, en in labels.INPUT_KINDS.values()}
    found = sorted(w for w in danish if w in page)
    assert not found, found
    assert "slow ramp-up" in page or "ramp-up R" in page


def test_scenario_loads(run_dir):  # the fixture's scenario is the one the labels were written for
    assert scenario.load(ROOT / "tests" / "data" / "small.toml").target_year == 2014


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("scenario_file, draws", [("tests/data/small.toml", "600"), ("scenarios/2015.toml", "2000")])
def test_terminal_fits_80_columns_and_follows_lang(tmp_path, capfd, lang, scenario_file, draws):
    """Every line ``run --explain`` prints fits 80 columns in both languages: the main and Monte Carlo
    tables, the headline (committable amounts, in blocks of years), the calibration ratio, the
    deduction grid, who controls what and the explanation; on the small scenario (6 years) and on
    the 2015 strategy (10 years, a calibration band)."""
    code, stdout, stderr = _command(
        ["run", str(ROOT / scenario_file), "--draws", draws, "--out", str(tmp_path), "--no-report", "--explain"]
        + ["--lang", lang],
        capfd,
        process=(scenario_file, lang) == ("tests/data/small.toml", "da"),  # this case as a process of its own
    )
    assert code == 0, stderr
    lines = stdout.splitlines()
    too_long = [
        x for x in lines if len(x) > 80 and not x.startswith((f"wrote {tmp_path}", f"skrev {tmp_path}"))
    ]  # the folder itself
    assert not too_long, too_long
    L = labels.Labels(lang)
    out = stdout
    for r in ("prebudgeted", "realised", "retention"):  # regimes named as in the report
        assert L.regime(r) in out
    flat = " ".join(out.split())  # the legends are wrapped at 80 columns
    assert (
        ("ES10%" in out and "ES10%: expected shortfall" in flat)
        if lang == "en"
        else ("ES10%" in out and "ES10%: forventet manglende gevinst" in flat)
    )
    # headline, calibration, deductions and who controls what, in the language asked for
    da_words = (
        "Beløb der kan disponeres",
        "90 % sikkert",
        "Realiseret andel af løftet",
        "Forlods reduktioner i",
        "Reduktion ved levering",
        "Hvem styrer den manglende gevinst",
        "Forholdet mellem realiseret og lovet",
        "Kommunerne selv (realisering",
    )
    en_words = (
        "Committable",
        "90% sure",
        "Realised share of the promise",
        "Up-front deductions in",
        "Deduction on delivery",
        "Who controls the shortfall",
        "Implied realised/promised ratio",
        "The municipalities (realisation",
    )
    shown, hidden = (da_words, en_words) if lang == "da" else (en_words, da_words)
    assert [w for w in shown if w not in out] == []
    assert [w for w in hidden if w in out] == []
    assert ("under municipal control" in out) is False  # the former English-only lines are gone
    # the committable table's blocks of years cover every year once, in order
    blocks = [x.split()[1:] for x in lines if x.startswith(("  sikkerhed ", "  certainty "))]
    got = [int(y) for b in blocks for y in b]
    assert got == list(range(got[0], got[0] + len(got))) and len(got) == (6 if "small" in scenario_file else 10)
    if "2015" in scenario_file:  # the scenario's calibration band, judged in the calibration year
        assert (
            ("kalibreringsbånd 0,50–0,80 i 2016" in out)
            if lang == "da"
            else ("calibration band 0.50-0.80 in 2016" in out)
        )
    if lang == "da":
        assert "P(mål)" in out and "P(target)" not in out and "Shapley-vandfald" in out
        assert "langsom indfasning" in out and "slow ramp-up" not in out
        assert "mio. DKK" not in out and "sure" not in out
    else:
        assert "P(target)" in out and "slow ramp-up" in out
        assert "mio. kr." not in out and "sikkert" not in out


def test_summary_parquet_has_names_units_and_analysis_rows(run_dir):
    import numpy as np
    import polars as pl

    df = pl.read_parquet(run_dir / "summary.parquet")
    ds = xr.open_dataset(run_dir / "results.nc")
    assert df["unit"].null_count() == 0 and (df["unit"] != "").all()
    fte = df.filter(pl.col("metric") == "fte")
    assert set(fte["unit"]) == {"FTE"}
    # names beside codes, as in the results' coordinates
    mun = df.filter(pl.col("municipality").is_not_null())
    names = dict(zip(ds["municipality"].values.tolist(), ds["municipality_name"].values.tolist()))
    assert all(names[c] == n for c, n in zip(mun["municipality"], mun["municipality_name"]))
    ini = df.filter(pl.col("metric") == "initiative_benefit")
    inames = dict(zip(ds["initiative"].values.tolist(), ds["initiative_name"].values.tolist()))
    assert all(inames[c] == n for c, n in zip(ini["initiative"], ini["initiative_name"]))
    area = df.filter(pl.col("area").is_not_null())
    assert area["area_name"].null_count() == 0
    # the analyses, value for value
    sens = df.filter(pl.col("metric") == "sensitivity")
    assert sens["input"].to_list() == [str(x) for x in ds["input"].values]
    np.testing.assert_array_equal(sens["value"].to_numpy(), ds["sensitivity"].values)
    assert set(sens["unit"]) == {"1"}
    wf = df.filter((pl.col("metric") == "waterfall") & (pl.col("statistic") == "mean"))
    assert wf["cause"].to_list() == [str(x) for x in ds["cause"].values]
    np.testing.assert_array_equal(wf["value"].to_numpy(), ds["waterfall"].values)
    for m in ("tornado_low", "tornado_high", "tornado_npv_low", "tornado_npv_high", "area_waterfall"):
        assert df.filter(pl.col("metric") == m).height > 0, m
    assert df.filter(pl.col("metric") == "initiative_waterfall").height > 0
    tn = df.filter(pl.col("metric") == "tornado_npv_high")
    assert set(tn["unit"]) == {"DKK"} and tn["input"].to_list() == [str(x) for x in ds["input"].values]
    np.testing.assert_array_equal(tn["value"].to_numpy(), ds["tornado_npv_high"].values)
    tl = df.filter(pl.col("metric") == "tornado_low")
    assert set(tl["unit"]) == {"DKK/year"} and tl["initiative_name"].null_count() < tl.height


@pytest.mark.parametrize("lang", ["da", "en"])
def test_report_and_workbook_in_fte(run_dir, lang):
    out = run_dir / f"fte_{lang}"
    assert (
        main(["report", str(run_dir / "results.nc"), "--unit", "fte", "--lang", lang, "--out", str(out), "--quiet"])
        == 0
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    ds = xr.open_dataset(run_dir / "results.nc")
    fte = "årsværk" if lang == "da" else "FTE"
    money = "mio. kr." if lang == "da" else "DKK m"
    text = _visible(out / "report.html")
    before_assumptions = text[: text.rfind(labels.Labels(lang)("sec_assumptions"))]  # the appendix's heading
    assert money not in before_assumptions and fte in before_assumptions
    # the year table's P50 column is the FTE quantile, year by year
    rows = _rows(page, "headline")
    start = next(k for k, r in enumerate(rows) if r and r[0] in ("År", "Year"))
    rows = rows[start:]
    head = rows[0]
    p50 = head.index("P50")
    ty = {int(r[0]): r[p50] for r in rows[1:] if r and r[0].isdigit()}
    want = ds["fte_quantile"].sel(quantile=0.5)
    for y, shown in ty.items():
        v = float(shown.replace(".", "").replace(",", ".") if lang == "da" else shown.replace(",", ""))
        assert v == pytest.approx(float(want.sel(year=y)), rel=0.01, abs=0.1), (y, shown)
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(fte in c for c in cells)
    not_inputs = [
        c
        for ws in wb
        if ws.title != labels.Labels(lang)("sheet_assumptions")
        for row in ws.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    ]
    assert not any(money in c for c in not_inputs), [c for c in not_inputs if money in c][:5]
    if lang == "da":  # a number of staff is not an amount of money ("beløb") in words either
        neg = _visible(out / "negotiation.html")
        for where, t in (("report", before_assumptions), ("negotiation", neg), ("workbook", " ".join(not_inputs))):
            assert not re.search(r"[Bb]eløb", t), (where, re.findall(r".{40}[Bb]eløb.{40}", t)[:3])


def test_scenario_description_in_each_language(tmp_path):
    from simengine.outputs.report import html as rhtml

    sc = scenario.load(ROOT / "scenarios" / "2015.toml")
    assert sc.description_in("da").startswith("KL's løfte") and sc.description_in("en") == sc.description
    assert rhtml._description(sc, "da") == sc.description_in("da")
    small = scenario.load(ROOT / "tests" / "data" / "small.toml")
    assert small.description_in("da") == small.description == ""  # none given: the plain description


def _english_phrases(table: dict[str, tuple[str, str]]) -> set[str]:
    """The English texts of a (Danish, English) table, cut at their format fields: the pieces of at
    least 10 characters with a space that the Danish text does not hold as well."""
    out = set()
    for da, en in table.values():
        for part in re.split(r"\{[^}]*\}", en):
            part = part.strip(" :;,.()")
            if len(part) >= 10 and " " in part and part not in da:
                out.add(part)
    return out


OBS = ROOT / "tests" / "data" / "observations_small.toml"


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("command", ["backtest", "update"])
def test_backtest_and_update_terminal_fit_80_columns_and_follow_lang(tmp_path, capfd, command, lang):
    """What ``backtest`` and ``update`` print (the scores, what the update taught, the ESS warning and
    the files written) fits 80 columns and holds none of the other language's words: in Danish
    none of the engine's English labels, of the terminal's English texts or of the report's."""
    import os

    from simengine.outputs import terminal

    code, stdout, stderr = _command(
        [command, str(ROOT / "tests" / "data" / "small.toml"), str(OBS), "--known-by", "2015-01-01"]
        + ["--draws", "1500", "--out", str(tmp_path / "o"), "--lang", lang, "--no-report"],
        capfd,
        process=lang == "da",  # in Danish as a process of its own: no English line of any library on its stderr
    )
    assert code == 0, stderr
    text = stdout + stderr
    lines = text.splitlines()
    too_long = [x for x in lines if len(x) > 80 and not x.startswith((f"wrote {tmp_path}", f"skrev {tmp_path}"))]
    assert not too_long, too_long
    flat = " ".join(text.split())
    tables = (terminal.T, terminal.SCORES, terminal.WROTE)
    if lang == "da":
        words = _english_labels() | set().union(*(_english_phrases(t) for t in tables))
        words |= {"wrote ", "warning:", " draws", " observations ", "effective sample size", "initiative:", "area:"}
        found = sorted(w for w in words if w in flat)
        assert not found, found
        assert f"skrev {tmp_path / 'o'}{os.sep}" in text
        assert (
            ("Hvad observationerne kendt 2015-01-01 lærte modellen" in flat)
            if command == "update"
            else ("PIT-histogram" in flat and "realiseret gevinst, landsplan, 2016" in flat)
        )
    else:
        danish = set().union(*(_english_phrases({k: (en, da) for k, (da, en) in t.items()}) for t in tables))
        found = sorted(w for w in danish if w in flat)
        assert not found, found
        assert f"wrote {tmp_path / 'o'}{os.sep}" in text and "skrev" not in text
        assert (
            ("What the observations known by 2015-01-01 taught" in flat)
            if command == "update"
            else ("PIT histogram" in flat and "realised gain, national, 2016" in flat)
        )
    if command == "update":  # the inputs under the names the report gives them, not the scenario's keys
        assert "osb-1.ramp" not in text and (
            "indfasning R (år)" in text if lang == "da" else "ramp-up R (years)" in text
        )


@pytest.mark.parametrize("lang", ["da", "en"])
def test_terminal_in_fte_has_no_amount_in_money(tmp_path, capfd, lang):
    """``run --unit fte --explain``: the headline, the table, the deductions, who controls what and
    the explanation all count staff freed; the only money is the price of an FTE the table states."""
    code, stdout, stderr = _command(
        ["run", str(ROOT / "tests" / "data" / "small.toml"), "--draws", "600", "--out", str(tmp_path)]
        + ["--no-report", "--explain", "--unit", "fte", "--lang", lang],
        capfd,
        process=False,
    )
    assert code == 0, stderr
    money = [
        x for x in stdout.splitlines() if re.search(r"mio\.|DKK|kr\.", x) and "450" not in x and "DKK per" not in x
    ]  # "(gross gain / 450,000 DKK per FTE)", maybe wrapped
    assert not money, money
    assert lang != "da" or not re.search(r"[Bb]eløb", stdout), re.findall(r".{30}[Bb]eløb.{30}", stdout)
    fte = "årsværk" if lang == "da" else "FTE"
    lines = stdout.splitlines()
    assert sum(fte in x for x in lines) >= 8
    assert not [x for x in lines if len(x) > 80 and not x.startswith((f"wrote {tmp_path}", f"skrev {tmp_path}"))]
