"""The negotiation parts of the report (simengine.analysis.negotiate): the headline's committable amounts and
risks, the section "For the negotiation table" (committable amounts, exceedance curve, deduction
analysis, the four deals compared, who controls what), the workbook sheet, and the one-page
negotiation sheet ``negotiation.html`` (A4, printable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np

from simengine.analysis.negotiate import CONTROL_ROWS
from simengine.model.structure import CUT_REGIMES
from simengine.outputs.labels import CAUSE_LABELS, LANGS
from simengine.outputs.report import charts as ch
from simengine.outputs.report.context import Context

SHEET_HTML = "negotiation.html"
MIO = 1e6


def available(ctx: Context) -> bool:
    return "committable" in ctx.ds


def _ci(ds, c: float) -> int:
    cv = np.asarray(ds["certainty"].values, dtype=float)
    return int(np.argmin(np.abs(cv - c)))


def _cause(ctx: Context, key: str, fallback: str) -> str:
    pair = CAUSE_LABELS.get(key)
    return pair[LANGS.index(ctx.lang)] if pair else fallback


def _x(ctx: Context) -> float:
    ds = ctx.ds
    for v in ("deduction_p_cut_above", "p_service_cut_above"):
        if v in ds and "threshold" in ds[v].attrs:
            return float(ds[v].attrs["threshold"])
    return float(ds.attrs.get("cut_threshold", 100e6))


# -- charts -------------------------------------------------------------------------------------
def exceedance_chart(ctx: Context) -> bytes | None:
    """P(gain >= x) in the target year from the kept draws, with the committable amounts."""
    if not available(ctx) or not ctx.has_draws or ctx.benefit is None:
        return None
    L, ds, ti = ctx.L, ctx.ds, ctx.ti
    v = np.sort(ctx.benefit[:, ti]) / MIO
    K = len(v)
    p = (K - np.arange(K)) / K  # P(G >= v_k) for the sorted values
    with matplotlib.rc_context(ch.RC):
        fig = ch._figure(8.5, 3.8)
        ax = fig.add_subplot(1, 1, 1)
        step = max(1, K // 4000)  # steps of 1/K: every step-th one is the same curve at this size
        ax.step(np.r_[v[::step], v[-1]], np.r_[p[::step], p[-1]], where="post", color=ch.BLUE_DARK, lw=2)
        cm = ds["committable"].values[:, ti] / MIO
        ax.plot(
            cm,
            ds["certainty"].values,
            "o",
            color=ch.ORANGE,
            ms=6,
            label=", ".join(L("certainty_col", p=L.pct(c, 0)) for c in ds["certainty"].values),
        )
        t = ctx.target[ti] / MIO
        if t > 0:
            ax.axvline(t, color="black", ls="--", lw=1.2, label=f"{L('target')}: {L.mio(ctx.target[ti])}")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=min(0.0, float(v.min())))
        ax.set_xlabel(L("mio_year"))
        ax.set_ylabel(L("exceed_axis"))
        ax.xaxis.set_major_formatter(ch._num_formatter(L))
        ax.yaxis.set_major_formatter(ch.FuncFormatter(lambda y, _p: L.pct(y, 0)))
        ax.set_title(L("exceed_title", year=ctx.ty), loc="left")
        ax.legend(loc="best", frameon=True, framealpha=0.95)  # never over the curve or the target line
        return ch._png(fig)


def deductions_chart(ctx: Context) -> bytes | None:
    ds = ctx.ds
    if "deduction_p_cut_above" not in ds:
        return None
    L, ti = ctx.L, ctx.ti
    s = np.asarray(ds["deduction"].values, dtype=float)
    x = _x(ctx)
    alpha = float(ds.attrs.get("cut_alpha", 0.1))
    with matplotlib.rc_context(ch.RC):
        fig = ch._figure(11, 4.2)
        ax = fig.add_subplot(1, 2, 1)
        ax.plot(
            s, ds["deduction_p_cut_above"].values[:, ti], "o-", color=ch.RED, lw=2, ms=4, label=L("ded_p", x=L.given(x))
        )
        ax.axhline(alpha, color=ch.GREY, ls=":", lw=1.2, label=L("ded_alpha_line", alpha=L.pct(alpha, 0)))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(L("ded_axis"))
        ax.set_ylabel(L("ded_p_axis"))
        ax.xaxis.set_major_formatter(ch.FuncFormatter(lambda v, _p: L.pct(v, 0)))
        ax.yaxis.set_major_formatter(ch.FuncFormatter(lambda v, _p: L.pct(v, 0)))
        ax.set_title(L("ded_p", x=L.given(x)) + f" ({ctx.ty})", loc="left")
        ax.legend(loc="best", frameon=True, framealpha=0.95)  # the curve rises into the upper left
        ax2 = fig.add_subplot(1, 2, 2)
        for var, col, lab in (
            ("deduction_central_gain_mean", ch.BLUE_DARK, L("central_gain")),
            ("deduction_service_cut_mean", ch.RED, L("ded_cut_mean")),
            ("deduction_local_gain_mean", ch.GREEN, L("ded_local")),
        ):
            ax2.plot(s, ds[var].values[:, ti] / MIO, "o-", color=col, lw=2, ms=4, label=lab)
        ax2.set_xlabel(L("ded_axis"))
        ax2.set_ylabel(L("mio_year"))
        ax2.xaxis.set_major_formatter(ch.FuncFormatter(lambda v, _p: L.pct(v, 0)))
        ax2.yaxis.set_major_formatter(ch._num_formatter(L))
        ax2.set_title(f"{L('mean')} ({ctx.ty})", loc="left")
        ax2.legend(loc="best", frameon=True, framealpha=0.95)
        return ch._png(fig)


# -- shared numbers -----------------------------------------------------------------------------
def deals(ctx: Context) -> list[tuple[str, float, float, float]]:
    """(deal, mean central gain, mean service cut, P(service cut > X)) in the target year."""
    ds, ti = ctx.ds, ctx.ti
    out = []
    if ctx.has_regimes() and "p_service_cut_above" in ds:
        cg, cut = ctx.regime_stat("central_gain", "mean"), ctx.regime_stat("service_cut", "mean")
        for r_i, r in enumerate(ctx.regimes):
            out.append((r, float(cg[r_i, ti]), float(cut[r_i, ti]), float(ds["p_service_cut_above"].values[r_i, ti])))
    if "delivery_central_gain_mean" in ds:
        out.append(
            (
                "delivery",
                float(ds["delivery_central_gain_mean"].values[ti]),
                float(ds["delivery_service_cut_mean"].values[ti]),
                float(ds["delivery_p_cut_above"].values[ti]),
            )
        )
    return out


def control(ctx: Context) -> dict | None:
    from simengine.analysis.negotiate import control_split

    return control_split(ctx.ds)


def top_risks(ctx: Context, k: int = 5) -> list[tuple[str, float]]:
    """The causes that cost the most in the target year (mean, DKK), largest first."""
    ds = ctx.ds
    if "waterfall" not in ds:
        return []
    keys = [str(c) for c in ds["cause"].values]
    names = [str(c) for c in ds["cause_name"].values] if "cause_name" in ds.coords else keys
    vals = np.asarray(ds["waterfall"].values, dtype=float)
    order = [i for i in np.argsort(vals, kind="stable") if keys[i] not in ("plan", "sampling") and vals[i] < 0]
    return [(_cause(ctx, keys[i], names[i]), float(vals[i])) for i in order[:k]]


def _ded_safe(ctx: Context) -> str:
    """The sentence (HTML) giving the largest deduction that keeps P(service cut) within the risk accepted."""
    from simengine.outputs.report.html import esc, num

    L, ds, ti, ty = ctx.L, ctx.ds, ctx.ti, ctx.ty
    safe = float(ds["deduction_max_safe"].values[ti])
    tgt = ctx.target[ti]
    text = L(
        "ded_safe",
        year=ty,
        x=L.given(_x(ctx)),
        alpha=L.pct(float(ds.attrs.get("cut_alpha", 0.1)), 0),
        amount="\x00S",
        share=L.pct(safe / tgt, 0) if tgt > 0 else "–",
    )
    return esc(text).replace("\x00S", num(L.mio(safe), "deduction_max_safe", safe, year=ty))


# -- headline -----------------------------------------------------------------------------------
def headline(ctx: Context) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """(cards, lead sentences as HTML) of the report's first screen."""
    from simengine.analysis.negotiate import out_of_reach
    from simengine.outputs.report.html import esc, num

    L, ds, ti, ty = ctx.L, ctx.ds, ctx.ti, ctx.ty
    j = _ci(ds, 0.9)
    c = float(ds["certainty"].values[j])
    amount = float(ds["committable"].values[j, ti])
    j50 = _ci(ds, 0.5)
    a50 = float(ds["committable"].values[j50, ti])
    tgt = ctx.target[ti]
    x = _x(ctx)
    sentences = []
    commit = esc(L("hl_commit", c=L.pct(c, 0), year=ty, amount="\x001", a50="\x002"))
    commit = commit.replace("\x001", num(L.mio(amount), "committable", amount, year=ty, certainty=c)).replace(
        "\x002", num(L.mio(a50), "committable", a50, year=ty, certainty=float(ds["certainty"].values[j50]))
    )
    sentences.append(commit)
    shares = None
    if tgt > 0:
        shares = [ctx.nat(q)[ti] / tgt for q in (0.1, 0.5, 0.9)]
        sentences.append(
            esc(L("hl_share", year=ty, p10=L.pct(shares[0], 0), p50=L.pct(shares[1], 0), p90=L.pct(shares[2], 0)))
        )
    p_cut = None
    cutting = CUT_REGIMES[0] if CUT_REGIMES else ""  # the regime whose budgets are cut up front
    if "p_service_cut_above" in ds and cutting in [str(r) for r in ds["regime"].values]:
        r = [str(v) for v in ds["regime"].values].index(cutting)
        p_cut = float(ds["p_service_cut_above"].values[r, ti])
        sentences.append(
            esc(L("hl_cut", x=L.given(x), p="\x00P")).replace(
                "\x00P", num(L.pct(p_cut), "p_service_cut_above", p_cut, year=ty, regime=cutting)
            )
        )
    if "deduction_max_safe" in ds:
        sentences.append(_ded_safe(ctx))
    if out_of_reach(ds) and "reach_amount" in ds:
        ra = float(ds["reach_amount"].values[ti])
        sentences.append(
            esc(L("hl_out_of_reach", year=ty, amount="\x00R")).replace(
                "\x00R", num(L.mio(ra), "reach_amount", ra, year=ty)
            )
        )
    s = control(ctx)
    if s is not None and s["municipal"][0] + s["outside"][0] < 0:
        text = L("hl_control", year=s["year"], mun=L.mio(-s["municipal"][0]), out=L.mio(-s["outside"][0]))
        sentences.append(esc(_prior_mark(ctx, "waterfall", text)))
    p = ctx.p_target[ti]
    ptxt = L.pct(p) if tgt > 0 else "–"
    es = ctx.es[ti]
    cards = [
        (
            "",
            L("card_commit", c=L.pct(c, 0), year=ty),
            num(L.mio(amount), "committable", amount, year=ty, certainty=c),
            esc(L("card_p_target", year=ty, p=ptxt)),
        ),
        (
            "bad" if shares is not None and shares[1] < 0.5 else "",
            L("card_share", year=ty),
            ("–" if shares is None else esc(f"{L.pct(shares[1], 0)}")),
            esc(f"P10–P90: {L.pct(shares[0], 0)}–{L.pct(shares[2], 0)}") if shares is not None else "",
        ),
        (
            "bad" if es > 0 else "",
            L("es_card", tail=L.pct(ctx.tail, 0), year=ty),
            num(L.mio(es), "expected_shortfall", es, year=ty),
            esc(f"{L('target')}: {L.mio(tgt)}"),
        ),
        (
            "bad" if p_cut is not None and p_cut > 0.5 else "",
            L("card_cut", x=L.given(x), year=ty),
            num(L.pct(p_cut), "p_service_cut_above", p_cut, year=ty, regime=cutting) if p_cut is not None else "–",
            esc(L.regime(cutting)) if cutting else "",
        ),
    ]
    # an amount in mio. kr. that ends a sentence: one full stop
    return cards, [t.replace("kr..", "kr.").replace("kr.</span>.", "kr.</span>") for t in sentences]


