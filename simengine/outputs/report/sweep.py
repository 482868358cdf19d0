"""The reader's page and workbook of ``sweep``: ``sweep.html`` (one self-contained page: inline CSS,
charts as data: URIs, no script) and ``sweep.xlsx``, in Danish or English.

Read from the sweep's summary table (one row per variant, target-year figures, the same as
``sweep_summary.parquet``) and ``sweep.nc`` (per variant and year): a chart of each variant's
target-year median with its P10-P90 interval beside its P(target), the medians over time, and the
variant table. Every number in the table is tagged with the summary column it comes from
(``<span class="num" data-var=... data-variant=... data-value=...>``).
"""

from __future__ import annotations

import io
import os
from typing import Any

import matplotlib
import numpy as np
import polars as pl
import xarray as xr

from simengine.model.structure import CUT_REGIMES, SHARING_REGIMES
from simengine.outputs.labels import Labels
from simengine.outputs.report import charts as ch
from simengine.outputs.report.assumptions import money_key
from simengine.outputs.report.html import CSS, esc, figure, num, table
from simengine.outputs.report.pagefiles import PageFiles, queue

_RC: Any = ch.RC  # matplotlib's rc_context wants its own key type
HTML = "sweep.html"
XLSX = "sweep.xlsx"
MAX_CHART = 40  # variants drawn in the charts (the table and workbook hold them all)
#: the variant table has a column per swept key and eleven more: smaller, with the keys' headers broken at their dots
EXTRA_CSS = (
    "table.variants{font-size:0.88em} table.variants th{white-space:normal} "
    "table.variants th,table.variants td{padding:5px 5px}"
)


Files = PageFiles  # the page and the workbook (simengine.outputs.report.pagefiles)


def owns(rel: str) -> bool:
    """The page and workbook an earlier sweep wrote (removed by a commit that does not write them)."""
    return rel in (HTML, XLSX)


def write(w, files: Files) -> None:
    """Queue the files on an AtomicOutputs writer (moved into place with the other files)."""
    queue(w, files, HTML, XLSX)


def _value(v, lang: str = "en", key: str = "") -> str:
    """A swept value in the reader's number format (100.000.000, 0,25), never as 1e+08; an amount
    (``key`` a money key: :func:`swept_number`) in mio. kr."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return Labels(lang).exact(swept_number(key, v))
    return str(v)


def swept_number(key: str, v: float) -> float:
    """A swept number as shown: an amount in DKK (simengine.outputs.report.assumptions.money_key) in
    mio. kr., anything else as written."""
    return v / 1e6 if money_key(key) else v


def swept_head(key: str, L: Labels) -> str:
    """A swept key's column heading: the key, and its unit where its values are amounts."""
    return f"{key} ({L('mio')})" if money_key(key) else key


class Sw:
    def __init__(self, ds: xr.Dataset, table: pl.DataFrame, lang: str):
        self.ds, self.lang, self.L = ds, lang, Labels(lang)
        self.rows = list(table.iter_rows(named=True))
        self.keys = [k.strip() for k in str(ds.attrs.get("swept_keys", "")).split(",") if k.strip()]
        self.keys = [k for k in self.keys if k in table.columns]
        self.years = sorted({int(r["year"]) for r in self.rows})
        self.one_year = len(self.years) == 1

    def short(self, r: dict) -> str:
        """A variant's name in a chart: its values, each key by its last part."""
        return ", ".join(f"{k.rsplit('.', 1)[-1]}={_value(r[k], self.lang, k)}" for k in self.keys) or str(r["label"])


