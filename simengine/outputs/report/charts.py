"""The report's charts, drawn with matplotlib's Agg backend (no pyplot, no global state).

Every function takes a :class:`~simengine.outputs.report.context.Context` and returns PNG bytes, or None
when the Dataset lacks what the chart needs. Money on the axes is in mio. kr. (DKK m) per year.
"""

from __future__ import annotations

import io
import math
import textwrap
import unicodedata

import matplotlib

matplotlib.use("Agg")  # harmless if already set; we never use pyplot

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from simengine.model.structure import REGIMES
from simengine.outputs.report.context import Context

DPI = 150
#: zlib level of the charts' PNGs (Pillow's default is 6): level 3 encodes faster, the pixels are the same
PNG_LEVEL = 3
BLUE_DARK = "#1f4e79"
BLUE_MID = "#5b8fc7"
BLUE_LIGHT = "#c6dbef"
RED = "#c0392b"
GREY = "#6b6b6b"
GREEN = "#2e7d32"
ORANGE = "#d35400"
REGIME_COLORS = dict(zip(REGIMES, (RED, BLUE_DARK, GREEN, ORANGE, "#8e44ad")))  # by the regimes' order
REGION_COLORS = ["#1f4e79", "#d35400", "#2e7d32", "#8e44ad", "#b7950b", "#17a589", "#7f8c8d"]

RC = {
    "font.size": 10.5,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10.5,
    "legend.fontsize": 9.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.7,
    "axes.axisbelow": True,
    "svg.hashsalt": "simengine",
    # names come from scenario files and CSVs: "$" is a dollar sign, never mathtext (a name such as
    # "$x^$" would otherwise fail the whole chart)
    "text.parse_math": False,
}


def _figure(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _printable(s: str) -> str:
    """A label without control characters (a tab or an escape sequence in a name is not drawn)."""
    return "".join(ch for ch in s if ch == "\n" or unicodedata.category(ch) != "Cc")


def _png(fig: Figure, rect: tuple[float, float, float, float] = (0, 0, 1, 1)) -> bytes:
    """The figure as PNG bytes, laid out once and drawn once.

    The layout (tight_layout within ``rect``: titles, tick labels and an axes' legend above the plot
    all inside the image, ``rect`` leaving room for a figure legend) fixes the image's size before the
    one draw; ``bbox_inches="tight"`` (or a layout engine left on the figure) would draw it twice. No metadata that changes between
    runs (no Software, no time): the same Dataset gives the same bytes.

    Drawn onto white, every pixel is opaque: the PNG is RGB (no alpha channel) at zlib level
    :data:`PNG_LEVEL`, which decodes to the same pixels as the RGBA image matplotlib would write at
    Pillow's default level 6, in about two thirds of the encoding time (benchmarks/README.md)."""
    for t in fig.findobj(Text):
        s = t.get_text()
        if s and not s.isprintable():
            t.set_text(_printable(s))
    fig.tight_layout(rect=rect)
    fig.set_layout_engine(None)  # tight_layout leaves a placeholder engine, for which savefig draws once more
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=DPI, facecolor="white")  # the Agg canvas's pixels, drawn once
    w, h = (int(v) for v in fig.bbox.size)  # the canvas's size at DPI (the figure's own dpi, _figure)
    img = Image.frombuffer("RGBA", (w, h), raw.getbuffer(), "raw", "RGBA", 0, 1)
    if img.getextrema()[3] == (255, 255):  # opaque everywhere (always, on a white face): drop the alpha
        img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="png", compress_level=PNG_LEVEL, dpi=(DPI, DPI))  # no text chunks: no metadata
    return buf.getvalue()


def _num_formatter(L):
    def f(x, _pos=None):
        if abs(x - round(x)) < 1e-9:
            return L.num(x, 0)
        if abs(x * 10 - round(x * 10)) < 1e-6:
            return L.num(x, 1)
        return L.num(x, 2)

    return FuncFormatter(f)


def _year_axis(ax, years):
    ax.set_xticks(years)
    ax.set_xticklabels([str(y) for y in years])
    ax.set_xlim(years[0] - 0.3, years[-1] + 0.3)


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.wrap(s, width)) or s


