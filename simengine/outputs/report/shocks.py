"""How much the common shocks widen the distribution: a chart, a section of ``report.html`` and a
sheet of ``summary.xlsx``, from ``shock_effect_*`` (simengine.analysis.shockeffect): the national gross gain
with the scenario's ``[[shocks]]`` and with them removed, on the same draws.

A scenario without ``[[shocks]]`` (and a results file written before the comparison existed) has no
such variables: then there is no chart, no section and no sheet.
"""

from __future__ import annotations

import re

import numpy as np

from simengine.outputs.report.context import Context

LEVELS = (0.1, 0.5, 0.9)
#: the printed table's years on each side of the target year (the screen and the workbook have all)
PRINT_YEARS = 2


def available(ctx: Context) -> bool:
    ds = ctx.ds
    if any(
        v not in ds
        for v in ("shock_effect_quantile", "shock_effect_mean", "shock_effect_width", "shock_effect_widening")
    ):
        return False
    qs = [float(x) for x in ds["shock_quantile"].values]
    return all(any(abs(q - x) < 1e-9 for x in qs) for q in LEVELS)


def _q(ctx: Context, which: str, q: float) -> np.ndarray:
    v = ctx.ds["shock_effect_quantile"]
    k = int(np.argmin(np.abs(v["shock_quantile"].values - q)))
    return np.asarray(v.sel(shocks=which).isel(shock_quantile=k).values, dtype=float)


def _mean(ctx: Context, which: str) -> np.ndarray:
    return np.asarray(ctx.ds["shock_effect_mean"].sel(shocks=which).values, dtype=float)


def _widening(ctx: Context) -> np.ndarray:
    return np.asarray(ctx.ds["shock_effect_widening"].values, dtype=float)


def _width(ctx: Context, which: str) -> np.ndarray:
    return np.asarray(ctx.ds["shock_effect_width"].sel(shocks=which).values, dtype=float)


def _draws(ctx: Context) -> int:
    return int(ctx.ds["shock_effect_quantile"].attrs.get("draws", 0))


#: one shock as simengine.analysis.shockeffect writes it in ``shocks_removed``: "id (input, loading x)"
_SHOCK = re.compile(r"(?P<id>[^,() ][^,()]*?) \((?P<input>[a-z_]+), loading (?P<loading>[-+0-9.eE]+)\)")


def _shock_list(ctx: Context) -> str:
    """The shocks in the report's language: each shock's id, the input it acts on by its name in the
    assumptions table, and its loading as a number of the language. Written otherwise (by an older
    version), the attribute is shown as it stands."""
    raw = str(ctx.ds["shock_effect_quantile"].attrs.get("shocks_removed", ""))
    found = list(_SHOCK.finditer(raw))
    if not found or ", ".join(m.group(0) for m in found) != raw:
        return raw
    L = ctx.L
    return "; ".join(
        L("shk_item", id=m["id"], input=L.param(m["input"]), loading=L.general(float(m["loading"]))) for m in found
    )


# -- chart ---------------------------------------------------------------------------------------
def chart(ctx: Context) -> bytes | None:
    if not available(ctx):
        return None
    import matplotlib

    from simengine.outputs.report import charts as ch

    L = ctx.L
    y = np.array(ctx.years)
    with matplotlib.rc_context(ch.RC):  # type: ignore[arg-type]  # matplotlib types rc keys as literals
        fig = ch._figure(10, 4.2)
        ax = fig.add_subplot()
        ax.fill_between(
            y,
            _q(ctx, "with", 0.1) / 1e6,
            _q(ctx, "with", 0.9) / 1e6,
            color=ch.BLUE_LIGHT,
            lw=0,
            label=L("shk_band_with"),
        )
        ax.fill_between(
            y,
            _q(ctx, "without", 0.1) / 1e6,
            _q(ctx, "without", 0.9) / 1e6,
            color=ch.BLUE_MID,
            lw=0,
            alpha=0.6,
            label=L("shk_band_without"),
        )
        ax.plot(y, _q(ctx, "with", 0.5) / 1e6, color=ch.BLUE_DARK, lw=2.2, marker="o", ms=4, label=L("shk_median_with"))
        ax.plot(
            y,
            _q(ctx, "without", 0.5) / 1e6,
            color=ch.ORANGE,
            lw=1.6,
            ls=":",
            marker="^",
            ms=4,
            label=L("shk_median_without"),
        )
        top = float(np.nanmax(_q(ctx, "with", 0.9))) if len(y) else 0.0
        if float(np.max(ctx.target, initial=0.0)) <= 2.0 * top:  # a target far above the bands would flatten them
            ax.plot(y, ctx.target / 1e6, color=ch.RED, lw=2, ls="--", marker="s", ms=4, label=L("target_path"))
        ch._gain_year_axes(ax, ctx.years, L)
        ch._legend_above(ax, ncol=3)
        return ch._png(fig)


