"""The negotiation parts of the report (simengine.outputs.report.negotiation): the headline, the section,
the workbook sheet, and the one-page negotiation sheet printed to PDF by headless chromium."""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pytest

from simengine.cli.runner import run_scenario
from simengine.outputs.labels import TEXT
from simengine.scenario import schema as scenario
from tests.cli.test_report import _browser
from tests.conftest import DATA, ROOT


def _pages(pdf: bytes) -> int:
    try:
        import io

        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(pdf)).pages)
    except ImportError:  # count the page objects (not the /Pages tree nodes)
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture(scope="module")
def outs(tmp_path_factory):
    base = tmp_path_factory.mktemp("negrep")
    out = {}
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=1500)
    out["da"] = (run_scenario(sc, base / "da", lang="da")[0], base / "da")
    sc30 = scenario.load(ROOT / "scenarios" / "2030.toml").with_run_options(draws=600)
    out["2030"] = (run_scenario(sc30, base / "2030", lang="en")[0], base / "2030")
    return out


@pytest.mark.parametrize("which", ["da", "2030"])
def test_negotiation_sheet_prints_on_one_a4_page(outs, which, tmp_path):
    ds, d = outs[which]
    sheet = d / "negotiation.html"
    assert sheet.is_file()
    text = sheet.read_text(encoding="utf-8")
    assert "@page{size:A4" in text
    pdf = tmp_path / "sheet.pdf"
    _browser([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", sheet.as_uri()], tmp_path / "profile")
    assert _pages(pdf.read_bytes()) == 1
    # what a negotiator takes into the room: the committable amounts by year, the deals, the risks
    ti = int(np.argmax(ds["target"].values >= ds["target"].values.max()))
    v = float(ds["committable"].sel(certainty=0.9).values[ti])
    assert 'data-var="committable"' in text and repr(v) in text
    for key in ("commit_title", "deals_title", "control_title"):
        assert any(t in text for t in TEXT[key])


def test_report_leads_with_the_negotiation_headline(outs):
    ds, d = outs["da"]
    html = (d / "report.html").read_text(encoding="utf-8")
    head = html[html.index('id="headline"') : html.index('id="negotiation"')]
    assert "Kan loves med 90 % sikkerhed" in head and "Realiseret andel af løftet" in head
    assert "uden for modellens udfaldsrum" in head  # P(target) is 0 in every year of the small scenario
    for m in re.finditer(
        r'data-var="committable" data-year="(\d+)" data-certainty="([0-9.]+)" data-value="([^"]+)"', html
    ):
        assert float(m.group(3)) == float(ds["committable"].sel(year=int(m.group(1)), certainty=float(m.group(2))))
    sec = html[html.index('id="negotiation"') :]
    assert 'data-chart="exceedance"' in sec and 'data-chart="deductions"' in sec
    assert "Reduktion ved levering" in sec and "Hvem styrer hvad?" in sec
    assert (d / "charts" / "exceedance.png").is_file() and (d / "charts" / "deductions.png").is_file()


def test_workbook_has_the_negotiation_sheet(outs):
    ds, d = outs["da"]
    wb = openpyxl.load_workbook(d / "summary.xlsx")
    assert "Forhandling" in wb.sheetnames
    ws = wb["Forhandling"]
    rows = list(ws.iter_rows(values_only=True))
    nat = [r for r in rows[1:] if r[1] == "Landsplan" and r[2] == 2015 and r[3] == pytest.approx(0.9)]
    assert nat and nat[0][4] == pytest.approx(float(ds["committable"].sel(year=2015, certainty=0.9)) / 1e6)
    ws2 = openpyxl.load_workbook(outs["2030"][1] / "summary.xlsx")
    assert "Negotiation" in ws2.sheetnames


def test_every_negotiation_label_in_both_languages():
    from simengine.analysis.negotiate import CONTROL
    from simengine.outputs.labels import CAUSE_LABELS

    keys = [
        k
        for k in TEXT
        if k.startswith(
            (
                "commit",
                "ded_",
                "deal",
                "control",
                "hl_commit",
                "hl_share",
                "hl_cut",
                "hl_out",
                "card_",
                "neg_",
                "exceed",
                "regime_delivery",
            )
        )
    ]
    assert len(keys) > 20
    for k in keys:
        da, en = TEXT[k]
        assert da and en and da != en or k in ("deal",), k
    for causes in CONTROL.values():
        for c in causes:
            assert c in CAUSE_LABELS
