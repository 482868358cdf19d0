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
    # the scenario's description (what it is: a reconstruction with hindsight, ex ante, a judgement) heads it
    if which == "2030":
        sc = scenario.load(ROOT / "scenarios" / "2030.toml")
        assert sc.description_in("en") and sc.description_in("en").split(";")[0].replace("'", "&#x27;") in text
    # the bracketed interval under the committable amounts is explained on the page
    assert ("i parentes" in text or "in brackets" in text) and re.search(r"\(\d[\d.,]*–\d[\d.,]*\)", text)


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


def test_workbook_carries_the_negotiation_pages_figures(outs):
    """Every figure the negotiation page states is in the Forhandling sheet, by year: the largest safe
    up-front deduction, the amount reached with a small probability, each deal's central gain, service
    cut and P(service cut > X) (deduction on delivery included) and who controls what."""
    from simengine.analysis.negotiate import control_split

    ds, d = outs["da"]
    rows = list(openpyxl.load_workbook(d / "summary.xlsx")["Forhandling"].iter_rows(values_only=True))[1:]

    def has(year, value, scale=1e6, where=lambda r: True):
        return any(r[2] == year and r[4] == pytest.approx(value / scale, rel=1e-9, abs=1e-9) and where(r) for r in rows)

    years = [int(y) for y in ds["year"].values]
    for y in years:
        assert has(y, float(ds["deduction_max_safe"].sel(year=y)), where=lambda r: "Største forlods" in r[0])
        assert has(y, float(ds["reach_amount"].sel(year=y)), where=lambda r: "sandsynlighed" in r[0])
    deal = lambda r: r[0].startswith("Aftale")  # noqa: E731
    for r in (str(v) for v in ds["regime"].values):
        cg = float(ds["central_gain_mean"].sel(regime=r, year=2015))
        cut = float(ds["service_cut_mean"].sel(regime=r, year=2015))
        p = float(ds["p_service_cut_above"].sel(regime=r, year=2015))
        assert has(2015, cg, where=deal) and has(2015, cut, where=deal) and has(2015, p, scale=1, where=deal)
    assert has(
        2015, float(ds["delivery_central_gain_mean"].sel(year=2015)), where=lambda r: r[1] == "Reduktion ved levering"
    )
    assert has(2015, float(ds["delivery_p_cut_above"].sel(year=2015)), scale=1, where=deal)
    for k in range(ds.sizes["delivery_pair"]):
        v = float(ds["delivery_central_gain_difference_mean"].values[k, years.index(2015)])
        assert has(2015, v, where=lambda r: r[1].startswith("Levering minus"))
    c = control_split(ds)
    for group in ("municipal", "outside", "shared", "plan"):
        assert any(r[0].startswith("Hvem styrer hvad?") and r[4] == pytest.approx(c[group][0] / 1e6) for r in rows)
    # the probabilities are shown as percentages, the amounts in mio. kr.
    ws = openpyxl.load_workbook(d / "summary.xlsx")["Forhandling"]
    fmts = {
        ws.cell(row=i, column=5).number_format
        for i in range(2, ws.max_row + 1)
        if ws.cell(row=i, column=8).value == "sandsynlighed"
    }
    assert fmts == {"0.0%"}


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


def test_sheet_shows_the_deductions_either_side_of_the_risk_limit(outs):
    """The one-page sheet's deduction table (at most six rows of the grid) always has the two shares
    between which P(service cut > X) crosses the accepted risk, then 50 % and 100 %; rule checked
    on grids of its own and on the run's page (its rows read back from the HTML)."""
    from simengine.outputs.report.negotiation import sheet_deduction_rows

    sh = np.arange(11) / 10
    p = np.array([0, 0, 0.06, 0.47, 0.86, 0.98, 0.999, 1, 1, 1, 1])
    assert [float(sh[k]) for k in sheet_deduction_rows(sh, p, 0.1)] == [0.2, 0.3, 0.4, 0.5, 0.6, 1.0]
    assert [float(sh[k]) for k in sheet_deduction_rows(sh, p, 0.5)] == [0.2, 0.3, 0.4, 0.5, 0.6, 1.0]
    assert [float(sh[k]) for k in sheet_deduction_rows(sh, p, 0.9)] == [0.2, 0.4, 0.5, 0.6, 0.8, 1.0]
    assert sheet_deduction_rows(sh, np.ones(11), 0.1)[0] == 0  # over the limit everywhere: from 0 %
    assert sheet_deduction_rows(sh, np.zeros(11), 0.1)[-1] == 10  # nowhere: up to 100 %
    assert sheet_deduction_rows(np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0, 1.0]), 0.1) == [0, 1, 2]
    ds, d = outs["da"]
    text = (d / "negotiation.html").read_text(encoding="utf-8")
    ti = int(np.argmax(ds["target"].values >= ds["target"].values.max()))
    pc = ds["deduction_p_cut_above"].values[:, ti]
    k = int(np.nonzero(pc <= float(ds.attrs.get("cut_alpha", 0.1)))[0].max())
    shown = re.findall(r"<tr><td[^>]*>(\d+) %</td>", text.split("<h2>")[-3] if text.count("<h2>") >= 3 else text)
    want = {f"{round(100 * float(ds['deduction'].values[j]))}" for j in (k, k + 1) if j < len(pc)}
    assert want <= set(shown), (want, shown)