def _short(s: str, n: int) -> str:
    """A long axis label in full, wrapped on two or more lines (never cut with an ellipsis)."""
    return s if len(s) <= n else _wrap(s, max(24, n * 2 // 3))


def _gain_year_axes(ax, years, L) -> None:
    """Years on x, mio. kr. from zero on y, both labelled: the axes of the charts of gains by year."""
    _year_axis(ax, years)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(L("gain_axis"))
    ax.set_xlabel(L("year"))
    ax.yaxis.set_major_formatter(_num_formatter(L))


def _legend_above(ax, **kw) -> float:
    """The legend above the plot, under the title (lifted by the legend's rows): never over the data.
    Returns the title's pad (for a neighbouring panel's title on the same line)."""
    ncol = kw.pop("ncol", 3)
    leg = ax.legend(
        loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=ncol, frameon=False, fontsize=9, borderaxespad=0.3, **kw
    )
    rows = -(-len(leg.get_texts()) // max(1, ncol))
    pad = 14.0 + 16 * rows
    for loc in ("left", "center"):
        title = ax.get_title(loc=loc)
        if title:
            ax.set_title(title, loc=loc, pad=pad)
    return pad


def _row_height(labels: list[str]) -> float:
    """Inches per bar: a little more for the labels wrapped on more lines."""
    return 0.4 + 0.18 * (sum(lab.count("\n") for lab in labels) / max(1, len(labels)))


# ------------------------------------------------------------------------------------------
def fan_national(ctx: Context) -> bytes:
    L = ctx.L
    y = np.array(ctx.years)
    with matplotlib.rc_context(RC):
        fig = _figure(10, 5.2)
        ax = fig.add_subplot()
        ax.fill_between(y, ctx.nat(0.05) / 1e6, ctx.nat(0.95) / 1e6, color=BLUE_LIGHT, lw=0, label=L("band90"))
        ax.fill_between(
            y, ctx.nat(0.25) / 1e6, ctx.nat(0.75) / 1e6, color=BLUE_MID, lw=0, alpha=0.75, label=L("band50")
        )
        ax.plot(y, ctx.nat(0.5) / 1e6, color=BLUE_DARK, lw=2.4, marker="o", ms=4, label=L("median"))
        ax.plot(y, ctx.target / 1e6, color=RED, lw=2, ls="--", marker="s", ms=4, label=L("target_path"))
        for o in (o for o in ctx.observed if not o["potential"]):  # a potential is another quantity
            ax.plot(
                [o["year"]],
                [o["value"] / 1e6],
                marker="D",
                ms=9,
                color="black",
                ls="none",
                label=f"{L('observed')} {o['year']}",
            )
        _gain_year_axes(ax, ctx.years, L)
        ax.set_title(L("fan_title"), loc="left")
        _legend_above(ax)  # a target path that starts high would run under a legend in the corner
        return _png(fig)


def fan_areas(ctx: Context) -> bytes | None:
    ds = ctx.ds
    if "area_benefit" not in ds and "area_benefit_quantile" not in ds:
        return None
    L = ctx.L
    at_all = np.asarray(ds["area_target"].values, dtype=float)
    q95_all = ctx.area(0.95)
    shown = [k for k in range(ds.sizes["area"]) if at_all[k].max() > 0 or q95_all[k].max() > 0]  # no empty panels
    if not shown:
        return None
    areas = [str(ds["area"].values[k]) for k in shown]
    names = {k: _printable(v) for k, v in ctx.area_names().items()}
    n = len(areas)
    ncols = 3 if n > 4 else max(1, min(n, 2))
    nrows = math.ceil(n / ncols)
    y = np.array(ctx.years)
    q05, q25, q50, q75, q95 = (ctx.area(lv)[shown] for lv in (0.05, 0.25, 0.5, 0.75, 0.95))
    at = at_all[shown]
    ap = np.asarray(ds["area_p_target"].values, dtype=float)[shown]
    with matplotlib.rc_context(RC):
        fig = _figure(4.0 * ncols, 3.7 * nrows + 0.6)
        for k, a in enumerate(areas):
            ax = fig.add_subplot(nrows, ncols, k + 1)
            ax.fill_between(y, q05[k] / 1e6, q95[k] / 1e6, color=BLUE_LIGHT, lw=0)
            ax.fill_between(y, q25[k] / 1e6, q75[k] / 1e6, color=BLUE_MID, lw=0, alpha=0.75)
            ax.plot(y, q50[k] / 1e6, color=BLUE_DARK, lw=2)
            ax.plot(y, at[k] / 1e6, color=RED, lw=1.6, ls="--")
            ax.set_xticks(y[:: max(1, math.ceil(len(y) / 5))])
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: str(int(round(v)))))
            ax.set_ylim(bottom=0, top=max(1.0, float(max(q95[k].max(), at[k].max())) / 1e6 * 1.2))  # room for the note
            ax.yaxis.set_major_formatter(_num_formatter(L))
            ax.yaxis.set_major_locator(MaxNLocator(5))
            ax.set_title(_wrap(names.get(a, a), 44), loc="left", fontsize=10.5, fontweight="bold")
            note = f"{L('p_target_short')} {ctx.ty}: {L.pct(ap[k, ctx.ti])}" if at[k, ctx.ti] > 0 else L("no_target")
            ax.text(
                0.02,
                0.97,
                note,
                transform=ax.transAxes,
                va="top",
                ha="left",
                fontsize=9.5,
                color=RED if at[k, ctx.ti] > 0 else GREY,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
            )
            if k % ncols == 0:
                ax.set_ylabel(L("mio_year"))
        handles = [
            Patch(color=BLUE_LIGHT, label=L("band90")),
            Patch(color=BLUE_MID, alpha=0.75, label=L("band50")),
            Line2D([], [], color=BLUE_DARK, lw=2, label=L("median")),
            Line2D([], [], color=RED, lw=1.6, ls="--", label=L("target_path")),
        ]
        fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, 0.0))
        return _png(fig, rect=(0, 0.05, 1, 1))