# -- the report section -------------------------------------------------------------------------
def _commit_caption(ctx: Context, key: str) -> str:
    """The committable table's caption, and the note on its bracketed interval when the table has one
    (an update's weighted amounts have no Monte Carlo interval)."""
    L = ctx.L
    text = L(key, unit=L("mio_year"))
    return f"{text} {L('commit_ci_note')}" if "committable_ci_low" in ctx.ds else text


def commit_table(ctx: Context, years=None) -> str:
    from simengine.outputs.report.html import esc, num, table

    L, ds = ctx.L, ctx.ds
    cv = [float(c) for c in ds["certainty"].values]
    years = ctx.years if years is None else years
    head = [L("year"), L("target")] + [L("certainty_col", p=L.pct(c, 0)) for c in cv]
    rows, classes = [], []
    for k, y in enumerate(ctx.years):
        if y not in years:
            continue
        row = [str(y), num(L.mio_value(ctx.target[k]), "target", ctx.target[k], year=y)]
        for j, c in enumerate(cv):
            v = float(ds["committable"].values[j, k])
            cell = num(L.mio_value(v), "committable", v, year=y, certainty=c)
            if y == ctx.ty and "committable_ci_low" in ds:  # the 95 % Monte Carlo interval, in brackets
                cell += (
                    f'<br><span class="gsub">({esc(L.mio_value(ds["committable_ci_low"].values[j, k]))}–'
                    f"{esc(L.mio_value(ds['committable_ci_high'].values[j, k]))})</span>"
                )
            row.append(cell)
        rows.append(row)
        classes.append("hl" if y == ctx.ty else "")
    return table([esc(h) for h in head], rows, set(range(1, len(head))), classes)


