"""Scenarios as Excel workbooks: export, read back to the same scenario (and the same results),
bad cells named by sheet and cell, text never written as a formula."""

from __future__ import annotations

import dataclasses
import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from simengine.analysis.results import results_digest
from simengine.cli.main import main
from simengine.cli.runner import simulate
from simengine.errors import ConfigError
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario
from simengine.scenario import xlsx as xlsx_scenario
from tests.conftest import dump_toml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml")) + [ROOT / "tests" / "data" / "small.toml"]


def assert_same_scenario(a: scenario.Scenario, b: scenario.Scenario) -> None:
    for f in dataclasses.fields(scenario.Scenario):
        if f.name in ("path", "sha256", "sources", "resolved"):  # resolved: the document read, TOML or cells
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name == "municipalities":
            assert np.array_equal(va.codes, vb.codes) and np.array_equal(va.population, vb.population)
            assert va.names == vb.names and va.extra.keys() == vb.extra.keys()
        else:
            assert va == vb, f.name


def assert_same_plan(a, b) -> None:
    pa, pb = compile_plan(a), compile_plan(b)
    for f in dataclasses.fields(pa):
        if f.name == "scenario":
            continue
        va, vb = getattr(pa, f.name), getattr(pb, f.name)
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and np.array_equal(va, vb, equal_nan=True), f.name
        elif isinstance(va, (int, float, str, tuple, list)) and not (
            va and isinstance(va, (tuple, list)) and isinstance(va[0], np.ndarray)
        ):
            assert va == vb, f.name


def _export(src: Path, tmp_path: Path) -> Path:
    dest = tmp_path / (src.stem + ".xlsx")
    assert main(["scenario", "export", str(src), str(dest), "--quiet"]) == 0
    return dest


@pytest.mark.parametrize("src", SHIPPED, ids=lambda p: p.stem)
def test_round_trip_gives_the_same_scenario_and_plan(src, tmp_path):
    book = _export(src, tmp_path)
    a, b = scenario.load(src), scenario.load(book)
    assert_same_scenario(a, b)
    assert_same_plan(a, b)
    # and a workbook exported from the workbook is the same again
    again = tmp_path / "again" / "x.xlsx"
    again.parent.mkdir()
    xlsx_scenario.export(book, again)
    assert_same_scenario(a, scenario.load(again))


@pytest.mark.parametrize("src", SHIPPED, ids=lambda p: p.stem)
def test_round_trip_gives_bit_identical_results(src, tmp_path):
    book = _export(src, tmp_path)
    a = scenario.load(src).with_run_options(draws=300)
    b = scenario.load(book).with_run_options(draws=300)
    full = src.stem == "small"  # the analyses too (sensitivity, waterfall) for the small one
    da, db = simulate(a, threads=1, analyses=full), simulate(b, threads=1, analyses=full)
    assert results_digest(da) == results_digest(db)


def test_extends_is_exported_flattened_and_says_so(tmp_path, small_dict):
    (tmp_path / "base.toml").write_text(dump_toml(small_dict), encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(
        'extends = "base.toml"\n[scenario]\nname = "Variant"\n\n[[initiatives]]\nid = "fmk"\n'
        'delay = { dist = "uniform", min = 1.0, max = 3.0 }\n',
        encoding="utf-8",
    )
    book = _export(child, tmp_path)
    assert_same_scenario(scenario.load(child), scenario.load(book))
    about = [r for r in openpyxl.load_workbook(book)[xlsx_scenario.S_ABOUT].iter_rows(values_only=True)]
    assert any(r[0] == "Udfladet" and "extends" in r[1] for r in about)
    assert any(r[0] == "Eksporteret fra" and "base.toml" in r[1] for r in about)


def test_sources_travel_with_the_workbook(tmp_path):
    src = ROOT / "scenarios" / "2015.toml"
    book = _export(src, tmp_path)
    wb = openpyxl.load_workbook(book)
    settings = {r[0]: r for r in wb[xlsx_scenario.S_SETTINGS].iter_rows(min_row=2, values_only=True)}
    assert settings["scenario.target"][3]  # the comment beside the promise in the TOML file
    text = xlsx_scenario.toml_text(book)
    from simengine.outputs.labels import Labels
    from simengine.outputs.report.assumptions import assumption_sections

    secs = assumption_sections(text, Labels("da"))
    general = {r.key: r for r in secs[0].rows}
    assert general["scenario.target"].source == settings["scenario.target"][3]


def test_text_is_never_a_formula(tmp_path, small_dict):
    d = dict(small_dict)
    d["initiatives"] = [dict(i) for i in small_dict["initiatives"]]
    d["initiatives"][0]["name"] = '=HYPERLINK("http://x","y")'
    d["initiatives"][1]["name"] = "+45 12 34"
    d["initiatives"][2]["note"] = "@SUM(A1)"
    d["initiatives"][2]["name"] = "-minus"
    p = tmp_path / "f.toml"
    p.write_text(dump_toml(d), encoding="utf-8")
    book = _export(p, tmp_path)
    ws = openpyxl.load_workbook(book)[xlsx_scenario.S_INITIATIVES]
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str) and c.value[:1] in "=+-@":
                assert c.data_type == "s" and c.quotePrefix, c.coordinate
    assert scenario.load(book).initiatives[0].name == d["initiatives"][0]["name"]
    assert scenario.load(book).initiatives[2].note == "@SUM(A1)"