# -- charts ---------------------------------------------------------------------------------------
def variants_chart(s: Sw) -> bytes | None:
    """Per variant: the target-year P50 with its P10-P90 interval and the target; beside it P(target)."""
    rows = s.rows[:MAX_CHART]
    if not rows:
        return None
    L = s.L
    ticks = [ch._short(ch._printable(f"{r['variant']}: {s.short(r)}"), 48) for r in rows]
    n = len(rows)
    ypos = np.arange(n)[::-1]
    p10, p50, p90, tgt, pt = (
        np.array([float(r[k]) for r in rows])
        for k in ("benefit_p10", "benefit_p50", "benefit_p90", "target", "p_target")
    )
    with matplotlib.rc_context(_RC):
        fig = ch._figure(11, ch._row_height(ticks) * n + 1.6)
        gs = fig.add_gridspec(1, 2, width_ratios=(2.2, 1))
        ax = fig.add_subplot(gs[0, 0])
        ax.hlines(ypos, p10 / 1e6, p90 / 1e6, color=ch.BLUE_MID, lw=4, alpha=0.8, label=L("band80"))
        ax.plot(p50 / 1e6, ypos, "o", color=ch.BLUE_DARK, ms=7, label=L("median"), ls="none")
        ax.plot(tgt / 1e6, ypos, "|", color=ch.RED, ms=16, mew=2.2, label=L("target"), ls="none")
        ax.set_yticks(ypos)
        ax.set_yticklabels(ticks, fontsize=9)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlim(left=min(0.0, float(p10.min()) / 1e6))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(L("gain_axis"))
        ax.xaxis.set_major_formatter(ch._num_formatter(L))
        title_year = s.years[0] if s.one_year else ""
        ax.set_title(f"{L('sw_chart_title')} {title_year}".strip(), loc="left", pad=26)
        ch._legend_above(ax)
        ax2 = fig.add_subplot(gs[0, 1], sharey=ax)
        ax2.barh(ypos, pt * 100, color=[ch.RED if p < 0.5 else ch.GREEN for p in pt], height=0.6, alpha=0.85)
        for yy, p in zip(ypos, pt):
            ax2.annotate(
                L.pct(p), xy=(p * 100, yy), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8.5
            )
        ax2.set_xlim(0, 118)
        ax2.tick_params(axis="y", labelleft=False)
        ax2.grid(axis="y", visible=False)
        ax2.set_xlabel(L("p_target_short") + " (%)")
        ax2.set_title(L("sw_p_title"), loc="left", pad=26, fontsize=11)
        return ch._png(fig)


def years_chart(s: Sw) -> bytes | None:
    """The median over the years, one line per variant, with the target path."""
    ds = s.ds
    if "benefit_quantile" not in ds or "year" not in ds["benefit_quantile"].dims:
        return None
    q = ds["quantile"].values
    hit = np.isclose(q, 0.5, rtol=0, atol=1e-9)
    if not hit.any():
        return None
    L = s.L
    med = ds["benefit_quantile"].isel(quantile=int(np.argmax(hit))).transpose("variant", "year")
    years = np.asarray(ds["year"].values, dtype=int)
    rows = s.rows[:MAX_CHART]
    with matplotlib.rc_context(_RC):
        fig = ch._figure(10, 4.8)
        ax = fig.add_subplot()
        cmap = matplotlib.colormaps["viridis"]
        for j, r in enumerate(rows):
            v = np.asarray(med.sel(variant=r["variant"]).values, dtype=float) / 1e6
            ax.plot(
                years,
                v,
                lw=1.8,
                marker="o",
                ms=3,
                color=cmap(j / max(1, len(rows) - 1) * 0.9),
                label=ch._printable(f"{r['variant']}: {s.short(r)}"),
            )
        tg = ds["target"].transpose("variant", "year").values / 1e6
        if np.allclose(tg, tg[0]):
            ax.plot(years, tg[0], color=ch.RED, lw=2, ls="--", label=L("target_path"))
        ch._year_axis(ax, list(years))
        ax.tick_params(axis="x", labelrotation=45 if len(years) > 10 else 0)
        ax.set_ylim(bottom=0)
        ax.set_ylabel(L("gain_axis"))
        ax.yaxis.set_major_formatter(ch._num_formatter(L))
        ax.set_title(L("sw_years_title"), loc="left")
        ax.legend(
            loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8.5, ncol=1 if len(rows) <= 20 else 2
        )
        return ch._png(fig)


CHARTS = {"sweep_variants": variants_chart, "sweep_years": years_chart}


# -- page -----------------------------------------------------------------------------------------
COLS = (
    ("target", "target"),
    ("p_target", "p_target_short"),
    ("benefit_p10", "P10"),
    ("benefit_p50", "P50"),
    ("benefit_p90", "P90"),
    ("benefit_mean", "mean"),
    ("expected_shortfall", "es_short"),
    ("service_cut_mean", "service_cut"),
    (f"central_gain_mean_{SHARING_REGIMES[0]}", "central_gain"),
    ("npv_mean", "sw_npv"),
)


def _head(s: Sw, key: str, label: str) -> str:
    L = s.L
    if label.startswith("P") and label[1:].isdigit():
        return label
    if key == "expected_shortfall":
        tail = s.ds["expected_shortfall"].attrs.get("tail", 0.1) if "expected_shortfall" in s.ds else 0.1
        return L("es_short", tail=L.pct(float(tail), 0))
    return L(label)