def section(ctx: Context, charts: dict[str, bytes]) -> str:
    from simengine.outputs.report.html import esc, figure, num, table

    if not available(ctx):
        return ""
    L, ds, ti, ty = ctx.L, ctx.ds, ctx.ti, ctx.ty
    cv = [float(c) for c in ds["certainty"].values]
    out = f"<h3>{esc(L('commit_title'))}</h3>"
    out += f'<p class="caption">{esc(_commit_caption(ctx, "commit_caption"))}</p>' + commit_table(ctx)
    # the target year: realised, net and potential; per area
    rows = []
    for var, lab in (
        ("committable", L("wb_realised")),
        ("committable_net", L("net_row")),
        ("committable_potential", L("wb_potential")),
    ):
        if var in ds:
            rows.append(
                [esc(lab)]
                + [
                    num(L.mio_value(ds[var].values[j, ti]), var, ds[var].values[j, ti], year=ty, certainty=c)
                    for j, c in enumerate(cv)
                ]
            )
    names = ctx.area_names()
    for a_i, a in enumerate(str(x) for x in ds["area"].values):
        rows.append(
            [esc(names.get(a, a))] + [L.mio_value(ds["area_committable"].values[j, a_i, ti]) for j in range(len(cv))]
        )
    out += f'<p class="caption">{esc(L("commit_area_caption", year=ty, unit=L("mio_year")))}</p>'
    out += table(
        [esc(f"{L('wb_quantity')} / {L('area')} {ty}")] + [esc(L("certainty_col", p=L.pct(c, 0))) for c in cv],
        rows,
        set(range(1, len(cv) + 1)),
    )
    # the two charts are on screen only: in print the tables carry their numbers (and negotiation.html is the
    # one-page printout of this section)
    out += (
        '<div class="screen-only">'
        + figure(
            charts,
            "exceedance",
            L("exceed_title", year=ty),
            L("exceed_caption", year=ty)
            + (" " + L("sample_note", kept=L.num(ctx.kept), draws=L.num(ctx.draws)) if ctx.sampled else ""),
        )
        + "</div>"
    )
    # deductions
    if "deduction_p_cut_above" in ds:
        x = _x(ctx)
        out += f"<h3>{esc(L('ded_title'))}</h3>"
        out += f'<p class="caption">{esc(L("ded_caption", year=ty, x=L.given(x), unit=L("mio_year")))}</p>'
        out += '<div class="screen-only">' + figure(charts, "deductions", L("ded_title"), "") + "</div>"
        rows = []
        for k, s in enumerate(ds["deduction"].values):
            p = float(ds["deduction_p_cut_above"].values[k, ti])
            rows.append(
                [
                    esc(L.pct(float(s), 0)),
                    L.mio_value(ds["deduction_amount"].values[k, ti]),
                    num(L.pct(p), "deduction_p_cut_above", p, year=ty, deduction=float(s)),
                    L.mio_value(ds["deduction_service_cut_mean"].values[k, ti]),
                    L.mio_value(ds["deduction_central_gain_mean"].values[k, ti]),
                    L.mio_value(ds["deduction_local_gain_mean"].values[k, ti]),
                ]
            )
        head = [
            L("ded_share"),
            L("ded_amount"),
            L("ded_p", x=L.given(x)),
            L("ded_cut_mean"),
            L("central_gain"),
            L("ded_local"),
        ]
        out += table([esc(h) for h in head], rows, set(range(1, 6)))
        if "deduction_max_safe" in ds:
            out += "<p>" + _ded_safe(ctx) + "</p>"
    out += deals_html(ctx)
    out += control_html(ctx)
    return out