def target_distribution(ctx: Context) -> bytes | None:
    if not ctx.has_draws:
        return None
    L = ctx.L
    x = ctx.benefit[:, ctx.ti] / 1e6
    tgt = ctx.target[ctx.ti] / 1e6
    p10, p50, p90 = (ctx.nat(lv)[ctx.ti] / 1e6 for lv in (0.1, 0.5, 0.9))
    obs = [o for o in ctx.observed if o["year"] == ctx.ty and not o["potential"]]
    hi = max(float(np.quantile(x, 0.999)), tgt, *(o["value"] / 1e6 for o in obs)) if x.size else tgt
    lo = min(0.0, float(x.min())) if x.size else 0.0
    span = (hi - lo) or 1.0
    with matplotlib.rc_context(RC):
        fig = _figure(11, 4.6)
        ax1 = fig.add_subplot(1, 2, 1)
        bins = np.linspace(lo, lo + span * 1.04, 61)
        w = np.full(x.shape, 100.0 / max(1, x.size))
        ax1.hist(x, bins=bins, weights=w, color=BLUE_MID, edgecolor="white", linewidth=0.4)
        ax1.axvline(tgt, color=RED, lw=2.2, ls="--", label=f"{L('target')}: {L.mio(ctx.target[ctx.ti])}")
        for v, lab, ls in ((p10, "P10", ":"), (p50, "P50", "-"), (p90, "P90", ":")):
            ax1.axvline(v, color=BLUE_DARK, lw=1.4, ls=ls, label=f"{lab}: {L.mio(v * 1e6)}")
        for o in obs:
            ax1.axvline(o["value"] / 1e6, color="black", lw=2, label=f"{L('observed')}: {L.mio(o['value'])}")
        ax1.set_xlabel(L("gain_axis"))
        ax1.set_ylabel(L("share_draws") + (" (%)"))
        ax1.xaxis.set_major_formatter(_num_formatter(L))
        ax1.yaxis.set_major_formatter(_num_formatter(L))
        ax1.set_title(L("hist_title", year=ctx.ty), loc="left")
        pad = _legend_above(ax1, ncol=2)  # in the plot it would cover the target line or the bars

        ax2 = fig.add_subplot(1, 2, 2)
        xs = np.sort(x)
        ps = np.arange(1, xs.size + 1) / xs.size
        step = max(1, xs.size // 4000)  # a smooth curve without 100,000 points
        ax2.plot(np.r_[xs[::step], xs[-1]], np.r_[ps[::step], 1.0], color=BLUE_DARK, lw=2.2)
        ax2.axvline(tgt, color=RED, lw=2.2, ls="--")
        p = ctx.p_target[ctx.ti]
        ax2.annotate(
            f"{L('p_target_short')} = {L.pct(p)}",
            xy=(tgt, 0.5),
            xytext=(-8, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            color=RED,
            fontsize=10.5,
            fontweight="bold",
        )
        for v, lab, pp in ((p10, "P10", 0.1), (p50, "P50", 0.5), (p90, "P90", 0.9)):
            ax2.plot([v], [pp], "o", color=BLUE_DARK, ms=5)
            ax2.annotate(lab, xy=(v, pp), xytext=(6, -4), textcoords="offset points", fontsize=9, color=BLUE_DARK)
        for o in obs:
            ax2.axvline(o["value"] / 1e6, color="black", lw=2)
        ax2.set_xlim(lo, lo + span * 1.04)
        ax2.set_ylim(0, 1.02)
        ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: L.pct(v, 0)))
        ax2.xaxis.set_major_formatter(_num_formatter(L))
        ax2.set_xlabel(L("gain_axis"))
        ax2.set_ylabel(L("cum_prob"))
        ax2.set_title(L("cdf_title", year=ctx.ty), loc="left", pad=pad)  # on the line of the left title
        return _png(fig)