def _table(s: Sw) -> str:
    L = s.L
    head = [L("sw_variant")] + s.keys + ([] if s.one_year else [L("year")]) + [_head(s, k, lab) for k, lab in COLS]
    rows = []
    for r in s.rows:
        v = r["variant"]
        cells = [str(v)] + [esc(_value(r[k], s.lang, k)) for k in s.keys] + ([] if s.one_year else [str(r["year"])])
        for k, _ in COLS:
            x = float(r[k])
            if k == "p_target" and float(r["target"]) <= 0:  # no target that year: nothing to reach
                cells.append("–")
                continue
            text = L.pct(x) if k == "p_target" else L.mio_value(x)
            cells.append(num(text, k, x, variant=v))
        rows.append(cells)
    first = 1 + len(s.keys) + (0 if s.one_year else 1)
    pre, ret = L.regime(CUT_REGIMES[0]), L.regime(SHARING_REGIMES[0])
    cap = L("sw_table_caption", unit=L("mio_year"), pre=pre, ret=ret) + " " + L("sw_table_caption_npv", mio=L("mio"))
    cap = f'<p class="caption">{esc(cap)}</p>'
    keyed = set(range(1, 1 + len(s.keys)))  # the swept keys' columns: a key breaks at its dots
    heads = [
        esc(h).replace(".", ".<wbr>") + esc(swept_head(h, L)[len(h) :]) if j in keyed else esc(h)
        for j, h in enumerate(head)
    ]
    return cap + table(heads, rows, set(range(first, len(head)))).replace("<table>", '<table class="variants">', 1)


def _lead(s: Sw) -> str:
    L = s.L
    pt = [float(r["p_target"]) for r in s.rows]
    p50 = [float(r["benefit_p50"]) for r in s.rows]
    lo, hi = int(np.argmin(pt)), int(np.argmax(pt))
    r_lo, r_hi = s.rows[lo], s.rows[hi]
    if L.pct(pt[lo]) == L.pct(pt[hi]):  # the same as shown: no range to speak of
        text = esc(L("sw_lead_same", p="\x001", m_lo="\x003", m_hi="\x004"))
    else:
        text = esc(
            L("sw_lead", lo="\x001", vlo=s.short(r_lo), hi="\x002", vhi=s.short(r_hi), m_lo="\x003", m_hi="\x004")
        )
    return (
        text.replace("\x001", num(L.pct(pt[lo]), "p_target", pt[lo], variant=r_lo["variant"]))
        .replace("\x002", num(L.pct(pt[hi]), "p_target", pt[hi], variant=r_hi["variant"]))
        .replace("\x003", esc(L.mio(min(p50))))
        .replace("\x004", esc(L.mio(max(p50))))
        .replace("kr..", "kr.")
    )  # "... 111 mio. kr." ends the sentence: one full stop


def render(s: Sw, figs: dict[str, bytes]) -> str:
    L, ds = s.L, s.ds
    sections: list[tuple[str, str, str]] = []

    def add(sid: str, title: str, body: str) -> None:
        if body:
            sections.append((sid, title, body))

    many = f'<p class="caption">{esc(L("sw_many", k=MAX_CHART, n=len(s.rows)))}</p>' if len(s.rows) > MAX_CHART else ""
    add(
        "headline",
        L("sec_headline"),
        f'<p class="lead">{_lead(s)}</p>'
        + figure(figs, "sweep_variants", L("sw_chart_title"), L("sw_chart_caption"))
        + many,
    )
    add("variants", L("sec_sw_variants"), _table(s))
    add("years", L("sec_sw_years"), figure(figs, "sweep_years", L("sw_years_title"), L("sw_years_caption")))
    add("method", L("sec_method"), f'<p class="caption">{esc(L("sw_method"))}</p>')
    draws = ds.attrs.get("draws", "")
    created = str(ds.attrs.get("created", ""))[:16].replace("T", " ")
    meta = L(
        "sw_meta",
        n=L.num(len(s.rows)),
        draws=L.num(float(draws)) if isinstance(draws, (int, np.integer)) else draws,
        seed=ds.attrs.get("seed", ""),
    )
    sha = str(ds.attrs.get("scenario_sha256", ""))[:12]
    name = str(ds.attrs.get("scenario", ""))
    title = f"{L('sw_title')}: {name}"
    toc = " ".join(f'<a href="#{sid}">{esc(t)}</a>' for sid, t, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{esc(t)}</h2>{h}</section>' for sid, t, h in sections)
    foot = esc(f"simengine {ds.attrs.get('simengine_version', '')} · {ds.attrs.get('command', '')}")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{s.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}{EXTRA_CSS}</style></head><body><main>"
        f"<h1>{esc(title)}</h1>"
        f'<p class="meta">{esc(meta)} · '
        f"{esc(L('meta_created', created=created, version=ds.attrs.get('simengine_version', '')))}</p>"
        f'<p class="meta">{esc(L("meta_scenario", file=ds.attrs.get("scenario_file", ""), sha=sha))}</p>'
        f'<p class="meta">{esc(L("sw_swept", keys=", ".join(s.keys)))} · {esc(L("meta_units"))}</p>'
        f'<nav class="toc"><b>{esc(L("contents"))}:</b> {toc}</nav>{body}'
        f"<footer>{foot}</footer></main></body></html>\n"
    )