def deals_html(ctx: Context) -> str:
    from simengine.outputs.report.html import esc, table

    L, ds, ti, ty = ctx.L, ctx.ds, ctx.ti, ctx.ty
    rows_d = deals(ctx)
    if not rows_d:
        return ""
    x = _x(ctx)
    out = f"<h3>{esc(L('deals_title'))}</h3>"
    if "delivery_central_gain_mean" in ds:
        out += f'<dl class="regimes"><dt>{esc(L("regime_delivery"))}</dt><dd>{esc(L("regime_delivery_desc"))}</dd></dl>'
    out += (
        f'<p class="caption">{esc(L("deals_caption", year=ty, unit=L("mio_year"), x=L.given(x), n=L.num(int(ds.attrs.get("delivery_draws", 0)))))}'
        "</p>"
    )
    rows = [[esc(L.regime(r)), L.mio_value(cg), L.mio_value(cut), esc(L.pct(p))] for r, cg, cut, p in rows_d]
    if "delivery_pair" in ds.coords:
        for k, pair in enumerate(str(v) for v in ds["delivery_pair"].values):
            reg = pair.split("-", 1)[1]
            rows.append(
                [
                    esc(L("delivery_minus", regime=L.regime(reg).lower())),
                    L.num(ds["delivery_central_gain_difference_mean"].values[k, ti] / MIO, 0),
                    L.num(ds["delivery_service_cut_difference_mean"].values[k, ti] / MIO, 0),
                    "",
                ]
            )
    head = [L("deal"), L("central_gain"), L("service_cut"), L("ded_p", x=L.given(x))]
    return out + table([esc(h) for h in head], rows, {1, 2, 3})


