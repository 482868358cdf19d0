"""The reader's page and workbook of ``compare A B``: ``comparison.html`` (one self-contained page:
inline CSS, charts as data: URIs, no script) and ``comparison.xlsx``, in Danish or English.

Everything is read from the comparison Dataset (simengine.cli.compare): A's and B's target-year gains in
the same draws (overlaid), their fan charts on one scale, the distribution of B - A draw by draw and
year by year, P(target) and the committable amounts of A and B side by side, the initiatives whose
mean gain changed, and the notes. Every number shown is tagged with the variable it comes from
(``<span class="num" data-var=... data-value=...>``, as in report.html). Charts, page and workbook
are the run report's helpers (simengine.outputs.report.charts, .html, .workbook).
"""

from __future__ import annotations

import os
from typing import Any

import matplotlib
import numpy as np
import xarray as xr

from simengine.outputs.labels import Labels
from simengine.outputs.report import charts as ch
from simengine.outputs.report.html import CSS, esc, figure, num, table
from simengine.outputs.report.pagefiles import PageFiles, queue

_RC: Any = ch.RC  # matplotlib's rc_context wants its own key type
HTML = "comparison.html"
XLSX = "comparison.xlsx"
COLOR_A = ch.BLUE_DARK
COLOR_B = ch.ORANGE
BAND_A = (ch.BLUE_LIGHT, ch.BLUE_MID)
BAND_B = ("#fad7b5", "#f0a868")
#: the A and B colours in the text; the year table's headers wrap (it has 12 columns)
EXTRA_CSS = (
    ".sideA{color:#1f4e79;font-weight:600} .sideB{color:#d35400;font-weight:600} "
    "table.years th{white-space:normal} table.years td{padding:5px 6px}"
)


Files = PageFiles  # the page and the workbook (simengine.outputs.report.pagefiles)


def owns(rel: str) -> bool:
    """The page and workbook an earlier compare wrote (removed by a commit that does not write them)."""
    return rel in (HTML, XLSX)


def write(w, files: Files) -> None:
    """Queue the files on an AtomicOutputs writer (moved into place with the other files)."""
    queue(w, files, HTML, XLSX)


class Cmp:
    """What the page and workbook read, computed once from the comparison Dataset."""

    def __init__(self, ds: xr.Dataset, lang: str):
        self.ds, self.lang, self.L = ds, lang, Labels(lang)
        self.years = [int(y) for y in ds["year"].values]
        ty = int(ds.attrs.get("target_year", self.years[-1]))
        self.ty = ty if ty in self.years else self.years[-1]
        self.ti = self.years.index(self.ty)
        self.has_sides = "benefit_quantile_a" in ds  # comparison files of earlier versions lack A and B themselves
        self.has_draws = "benefit_target_year_a" in ds and ds.sizes.get("draw", 0) > 0

    def dq(self, level: float, var: str = "difference_quantile") -> np.ndarray:
        """The ``level`` quantile of B - A per year (NaN if that level was not computed)."""
        q = self.ds["quantile"].values
        hit = np.isclose(q, level, rtol=0, atol=1e-9)
        return (
            np.asarray(self.ds[var].values[int(np.argmax(hit))], dtype=float)
            if hit.any()
            else np.full(len(self.years), np.nan)
        )

    def band(self, side: str, level: float) -> np.ndarray:
        b = self.ds["band"].values
        hit = np.isclose(b, level, rtol=0, atol=1e-9)
        return (
            np.asarray(self.ds[f"benefit_quantile_{side}"].values[int(np.argmax(hit))], dtype=float)
            if hit.any()
            else np.full(len(self.years), np.nan)
        )

    def name(self, side: str) -> str:
        return str(self.ds.attrs.get(f"scenario_{side}", side.upper()))

    def file(self, side: str) -> str:
        return str(self.ds.attrs.get(f"scenario_file_{side}", ""))


# -- charts ---------------------------------------------------------------------------------------
def _target_lines(ax, c: Cmp, k: int, scale: float = 1e6) -> None:
    L, ds = c.L, c.ds
    ta, tb = float(ds["target_a"].values[k]), float(ds["target_b"].values[k])
    if ta == tb:
        if ta > 0:
            ax.axvline(ta / scale, color=ch.RED, lw=2, ls="--", label=f"{L('target')}: {L.mio(ta)}")
        return
    for side, t, col in (("A", ta, COLOR_A), ("B", tb, COLOR_B)):
        if t > 0:
            ax.axvline(t / scale, color=col, lw=2, ls="--", label=f"{L('target')} {side}: {L.mio(t)}")


