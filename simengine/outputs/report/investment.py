"""Staff freed per krone invested, and retention against realised (simengine.analysis.investment): an
appendix section of ``report.html`` and a sheet of ``summary.xlsx``. Results without these
variables (no investment in the scenario, or written before they existed) get neither."""

from __future__ import annotations

import numpy as np

from simengine.outputs.report.context import Context

LEVELS = (0.1, 0.5, 0.9)
NEED = (
    "fte_freed_quantile",
    "fte_freed_mean",
    "fte_per_invested_quantile",
    "fte_per_invested_mean",
    "fte_retention_gain_quantile",
    "investment_total_quantile",
)


def available(ctx: Context) -> bool:
    return all(v in ctx.ds for v in NEED)


def _q(ctx: Context, var: str, q: float, **sel) -> np.ndarray:
    da = ctx.ds[var]
    k = int(np.argmin(np.abs(da["invest_quantile"].values - q)))
    return np.asarray(da.sel(**sel).isel(invest_quantile=k).values, dtype=float)


def section(ctx: Context) -> str:
    if not available(ctx):
        return ""
    from simengine.outputs.report.html import esc, num, table

    L, ds = ctx.L, ctx.ds
    n = int(ds["fte_freed_quantile"].attrs.get("draws", 0))
    inv = [float(_q(ctx, "investment_total_quantile", q)) for q in LEVELS]
    out = f'<p class="caption">{esc(L("inv_intro", draws=L.num(n)))}</p>'
    out += (
        "<p><b>"
        + esc(L("inv_total"))
        + ":</b> "
        + ", ".join(
            f"P{int(round(q * 100))} " + num(L.mio(v), "investment_total_quantile", v, invest_quantile=q)
            for q, v in zip(LEVELS, inv)
        )
        + "</p>"
    )
    head = [
        L("year"),
        L("inv_col_fte_real"),
        L("inv_col_fte_ret"),
        L("inv_col_gain") + " P10",
        L("inv_col_gain") + " P50",
        L("inv_col_gain") + " P90",
    ]
    head += [f"{L('inv_col_per')} P{int(round(q * 100))}" for q in LEVELS] + [
        L("inv_col_per_mean"),
        L("inv_col_per_mean_ret"),
    ]
    rows, classes = [], []
    for k, yr in enumerate(ctx.years):
        row = [str(yr)]
        for reg in ("realised", "retention"):
            v = float(_q(ctx, "fte_freed_quantile", 0.5, fte_regime=reg)[k])
            row.append(num(L.num(v), "fte_freed_quantile", v, year=yr, fte_regime=reg, invest_quantile=0.5))
        for q in LEVELS:
            v = float(_q(ctx, "fte_retention_gain_quantile", q)[k])
            row.append(num(L.num(v), "fte_retention_gain_quantile", v, year=yr, invest_quantile=q))
        for q in LEVELS:
            v = float(_q(ctx, "fte_per_invested_quantile", q, fte_regime="realised")[k])
            row.append(
                num(L.num(v, 2), "fte_per_invested_quantile", v, year=yr, fte_regime="realised", invest_quantile=q)
            )
        for reg in ("realised", "retention"):
            v = float(ds["fte_per_invested_mean"].sel(fte_regime=reg).values[k])
            row.append(num(L.num(v, 2), "fte_per_invested_mean", v, year=yr, fte_regime=reg))
        rows.append(row)
        classes.append("hl" if yr == ctx.ty else "")
    out += f'<p class="caption">{esc(L("inv_table_caption"))}</p>'
    # long headers wrap (a th of class "n" would not): the table stays within the page
    head_html = (
        "<tr>"
        + "".join(f'<th style="text-align:{"left" if k == 0 else "right"}">{esc(h)}</th>' for k, h in enumerate(head))
        + "</tr>"
    )
    out += table([esc(h) for h in head], rows, set(range(1, len(head))), classes, head_html=head_html)
    return out


def sheet(ctx: Context, wb) -> None:
    if not available(ctx):
        return
    from simengine.outputs.report.workbook import YEAR, Sheet, _plabel

    L, ds = ctx.L, ctx.ds
    s = Sheet(wb, L("sheet_investment"))
    s.col(L("year"), YEAR)
    for reg in ("realised", "retention"):
        for q in LEVELS:
            s.col(f"{L('inv_fte')} ({L('inv_' + reg)}) {_plabel(q)}", "#,##0")
    for q in LEVELS:
        s.col(f"{L('inv_col_gain')} {_plabel(q)}", "#,##0")
    for reg in ("realised", "retention"):
        for q in LEVELS:
            s.col(f"{L('inv_col_per')} ({L('inv_' + reg)}) {_plabel(q)}", "0.00")
        s.col(f"{L('inv_col_per_mean')} ({L('inv_' + reg)})", "0.00")
    for k, y in enumerate(ctx.years):
        row: list = [y]
        for reg in ("realised", "retention"):
            row += [float(_q(ctx, "fte_freed_quantile", q, fte_regime=reg)[k]) for q in LEVELS]
        row += [float(_q(ctx, "fte_retention_gain_quantile", q)[k]) for q in LEVELS]
        for reg in ("realised", "retention"):
            row += [float(_q(ctx, "fte_per_invested_quantile", q, fte_regime=reg)[k]) for q in LEVELS]
            row.append(float(ds["fte_per_invested_mean"].sel(fte_regime=reg).values[k]))
        s.add(row, highlight=(y == ctx.ty))
    s.finish(freeze_cols=1)
    r = len(s.rows) + 3
    s.ws.cell(row=r, column=1, value=L("inv_total"))
    for j, q in enumerate(LEVELS):
        s.ws.cell(
            row=r, column=2 + j, value=float(_q(ctx, "investment_total_quantile", q)) / 1e6
        ).number_format = "#,##0"
    s.ws.cell(row=r + 1, column=1, value=L("inv_wb_note"))