def _prior_mark(ctx: Context, name: str, text: str, title: bool = False) -> str:
    """``text`` marked as the forecast before the update when ``name`` was not reweighted (an update's
    results, simengine.outputs.report.update); as it is otherwise."""
    from simengine.outputs.report.update import not_reweighted

    if not not_reweighted(ctx.ds, name):
        return text
    mark = ctx.L("upd_prior_mark")
    return f"{text} ({mark})" if title else f"{mark[0].upper()}{mark[1:]}: {text}"


def control_html(ctx: Context, short: bool = False) -> str:
    from simengine.outputs.report.html import esc, table

    s = control(ctx)
    if s is None:
        return ""
    L = ctx.L
    suffix = "_short" if short else ""
    rows = [[esc(L(k + suffix)), L.mio_value(s[g][0]), L.mio_value(s[g][1])] for k, g in CONTROL_ROWS if g in s]
    caption = "" if short else f'<p class="caption">{esc(L("control_caption", year=s["year"], unit=L("mio_year")))}</p>'
    return f"<h3>{esc(_prior_mark(ctx, 'waterfall', L('control_title'), title=True))}</h3>{caption}" + table(
        [esc(L("cause")), esc(L("mean")), "P50"], rows, {1, 2}
    )


# -- workbook -----------------------------------------------------------------------------------
def workbook_sheet(wb, ctx: Context, Sheet, year_fmt: str, mio_fmt: str) -> None:
    if not available(ctx):
        return
    L, ds = ctx.L, ctx.ds
    s = Sheet(wb, L("sheet_negotiation"))
    s.col(L("wb_quantity"))
    s.col(L("wb_scope"))
    s.col(L("year"), year_fmt)
    s.col(L("wb_certainty"), "0%")
    s.col(L("value"), mio_fmt)  # the unit of every row in the last column: amounts and probabilities share it
    s.col(f"{L('wb_ci_low')} ({L('mio')})", mio_fmt)
    s.col(f"{L('wb_ci_high')} ({L('mio')})", mio_fmt)
    s.col(L("unit"))
    money, prob = L("mio"), L("wb_probability")

    def mio(v: float) -> float:
        v = float(v) / MIO
        return 0.0 if abs(v) < 1e-9 else v  # sums of float32 draws: no 1e-12 where the amount is nil

    cv = [float(c) for c in ds["certainty"].values]
    names = ctx.area_names()
    items = [
        ("committable", L("wb_realised"), None),
        ("committable_net", L("net_row"), None),
        ("committable_potential", L("wb_potential"), None),
        ("area_committable", L("wb_realised"), "area"),
        (
            "municipality_committable",
            _prior_mark(ctx, "municipality_committable", L("wb_realised"), True),
            "municipality",
        ),
    ]
    mun_names = dict(zip((int(c) for c in ds["municipality"].values), ctx.mun_names))
    for var, lab, dim in items:
        if var not in ds:
            continue
        da = ds[var]
        lo, hi = ds.get(f"{var}_ci_low"), ds.get(f"{var}_ci_high")
        units = [None] if dim is None else list(ds[dim].values)
        for u_i, u in enumerate(units):
            scope = (
                L("wb_national")
                if dim is None
                else (names.get(str(u), str(u)) if dim == "area" else f"{u} {mun_names.get(int(str(u)), '')}")
            )
            for k, y in enumerate(ctx.years):
                for j, c in enumerate(cv):
                    idx = (j, k) if dim is None else (j, u_i, k)
                    s.add(
                        [
                            lab,
                            scope,
                            y,
                            c,
                            mio(da.values[idx]),
                            mio(lo.values[idx]) if lo is not None else None,
                            mio(hi.values[idx]) if hi is not None else None,
                            money,
                        ],
                        highlight=(y == ctx.ty),
                    )
    if "deduction_p_cut_above" in ds:
        x = _x(ctx)
        for k, sh in enumerate(ds["deduction"].values):
            for yi, y in enumerate(ctx.years):
                for var, lab in (
                    ("deduction_amount", L("ded_amount")),
                    ("deduction_service_cut_mean", L("ded_cut_mean")),
                    ("deduction_central_gain_mean", L("central_gain")),
                    ("deduction_local_gain_mean", L("ded_local")),
                ):
                    s.add(
                        [
                            lab,
                            f"{L('ded_share')} {L.pct(float(sh), 0)}",
                            y,
                            None,
                            mio(ds[var].values[k, yi]),
                            None,
                            None,
                            money,
                        ]
                    )
                p = float(ds["deduction_p_cut_above"].values[k, yi])
                s.add(
                    [
                        L("ded_p", x=L.given(x)),
                        f"{L('ded_share')} {L.pct(float(sh), 0)}",
                        y,
                        None,
                        None,
                        None,
                        None,
                        prob,
                    ],
                    fmts={4: "0.0%"},
                )
                s.rows[-1][4] = p
    _more_rows(s, ctx, money, prob, mio)
    s.finish(freeze_cols=3)