def dist_chart(c: Cmp) -> bytes | None:
    """A's and B's national gain in the target year, the same draws, overlaid."""
    if not c.has_draws:
        return None
    L, ds = c.L, c.ds
    xa = np.asarray(ds["benefit_target_year_a"].values, dtype=float) / 1e6
    xb = np.asarray(ds["benefit_target_year_b"].values, dtype=float) / 1e6
    ta, tb = (float(ds[f"target_{s}"].values[c.ti]) / 1e6 for s in "ab")
    lo = min(0.0, float(xa.min()), float(xb.min()))
    hi = max(float(np.quantile(xa, 0.999)), float(np.quantile(xb, 0.999)), ta, tb)
    span = (hi - lo) or 1.0
    bins = np.linspace(lo, lo + span * 1.04, 61)
    w = np.full(xa.shape, 100.0 / max(1, xa.size))
    with matplotlib.rc_context(_RC):
        fig = ch._figure(10, 4.4)
        ax = fig.add_subplot()
        for side, x, col in (("A", xa, COLOR_A), ("B", xb, COLOR_B)):
            p50 = float(np.median(x)) * 1e6
            ax.hist(x, bins=list(bins), weights=w, color=col, alpha=0.35, lw=0)
            ax.hist(
                x,
                bins=list(bins),
                weights=w,
                histtype="step",
                color=col,
                lw=1.8,
                label=f"{side}: {L('median')} {L.mio(p50)}",
            )
        _target_lines(ax, c, c.ti)
        ax.set_xlabel(L("gain_axis"))
        ax.set_ylabel(L("share_draws") + " (%)")
        ax.xaxis.set_major_formatter(ch._num_formatter(L))
        ax.yaxis.set_major_formatter(ch._num_formatter(L))
        ax.set_title(L("hist_title", year=c.ty), loc="left")
        ch._legend_above(ax, ncol=3)  # over the plot the legend would hide the target line
        return ch._png(fig)


def fan_chart(c: Cmp) -> bytes | None:
    """A's and B's fan charts side by side on one scale."""
    if not c.has_sides:
        return None
    L, ds = c.L, c.ds
    y = np.array(c.years)
    top = (
        max(
            float(np.nanmax(c.band("a", 0.95))),
            float(np.nanmax(c.band("b", 0.95))),
            float(ds["target_a"].max()),
            float(ds["target_b"].max()),
        )
        / 1e6
    )
    with matplotlib.rc_context(_RC):
        fig = ch._figure(11, 4.4)
        axes: list[Any] = []
        for j, (side, (light, mid), dark) in enumerate((("a", BAND_A, COLOR_A), ("b", BAND_B, COLOR_B))):
            ax = fig.add_subplot(1, 2, j + 1, sharey=axes[0] if axes else None)
            axes.append(ax)
            ax.fill_between(y, c.band(side, 0.05) / 1e6, c.band(side, 0.95) / 1e6, color=light, lw=0, label=L("band90"))
            ax.fill_between(
                y, c.band(side, 0.25) / 1e6, c.band(side, 0.75) / 1e6, color=mid, lw=0, alpha=0.8, label=L("band50")
            )
            ax.plot(y, c.band(side, 0.5) / 1e6, color=dark, lw=2.2, marker="o", ms=3.5, label=L("median"))
            ax.plot(
                y,
                np.asarray(ds[f"target_{side}"].values, dtype=float) / 1e6,
                color=ch.RED,
                lw=1.8,
                ls="--",
                label=L("target_path"),
            )
            ax.set_xticks(y[:: max(1, int(np.ceil(len(y) / 8)))])
            ax.xaxis.set_major_formatter(ch.FuncFormatter(lambda v, _p: str(int(round(v)))))
            ax.yaxis.set_major_formatter(ch._num_formatter(L))
            ax.set_title(ch._wrap(ch._printable(f"{side.upper()}: {c.name(side)}"), 52), loc="left", fontsize=11)
            if j == 0:
                ax.set_ylabel(L("gain_axis"))
        axes[0].set_ylim(0, max(1.0, top) * 1.05)
        handles, labels_ = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels_, loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, 0.0))
        return ch._png(fig, rect=(0, 0.07, 1, 1))  # the legend under the panels, never over a band


