"""The scores of a backtest in the report: a section of ``report.html``, a sheet of ``summary.xlsx``
and the PIT histogram chart.

The numbers are those of ``backtest.nc`` (simengine.analysis.scoring.backtest_dataset): per observation the
observed value, the forecast's P10/P50/P90 of the observed quantity, PIT, CRPS and each reference
forecast's CRPS; per unit the total CRPS and the skill against each reference; the PIT histogram.
The backtest Dataset reaches the report as ``ctx.scores`` (``report.build(..., scores=bt)``);
without one there is no section, no sheet and no chart. Written by ``backtest`` (docs/model.md,
*Scoring and updating*).
"""

from __future__ import annotations

import math
import re

import numpy as np
import xarray as xr

from simengine.outputs.report.context import Context

#: the numbers' units in backtest.nc ("unit"): money per year, decimal years, shares
MONEY, YEARS, SHARE = "DKK/year", "year", "1"


def scores(ctx: Context) -> xr.Dataset | None:
    bt = getattr(ctx, "scores", None)
    if bt is None or "pit" not in bt or bt.sizes.get("observation", 0) == 0:
        return None
    return bt


def references(bt: xr.Dataset) -> list[str]:
    """The reference forecasts' names, in the file's order."""
    return [str(v)[len("skill_") :] for v in bt.data_vars if str(v).startswith("skill_")]


def value_text(L, v: float, unit: str) -> str:
    """A value on the observation's scale: mio. DKK per year, a decimal year, a share."""
    if v is None or not math.isfinite(float(v)):
        return "–" if v is None or math.isnan(float(v)) else ("∞" if float(v) > 0 else "−∞")
    if unit == MONEY:
        return L.mio_value(v)
    if unit == YEARS:  # a calendar year: no thousands separator
        t = f"{float(v):.2f}"
        return (t.replace(".", ",") if L.lang == "da" else t).replace("-", "−")
    return L.num(v, 3)


def pit_text(L, p: float) -> str:
    """A PIT with 3 decimals; one that rounds to 0 or 1 without being it reads ``< 0,001`` or ``> 0,999``
    (a PIT of exactly 0 or 1 says the observation lies outside every draw; 0,99999985 does not)."""
    p = float(p)
    if not math.isfinite(p):
        return "–"
    if 0 < p and round(p, 3) == 0:
        return "< " + L.num(0.001, 3)
    if p < 1 and round(p, 3) == 1:
        return "> " + L.num(0.999, 3)
    return L.num(p, 3)


def pit_format(L, p: float) -> str | None:
    """The workbook's number format of a PIT that :func:`pit_text` does not show as a rounded number:
    the cell keeps the number, the format shows the text (``None``: the column's ``0.000``)."""
    t = pit_text(L, p)
    return f'"{t}"' if t.startswith(("<", ">")) else None


def unit_text(L, unit: str) -> str:
    return {MONEY: L("mio_year"), YEARS: L("bts_unit_year"), SHARE: L("bts_unit_share")}.get(unit, unit)


def what_text(L, bt: xr.Dataset, k: int) -> str:
    """Quantity, scope and year of observation k in the reader's words."""
    q = str(bt["quantity"].values[k])
    yr = float(bt["year"].values[k])
    key = f"bts_q_{q}"
    name = L(key) if key in _keys() else q
    return f"{name}, {scope_text(L, str(bt['scope'].values[k]))}" + ("" if math.isnan(yr) else f", {int(yr)}")


def scope_text(L, scope: str) -> str:
    """``national``, ``area:<id>``, ``initiative:<id>`` in the reader's words (the ids as in the files)."""
    kind, _, unit = scope.partition(":")
    key = f"bts_scope_{kind}"
    if key not in _keys():
        return scope
    return L(key, id=unit) if unit else L(key, id="")


_ERR = re.compile(
    r"^(?P<kind>normal|lognormal) sd (?P<sd>[^\s,]+)|^interval \[(?P<low>[^\s,]+), (?P<high>[^\s\]]+)\]"
    r"|^(?P<plain>exact|at_least|at_most)"
)


def error_text(L, described: str, unit: str) -> str:
    """An observation's error model (simengine.scenario.observations.ErrorModel.describe) in the reader's words
    and number style; a normal sd and interval bounds on the observation's scale (money in mio. kr.);
    the lognormal's sd is on the log scale. Text of another form is shown as it is."""
    m = _ERR.match(described)
    if m is None:
        return described
    rest = described[m.end() :]
    bias = re.fullmatch(r", bias (\S+)", rest)
    if rest and bias is None:
        return described

    def g(x: str, scaled: bool = True) -> str:
        v = float(x)
        if scaled and unit == MONEY:
            return L.mio_value(v)
        t = f"{v:g}"
        return (t.replace(".", ",") if L.lang == "da" else t).replace("-", "−")

    if m.group("kind"):
        out = L(f"bts_err_{m.group('kind')}", sd=g(m.group("sd"), m.group("kind") == "normal"))
    elif m.group("low") is not None:
        out = L("bts_err_interval", low=g(m.group("low")), high=g(m.group("high")))
    else:
        out = L(f"bts_err_{m.group('plain')}")
    return out + (L("bts_err_bias", b=g(bias.group(1), False)) if bias else "")