# -- workbook -------------------------------------------------------------------------------------
def workbook(s: Sw) -> bytes:
    from openpyxl import Workbook

    from simengine.outputs.report.workbook import INT, MIO, PCT, YEAR, Sheet, neutralise

    L, ds = s.L, s.ds
    wb = Workbook()
    o = Sheet(wb, L("sheet_overview"), first=True)
    o.col(L("item"))
    o.col(L("value"), "GENERAL")
    for label, v, fmt in (
        (L("wb_scenario"), str(ds.attrs.get("scenario", "")), None),
        (L("wb_file"), str(ds.attrs.get("scenario_file", "")), None),
        (L("wb_sha"), str(ds.attrs.get("scenario_sha256", "")), None),
        (L("sheet_variants"), len(s.rows), INT),
        (L("wb_draws"), ds.attrs.get("draws", ""), INT),
        (L("wb_seed"), ds.attrs.get("seed", ""), "0"),
        (L("sw_swept", keys="").rstrip(": "), ", ".join(s.keys), None),
        (L("wb_created"), str(ds.attrs.get("created", "")), None),
        (L("wb_version"), str(ds.attrs.get("simengine_version", "")), None),
    ):
        o.add([label, v.item() if isinstance(v, np.generic) else v], fmts={1: fmt} if fmt else None)
    o.finish(filter_=False)

    v = Sheet(wb, L("sheet_variants"))
    v.col(L("sw_variant"), INT)
    for k in s.keys:
        v.col(swept_head(k, L), MIO if money_key(k) else None)
    v.col(L("year"), YEAR)
    mio = L("mio_year")
    for k, lab in COLS:
        v.col(
            f"{_head(s, k, lab)}" + ("" if k == "p_target" else f" ({L('mio') if k == 'npv_mean' else mio})"),
            PCT if k == "p_target" else MIO,
        )
    for r in s.rows:
        vals = [
            swept_number(k, r[k]) if isinstance(r[k], (int, float)) and not isinstance(r[k], bool) else _value(r[k])
            for k in s.keys
        ]
        v.add(
            [int(r["variant"])]
            + vals
            + [int(r["year"])]
            + [
                (None if float(r["target"]) <= 0 else float(r[k])) if k == "p_target" else float(r[k]) / 1e6
                for k, _ in COLS
            ]
        )
    v.finish(freeze_cols=1 + len(s.keys))

    if "benefit_quantile" in ds and "year" in ds["benefit_quantile"].dims:
        y = Sheet(wb, L("sheet_years"))
        y.col(L("sw_variant"), INT)
        y.col(L("year"), YEAR)
        y.col(f"{L('target')} ({mio})", MIO)
        q = ds["quantile"].values
        levels = [lv for lv in (0.1, 0.5, 0.9) if np.isclose(q, lv, rtol=0, atol=1e-9).any()]
        for lv in levels:
            y.col(f"P{round(lv * 100)} ({mio})", MIO)
        y.col(f"{L('mean')} ({mio})", MIO)
        y.col(L("p_target_short"), PCT)
        years = [int(x) for x in ds["year"].values]
        for r in s.rows:
            sub = ds.sel(variant=r["variant"])
            for j, yr in enumerate(years):
                row: list[Any] = [int(r["variant"]), yr, float(sub["target"].values[j]) / 1e6]
                row += [
                    float(sub["benefit_quantile"].sel(quantile=q[np.isclose(q, lv, rtol=0, atol=1e-9)][0]).values[j])
                    / 1e6
                    for lv in levels
                ]
                no_target = float(sub["target"].values[j]) <= 0  # empty, as in the run's workbook
                row += [
                    float(sub["benefit_mean"].values[j]) / 1e6,
                    None if no_target else float(sub["p_target"].values[j]),
                ]
                y.add(row)
        y.finish(freeze_cols=2)
    neutralise(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- building -------------------------------------------------------------------------------------
def build(ds: xr.Dataset, table: pl.DataFrame, lang: str = "da") -> Files:
    s = Sw(ds, table, lang)
    figs = {k: v for k, v in ((name, fn(s)) for name, fn in CHARTS.items()) if v}
    return Files(html=render(s, figs), xlsx=workbook(s))


def build_safe(ds: xr.Dataset, table: pl.DataFrame, lang: str = "da") -> Files:
    """Like :func:`build`, but a failure costs only its own part and never the sweep's other files;
    a warning on stderr names it. ``SIMENGINE_DEBUG=1`` re-raises."""
    if os.environ.get("SIMENGINE_DEBUG"):
        return build(ds, table, lang)
    from simengine.outputs.report.pagefiles import build_safe as build_parts

    return build_parts(lambda: Sw(ds, table, lang), CHARTS, render, workbook, lang, HTML, XLSX)
