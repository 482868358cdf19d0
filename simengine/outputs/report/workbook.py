"""``summary.xlsx``: the numbers a budget note needs, as real numbers with formats, frozen headers
and set column widths. Money is in mio. kr. (DKK m) per year, probabilities are shares formatted
as percentages, go-live times are Excel dates.

Text is only ever text: the workbook holds no formulas. Names, notes and file paths come from
scenario files and CSVs that others wrote, so every text cell is stored as a string cell, and one
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return also gets Excel's quote
prefix (shown as typed, never evaluated, also not after the reader edits the cell), as OWASP
recommends against formula ("CSV") injection: https://owasp.org/www-community/attacks/CSV_Injection
(read 2026-11-30). Control characters that XML cannot hold are removed.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import textwrap

import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from simengine.outputs.labels import cause_label, initiative_names, input_labels, unit_name, var_label
from simengine.outputs.report.assumptions import assumption_sections, run_settings
from simengine.outputs.report.context import Context

MIO = "#,##0.0"
INT = "#,##0"
PCT = "0.0%"
YEAR = "0"
DATE = "mmm yyyy"
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
HEAD_FONT = Font(bold=True, color="13385C")
HEAD_BORDER = Border(bottom=Side(style="medium", color="1F4E79"))
HL_FILL = PatternFill("solid", fgColor="FFF2CC")


def decimal_year_to_date(t: float) -> dt.datetime | None:
    if t is None or not math.isfinite(t):
        return None
    y = int(math.floor(t))
    start = dt.datetime(y, 1, 1)
    days = (dt.datetime(y + 1, 1, 1) - start).days
    return start + dt.timedelta(days=(t - y) * days)


def date_to_decimal_year(d: dt.datetime) -> float:
    start = dt.datetime(d.year, 1, 1)
    days = (dt.datetime(d.year + 1, 1, 1) - start).days
    return d.year + (d - start).total_seconds() / 86400 / days


def _plabel(q: float) -> str:
    v = q * 100
    return f"P{v:.0f}" if abs(v - round(v)) < 1e-9 else f"P{v:g}"


class Sheet:
    """A table: a header row, then rows; each column has a number format and a width."""

    def __init__(self, wb: Workbook, title: str, first: bool = False):
        self.ws = wb.active if first else wb.create_sheet()
        self.ws.title = title[:31]
        self.cols: list[tuple[str, str | None]] = []
        self.rows: list[list] = []
        self.highlight: list[bool] = []
        self.row_fmts: list[dict[int, str]] = []

    def col(self, header: str, fmt: str | None = None) -> None:
        self.cols.append((header, fmt))

    def add(self, row: list, highlight: bool = False, fmts: dict[int, str] | None = None) -> None:
        """``fmts``: number formats of this row only, by 0-based column."""
        self.rows.append([_clean(v) for v in row])
        self.highlight.append(highlight)
        self.row_fmts.append(fmts or {})

    def finish(self, freeze_cols: int = 1, filter_: bool = True) -> None:
        ws = self.ws
        for j, (h, _f) in enumerate(self.cols, start=1):
            c = ws.cell(row=1, column=j, value=text(h))
            c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, HEAD_BORDER
            c.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal="left" if _f is None else "right")
        styled: dict[tuple, object] = {}  # a cell's style by (format, highlight, wrap): set once, then copied
        for i, row in enumerate(self.rows, start=2):
            for j, v in enumerate(row, start=1):
                c = ws.cell(row=i, column=j, value=v)
                fmt = self.row_fmts[i - 2].get(j - 1) or (self.cols[j - 1][1] if j - 1 < len(self.cols) else None)
                fmt = fmt if fmt and isinstance(v, (int, float, dt.datetime)) else None
                key = (fmt, self.highlight[i - 2], isinstance(v, str) and len(v) > 60)
                if key in styled:  # the same style ids as setting it again (openpyxl's StyleArray)
                    c._style = copy.copy(styled[key])
                    continue
                if fmt:
                    c.number_format = fmt
                if key[1]:
                    c.fill = HL_FILL
                c.alignment = Alignment(wrap_text=True, vertical="top") if key[2] else Alignment(vertical="top")
                styled[key] = copy.copy(c._style)
        heights = []
        for j, (h, fmt) in enumerate(self.cols, start=1):
            width = max([min(len(w), 40) for w in h.split()] + [8])
            if fmt is not None:  # numbers: a header of at most three lines
                width = max(width, min(18, math.ceil(len(h) / 3) + 1))
            for row in self.rows:
                v = row[j - 1] if j - 1 < len(row) else None
                if isinstance(v, str):
                    width = max(width, min(len(v), 60))
                elif isinstance(v, float):
                    width = max(width, len(f"{v:,.1f}") + 1)
                elif isinstance(v, int):
                    width = max(width, len(f"{v:,}") + 1)
                elif isinstance(v, dt.datetime):
                    width = max(width, 10)
            ws.column_dimensions[get_column_letter(j)].width = width + 2
            heights.append(len(textwrap.wrap(h, width)) or 1)
        ws.row_dimensions[1].height = 15 * max(heights + [1])
        ws.freeze_panes = ws.cell(row=2, column=freeze_cols + 1)
        if filter_ and self.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(self.cols))}{len(self.rows) + 1}"


def _clean(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str):
        return text(v)
    return v


#: the first characters that make a spreadsheet treat text as a formula (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(v: str) -> str:
    """A string a worksheet cell can hold: without the control characters XML forbids."""
    return ILLEGAL_CHARACTERS_RE.sub("", v)


def neutralise(wb: Workbook) -> None:
    """Make every text cell of ``wb`` a string cell; quote-prefix those a spreadsheet would read as
    a formula. The workbook's own numbers are never formulas, so none is lost."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    if c.data_type != "s":  # openpyxl makes "=..." a formula cell
                        c.data_type = "s"
                    if c.value.startswith(FORMULA_START):
                        c.quotePrefix = True