def diff_chart(c: Cmp) -> bytes | None:
    """B - A: its distribution over the paired draws in the target year, and its quantiles per year."""
    L, ds = c.L, c.ds
    y = np.array(c.years)
    with matplotlib.rc_context(_RC):
        fig = ch._figure(11, 4.4)
        ax1 = fig.add_subplot(1, 2, 1)
        if ds.sizes.get("draw", 0) > 0:
            d = np.asarray(ds["difference"].values[:, c.ti], dtype=float) / 1e6
            lo, hi = float(np.quantile(d, 0.001)), float(np.quantile(d, 0.999))
            lo, hi = min(lo, 0.0), max(hi, 0.0)
            if hi - lo < 1e-9:
                lo, hi = lo - 1.0, hi + 1.0
            bins = np.linspace(lo, hi, 61)
            ax1.hist(
                np.clip(d, lo, hi),
                bins=list(bins),
                weights=np.full(d.shape, 100.0 / d.size),
                color=ch.BLUE_MID,
                edgecolor="white",
                linewidth=0.4,
            )
        ax1.axvline(0, color="black", lw=1.2)
        for lv, ls in ((0.1, ":"), (0.5, "-"), (0.9, ":")):
            v = c.dq(lv)[c.ti]
            if np.isfinite(v):
                ax1.axvline(v / 1e6, color=ch.BLUE_DARK, lw=1.4, ls=ls, label=f"P{round(lv * 100)}: {L.mio(v)}")
        ax1.set_xlabel(L("cmp_diff_axis"))
        ax1.set_ylabel(L("share_draws") + " (%)")
        ax1.xaxis.set_major_formatter(ch._num_formatter(L))
        ax1.yaxis.set_major_formatter(ch._num_formatter(L))
        ax1.set_title(L("cmp_diff_hist", year=c.ty), loc="left")
        ch._legend_above(ax1, ncol=2)
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.fill_between(y, c.dq(0.1) / 1e6, c.dq(0.9) / 1e6, color=ch.BLUE_LIGHT, lw=0, label=L("band80"))
        ax2.fill_between(y, c.dq(0.25) / 1e6, c.dq(0.75) / 1e6, color=ch.BLUE_MID, lw=0, alpha=0.8, label=L("band50"))
        ax2.plot(y, c.dq(0.5) / 1e6, color=ch.BLUE_DARK, lw=2.2, marker="o", ms=3.5, label=L("median"))
        ax2.axhline(0, color="black", lw=1)
        ax2.set_xticks(y[:: max(1, int(np.ceil(len(y) / 8)))])
        ax2.xaxis.set_major_formatter(ch.FuncFormatter(lambda v, _p: str(int(round(v)))))
        ax2.yaxis.set_major_formatter(ch._num_formatter(L))
        ax2.set_ylabel(L("cmp_diff_axis"))
        ax2.set_title(L("cmp_diff_fan"), loc="left")
        ch._legend_above(ax2, ncol=2)  # the bands are not seen by loc="best"
        return ch._png(fig)


CHARTS = {"cmp_distribution": dist_chart, "cmp_fan": fan_chart, "cmp_difference": diff_chart}