def _more_rows(s: Any, ctx: Context, money: str, prob: str, mio: Callable[[float], float]) -> None:
    """The rest of the negotiation page's figures, by year: the largest safe up-front deduction, the
    amount reached with a small probability, the deals compared (central gain, service cut, P(service
    cut > X), deduction on delivery and its differences) and who controls what."""
    from simengine.analysis.negotiate import NEGLIGIBLE

    L, ds = ctx.L, ctx.ds
    x = _x(ctx)
    nat = L("wb_national")

    def by_year(label: str, scope: str, values, unit: str = money) -> None:
        for k, y in enumerate(ctx.years):
            v = float(values[k])
            row = [label, scope, y, None, mio(v) if unit == money else v, None, None, unit]
            s.add(row, highlight=(y == ctx.ty), fmts={4: "0.0%"} if unit == prob else None)

    if "deduction_max_safe" in ds:
        alpha = L.pct(float(ds.attrs.get("cut_alpha", 0.1)), 0)
        by_year(L("wb_ded_max_safe", x=L.given(x), alpha=alpha), nat, ds["deduction_max_safe"].values)
    if "reach_amount" in ds:
        by_year(L("wb_reach_amount", p=L.pct(NEGLIGIBLE)), nat, ds["reach_amount"].values)
    deal_vars = []
    if ctx.has_regimes() and "p_service_cut_above" in ds:
        cg, cut = ctx.regime_stat("central_gain", "mean"), ctx.regime_stat("service_cut", "mean")
        pc = ds["p_service_cut_above"].values
        deal_vars += [(L.regime(r), cg[i], cut[i], pc[i]) for i, r in enumerate(ctx.regimes)]
    if "delivery_central_gain_mean" in ds:
        deal_vars.append(
            (
                L("regime_delivery"),
                ds["delivery_central_gain_mean"].values,
                ds["delivery_service_cut_mean"].values,
                ds["delivery_p_cut_above"].values,
            )
        )
    for name, cg_v, cut_v, p_v in deal_vars:
        by_year(f"{L('deal')}: {L('central_gain')} ({L('mean').lower()})", name, cg_v)
        by_year(f"{L('deal')}: {L('service_cut')} ({L('mean').lower()})", name, cut_v)
        by_year(f"{L('deal')}: {L('ded_p', x=L.given(x))}", name, p_v, prob)
    if "delivery_pair" in ds.coords:
        for k, pair in enumerate(str(v) for v in ds["delivery_pair"].values):
            scope = L("delivery_minus", regime=L.regime(pair.split("-", 1)[1]).lower())
            by_year(
                f"{L('deal')}: {L('central_gain')} ({L('mean').lower()})",
                scope,
                ds["delivery_central_gain_difference_mean"].values[k],
            )
            by_year(
                f"{L('deal')}: {L('service_cut')} ({L('mean').lower()})",
                scope,
                ds["delivery_service_cut_difference_mean"].values[k],
            )
    c = control(ctx)
    if c is not None:
        try:
            y = int(c["year"])
        except (TypeError, ValueError):
            y = c["year"]
        for key, group in CONTROL_ROWS:
            for stat, v in ((L("mean").lower(), c[group][0]), ("P50", c[group][1])):
                lab = _prior_mark(ctx, "waterfall", f"{L('control_title')} {L(key + '_short')} ({stat})", True)
                s.add([lab, nat, y, None, mio(v), None, None, money])