def _update_facts(ds, L) -> dict:
    from simengine.outputs.report.update import facts

    return facts(ds, L)


def build(ctx: Context) -> bytes:
    L, ds = ctx.L, ctx.ds
    wb = Workbook()
    years, ti, ty = ctx.years, ctx.ti, ctx.ty
    qlev = [float(q) for q in ds["quantile"].values]
    mio = L("mio")

    # -- Overview ---------------------------------------------------------------------------
    s = Sheet(wb, L("sheet_overview"), first=True)
    s.col(L("item"))
    s.col(L("value"), "GENERAL")
    s.col(L("unit"))
    sc = ctx.sc.scenario
    s.add([L("wb_scenario"), str(ds.attrs.get("scenario", "")), ""])
    if sc is not None and sc.description:
        s.add([L("wb_description"), sc.description_in(L.lang) if hasattr(sc, "description_in") else sc.description, ""])
    from simengine.outputs.report import update
    from simengine.outputs.report.update import notice

    if notice(ds, L):  # an updated forecast: when, on what, its effective sample size; what is before it
        s.add([L("upd_wb_update"), L("upd_notice_short", **_update_facts(ds, L)), ""])
        s.add([L("upd_wb_prior"), L("upd_prior_what"), ""])
    p = float(ctx.p_target[ti])
    rows = [
        (L("wb_target_year"), ty, YEAR, L("year")),
        (L("wb_target"), ctx.target[ti] / 1e6, MIO, L("mio_year")),
        (f"{L('p_target')} {ty}", p, PCT, "%"),
        (f"{L('mean')} {ty}", ctx.mean[ti] / 1e6, MIO, L("mio_year")),
    ]
    for q in (0.1, 0.5, 0.9):
        rows.append((f"{_plabel(q)} {ty}", ctx.nat(q)[ti] / 1e6, MIO, L("mio_year")))
    rows.append((f"{L('es', tail=L.pct(ctx.tail, 0))} {ty}", ctx.es[ti] / 1e6, MIO, L("mio_year")))
    if "shortfall_mean" in ds:
        rows.append((f"{L('shortfall_mean')} {ty}", float(ds["shortfall_mean"].values[ti]) / 1e6, MIO, L("mio_year")))
    if "npv_quantile" in ds:
        for q in (0.1, 0.5, 0.9):
            lv = ds["npv_quantile"]["quantile"].values
            if np.isclose(lv, q, rtol=0, atol=1e-9).any():
                rows.append(
                    (
                        f"NPV {years[0]}–{years[-1]} {_plabel(q)}",
                        float(ds["npv_quantile"].sel(quantile=q, method="nearest")) / 1e6,
                        MIO,
                        L("mio"),
                    )
                )
    rows.append(
        (
            L("wb_first_year"),
            ctx.first_year_50 if ctx.first_year_50 is not None else L("wb_never", year=years[-1]),
            YEAR,
            L("year"),
        )
    )
    for o in ctx.observed:
        pre = "wb_observed_potential" if o["potential"] else "wb_observed"
        rows.append((L(pre, year=o["year"]), o["value"] / 1e6, MIO, L("mio_year")))
        rows.append((L(pre + "_rank", year=o["year"]), o["rank"], PCT, "%"))
    rows += [
        (L("wb_draws"), ctx.draws, INT, ""),
        (L("wb_seed"), int(ds.attrs.get("seed", 0)), "0", ""),
        (L("wb_created"), str(ds.attrs.get("created", "")), None, ""),
        (L("wb_file"), str(ds.attrs.get("scenario_file", "")), None, ""),
        (L("wb_sha"), str(ds.attrs.get("scenario_sha256", "")), None, ""),
        (L("wb_version"), str(ds.attrs.get("simengine_version", "")), None, ""),
    ]
    for label, v, fmt, unit in rows:
        s.add([label, v, unit], fmts={1: fmt} if fmt else None)
    s.finish(freeze_cols=1, filter_=False)
    for r in range(2, len(s.rows) + 2):
        if isinstance(s.ws.cell(row=r, column=2).value, (int, float)):
            s.ws.cell(row=r, column=2).alignment = Alignment(horizontal="right", vertical="top")
    s.ws.column_dimensions["A"].width = 58
    s.ws.column_dimensions["B"].width = 34
    s.ws.cell(row=len(s.rows) + 3, column=1, value=L("wb_units_note")).font = Font(italic=True, color="555555")

    # -- Years ------------------------------------------------------------------------------
    s = Sheet(wb, L("sheet_years"))
    s.col(L("year"), YEAR)
    s.col(f"{L('target')} ({mio})", MIO)
    s.col(f"{L('mean')} ({mio})", MIO)
    for q in qlev:
        s.col(f"{_plabel(q)} ({mio})", MIO)
    s.col(L("p_target_short"), PCT)
    s.col(f"{L('es_short', tail=L.pct(ctx.tail, 0))} ({mio})", MIO)
    has_sm = "shortfall_mean" in ds
    if has_sm:
        s.col(f"{L('shortfall_mean')} ({mio})", MIO)
    has_net = "net_benefit_quantile" in ds
    if has_net:
        s.col(f"{L('wb_net')} P50 ({mio})", MIO)
    has_cost = "cost" in ds
    if has_cost:
        s.col(f"{L('wb_cost')} ({mio})", MIO)
    obs = {o["year"]: o["value"] for o in ctx.observed if not o["potential"]}  # beside the realised gain
    if obs:
        s.col(f"{L('observed')} ({mio})", MIO)
    # Monte Carlo intervals, when the run computed them
    ci = []
    if "p_target_ci_low" in ds and "p_target_ci_high" in ds:
        ci += [
            (f"{L('p_target_short')}, {L('ci_low')}", ds["p_target_ci_low"].values, PCT, 1.0),
            (f"{L('p_target_short')}, {L('ci_high')}", ds["p_target_ci_high"].values, PCT, 1.0),
        ]
    if "benefit_quantile_ci_low" in ds and np.isclose(qlev, 0.5).any():
        q50 = qlev[int(np.argmax(np.isclose(qlev, 0.5)))]
        ci += [
            (f"P50, {L('ci_low')} ({mio})", ds["benefit_quantile_ci_low"].sel(quantile=q50).values, MIO, 1e6),
            (f"P50, {L('ci_high')} ({mio})", ds["benefit_quantile_ci_high"].sel(quantile=q50).values, MIO, 1e6),
        ]
    for head, _v, fmt, _scale in ci:
        s.col(head, fmt)
    nat = {q: ctx.nat(q) for q in qlev}
    net50 = (
        ctx.ds["net_benefit_quantile"].sel(quantile=qlev[int(np.argmin(np.abs(np.array(qlev) - 0.5)))]).values
        if has_net
        else None
    )
    cost_mean = ds["cost"].mean("draw").values if has_cost else None
    for k, y in enumerate(years):
        has_target = ctx.target[k] > 0  # no target: no probability of reaching it (an empty cell)
        row = [y, ctx.target[k] / 1e6, ctx.mean[k] / 1e6] + [nat[q][k] / 1e6 for q in qlev]
        row += [float(ctx.p_target[k]) if has_target else None, ctx.es[k] / 1e6]
        if has_sm:
            row.append(float(ds["shortfall_mean"].values[k]) / 1e6)
        if has_net:
            row.append(float(net50[k]) / 1e6)
        if has_cost:
            row.append(float(cost_mean[k]) / 1e6)
        if obs:
            row.append(obs[y] / 1e6 if y in obs else None)
        row += [None if fmt == PCT and not has_target else float(v[k]) / scale for _h, v, fmt, scale in ci]
        s.add(row, highlight=(y == ty))
    s.finish(freeze_cols=1)

    # -- Areas ------------------------------------------------------------------------------
    from simengine.outputs.report import potential  # the potential gain and the realised/promised ratio

    potential.sheet(ctx, wb)
    from simengine.outputs.report import shocks  # with and without the common shocks, same draws

    shocks.sheet(ctx, wb)

    s = Sheet(wb, L("sheet_areas"))
    names = ctx.area_names()
    s.col(L("initiative_id"))
    s.col(L("area"))
    s.col(L("year"), YEAR)
    s.col(f"{L('target')} ({mio})", MIO)
    has_ab = "area_benefit" in ds
    if has_ab:
        s.col(f"{L('mean')} ({mio})", MIO)
    for q in qlev:
        s.col(f"{_plabel(q)} ({mio})", MIO)
    s.col(L("p_target_short"), PCT)
    at = np.asarray(ds["area_target"].values, dtype=float)
    ap = np.asarray(ds["area_p_target"].values, dtype=float)
    aq = {q: ctx.area(q) for q in qlev}
    am = ctx.area_mean() if has_ab else None
    for a_i, a in enumerate(str(x) for x in ds["area"].values):
        for k, y in enumerate(years):
            row = [a, names.get(a, a), y, at[a_i, k] / 1e6]
            if has_ab:
                row.append(am[a_i, k] / 1e6)
            row += [aq[q][a_i, k] / 1e6 for q in qlev] + [float(ap[a_i, k]) if at[a_i, k] > 0 else None]
            s.add(row, highlight=(y == ty))
    s.finish(freeze_cols=2)

    # -- Municipalities -----------------------------------------------------------------------
    s = Sheet(wb, L("sheet_municipalities"))
    codes = [int(c) for c in ds["municipality"].values]
    mnames, regions = ctx.mun_names, ctx.mun_regions
    pop = ctx.population
    s.col(L("code"), "0")
    s.col(L("municipality"))
    s.col(L("region"))
    if pop is not None:
        s.col(L("population"), INT)
    s.col(f"{L('mun_target_col')} {ty} ({mio})", MIO)
    s.col(f"{L('mean')} {ty} ({mio})", MIO)
    mq = {}
    for q in qlev:
        s.col(f"{_plabel(q)} {ty} ({mio})", MIO)
        mq[q] = np.asarray(ds["municipality_benefit"].sel(quantile=q).values, dtype=float)
    s.col(f"{L('mun_short_col')} {ty} ({mio})", MIO)
    s.col(f"{L('short_pct_col')} {ty}", PCT)
    if pop is not None:
        for q in (0.1, 0.5, 0.9):
            if q in mq:
                s.col(f"{_plabel(q)} {ty}, {L('kr_inh')}", INT)
    for y in years:
        s.col(f"{L('mean')} {y} ({mio})", MIO)
    mt = np.asarray(ds["municipality_target"].values, dtype=float)
    mm = np.asarray(ds["municipality_benefit_mean"].values, dtype=float)
    ms = np.asarray(ds["municipality_shortfall_mean"].values, dtype=float)
    for i, c in enumerate(codes):
        row = [c, mnames[i], regions[i]]
        if pop is not None:
            row.append(int(round(pop[i])))
        row += [mt[i, ti] / 1e6, mm[i, ti] / 1e6] + [mq[q][i, ti] / 1e6 for q in qlev]
        row += [ms[i, ti] / 1e6, ms[i, ti] / mt[i, ti] if mt[i, ti] > 0 else None]
        if pop is not None:
            row += [mq[q][i, ti] / pop[i] for q in (0.1, 0.5, 0.9) if q in mq]
        row += [mm[i, k] / 1e6 for k in range(len(years))]
        s.add(row)
    s.finish(freeze_cols=2)
    update.mark_sheet(s.ws, len(s.cols), ds, L)  # an update's municipal figures: the forecast before it

    # -- Initiatives --------------------------------------------------------------------------
    s = Sheet(wb, L("sheet_initiatives"))
    ids = [str(i) for i in ds["initiative"].values]
    inames = [str(n) for n in ds["initiative_name"].values] if "initiative_name" in ds.coords else ids
    iareas = [str(a) for a in ds["initiative_area"].values] if "initiative_area" in ds.coords else [""] * len(ids)
    facts = ctx.initiative_facts()
    s.col(L("initiative_id"))
    s.col(L("initiative"))
    s.col(L("area"))
    if facts:
        s.col(f"{L('business_case')} ({mio})", MIO)
        s.col(L("planned"), YEAR)
    glv = np.asarray(ds["initiative_golive"].values, dtype=float)  # (quantile, initiative)
    for q in qlev:
        s.col(f"{L('golive')} {_plabel(q)}", DATE)
    s.col(f"{L('mean')} {ty} ({mio})", MIO)
    iq = {}
    for q in qlev:
        s.col(f"{_plabel(q)} {ty} ({mio})", MIO)
        iq[q] = np.asarray(ds["initiative_benefit"].sel(quantile=q).values, dtype=float)
    for y in years:
        s.col(f"{L('mean')} {y} ({mio})", MIO)
    im = np.asarray(ds["initiative_benefit_mean"].values, dtype=float)
    for k, iid in enumerate(ids):
        row = [iid, inames[k], names.get(iareas[k], iareas[k])]
        if facts:
            f = facts.get(iid, {})
            row += [f.get("gain", float("nan")) / 1e6, f.get("start")]
        row += [decimal_year_to_date(glv[j, k]) for j in range(len(qlev))]
        row += [im[k, ti] / 1e6] + [iq[q][k, ti] / 1e6 for q in qlev]
        row += [im[k, j] / 1e6 for j in range(len(years))]
        s.add(row)
    s.finish(freeze_cols=2)

    # -- Regimes ------------------------------------------------------------------------------
    if ctx.has_regimes():
        s = Sheet(wb, L("sheet_regimes"))
        s.col(L("initiative_id"))
        s.col(L("regime"))
        s.col(L("year"), YEAR)
        stats = [("mean", L("mean").lower()), (0.1, "P10"), (0.5, "P50"), (0.9, "P90")]
        for var in ("central_gain", "service_cut"):
            for _k, lab in stats:
                s.col(f"{L(var)}, {lab} ({mio})", MIO)
        has_rb = "regime_benefit_mean" in ds or "regime_benefit" in ds
        if has_rb:
            s.col(f"{L('wb_regime_benefit')} ({mio})", MIO)
        vals = {(v, st): ctx.regime_stat(v, st) for v in ("central_gain", "service_cut") for st, _l in stats}
        rb = ctx.regime_stat("regime_benefit", "mean") if has_rb else None
        for r_i, r in enumerate(ctx.regimes):
            for k, y in enumerate(years):
                row = [r, L.regime(r), y]
                for v in ("central_gain", "service_cut"):
                    row += [vals[v, st][r_i, k] / 1e6 for st, _lab in stats]
                if has_rb:
                    row.append(rb[r_i, k] / 1e6)
                s.add(row, highlight=(y == ty))
            # totals over the horizon: the mean of a sum is the sum of the means (quantiles are not additive)
            row = [r, L.regime(r), L("total_over", y0=years[0], y1=years[-1])]
            for v in ("central_gain", "service_cut"):
                row += [vals[v, "mean"][r_i].sum() / 1e6, None, None, None]
            if has_rb:
                row.append(rb[r_i].sum() / 1e6)
            s.add(row, highlight=True)
        s.finish(freeze_cols=3)

    from simengine.outputs.report.negotiation import workbook_sheet  # committable amounts, deductions

    workbook_sheet(wb, ctx, Sheet, YEAR, MIO)

    # -- Sensitivity (when the Dataset has it) --------------------------------------------------
    sens_vars = [v for v in ("sensitivity", "tornado_low", "tornado_high", "waterfall") if v in ds]
    if sens_vars:
        s = Sheet(wb, L("sheet_sensitivity"))
        s.col(L("wb_stat"))
        s.col(L("wb_input"))
        s.col(L("year"), YEAR)
        s.col(L("value"), "#,##0.000")
        s.col(L("unit"))
        s.col(L("wb_variable"))  # the name to look the numbers up by, in a column of its own
        for v in sens_vars:
            da = ds[v]
            unit = str(da.attrs.get("units", ""))
            money = unit.startswith("DKK")
            other = [d for d in da.dims if d != "year"]
            flat = da.transpose(*(other + (["year"] if "year" in da.dims else [])))
            labels_dim = other[0] if other else None
            lab_vals = (
                [
                    str(x)
                    for x in (
                        da[f"{labels_dim}_name"].values if f"{labels_dim}_name" in da.coords else da[labels_dim].values
                    )
                ]
                if labels_dim
                else [""]
            )
            if labels_dim == "input":  # in the workbook's language
                lab_vals = input_labels(L, da, initiative_names(ds))
            elif labels_dim == "cause":
                lab_vals = [cause_label(L, str(k), n) for k, n in zip(da["cause"].values, lab_vals)]
            vals = np.asarray(flat.values, dtype=float).reshape(len(lab_vals), -1)
            # without a year dimension: the year the statistic is of (the target year)
            yrs = [int(y) for y in da["year"].values] if "year" in da.dims else [int(da.attrs.get("year", ty))]
            for a, lab in enumerate(lab_vals):
                for b, y in enumerate(yrs):
                    x = vals[a, b]
                    s.add(
                        [
                            var_label(L, v, str(da.attrs.get("long_name", v))),
                            lab,
                            y,
                            x / 1e6 if money else x,
                            L("mio_year")
                            if money
                            else (L("rank_correlation") if v == "sensitivity" else unit_name(L, unit)),
                            v,
                        ]
                    )
        s.finish(freeze_cols=2)
        update.mark_sheet(s.ws, len(s.cols), ds, L)  # an update's sensitivity and waterfall: before it

    from simengine.outputs.report import backtest  # a backtest's scores: PIT, CRPS, skill

    backtest.sheet(ctx, wb)
    from simengine.outputs.report import investment  # staff freed per krone invested, retention vs realised

    investment.sheet(ctx, wb)

    # -- Assumptions ---------------------------------------------------------------------------
    if ctx.sc.text is not None:
        try:
            sections = assumption_sections(ctx.sc.text, L, run_settings(ctx.ds))
        except Exception:  # noqa: BLE001
            sections = []
        if sections:
            s = Sheet(wb, L("sheet_assumptions"))
            s.col(L("wb_ass_section"))
            s.col(L("parameter"))
            s.col(L("key"))
            s.col(L("value"))
            s.col(L("source"))
            for sec in sections:
                for r in sec.rows:  # a number as a number, in the format that shows it as the report does
                    value = r.value if r.number is None else r.number
                    s.add(
                        [sec.title, r.label, r.key, value, r.source],
                        highlight=r.group,
                        fmts={3: r.number_format} if r.number_format else None,
                    )
            s.finish(freeze_cols=2)
            for col, w in (("A", 28), ("B", 46), ("C", 24), ("D", 44), ("E", 90)):
                s.ws.column_dimensions[col].width = w

    neutralise(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