# -- the page -------------------------------------------------------------------------------------
def _cards(c: Cmp) -> str:
    L, ds, ti, ty = c.L, c.ds, c.ti, c.ty
    cards = []
    for side in ("a", "b"):
        p = float(ds[f"p_target_{side}"].values[ti])
        t = float(ds[f"target_{side}"].values[ti])
        big = num(L.pct(p), f"p_target_{side}", p, year=ty) if t > 0 else esc(L("no_target_short"))
        cards.append(
            (
                "bad" if t > 0 and p < 0.5 else "",
                f"{L('p_target_short')} {ty}, {side.upper()}",
                big,
                esc(f"{L('target')}: {L.mio(t)}"),
            )
        )
    m = float(ds["difference_mean"].values[ti])
    p10, p90 = c.dq(0.1)[ti], c.dq(0.9)[ti]
    cards.append(
        (
            "bad" if m < 0 else "",
            L("cmp_mean_diff", year=ty),
            num(L.mio(m), "difference_mean", m, year=ty),
            "P10–P90: "
            + L.mio_unit(
                num(L.mio_value(p10), "difference_quantile", p10, year=ty, quantile=0.1)
                + " – "
                + num(L.mio_value(p90), "difference_quantile", p90, year=ty, quantile=0.9)
            ),
        )
    )
    pg = float(ds["p_b_greater"].values[ti])
    cards.append(("", f"P(B > A) {ty}", num(L.pct(pg), "p_b_greater", pg, year=ty), esc(L("cmp_p_greater"))))
    return "".join(
        f'<div class="card {k}"><div class="lbl">{esc(lbl)}</div><div class="big">{big}</div>'
        f'<div class="sub">{sub}</div></div>'
        for k, lbl, big, sub in cards
    )


def _lead(c: Cmp) -> str:
    L, ds, ti, ty = c.L, c.ds, c.ti, c.ty
    parts = []
    if float(ds["target_a"].values[ti]) > 0 or float(ds["target_b"].values[ti]) > 0:
        pa, pb = (float(ds[f"p_target_{s}"].values[ti]) for s in "ab")
        parts.append(
            esc(L("cmp_lead_p", year=ty, pa="\x00A", pb="\x00B"))
            .replace("\x00A", num(L.pct(pa), "p_target_a", pa, year=ty))
            .replace("\x00B", num(L.pct(pb), "p_target_b", pb, year=ty))
        )
    m = float(ds["difference_mean"].values[ti])
    p10, p90 = c.dq(0.1)[ti], c.dq(0.9)[ti]
    pg, pl = float(ds["p_b_greater"].values[ti]), float(ds["p_b_less"].values[ti])
    parts.append(
        esc(L("cmp_lead_d", mean="\x00M", p10="\x001", p90="\x009", pg="\x00G", pl="\x00L"))
        .replace("\x00M", num(L.mio(m), "difference_mean", m, year=ty))
        .replace("\x001", num(L.mio(p10), "difference_quantile", p10, year=ty, quantile=0.1))
        .replace("\x009", num(L.mio(p90), "difference_quantile", p90, year=ty, quantile=0.9))
        .replace("\x00G", num(L.pct(pg), "p_b_greater", pg, year=ty))
        .replace("\x00L", num(L.pct(pl), "p_b_less", pl, year=ty))
    )
    if float(ds["target_a"].values[ti]) > 0 and float(ds["target_b"].values[ti]) > 0:
        ob, oa = (float(ds[f"p_only_{s}_reaches_target"].values[ti]) for s in "ba")
        parts.append(
            esc(L("cmp_lead_only", pb="\x00B", pa="\x00A"))
            .replace("\x00B", num(L.pct(ob), "p_only_b_reaches_target", ob, year=ty))
            .replace("\x00A", num(L.pct(oa), "p_only_a_reaches_target", oa, year=ty))
        )
    return (
        " ".join(parts).replace("kr..", "kr.").replace("kr.</span>.", "kr.</span>")
    )  # an amount in "mio. kr." that ends a sentence