# -- the one-page negotiation sheet -------------------------------------------------------------
SHEET_CSS = """
@page{size:A4;margin:10mm 11mm}
*{box-sizing:border-box}
body{margin:0;color:#1b1f24;font:8.8pt/1.28 "Liberation Sans","Noto Sans",Arial,sans-serif}
h1{font-size:15pt;margin:0 0 2pt;color:#13385c}
h2{font-size:10.5pt;margin:8pt 0 3pt;color:#13385c;border-bottom:1.2pt solid #1f4e79;padding-bottom:1pt}
p{margin:3pt 0}
.meta{color:#555;font-size:8pt}
.lead{background:#f6f8fb;border-left:3pt solid #1f4e79;padding:4pt 7pt;margin:5pt 0}
.lead p{margin:2pt 0}
table{border-collapse:collapse;width:100%;font-size:7.9pt;margin:2pt 0;table-layout:fixed}
th,td{overflow-wrap:break-word}
th.n{white-space:normal}
td:first-child,th:first-child{width:34%}
th,td{padding:1.2pt 4pt;border-bottom:0.6pt solid #dde2e8;text-align:left;vertical-align:top}
th{background:#e9eef5;font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.hl td{background:#fff6e0;font-weight:600}
.gsub{font-size:7pt;color:#4a5563;font-weight:400}
.cols{display:flex;gap:10pt}.cols>div{flex:1;min-width:0}
.foot{margin-top:6pt;font-size:7.4pt;color:#666}
"""


def sheet_deduction_rows(shares: np.ndarray, p: np.ndarray, alpha: float, n: int = 6) -> list[int]:
    """The rows of the deduction grid (``shares``, ``p`` their P(service cut > X) in the target year)
    that the one-page sheet shows, at most ``n`` in the grid's order: the two either side of the risk
    limit (the largest share with p <= alpha and the next one, where the risk crosses it), then the
    round shares (50 %, 100 %, 25 %, 75 %, 20 %, 40 %, 60 %, 80 %, in that order), then the others
    from the top."""
    S = len(shares)
    ok = np.nonzero(p <= alpha)[0]
    first: list[int] = []
    if len(ok):
        k = int(ok.max())
        first = [k] + ([k + 1] if k + 1 < S else [])
    elif S:
        first = [0]  # every share is over the limit: the smallest one
    rnd = [k for t in (0.5, 1.0, 0.25, 0.75, 0.2, 0.4, 0.6, 0.8) for k, v in enumerate(shares) if abs(v - t) < 1e-9]
    pick: list[int] = []
    for k in [*first, *rnd, *range(S - 1, -1, -1)]:
        if k not in pick and len(pick) < n:
            pick.append(k)
    return sorted(pick)


