"""The report: report.html (rendered in a real headless chromium), summary.xlsx, charts/, Danish and
English labels, the scenario-file fallback, the optional analysis sections and the progress bar.

Runs the small test scenario twice (two different scenarios) and renders the page twice in
chromium; about 30 s in all.
"""

from __future__ import annotations

import base64
import datetime as dt
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import xarray as xr

from simengine.cli.main import main
from simengine.cli.runner import run_scenario
from simengine.outputs import report
from simengine.outputs.labels import Labels
from simengine.outputs.report.assumptions import assumption_sections, toml_comments
from simengine.outputs.report.workbook import date_to_decimal_year
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"
CORE_CHARTS = {
    "fan_national",
    "fan_areas",
    "target_distribution",
    "regimes",
    "municipalities",
    "top_shortfall",
    "initiatives",
    "backtest",
}
PNG = b"\x89PNG\r\n\x1a\n"
SENS_VARS = ("sensitivity", "tornado_low", "tornado_high", "waterfall")


def _variant(tmp: Path) -> Path:
    """A different scenario: other gains, another seed, a later target."""
    text = SMALL.read_text(encoding="utf-8")
    text = text.replace('name = "Small test scenario"', 'name = "Small test scenario, variant"')
    text = text.replace("seed = 7", "seed = 8").replace("gain = 120e6", "gain = 200e6")
    text = text.replace("target_year = 2014", "target_year = 2015")
    p = tmp / "variant.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    out = {}
    for key, path in (("a", SMALL), ("b", _variant(base))):
        sc = scenario.load(path).with_run_options(draws=3000)
        run_scenario(sc, base / key, threads=1, quiet=True)
        out[key] = base / key
    return out


@pytest.fixture(scope="module")
def ds_a(runs):
    with xr.open_dataset(runs["a"] / "results.nc", engine="h5netcdf") as ds:
        yield ds.load()


# ------------------------------------------------------------------------------------------
# files
def test_run_writes_report_workbook_and_charts(runs):
    for key in ("a", "b"):
        d = runs[key]
        assert (d / "report.html").stat().st_size > 50_000
        assert (d / "summary.xlsx").stat().st_size > 5_000
        names = {p.stem for p in (d / "charts").glob("*.png")}
        assert CORE_CHARTS <= names, CORE_CHARTS - names
        from PIL import Image

        for p in (d / "charts").glob("*.png"):
            data = p.read_bytes()
            assert data[:8] == PNG and len(data) > 10_000, p
            with Image.open(p) as im:
                im.load()  # decodes completely
                assert im.size[0] >= 1000 and im.size[1] >= 300, (p, im.size)
        assert not [p for p in d.rglob(".*") if p.name.endswith(".tmp")]  # no temporaries left


def test_charts_differ_between_scenarios(runs):
    a = {p.stem: p.read_bytes() for p in (runs["a"] / "charts").glob("*.png")}
    b = {p.stem: p.read_bytes() for p in (runs["b"] / "charts").glob("*.png")}
    assert set(a) == set(b)
    same = [n for n in a if a[n] == b[n]]
    assert not same, f"charts identical for two different scenarios: {same}"