def _side_by_side(c: Cmp) -> str:
    """P(target), the gain's mean and percentiles and the committable amounts of A and B, and B - A."""
    L, ds, ti, ty = c.L, c.ds, c.ti, c.ty
    rows = []

    def row(label: str, a, b, d=None, fmt=None) -> None:
        fmt = fmt or (lambda v: L.mio_value(v))
        cells = [esc(label)]
        for v in (a, b, d):
            if v is None:
                cells.append("")
            else:
                var, val, keys = v
                cells.append(num(fmt(val), var, val, **keys))
        rows.append(cells)

    pa, pb = (float(ds[f"p_target_{s}"].values[ti]) for s in "ab")
    row(f"{L('p_target_short')}", ("p_target_a", pa, {"year": ty}), ("p_target_b", pb, {"year": ty}), None, fmt=L.pct)
    row(
        L("target"),
        ("target_a", float(ds["target_a"].values[ti]), {"year": ty}),
        ("target_b", float(ds["target_b"].values[ti]), {"year": ty}),
    )
    ma, mb = (float(ds[f"benefit_mean_{s}"].values[ti]) for s in "ab")
    row(
        L("mean"),
        ("benefit_mean_a", ma, {"year": ty}),
        ("benefit_mean_b", mb, {"year": ty}),
        ("difference_mean", float(ds["difference_mean"].values[ti]), {"year": ty}),
    )
    if c.has_sides:
        for lv in (0.1, 0.5, 0.9):
            row(
                f"P{round(lv * 100)}",
                ("benefit_quantile_a", float(c.band("a", lv)[ti]), {"year": ty, "band": lv}),
                ("benefit_quantile_b", float(c.band("b", lv)[ti]), {"year": ty, "band": lv}),
                ("difference_quantile", float(c.dq(lv)[ti]), {"year": ty, "quantile": lv}),
            )
    if "committable_a" in ds:
        for j, cert in enumerate(float(x) for x in ds["certainty"].values):
            va, vb = (float(ds[f"committable_{s}"].values[j, ti]) for s in "ab")
            row(
                L("cmp_committable", p=L.share(cert)),
                ("committable_a", va, {"year": ty, "certainty": cert}),
                ("committable_b", vb, {"year": ty, "certainty": cert}),
            )
    head = ["", '<span class="sideA">A</span>', '<span class="sideB">B</span>', "B − A"]
    cap = f'<p class="caption">{esc(L("cmp_side_caption", year=ty, unit=L("mio_year")))}</p>'
    return cap + table(head, rows, {1, 2, 3}).replace("<table>", '<table class="ab">', 1)


def _years(c: Cmp) -> str:
    L, ds = c.L, c.ds
    head = [
        L("year"),
        "P50 A",
        "P50 B",
        f"{L('mean')} B − A",
        "P10 B − A",
        "P50 B − A",
        "P90 B − A",
        "P(B > A)",
        L("cmp_only_b_col"),
        L("cmp_only_a_col"),
        f"{L('p_target_short')} A",
        f"{L('p_target_short')} B",
    ]
    q10, q50, q90 = c.dq(0.1), c.dq(0.5), c.dq(0.9)
    rows, classes = [], []
    for k, y in enumerate(c.years):
        r = [str(y)]
        if c.has_sides:
            r += [
                num(L.mio_value(c.band(s, 0.5)[k]), f"benefit_quantile_{s}", c.band(s, 0.5)[k], year=y, band=0.5)
                for s in "ab"
            ]
        else:
            r += ["–", "–"]
        r += [
            num(
                L.mio_value(ds["difference_mean"].values[k]), "difference_mean", ds["difference_mean"].values[k], year=y
            )
        ]
        r += [
            num(L.mio_value(q[k]), "difference_quantile", q[k], year=y, quantile=lv)
            for q, lv in ((q10, 0.1), (q50, 0.5), (q90, 0.9))
        ]
        both = float(ds["target_a"].values[k]) > 0 and float(ds["target_b"].values[k]) > 0
        for var in ("p_b_greater", "p_only_b_reaches_target", "p_only_a_reaches_target"):
            # a year without a target for A or B: "reaches its target" says nothing there
            r.append(
                num(L.pct(ds[var].values[k]), var, ds[var].values[k], year=y) if both or var == "p_b_greater" else "–"
            )
        for s in "ab":
            t = float(ds[f"target_{s}"].values[k])
            p = float(ds[f"p_target_{s}"].values[k])
            r.append(num(L.pct(p), f"p_target_{s}", p, year=y) if t > 0 else esc(L("no_target_short")))
        rows.append(r)
        classes.append("hl" if y == c.ty else "")
    cap = f'<p class="caption">{esc(L("cmp_years_caption", unit=L("mio_year")))}</p>'
    return cap + table([esc(h) for h in head], rows, set(range(1, len(head))), classes).replace(
        "<table>", '<table class="years">', 1
    )


