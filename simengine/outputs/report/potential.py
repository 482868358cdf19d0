"""The potential gain beside the realised gain: a chart, a section of ``report.html`` and a sheet of
``summary.xlsx``.

The potential is the gross gain before local realisation (simengine.analysis.potential; docs/model.md "Model
choices"). The implied realised/promised ratio per year is shown next to the scenario's
``[model] calibration_band`` when it has one. Results files written before the potential existed lack
these variables: then there is no chart, no section and no sheet.
"""

from __future__ import annotations

import numpy as np

from simengine.outputs.report.context import Context

LEVELS = (0.1, 0.5, 0.9)


def available(ctx: Context) -> bool:
    return ctx.has_potential() and all(ctx.pot(q) is not None for q in LEVELS)


def band(ctx: Context) -> tuple[float, float, int | None] | None:
    """The scenario's calibration band (low, high) and year, as stored with the realised/promised ratio."""
    if "realised_promised_ratio" not in ctx.ds:
        return None
    attrs = ctx.ds["realised_promised_ratio"].attrs
    b = attrs.get("calibration_band")
    if b is None:
        return None
    vals = [float(x) for x in np.atleast_1d(b)]
    if len(vals) != 2:
        return None
    cy = attrs.get("calibration_year")
    return vals[0], vals[1], (int(cy) if cy is not None else None)


def verdict(lo: float, hi: float, v: float) -> str:
    return "inside" if lo <= v <= hi else ("below" if v < lo else "above")


# -- chart ---------------------------------------------------------------------------------------
def chart(ctx: Context) -> bytes | None:
    if not available(ctx):
        return None
    import matplotlib

    from simengine.outputs.report import charts as ch

    L = ctx.L
    y = np.array(ctx.years)
    with matplotlib.rc_context(ch.RC):
        fig = ch._figure(10, 4.2)
        ax = fig.add_subplot()
        p10, p50, p90 = (ctx.pot(q) / 1e6 for q in LEVELS)
        ax.fill_between(y, p10, p90, color="#f5cba7", lw=0, alpha=0.8, label=L("pot_band"))
        ax.plot(y, p50, color=ch.ORANGE, lw=2.2, marker="^", ms=4, label=L("pot_median"))
        ax.fill_between(
            y, ctx.nat(0.1) / 1e6, ctx.nat(0.9) / 1e6, color=ch.BLUE_MID, lw=0, alpha=0.55, label=L("pot_real_band")
        )
        ax.plot(y, ctx.nat(0.5) / 1e6, color=ch.BLUE_DARK, lw=2.2, marker="o", ms=4, label=L("pot_real_median"))
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
    p10, p50, p90 = (ctx.pot(q) for q in LEVELS)
    pmean = np.asarray(ds["potential_mean"].values, dtype=float)
    rr = np.asarray(ds["realised_promised_ratio"].values, dtype=float) if "realised_promised_ratio" in ds else None
    pr = np.asarray(ds["potential_promised_ratio"].values, dtype=float) if "potential_promised_ratio" in ds else None
    out = f'<p class="caption">{esc(L("pot_intro"))}</p>'
    fig = figure(charts, "potential", L("pot_title"), L("pot_caption"))
    if fig:  # on screen only: in print the table carries the numbers (the printed report stays short)
        out += f'<div class="screen-only">{fig}</div>'

    head = [L("year"), L("target"), L("pot_col_real_mean"), "P10", "P50", "P90", L("pot_col_mean")]
    if rr is not None:
        head.append(L("pot_col_rr"))
    if pr is not None:
        head.append(L("pot_col_pr"))
    rows, classes = [], []
    for k, yr in enumerate(ctx.years):
        row = [
            str(yr),
            num(L.mio_value(ctx.target[k]), "target", ctx.target[k], year=yr),
            num(L.mio_value(ctx.mean[k]), "benefit_mean", ctx.mean[k], year=yr),
        ]
        row += [
            num(L.mio_value(v[k]), "potential_quantile", v[k], year=yr, quantile=q)
            for q, v in zip(LEVELS, (p10, p50, p90))
        ]
        row.append(num(L.mio_value(pmean[k]), "potential_mean", pmean[k], year=yr))
        if rr is not None:
            row.append(num(L.pct(rr[k]), "realised_promised_ratio", rr[k], year=yr))
        if pr is not None:
            row.append(num(L.pct(pr[k]), "potential_promised_ratio", pr[k], year=yr))
        rows.append(row)
        classes.append("hl" if yr == ctx.ty else "")
    pot_head = "".join('<th class="n">' + esc(h) + "</th>" for h in head[3:6])
    n_after = len(head) - 6
    cls = ["", ' class="n"', ' class="n"']
    head_html = (
        "<tr>"
        + "".join(f'<th rowspan="2"{c}>{esc(h)}</th>' for c, h in zip(cls, head[:3]))
        + f'<th colspan="3" class="n" style="text-align:center">{esc(L("pot_group"))}</th>'
        + "".join(f'<th rowspan="2" class="n">{esc(h)}</th>' for h in head[6 : 6 + n_after])
        + f"</tr><tr>{pot_head}</tr>"
    )
    out += f'<p class="caption">{esc(L("pot_table_caption", unit=L("mio_year")))}</p>'
    out += table([esc(h) for h in head], rows, set(range(1, len(head))), classes, head_html=head_html)
    b = band(ctx)
    if b is not None and rr is not None:
        lo, hi, cy = b
        rng = f"{L.pct(lo)}–{L.pct(hi)}"
        if cy is not None and cy in ctx.years:
            k = ctx.years.index(cy)
            text = (
                esc(L("pot_band_year", band=rng, year=cy))
                + " "
                + num(L.pct(rr[k]), "realised_promised_ratio", rr[k], year=cy)
                + ", "
                + esc(L("pot_" + verdict(lo, hi, float(rr[k]))))
            )
        else:
            inside = [yr for yr, v in zip(ctx.years, rr) if lo <= v <= hi]
            text = esc(
                L("pot_band_years", band=rng, years=(f"{inside[0]}–{inside[-1]}" if inside else L("pot_no_year")))
            )
        out += f"<p><b>{esc(L('pot_band_label'))}:</b> {text}.</p>"
        out += _bases(ctx, lo, hi, cy)
    return out