# -- report.html ---------------------------------------------------------------------------------
def section(ctx: Context, charts: dict[str, bytes]) -> str:
    if not available(ctx):
        return ""
    from simengine.outputs.report.html import esc, figure, num, table

    L, ds = ctx.L, ctx.ds
    n = _draws(ctx)
    out = f'<p class="caption">{esc(L("shk_intro", draws=L.num(n), shocks=_shock_list(ctx)))}</p>'
    fig = figure(charts, "shocks", L("shk_title"), L("shk_caption"))
    if fig:  # on screen only: in print the table carries the numbers
        out += f'<div class="screen-only">{fig}</div>'
    widen = _widening(ctx)
    has_p = "shock_effect_p_target" in ds
    head = [L("year")]
    for which in ("with", "without"):
        head += [f"{L('shk_' + which)} {p}" for p in ("P10", "P50", "P90")]
    head += [L("shk_col_width_with"), L("shk_col_width_without"), L("shk_col_widening")]
    if has_p:
        head += [L("shk_col_p_with"), L("shk_col_p_without")]
    rows, classes = [], []
    for k, yr in enumerate(ctx.years):
        row = [str(yr)]
        for which in ("with", "without"):
            for q in LEVELS:
                v = float(_q(ctx, which, q)[k])
                row.append(num(L.mio_value(v), "shock_effect_quantile", v, year=yr, shocks=which, shock_quantile=q))
        for which in ("with", "without"):
            w = float(_width(ctx, which)[k])
            row.append(num(L.mio_value(w), "shock_effect_width", w, year=yr, shocks=which))
        row.append(
            "–"
            if np.isnan(widen[k])
            else num(L.pct(float(widen[k])), "shock_effect_widening", float(widen[k]), year=yr)
        )
        if has_p:
            for which in ("with", "without"):
                p = float(ds["shock_effect_p_target"].sel(shocks=which).values[k])
                row.append(
                    "–"
                    if not ctx.target[k] > 0
                    # no target that year: nothing to reach (as the year table)
                    else num(L.pct(p), "shock_effect_p_target", p, year=yr, shocks=which)
                )
        rows.append(row)
        # in print, the years around the target year (PRINT_YEARS each side); every year on screen
        classes.append("hl" if yr == ctx.ty else ("" if abs(yr - ctx.ty) <= PRINT_YEARS else "screen-only"))
    out += f'<p class="caption">{esc(L("shk_table_caption", unit=L("mio_year"), draws=L.num(n)))}</p>'
    if "screen-only" in classes:
        out += f'<p class="caption print-only">{esc(L("shk_print_note", n=PRINT_YEARS))}</p>'
    # long headers wrap (a th of class "n" would not): the table stays within the page
    head_html = (
        "<tr>"
        + "".join(f'<th style="text-align:{"left" if k == 0 else "right"}">{esc(h)}</th>' for k, h in enumerate(head))
        + "</tr>"
    )
    out += table([esc(h) for h in head], rows, set(range(1, len(head))), classes, head_html=head_html)
    if ctx.ty in ctx.years:
        k = ctx.years.index(ctx.ty)
        if not np.isnan(widen[k]):
            mw, mo = _mean(ctx, "with")[k], _mean(ctx, "without")[k]
            out += (
                "<p>"
                + esc(
                    L(
                        "shk_summary",
                        year=ctx.ty,
                        widen=L.pct(float(widen[k])),
                        mean_with=L.mio_value(mw),
                        mean_without=L.mio_value(mo),
                        unit=L("mio"),
                    )
                )
                + "</p>"
            )
    return out


# -- summary.xlsx --------------------------------------------------------------------------------
def sheet(ctx: Context, wb) -> None:
    if not available(ctx):
        return
    from simengine.outputs.report.workbook import MIO, PCT, YEAR, Sheet, _plabel

    L, ds = ctx.L, ctx.ds
    mio = L("mio")
    s = Sheet(wb, L("sheet_shocks"))
    s.col(L("year"), YEAR)
    for which in ("with", "without"):
        for q in LEVELS:
            s.col(f"{L('shk_' + which)} {_plabel(q)} ({mio})", MIO)
        s.col(f"{L('shk_' + which)}, {L('mean').lower()} ({mio})", MIO)
    s.col(L("shk_col_widening"), PCT)
    has_p = "shock_effect_p_target" in ds
    if has_p:
        s.col(L("shk_col_p_with"), PCT)
        s.col(L("shk_col_p_without"), PCT)
    widen = _widening(ctx)
    for k, y in enumerate(ctx.years):
        row: list = [y]
        for which in ("with", "without"):
            row += [float(_q(ctx, which, q)[k]) / 1e6 for q in LEVELS] + [float(_mean(ctx, which)[k]) / 1e6]
        row.append(None if np.isnan(widen[k]) else float(widen[k]))
        if has_p:
            row += [
                float(ds["shock_effect_p_target"].sel(shocks=w).values[k]) if ctx.target[k] > 0 else None
                for w in ("with", "without")
            ]
        s.add(row, highlight=(y == ctx.ty))
    s.finish(freeze_cols=1)
    r = len(s.rows) + 3
    s.ws.cell(row=r, column=1, value=L("shk_wb_note", draws=L.num(_draws(ctx)), shocks=_shock_list(ctx)))
