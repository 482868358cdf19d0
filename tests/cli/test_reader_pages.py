"""The reader's pages of ``compare`` (comparison.html, comparison.xlsx) and ``sweep`` (sweep.html,
sweep.xlsx): written with the other files, self-contained, every number shown equal to the
Dataset or summary table it comes from, workbooks without formulas (text that looks like one is
quoted), Danish without the engine's English labels, and compare's table at most 80 columns in the
language asked for."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl
import pytest
import xarray as xr

from simengine.cli.main import main
from simengine.outputs import labels
from tests.cli.test_units_lang import _command, _english_labels, _visible

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"
SPAN = re.compile(
    r'<span class="num" data-var="([^"]+)"((?: data-[a-z]+="[^"]*")*) data-value="([^"]+)">([^<]*)</span>'
)
KEY = re.compile(r' data-([a-z]+)="([^"]*)"')


def _spans(page: str) -> list[tuple[str, dict[str, str], float, str]]:
    return [
        (var, dict(KEY.findall(keys)), float(value), html.unescape(text))
        for var, keys, value, text in SPAN.findall(page)
    ]


def _pair(tmp: Path) -> tuple[Path, Path]:
    """A and B: B changes one initiative's delay and the retention share, has a name a spreadsheet
    would read as a formula, and another seed (replaced by A's, with a note)."""
    a = tmp / "a.toml"
    a.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    b = tmp / "b.toml"
    b.write_text(
        'extends = "a.toml"\n[scenario]\nname = "=2+3 alternativ"\n[simulation]\nseed = 99\n'
        '[regimes]\nretention_share = 0.25\n[[initiatives]]\nid = "fmk"\n'
        'delay = { dist = "uniform", min = 0.0, max = 0.5 }\n',
        encoding="utf-8",
    )
    return a, b


@pytest.fixture(scope="module")
def cmp_dirs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("cmp")
    a, b = _pair(tmp)
    out = {}
    for lang in ("da", "en"):
        out[lang] = tmp / lang
        assert (
            main(["compare", str(a), str(b), "--draws", "3000", "--out", str(out[lang]), "--lang", lang, "--quiet"])
            == 0
        )
    return out


@pytest.fixture(scope="module")
def sweep_dirs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("sweep")
    out = {}
    for lang in ("da", "en"):
        out[lang] = tmp / lang
        assert (
            main(
                [
                    "sweep",
                    str(SMALL),
                    "--set",
                    "regimes.retention_share=0.25,0.5",
                    "--set",
                    "initiatives.fmk.delay=0,1",
                    "--draws",
                    "1500",
                    "--out",
                    str(out[lang]),
                    "--lang",
                    lang,
                    "--quiet",
                ]
            )
            == 0
        )
    return out


# -- compare --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_compare_writes_page_and_workbook_in_the_same_commit(cmp_dirs, lang):
    out = cmp_dirs[lang]
    names = {p.name for p in out.iterdir()}
    assert {"comparison.nc", "comparison.txt", "run.json", "comparison.html", "comparison.xlsx"} <= names
    files = json.loads((out / ".simengine-files.json").read_text())["files"]
    assert {"comparison.html", "comparison.xlsx", "comparison.nc"} <= set(files)
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page
    assert "<script" not in page and "http://" not in page and "https://" not in page  # self-contained
    imgs = re.findall(r'<img src="([^"]+)"[^>]*data-chart="([^"]+)"', page)
    assert [n for _, n in imgs] == ["cmp_distribution", "cmp_fan", "cmp_difference"]
    assert all(src.startswith("data:image/png;base64,") for src, _ in imgs)
    text = re.sub(r"<[^>]+>", "", page)  # as read: an amount ending a sentence has one full stop
    assert "kr.." not in text and "DKK.." not in text


def test_compare_page_numbers_equal_the_dataset(cmp_dirs):
    out = cmp_dirs["da"]
    ds = xr.open_dataset(out / "comparison.nc", engine="h5netcdf").load()
    page = (out / "comparison.html").read_text(encoding="utf-8")
    spans = _spans(page)
    assert len(spans) > 80
    coords = {"year": int, "quantile": float, "band": float, "certainty": float, "initiative": str}
    seen = set()
    for var, keys, value, _text in spans:
        da = ds[var]
        sel = {k: coords[k](v) for k, v in keys.items()}
        for k, v in sel.items():
            da = da.sel({k: v}, method="nearest") if isinstance(v, float) else da.sel({k: v})
        assert float(da) == value, (var, keys)
        seen.add((var, tuple(sorted(keys.items()))))
    ty = ds.attrs["target_year"]
    assert ty == 2014
    for var in ("p_target_a", "p_target_b", "difference_mean", "p_b_greater", "benefit_mean_a", "benefit_mean_b"):
        assert (var, (("year", str(ty)),)) in seen, var
    for c in ds["certainty"].values:
        for s in "ab":
            assert (f"committable_{s}", (("certainty", repr(float(c))), ("year", str(ty)))) in seen
    for q in (0.1, 0.5, 0.9):
        assert ("difference_quantile", (("quantile", repr(q)), ("year", str(ty)))) in seen
    # the text beside each number is that number, formatted
    L = labels.Labels("da")
    for var, keys, value, text in spans:
        if var.startswith("p_"):
            assert text == L.pct(value), (var, keys, text)
        else:
            assert text in (L.mio(value), L.mio_value(value)), (var, keys, text)


def test_compare_dataset_against_direct_counts(cmp_dirs):
    """A's and B's target-year draws are the paired draws: B - A is their difference draw by draw, and
    the quantiles and committable amounts (all draws kept) are numpy's quantiles of those draws."""
    ds = xr.open_dataset(cmp_dirs["en"] / "comparison.nc", engine="h5netcdf").load()
    ty = ds.attrs["target_year"]
    a, b = ds["benefit_target_year_a"].values, ds["benefit_target_year_b"].values
    assert ds.attrs["draws_paired"] == ds.attrs["draws"] == a.size == 3000
    np.testing.assert_array_equal(ds["difference"].sel(year=ty).values, b - a)
    for s, x in (("a", a), ("b", b)):
        np.testing.assert_allclose(
            ds[f"benefit_quantile_{s}"].sel(year=ty).values, np.quantile(x, ds["band"].values), rtol=1e-12
        )
        np.testing.assert_allclose(
            ds[f"committable_{s}"].sel(year=ty).values, np.quantile(x, 1 - ds["certainty"].values), rtol=1e-12
        )
    assert float(ds["p_b_greater"].sel(year=ty)) == pytest.approx((b > a).mean(), abs=0)
    assert float(ds["p_b_greater"].sel(year=ty)) > 0.5  # B's fmk goes live earlier


def test_compare_workbook_has_no_formulas_and_the_dataset_numbers(cmp_dirs):
    for lang in ("da", "en"):
        out = cmp_dirs[lang]
        ds = xr.open_dataset(out / "comparison.nc", engine="h5netcdf").load()
        wb = openpyxl.load_workbook(out / "comparison.xlsx")
        L = labels.Labels(lang)
        assert wb.sheetnames == [
            L("sheet_overview"),
            L("sheet_years"),
            L("sheet_difference")[:31],
            L("sheet_committable"),
            L("sheet_initiatives"),
        ]
        cells = [c for ws in wb for row in ws.iter_rows() for c in row]
        assert sum(1 for c in cells if c.data_type == "f") == 0
        named = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=2+3")]
        assert named and all(c.data_type == "s" and c.quotePrefix for c in named)  # B's name, as text
        ws = wb[L("sheet_years")]
        head = [c.value for c in ws[1]]
        rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
        for y in ds["year"].values:
            r = rows[int(y)]
            assert r[head.index("P(B > A)")] == pytest.approx(float(ds["p_b_greater"].sel(year=y)), abs=0)
            assert r[head.index(f"{L('mean')} B − A")] == pytest.approx(
                float(ds["difference_mean"].sel(year=y)) / 1e6, rel=1e-12, abs=1e-12
            )


def test_compare_danish_page_and_workbook_hold_no_english_engine_labels(cmp_dirs):
    out = cmp_dirs["da"]
    ds = xr.open_dataset(out / "comparison.nc", engine="h5netcdf")
    words = _english_labels() | {str(ds[v].attrs["long_name"]) for v in ds.data_vars}
    words |= {"paired draws", "reaches its target", "the targets", "replaced by", "common random numbers"}
    text = _visible(out / "comparison.html")
    assert not sorted(w for w in words if w in text)
    assert "B's seed 99 er erstattet af A's (7)" in text  # the note, in Danish
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not sorted({w for w in words for c in cells if w in c})
    en = _visible(cmp_dirs["en"] / "comparison.html")
    danish = {"Sandsynlighed", "mio. kr.", "parvise træk", "Bemærk", "erstattet", "målet"}
    assert not sorted(w for w in danish if w in en)
    assert "B's seed 99 replaced by A's (7)" in en


def test_compare_no_report_skips_and_removes_the_page(tmp_path):
    a, b = _pair(tmp_path)
    out = tmp_path / "o"
    assert main(["compare", str(a), str(b), "--draws", "300", "--out", str(out), "--quiet"]) == 0
    assert (out / "comparison.html").is_file() and (out / "comparison.xlsx").is_file()
    assert main(["compare", str(a), str(b), "--draws", "300", "--out", str(out), "--quiet", "--no-report"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [".simengine-files.json", "comparison.nc", "comparison.txt", "run.json"]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_compare_terminal_fits_80_columns_and_follows_lang(tmp_path, capfd, lang):
    a, b = _pair(tmp_path)
    code, stdout, stderr = _command(
        ["compare", str(a), str(b), "--draws", "600", "--out", str(tmp_path / "o"), "--lang", lang, "--no-report"],
        capfd,
        process=lang == "da",  # in Danish as a process of its own, in English main() in this process
    )
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert not [x for x in lines if len(x) > 80 and not x.startswith((f"wrote {tmp_path}", f"skrev {tmp_path}"))]
    years = [x for x in lines if re.match(r"^\d{4} ", x)]
    assert [int(x[:4]) for x in years] == list(range(2011, 2017))
    assert all(len(re.split(r"\s+(?!%)", x.strip())) == 10 for x in years)  # "12,5 %" is one column
    assert re.split(r"\s+(?!%)", years[0].strip())[-4:] == ["–"] * 4  # 2011 has no target: nothing to reach
    out = stdout
    txt = (tmp_path / "o" / "comparison.txt").read_text(encoding="utf-8")
    assert txt.strip() in out
    if lang == "da":
        assert "parvise træk" in out and "Bemærk: B's seed 99 er erstattet af A's (7)" in out
        assert "paired draws" not in out and "note:" not in out.lower().replace("bemærk:", "")
        assert "fmk +" in out and "Initiativer med den største ændring" in out
    else:
        assert "paired draws" in out and "Note: B's seed 99 replaced by A's (7)" in out
        assert "parvise" not in out and "mio. kr." not in out


def test_compare_notes_keep_their_own_semicolons():
    from simengine.outputs.compare_text import notes

    ds = xr.Dataset(
        attrs={
            "notes": "the paired statistics use the first 1,000 of 2,000 draws (those kept per draw; "
            "raise [simulation] keep_draws to use more); means and P(target) use all draws; "
            "something new; the targets differ: 'reaches the target' means each scenario's "
            "own target path"
        }
    )
    da = notes(ds, "da")
    assert len(da) == 3, da
    assert da[0].startswith("de parvise tal bruger de første 1.000 af 2.000 træk")
    assert da[1] == "something new" and da[2].startswith("målene er forskellige")
    assert notes(ds, "en")[0].endswith("means and P(target) use all draws")


# -- sweep ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_sweep_page_and_workbook_equal_the_summary(sweep_dirs, lang):
    out = sweep_dirs[lang]
    files = json.loads((out / ".simengine-files.json").read_text())["files"]
    assert {"sweep.html", "sweep.xlsx", "sweep.nc", "sweep_summary.parquet"} <= set(files)
    t = pl.read_parquet(out / "sweep_summary.parquet")
    page = (out / "sweep.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert re.findall(r'data-chart="([^"]+)"', page) == ["sweep_variants", "sweep_years"]
    spans = _spans(page)
    rows = {r["variant"]: r for r in t.iter_rows(named=True)}
    checked = set()
    for var, keys, value, _ in spans:
        assert rows[int(keys["variant"])][var] == value, (var, keys)
        checked.add((var, int(keys["variant"])))
    for v in rows:
        for var in ("p_target", "benefit_p10", "benefit_p50", "benefit_p90", "benefit_mean", "target"):
            assert (var, v) in checked
    wb = openpyxl.load_workbook(out / "sweep.xlsx")
    L = labels.Labels(lang)
    assert wb.sheetnames == [L("sheet_overview"), L("sheet_variants"), L("sheet_years")]
    assert sum(1 for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f") == 0
    ws = wb[L("sheet_variants")]
    head = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2, values_only=True):
        want = rows[r[0]]
        p50 = next(k for k, h in enumerate(head) if h.startswith("P50 ("))  # "P50 (mio. kr. pr. år)"
        assert r[p50] == pytest.approx(want["benefit_p50"] / 1e6, rel=1e-12)
        assert r[head.index(L("p_target_short"))] == want["p_target"]
        assert r[head.index("initiatives.fmk.delay")] == want["initiatives.fmk.delay"]


def test_sweep_danish_holds_no_english_engine_labels_and_no_report_skips(sweep_dirs, tmp_path):
    out = sweep_dirs["da"]
    ds = xr.open_dataset(out / "sweep.nc", engine="h5netcdf")
    words = _english_labels() | {str(ds[v].attrs["long_name"]) for v in ds.data_vars if "long_name" in ds[v].attrs}
    words |= {str(ds.attrs["common_random_numbers"])[:40]}
    text = _visible(out / "sweep.html")
    assert not sorted(w for w in words if w in text)
    wb = openpyxl.load_workbook(out / "sweep.xlsx")
    cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not sorted({w for w in words for c in cells if w in c})
    o = tmp_path / "s"
    assert (
        main(
            [
                "sweep",
                str(SMALL),
                "--set",
                "regimes.retention_share=0.25,0.5",
                "--draws",
                "300",
                "--out",
                str(o),
                "--quiet",
                "--no-report",
            ]
        )
        == 0
    )
    assert not (o / "sweep.html").exists() and not (o / "sweep.xlsx").exists()


# -- report comparison.nc / sweep.nc --------------------------------------------------------------
def _cells(path: Path) -> list[list[tuple]]:
    """Every sheet's name and cell values (the file's own creation time in docProps is left out)."""
    wb = openpyxl.load_workbook(path)
    return [[(ws.title,)] + [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb]


@pytest.mark.parametrize("kind", ["compare", "sweep"])
@pytest.mark.parametrize("lang", ["da", "en"])
def test_report_rebuilds_the_page_and_workbook_the_command_wrote(cmp_dirs, sweep_dirs, tmp_path, kind, lang, capsys):
    """``report comparison.nc`` / ``report sweep.nc`` writes the page the command wrote, byte for byte
    (its timestamp is the run's, from the file), and a workbook with the same cells, in --lang."""
    src, nc, page, book = (
        (cmp_dirs[lang], "comparison.nc", "comparison.html", "comparison.xlsx")
        if kind == "compare"
        else (sweep_dirs[lang], "sweep.nc", "sweep.html", "sweep.xlsx")
    )
    out = tmp_path / "again"
    assert main(["report", str(src / nc), "--out", str(out), "--lang", lang]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([".simengine-files.json", book, page])
    assert (out / page).read_text(encoding="utf-8") == (src / page).read_text(encoding="utf-8")
    assert _cells(out / book) == _cells(src / book)
    said = capsys.readouterr().out
    assert said.startswith("skrev " if lang == "da" else "wrote ") and page in said and book in said
    other = "en" if lang == "da" else "da"  # the other language from the same file
    assert main(["report", str(src / nc), "--out", str(tmp_path / other), "--lang", other, "--quiet"]) == 0
    again = (tmp_path / other / page).read_text(encoding="utf-8")
    assert f'<html lang="{other}">' in again and f'<html lang="{lang}">' not in again


def test_report_on_a_sweep_without_its_summary_or_with_options_of_a_run_is_bad_input(sweep_dirs, tmp_path, capsys):
    import shutil

    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(sweep_dirs["da"] / "sweep.nc", lone / "sweep.nc")
    assert main(["report", str(lone / "sweep.nc")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sweep_summary.parquet: filen findes ikke" in err[0]  # Danish: the default
    assert sorted(p.name for p in lone.iterdir()) == ["sweep.nc"]  # nothing written
    argv = ["report", str(sweep_dirs["da"] / "sweep.nc"), "--unit", "fte", "--out", str(tmp_path / "x")]
    assert main([*argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --unit: only used with a run's results.nc")
    assert not (tmp_path / "x").exists()