def _keys():
    from simengine.outputs.labels import TEXT

    return TEXT


# -- chart ---------------------------------------------------------------------------------------
def chart(ctx: Context) -> bytes | None:
    bt = scores(ctx)
    if bt is None:
        return None
    from simengine.outputs.report.scorecharts import pit_chart

    return pit_chart(bt, ctx.lang)


# -- report.html ---------------------------------------------------------------------------------
def section(ctx: Context, charts: dict[str, bytes]) -> str:
    bt = scores(ctx)
    if bt is None:
        return ""
    from simengine.outputs.report.html import esc, figure, num, table

    L = ctx.L
    refs = references(bt)
    n = bt.sizes["observation"]
    a = bt.attrs
    intro = L("bts_intro", n=n, file=str(a.get("observations_file", "")), draws=L.num(int(a.get("draws_scored", 0))))
    out = f'<p class="caption">{esc(intro)}</p>'
    if a.get("known_by"):
        out += (
            f'<p class="caption">{esc(L("bts_known", date=a["known_by"], k=_count(a.get("conditioned_on")), ess=L.num(float(a.get("ess", float("nan"))))))}'
            "</p>"
        )
    # per observation
    head = [L("bts_obs"), L("bts_what"), L("bts_error"), L("observed"), "P10", "P50", "P90", "PIT", "CRPS"]
    head += [L("bts_crps_ref", ref=r) for r in refs]
    rows = []
    for k, oid in enumerate(bt["observation"].values):
        oid = str(oid)
        u = str(bt["unit"].values[k])

        def cell(var: str, fmt=None, k=k, oid=oid, u=u) -> str:
            v = float(bt[var].values[k])
            return num((fmt or (lambda x: value_text(L, x, u)))(v), var, v, observation=oid)

        row = [
            f"<code>{esc(oid)}</code>",
            esc(what_text(L, bt, k)) + f'<div class="gsub">{esc(unit_text(L, u))}</div>',
            esc(error_text(L, str(bt["error_model"].values[k]), u)),
            cell("value"),
            cell("forecast_p10"),
            cell("forecast_p50"),
            cell("forecast_p90"),
            cell("pit", lambda x: pit_text(L, x)),
            cell("crps"),
        ]
        row += [cell(f"crps_{r}") for r in refs]
        rows.append(row)
    out += f'<p class="caption">{esc(L("bts_table_caption"))}</p>'
    out += table([esc(h) for h in head], rows, set(range(3, len(head))))
    # totals and skill per unit
    head = [L("unit"), L("bts_n"), L("bts_crps_total")] + [L("bts_skill", ref=r) for r in refs]
    rows = []
    units = [str(u) for u in bt["unit"].values]
    for j, g in enumerate(bt["unit_group"].values):
        g = str(g)
        tot = float(bt["crps_total"].values[j])
        row = [esc(unit_text(L, g)), L.num(units.count(g)), num(value_text(L, tot, g), "crps_total", tot, unit_group=g)]
        for r in refs:
            s = float(bt[f"skill_{r}"].values[j])
            row.append(num(_signed(L, s), f"skill_{r}", s, unit_group=g))
        rows.append(row)
    out += f"<h3>{esc(L('bts_totals'))}</h3>"
    out += f'<p class="caption">{esc(L("bts_skill_caption"))}</p>'
    out += table([esc(h) for h in head], rows, set(range(1, len(head))))
    if refs:
        out += "<ul>" + "".join(f"<li><code>{esc(r)}</code>: {esc(d)}</li>" for r, d in _ref_texts(L, bt)) + "</ul>"
    # the PIT histogram
    out += f"<h3>{esc(L('bts_pit'))}</h3>"
    out += figure(charts, "pit_histogram", L("pit_title", n=n), L("bts_pit_caption"))
    hist = [int(c) for c in bt["pit_histogram"].values]
    edges = np.linspace(0.0, 1.0, len(hist) + 1)
    head = [L("bts_bin")] + [f"{L.num(edges[b], 1)}–{L.num(edges[b + 1], 1)}" for b in range(len(hist))]
    row = [esc(L("pit_count"))] + [num(L.num(c), "pit_histogram", c, pit_bin=b) for b, c in enumerate(hist)]
    out += table([esc(h) for h in head], [row], set(range(1, len(head))))
    return out


def _count(text) -> int:
    t = str(text or "")
    return 0 if t in ("", "none") else len(t.split(", "))