def sheet_html(ctx: Context) -> str | None:
    """``negotiation.html``: the headline, the committable amounts by year, the deals compared and the
    largest risks on one A4 page."""
    from simengine.outputs.report.html import esc, table

    if not available(ctx):
        return None
    L, ds, ti, ty = ctx.L, ctx.ds, ctx.ti, ctx.ty
    _cards, sentences = headline(ctx)
    lead = "".join(f"<p>{s}</p>" for s in sentences)
    years = ctx.years
    if len(years) > 12:  # keep one page: the years around the target year
        k0 = max(0, min(ti - 6, len(years) - 12))
        years = years[k0 : k0 + 12]
    commit = commit_table(ctx, years)
    deal_rows = [[esc(L.regime(r)), L.mio_value(cg), L.mio_value(cut), esc(L.pct(p))] for r, cg, cut, p in deals(ctx)]
    x = _x(ctx)
    deals_tbl = (
        table(
            [esc(h) for h in (L("deal"), L("central_gain"), L("service_cut"), L("ded_p_short", x=L.given(x)))],
            deal_rows,
            {1, 2, 3},
        )
        if deal_rows
        else ""
    )
    ded = ""
    if "deduction_p_cut_above" in ds:
        shares = np.asarray(ds["deduction"].values, dtype=float)
        pick = sheet_deduction_rows(
            shares,
            np.asarray(ds["deduction_p_cut_above"].values[:, ti], dtype=float),
            float(ds.attrs.get("cut_alpha", 0.1)),
        )
        rows = [
            [
                esc(L.pct(float(shares[k]), 0)),
                L.mio_value(ds["deduction_amount"].values[k, ti]),
                esc(L.pct(float(ds["deduction_p_cut_above"].values[k, ti]))),
                L.mio_value(ds["deduction_service_cut_mean"].values[k, ti]),
            ]
            for k in pick
        ]
        ded = (
            table(
                [esc(h) for h in (L("ded_share"), L("ded_amount"), L("ded_p_short", x=L.given(x)), L("ded_cut_mean"))],
                rows,
                {1, 2, 3},
            )
            + f'<p class="meta">{esc(L("ded_sheet_note"))}</p>'
        )

    risks = top_risks(ctx)
    risk_tbl = (
        table([esc(L("cause")), esc(f"{L('mean')}, {L('mio')}")], [[esc(n), L.mio_value(v)] for n, v in risks], {1})
        if risks
        else ""
    )
    ctrl = control_html(ctx, short=True).replace("<h3>", "<h2>").replace("</h3>", "</h2>")
    name = str(ds.attrs.get("scenario", ""))
    note = L("neg_sheet_note", draws=L.num(ctx.draws), seed=ctx.seed)
    from simengine.outputs.report.update import notice

    upd = notice(ds, L, short=True)  # an updated forecast says so, and what is before the update
    if upd:
        note = f"{note} {upd}"
    sc = ctx.sc.scenario  # its description says what the scenario is (a reconstruction with hindsight, ex ante)
    if sc is not None and getattr(sc, "description", ""):
        from simengine.outputs.report.html import _description

        note = f"{_description(sc, ctx.lang)} {note}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{ctx.lang}"><head><meta charset="utf-8"><title>{esc(L("neg_sheet_title"))}: {esc(name)}</title>'
        f"<style>{SHEET_CSS}</style></head><body>"
        f"<h1>{esc(L('neg_sheet_title'))}: {esc(name)}</h1>"
        f'<p class="meta">{esc(note)}</p>'
        f'<div class="lead">{lead}</div>'
        f"<h2>{esc(L('commit_title'))}</h2>"
        f'<p class="meta">{esc(_commit_caption(ctx, "commit_sheet_note"))}</p>{commit}'
        f'<div class="cols"><div><h2>{esc(L("deals_title"))} ({ty})</h2>{deals_tbl}</div>'
        f"<div><h2>{esc(L('ded_title'))} ({ty})</h2>{ded}</div></div>"
        f'<div class="cols"><div><h2>{esc(_prior_mark(ctx, "waterfall", L("neg_sheet_risks", year=ty), True))}</h2>'
        f"{risk_tbl}</div>"
        f"<div>{ctrl}</div></div>"
        f'<p class="foot">{esc(str(ds.attrs.get("command", "")))}</p>'
        "</body></html>\n"
    )
