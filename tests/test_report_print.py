"""The report as printed (headless chromium --print-to-pdf): the pages before the appendix, the
appendix on pages of its own, the detail tables left to the screen and the workbook."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simengine.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs a headless chromium")


def _pages(html: Path, pdf: Path) -> int:
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}",
                           "--no-pdf-header-footer", str(html)], capture_output=True, timeout=180, check=False)
    assert pdf.is_file(), proc.stderr[-2000:]
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_printed_report_pages(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(ROOT / "tests" / "data" / "small.toml"), "--draws", "2000", "--out", str(out),
                 "--quiet"]) == 0
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
    # municipalities), the chart of the potential and the negotiation section's exceedance and deduction
    # charts (their tables are printed; negotiation.html is that section's printout): on screen only
    assert page.count('class="screen-only"') == 7