def regimes(ctx: Context) -> bytes | None:
    if not ctx.has_regimes():
        return None
    L = ctx.L
    y = np.array(ctx.years)
    with matplotlib.rc_context(RC):
        fig = _figure(11, 4.8)
        top = 0.0
        axes = []
        for j, var in enumerate(("central_gain", "service_cut")):
            ax = fig.add_subplot(1, 2, j + 1)
            axes.append(ax)
            lo_a, med_a, hi_a = (ctx.regime_stat(var, lv) / 1e6 for lv in (0.1, 0.5, 0.9))
            for r_i, r in enumerate(ctx.regimes):
                col = REGIME_COLORS.get(r, GREY)
                lo, med, hi = lo_a[r_i], med_a[r_i], hi_a[r_i]
                ax.fill_between(y, lo, hi, color=col, alpha=0.15, lw=0)
                ax.plot(y, med, color=col, lw=2.2, marker="o", ms=3.5, label=L.regime(r))
                top = max(top, float(hi.max()))
            if var == "central_gain":
                ax.plot(y, ctx.target / 1e6, color="black", lw=1.2, ls="--", label=L("target_path"))
                top = max(top, float(ctx.target.max() / 1e6))
            _year_axis(ax, ctx.years)
            ax.tick_params(axis="x", labelrotation=45 if len(y) > 8 else 0)
            ax.set_title(L(var), loc="left")
            ax.set_ylabel(L("mio_year"))
            ax.yaxis.set_major_formatter(_num_formatter(L))
        for ax in axes:
            ax.set_ylim(0, max(1.0, top) * 1.06)  # same scale: the two sides are comparable
        handles, labels_ = axes[0].get_legend_handles_labels()  # under both panels: never over a line
        fig.legend(handles, labels_, loc="lower center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, 0.0))
        return _png(fig, rect=(0, 0.07, 1, 1))


def municipality_values(ctx: Context):
    """(P10, P50, P90, target) per municipality in the target year: kr. per inhabitant, or DKK m."""
    ti = ctx.ti
    (q10, _), (q50, _), (q90, _) = ctx.mun(0.1), ctx.mun(0.5), ctx.mun(0.9)
    mt = np.asarray(ctx.ds["municipality_target"].values, dtype=float)[:, ti]
    if ctx.population is not None:
        pop = ctx.population
        return q10[:, ti] / pop, q50[:, ti] / pop, q90[:, ti] / pop, mt / pop, True
    return q10[:, ti] / 1e6, q50[:, ti] / 1e6, q90[:, ti] / 1e6, mt / 1e6, False


def municipalities(ctx: Context) -> bytes | None:
    if "municipality_benefit" not in ctx.ds:
        return None
    L = ctx.L
    p10, p50, p90, tgt, per_inh = municipality_values(ctx)
    names = [_printable(n) for n in ctx.mun_names]
    regions = [_printable(r) for r in ctx.mun_regions]
    reg_list = sorted(set(regions))
    colors = {r: REGION_COLORS[k % len(REGION_COLORS)] for k, r in enumerate(reg_list)}
    order = np.argsort(-p50, kind="stable")
    n = len(order)
    halves = [order[: (n + 1) // 2], order[(n + 1) // 2 :]] if n > 30 else [order]
    rows = len(halves[0])
    xmax = max(float(np.nanmax(p90)), float(np.nanmax(tgt))) * 1.05 or 1.0
    same_target = bool(np.allclose(tgt, tgt[0], rtol=1e-6)) if n else True
    with matplotlib.rc_context(RC):
        fig = _figure(11.5, 0.2 * rows + 1.6)
        for j, idx in enumerate(halves):
            ax = fig.add_subplot(1, len(halves), j + 1)
            ypos = np.arange(len(idx))[::-1]
            reg = np.array([regions[k] for k in idx])
            for r in reg_list:  # one artist per region, not per municipality
                m = reg == r
                if m.any():
                    ax.hlines(ypos[m], p10[idx][m], p90[idx][m], color=colors[r], lw=2.2, alpha=0.55)
                    ax.plot(p50[idx][m], ypos[m], "o", color=colors[r], ms=4.5, ls="none")
            if same_target:
                ax.axvline(tgt[0], color=RED, lw=1.6, ls="--")
            else:
                ax.plot(tgt[idx], ypos, "|", color=RED, ms=8)
            ax.set_yticks(ypos)
            ax.set_yticklabels([names[k] for k in idx], fontsize=8.3)
            ax.set_ylim(-0.7, rows - 0.3)
            ax.set_xlim(0, xmax)
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_formatter(_num_formatter(L))
            ax.set_xlabel(L("kr_inh") if per_inh else L("mio_year"))
            ax.tick_params(axis="x", top=True, labeltop=True)
        title = L("mun_title" if per_inh else "mun_title_abs", year=ctx.ty)
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
        handles = [Line2D([], [], color=colors[r], marker="o", lw=2.2, alpha=0.8, label=r) for r in reg_list]
        handles.append(
            Line2D([], [], color=RED, lw=1.6, ls="--", label=L("mun_target_line") if per_inh else L("target"))
        )
        fig.legend(
            handles=handles, loc="lower center", ncol=min(6, len(handles)), frameon=False, bbox_to_anchor=(0.5, 0.0)
        )
        return _png(fig, rect=(0, 0.035, 1, 0.975))


def top_shortfall(ctx: Context, k: int = 10) -> tuple[bytes | None, np.ndarray]:
    ds = ctx.ds
    if "municipality_shortfall_mean" not in ds:
        return None, np.array([], dtype=int)
    L = ctx.L
    short = np.asarray(ds["municipality_shortfall_mean"].values, dtype=float)[:, ctx.ti]
    mt = np.asarray(ds["municipality_target"].values, dtype=float)[:, ctx.ti]
    # what differs between municipalities: the shortfall as a share of the municipality's own target
    # (the absolute shortfall just ranks them by size)
    rel = np.divide(short, mt, out=np.zeros_like(short), where=mt > 0)
    order = np.lexsort((-short, -rel))[:k]
    names = [_printable(n) for n in ctx.mun_names]
    with matplotlib.rc_context(RC):
        fig = _figure(10, 0.42 * len(order) + 1.4)
        ax = fig.add_subplot()
        ypos = np.arange(len(order))[::-1]
        pct = rel[order] * 100  # the shortfall as a share of the municipality's own target
        ax.barh(ypos, pct, color=RED, height=0.72, alpha=0.85, label=L("mun_short_col"))
        for yy, i in zip(ypos, order):
            share = short[i] / mt[i] if mt[i] > 0 else float("nan")
            ax.annotate(
                L("of_target", short=L.mio_value(short[i]), target=L.mio(mt[i]), pct=L.pct(share, 0)),
                xy=(rel[i] * 100, yy),
                xytext=(5, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        ax.set_xlim(0, 100 * 1.45)
        ax.axvline(100, color=GREY, lw=1, ls=":")
        ax.set_yticks(ypos)
        ax.set_yticklabels([names[i] for i in order])
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(L("percent_of_target"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: L.num(v, 0)))
        ax.set_title(L("top10_title", year=ctx.ty), loc="left")
        return _png(fig), order


def initiatives(ctx: Context) -> bytes | None:
    ds = ctx.ds
    if "initiative_benefit_mean" not in ds:
        return None
    L = ctx.L
    ti = ctx.ti
    ids = [str(i) for i in ds["initiative"].values]
    names = [_printable(str(n)) for n in (ds["initiative_name"].values if "initiative_name" in ds.coords else ids)]
    mean = np.asarray(ds["initiative_benefit_mean"].values, dtype=float)[:, ti] / 1e6
    (q10, _), (q90, _) = ctx.ini(0.1), ctx.ini(0.9)
    lo, hi = q10[:, ti] / 1e6, q90[:, ti] / 1e6
    facts = ctx.initiative_facts()
    bc = np.array([facts.get(i, {}).get("gain", np.nan) for i in ids]) / 1e6
    keep = [k for k in range(len(ids)) if (bc[k] > 0 if facts else (hi[k] > 0 or mean[k] > 0))]
    if not keep:
        return None
    keep.sort(key=lambda k: -mean[k])
    ticks = [_short(names[k], 62) for k in keep]
    with matplotlib.rc_context(RC):
        fig = _figure(11, (_row_height(ticks) - 0.12) * len(keep) + 1.9)
        ax = fig.add_subplot()
        ypos = np.arange(len(keep))[::-1]
        m = mean[keep]
        ax.barh(ypos, m, color=BLUE_MID, height=0.65, label=f"{L('mean')} {ctx.ty}")
        ax.errorbar(
            m,
            ypos,
            xerr=[np.maximum(0, m - lo[keep]), np.maximum(0, hi[keep] - m)],
            fmt="none",
            ecolor=BLUE_DARK,
            elinewidth=1.3,
            capsize=2.5,
            label="P10–P90",
        )
        if facts:
            ax.plot(bc[keep], ypos, "D", mfc="none", mec=RED, ms=6, mew=1.4, ls="none", label=L("business_case"))
        ax.set_yticks(ypos)
        ax.set_yticklabels(ticks, fontsize=8.8)
        ax.set_ylim(-0.7, len(keep) - 0.3)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(L("mio_year"))
        ax.xaxis.set_major_formatter(_num_formatter(L))
        ax.set_xlim(left=0)
        ax.set_title(L("ini_title", year=ctx.ty), loc="left", pad=30)
        _legend_above(ax)
        return _png(fig)


def _input_labels(da, L=None, ds=None) -> list[str]:
    """The inputs' labels; with ``L``, in the report's language from the input's kind and its
    initiative's name (from ``ds``, the Dataset ``da`` comes from)."""
    if L is not None:
        from simengine.outputs.labels import initiative_names, input_labels

        return [_printable(v) for v in input_labels(L, da, initiative_names(ds) if ds is not None else None)]
    for c in ("input_name", "input_label"):
        if c in da.coords:
            return [_printable(str(v)) for v in da[c].values]
    return [_printable(str(v)) for v in da["input"].values]


def tornado(ctx: Context) -> bytes | None:
    ds = ctx.ds
    if "tornado_low" not in ds or "tornado_high" not in ds or "input" not in ds["tornado_low"].dims:
        return None
    L = ctx.L
    lo_da, hi_da = ctx.at_target_year(ds["tornado_low"]), ctx.at_target_year(ds["tornado_high"])
    if lo_da.ndim != 1 or hi_da.ndim != 1:
        return None
    lo, hi = np.asarray(lo_da.values, float) / 1e6, np.asarray(hi_da.values, float) / 1e6
    base_da = ds.get("tornado_base")
    if base_da is not None:
        base = float(np.asarray(ctx.at_target_year(base_da).values, dtype=float).ravel()[0]) / 1e6
    elif "base" in ds["tornado_low"].attrs:
        base = float(ds["tornado_low"].attrs["base"]) / 1e6
    else:
        base = float(ctx.mean[ctx.ti]) / 1e6
    labels = _input_labels(lo_da, L, ds)
    order = np.argsort(-np.abs(hi - lo), kind="stable")[:15][::-1]
    ticks = [_short(labels[k], 62) for k in order]
    with matplotlib.rc_context(RC):
        fig = _figure(10, _row_height(ticks) * len(order) + 1.9)
        ax = fig.add_subplot()
        ypos = np.arange(len(order))
        decile = "decile" in str(ds["tornado_low"].attrs.get("long_name", ""))
        ax.barh(
            ypos,
            lo[order] - base,
            left=base,
            color=RED,
            alpha=0.8,
            height=0.6,
            label=L("tornado_low_decile" if decile else "tornado_low"),
        )
        ax.barh(
            ypos,
            hi[order] - base,
            left=base,
            color=BLUE_MID,
            height=0.6,
            label=L("tornado_high_decile" if decile else "tornado_high"),
        )
        ax.axvline(base, color="black", lw=1.2)
        ax.set_yticks(ypos)
        ax.set_yticklabels(ticks)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(L("gain_axis") + f" ({ctx.ty})")
        ax.xaxis.set_major_formatter(_num_formatter(L))
        ax.set_title(f"{L('sec_tornado')} — {L('base')} {L.mio(base * 1e6)}", loc="left", pad=30)
        _legend_above(ax, ncol=2)
        return _png(fig)


def waterfall_data(ctx: Context):
    """(start, [(label, delta)], end) in DKK for the target year, or None. Causes whose change is
    negligible (below 0.05 % of the start) are left out of the chart; the table lists them all."""
    ds = ctx.ds
    if "waterfall" not in ds or "cause" not in ds["waterfall"].dims:
        return None
    da = ctx.at_target_year(ds["waterfall"])
    if da.ndim != 1:
        return None
    deltas = np.asarray(da.values, dtype=float)
    from simengine.outputs.labels import cause_label

    names = [str(v) for v in (da["cause_name"].values if "cause_name" in da.coords else da["cause"].values)]
    labels = [_printable(cause_label(ctx.L, str(k), n)) for k, n in zip(da["cause"].values, names)]
    start = float(ds["waterfall"].attrs.get("start", ctx.target[ctx.ti]))
    return start, list(zip(labels, deltas)), start + float(deltas.sum())


def waterfall(ctx: Context) -> bytes | None:
    data = waterfall_data(ctx)
    if data is None:
        return None
    L = ctx.L
    start, items, end = data
    tiny = 5e-4 * max(abs(start), abs(end), 1.0)
    items = [(lab, d) for lab, d in items if abs(d) >= tiny]
    n = len(items) + 2
    ticks = [L("waterfall_start")] + [_short(lab, 58) for lab, _ in items] + [L("waterfall_result")]
    with matplotlib.rc_context(RC):
        fig = _figure(11, _row_height(ticks) * n + 1.5)
        ax = fig.add_subplot()
        y = np.arange(n)[::-1]  # top to bottom: the promise, the causes, the result
        ax.barh(y[0], start / 1e6, color=GREY, height=0.62)
        level = start
        for k, (_lab, d) in enumerate(items, start=1):
            ax.barh(y[k], d / 1e6, left=level / 1e6, color=RED if d < 0 else GREEN, height=0.62)
            ax.annotate(
                L.num(d / 1e6, 1 if abs(d) < 10e6 else 0),
                xy=(min(level, level + d) / 1e6, y[k]),
                xytext=(-4, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=9,
            )
            level += d
        ax.barh(y[-1], end / 1e6, color=BLUE_DARK, height=0.62)
        for yy, v in ((y[0], start), (y[-1], end)):
            ax.annotate(
                L.num(v / 1e6, 0),
                xy=(v / 1e6, yy),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9.5,
                fontweight="bold",
            )
        ax.set_yticks(y)
        ax.set_yticklabels(ticks)
        ax.set_xlim(left=min(0.0, min(start, end) / 1e6), right=max(start, end, level) / 1e6 * 1.08 or 1.0)
        ax.set_xlabel(L("mio_year"))
        ax.xaxis.set_major_formatter(_num_formatter(L))
        ax.grid(axis="y", visible=False)
        ax.set_title(f"{L('sec_waterfall')}, {ctx.ty}", loc="left")
        return _png(fig)


def sensitivity_label(ctx: Context) -> str:
    da = ctx.ds["sensitivity"]
    unit = str(da.attrs.get("units", ""))
    if unit in ("1", "") and "correlation" in str(da.attrs.get("long_name", "")).lower():
        return ctx.L("sens_axis", year=int(da.attrs.get("year", ctx.ty)))
    return f"{da.attrs.get('long_name', 'sensitivity')} ({ctx.L('mio') if unit.startswith('DKK') else unit or '1'})"


def sensitivity(ctx: Context) -> bytes | None:
    ds = ctx.ds
    if "sensitivity" not in ds or "input" not in ds["sensitivity"].dims:
        return None
    da = ctx.at_target_year(ds["sensitivity"])
    if da.ndim != 1:
        return None
    L = ctx.L
    v = np.asarray(da.values, dtype=float)
    labels = _input_labels(da, L, ds)
    order = np.argsort(-np.abs(v), kind="stable")[:15][::-1]
    unit = str(ds["sensitivity"].attrs.get("units", ""))
    money = unit.startswith("DKK")
    vals = v[order] / (1e6 if money else 1)
    ticks = [_short(labels[k], 62) for k in order]
    with matplotlib.rc_context(RC):
        fig = _figure(10, _row_height(ticks) * len(order) + 1.4)
        ax = fig.add_subplot()
        ax.barh(np.arange(len(order)), vals, color=[BLUE_MID if x >= 0 else RED for x in vals], height=0.6)
        ax.axvline(0, color="black", lw=1)
        ax.set_yticks(np.arange(len(order)))
        ax.set_yticklabels(ticks)
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_formatter(_num_formatter(L))
        ax.set_xlabel(sensitivity_label(ctx))
        ax.set_title(L("sec_sensitivity") + f" ({ctx.ty})", loc="left")
        return _png(fig)


def backtest(ctx: Context) -> bytes | None:
    if not ctx.observed or not ctx.has_draws:
        return None
    L = ctx.L
    obs = ctx.observed[:3]
    with matplotlib.rc_context(RC):
        fig = _figure(5.5 * len(obs) if len(obs) > 1 else 10, 4.4)
        for j, o in enumerate(obs):
            ax = fig.add_subplot(1, len(obs), j + 1)
            k = ctx.years.index(o["year"]) if o["year"] in ctx.years else None
            if k is None:
                continue
            x = ctx.observed_draws(o, k) / 1e6
            v = o["value"] / 1e6
            lo, hi = min(0.0, float(x.min()), v), max(float(np.quantile(x, 0.999)), v, ctx.target[k] / 1e6)
            bins = np.linspace(lo, hi * 1.04 + 1e-9, 61)
            ax.hist(
                x,
                bins=bins,
                weights=np.full(x.shape, 100.0 / x.size),
                color=BLUE_MID,
                edgecolor="white",
                linewidth=0.4,
                label=L("share_draws"),
            )
            ax.axvline(v, color="black", lw=2.4, label=f"{o['label']}: {L.mio(o['value'])}")
            if ctx.target[k] > 0:
                ax.axvline(
                    ctx.target[k] / 1e6, color=RED, lw=1.8, ls="--", label=f"{L('target')}: {L.mio(ctx.target[k])}"
                )
            ax.set_xlabel(L("potential_axis" if o["potential"] else "gain_axis"))
            ax.set_ylabel(L("share_draws") + " (%)")
            ax.xaxis.set_major_formatter(_num_formatter(L))
            ax.yaxis.set_major_formatter(_num_formatter(L))
            ax.set_title(
                L("backtest_potential_title" if o["potential"] else "backtest_title", year=o["year"]), loc="left"
            )
            ax.legend(loc="best", frameon=True, framealpha=0.95)
        return _png(fig)


# -- negotiation (simengine.outputs.report.negotiation) --
def exceedance(ctx: Context) -> bytes | None:
    from simengine.outputs.report.negotiation import exceedance_chart

    return exceedance_chart(ctx)


def deductions(ctx: Context) -> bytes | None:
    from simengine.outputs.report.negotiation import deductions_chart

    return deductions_chart(ctx)


def potential(ctx: Context) -> bytes | None:
    from simengine.outputs.report.potential import chart

    return chart(ctx)


def pit_histogram(ctx: Context) -> bytes | None:  # a backtest's PIT histogram (simengine.outputs.report.backtest)
    from simengine.outputs.report.backtest import chart

    return chart(ctx)


def shocks(ctx: Context) -> bytes | None:
    from simengine.outputs.report.shocks import chart

    return chart(ctx)


def update_inputs(ctx: Context) -> bytes | None:
    """The inputs an update moved (an update's results only: simengine.outputs.report.update)."""
    from simengine.outputs.report.update import chart

    return chart(ctx)


CHARTS = (
    "update_inputs",
    "fan_national",
    "potential",
    "shocks",
    "fan_areas",
    "target_distribution",
    "regimes",
    "municipalities",
    "top_shortfall",
    "initiatives",
    "tornado",
    "waterfall",
    "sensitivity",
    "backtest",
    "pit_histogram",
    "exceedance",
    "deductions",
)


def all_charts(ctx: Context) -> dict[str, bytes]:
    """Every chart the Dataset supports, by file stem, in report order."""
    from simengine.outputs import progress

    out: dict[str, bytes] = {}
    progress.phase("Report: charts", len(CHARTS))
    for name in CHARTS:
        fn = globals()[name]
        res = fn(ctx)
        progress.step()
        if isinstance(res, tuple):
            res = res[0]
        if res:
            out[name] = res
    return out