def _signed(L, s: float) -> str:
    if not math.isfinite(s):
        return "–"
    return ("+" if s > 0 else "") + L.num(s, 2)


def _ref_texts(L, bt: xr.Dataset) -> list[tuple[str, str]]:
    """Each reference forecast in the reader's words (from the ratio to the business case)."""
    out = []
    for r in references(bt):
        a = bt[f"crps_{r}"].attrs
        if "ratio_low" in a and "ratio_high" in a:
            lo, hi = float(a["ratio_low"]), float(a["ratio_high"])
            text = (
                L("bts_ref_point", ratio=L.general(lo))
                if lo == hi
                else L("bts_ref_uniform", low=L.general(lo), high=L.general(hi))
            )
        else:
            ln = str(a.get("long_name", ""))
            text = ln.split(": ", 1)[1] if ": " in ln else ln
        out.append((r, text))
    return out


# -- summary.xlsx --------------------------------------------------------------------------------
def sheet(ctx: Context, wb) -> None:
    bt = scores(ctx)
    if bt is None:
        return
    from simengine.outputs.report.workbook import Sheet

    L = ctx.L
    refs = references(bt)
    s = Sheet(wb, L("sheet_scores"))
    s.col(L("bts_obs"))
    s.col(L("bts_what"))
    s.col(L("unit"))
    s.col(L("bts_error"))
    s.col(L("bts_known_by"))
    for h in (L("observed"), "P10", "P50", "P90"):
        s.col(h, "#,##0.000")
    s.col("PIT", "0.000")
    s.col("CRPS", "#,##0.000")
    for r in refs:
        s.col(L("bts_crps_ref", ref=r), "#,##0.000")
    s.col(L("bts_log_score"), "0.000")
    s.col(L("source"))
    for k, oid in enumerate(bt["observation"].values):
        u = str(bt["unit"].values[k])
        scale = 1e6 if u == MONEY else 1.0  # money in mio. DKK per year, as in the other sheets
        vals = [
            _cell(float(bt[v].values[k]) / scale) for v in ("value", "forecast_p10", "forecast_p50", "forecast_p90")
        ]
        row = [
            str(oid),
            what_text(L, bt, k),
            unit_text(L, u),
            error_text(L, str(bt["error_model"].values[k]), u),
            str(bt["known_by"].values[k]),
        ] + vals
        row += [_cell(float(bt["pit"].values[k])), _cell(float(bt["crps"].values[k]) / scale)]
        row += [_cell(float(bt[f"crps_{r}"].values[k]) / scale) for r in refs]
        row += [_cell(float(bt["log_score"].values[k])), str(bt["source"].values[k])]
        fmts = {j: "0.00" for j in range(5, 9)} if u == YEARS else {}  # a decimal year: 2013,07, not 2.013,066
        pit_fmt = pit_format(L, float(bt["pit"].values[k]))
        if pit_fmt:
            fmts[9] = pit_fmt
        s.add(row, fmts=fmts)
    s.finish(freeze_cols=1)
    # totals and skill per unit, then the PIT histogram, below the table
    ws = s.ws
    r0 = len(s.rows) + 3
    heads = [L("unit"), L("bts_n"), L("bts_crps_total")] + [L("bts_skill", ref=r) for r in refs]
    for j, h in enumerate(heads, start=1):
        ws.cell(row=r0, column=j, value=h).font = _bold()
    units = [str(u) for u in bt["unit"].values]
    for i, g in enumerate(bt["unit_group"].values):
        g = str(g)
        scale = 1e6 if g == MONEY else 1.0
        cells: list = [unit_text(L, g), units.count(g), _cell(float(bt["crps_total"].values[i]) / scale)]
        cells += [_cell(float(bt[f"skill_{r}"].values[i])) for r in refs]
        for j, v in enumerate(cells, start=1):
            c = ws.cell(row=r0 + 1 + i, column=j, value=v)
            if j == 3:
                c.number_format = "#,##0.000"
            elif j > 3:
                c.number_format = "+0.000;-0.000;0.000"
    r1 = r0 + 2 + bt.sizes["unit_group"]
    ws.cell(row=r1, column=1, value=L("bts_pit")).font = _bold()
    hist = [int(c) for c in bt["pit_histogram"].values]
    edges = np.linspace(0.0, 1.0, len(hist) + 1)
    for b, c in enumerate(hist):
        ws.cell(row=r1 + 1 + b, column=1, value=f"{L.num(edges[b], 1)}–{L.num(edges[b + 1], 1)}")
        ws.cell(row=r1 + 1 + b, column=2, value=c)
    note = r1 + 2 + len(hist)
    ws.cell(row=note, column=1, value=L("bts_sheet_note"))


def _cell(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _bold():
    from openpyxl.styles import Font

    return Font(bold=True)
