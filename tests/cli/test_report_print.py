"""The report as printed (headless chromium --print-to-pdf): the pages before the appendix, the
appendix on pages of its own, the detail tables left to the screen and the workbook."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simengine.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs a headless chromium")


def _pages(html: Path, pdf: Path) -> int:
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            str(html),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert pdf.is_file(), proc.stderr[-2000:]
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_printed_report_pages(tmp_path):
    out = tmp_path / "run"
    assert (
        main(["run", str(ROOT / "tests" / "data" / "small.toml"), "--draws", "2000", "--out", str(out), "--quiet"]) == 0
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    i, j = page.find('<section id="assumptions">'), page.find("</main>")
    assert 0 < i < j
    main_only = tmp_path / "main_only.html"
    main_only.write_text(page[:i] + page[j:], encoding="utf-8")
    before = _pages(main_only, tmp_path / "main.pdf")
    total = _pages(out / "report.html", tmp_path / "all.pdf")
    assert before <= 8, before  # measured: 8 A4 pages for this scenario (2015.toml: 11)
    assert total > before  # the appendix starts on a page of its own
    assert "Bilag: Antagelser" in page
    # the chart of every municipality and the tables that repeat a chart (sensitivity, waterfall,
    # municipalities, initiatives), the chart of the potential and the negotiation section's exceedance and
    # deduction charts (their tables are printed; negotiation.html is that section's printout): on screen only
    assert page.count('class="screen-only"') == 8
    assert page.count('class="caption print-only"') == 1  # in print: where the initiatives' table is


# -- the 2015 strategy's report: its length in print, and nothing wider than its box ---------------
OVERFLOW_JS = """(function(){
  var out = [], main = document.querySelector("main"), mr = main.getBoundingClientRect();
  var els = document.querySelectorAll("main td, main th, main table, main figure, main img, main p, main h1, "
                                      + "main h2, main h3, main nav, main dl, main .card .big, main .card .lbl, "
                                      + "main .card .sub");
  for (var k = 0; k < els.length; k++) {
    var e = els[k], r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  /* not shown (screen-only in print, print-only on screen) */
    var what = e.tagName + (e.className ? "." + e.className : "") + ": " + (e.textContent || "").trim().slice(0, 50);
    if (e.tagName !== "IMG" && e.scrollWidth > e.clientWidth + 1) out.push("text wider than its box: " + what);
    if (r.right > mr.right + 0.5 || r.left < mr.left - 0.5) out.push("outside the page: " + what);
  }
  document.body.setAttribute("data-overflow", JSON.stringify(out));
})();"""


def overflow(page: Path, tmp: Path, width: int, print_rules: bool = False) -> list[str]:
    """The elements of ``page`` whose content is wider than their box or that reach outside the main
    column, as laid out by headless chromium in a window ``width`` px wide. ``print_rules``: with the
    page's @media print rules applied on screen, at the A4 text width (186 mm = 703 px)."""
    import html as htmllib
    import json

    text = page.read_text(encoding="utf-8")
    if print_rules:
        m = re.search(r"@media print\{(.*?)\}\s*@page", text, re.S)
        assert m, "no @media print block"
        text = text.replace("</style>", m.group(1) + "</style>", 1)
    probe = tmp / f"probe_{page.stem}_{width}.html"
    probe.write_text(text.replace("</body>", f"<script>{OVERFLOW_JS}</script></body>"), encoding="utf-8")
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},2000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=False,
        text=True,
    )
    m = re.search(r'data-overflow="([^"]*)"', proc.stdout)
    assert m, proc.stderr[-2000:]
    return json.loads(htmllib.unescape(m.group(1)))


@pytest.fixture(scope="module")
def run_2015(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("r2015")
    assert main(["run", str(ROOT / "scenarios" / "2015.toml"), "--draws", "2000", "--out", str(out), "--quiet"]) == 0
    return out


def test_2015_report_prints_in_8_pages_before_the_appendix(run_2015, tmp_path):
    page = (run_2015 / "report.html").read_text(encoding="utf-8")
    i, j = page.find('<section id="assumptions">'), page.find("</main>")
    main_only = tmp_path / "main_only.html"
    main_only.write_text(page[:i] + page[j:], encoding="utf-8")
    before = _pages(main_only, tmp_path / "main.pdf")
    assert before <= 8, before  # measured: 8 A4 pages (10 before the initiatives' table left print)
    assert _pages(run_2015 / "report.html", tmp_path / "all.pdf") > before


@pytest.mark.parametrize("width, print_rules", [(1200, False), (703, True)])
def test_2015_report_has_no_text_outside_its_box(run_2015, tmp_path, width, print_rules):
    """On a wide screen and with the print rules at the A4 text width: no table cell, heading, card
    or paragraph is wider than its box or reaches outside the page (long URLs in the sources wrap)."""
    assert overflow(run_2015 / "report.html", tmp_path, width, print_rules) == []


def test_compare_and_sweep_pages_have_no_text_outside_their_box(tmp_path):
    small = tmp_path / "a.toml"
    small.write_text((ROOT / "tests" / "data" / "small.toml").read_text(encoding="utf-8"), encoding="utf-8")
    b = tmp_path / "b.toml"
    b.write_text(
        'extends = "a.toml"\n[[initiatives]]\nid = "fmk"\ndelay = { dist = "uniform", min = 0.0, max = 0.5 }\n',
        encoding="utf-8",
    )
    assert main(["compare", str(small), str(b), "--draws", "800", "--out", str(tmp_path / "c"), "--quiet"]) == 0
    assert (
        main(
            [
                "sweep",
                str(small),
                "--set",
                "regimes.retention_share=0.25,0.5",
                "--set",
                "initiatives.fmk.delay=0,1",
                "--draws",
                "500",
                "--out",
                str(tmp_path / "s"),
                "--quiet",
            ]
        )
        == 0
    )
    for page in (tmp_path / "c" / "comparison.html", tmp_path / "s" / "sweep.html"):
        for width, print_rules in ((1200, False), (703, True)):
            assert overflow(page, tmp_path, width, print_rules) == [], (page.name, width)