def _initiatives(c: Cmp, top: int = 15) -> str:
    L, ds, ti, ty = c.L, c.ds, c.ti, c.ty
    out = ""
    d = np.asarray(ds["initiative_benefit_mean_difference"].values, dtype=float)
    if d.size:
        order = [k for k in np.argsort(-np.abs(d[:, ti]), kind="stable") if d[k, ti] != 0][:top]
        if order:
            ids = [str(i) for i in ds["initiative"].values]
            names = [str(n) for n in ds["initiative_name"].values] if "initiative_name" in ds.coords else ids
            ma = np.asarray(ds["initiative_benefit_mean_a"].values, dtype=float)
            mb = np.asarray(ds["initiative_benefit_mean_b"].values, dtype=float)
            rows = [
                [
                    f'<span title="{esc(ids[k])}">{esc(names[k])}</span>',
                    L.mio_value(ma[k, ti]),
                    L.mio_value(mb[k, ti]),
                    num(
                        L.mio_value(d[k, ti]),
                        "initiative_benefit_mean_difference",
                        d[k, ti],
                        initiative=ids[k],
                        year=ty,
                    ),
                ]
                for k in order
            ]
            out += f'<p class="caption">{esc(L("cmp_ini_caption", year=ty, unit=L("mio_year")))}</p>'
            out += table([esc(L("initiative")), "A", "B", "B − A"], rows, {1, 2, 3})
        else:
            out += f'<p class="caption">{esc(L("cmp_ini_none"))}</p>'
    for side in ("a", "b"):
        only = str(ds.attrs.get(f"initiatives_only_in_{side}", "none"))
        if only != "none":
            out += f'<p class="caption">{esc(L("cmp_only_in", side=side.upper(), ids=only))}</p>'
    return out


def render(c: Cmp, figs: dict[str, bytes]) -> str:
    from simengine.outputs.compare_text import notes

    L, ds = c.L, c.ds
    sections: list[tuple[str, str, str]] = []

    def add(sid: str, title: str, body: str) -> None:
        if body:
            sections.append((sid, title, body))

    add(
        "headline",
        L("sec_headline"),
        f'<div class="cards">{_cards(c)}</div><p class="lead">{_lead(c)}</p>' + _side_by_side(c),
    )
    add(
        "distribution",
        L("sec_cmp_dist", year=c.ty),
        figure(figs, "cmp_distribution", L("hist_title", year=c.ty), L("cmp_dist_caption")),
    )
    add("fan", L("sec_cmp_fan"), figure(figs, "cmp_fan", L("sec_cmp_fan"), L("cmp_fan_caption")))
    add(
        "difference",
        L("sec_cmp_diff"),
        figure(figs, "cmp_difference", L("sec_cmp_diff"), L("cmp_diff_caption")) + _years(c),
    )
    add("initiatives", L("sec_initiatives"), _initiatives(c))
    ns = notes(ds, c.lang)
    add("notes", L("sec_cmp_notes"), "".join(f'<p class="caption">{esc(n)}</p>' for n in ns))
    add("method", L("sec_method"), f'<p class="caption">{esc(L("cmp_method"))}</p>')
    who = "".join(
        f'<p class="meta"><span class="side{s.upper()}">{esc(L("cmp_" + s))}</span>: {esc(c.name(s))} · '
        f"{esc(L('meta_scenario', file=c.file(s), sha=str(ds.attrs.get(f'scenario_sha256_{s}', ''))[:12]))}</p>"
        for s in "ab"
    )
    created = str(ds.attrs.get("created", ""))[:16].replace("T", " ")
    draws = L(
        "cmp_meta",
        paired=L.num(int(ds.attrs.get("draws_paired", 0))),
        draws=L.num(int(ds.attrs.get("draws", 0))),
        seed=ds.attrs.get("seed", ""),
    )
    meta = (
        f'<p class="meta">{esc(draws)}'
        f" · {esc(L('meta_created', created=created, version=ds.attrs.get('simengine_version', '')))}</p>"
        f'<p class="meta">{esc(L("meta_units"))}</p>'
    )
    title = f"{L('cmp_title')}: {c.name('a')} – {c.name('b')}"
    toc = " ".join(f'<a href="#{sid}">{esc(t)}</a>' for sid, t, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{esc(t)}</h2>{h}</section>' for sid, t, h in sections)
    foot = esc(f"simengine {ds.attrs.get('simengine_version', '')} · {ds.attrs.get('command', '')}")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{c.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}{EXTRA_CSS}</style></head><body><main>"
        f"<h1>{esc(L('cmp_title'))}</h1>{who}{meta}"
        f'<nav class="toc"><b>{esc(L("contents"))}:</b> {toc}</nav>{body}'
        f"<footer>{foot}</footer></main></body></html>\n"
    )