def _bases(ctx: Context, lo: float, hi: float, cy: int | None) -> str:
    """The ratio on the evidence's bases (simengine.analysis.calibration): of what is delivered, at full effect."""
    from simengine.outputs.report.html import esc, num

    L, ds = ctx.L, ctx.ds
    if "realised_delivered_ratio" not in ds or cy is None or cy not in ctx.years:
        return ""
    v = float(ds["realised_delivered_ratio"].values[ctx.years.index(cy)])
    ss = float(ds["steady_state_ratio"]) if "steady_state_ratio" in ds else float("nan")
    basis = str(ds["realised_delivered_ratio"].attrs.get("calibration_basis", "promised"))
    return (
        "<p>"
        + esc(L("pot_bases_delivered", year=cy))
        + " "
        + num(L.pct(v), "realised_delivered_ratio", v, year=cy)
        + ", "
        + esc(L("pot_" + verdict(lo, hi, v)))
        + "; "
        + esc(L("pot_bases_steady"))
        + " "
        + num(L.pct(ss), "steady_state_ratio", ss)
        + ", "
        + esc(L("pot_" + verdict(lo, hi, ss)))
        + ". "
        + esc(_sentence(L("cal2_basis", basis=L("cal2_basis_" + basis))))
        + ".</p>"
    )


def _sentence(text: str) -> str:
    """``text`` as a sentence of its own: its first letter capitalised (the terminal shows it as a
    line of a list, in lower case)."""
    return text[:1].upper() + text[1:]


# -- summary.xlsx --------------------------------------------------------------------------------
def sheet(ctx: Context, wb) -> None:
    if not available(ctx):
        return
    from simengine.outputs.report.workbook import MIO, PCT, YEAR, Sheet, _plabel

    L, ds = ctx.L, ctx.ds
    mio = L("mio")
    s = Sheet(wb, L("sheet_potential"))
    s.col(L("year"), YEAR)
    s.col(f"{L('target')} ({mio})", MIO)
    s.col(f"{L('pot_col_real_mean')} ({mio})", MIO)
    for q in LEVELS:
        s.col(f"{L('pot_col_real')} {_plabel(q)} ({mio})", MIO)
    for q in LEVELS:
        s.col(f"{L('pot_group')} {_plabel(q)} ({mio})", MIO)
    s.col(f"{L('pot_col_mean')} ({mio})", MIO)
    ratios = [v for v in ("realised_promised_ratio", "realised_delivered_ratio", "potential_promised_ratio") if v in ds]
    heads = {
        "realised_promised_ratio": "pot_col_rr",
        "realised_delivered_ratio": "pot_col_rd",
        "potential_promised_ratio": "pot_col_pr",
    }
    for v in ratios:
        s.col(L(heads[v]), PCT)
    pot = [ctx.pot(q) for q in LEVELS]
    nat = [ctx.nat(q) for q in LEVELS]
    pmean = np.asarray(ds["potential_mean"].values, dtype=float)
    for k, y in enumerate(ctx.years):
        row = [y, ctx.target[k] / 1e6, ctx.mean[k] / 1e6] + [float(v[k]) / 1e6 for v in nat]
        row += [float(v[k]) / 1e6 for v in pot] + [float(pmean[k]) / 1e6]
        row += [float(ds[v].values[k]) for v in ratios]
        s.add(row, highlight=(y == ctx.ty))
    s.finish(freeze_cols=1)
    b = band(ctx)
    if b is not None:
        lo, hi, cy = b
        r = len(s.rows) + 3
        s.ws.cell(row=r, column=2, value=L("wb_band_low"))
        s.ws.cell(row=r, column=3, value=L("wb_band_high"))
        r += 1
        s.ws.cell(row=r, column=1, value=L("pot_band_label"))
        s.ws.cell(row=r, column=2, value=lo).number_format = PCT
        s.ws.cell(row=r, column=3, value=hi).number_format = PCT
        if cy is not None:
            r += 1
            s.ws.cell(row=r, column=1, value=L("wb_calibration_year"))
            s.ws.cell(row=r, column=2, value=cy).number_format = YEAR
        # the ratio on the evidence's bases, as the report's verdict reads them (_bases)
        basis = (
            str(ds["realised_delivered_ratio"].attrs.get("calibration_basis", "promised"))
            if "realised_delivered_ratio" in ds
            else None
        )
        if basis is not None:
            r += 1
            s.ws.cell(row=r, column=1, value=L("wb_band_basis"))
            s.ws.cell(row=r, column=2, value=L("cal2_basis_" + basis))
        if "steady_state_ratio" in ds:
            r += 1
            s.ws.cell(row=r, column=1, value=L("wb_steady_state"))
            s.ws.cell(row=r, column=2, value=float(ds["steady_state_ratio"])).number_format = PCT
