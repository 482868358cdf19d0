"""What the report, the workbook and the terminal say, in Danish and English, on one run of a
variant of the small test scenario (initiative names holding ": ", an area without a target,
[model] choices, a calibration band, a common shock), 3,000 draws, the report written again in
English; about 15 s.
"""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import openpyxl
import pytest
import xarray as xr

from simengine.analysis.negotiate import target_index
from simengine.cli.main import main
from simengine.model.structure import CUT_REGIMES
from simengine.outputs import labels, terminal
from simengine.outputs.labels import Labels
from simengine.outputs.report import assumptions
from tests.conftest import DATA, dump_toml

#: every name the variant gives an initiative: two share the part before ": "
NAMES = {"osb-1": "Selvbetjening: bølge 1", "osb-2": "Selvbetjening: bølge 2", "fmk": "Fælles medicinkort: FMK"}
#: the variant's named values: setting -> value
CHOSEN = {
    "scenario.municipalities": "builtin",
    "model.timing": "component",
    "model.realisation": "mean-preserving",
    "model.calibration_basis": "delivered",
}


def _variant() -> dict:
    with open(DATA / "small.toml", "rb") as fh:
        d = tomllib.load(fh)
    for ini in d["initiatives"]:
        ini["name"] = NAMES[ini["id"]]
    d["initiatives"][1]["key"] = "equal"
    d["scenario"]["municipalities"] = CHOSEN["scenario.municipalities"]
    d["areas"]["social"]["target"] = 0.0  # an area without a target in any year
    d["model"] = {
        "timing": CHOSEN["model.timing"],
        "realisation": CHOSEN["model.realisation"],
        "calibration_band": [0.5, 0.8],
        "calibration_year": 2016,
        "calibration_basis": CHOSEN["model.calibration_basis"],
    }
    d["shocks"] = [{"id": "optimism", "input": "estimate_factor", "loading": 0.3}]
    return d


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("text")
    src = out / "variant.toml"
    src.write_text(dump_toml(_variant()), encoding="utf-8")
    assert main(["run", str(src), "--draws", "3000", "--out", str(out / "da"), "--quiet"]) == 0
    assert main(["report", str(out / "da" / "results.nc"), "--lang", "en", "--out", str(out / "en"), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def ds(run) -> xr.Dataset:
    with xr.open_dataset(run / "da" / "results.nc", engine="h5netcdf") as d:
        return d.load()


def _page(run: Path, lang: str) -> str:
    return (run / lang / "report.html").read_text(encoding="utf-8")


def _section(page: str, sid: str) -> str:
    i = page.find(f'<section id="{sid}">')
    assert i >= 0, sid
    return page[i : page.find("</section>", i)]


def _visible(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def _rows(fragment: str) -> list[list[str]]:
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S)
    ]


def _book(run: Path, lang: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(run / lang / "summary.xlsx")


def _sheet(wb: openpyxl.Workbook, L: Labels, key: str) -> tuple[list, list[tuple]]:
    rows = list(wb[L(key)].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


# -- the sensitivity's inputs ----------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_sensitivity_names_each_input_by_its_initiative_in_full(run, ds, lang):
    """An initiative's name may hold ": ": every input of the sensitivity sheet, table and the labels
    the charts and the terminal take carries its initiative's whole name, and no two inputs share a
    label."""
    L = Labels(lang)
    s = ds["sensitivity"]
    inits = [str(i) for i in s["input_initiative"].values]
    assert {i for i in inits if i} == set(NAMES)
    _head, rows = _sheet(_book(run, lang), L, "sheet_sensitivity")
    for var in ("sensitivity", "tornado_low", "tornado_high"):
        got = [r[1] for r in rows if r[5] == var]
        assert len(got) == len(inits) and len(set(got)) == len(got), "two inputs with one label"
        for lab, ini in zip(got, inits):
            if ini:
                assert lab.startswith(NAMES[ini] + ": "), (lab, ini)
    want = [r[1] for r in rows if r[5] == "sensitivity"]
    table = _rows(_section(_page(run, lang), "sensitivity"))[1:]
    shown = [r[0] for r in table]
    assert shown and len(set(shown)) == len(shown) and set(shown) <= set(want)

    # the labels the charts and the terminal take: the same, with the Dataset's names or without
    names = labels.initiative_names(ds)
    assert {names[i] for i in inits if i} == set(NAMES.values())
    assert labels.input_labels(L, s, names) == labels.input_labels(L, s) == want

    from simengine.outputs.report import charts

    assert charts._input_labels(s, L, ds) == want
    text = terminal.explain_text(ds, lang, top=len(want))  # each label's first line, then its numbers
    for lab in want:
        assert f"  {terminal._cell_lines(lab, 38)[0]:<38} " in text, lab


@pytest.mark.parametrize("lang", ["da", "en"])
def test_sensitivity_sheet_gives_the_year_of_every_row(run, ds, lang):
    L = Labels(lang)
    _head, rows = _sheet(_book(run, lang), L, "sheet_sensitivity")
    assert rows
    for r in rows:
        assert r[2] == int(ds[r[5]].attrs["year"]), r


# -- P(target met) where there is no target --------------------------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_workbook_has_no_probability_of_reaching_a_target_that_is_not_there(run, ds, lang):
    """Years and areas without a target have an empty P(target met) cell (and no interval); the
    others hold results.nc's probability; the overview's note says so."""
    L = Labels(lang)
    wb = _book(run, lang)
    target = ds["target"].values
    assert (target == 0).any() and (target > 0).any()
    head, rows = _sheet(wb, L, "sheet_years")
    cols = [k for k, h in enumerate(head) if str(h).startswith(L("p_target_short"))]
    assert len(cols) == 3  # the probability and its 95 % interval
    ci = {L("p_target_short"): "p_target"}
    ci.update({f"{L('p_target_short')}, {L(side)}": f"p_target_{side}" for side in ("ci_low", "ci_high")})
    for k, r in enumerate(rows):
        for c in cols:
            if target[k] > 0:
                assert r[c] == pytest.approx(float(ds[ci[head[c]]].values[k]), rel=1e-12, abs=0), (r[0], head[c])
            else:
                assert r[c] is None, (r[0], head[c], r[c])

    head, rows = _sheet(wb, L, "sheet_areas")
    k = head.index(L("p_target_short"))
    at, ap = ds["area_target"].values, ds["area_p_target"].values
    assert (at == 0).all(axis=1).any()  # an area without any target
    years = [int(y) for y in ds["year"].values]
    for n, r in enumerate(rows):
        a, y = n // len(years), n % len(years)
        assert (r[0], r[2]) == (str(ds["area"].values[a]), years[y])
        assert r[k] == (pytest.approx(float(ap[a, y]), rel=1e-12, abs=0) if at[a, y] > 0 else None), (r[0], r[2])
    note = [c for row in wb[L("sheet_overview")].iter_rows(values_only=True) for c in row if c == L("wb_units_note")]
    assert note


# -- the assumptions: the scenario's named values, its numbers -------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_assumptions_show_named_values_in_the_reports_language(run, lang):
    """A [model] choice, the built-in municipalities and an allocation key are shown in Danish in
    the Danish annex and sheet (as written in the scenario file in English)."""
    L = Labels(lang)
    chosen = dict(CHOSEN, key="equal")
    _head, rows = _sheet(_book(run, lang), L, "sheet_assumptions")
    cells = {r[2]: r[3] for r in rows}
    page = [r[1] for r in _rows(_section(_page(run, lang), "assumptions")) if len(r) > 1]
    if lang == "da":  # none of the scenario file's English words
        assert not {cells[k] for k in CHOSEN} & set(chosen.values()), cells
        assert not set(chosen.values()) & set(page), set(chosen.values()) & set(page)
    want = {k: labels.CHOICES[k][v][0 if lang == "da" else 1] for k, v in chosen.items()}
    if lang == "en":
        assert want == chosen
    for k, v in want.items():
        if k != "key":
            assert cells[k] == v, (k, cells[k])
    assert [r[3] for r in rows if r[2] == "key"] == [want["key"]]  # the initiative that sets it

    for k, v in want.items():
        assert v in page, (k, v)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_assumption_numbers_are_numbers(run, lang):
    """A number of the scenario file is a number in the assumptions sheet, in a format that shows it
    as the annex does; distributions, ranges and names stay text."""
    L = Labels(lang)
    data = tomllib.loads((run / "variant.toml").read_text(encoding="utf-8"))
    ws = _book(run, lang)[L("sheet_assumptions")]
    seen = 0
    for row in ws.iter_rows(min_row=2):
        key, cell = row[2].value, row[3]
        parts = str(key).split(".")
        v = data
        for p in parts:
            v = v.get(p) if isinstance(v, dict) else None
        if v is None:
            continue
        kind = "money" if parts[0] == "areas" else assumptions._kind(str(key))  # an area's target: money
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            seen += 1
            assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool), (key, cell.value)
            assert cell.value == pytest.approx(v / 1e6 if kind == "money" else v, rel=1e-12), (key, cell.value)
            assert cell.number_format != "General", key
            assert assumptions.cell(v, L, kind) == (cell.value, cell.number_format), key
        else:
            assert isinstance(cell.value, str), (key, cell.value)
    assert seen >= 10
    # the same scenario's text in the annex
    rows = assumptions.assumption_sections((run / "variant.toml").read_text(encoding="utf-8"), L)
    years = [r for s in rows for r in s.rows if r.key == "scenario.target_year"]
    assert [(r.value, r.number) for r in years] == [
        (str(data["scenario"]["target_year"]), data["scenario"]["target_year"])
    ]


# -- the shocks' ids -------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_shock_ids_are_shown_as_the_scenarios_identifiers(run, ds, lang):
    """The running text names a shock by its id from the scenario file, quoted and said to be one,
    beside its input in the report's language."""
    L = Labels(lang)
    seg = _visible(_section(_page(run, lang), "shocks"))
    item = L("shk_item", id="optimism", input=L.param("estimate_factor"), loading=L.general(0.3))
    assert '"optimism"' in item and item in seg
    intro = L("shk_intro", shocks="\x00", draws="\x01")
    assert intro[: intro.index("\x00")] in seg  # the words that say what the quoted names are
    wb = _book(run, lang)
    notes = [c for row in wb[L("sheet_shocks")].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(item in c for c in notes)


# -- probabilities near 0 and 1 in the terminal ----------------------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_terminal_never_rounds_a_probability_to_0_or_1(ds, lang):
    """The terminal's probabilities are percentages as the report writes them (Labels.pct): one of
    0.045 % is "< 0,1 %", one of 99.985 % is "> 99,9 %", never 0 or 1."""
    L = Labels(lang)
    d = ds.copy(deep=True)
    ti = target_index(d)
    ty = int(d["year"].values[ti])
    small, big = 0.00045, 0.99985
    d["p_target"].values[ti] = small
    d["deduction_p_cut_above"].values[1, ti] = 5e-5
    d["deduction_p_cut_above"].values[-1, ti] = big
    d["delivery_p_cut_above"].values[ti] = big
    r = list(d["regime"].values).index(CUT_REGIMES[0])
    d["p_service_cut_above"].values[r, ti] = big

    table = terminal.format_table(d, "dkk", lang)
    row = next(line for line in table.splitlines() if line.strip().startswith(str(ty)))
    assert L.pct(small) in row and L.pct(small).startswith("<")
    for k, y in enumerate(int(y) for y in d["year"].values):  # every year's P(target) as Labels.pct
        line = next(ln for ln in table.splitlines() if ln.strip().startswith(f"{y} "))
        want = L.pct(float(d["p_target"].values[k])) if d["target"].values[k] > 0 else "–"
        assert f" {want} " in line + " ", (line, want)
    regimes = [ln for ln in table.splitlines() if L.regime(CUT_REGIMES[0]) in ln]
    assert regimes and regimes[0].rstrip().endswith(L.pct(big))

    head = terminal.headline_text(d, lang)
    flat = " ".join(head.split())
    assert L.pct(float(d["p_service_cut_above"].values[r, ti])) in flat
    assert re.search(r"(≤|<=) " + re.escape(L.share(float(d.attrs.get("cut_alpha", 0.1)))), flat), flat

    grid = terminal.deduction_text(d, lang)
    lines = grid.splitlines()
    rows = [ln for ln in lines if re.match(r"\s+\d+\s?%", ln)]
    assert len(rows) == d.sizes["deduction"]
    for k, ln in enumerate(rows):
        p = float(d["deduction_p_cut_above"].values[k, ti])
        assert f" {L.pct(p)} " in ln, (ln, L.pct(p))
    assert L.pct(5e-5) in rows[1] and L.pct(big) in rows[-1]
    assert L.pct(big) in " ".join(grid.split())  # on delivery


# -- the committable amounts' interval, sentences, the method note ---------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_committable_interval_in_brackets_as_the_caption_says(run, ds, lang):
    """The caption says the target year's 95 % Monte Carlo interval is in brackets: it is, under
    each committable amount of the target year's row."""
    L = Labels(lang)
    seg = _section(_page(run, lang), "negotiation")
    assert f"{L('commit_caption', unit=L('mio_year'))} {L('commit_ci_note')}" in _visible(seg)
    head = _rows(seg)[0]
    years = [int(y) for y in ds["year"].values]
    tr = re.findall(r'<tr class="hl">(.*?)</tr>', seg, re.S)
    assert tr
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr[0], re.S)]
    ti = years.index(int(cells[0]))
    assert ti == target_index(ds)
    for j in range(ds.sizes["certainty"]):
        v = float(ds["committable"].values[j, ti])
        lo, hi = (float(ds[f"committable_ci_{s}"].values[j, ti]) for s in ("low", "high"))
        assert cells[2 + j] == f"{L.mio_value(v)}({L.mio_value(lo)}–{L.mio_value(hi)})", (head[2 + j], cells[2 + j])


@pytest.mark.parametrize("lang", ["da", "en"])
def test_potential_section_sentences_start_with_a_capital(run, lang):
    L = Labels(lang)
    seg = _visible(_section(_page(run, lang), "potential"))
    basis = L("cal2_basis", basis=L("cal2_basis_" + CHOSEN["model.calibration_basis"]))
    assert basis[:1].islower()  # as the terminal lists it
    assert f". {basis[:1].upper()}{basis[1:]}." in seg and basis not in seg


@pytest.mark.parametrize("lang", ["da", "en"])
def test_method_note_says_each_thing_once(run, ds, lang):
    """How the quantiles are computed is said once, with the histogram's error as results.nc gives it."""
    L = Labels(lang)
    seg = _visible(_section(_page(run, lang), "method"))
    assert L("method_national") in seg
    err = re.search(r"at most ([\d.]+)%", str(ds.attrs["quantile_method_municipality_initiative"]))
    assert err and L.pct(float(err.group(1)) / 100, 2) in seg
    said = L("method_national").split("(")[0].strip()
    assert seg.count(said) == 1, seg
    assert seg.count(L("bts_err_at_most")) == 1, seg  # one error bound ("højst" / "at most")
    sentences = [s.strip() for s in re.split(r"(?<=[.;])\s", seg) if len(s.strip()) > 20]
    assert len(sentences) == len(set(sentences))


# -- the negotiation's threshold and risk accepted, named as numbers -------------------------------
def _figure_of(monkeypatch, chart, ctx):
    """The matplotlib figure a chart function draws (its PNG not made)."""
    from simengine.outputs.report import charts as ch

    figs = []
    monkeypatch.setattr(ch, "_png", lambda fig, *a, **k: figs.append(fig) or b"")
    chart(ctx)
    assert len(figs) == 1
    return figs[0]


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() is not None for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_deductions_chart_says_the_risk_accepted_in_words(monkeypatch, ds, lang):
    """The dotted line of the deductions chart is the risk accepted, said so and with its value; not
    "α = 10 %", a symbol the negotiator is never told the meaning of."""
    from simengine.outputs.report.context import Context
    from simengine.outputs.report.negotiation import deductions_chart

    L = Labels(lang)
    texts = _legend_texts(_figure_of(monkeypatch, deductions_chart, Context(ds, lang)))
    alpha = L.pct(float(ds.attrs.get("cut_alpha", 0.1)), 0)
    assert L("ded_alpha_line", alpha=alpha) in texts, texts
    assert not any("α" in t for t in texts), texts


@pytest.mark.parametrize("lang", ["da", "en"])
def test_exceedance_chart_calls_its_vertical_line_the_target_with_its_amount(monkeypatch, ds, lang):
    """The exceedance curve is one year's: its dashed vertical line is that year's target, labelled
    with the amount as in the distribution chart, not "the target path"."""
    from simengine.outputs.report.context import Context
    from simengine.outputs.report.negotiation import exceedance_chart

    L = Labels(lang)
    ctx = Context(ds, lang)
    assert ctx.target[ctx.ti] > 0
    texts = _legend_texts(_figure_of(monkeypatch, exceedance_chart, ctx))
    assert f"{L('target')}: {L.mio(ctx.target[ctx.ti])}" in texts, texts
    assert L("target_path") not in texts


@pytest.mark.parametrize("lang", ["da", "en"])
def test_monte_carlo_table_names_the_threshold_and_risk_accepted(run, ds, lang):
    """The Monte Carlo error table's rows for the largest safe deduction and the deduction on
    delivery give the threshold and the risk accepted as numbers, as the negotiation section does,
    not "the threshold" and "α"."""
    from simengine.outputs.report.context import Context
    from simengine.outputs.report.negotiation import _x

    L = Labels(lang)
    assert "deduction_max_safe_ci_low" in ds and "delivery_p_cut_above_ci_low" in ds
    labels_ = [r[0] for r in _rows(_section(_page(run, lang), "mc"))]
    ty = int(ds["year"].values[target_index(ds)])
    x = L.mio(_x(Context(ds, lang)))
    alpha = L.pct(float(ds.attrs.get("cut_alpha", 0.1)), 0)
    safe = f"{L('wb_ded_max_safe', x=x, alpha=alpha)}, {ty}"
    assert any(lab.startswith(safe) for lab in labels_), labels_
    assert f"{L('regime_delivery')}: {L('ded_p', x=x)}, {ty}" in labels_, labels_
    for lab in labels_:
        assert "α" not in lab and "tærsklen" not in lab and "the threshold" not in lab, lab


@pytest.mark.parametrize("lang", ["da", "en"])
def test_regimes_sheet_headers_write_mean_as_the_other_sheets_do(run, lang):
    """The budget regimes sheet's headers read "Gevinst til kassen, middel (mio. kr.)", with the
    statistic in lower case after the comma as on every other sheet, not "…, Middel"."""
    L = Labels(lang)
    head, _rows_ = _sheet(_book(run, lang), L, "sheet_regimes")
    for var in ("central_gain", "service_cut"):
        assert f"{L(var)}, {L('mean').lower()} ({L('mio')})" in head, head
        assert f"{L(var)}, {L('mean')} ({L('mio')})" not in head, head


@pytest.mark.parametrize("lang", ["da", "en"])
def test_terminal_regime_legend_gives_the_threshold_with_its_unit(ds, lang):
    """The terminal's legend under the budget regimes gives the threshold as an amount, "over 100
    mio. kr.", as the deductions' legend does, not "over 100 (mio. kr.)"."""
    table = " ".join(terminal.format_table(ds, "dkk", lang).split())
    x = float(ds["p_service_cut_above"].attrs["threshold"])
    L = Labels(lang)
    amount = L.num(x / 1e6)
    assert re.search(re.escape(amount) + r" \(", table) is None, table
    assert f"{amount} {terminal.T['mio'][0 if lang == 'da' else 1]};" in table, table
    assert "kr.." not in table and "DKK.." not in table  # a sentence does not end on the unit's own period


def test_a_threshold_the_user_gave_keeps_its_decimals(ds):
    """--cut-threshold 12345678 reads "12,35 mio. kr." wherever the threshold is shown, not the "12"
    of a computed amount (Labels.given_value: the decimals it needs, at most two); a whole number of
    millions stays whole, and in FTE the threshold keeps the FTE figures' rounding."""
    from simengine.outputs.report.fte import FteLabels

    da, en = Labels("da"), Labels("en")
    assert [da.given_value(v) for v in (12_345_678, 100e6, 2.5e6, 1_000e6, 0.0)] == [
        "12,35",
        "100",
        "2,5",
        "1.000",
        "0",
    ]
    assert en.given(12_345_678) == "DKK 12.35m" and da.given(50e6) == "50 mio. kr."
    assert FteLabels("da").given_value(111.1111e6) == FteLabels("da").mio_value(111.1111e6) == "111"
    odd = ds.copy()
    for v in ("p_service_cut_above", "deduction_p_cut_above"):
        if v in odd:
            odd[v] = odd[v].copy()
            odd[v].attrs["threshold"] = 12_345_678.0
    table = " ".join(terminal.format_table(odd, "dkk", "da").split())
    assert "over 12,35 mio. kr.;" in table and "over 12 mio." not in table, table


# -- the negotiation settings in the assumptions -----------------------------------------------------
@pytest.mark.parametrize("lang", ["da", "en"])
def test_assumptions_show_the_threshold_and_risk_the_negotiation_figures_rest_on(run, ds, lang):
    """The largest safe deduction is the gain's alpha quantile + X: the assumptions (page and workbook)
    show X and alpha with simengine's default said to be a judgement when the file leaves them out, the
    file's value with its comment when it sets them, and a run option's value said to be one."""
    from simengine.outputs.report import assumptions as A

    L = Labels(lang)
    text = (run / "variant.toml").read_text(encoding="utf-8")
    assert "cut_threshold" not in text and "cut_alpha" not in text
    rows = {r.key: r for s in A.assumption_sections(text, L) for r in s.rows}
    x, a = rows["outputs.cut_threshold"], rows["outputs.cut_alpha"]
    assert (x.number, a.number) == (100.0, 0.10) and x.source == a.source == L("ass_default")  # mio. kr., share
    assert A.run_settings(ds) == {"outputs.cut_threshold": 1e8, "outputs.cut_alpha": 0.10}  # what the run used
    seg = _visible(_page(run, lang))
    assert L.param("outputs.cut_threshold") in seg and L.param("outputs.cut_alpha") in seg
    cells = [c for row in _book(run, lang)[L("sheet_assumptions")].iter_rows(values_only=True) for c in row]
    assert L.param("outputs.cut_alpha") in cells and L("ass_default") in cells
    own = text.replace("[outputs]", "[outputs]\ncut_alpha = 0.05  # our own risk appetite", 1)
    if own == text:
        own = text + "\n[outputs]\ncut_alpha = 0.05  # our own risk appetite\n"
    rows = {r.key: r for s in A.assumption_sections(own, L) for r in s.rows}
    assert rows["outputs.cut_alpha"].number == 0.05 and "our own risk appetite" in rows["outputs.cut_alpha"].source
    used = {"outputs.cut_threshold": 2.5e8, "outputs.cut_alpha": 0.05}
    rows = {r.key: r for s in A.assumption_sections(own, L, used) for r in s.rows}
    assert rows["outputs.cut_threshold"].number == 250.0 and rows["outputs.cut_threshold"].source == L("ass_run_option")
    assert "our own risk appetite" in rows["outputs.cut_alpha"].source  # the same value as the file's