def test_html_is_self_contained_and_embeds_the_chart_files(runs):
    page = (runs["a"] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "external reference in the page"
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)"[^>]*data-chart="([^"]+)"', page)
    assert {name for _, name in imgs} == {p.stem for p in (runs["a"] / "charts").glob("*.png")}
    for b64, name in imgs:
        assert base64.b64decode(b64) == (runs["a"] / "charts" / f"{name}.png").read_bytes(), name


# ------------------------------------------------------------------------------------------
# the page in a real browser
def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    pytest.fail(
        "chromium is not installed: the report test renders report.html in headless chromium. "
        "Install it with `apt-get install -y chromium` (scripts/test does this)."
    )


def _browser(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        # no network at all: a page that needed one would show broken images
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--hide-scrollbars",
        *args,
    ]
    r = subprocess.run(cmd, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return r


PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; })
                   .map(function (i) { return i.getAttribute('data-chart') || i.alt; });
  document.body.setAttribute('data-images', String(imgs.length));
  document.body.setAttribute('data-broken', JSON.stringify(broken));
  document.body.setAttribute('data-width', String(document.documentElement.scrollWidth));
});
</script>"""


class _Nums(html.parser.HTMLParser):
    """Collects <span class="num" data-...> with their text, and the <body> attributes."""

    def __init__(self):
        super().__init__()
        self.nums: list[dict] = []
        self.body: dict = {}
        self._cur: dict | None = None
        self._in_lead = 0
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "p" and a.get("class") == "lead":
            self._in_lead = 1
        if tag == "span" and a.get("class") == "num":
            self._cur = {**a, "text": "", "lead": bool(self._in_lead)}

    def handle_endtag(self, tag):
        if tag == "span" and self._cur is not None:
            self.nums.append(self._cur)
            self._cur = None
        if tag == "p":
            self._in_lead = 0

    def handle_data(self, data):
        if self._cur is not None:
            self._cur["text"] += data


def _ds_value(ds: xr.Dataset, n: dict) -> float:
    var = n["data-var"]
    da = ds[var]
    sel = {}
    if "data-year" in n:
        sel["observed_year" if "observed_year" in da.dims else "year"] = int(n["data-year"])
    if "data-municipality" in n:
        sel["municipality"] = int(n["data-municipality"])
    if "data-initiative" in n:
        sel["initiative"] = n["data-initiative"]
    for key, val in n.items():  # any other dimension named by the span (certainty, regime, deduction, ...)
        dim = key[len("data-") :] if key.startswith("data-") else ""
        if dim in da.dims and dim not in sel and dim != "quantile":
            sel[dim] = float(val) if da[dim].dtype.kind == "f" else val
    da = da.sel(**sel)
    if "data-quantile" in n:
        q = float(n["data-quantile"])
        k = int(np.argmin(np.abs(da["quantile"].values - q)))
        assert abs(da["quantile"].values[k] - q) < 1e-12
        da = da.isel(quantile=k)
    return float(da.values)


def test_report_renders_in_chromium(runs, ds_a, tmp_path):
    page = (runs["a"] / "report.html").read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    # the page as is, plus a probe script, plus one image that is broken on purpose (the probe must see it)
    probe.write_text(
        page.replace("</body>", '<img src="data:image/png;base64,AAAA" data-chart="control">' + PROBE + "</body>"),
        encoding="utf-8",
    )
    r = _browser(
        ["--virtual-time-budget=10000", "--run-all-compositor-stages-before-draw", "--dump-dom", probe.as_uri()],
        tmp_path / "p1",
    )
    dom = r.stdout.decode("utf-8")
    parsed = _Nums()
    parsed.feed(dom)
    n_charts = len(list((runs["a"] / "charts").glob("*.png")))
    assert parsed.body.get("data-images") == str(n_charts + 1), parsed.body
    assert json.loads(parsed.body["data-broken"]) == ["control"], "broken images in the rendered page"
    assert int(parsed.body["data-width"]) <= 1280, "the page scrolls sideways on a laptop screen"

    # every number tagged in the rendered page equals the Dataset's value, and reads as that value
    L = Labels("da")
    assert len(parsed.nums) > 40
    for n in parsed.nums:
        v = _ds_value(ds_a, n)
        assert float(n["data-value"]) == pytest.approx(v, rel=1e-12, abs=1e-9), n
        shown = {L.mio(v), L.mio_value(v), L.pct(v)}
        if str(ds_a[n["data-var"]].attrs.get("units", "")).startswith("FTE"):  # staff counts and FTE per mio. kr.
            shown |= {L.num(v), L.num(v, 2)}
        assert n["text"] in shown, (n, L.mio(v), L.pct(v))
    # the headline paragraph carries the promise, P(target), P10/P50/P90 and the expected shortfall
    ty = 2014
    lead = {(n["data-var"], n.get("data-quantile")) for n in parsed.nums if n["lead"] and n.get("data-year") == str(ty)}
    assert {
        ("target", None),
        ("p_target", None),
        ("expected_shortfall", None),
        ("benefit_quantile", "0.1"),
        ("benefit_quantile", "0.5"),
        ("benefit_quantile", "0.9"),
    } <= lead, lead
    p = float(ds_a["p_target"].sel(year=ty))
    assert f"{L.pct(p)}" in dom

    # a screenshot of the real page (not the probe) at laptop size: drawn, not blank
    from PIL import Image

    shot = tmp_path / "shot.png"
    _browser([f"--screenshot={shot}", "--window-size=1280,2400", (runs["a"] / "report.html").as_uri()], tmp_path / "p2")
    im = Image.open(shot).convert("RGB")
    assert im.size == (1280, 2400)
    arr = np.asarray(im, dtype=float)
    assert arr.std() > 20, "the screenshot is (nearly) blank"
    # the fan chart's blue is on screen
    blue = (arr[..., 2] > 150) & (arr[..., 0] < 120) & (arr[..., 1] < 170)
    assert blue.sum() > 2_000


# ------------------------------------------------------------------------------------------
# workbook
def test_workbook_values_equal_the_dataset(runs, ds_a):
    wb = openpyxl.load_workbook(runs["a"] / "summary.xlsx")
    sens = ["Følsomhed"] if any(v in ds_a for v in SENS_VARS) else []
    neg = ["Forhandling"] if "committable" in ds_a else []  # simengine.outputs.report.negotiation
    pot = ["Potentiale"] if "potential_mean" in ds_a else []  # simengine.outputs.report.potential
    inv = ["Årsværk pr. investering"] if "fte_per_invested_mean" in ds_a else []  # simengine.outputs.report.investment
    assert wb.sheetnames == [
        "Overblik",
        "År",
        *pot,
        "Områder",
        "Kommuner",
        "Initiativer",
        "Budgetmodeller",
        *neg,
        *sens,
        *inv,
        "Antagelser",
    ]
    for ws in wb.worksheets:
        assert ws.freeze_panes not in (None, "A1"), ws.title
        assert all(ws.column_dimensions[c].width and ws.column_dimensions[c].width > 5 for c in ("A", "B")), ws.title
    ds = ds_a
    years = [int(y) for y in ds["year"].values]

    def table(ws):
        rows = list(ws.iter_rows(values_only=True))
        return list(rows[0]), rows[1:]

    def cells(ws):
        return list(ws.iter_rows(min_row=2))

    # Years: every number is a number, formatted with thousands; values equal the Dataset
    head, rows = table(wb["År"])
    assert [r[0] for r in rows] == years
    for r_cells in cells(wb["År"]):
        for c in r_cells[1:]:
            if c.value is not None:
                assert isinstance(c.value, (int, float)), (c.coordinate, c.value)
                assert "#,##0" in c.number_format or "%" in c.number_format, c.number_format
    i_p50 = head.index("P50 (mio. kr.)")
    i_p = head.index("P(mål nået)")
    i_t = head.index("Mål (mio. kr.)")
    np.testing.assert_allclose(
        [r[i_p50] * 1e6 for r in rows], ds["benefit_quantile"].sel(quantile=0.5).values, rtol=1e-12, atol=1e-6
    )
    has_target = ds["target"].values > 0  # no target: no probability of reaching it, an empty cell
    assert [r[i_p] for r, t in zip(rows, has_target) if not t] == [None] * int((~has_target).sum())
    np.testing.assert_allclose(
        [r[i_p] for r in rows if r[i_p] is not None], ds["p_target"].values[has_target], rtol=0, atol=0
    )
    np.testing.assert_allclose([r[i_t] * 1e6 for r in rows], ds["target"].values, rtol=1e-12)

    # Municipalities: one row per municipality, target year 2014
    head, rows = table(wb["Kommuner"])
    assert [r[0] for r in rows] == [int(c) for c in ds["municipality"].values]
    assert [r[1] for r in rows] == [str(n) for n in ds["municipality_name"].values]
    i_mean, i_p90 = head.index("Middel 2014 (mio. kr.)"), head.index("P90 2014 (mio. kr.)")
    np.testing.assert_allclose(
        [r[i_mean] * 1e6 for r in rows], ds["municipality_benefit_mean"].sel(year=2014).values, rtol=1e-12
    )
    np.testing.assert_allclose(
        [r[i_p90] * 1e6 for r in rows], ds["municipality_benefit"].sel(year=2014, quantile=0.9).values, rtol=1e-12
    )
    i_pop = head.index("Indbyggere")
    assert sum(r[i_pop] for r in rows) == 5_560_534

    # Initiatives: the means of every year and the go-live dates
    head, rows = table(wb["Initiativer"])
    assert [r[0] for r in rows] == [str(i) for i in ds["initiative"].values]
    for y in years:
        k = head.index(f"Middel {y} (mio. kr.)")
        np.testing.assert_allclose(
            [r[k] * 1e6 for r in rows], ds["initiative_benefit_mean"].sel(year=y).values, rtol=1e-12, atol=1e-6
        )
    k = head.index("Idriftsættelse P50")
    assert all(isinstance(r[k], dt.datetime) for r in rows)
    np.testing.assert_allclose(
        [date_to_decimal_year(r[k]) for r in rows], ds["initiative_golive"].sel(quantile=0.5).values, atol=1e-6
    )

    # Areas and regimes
    head, rows = table(wb["Områder"])
    k = head.index("P10 (mio. kr.)")
    got = np.array([r[k] for r in rows]).reshape(ds.sizes["area"], len(years)) * 1e6
    np.testing.assert_allclose(got, ds["area_benefit_quantile"].sel(quantile=0.1).values, rtol=1e-12, atol=1e-6)
    head, rows = table(wb["Budgetmodeller"])
    k = head.index("Servicereduktion, middel (mio. kr.)")
    yearly = [r for r in rows if isinstance(r[2], int)]
    got = np.array([r[k] for r in yearly]).reshape(3, len(years)) * 1e6
    np.testing.assert_allclose(got, ds["service_cut_mean"].values, rtol=1e-12, atol=1e-6)

    # Overview: the headline
    ov = {r[0]: r[1] for r in wb["Overblik"].iter_rows(values_only=True)}
    assert ov["Sandsynlighed for at nå målet 2014"] == pytest.approx(float(ds["p_target"].sel(year=2014)), abs=0)
    assert ov["P50 2014"] * 1e6 == pytest.approx(float(ds["benefit_quantile"].sel(year=2014, quantile=0.5)))
    assert ov["Antal træk"] == 3000


def test_potential_section_and_sheet_equal_the_dataset(runs, ds_a):
    """The potential beside the realised gain: every number tagged in its section and every cell of its
    sheet equals results.nc; the calibration band is shown when the scenario has one; older results
    without the potential get no section, no chart and no sheet."""
    from simengine.outputs.report import charts as ch
    from simengine.outputs.report import html as rhtml
    from simengine.outputs.report import potential as rpot
    from simengine.outputs.report import workbook as rwb
    from simengine.outputs.report.context import Context

    assert "potential_quantile" in ds_a and "realised_promised_ratio" in ds_a
    page = (runs["a"] / "report.html").read_text(encoding="utf-8")
    i = page.find('<section id="potential">')
    assert i > page.find('<section id="fan">') > 0
    seg = page[i : page.find("</section>", i)]
    assert 'data-chart="potential"' in seg and (runs["a"] / "charts" / "potential.png").is_file()
    parsed = _Nums()
    parsed.feed(seg)
    L = Labels("da")
    seen = {}
    for n in parsed.nums:
        v = _ds_value(ds_a, n)
        assert float(n["data-value"]) == pytest.approx(v, rel=1e-12, abs=1e-9), n
        assert n["text"] in {L.mio_value(v), L.pct(v)}, n
        seen.setdefault(n["data-var"], set()).add((n.get("data-year"), n.get("data-quantile")))
    years = [str(int(y)) for y in ds_a["year"].values]
    assert {y for y, _ in seen["potential_mean"]} == set(years)
    assert {(y, q) for y in years for q in ("0.1", "0.5", "0.9")} == seen["potential_quantile"]
    assert {y for y, _ in seen["realised_promised_ratio"]} == set(years)
    assert {y for y, _ in seen["potential_promised_ratio"]} == set(years)
    assert "kalibreringsbånd" not in seg  # tests/data/small.toml has no calibration band

    # the sheet
    wb = openpyxl.load_workbook(runs["a"] / "summary.xlsx")
    rows = list(wb["Potentiale"].iter_rows(values_only=True))
    head, body = list(rows[0]), [r for r in rows[1:] if isinstance(r[0], int)]
    assert [r[0] for r in body] == [int(y) for y in years]
    for q, name in ((0.1, "P10"), (0.5, "P50"), (0.9, "P90")):
        k = head.index(f"Potentiale {name} (mio. kr.)")
        np.testing.assert_allclose(
            [r[k] * 1e6 for r in body], ds_a["potential_quantile"].sel(quantile=q).values, rtol=1e-12, atol=1e-6
        )
        k = head.index(f"Realiseret {name} (mio. kr.)")
        np.testing.assert_allclose(
            [r[k] * 1e6 for r in body], ds_a["benefit_quantile"].sel(quantile=q).values, rtol=1e-12, atol=1e-6
        )
    k = head.index("Potentiale, middel (mio. kr.)")
    np.testing.assert_allclose([r[k] * 1e6 for r in body], ds_a["potential_mean"].values, rtol=1e-12, atol=1e-6)
    assert "realised_delivered_ratio" in ds_a
    for col, var in (
        ("Realiseret / lovet", "realised_promised_ratio"),
        ("Realiseret / lovet af det leverede", "realised_delivered_ratio"),
        ("Potentiale / lovet", "potential_promised_ratio"),
    ):
        k = head.index(col)  # an empty cell where the ratio is undefined (nothing delivered yet: NaN)
        got = [np.nan if r[k] is None else r[k] for r in body]
        np.testing.assert_allclose(got, ds_a[var].values, rtol=1e-14, atol=0)

    # a calibration band with a year: the ratio of that year beside it, with the verdict
    ds = ds_a.copy()
    ds["realised_promised_ratio"] = ds_a["realised_promised_ratio"].copy()
    r14 = float(ds["realised_promised_ratio"].sel(year=2014))
    ds["realised_promised_ratio"].attrs.update(calibration_band=[r14 - 0.01, r14 + 0.01], calibration_year=2014)
    ctx = Context(ds, "en")
    sec = rpot.section(ctx, {})
    assert "calibration band" in sec and "inside the band" in sec
    assert f'data-var="realised_promised_ratio" data-year="2014" data-value="{r14!r}"' in sec
    ds["realised_promised_ratio"].attrs.update(calibration_band=[r14 + 0.01, r14 + 0.2])
    assert "below the band" in rpot.section(Context(ds, "en"), {})
    del ds["realised_promised_ratio"].attrs["calibration_year"]
    assert "met in" in rpot.section(Context(ds, "en"), {})
    band_wb = openpyxl.load_workbook(io.BytesIO(rwb.build(Context(ds, "da"))))
    prow = list(band_wb["Potentiale"].iter_rows(values_only=True))
    at = [i for i, r in enumerate(prow) if r[0] == Labels("da")("pot_band_label")]
    assert at and prow[at[0]][1] == pytest.approx(r14 + 0.01) and prow[at[0]][2] == pytest.approx(r14 + 0.2)
    assert prow[at[0] - 1][1:3] == ("Nedre", "Øvre")  # the band's bounds, labelled
    below = {r[0]: r[1] for r in prow[at[0] + 1 :]}
    basis = ds["realised_delivered_ratio"].attrs.get("calibration_basis", "promised")
    assert below["Båndet læses på"] == Labels("da")("cal2_basis_" + basis)
    assert below["Realiseret / lovet ved fuld effekt"] == pytest.approx(float(ds["steady_state_ratio"]))

    # older results: no potential, no section, chart or sheet, and no error
    added = (
        "potential",
        "area_potential",
        "potential_quantile",
        "potential_mean",
        "area_potential_quantile",
        "area_potential_mean",
        "initiative_potential_mean",
        "realised_promised_ratio",
        "potential_promised_ratio",
    )
    old = ds_a.drop_vars([v for v in added if v in ds_a])
    ctx = Context(old, "da")
    assert rpot.section(ctx, {}) == "" and ch.potential(ctx) is None
    assert 'id="potential"' not in rhtml.render(ctx, {})
    assert "Potentiale" not in openpyxl.load_workbook(io.BytesIO(rwb.build(ctx))).sheetnames


# ------------------------------------------------------------------------------------------
# language, CLI, fallbacks
def test_report_command_in_english(runs, tmp_path, capsys):
    out = tmp_path / "en"
    assert main(["report", str(runs["a"] / "results.nc"), "--lang", "en", "--out", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Probability of reaching the target" in page
    assert "mio. kr." not in page.split('<section id="assumptions">')[0]
    assert re.search(r"DKK [\d,]+m", page)
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    with xr.open_dataset(runs["a"] / "results.nc", engine="h5netcdf") as ds:
        sens = ["Sensitivity"] if any(v in ds for v in SENS_VARS) else []
        neg = ["Negotiation"] if "committable" in ds else []  # simengine.outputs.report.negotiation
        pot = ["Potential"] if "potential_mean" in ds else []  # simengine.outputs.report.potential
        inv = ["FTE per investment"] if "fte_per_invested_mean" in ds else []  # simengine.outputs.report.investment
    assert wb.sheetnames == [
        "Overview",
        "Years",
        *pot,
        "Areas",
        "Municipalities",
        "Initiatives",
        "Regimes",
        *neg,
        *sens,
        *inv,
        "Assumptions",
    ]
    assert len(list((out / "charts").glob("*.png"))) >= len(CORE_CHARTS)
    assert main(["report", str(tmp_path / "nope.nc")]) == 2
    assert main(["run", str(SMALL), "--lang", "fr"]) == 2
    err = capsys.readouterr().err
    assert "nope.nc" in err and "Traceback" not in err


def test_number_formats():
    da, en = Labels("da"), Labels("en")
    assert da.mio(1_234_400_000) == "1.234 mio. kr." and en.mio(1_234_400_000) == "DKK 1,234m"
    assert da.mio(2_345_000) == "2,3 mio. kr." and en.mio(2_345_000) == "DKK 2.3m"
    assert da.pct(0.473) == "47 %" and en.pct(0.473) == "47%"
    assert da.pct(0.0) == "0 %" and da.pct(0.0004) == "< 0,1 %" and da.pct(0.9996) == "> 99,9 %"
    assert da.pct(0.005) == "0,5 %" and da.pct(1.0) == "100 %"
    assert da.num(-1234.5, 1) == "−1.234,5"
    assert da.month_year(2014.42) == "jun. 2014" and en.month_year(2014.0) == "Jan 2014"


def test_scenario_file_gone_falls_back_to_the_dataset(tmp_path, capsys):
    sc_path = tmp_path / "moving.toml"
    shutil.copy(SMALL, sc_path)
    sc = scenario.load(sc_path).with_run_options(draws=500)
    sc_path.unlink()  # moved away during the run
    out = tmp_path / "o"
    ds, _ = run_scenario(sc, out, threads=1, quiet=True)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "kunne ikke læses" in page and 'id="municipalities"' in page
    assert "findes ikke" in page and "no such file" not in page  # why, in the report's language
    assert "kr. pr. indbygger" in page  # population from the Dataset's coordinate
    assert "Antagelser" not in openpyxl.load_workbook(out / "summary.xlsx").sheetnames
    from simengine.outputs.report.context import scenario_info

    info = scenario_info(ds)
    assert info.status == "missing" and str(sc_path) in info.path
    # with --scenario pointing at the file's new place, the assumptions come back
    assert main(["report", str(out / "results.nc"), "--scenario", str(SMALL), "--quiet"]) == 0
    assert "Standardantagelser" in (out / "report.html").read_text(encoding="utf-8")
    assert main(["report", str(out / "results.nc"), "--scenario", str(tmp_path / "nowhere.toml")]) == 2
    assert "nowhere.toml" in capsys.readouterr().err


def test_changed_scenario_is_flagged(tmp_path):
    sc_path = tmp_path / "s.toml"
    shutil.copy(SMALL, sc_path)
    sc = scenario.load(sc_path).with_run_options(draws=300)
    ds, _ = run_scenario(sc, tmp_path / "o", threads=1, quiet=True, report=False)
    assert not (tmp_path / "o" / "report.html").exists()
    sc_path.write_text(SMALL.read_text(encoding="utf-8").replace("gain = 80e6", "gain = 90e6"), encoding="utf-8")
    files = report.build(ds, "en")
    assert "has changed since the run" in files.html and "90 DKK m" not in files.html.split("Assumptions")[0]
    assert any("changed" in n for n in files.notes)


def test_optional_sections_when_present(ds_a, runs):
    # whatever analysis the run itself made is replaced by known synthetic values
    ds = ds_a.drop_vars(
        [v for v in ds_a.variables if {"input", "cause"} & set(ds_a[v].dims)] + ["tornado_base"], errors="ignore"
    )
    inputs = ["estimate_factor", "delay", "realisation"]
    years = ds["year"].values
    base = float(ds["benefit_mean"].sel(year=2014))
    ds["tornado_low"] = (("input", "year"), np.outer([0.8, 0.9, 0.95], np.ones(len(years))) * base)
    ds["tornado_high"] = (("input", "year"), np.outer([1.3, 1.1, 1.02], np.ones(len(years))) * base)
    ds["waterfall"] = (("cause",), np.array([-100e6, -50e6, -25e6]))
    ds = ds.assign_coords(input=inputs, cause=["delay", "adoption", "realisation"])
    ds["sensitivity"] = (("input",), np.array([0.6, -0.2, 0.3]))
    ds["sensitivity"].attrs = {"units": "1", "long_name": "rank correlation with the gain"}
    ds["p_target_ci_low"] = ds["p_target"] * 0.9
    ds["p_target_ci_high"] = ds["p_target"] * 1.1 + 0.01
    files = report.build(ds, "da")
    for sid in ("tornado", "waterfall", "sensitivity", "mc", "backtest"):
        assert f'<section id="{sid}">' in files.html, sid
    assert {"tornado", "waterfall", "sensitivity"} <= set(files.charts)
    wb = openpyxl.load_workbook(io.BytesIO(files.xlsx))
    assert "Følsomhed" in wb.sheetnames
    rows = list(wb["Følsomhed"].iter_rows(values_only=True))[1:]
    sens = [r for r in rows if r[5] == "sensitivity"]  # the variable's name in a column of its own
    assert [r[1] for r in sens] == inputs and [r[3] for r in sens] == [0.6, -0.2, 0.3]
    assert {r[5] for r in rows} == {"sensitivity", "tornado_low", "tornado_high", "waterfall"}
    assert not any(r[0].endswith(f"({r[5]})") for r in rows), "the statistic's Danish name alone"
    tbl = files.html.split('<section id="waterfall">')[1].split("</section>")[0]
    assert "−100,0" in tbl and "−175,0" not in tbl  # the causes, in mio. kr.
    # and none of it without the variables
    from simengine.outputs.report import charts, html, workbook
    from simengine.outputs.report.context import Context

    bare = Context(ds.drop_vars([v for v in ds.variables if {"input", "cause"} & set(ds[v].dims)]), "da")
    assert charts.tornado(bare) is None and charts.waterfall(bare) is None and charts.sensitivity(bare) is None
    page = html.Page(bare, {})
    assert page.tornado() == page.waterfall() == page.sensitivity() == ""
    assert "Følsomhed" not in openpyxl.load_workbook(io.BytesIO(workbook.build(bare))).sheetnames


def test_observed_potential_is_shown_against_the_potential(ds_a):
    """An observation of the potential ([observed] quantity = "potential") is named so, held against
    the potential gain in the headline, the backtest table and chart, and kept off the realised
    gain's table and charts; the same dataset without the attribute shows it as before."""
    ds = ds_a.copy()
    ds["observed"] = ds["observed"].copy()
    ds["observed"].attrs["quantity"] = "potential"
    files = report.build(ds, "da")
    head = files.html.split('<section id="headline"')[1].split("</section>")[0]
    assert "Det opgjorte potentiale i 2016" in head and "Det faktiske udfald" not in head
    years = files.html.split("Sandsynlighed for at nå målet og gevinstens fordeling")[1].split("</table>")[0]
    assert "Faktisk udfald" not in years and "Opgjort potentiale" not in years
    bt = files.html.split('<section id="backtest">')[1].split("</section>")[0]
    p50 = float(ds["potential_quantile"].sel(quantile=0.5, year=2016)) / 1e6
    assert "Opgjort potentiale (mio. kr.)" in bt and "potentielle gevinst" in bt
    assert Labels("da").mio_value(p50 * 1e6) in bt
    wb = openpyxl.load_workbook(io.BytesIO(files.xlsx))
    cells = [c for row in wb.worksheets[0].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Opgjort potentiale 2016" in cells and "Faktisk udfald 2016" not in cells
    plain = report.build(ds_a, "da")
    assert "Det faktiske udfald i 2016" in plain.html and "opgjorte potentiale" not in plain.html


def test_report_failure_keeps_the_run(tmp_path, monkeypatch, capsys):
    out = tmp_path / "o"
    sc = scenario.load(SMALL).with_run_options(draws=300)
    run_scenario(sc, out, threads=1, quiet=True)
    assert (out / "summary.xlsx").exists() and (out / "charts" / "fan_national.png").exists()
    from simengine.outputs.report import charts

    def boom(ctx):
        raise ValueError("chart exploded")

    monkeypatch.setattr(charts, "fan_national", boom)
    monkeypatch.delenv("SIMENGINE_DEBUG", raising=False)
    run_scenario(sc.with_run_options(seed=99), out, threads=1, quiet=True)
    assert xr.open_dataset(out / "results.nc", engine="h5netcdf").attrs["seed"] == 99
    # the failing chart costs only itself: the page, the workbook and the other charts are the new run's
    assert not (out / "charts" / "fan_national.png").exists()  # nothing stale left
    assert (out / "charts" / "fan_areas.png").exists()
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    assert 99 in [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    assert "<html" in (out / "report.html").read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "report incomplete" in err and "chart fan_national: ValueError: chart exploded" in err

    def broken(ctx, figs):
        raise RuntimeError("page exploded")

    from simengine.outputs.report import html

    monkeypatch.setattr(html, "render", broken)
    run_scenario(sc.with_run_options(seed=98), out, threads=1, quiet=True)
    assert "page exploded" in (out / "report.html").read_text(encoding="utf-8")  # the failure page says why
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    assert 98 in [c.value for row in wb.worksheets[0].iter_rows() for c in row]
    assert (out / "charts" / "fan_areas.png").exists()


def test_assumptions_table_has_every_prior_with_its_comment():
    text = (ROOT / "scenarios" / "2015.toml").read_text(encoding="utf-8")
    com = toml_comments(text)
    assert com["scenario", "target"]["inline"].startswith("A1")
    assert com["national", "weak_share"]["above"].startswith("W: W1–W5")
    assert "judgement" in com["initiatives", 0, "gain"]["inline"]
    secs = assumption_sections(text, Labels("da"))
    rows = [r for s in secs for r in s.rows]
    data = __import__("tomllib").loads(text)
    n_ini = len(data["initiatives"])
    assert sum(r.group for r in rows) == n_ini
    # every key set in [defaults] and on each initiative appears (prior keys, gain, start)
    expected = len([k for k in data["defaults"] if k != "note"])
    expected += sum(len([k for k in i if k not in ("id", "name", "area", "note")]) for i in data["initiatives"])
    assert len([r for s in secs[2:4] for r in s.rows if not r.group]) == expected
    # then the common shocks, one row each
    assert secs[4].title == Labels("da")("ass_shocks") and len(secs[4].rows) == len(data["shocks"])
    assert all(r.source for r in rows if r.key.startswith("national."))


def test_comment_parser_edge_cases():
    text = """
[scenario]
name = "A # not a comment"   # the real comment
# above 1
# above 2
target = 1e9

[[initiatives]]
id = "x"
cost = { investment = 1, running = 2 }  # cost note
list = [
  1, 2,  # inner
]  # after list
[[initiatives]]
"quoted key" = 'it''s # fine'  # q
"""
    c = toml_comments(text)
    assert c["scenario", "name"]["inline"] == "the real comment"
    assert c["scenario", "target"]["above"] == "above 1 above 2"
    assert c["initiatives", 0, "cost"]["inline"] == "cost note"
    assert c["initiatives", 0, "list"]["inline"] == "after list"
    assert c["initiatives", 1, "quoted key"]["inline"] == "q"


# ------------------------------------------------------------------------------------------
# progress
def _run_cli(args: list[str], tty: bool, tmp: Path) -> str:
    """stdout of ``run`` with stdout on a pseudo-terminal (tty) or a pipe."""
    env = {**os.environ, "NUMBA_NUM_THREADS": "2", "COLUMNS": "120", "TERM": "xterm"}
    cmd = [sys.executable, "-m", "simengine", "run", str(SMALL), "--no-report", "--out", str(tmp), *args]
    if not tty:
        r = subprocess.run(cmd, capture_output=True, cwd=ROOT, env=env, timeout=120, check=False)
        assert r.returncode == 0, r.stderr
        return r.stdout.decode()
    import pty

    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=120)
    os.close(master)
    assert p.returncode == 0, p.stderr.read()
    return b"".join(chunks).decode(errors="replace")


def test_progress_bar_only_on_a_terminal(tmp_path, capsys):
    # a real terminal (a pty): the bar is drawn, and the table follows it
    shown = _run_cli(["--draws", "30000", "--chunk", "3000", "--threads", "2", "--lang", "en"], True, tmp_path / "a")
    assert re.search(r"[\d,]+/30,000 draws", shown), shown[-2000:]
    assert "draws/s" in shown and "left" in shown and "Simulating" in shown
    assert "P(target)" in shown  # the table is still printed after the (transient) bar
    # stdout not a terminal (here: captured by pytest): the table only, no bar, no escape codes
    assert (
        main(["run", str(SMALL), "--no-report", "--out", str(tmp_path / "b"), "--draws", "3000", "--lang", "en"]) == 0
    )
    piped = capsys.readouterr().out
    assert "draws/s" not in piped and "\x1b[" not in piped and "P(target)" in piped


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_rules():
    from simengine.outputs import progress

    assert progress.enabled(False, _Tty()) and not progress.enabled(True, _Tty())  # --quiet: never
    assert not progress.enabled(False, io.StringIO())  # not a terminal: never
    out = _Tty()
    with progress.draws_bar(1000, True, stream=out, transient=False) as advance:
        for _ in range(4):
            advance(250)
    text = out.getvalue()
    # after the draws the bar names the next phase, with the time elapsed in it: never "left 0:00:00"
    assert "Writing results" in text and "elapsed" in text and "left 0:00:00" not in text
    with progress.draws_bar(1000, False, stream=out) as advance:
        assert advance is None