def test_numbers_that_excel_cannot_hold_are_exact(tmp_path, small_dict):
    d = dict(small_dict)
    d["simulation"] = {"draws": 100, "seed": 2**62 + 1}
    d["initiatives"] = [dict(i) for i in small_dict["initiatives"]]
    d["initiatives"][0]["gain"] = 0.1 + 0.2 + 1e8
    d["initiatives"][1]["delay"] = {"dist": "uniform", "min": 0.1 + 0.2, "max": 1 / 3}
    p = tmp_path / "n.toml"
    p.write_text(dump_toml(d), encoding="utf-8")
    book = _export(p, tmp_path)
    assert_same_scenario(scenario.load(p), scenario.load(book))
    assert scenario.load(book).seed == 2**62 + 1


def _edit(book: Path, sheet: str, cell: str, value) -> Path:
    wb = openpyxl.load_workbook(book)
    wb[sheet][cell] = value
    wb.save(book)
    return book


def _col(name: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(xlsx_scenario.INITIATIVE_COLUMNS.index(name) + 1)


@pytest.mark.parametrize(
    "sheet,cell,value,expect",
    [
        ("Initiativer", "{delay}3", "pert(min=2, mode=1, max=4)", "needs min <= mode <= max"),
        ("Initiativer", "{delay}3", "pert(min=0.5, mode=x, max=4)", "not a number"),
        ("Initiativer", "{delay}3", "pert(min=0,5, mode=1, max=4)", "write each parameter as name=value"),
        ("Initiativer", "{delay}3", "prt(min=1, mode=2, max=4)", "unknown distribution 'prt'"),
        ("Initiativer", "{gain}4", "lots", "must be a number"),
        ("Initiativer", "{gain}4", -5, "must be in [0, 1e+15]"),
        ("Initiativer", "{area}2", "borgerservise", "did you mean 'borgerservice'"),
        ("Initiativer", "{realisation}2", "beta(mean=0.7, sd=0.6)", "beta sd too large"),
        ("Initiativer", "{legprob}2", 1.5, "must be in [0, 1]"),
        ("Initiativer", "{start}3", datetime.datetime(2013, 1, 1), "must be an integer, got 2013-01-01"),
        ("Indstillinger", "B3", "2011x", "must be an integer"),
        ("Områder", "C2", "many", "must be a number"),
    ],
)
def test_bad_cell_names_sheet_cell_value_and_what_is_allowed(tmp_path, capsys, sheet, cell, value, expect):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    cell = cell.format(
        delay=_col("delay"),
        gain=_col("gain"),
        area=_col("area"),
        realisation=_col("realisation"),
        legprob=_col("legislation.probability"),
        start=_col("start"),
    )
    _edit(book, sheet, cell, value)
    argv = ["validate", str(book), "--lang", "en"]
    if expect == "needs min <= mode <= max":  # the first case: the command in a process of its own
        proc = subprocess.run(
            [sys.executable, "-m", "simengine", *argv], check=False, capture_output=True, text=True, cwd=ROOT
        )
        code, err = proc.returncode, proc.stderr
    else:  # the others: main() in this process, its stderr as the command prints it
        code, err = main(argv), capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()  # one line per problem (a bad area target leaves its area
    line = lines[0]  # defined: its initiatives are not told it is not)
    assert len(lines) == 1, lines
    assert str(book) in line and f"{sheet}!{cell}" in line and expect in line, line
    assert "Traceback" not in err


def test_danish_decimal_commas_between_semicolons(tmp_path):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    _edit(book, "Initiativer", f"{_col('delay')}3", "pert(min=0,5; mode=1; max=4,25)")
    d = scenario.load(book).initiatives[1].delay
    assert d.family == "pert" and d.params == (("min", 0.5), ("mode", 1), ("max", 4.25))


def test_bad_headers_sheets_and_files(tmp_path):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    _edit(book, "Initiativer", "D1", "gian")
    with pytest.raises(ConfigError, match=r"Initiativer!D1: unknown column 'gian'; did you mean 'gain'\?"):
        scenario.load(book)
    wb = openpyxl.load_workbook(book)
    del wb["Områder"]
    wb.save(book)
    with pytest.raises(ConfigError, match="sheet 'Områder' is missing"):
        scenario.load(book)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="not an Excel workbook"):
        scenario.load(junk)
    assert main(["validate", str(tmp_path / "none.xlsx")]) == 2