# -- the workbook ---------------------------------------------------------------------------------
def workbook(c: Cmp) -> bytes:
    import io

    from openpyxl import Workbook

    from simengine.outputs.compare_text import notes
    from simengine.outputs.report.workbook import INT, MIO, PCT, YEAR, Sheet, neutralise

    L, ds, ti, ty = c.L, c.ds, c.ti, c.ty
    wb = Workbook()
    mio = L("mio_year")
    s = Sheet(wb, L("sheet_overview"), first=True)
    s.col(L("item"))
    s.col(L("value"), "GENERAL")
    s.col(L("unit"))
    for side in ("a", "b"):
        s.add([f"{L('wb_scenario')} {side.upper()}", c.name(side), ""])
        s.add([f"{L('wb_file')} {side.upper()}", c.file(side), ""])
        s.add([f"{L('wb_sha')} {side.upper()}", str(ds.attrs.get(f"scenario_sha256_{side}", "")), ""])
    rows: list[tuple[str, object, str | None, str]] = [
        (L("wb_target_year"), ty, YEAR, L("year")),
        (L("wb_draws"), int(ds.attrs.get("draws", 0)), INT, ""),
        (L("cmp_paired_draws"), int(ds.attrs.get("draws_paired", 0)), INT, ""),
        (L("wb_seed"), int(ds.attrs.get("seed", 0)), "0", ""),
    ]
    for side in ("a", "b"):
        S = side.upper()
        rows += [
            (f"{L('target')} {ty} {S}", float(ds[f"target_{side}"].values[ti]) / 1e6, MIO, mio),
            (f"{L('p_target')} {ty} {S}", float(ds[f"p_target_{side}"].values[ti]), PCT, "%"),
            (f"{L('mean')} {ty} {S}", float(ds[f"benefit_mean_{side}"].values[ti]) / 1e6, MIO, mio),
        ]
        if c.has_sides:
            rows += [
                (f"P{round(lv * 100)} {ty} {S}", float(c.band(side, lv)[ti]) / 1e6, MIO, mio) for lv in (0.1, 0.5, 0.9)
            ]
    rows += [(L("cmp_mean_diff", year=ty), float(ds["difference_mean"].values[ti]) / 1e6, MIO, mio)]
    rows += [(f"P{round(lv * 100)} B − A {ty}", float(c.dq(lv)[ti]) / 1e6, MIO, mio) for lv in (0.1, 0.5, 0.9)]
    rows += [(f"P(B > A) {ty}", float(ds["p_b_greater"].values[ti]), PCT, "%")]
    if "npv_difference_mean" in ds:
        rows += [(f"{L('cmp_npv')}, {L('mean').lower()}", float(ds["npv_difference_mean"].values) / 1e6, MIO, L("mio"))]
    rows += [
        (L("wb_created"), str(ds.attrs.get("created", "")), None, ""),
        (L("wb_version"), str(ds.attrs.get("simengine_version", "")), None, ""),
    ]
    for label, v, fmt, unit in rows:
        s.add([label, v, unit], fmts={1: fmt} if fmt else None)
    for n in notes(ds, c.lang):
        s.add([L("sec_cmp_notes"), n, ""])
    s.finish(filter_=False)

    y = Sheet(wb, L("sheet_years"))
    cols = [
        (L("year"), YEAR),
        (f"{L('target')} A", MIO),
        (f"{L('target')} B", MIO),
        (f"{L('mean')} A", MIO),
        (f"{L('mean')} B", MIO),
    ]
    if c.has_sides:
        cols += [(f"P{round(lv * 100)} {s_.upper()}", MIO) for s_ in "ab" for lv in (0.1, 0.5, 0.9)]
    cols += [(f"{L('mean')} B − A", MIO)] + [(f"P{round(lv * 100)} B − A", MIO) for lv in (0.1, 0.5, 0.9)]
    cols += [
        ("P(B > A)", PCT),
        ("P(B < A)", PCT),
        (L("cmp_only_b_col"), PCT),
        (L("cmp_only_a_col"), PCT),
        (f"{L('p_target_short')} A", PCT),
        (f"{L('p_target_short')} B", PCT),
        (L("cmp_net"), MIO),
    ]
    for h, f in cols:
        y.col(h, f)
    for k, yr in enumerate(c.years):
        r: list = [yr] + [
            float(ds[v].values[k]) / 1e6 for v in ("target_a", "target_b", "benefit_mean_a", "benefit_mean_b")
        ]
        if c.has_sides:
            r += [float(c.band(s_, lv)[k]) / 1e6 for s_ in "ab" for lv in (0.1, 0.5, 0.9)]
        r += [float(ds["difference_mean"].values[k]) / 1e6] + [float(c.dq(lv)[k]) / 1e6 for lv in (0.1, 0.5, 0.9)]
        both = float(ds["target_a"].values[k]) > 0 and float(ds["target_b"].values[k]) > 0
        r += [float(ds[v].values[k]) for v in ("p_b_greater", "p_b_less")]
        r += [float(ds[v].values[k]) if both else None for v in ("p_only_b_reaches_target", "p_only_a_reaches_target")]
        r += [float(ds[f"p_target_{s_}"].values[k]) if float(ds[f"target_{s_}"].values[k]) > 0 else None for s_ in "ab"]
        r += [float(ds["net_difference_mean"].values[k]) / 1e6]
        y.add(r, highlight=yr == ty)
    y.finish()

    dsh = Sheet(wb, L("sheet_difference"))
    dsh.col(L("year"), YEAR)
    qs = [float(q) for q in ds["quantile"].values]
    for q in qs:
        dsh.col(f"P{q * 100:g} B − A", MIO)
    for k, yr in enumerate(c.years):
        dsh.add(
            [yr] + [float(ds["difference_quantile"].values[j, k]) / 1e6 for j in range(len(qs))], highlight=yr == ty
        )
    dsh.finish()

    if "committable_a" in ds:
        cm = Sheet(wb, L("sheet_committable"))
        cm.col(L("wb_certainty"), PCT)
        cm.col(L("year"), YEAR)
        for h in ("A", "B", "B − A"):
            cm.col(f"{h} ({mio})", MIO)
        for j, cert in enumerate(float(x) for x in ds["certainty"].values):
            for k, yr in enumerate(c.years):
                va, vb = (float(ds[f"committable_{s_}"].values[j, k]) / 1e6 for s_ in "ab")
                cm.add([cert, yr, va, vb, vb - va], highlight=yr == ty)
        cm.finish(freeze_cols=2)

    ini = Sheet(wb, L("sheet_initiatives"))
    ini.col(L("initiative_id"))
    ini.col(L("initiative"))
    for h in (f"A {ty}", f"B {ty}", f"B − A {ty}", f"B − A {c.years[-1]}"):
        ini.col(f"{h} ({mio})", MIO)
    d = np.asarray(ds["initiative_benefit_mean_difference"].values, dtype=float)
    ids = [str(i) for i in ds["initiative"].values]
    names = [str(n) for n in ds["initiative_name"].values] if "initiative_name" in ds.coords else ids
    for k in np.argsort(-np.abs(d[:, ti]), kind="stable") if d.size else []:
        ini.add(
            [
                ids[k],
                names[k],
                float(ds["initiative_benefit_mean_a"].values[k, ti]) / 1e6,
                float(ds["initiative_benefit_mean_b"].values[k, ti]) / 1e6,
                d[k, ti] / 1e6,
                d[k, -1] / 1e6,
            ]
        )
    ini.finish(freeze_cols=2)
    neutralise(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- building -------------------------------------------------------------------------------------
def build(ds: xr.Dataset, lang: str = "da") -> Files:
    c = Cmp(ds, lang)
    figs = {k: v for k, v in ((name, fn(c)) for name, fn in CHARTS.items()) if v}
    return Files(html=render(c, figs), xlsx=workbook(c))


def build_safe(ds: xr.Dataset, lang: str = "da") -> Files:
    """Like :func:`build`, but a failure costs only its own part (a chart, the page or the workbook)
    and never the comparison's other files; a warning on stderr names it. ``SIMENGINE_DEBUG=1``
    re-raises."""
    if os.environ.get("SIMENGINE_DEBUG"):
        return build(ds, lang)
    from simengine.outputs.report.pagefiles import build_safe as build_parts

    return build_parts(lambda: Cmp(ds, lang), CHARTS, render, workbook, lang, HTML, XLSX)
