"""``report.html``: one self-contained page (inline CSS, images as data: URIs, no script, no network).

Every headline number is wrapped as ``<span class="num" data-var=... data-year=... data-value=...>``
so that tests (and anyone) can check the text against the Dataset.
"""

from __future__ import annotations

import base64
import html
import math
import struct

import numpy as np

from simengine.messages import render as render_msg
from simengine.outputs.labels import TEXT, by_unit, unit_name, var_label
from simengine.outputs.report import charts as ch
from simengine.outputs.report.assumptions import assumption_sections, run_settings
from simengine.outputs.report.context import Context

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#eef0f3;color:#1b1f24;font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
 "Noto Sans","Liberation Sans",sans-serif}
main{max-width:1120px;margin:0 auto;background:#fff;padding:30px 44px 60px;box-shadow:0 0 12px rgba(0,0,0,.06)}
h1{font-size:27px;line-height:1.25;margin:0 0 6px;color:#13385c}
h2{font-size:21px;margin:46px 0 10px;padding-bottom:5px;border-bottom:2px solid #1f4e79;color:#13385c}
h3{font-size:17px;margin:26px 0 6px;color:#13385c}
p{margin:8px 0}
.meta{color:#555;font-size:13px;margin:2px 0}
.lead{font-size:16.5px;line-height:1.6;background:#f6f8fb;border-left:4px solid #1f4e79;padding:12px 16px;margin:16px 0}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:16px 0 4px}
.card{border:1px solid #d6dde6;border-radius:7px;padding:12px 14px;background:#fafbfd}
.card .lbl{font-size:12.5px;color:#4a5563;text-transform:none}
.card .big{font-size:25px;font-weight:700;color:#1f4e79;line-height:1.25;margin:4px 0 2px;white-space:nowrap}
.card.bad .big{color:#b03a2e}
.card .sub{font-size:12.5px;color:#4a5563}
nav.toc{font-size:13.5px;margin:14px 0 0;padding:8px 12px;background:#f6f8fb;border-radius:6px}
nav.toc a{color:#1f4e79;text-decoration:none;margin-right:14px;white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:10px 0 4px}
th,td{padding:5px 8px;border-bottom:1px solid #e3e7ec;text-align:left;vertical-align:top}
thead th{background:#e9eef5;font-weight:600;border-bottom:2px solid #c9d3df;vertical-align:bottom}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even) td{background:#fafbfc}
tr.group td{background:#eef3f9!important;font-weight:600;border-top:2px solid #c9d3df}
tr.hl td{background:#fff6e0!important;font-weight:600}
.src{font-size:12.5px;color:#3d4650;overflow-wrap:anywhere}
tr.group .src{font-weight:400;color:#1b1f24}
.gsub{font-size:12px;font-weight:400;color:#4a5563}
code{font-size:12px;color:#5a6570;background:#f1f3f6;padding:0 3px;border-radius:3px;overflow-wrap:anywhere}
.print-only{display:none}
figure{margin:18px 0 8px}
figure img{width:100%;height:auto;display:block;border:1px solid #eceff3}
figcaption{font-size:13px;color:#444;margin-top:6px}
.caption{font-size:13px;color:#444}
.warn{background:#fff3cd;border:1px solid #e0c36a;padding:10px 14px;border-radius:6px;margin:10px 0}
dl.regimes{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0;font-size:14px}
dl.regimes dt{font-weight:600}
dl.regimes dd{margin:0}
footer{margin-top:40px;font-size:12px;color:#666;border-top:1px solid #ddd;padding-top:8px}
@media (max-width:800px){.cards{grid-template-columns:repeat(2,1fr)} main{padding:16px}}
@media print{body{background:#fff;font-size:11px} main{box-shadow:none;padding:0;max-width:none} nav.toc{display:none}
 figure,.cards{page-break-inside:avoid} h2{page-break-after:avoid;font-size:16px;margin:18px 0 6px}
 h3{font-size:13px;margin:12px 0 4px} .lead{font-size:12px;padding:6px 10px;margin:8px 0} p{margin:4px 0}
 figure{margin:6px 0} figure img{max-height:66mm;width:auto;max-width:100%;display:block;margin:0 auto}
 table{font-size:9.5px;margin:4px 0} td,th{padding:1px 5px !important} .caption{font-size:9.5px}
 .card{padding:6px 8px} .card .big{font-size:18px} #assumptions{break-before:page} .screen-only{display:none}
 .print-only{display:block}}
@page{size:A4;margin:12mm}
"""


def _description(sc, lang: str) -> str:
    """The scenario's description in the report's language when it gives one (description_da/_en)."""
    return sc.description_in(lang) if hasattr(sc, "description_in") else sc.description


def esc(s) -> str:
    return html.escape(str(s), quote=True)


def num(text: str, var: str, value: float, **keys) -> str:
    """A number the reader sees, tagged with the Dataset variable it comes from."""
    attrs = "".join(f' data-{k}="{esc(v)}"' for k, v in keys.items())
    return f'<span class="num" data-var="{esc(var)}"{attrs} data-value="{float(value)!r}">{esc(text)}</span>'


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    return 0, 0


def img(data: bytes, alt: str, name: str) -> str:
    w, h = png_size(data)
    b64 = base64.b64encode(data).decode("ascii")
    # shown at 2/3 of the pixel size (the charts are drawn at 150 dpi), never wider than the page
    dw, dh = round(w / 1.5), round(h / 1.5)
    return (
        f'<img src="data:image/png;base64,{b64}" alt="{esc(alt)}" data-chart="{esc(name)}" width="{dw}" height="{dh}">'
    )


def figure(charts: dict[str, bytes], name: str, alt: str, caption: str = "") -> str:
    if name not in charts:
        return ""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{img(charts[name], alt, name)}{cap}</figure>"


def table(
    head: list[str],
    rows: list[list[str]],
    num_cols: set[int] = frozenset(),
    row_classes=None,
    head_html: str | None = None,
) -> str:
    """Cells are HTML (escape text before). ``num_cols``: right-aligned numeric columns."""
    if head_html is None:
        head_html = (
            "<tr>"
            + "".join(f'<th class="n">{h}</th>' if k in num_cols else f"<th>{h}</th>" for k, h in enumerate(head))
            + "</tr>"
        )
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        if len(row) == 1 and len(head or [0, 0]) > 1:  # a group heading across the table
            span = len(head) if head else max((len(x) for x in rows), default=1)
            body.append(f'<tr{cls}><td colspan="{span}">{row[0]}</td></tr>')
            continue
        body.append(
            f"<tr{cls}>"
            + "".join(f'<td class="n">{c}</td>' if k in num_cols else f"<td>{c}</td>" for k, c in enumerate(row))
            + "</tr>"
        )
    return f"<table><thead>{head_html}</thead><tbody>{''.join(body)}</tbody></table>"


# ------------------------------------------------------------------------------------------
class Page:
    def __init__(self, ctx: Context, charts: dict[str, bytes]):
        self.ctx = ctx
        self.L = ctx.L
        self.charts = charts
        self.sections: list[tuple[str, str, str]] = []  # (id, title, html)

    def add(self, sid: str, title: str, body: str) -> None:
        if body:
            from simengine.outputs.report import update  # an update's forecast before it, marked

            if sid in update.PRIOR_SECTIONS:
                body = update.prior_note(self.ctx) + body
            self.sections.append((sid, title, body))

    # -- header and headline ----------------------------------------------------------------
    def header(self) -> str:
        ctx, L, ds = self.ctx, self.L, self.ctx.ds
        name = str(ds.attrs.get("scenario", ""))
        created = str(ds.attrs.get("created", ""))[:16].replace("T", " ")
        sha = str(ds.attrs.get("scenario_sha256", ""))[:12]
        desc = ""
        if ctx.sc.scenario is not None and getattr(ctx.sc.scenario, "description", ""):
            desc = f'<p class="meta">{esc(_description(ctx.sc.scenario, ctx.lang))}</p>'
        return (
            f"<h1>{esc(L('title'))}: {esc(name)}</h1>{desc}"
            f'<p class="meta">{esc(L("meta_draws", draws=L.num(ctx.draws), seed=ctx.seed))} · '
            f"{esc(L('meta_created', created=created, version=ds.attrs.get('simengine_version', '')))} · "
            f"{esc(L('meta_scenario', file=ds.attrs.get('scenario_file', ''), sha=sha))}</p>"
            f'<p class="meta">{esc(L("meta_units"))}</p>'
        )

    def headline(self) -> str:
        ctx, L = self.ctx, self.L
        ti, ty = ctx.ti, ctx.ty
        tgt = ctx.target[ti]
        p = ctx.p_target[ti]
        p10, p50, p90 = ctx.nat(0.1)[ti], ctx.nat(0.5)[ti], ctx.nat(0.9)[ti]
        es = ctx.es[ti]
        tail = L.pct(ctx.tail, 0)
        y0 = next((ctx.years[k] for k in range(len(ctx.years)) if ctx.target[k] > 0), ty)
        ptxt = L.pct(p)
        p_note = ""
        if p == 0:
            p_note = L("hl_p_none", draws=L.num(ctx.draws))
        elif p == 1:
            p_note = L("hl_p_all", draws=L.num(ctx.draws))
        share50 = p50 / tgt if tgt > 0 else float("nan")
        qs = {"year": ty}
        parts = [
            esc(L("hl_promise", target="\x00T", year=ty)).replace("\x00T", num(L.mio(tgt), "target", tgt, **qs)),
            esc(L("hl_p", year=ty, p="\x00P", p_note=p_note)).replace("\x00P", num(ptxt, "p_target", p, **qs)),
        ]
        rng = esc(L("hl_range", year=ty, p50="\x001", p50_pct="\x002", p10="\x003", p90="\x004"))
        rng = (
            rng.replace("\x001", num(L.mio(p50), "benefit_quantile", p50, year=ty, quantile=0.5))
            .replace("\x002", esc(L.pct(share50, 0)))
            .replace("\x003", num(L.mio(p10), "benefit_quantile", p10, year=ty, quantile=0.1))
            .replace("\x004", num(L.mio(p90), "benefit_quantile", p90, year=ty, quantile=0.9))
        )
        parts.append(rng)
        parts.append(
            esc(L("hl_es", tail=tail, es="\x00E")).replace("\x00E", num(L.mio(es), "expected_shortfall", es, **qs))
        )
        if ctx.first_year_50 is not None:
            parts.append(esc(L("hl_when", year=ctx.first_year_50)))
        else:
            last = len(ctx.years) - 1
            m = ctx.nat(0.5)[last]
            t_last = ctx.target[last]
            parts.append(
                esc(
                    L("hl_never", year=ctx.years[-1], p50="\x00M", p50_pct=L.pct(m / t_last, 0) if t_last > 0 else "–")
                ).replace("\x00M", num(L.mio(m), "benefit_quantile", m, year=ctx.years[-1], quantile=0.5))
            )
        for o in ctx.observed:
            parts.append(
                esc(
                    L(
                        "hl_observed_potential" if o["potential"] else "hl_observed",
                        year=o["year"],
                        obs="\x00O",
                        where=self.obs_where(o),
                    )
                ).replace("\x00O", num(L.mio(o["value"]), "observed", o["value"], year=o["year"]))
            )
        by_year = " · ".join(
            f"{ctx.years[k]}: " + num(L.pct(ctx.p_target[k]), "p_target", ctx.p_target[k], year=ctx.years[k])
            for k in range(len(ctx.years))
            if ctx.target[k] > 0
        )
        lead = " ".join(parts)
        by_year_html = f"<p><b>{esc(L('p_target'))}, {y0}–{ctx.years[-1]}:</b> {by_year}</p>" if by_year else ""

        cards = [
            (
                "bad" if p < 0.5 else "",
                f"{L('p_target')} {ty}",
                num(ptxt, "p_target", p, **qs),
                esc(p_note.strip(" ()")) if p_note else esc(f"{L('target')}: {L.mio(tgt)}"),
            ),
            (
                "",
                f"{L('median')} {ty}",
                num(L.mio(p50), "benefit_quantile", p50, year=ty, quantile=0.5),
                esc(f"{L.pct(share50, 0)} {L('percent_of_target').split(' ', 1)[1]} {L.mio(tgt)}"),
            ),
            (
                "",
                f"P10–P90 {ty}",
                L.mio_unit(
                    num(L.mio_value(p10), "benefit_quantile", p10, year=ty, quantile=0.1)
                    + "–"
                    + num(L.mio_value(p90), "benefit_quantile", p90, year=ty, quantile=0.9)
                ),
                esc(L("band80")),
            ),
            (
                "bad" if es > 0 else "",
                L("es_card", tail=tail, year=ty),
                num(L.mio(es), "expected_shortfall", es, **qs),
                esc(L("shortfall_mean")) + ": " + esc(L.mio(float(ctx.ds["shortfall_mean"].values[ti])))
                if "shortfall_mean" in ctx.ds
                else "",
            ),
        ]
        if "committable" in ctx.ds:  # the negotiation headline leads (simengine.outputs.report.negotiation)
            from simengine.outputs.report import negotiation

            cards, sentences = negotiation.headline(ctx)
            lead = " ".join(sentences) + " " + lead
        cards_html = "".join(
            f'<div class="card {c}"><div class="lbl">{esc(lbl)}</div><div class="big">{big}</div>'
            f'<div class="sub">{sub}</div></div>'
            for c, lbl, big, sub in cards
        )
        npv = ""
        if "npv_quantile" in ctx.ds:
            nq = ctx.ds["npv_quantile"]
            lv = [float(x) for x in nq["quantile"].values]
            if all(any(abs(a - b) < 1e-9 for a in lv) for b in (0.1, 0.5, 0.9)):
                v = {q: float(nq.sel(quantile=q, method="nearest")) for q in (0.1, 0.5, 0.9)}
                npv = (
                    '<p class="caption">'
                    + esc(
                        L(
                            "npv_line",
                            y0=ctx.years[0],
                            y1=ctx.years[-1],
                            p50=L.mio(v[0.5]),
                            p10=L.mio(v[0.1]),
                            p90=L.mio(v[0.9]),
                        )
                    ).replace("..", ".")
                    + "</p>"
                )
        return (
            f'<div class="cards">{cards_html}</div><p class="lead">{lead}</p>{by_year_html}'
            f"<h3>{esc(L('sec_years'))}</h3>{self.years_table()}{npv}"
        )

    def obs_where(self, o: dict) -> str:
        L = self.L
        r = o["rank"]
        if r >= 1.0:
            return L("obs_above_all")
        if r <= 0.0:
            return L("obs_below_all")
        return L(
            "obs_rank",
            rank=L.pct(r, 0).replace(" %", "").replace("%", "") + ".",
            tail_p=L.pct(o["tail"]) if not math.isnan(o["tail"]) else "–",
        )

    def years_table(self) -> str:
        ctx, L = self.ctx, self.L
        tail = L.pct(ctx.tail, 0)
        obs = {o["year"]: o["value"] for o in ctx.observed if not o["potential"]}
        head = [L("year"), L("target"), "P10", "P50", "P90", L("mean"), L("p_target_short"), L("es_short", tail=tail)]
        if obs:
            head.append(L("observed"))
        q10, q50, q90 = ctx.nat(0.1), ctx.nat(0.5), ctx.nat(0.9)
        rows, classes = [], []
        for k, y in enumerate(ctx.years):
            row = [
                str(y),
                num(L.mio_value(ctx.target[k]), "target", ctx.target[k], year=y),
                num(L.mio_value(q10[k]), "benefit_quantile", q10[k], year=y, quantile=0.1),
                num(L.mio_value(q50[k]), "benefit_quantile", q50[k], year=y, quantile=0.5),
                num(L.mio_value(q90[k]), "benefit_quantile", q90[k], year=y, quantile=0.9),
                num(L.mio_value(ctx.mean[k]), "benefit_mean", ctx.mean[k], year=y),
                (
                    num(L.pct(ctx.p_target[k]), "p_target", ctx.p_target[k], year=y)
                    if ctx.target[k] > 0
                    else esc(L("no_target_short"))
                ),
                num(L.mio_value(ctx.es[k]), "expected_shortfall", ctx.es[k], year=y),
            ]
            if obs:
                row.append(num(L.mio_value(obs[y]), "observed", obs[y], year=y) if y in obs else "")
            rows.append(row)
            classes.append("hl" if y == ctx.ty else "")
        cap = f'<p class="caption">{esc(L("p_table_caption", unit=L("mio_year")))}</p>'
        return cap + table([esc(h) for h in head], rows, set(range(1, len(head))), classes)

    # -- sections ---------------------------------------------------------------------------
    def fan(self) -> str:
        return figure(self.charts, "fan_national", self.L("fan_title"), self.L("fan_caption"))

    def areas(self) -> str:
        ctx, L, ds = self.ctx, self.L, self.ctx.ds
        out = figure(self.charts, "fan_areas", L("sec_areas"), L("areas_caption"))
        ti, ty = ctx.ti, ctx.ty
        names = ctx.area_names()
        q10, q50, q90 = ctx.area(0.1), ctx.area(0.5), ctx.area(0.9)
        mean = ctx.area_mean() if "area_benefit" in ds else None
        at = np.asarray(ds["area_target"].values, dtype=float)
        ap = np.asarray(ds["area_p_target"].values, dtype=float)
        rows = []
        for k, a in enumerate(str(x) for x in ds["area"].values):
            rows.append(
                [
                    esc(names.get(a, a)),
                    L.mio_value(at[k, ti]),
                    L.mio_value(q10[k, ti]),
                    L.mio_value(q50[k, ti]),
                    L.mio_value(q90[k, ti]),
                    L.mio_value(mean[k, ti]) if mean is not None else "–",
                    esc(L.pct(ap[k, ti]) if at[k, ti] > 0 else L("no_target")),
                ]
            )
        head = [L("area"), f"{L('target')} {ty}", "P10", "P50", "P90", L("mean"), f"{L('p_target_short')} {ty}"]
        out += f'<p class="caption">{esc(L("area_table_caption", year=ty, unit=L("mio_year")))}</p>'
        out += table([esc(h) for h in head], rows, {1, 2, 3, 4, 5, 6})
        total, national = float(at[:, ti].sum()), float(ctx.target[ti])
        if national > 0 and abs(total - national) > 5e-3 * national:  # the areas' targets do not add up
            note = L("area_sum_note", sum=L.mio(total), year=ty, target=L.mio(national)).replace("kr..", "kr.")
            out += f'<p class="caption"><b>{esc(note)}</b></p>'
        return out

    def sample_note(self) -> str:
        ctx, L = self.ctx, self.L
        return " " + L("sample_note", kept=L.num(ctx.kept), draws=L.num(ctx.draws)) if ctx.sampled else ""

    def distribution(self) -> str:
        ctx, L = self.ctx, self.L
        elsewhere = [str(o["year"]) for o in ctx.observed if o["year"] != ctx.ty]
        key = "obs_elsewhere_potential" if ctx.observes_potential else "obs_elsewhere"
        note = " " + L(key, years=", ".join(elsewhere)) if elsewhere and "backtest" in self.charts else ""
        return figure(
            self.charts,
            "target_distribution",
            L("sec_dist", year=ctx.ty),
            L("dist_caption") + note + self.sample_note(),
        )

    def regimes(self) -> str:
        ctx, L = self.ctx, self.L
        if not ctx.has_regimes():
            return ""
        rp = ctx.retention_params()  # the scenario's [regimes] settings a description may name
        params = (
            dict(share=L.share(rp["share"]), years=L.general(rp["years"]), uplift=L.share(rp["uplift"])) if rp else {}
        )
        desc = []
        for r in ctx.regimes:
            if not rp and f"regime_{r}_desc_generic" in TEXT:
                d = L(f"regime_{r}_desc_generic")
            else:
                d = L(f"regime_{r}_desc", **params) if f"regime_{r}_desc" in TEXT else ""
            desc.append(f"<dt>{esc(L.regime(r))}</dt><dd>{esc(d)}</dd>")
        out = f'<dl class="regimes">{"".join(desc)}</dl>'
        out += figure(self.charts, "regimes", L("sec_regimes"), L("regime_caption"))
        ti, ty, y0, y1 = ctx.ti, ctx.ty, ctx.years[0], ctx.years[-1]
        st = {(v, k): ctx.regime_stat(v, k) for v in ("central_gain", "service_cut") for k in ("mean", 0.1, 0.9)}
        rows = []
        for r_i, r in enumerate(ctx.regimes):
            vals = [
                st["central_gain", "mean"][r_i, ti],
                st["central_gain", 0.1][r_i, ti],
                st["central_gain", 0.9][r_i, ti],
                st["service_cut", "mean"][r_i, ti],
                st["service_cut", 0.9][r_i, ti],
                st["central_gain", "mean"][r_i].sum(),
                st["service_cut", "mean"][r_i].sum(),
            ]
            rows.append([esc(L.regime(r))] + [L.mio_value(v) for v in vals])
        tot = L("total_over", y0=y0, y1=y1)
        head_html = (
            f'<tr><th rowspan="2">{esc(L("regime"))}</th>'
            f'<th colspan="3" class="n">{esc(L("central_gain"))} {ty}</th>'
            f'<th colspan="2" class="n">{esc(L("service_cut"))} {ty}</th>'
            f'<th colspan="2" class="n">{esc(tot)}, {esc(L("mean").lower())}</th></tr>'
            f'<tr><th class="n">{esc(L("mean"))}</th><th class="n">P10</th><th class="n">P90</th>'
            f'<th class="n">{esc(L("mean"))}</th><th class="n">P90</th>'
            f'<th class="n">{esc(L("central_gain"))}</th>'
            f'<th class="n">{esc(L("service_cut"))}</th></tr>'
        )
        out += f'<p class="caption">{esc(L("regime_table_caption", year=ty, y0=y0, y1=y1, unit=L("mio")))}</p>' + table(
            [], rows, set(range(1, 8)), head_html=head_html
        )
        return out

    def municipalities(self) -> str:
        ctx, L, ds = self.ctx, self.L, self.ctx.ds
        if "municipality_benefit" not in ds:
            return ""
        ti, ty = ctx.ti, ctx.ty
        out = ""
        *_, tgt, per_inh = ch.municipality_values(ctx)
        n = ds.sizes["municipality"]
        # every municipality on screen; in print the view of what differs (the shortfall against each
        # municipality's own target, below) stands for them
        out += '<div class="screen-only">' + figure(
            self.charts, "municipalities", L("mun_title", year=ty), L("mun_caption", n=n, year=ty)
        )
        if per_inh and len(tgt) and np.allclose(tgt, tgt[0], rtol=1e-6):
            out += f'<p class="caption">{esc(L("mun_target_note", value=L.kr(tgt[0]) + " " + L("kr_inh").split(" ", 1)[1]))}</p>'
        out += "</div>"
        if ctx.population_source == "builtin":
            out += f'<p class="caption">{esc(L("mun_pop_source_builtin"))}</p>'
        elif not per_inh:
            out += f'<p class="caption">{esc(L("mun_no_pop"))}</p>'
        out += figure(self.charts, "top_shortfall", L("top10_title", year=ty))
        out += f'<p class="caption">{esc(L("top10_caption"))}</p>'
        short = np.asarray(ds["municipality_shortfall_mean"].values, dtype=float)[:, ti]
        mt = np.asarray(ds["municipality_target"].values, dtype=float)[:, ti]
        mean = np.asarray(ds["municipality_benefit_mean"].values, dtype=float)[:, ti]
        rel = np.divide(short, mt, out=np.zeros_like(short), where=mt > 0)
        order = np.lexsort((-short, -rel))[:10]  # as the chart: relative to the municipality's own target
        names, regions = ctx.mun_names, ctx.mun_regions
        codes = [int(c) for c in ds["municipality"].values]
        rows = []
        for i in order:
            row = [
                esc(names[i]),
                esc(regions[i]),
                num(L.mio_value(mt[i]), "municipality_target", mt[i], municipality=codes[i], year=ty),
                num(L.mio_value(mean[i]), "municipality_benefit_mean", mean[i], municipality=codes[i], year=ty),
                num(L.mio_value(short[i]), "municipality_shortfall_mean", short[i], municipality=codes[i], year=ty),
                esc(L.pct(short[i] / mt[i], 0) if mt[i] > 0 else "–"),
            ]
            if ctx.population is not None:
                row.append(esc(L.num(short[i] / ctx.population[i], 0)))
            rows.append(row)
        head = [L("municipality"), L("region"), L("mun_target_col"), L("mean"), L("mun_short_col"), L("short_pct_col")]
        if ctx.population is not None:
            head.append(L("short_inh_col"))
        out += (
            f'<div class="screen-only"><p class="caption">{esc(L("mio_year"))}</p>'  # the chart says it in print
            + table([esc(h) for h in head], rows, set(range(2, len(head))))
            + "</div>"
        )
        return out

    def initiatives(self) -> str:
        ctx, L, ds = self.ctx, self.L, self.ctx.ds
        if "initiative_benefit_mean" not in ds:
            return ""
        ti, ty = ctx.ti, ctx.ty
        out = figure(self.charts, "initiatives", L("ini_title", year=ty), L("ini_caption", year=ty))
        ids = [str(i) for i in ds["initiative"].values]
        names = [str(n) for n in ds["initiative_name"].values] if "initiative_name" in ds.coords else ids
        areas = [str(a) for a in ds["initiative_area"].values] if "initiative_area" in ds.coords else [""] * len(ids)
        area_names = ctx.area_names()
        mean = np.asarray(ds["initiative_benefit_mean"].values, dtype=float)
        (q10, l10), (q90, l90) = ctx.ini(0.1), ctx.ini(0.9)
        (g50, _), (g90, _) = ctx.golive(0.5), ctx.golive(0.9)
        facts = ctx.initiative_facts()
        last = len(ctx.years) - 1
        rows, classes = [], []
        current_area = None
        for k in sorted(
            range(len(ids)), key=lambda k: (list(area_names).index(areas[k]) if areas[k] in area_names else 99, k)
        ):
            if areas[k] != current_area:
                current_area = areas[k]
                rows.append([esc(area_names.get(current_area, current_area))])
                classes.append("group")
            f = facts.get(ids[k], {})
            row = [f'<span title="{esc(ids[k])}">{esc(names[k])}</span>']
            if facts:
                row += [L.mio_value(f.get("gain", float("nan"))), str(f.get("start", "–"))]
            row += [
                num(L.mio_value(mean[k, ti]), "initiative_benefit_mean", mean[k, ti], initiative=ids[k], year=ty),
                L.mio_value(q10[k, ti]),
                L.mio_value(q90[k, ti]),
                L.mio_value(mean[k, last]),
                esc(L.month_year(g50[k])),
                esc(L.month_year(g90[k])),
            ]
            rows.append(row)
            classes.append("")
        head = [L("initiative")]
        if facts:
            head += [f"{L('business_case')}", L("planned")]
        head += [
            f"{L('mean')} {ty}",
            f"P{round(l10 * 100)} {ty}",
            f"P{round(l90 * 100)} {ty}",
            f"{L('mean')} {ctx.years[-1]}",
            L("golive_p50"),
            L("golive_p90"),
        ]
        # on screen the table of every initiative; in print the chart stands for it (and summary.xlsx has it)
        out += (
            f'<div class="screen-only"><p class="caption">{esc(L("mio_year"))}. {esc(L("zero_gain_note"))}</p>'
            + table([esc(h) for h in head], rows, set(range(1, len(head))), classes)
            + "</div>"
            + f'<p class="caption print-only">{esc(L("ini_print_note"))}</p>'
        )
        return out

    def tornado(self) -> str:
        if "tornado" not in self.charts:
            return ""
        decile = "decile" in str(self.ctx.ds["tornado_low"].attrs.get("long_name", ""))
        cap = self.L("tornado_caption_decile" if decile else "tornado_caption", year=self.ctx.ty)
        return figure(self.charts, "tornado", self.L("sec_tornado"), cap)

    def waterfall(self) -> str:
        if "waterfall" not in self.charts:
            return ""
        ctx, L = self.ctx, self.L
        out = figure(self.charts, "waterfall", L("sec_waterfall"), L("waterfall_caption", year=ctx.ty))
        start, items, end = ch.waterfall_data(ctx)
        rows = [[esc(L("waterfall_start")), L.num(start / 1e6, 1)]]
        rows += [[esc(lab), L.num(v / 1e6, 1)] for lab, v in items]
        rows += [[f"<b>{esc(L('waterfall_result'))}</b>", f"<b>{L.num(end / 1e6, 1)}</b>"]]
        return out + '<div class="screen-only">' + table([esc(L("cause")), esc(L("mio_year"))], rows, {1}) + "</div>"

    def sensitivity(self) -> str:
        ctx, L, ds = self.ctx, self.L, self.ctx.ds
        if "sensitivity" not in ds:
            return ""
        out = figure(self.charts, "sensitivity", L("sec_sensitivity"), L("sens_caption"))
        da = ctx.at_target_year(ds["sensitivity"])
        if da.ndim == 1 and "input" in da.dims:
            labels = ch._input_labels(da, L, ds)
            v = np.asarray(da.values, dtype=float)
            money = str(ds["sensitivity"].attrs.get("units", "")).startswith("DKK")
            order = np.argsort(-np.abs(v), kind="stable")
            rows = [[esc(labels[k]), L.mio_value(v[k]) if money else esc(L.num(v[k], 2))] for k in order[:20]]
            out += (
                '<div class="screen-only">'
                + table([esc(L("wb_input")), esc(ch.sensitivity_label(ctx))], rows, {1})
                + "</div>"
            )  # in print the chart holds it (and summary.xlsx every input)
        return out

    def mc_error(self) -> str:
        ctx, L, ds = self.ctx, self.L, self.ctx.ds
        rows = []
        method = ""
        pairs = {base: (lo, hi) for base, lo, hi in ctx.ci_pairs() if base in ds}
        if pairs:
            # the national headline numbers first, in the reader's words; then any other scalar pair
            named = [
                ("p_target", None, f"{L('p_target')} {ctx.ty}"),
                ("benefit_mean", None, f"{L('mean')} {ctx.ty} ({L('mio')})"),
            ]
            named += [("benefit_quantile", q, f"P{round(q * 100)} {ctx.ty} ({L('mio')})") for q in (0.1, 0.5, 0.9)]
            named += [
                ("net_benefit_mean", None, f"{L('wb_net')}, {L('mean').lower()} {ctx.ty} ({L('mio')})"),
                ("npv_mean", None, f"NPV, {L('mean').lower()} ({L('mio')})"),
                ("npv_quantile", 0.5, f"NPV, P50 ({L('mio')})"),
            ]
            # the negotiation's figures with their threshold and risk accepted as numbers, as the
            # negotiation section states them (not "the threshold" and "α")
            from simengine.outputs.report.negotiation import _x

            alpha = L.pct(float(ds.attrs.get("cut_alpha", 0.1)), 0)
            if "deduction_max_safe" in pairs:
                u = str(ds["deduction_max_safe"].attrs.get("units", ""))
                named.append(
                    (
                        "deduction_max_safe",
                        None,
                        f"{L('wb_ded_max_safe', x=L.given(_x(ctx)), alpha=alpha)}, {ctx.ty}"
                        + ("" if u in ("", "1") else f" ({unit_name(L, u)})"),
                    )
                )
            if "delivery_p_cut_above" in pairs:
                x = float(ds["delivery_p_cut_above"].attrs.get("threshold", _x(ctx)))
                named.append(
                    ("delivery_p_cut_above", None, f"{L('regime_delivery')}: {L('ded_p', x=L.given(x))}, {ctx.ty}")
                )
            done = set()
            for base, q, label in named + [(b, None, None) for b in pairs]:
                if base not in pairs or (base, q) in done or (label is None and base in {n[0] for n in named}):
                    continue
                done.add((base, q))
                vals = []
                for v in (base, *pairs[base]):
                    da = ctx.at_target_year(ds[v])
                    if q is not None and "quantile" in da.dims:
                        lv = da["quantile"].values
                        hit = np.isclose(lv, q, rtol=0, atol=1e-9)
                        if not hit.any():
                            break
                        da = da.isel(quantile=int(np.argmax(hit)))
                    if da.ndim != 0:
                        break
                    vals.append(float(da))
                if len(vals) != 3:
                    continue
                units = str(ds[base].attrs.get("units", ""))  # every number in the unit its variable says

                def f(x: float, units: str = units) -> str:
                    return by_unit(L, x, units)

                text = label or (
                    f"{var_label(L, base, str(ds[base].attrs.get('long_name', base)))} {ctx.ty}"
                    + ("" if units == "1" else f" ({unit_name(L, units)})")
                )
                rows.append([esc(text)] + [f(x) for x in vals])
            method = L("mc_method_attrs") if ds.attrs.get("mc_error_method") else ""
        if not rows and ctx.has_draws:
            x = ctx.benefit[:, ctx.ti]  # the kept draws: a sample when not every draw was kept
            n = max(ctx.draws, x.size)
            z = 1.96
            p = float(ctx.p_target[ctx.ti])
            den = 1 + z * z / n
            centre = (p + z * z / (2 * n)) / den
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
            rows.append(
                [
                    esc(f"{L('p_target')} {ctx.ty}"),
                    esc(L.pct(p, 2)),
                    esc(L.pct(max(0.0, centre - half), 3)),
                    esc(L.pct(min(1.0, centre + half), 3)),
                ]
            )
            m = float(ctx.mean[ctx.ti])
            s = float(x.std(ddof=1)) if x.size > 1 else 0.0
            rows.append(
                [
                    esc(f"{L('mean')} {ctx.ty} ({L('mio')})"),
                    L.num(m / 1e6, 1),
                    L.num((m - z * s / math.sqrt(n)) / 1e6, 1),
                    L.num((m + z * s / math.sqrt(n)) / 1e6, 1),
                ]
            )
            for q in (0.1, 0.5, 0.9):
                # distribution-free: the order statistics at ranks n*q -/+ z*sqrt(n*q*(1-q)), read off the
                # kept draws at the matching probability levels
                d = z * math.sqrt(q * (1 - q) / n)
                lo_v, hi_v = np.quantile(x, [max(0.0, q - d), min(1.0, q + d)])
                v = ctx.nat(q)[ctx.ti]
                rows.append(
                    [
                        esc(f"P{round(q * 100)} {ctx.ty} ({L('mio')})"),
                        L.num(v / 1e6, 1),
                        L.num(min(v, lo_v) / 1e6, 1),
                        L.num(max(v, hi_v) / 1e6, 1),
                    ]
                )
            method = L("mc_method_computed")
        if not rows:
            return ""
        head = [L("item"), L("estimate"), L("ci_low"), L("ci_high")]
        return f'<p class="caption">{esc(L("mc_caption", draws=L.num(ctx.draws)))} {esc(method)}</p>' + table(
            [esc(h) for h in head], rows, {1, 2, 3}
        )

    def backtest(self) -> str:
        ctx, L = self.ctx, self.L
        if not ctx.observed:
            return ""
        out = figure(self.charts, "backtest", L("sec_backtest"))
        potential = ctx.observes_potential
        note = " " + L("backtest_potential_note") if potential else ""
        out += f'<p class="caption">{esc(L("backtest_caption") + note + self.sample_note())}</p>'
        rows = []
        for o in ctx.observed:
            k = ctx.years.index(o["year"]) if o["year"] in ctx.years else None
            p50 = ctx.observed_p50(o, k) if k is not None else float("nan")
            rows.append(
                [
                    str(o["year"]),
                    num(L.mio_value(o["value"]), "observed", o["value"], year=o["year"]),
                    L.mio_value(p50),
                    num(L.pct(o["rank"]), "observed_rank", o["rank"], year=o["year"]),
                    esc(L.pct(o["tail"])) if not math.isnan(o["tail"]) else "–",
                ]
            )
        obs_head = L("observed_potential") if potential else L("observed")
        head = [L("year"), f"{obs_head} ({L('mio')})", f"P50 ({L('mio')})", L("percentile"), L("tail_prob")]
        return out + table([esc(h) for h in head], rows, {1, 2, 3, 4})

    def assumptions(self) -> str:
        ctx, L = self.ctx, self.L
        info = ctx.sc
        out = ""
        if info.text is None:
            why = render_msg(info.why, ctx.lang)  # type: ignore[arg-type]
            out += f'<p class="warn">{esc(L("ass_missing", file=info.path or "?", why=why))}</p>'
            return out + self._dataset_assumptions()
        if info.status == "changed":
            out += f'<p class="warn">{esc(L("ass_changed", now=info.sha_now[:12], then=str(ctx.ds.attrs.get("scenario_sha256", ""))[:12]))}</p>'
        try:
            sections = assumption_sections(info.text, L, run_settings(ctx.ds))
        except Exception as exc:  # noqa: BLE001 - the file was readable but not TOML any more
            return (
                out
                + f'<p class="warn">{esc(L("ass_missing", file=info.path, why=exc))}</p>'
                + self._dataset_assumptions()
            )
        out += f'<p class="caption">{esc(L("ass_intro", file=info.path))}</p>'
        for s in sections:
            if not s.rows:
                continue
            out += f"<h3>{esc(s.title)}</h3>"
            if s.note:
                out += f'<p class="caption">{esc(s.note)}</p>'
            rows, classes = [], []
            for r in s.rows:
                if r.group:
                    rows.append(
                        [
                            esc(r.label) + f'<div class="gsub">{esc(r.key)}</div>',
                            "",
                            f'<div class="src">{esc(r.source)}</div>',
                        ]
                    )
                    classes.append("group")
                else:
                    rows.append(
                        [
                            esc(r.label) + f"<br><code>{esc(r.key)}</code>",
                            esc(r.value),
                            f'<div class="src">{esc(r.source)}</div>',
                        ]
                    )
                    classes.append("")
            out += table([esc(L("parameter")), esc(L("value")), esc(L("source"))], rows, set(), classes)
        return out

    def _dataset_assumptions(self) -> str:
        """What the Dataset itself says about the promise when the scenario file is gone."""
        ctx, L, ds = self.ctx, self.L, self.ctx.ds
        names = ctx.area_names()
        at = np.asarray(ds["area_target"].values, dtype=float)
        rows = [[esc(names.get(str(a), str(a))), L.mio(at[k, ctx.ti])] for k, a in enumerate(ds["area"].values)]
        return f"<h3>{esc(L('ass_areas'))}</h3>" + table([esc(L("area")), esc(f"{L('target')} {ctx.ty}")], rows, {1})

    def method(self) -> str:
        L, ds = self.L, self.ctx.ds
        items = [L("method_text")]
        hist = str(ds.attrs.get("quantile_method_municipality_initiative", ""))
        if "quantile_method_national" not in ds.attrs and not hist:  # results.nc does not say: the general rule
            items.append(L("method_quantiles"))
        if "quantile_method_national" in ds.attrs:  # in the reader's words, not the attribute's
            items.append(L("method_national"))
        if hist:
            import re

            bins = re.search(r"(\d+) bins per octave", hist)
            err = re.search(r"at most ([\d.]+)%", hist)
            items.append(
                L(
                    "method_histogram",
                    bins=bins.group(1) if bins else "256",
                    err=L.pct(float(err.group(1)) / 100, 2) if err else "0,4 %",
                )
            )
        return "".join(f'<p class="caption">{esc(t)}</p>' for t in items)

    # -- assembly ---------------------------------------------------------------------------
    def render(self) -> str:
        ctx, L = self.ctx, self.L
        from simengine.outputs.report import update  # an updated forecast says so first

        self.add("update", L("sec_update"), update.section(ctx, self.charts))
        self.add("headline", L("sec_headline"), self.headline())
        from simengine.outputs.report import negotiation  # committable amounts, deductions, deals

        self.add("negotiation", L("sec_negotiation"), negotiation.section(ctx, self.charts))
        self.add("fan", L("sec_fan"), self.fan())
        from simengine.outputs.report import potential  # the potential gain beside the realised gain

        self.add("potential", L("sec_potential"), potential.section(ctx, self.charts))
        from simengine.outputs.report import shocks  # with and without the common shocks, same draws

        self.add("shocks", L("sec_shocks"), shocks.section(ctx, self.charts))
        self.add("areas", L("sec_areas"), self.areas())
        self.add("distribution", L("sec_dist", year=ctx.ty), self.distribution())
        self.add("regimes", L("sec_regimes"), self.regimes())
        self.add("municipalities", L("sec_municipalities"), self.municipalities())
        self.add("initiatives", L("sec_initiatives"), self.initiatives())
        self.add("sensitivity", L("sec_sensitivity"), self.sensitivity())
        self.add("tornado", L("sec_tornado"), self.tornado())
        self.add("waterfall", L("sec_waterfall"), self.waterfall())
        self.add("backtest", L("sec_backtest"), self.backtest())
        from simengine.outputs.report import backtest  # a backtest's scores: PIT, CRPS, skill

        self.add("scores", L("sec_scores"), backtest.section(ctx, self.charts))
        self.add("mc", L("sec_mc"), self.mc_error())
        self.add("assumptions", f"{L('appendix')}: {L('sec_assumptions')}", self.assumptions())
        from simengine.outputs.report import investment  # staff freed per krone invested, retention vs realised

        self.add("investment", f"{L('appendix')}: {L('sec_investment')}", investment.section(ctx))
        self.add("method", L("sec_method"), self.method())
        toc = " ".join(f'<a href="#{sid}">{esc(t)}</a>' for sid, t, _ in self.sections)
        body = "".join(f'<section id="{sid}"><h2>{esc(t)}</h2>{h}</section>' for sid, t, h in self.sections)
        title = f"{L('title')}: {ctx.ds.attrs.get('scenario', '')}"
        foot = esc(f"simengine {ctx.ds.attrs.get('simengine_version', '')} · {ctx.ds.attrs.get('command', '')}")
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="{ctx.lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"
            f'{self.header()}<nav class="toc"><b>{esc(L("contents"))}:</b> {toc}</nav>{body}'
            f"<footer>{foot}</footer></main></body></html>\n"
        )


def render(ctx: Context, charts: dict[str, bytes]) -> str:
    return Page(ctx, charts).render()


def failure_page(lang: str, error: str) -> str:
    from simengine.outputs.labels import Labels

    L = Labels(lang)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(L("title"))}</title>'
        f"<style>{CSS}</style></head><body><main><h1>{esc(L('title'))}</h1>"
        f'<p class="warn">{esc(L("report_failed", error=error))}</p></main></body></html>\n'
    )