def test_a_column_without_a_header_is_one_problem_at_its_header_cell(tmp_path, capsys):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    col = _col("start")
    _edit(book, "Initiativer", f"{col}1", None)  # the values stay: not left out without a word
    assert main(["validate", str(book), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # not one "start: required key is missing" per initiative
    assert f"error: {book}: Initiativer!{col}1: column {col} has values (the first in {col}2) but no header" in err
    assert "(one of id, name, area, gain, start," in err
    assert main(["validate", str(book)]) == 2
    assert f"ark Initiativer, celle {col}1: kolonne {col} har værdier" in capsys.readouterr().err
    _edit(book, "Initiativer", f"{col}1", "start")  # a blank header over an empty column is no problem
    _edit(book, "Initiativer", "AZ1", " ")
    assert scenario.load(book).initiatives


def test_a_formula_without_a_computed_value_is_named_as_such(tmp_path, capsys):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    cell = f"{_col('gain')}3"
    _edit(book, "Initiativer", cell, "=1/0")  # openpyxl saves no computed value, as Excel would
    assert main(["validate", str(book), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"error: {book}: Initiativer!{cell}: the cell holds the formula '=1/0' without a computed value: "
        "open the workbook in Excel and save it (so that the result is stored), or type the value into the cell\n"
    ), err
    assert "required key is missing" not in err


def test_a_bad_list_item_names_the_setting_cell_index_and_value(tmp_path, capsys):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["Indstillinger"]
    row = ws.max_row + 1
    ws.cell(row, 1, "outputs.quantiles")
    ws.cell(row, 2, "[0.5, 1.5]")
    wb.save(book)
    assert main(["validate", str(book), "--lang", "en"]) == 2
    assert capsys.readouterr().err == (
        f"error: {book}: Indstillinger!B{row}: outputs.quantiles[1]: each item of the list must be a number "
        "in (0, 1), got 1.5\n"
    )


def test_unknown_setting_and_missing_required_key_point_at_cells(tmp_path):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["Indstillinger"]
    ws["A2"] = "scenario.nmae"
    wb["Initiativer"][f"{_col('start')}3"] = None
    wb.save(book)
    with pytest.raises(ConfigError) as e:
        scenario.load(book)
    text = str(e.value)
    assert "Indstillinger!B2: scenario.nmae: unknown key; did you mean 'name', a required key that is missing?" in text
    assert "scenario.name: required key is missing" not in text  # one line for the misspelt key
    assert f"Initiativer!{_col('start')}3: initiatives[1] (osb-2).start: required key is missing" in text


def test_run_and_compare_accept_a_workbook(tmp_path):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(book), "--draws", "300", "--out", str(out), "--quiet", "--no-report"]) == 0
    assert (out / "results.nc").is_file()
    assert (
        main(
            [
                "compare",
                str(ROOT / "tests" / "data" / "small.toml"),
                str(book),
                "--draws",
                "300",
                "--out",
                str(tmp_path / "cmp"),
                "--quiet",
            ]
        )
        == 0
    )
    import xarray as xr

    with xr.open_dataset(tmp_path / "cmp" / "comparison.nc") as ds:
        assert float(np.abs(ds["difference"]).max()) == 0.0  # the same scenario: B - A is 0 in every draw


def test_export_refuses_a_bad_scenario_and_a_bad_name(tmp_path, small_dict):
    d = dict(small_dict)
    d["scenario"] = {**small_dict["scenario"], "target": -1}
    p = tmp_path / "bad.toml"
    p.write_text(dump_toml(d), encoding="utf-8")
    assert main(["scenario", "export", str(p), str(tmp_path / "x.xlsx")]) == 2
    assert not (tmp_path / "x.xlsx").exists()
    good = tmp_path / "good.toml"
    shutil.copy(ROOT / "tests" / "data" / "small.toml", good)
    assert main(["scenario", "export", str(good), str(tmp_path / "x.csv")]) == 2


def test_export_to_a_folder_is_refused_before_anything_is_written(tmp_path, capsys, monkeypatch):
    """A folder named like a workbook: one line, exit 2, nothing staged (it was exit 1 with the new
    workbook left in a .simengine-stage-* folder beside it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.xlsx").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()
    assert main(["scenario", "export", str(ROOT / "tests" / "data" / "small.toml"), "d.xlsx"]) == 2
    err = capsys.readouterr().err
    assert err == "fejl: d.xlsx: er en mappe, men skal være filnavnet på den projektmappe, der skal skrives (.xlsx)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "sheet, cell, value, da, en",
    [
        (
            "Initiativer",
            "{delay}3",
            "pert(min=0.5, mode=x, max=4)",
            "ark Initiativer, celle {cell}: kan ikke læse 'pert(min=0.5, mode=x, max=4)': mode='x' er ikke et tal "
            "(brug punktum som decimaltegn)",
            "Initiativer!{cell}: cannot read 'pert(min=0.5, mode=x, max=4)': mode='x' is not a number "
            "(use a decimal point)",
        ),
        (
            "Observeret",
            "A2",
            "20x6",
            "ark Observeret, celle A2: skal være et årstal som 2016, men er '20x6'",
            "Observeret!A2: must be a year such as 2016, got '20x6'",
        ),
        (  # the validator's line names the cell too
            "Initiativer",
            "{gain}4",
            "lots",
            "ark Initiativer, celle {cell}: initiatives[2] (fmk).gain: skal være et tal, men er 'lots'",
            "Initiativer!{cell}: initiatives[2] (fmk).gain: must be a number, got 'lots'",
        ),
    ],
)
def test_a_bad_cell_in_danish_by_default_and_in_english_with_lang_en(tmp_path, capsys, sheet, cell, value, da, en):
    book = _export(ROOT / "tests" / "data" / "small.toml", tmp_path)
    cell = cell.format(delay=_col("delay"), gain=_col("gain"))
    _edit(book, sheet, cell, value)
    capsys.readouterr()
    assert main(["validate", str(book)]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err == f"fejl: {book}: {da.format(cell=cell)}\n", cap.err
    assert main(["validate", str(book), "--lang", "en"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err == f"error: {book}: {en.format(cell=cell)}\n", cap.err


def test_a_folder_or_a_pipe_given_as_the_workbook_is_refused_in_both_languages(tmp_path, capsys):
    import os

    folder = tmp_path / "book.xlsx"
    folder.mkdir()
    assert main(["validate", str(folder)]) == 2
    assert capsys.readouterr().err == f"fejl: {folder}: er en mappe, men skal være en scenariefil (.toml eller .xlsx)\n"
    assert main(["validate", str(folder), "--lang", "en"]) == 2
    assert capsys.readouterr().err == f"error: {folder}: is a directory, expected a scenario file (.toml or .xlsx)\n"
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)  # refused without being read (reading it would wait for a writer for ever)
    assert main(["validate", str(pipe)]) == 2
    assert capsys.readouterr().err == (
        f"fejl: {pipe}: er en navngiven pipe (FIFO), men skal være en scenariefil (en almindelig fil)\n"
    )
    assert main(["validate", str(pipe), "--lang", "en"]) == 2
    assert capsys.readouterr().err == f"error: {pipe}: is a named pipe (FIFO), expected a scenario (a regular file)\n"
