"""The tables ``run`` prints, in Danish or English (``--lang``), each line at most 80 characters.

Wide tables are split into blocks of columns; long names are wrapped within their column; every
abbreviation (P10, P(target), ES10%, ±) is explained once under the table; budget regimes, causes
and inputs carry the names the report gives them (simengine.outputs.labels).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable

import numpy as np
import xarray as xr

from simengine.analysis.negotiate import CONTROL_ROWS, NEGLIGIBLE, control_split, out_of_reach, target_index
from simengine.model.structure import CUT_REGIMES
from simengine.outputs.labels import Labels, cause_label, initiative_names, input_labels, movement_labels
from simengine.outputs.report.fte import AMOUNT_WORDS_DA

WIDTH = 80

T = {  # key: (Danish, English)
    "draws": ("{draws} træk, seed {seed}", "{draws} draws, seed {seed}"),
    "unit_dkk": ("bruttogevinst i mio. kr. pr. år (faste priser)", "gross gain in mio. DKK/year (fixed prices)"),
    "unit_fte": (
        "frigjorte årsværk (bruttogevinst / {cpf} kr. pr. årsværk)",
        "staff freed in FTE (årsværk; gross gain / {cpf} DKK per FTE)",
    ),
    "year": ("år", "year"),
    "target": ("mål", "target"),
    "mean": ("middel", "mean"),
    "p_target": ("P(mål)", "P(target)"),
    "legend": (
        "P10/P50/P90: gevinsten er med 90/50/10 % sandsynlighed mindst så stor. P(mål): sandsynligheden "
        "for at nå målet (– i år uden mål). ES{short}: forventet manglende gevinst (mål − gevinst) i de "
        "{tail} dårligste udfald.",
        "P10/P50/P90: the gain is at least this with probability 90/50/10%. P(target): the probability "
        "of reaching the target (– in years without a target). ES{short}: expected shortfall (target − "
        "gain) over the worst {tail} of outcomes.",
    ),
    "ci_head": (
        "Monte Carlo-usikkerhed (±, halv bredde af 95 %-intervallet):",
        "Monte Carlo error (±, half-width of the 95% interval):",
    ),
    "ci_legend": (
        "± er den største side af 95 %-intervallet: fraktiler ved ordensstatistikker, P(mål) ved Wilson, "
        "middel ved normaltilnærmelse; grænserne står i results.nc (*_ci_low/*_ci_high).",
        "± is the larger side of the 95% Monte Carlo interval: percentiles by order statistics, "
        "P(target) by Wilson, mean by normal approximation; the bounds are in results.nc "
        "(*_ci_low/*_ci_high).",
    ),
    "observed": (
        "faktisk udfald {year}: {value} {u}, ved {pct}-punktet af den simulerede fordeling",
        "observed {year}: {value} {u}, at the {pct} point of the simulated distribution",
    ),
    "observed_potential": (
        "opgjort potentiale {year}: {value} {u}, ved {pct}-punktet af den simulerede potentielle gevinst "
        "(før lokal realisering)",
        "observed potential {year}: {value} {u}, at the {pct} point of the simulated potential gain "
        "(before local realisation)",
    ),
    "observed_ci": (
        "(rang {r}, 95 %-interval {lo}–{hi}; tosidet haleandel {tail})",
        "(rank {r}, 95% interval {lo}–{hi}; two-sided tail probability {tail})",
    ),
    "regimes": (
        "Budgetmodellerne i {year} (målåret), {u} pr. år, middel over alle træk:",
        "Budget regimes in {year} (the target year), {u}/year, means over all draws:",
    ),
    "regime": ("budgetmodel", "regime"),
    "central": ("til kassen", "central"),
    "cut": ("service", "service"),
    "p_cut": ("P(reduktion)", "P(cut)"),
    "regime_legend": (
        "til kassen: gevinst til kommunekassen; service: servicereduktion; P(reduktion): sandsynligheden "
        "for en servicereduktion over {x} {u}; forskelle: middel [P10, P90], træk for træk.",
        "central: gain to the central budget; service: service cut; P(cut): the probability of a "
        "service cut above {x} {u}; differences: mean [P10, P90], draw by draw.",
    ),
    "mio": ("mio. kr.", "mio. DKK"),
    "fte": ("årsværk", "FTE"),
    "wf_head": (
        "Hvorfor gevinsten i {year} ikke når målet: Shapley-vandfald over {n} årsager ({k} af {N} træk, "
        "samme tilfældige tal), mio. kr. pr. år",
        "Why the {year} gain falls short of the target: Shapley waterfall over {n} causes ({k} of {N} "
        "draws, common random numbers), mio. DKK/year",
    ),
    "wf_target": ("målet", "target"),
    "wf_result": ("= simuleret", "= simulated"),
    "wf_area": (
        "Efter område (middel, mio. kr. pr. år; start = områdets mål i {year}); kolonnerne er årsagerne "
        "nummereret som ovenfor:",
        "By area (mean, mio. DKK/year; start = the area's target in {year}); the columns are the causes "
        "numbered as above:",
    ),
    "wf_ini": (
        "Efter initiativ (middel, mio. kr. pr. år; start = målet × initiativets andel af gevinsterne); "
        "kolonnerne er årsagerne nummereret som ovenfor:",
        "By initiative (mean, mio. DKK/year; start = target × the initiative's share of the gains); the "
        "columns are the causes numbered as above:",
    ),
    "start": ("start", "start"),
    "end": ("= middel", "= mean"),
    "sens_head": (
        "Hvad driver gevinsten i {year} (de {top} vigtigste af {n} input; {k} af {N} træk; median {base} mio. kr.):",
        "What drives the {year} gain (top {top} of {n} inputs; {k} of {N} draws; median {base} mio.):",
    ),
    "input": ("input", "input"),
    "rho": ("Spearman", "Spearman"),
    "low": ("P50 lav", "P50 low"),
    "high": ("P50 høj", "P50 high"),
    "npv_rho": ("NPV-rho", "NPV rho"),
    "sens_legend": (
        "Spearman: rangkorrelation med gevinsten; P50 lav/høj: median gevinst (mio. kr.) når input er i "
        "sin laveste/højeste tiendedel; NPV-rho: rangkorrelation med nutidsværdien.",
        "Spearman: rank correlation with the gain; P50 low/high: median gain (mio.) with the input in "
        "its lowest/highest decile; NPV rho: rank correlation with the NPV.",
    ),
    # -- headline_text, deduction_text, control_text (of simengine.analysis.negotiate's results) -----------
    "commit_head": (
        "Beløb der kan disponeres: det beløb, gevinsten på landsplan når med den angivne sikkerhed "
        "(sandsynlighed), mio. kr. pr. år",
        "Committable: the amount the national gain reaches with the given probability (certainty), mio. DKK/year",
    ),
    "certainty": ("sikkerhed", "certainty"),
    "commit_ci": ("95 %-Monte Carlo-interval i {year}: {items}", "95% Monte Carlo intervals in {year}: {items}"),
    "commit_share": (
        "Realiseret andel af løftet i {year}: P10 {p10}, P50 {p50}, P90 {p90}; forventet manglende "
        "gevinst {es} mio. kr. (middel over de {tail} dårligste træk)",
        "Realised share of the promise in {year}: P10 {p10}, P50 {p50}, P90 {p90}; expected shortfall "
        "{es} mio. DKK (mean over the worst {tail} of draws)",
    ),
    "commit_cut": (
        "Forlods reduktion af målet i {year}: P(servicereduktion > {x} mio. kr.) {p}",
        "Up-front deduction of the target in {year}: P(service cut > {x} mio.) {p}",
    ),
    "commit_safe": (
        "Største forlods reduktion i {year} med P(servicereduktion > {x} mio. kr.) ≤ {a}: {v} mio. kr.",
        "Largest up-front deduction in {year} with P(service cut > {x} mio.) <= {a}: {v} mio. DKK",
    ),
    "of_target": ("({s} af målet)", "({s} of the target)"),
    "out_of_reach": (
        "Målet ligger uden for modellens udfaldsrum: P(mål) < {neg} i alle år; det største beløb med en "
        "ikke-ubetydelig sandsynlighed ({neg}) i {year} er {v} mio. kr.",
        "The target is out of reach of the model's distribution: P(target) < {neg} in every year; the "
        "largest amount with a non-negligible probability ({neg}) in {year} is {v} mio. DKK",
    ),
    "ded_head": (
        "Forlods reduktioner i {year} (andel af målstien), mio. kr. pr. år:",
        "Up-front deductions in {year} (share of the target path), mio. DKK/year:",
    ),
    "ded_share": ("andel", "share"),
    "ded_amount": ("reduktion", "deduction"),
    "ded_p": ("P(reduktion > {x})", "P(cut > {x})"),
    "ded_cut": ("servicered.", "mean cut"),
    "ded_local": ("lokalt", "local"),
    "ded_legend": (
        "andel: forlods reduktion som andel af målet; P(reduktion > {x}): sandsynligheden for en "
        "servicereduktion over {x} mio. kr.; servicered.: forventet servicereduktion; til kassen: gevinst "
        "til kommunekassen; lokalt: bliver i kommunerne. Middel over alle træk; gevinster og reduktioner "
        "er opgjort på landsplan.",
        "share: up-front deduction as a share of the target; P(cut > {x}): the probability of a service "
        "cut above {x} mio. DKK; mean cut: expected service cut; central: gain to the central budget; "
        "local: stays with the municipalities. Means over all draws; gains and cuts are netted "
        "nationally.",
    ),
    "delivery": (
        "Reduktion ved levering: til kassen {c}, forventet servicereduktion {m}, P(reduktion > {x}) {p} ({n} træk)",
        "Deduction on delivery: central {c}, mean cut {m}, P(cut > {x}) {p} ({n} draws)",
    ),
    "control_head": (
        "Hvem styrer den manglende gevinst i {year}? Vandfaldets årsager samlet efter, hvem der kan gøre "
        "noget ved dem (middel, mio. kr. pr. år):",
        "Who controls the shortfall in {year}? The waterfall's causes grouped by who can act on them "
        "(mean, mio. DKK/year):",
    ),
    "control_share": ("({s} af årsagernes sum)", "({s} of the causes' total)"),
    # -- calibration_text (of simengine.analysis.potential's ratios) --------------------------------------------
    "cal_head": (
        "Forholdet mellem realiseret og lovet gevinst (middel bruttogevinst / summen af business cases):",
        "Implied realised/promised ratio (mean gross gain / sum of the business cases):",
    ),
    "cal_realised": ("realiseret", "realised"),
    "cal_potential": ("potentiel", "potential"),
    "cal_band": (
        "kalibreringsbånd {lo}–{hi} i {year}: forholdet er {v}, {verdict}",
        "calibration band {lo}-{hi} in {year}: ratio {v}, {verdict} the band",
    ),
    "cal_inside": ("inden for båndet", "inside"),
    "cal_below": ("UNDER båndet", "BELOW"),
    "cal_above": ("OVER båndet", "ABOVE"),
    "cal_band_years": ("kalibreringsbånd {lo}–{hi}: {met}", "calibration band {lo}-{hi}: {met}"),
    "cal_met": ("nået i {a}–{b}", "met in {a}-{b}"),
    "cal_met_none": ("nået i intet år", "met in no year"),
}


def _t(L: Labels, key: str, **kw) -> str:
    text = T[key][0 if L.lang == "da" else 1]
    return text.format(**kw) if kw else text


def _tu(L: Labels, ds: xr.Dataset, key: str, **kw) -> str:
    """``_t``, in a Dataset of staff freed (``--unit fte``: simengine.outputs.report.fte.fte_view) with
    the Danish words of an amount of money made words of a number of staff, before the text is wrapped
    (in_fte's ``words`` then puts the units, which only shortens a line)."""
    text = _t(L, key, **kw)
    if L.lang == "da" and ds.attrs.get("report_unit") == "fte":
        for a, b in AMOUNT_WORDS_DA:
            text = text.replace(a, b)
    return text


def _n(L: Labels, x: float, decimals: int = 0, sign: bool = False) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    s = L.num(x, decimals)
    return ("+" + s) if sign and round(float(x), decimals) > 0 else s


#: "12 %", "mio. kr.", "mio. DKK", "< 0,1 %": never split
_KEEP = re.compile(r"(?<=\d) (?=%)|(?<=mio\.) (?=kr\.|DKK)|(?<=[<>]) (?=\d)")


def _is(L: Labels, p: float) -> str:
    """``= 47 %`` as the value of a probability; ``< 0,1 %`` / ``> 99,9 %`` near 0 and 1 (Labels.pct: a
    probability is never rounded to 0 or 1)."""
    s = L.pct(p)
    return s if s.startswith(("<", ">")) else f"= {s}"


def _wrap(text: str, indent: str = "", more: str | None = None) -> list[str]:
    """``text`` in lines of at most WIDTH, the first indented by ``indent``, the others by ``more``
    (default ``indent``)."""
    lines = textwrap.wrap(
        _KEEP.sub("\x00", text),
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if more is None else more,
        break_on_hyphens=False,
    )
    return [line.replace("\x00", " ") for line in lines] or [""]


def year_table(years, head: str, rows: list[tuple[str, list[str]]], col_w: int = 8, indent: str = "  ") -> list[str]:
    """Rows of already formatted values, one column per year, in balanced blocks of years that fit
    WIDTH (the row labels repeated in every block)."""
    label_w = max([len(head)] + [len(r[0]) for r in rows])
    per = max(1, (WIDTH - len(indent) - label_w) // (col_w + 1))
    n = len(years)
    n_blocks = max(1, -(-n // per))
    per = max(1, -(-n // n_blocks))
    out: list[str] = []
    for b in range(n_blocks):
        idx = range(b * per, min(n, (b + 1) * per))
        if b:
            out.append("")
        out.append(indent + f"{head:<{label_w}}" + "".join(f" {years[k]!s:>{col_w}}" for k in idx))
        out += [indent + f"{lab:<{label_w}}" + "".join(f" {vals[k]:>{col_w}}" for k in idx) for lab, vals in rows]
    return out


def _cell_lines(label: str, width: int, hyphens: bool = False) -> list[str]:
    """``label`` in lines of at most ``width``; ``hyphens``: an id breaks after a "-" before mid-word."""
    return textwrap.wrap(label, width, break_long_words=True, break_on_hyphens=hyphens) or [""]


def _unit(ds: xr.Dataset, unit: str, L: Labels) -> tuple[float, str, str]:
    """(divisor, description, short unit) of the money columns."""
    if unit == "fte":
        from simengine.analysis.results import _table_unit

        div, _ = _table_unit(ds, "fte")
        if div != 1e6:
            return div, _t(L, "unit_fte", cpf=L.num(div)), _t(L, "fte")
    return 1e6, _t(L, "unit_dkk"), _t(L, "mio")


def format_table(ds: xr.Dataset, unit: str = "dkk", lang: str = "da") -> str:
    """Per year the target, P10/P50/P90 and mean of the national gain, P(target) and ES; then the
    Monte Carlo ± of the same, and the budget regimes in the target year."""
    L = Labels(lang)
    q = ds["quantile"].values
    div, what, u = _unit(ds, unit, L)
    years = [int(y) for y in ds["year"].values]

    def col(var: str, level: float) -> np.ndarray:
        if var in ds and np.any(np.isclose(q, level)):
            return np.asarray(ds[var].sel(quantile=q[np.isclose(q, level)][0]).values, dtype=float)
        return np.full(len(years), np.nan)

    p10, p50, p90 = (col("benefit_quantile", lv) for lv in (0.10, 0.50, 0.90))
    mean, pt = ds["benefit_mean"].values, ds["p_target"].values
    es = ds["expected_shortfall"].values
    tail = L.pct(float(ds["expected_shortfall"].attrs.get("tail", ds.attrs.get("tail", 0.10)) or 0.10), 0)
    tail_short = tail.replace(" ", "")
    heads = [_t(L, "year"), _t(L, "target"), "P10", "P50", "P90", _t(L, "mean"), _t(L, "p_target"), f"ES{tail_short}"]
    widths = [5, 10, 9, 9, 9, 9, 10, 10]
    lines = [
        str(ds.attrs.get("scenario", "")),
        *_wrap(_t(L, "draws", draws=L.num(int(ds.attrs["draws"])), seed=ds.attrs["seed"]) + "; " + what),
        "",
        " ".join(f"{h:>{w}}" for h, w in zip(heads, widths)),
    ]
    for k, y in enumerate(years):
        vals = [
            str(y),
            _n(L, ds["target"].values[k] / div),
            _n(L, p10[k] / div),
            _n(L, p50[k] / div),
            _n(L, p90[k] / div),
            _n(L, mean[k] / div),
            L.pct(float(pt[k])) if ds["target"].values[k] > 0 else "–",  # no target: nothing to reach
            _n(L, es[k] / div),
        ]
        lines.append(" ".join(f"{v:>{w}}" for v, w in zip(vals, widths)))
    lines += _wrap(_t(L, "legend", tail=tail, short=tail_short))
    if "benefit_quantile_ci_low" in ds:

        def half(est: np.ndarray, base: str, level: float | None = None) -> np.ndarray:
            if f"{base}_ci_low" not in ds:
                return np.full(len(years), np.nan)
            if level is None:
                lo, hi = ds[f"{base}_ci_low"].values, ds[f"{base}_ci_high"].values
            else:
                lo, hi = col(f"{base}_ci_low", level), col(f"{base}_ci_high", level)
            return np.maximum(np.asarray(hi, float) - est, est - np.asarray(lo, float))

        h = [
            half(p10, "benefit_quantile", 0.10),
            half(p50, "benefit_quantile", 0.50),
            half(p90, "benefit_quantile", 0.90),
            half(mean, "benefit_mean"),
        ]
        hp = half(pt, "p_target")
        lines += [
            "",
            *_wrap(_t(L, "ci_head")),
            " ".join(
                f"{x:>{w}}"
                for x, w in zip(
                    [_t(L, "year"), "±P10", "±P50", "±P90", "±" + _t(L, "mean"), "±" + _t(L, "p_target")],
                    [5, 10, 10, 10, 10, 11],
                )
            ),
        ]
        for k, y in enumerate(years):
            vals = (
                [str(y)]
                + [_n(L, x[k] / div, 1) for x in h]
                + [L.pct(float(hp[k]), 2) if np.isfinite(hp[k]) and ds["target"].values[k] > 0 else "–"]
            )
            lines.append(" ".join(f"{v:>{w}}" for v, w in zip(vals, [5, 10, 10, 10, 10, 11])))
        lines += _wrap(_t(L, "ci_legend"))
    if "observed" in ds:
        for k, (y, v, r) in enumerate(
            zip(ds["observed_year"].values, ds["observed"].values, ds["observed_rank"].values)
        ):
            key = "observed_potential" if ds["observed"].attrs.get("quantity") == "potential" else "observed"
            text = _t(L, key, year=int(y), value=L.num(v / div), u=u, pct=L.pct(float(r), 0))
            if "observed_rank_ci_low" in ds:
                text += " " + _t(
                    L,
                    "observed_ci",
                    r=L.num(r, 5),
                    lo=L.num(ds["observed_rank_ci_low"].values[k], 5),
                    hi=L.num(ds["observed_rank_ci_high"].values[k], 5),
                    tail=L.num(ds["observed_tail_probability"].values[k], 5),
                )
            lines += _wrap(text)
    if "precision_summary" in ds.attrs:  # run --precision
        lines += _wrap(_precision_line(ds, L))
    lines += _regimes(ds, div, u, L)
    return "\n".join(lines)


def _regimes(ds: xr.Dataset, div: float, u: str, L: Labels) -> list[str]:
    if "central_gain_mean" not in ds or "p_service_cut_above" not in ds:
        return []
    ti = target_index(ds)
    year = int(ds["year"].values[ti])
    x = float(ds["p_service_cut_above"].attrs.get("threshold", ds.attrs.get("cut_threshold", 0.0)))
    lines = [
        "",
        *_wrap(_t(L, "regimes", year=year, u=u)),
        f"  {_t(L, 'regime'):<36} {_t(L, 'central'):>12} {_t(L, 'cut'):>12} {_t(L, 'p_cut'):>13}",
    ]
    for k, r in enumerate(ds["regime"].values):
        name = _cell_lines(L.regime(str(r)), 36)
        cg = float(ds["central_gain_mean"].values[k, ti]) / div
        cut = float(ds["service_cut_mean"].values[k, ti]) / div
        p = L.pct(float(ds["p_service_cut_above"].values[k, ti]))
        lines.append(f"  {name[0]:<36} {_n(L, cg):>12} {_n(L, cut):>12} {p:>13}")
        lines += [f"  {more}" for more in name[1:]]
    qv = ds["quantile"].values
    have = all(np.any(np.isclose(qv, lv)) for lv in (0.1, 0.9)) and "central_gain_difference_quantile" in ds
    for j, pair in enumerate(ds["regime_pair"].values if "regime_pair" in ds.coords else ()):
        b, a = str(pair).split("-", 1)
        parts = []
        for var, label in (("central_gain", _t(L, "central")), ("service_cut", _t(L, "cut"))):
            m = float(ds[f"{var}_difference_mean"].values[j, ti]) / div
            txt = f"{label} {_n(L, m, sign=True)}"
            if have:
                dq = ds[f"{var}_difference_quantile"]
                lo = float(dq.sel(quantile=qv[np.isclose(qv, 0.1)][0]).values[j, ti]) / div
                hi = float(dq.sel(quantile=qv[np.isclose(qv, 0.9)][0]).values[j, ti]) / div
                txt += f" [{_n(L, lo, sign=True)}, {_n(L, hi, sign=True)}]"
            parts.append(txt)
        lines += _wrap(f"{L.regime(b)} − {L.regime(a)}: " + "; ".join(parts), "  ")
    lines += _wrap(_t(L, "regime_legend", x=L.given_value(x) if div == 1e6 else L.num(x / div), u=u))
    return lines


# -- run --explain ---------------------------------------------------------------------------------
def explain_text(ds: xr.Dataset, lang: str = "da", top: int = 12) -> str:
    """The waterfall (national, per area, per initiative) and the inputs that matter most."""
    L = Labels(lang)
    mio = 1e6
    lines: list[str] = []

    def m(x: float) -> float:  # mio., with floating-point dust shown as 0
        return 0.0 if abs(x) < 0.05 * mio else x / mio

    if "waterfall" in ds:
        from simengine.analysis.sensitivity import N_CAUSES

        wf, wp = ds["waterfall"], ds["waterfall_p50"]
        ty = wf.attrs["year"]
        keys = [str(x) for x in ds["cause"].values]
        fallback = [str(x) for x in ds["cause_name"].values] if "cause_name" in ds.coords else keys
        names = [cause_label(L, k, f) for k, f in zip(keys, fallback)]
        lines += _wrap(
            _t(
                L,
                "wf_head",
                year=ty,
                n=N_CAUSES,
                k=L.num(int(wf.attrs["draws"])),
                N=L.num(int(wf.attrs["draws_total"])),
            )
        )
        lines += [
            "",
            f"  {'':<56} {_t(L, 'mean'):>9} {'P50':>9}",
            f"  {_t(L, 'wf_target'):<56} {_n(L, wf.attrs['start'] / mio):>9} {_n(L, wp.attrs['start'] / mio):>9}",
        ]
        for k, name in enumerate(names):
            label = _cell_lines(f"({k + 1}) {name}", 56)
            lines.append(f"  {label[0]:<56} {_n(L, m(wf.values[k]), 1, True):>9} {_n(L, m(wp.values[k]), 1, True):>9}")
            lines += [f"      {more}" for more in label[1:]]
        lines.append(f"  {_t(L, 'wf_result'):<56} {_n(L, wf.attrs['end'] / mio):>9} {_n(L, wp.attrs['end'] / mio):>9}")
        area_names = (
            [str(x) for x in ds["area_name"].values]
            if "area_name" in ds.coords
            else [str(x) for x in ds["area"].values]
        )
        lines += [""] + _wrap(_t(L, "wf_area", year=ty))
        lines += _by_cause(L, area_names, ds["area_waterfall_start"].values, ds["area_waterfall"].values, mio, m)
        ini_names = (
            [str(x) for x in ds["initiative_name"].values]
            if "initiative_name" in ds.coords
            else [str(x) for x in ds["initiative"].values]
        )
        lines += [""] + _wrap(_t(L, "wf_ini"))
        lines += _by_cause(
            L, ini_names, ds["initiative_waterfall_start"].values, ds["initiative_waterfall"].values, mio, m
        )
    elif "waterfall_note" in ds.attrs:
        lines += _wrap(str(ds.attrs["waterfall_note"]))
    if "sensitivity" in ds:
        s = ds["sensitivity"]
        ty = s.attrs.get("year")
        base = float(ds["tornado_base"].values)
        n = ds.sizes["input"]
        labels = input_labels(L, s, initiative_names(ds))
        lines += [""] + _wrap(
            _t(
                L,
                "sens_head",
                year=ty,
                top=min(top, n),
                n=n,
                k=L.num(int(s.attrs.get("draws", 0))),
                N=L.num(int(s.attrs.get("draws_total", 0))),
                base=L.num(base / mio),
            )
        )
        lines.append(
            f"  {_t(L, 'input'):<38} {_t(L, 'rho'):>9} {_t(L, 'low'):>9} {_t(L, 'high'):>9} {_t(L, 'npv_rho'):>8}"
        )
        for k in range(min(top, n)):
            lab = _cell_lines(labels[k], 38)
            lines.append(
                f"  {lab[0]:<38} {_n(L, s.values[k], 3, True):>9} {_n(L, ds['tornado_low'].values[k] / mio):>9} "
                f"{_n(L, ds['tornado_high'].values[k] / mio):>9} "
                f"{_n(L, ds['sensitivity_npv'].values[k], 3, True):>8}"
            )
            lines += [f"    {more}" for more in lab[1:]]
        lines += _wrap(_t(L, "sens_legend"))
    return "\n".join(lines)


def _by_cause(L: Labels, names: list[str], start: np.ndarray, vals: np.ndarray, mio: float, m) -> list[str]:
    """Rows of names, columns of causes (numbered as in the national waterfall), in blocks that fit."""
    label_w, col_w, per_block = 22, 8, 5
    n_causes = vals.shape[1]
    out: list[str] = []
    blocks = [list(range(i, min(i + per_block, n_causes))) for i in range(0, n_causes, per_block)]
    for bi, block in enumerate(blocks):
        last = bi == len(blocks) - 1
        head = f"  {'':<{label_w}}" + (f" {_t(L, 'start'):>{col_w}}" if bi == 0 else "")
        head += "".join(f" {'(' + str(c + 1) + ')':>{col_w}}" for c in block)
        head += f" {_t(L, 'end'):>{col_w}}" if last else ""
        out.append(head)
        for r, name in enumerate(names):
            lab = _cell_lines(name, label_w)
            row = f"  {lab[0]:<{label_w}}" + (f" {_n(L, start[r] / mio):>{col_w}}" if bi == 0 else "")
            row += "".join(f" {_n(L, m(vals[r, c]), 1, True):>{col_w}}" for c in block)
            row += f" {_n(L, (start[r] + vals[r].sum()) / mio):>{col_w}}" if last else ""
            out.append(row)
            out += [f"    {more}" for more in lab[1:]]
        if not last:
            out.append("")
    return out


WROTE = {
    "head": ("skrev {folder} på {s} s:", "wrote {folder} in {s} s:"),
    "head_nt": ("skrev {folder}:", "wrote {folder}:"),
    "one": ("skrev {path}", "wrote {path}"),
    "charts": ("{dir}/ ({n} diagrammer)", "{dir}/ ({n} charts)"),
    "chart": ("{dir}/ (1 diagram)", "{dir}/ (1 chart)"),
}


def wrote_text(out, paths, lang: str = "da", seconds: float | None = None) -> str:
    """The closing line of a command in ``lang``: the folder on one line (it may be longer than the
    terminal), the files it wrote wrapped at 80 columns under it (the charts of a subfolder counted,
    not listed); a single file as one line."""
    import os
    from pathlib import Path

    i = 0 if lang == "da" else 1
    paths = [Path(p) for p in paths]
    if out is None:  # the folder that holds them all
        out = Path(os.path.commonpath([str(p.parent) for p in paths])) if paths else Path(".")
    out = Path(out)
    if len(paths) == 1 and seconds is None:
        return WROTE["one"][i].format(path=paths[0])
    top: list[str] = []
    sub: dict[str, int] = {}
    for p in paths:
        try:
            rel = p.relative_to(out)
        except ValueError:
            top.append(str(p))
            continue
        if len(rel.parts) > 1:
            sub[rel.parts[0]] = sub.get(rel.parts[0], 0) + 1
        else:
            top.append(rel.name)
    names = top + [WROTE["chart" if n == 1 else "charts"][i].format(dir=d, n=n) for d, n in sub.items()]
    folder = f"{out}{os.sep}"
    s = "" if seconds is None else (f"{seconds:.1f}".replace(".", ",") if i == 0 else f"{seconds:.1f}")
    head = (
        WROTE["head"][i].format(folder=folder, s=s)
        if seconds is not None
        else WROTE["head_nt"][i].format(folder=folder)
    )
    return (
        head
        + "\n"
        + textwrap.fill(
            ", ".join(names),
            WIDTH,
            initial_indent="  ",
            subsequent_indent="  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
    )


# -- backtest and update (simengine.analysis.scoring, simengine.analysis.update) ------------------------------------
SCORES = {  # key: (Danish, English)
    "bt_title": (
        "{name}: {draws} træk, seed {seed}; {n} observationer fra {file}",
        "{name}: {draws} draws, seed {seed}; {n} observations from {file}",
    ),
    "bt_known": (
        "; de observationer, der blev kendt efter {date}, mod prognosen opdateret på de {k}, der var kendt "
        "til da (effektiv stikprøve {ess} træk)",
        "; those known after {date}, against the forecast updated on the {k} known by then (effective "
        "sample size {ess} draws)",
    ),
    "obs": ("observation", "observation"),
    "observed": ("faktisk", "observed"),
    "refs": (
        "CRPS for prognosen og for referenceprognoserne ({refs}):",
        "CRPS of the forecast and of the reference forecasts ({refs}):",
    ),
    "model": ("prognose", "forecast"),
    "ref": ("ref. {i}", "ref. {i}"),
    "hist": ("PIT-histogram (antal observationer pr. tiendedel): {h}", "PIT histogram (observations per tenth): {h}"),
    "total": ("{unit}: samlet CRPS {v}", "{unit}: total CRPS {v}"),
    "skill": ("skill mod {ref} {v}", "skill vs {ref} {v}"),
    "bt_legend": (
        "faktisk: den observerede værdi. P10/P50/P90: prognosens fraktiler for den observerede størrelse "
        "(gange fejlmodellens bias). PIT: prognosens sandsynlighed for en værdi under den observerede (jævnt "
        "fordelt hos en kalibreret prognose). CRPS: afstanden mellem prognose og observation i "
        "observationens enhed; jo lavere, jo bedre. Skill = 1 − CRPS / referencens CRPS: over 0 er "
        "prognosen bedre end referencen. Beløb i mio. kr. pr. år, go-live som decimalår, udbredelse som "
        "andel.",
        "observed: the observed value. P10/P50/P90: the forecast's percentiles of the observed quantity "
        "(times the error model's bias). PIT: the forecast's probability of a value below the observed "
        "one (uniform for a calibrated forecast). CRPS: the distance between forecast and observation in "
        "the observation's unit; lower is better. Skill = 1 − CRPS / the reference's CRPS: above 0 the "
        "forecast beats the reference. Money in mio. DKK/year, go-live as decimal years, adoption as a "
        "share.",
    ),
    "up_head": (
        "Hvad observationerne kendt {known} lærte modellen (effektiv stikprøve {ess} af {n} beholdte træk)",
        "What the observations known by {known} taught (effective sample size {ess} of {n} kept draws)",
    ),
    "up_gain": (
        "Bruttogevinst på landsplan, mio. kr. pr. år: før → efter opdateringen",
        "National gross gain, mio. DKK/year: prior → posterior",
    ),
    "up_inputs": (
        "Input der flyttede sig ({n} af {N}; middel forskudt eller spredning ændret med mindst {tol} "
        "spredninger før opdateringen): før → efter",
        "Inputs that moved ({n} of {N}; shift of the mean or change of the sd of at least {tol} prior "
        "sds): prior → posterior",
    ),
    "up_none": ("(ingen)", "(none)"),
    "shift": ("skift", "shift"),
    "up_legend": (
        "skift: middelværdiens forskydning målt i spredninger før opdateringen. P(mål): sandsynligheden "
        "for at nå målet.",
        "shift: the mean's shift in prior standard deviations. P(target): the probability of reaching the target.",
    ),
    "up_later": (
        "Score på de {n} observationer, der blev kendt efter {known} (samlet CRPS pr. enhed, før → efter): {pairs}",
        "Scores on the {n} observations known after {known} (total CRPS per unit, prior → posterior): {pairs}",
    ),
}


def _s(L: Labels, key: str, **kw) -> str:
    text = SCORES[key][0 if L.lang == "da" else 1]
    return text.format(**kw) if kw else text


def _precision_line(ds: xr.Dataset, L: Labels) -> str:
    """What run --precision did, in L's language (results.nc keeps the English ``precision_summary``)."""
    import json

    a = ds.attrs
    if L.lang != "da" or "precision_half_widths" not in a:
        return str(a["precision_summary"])
    hw = json.loads(str(a["precision_half_widths"]))

    def pm(key: str, pct: bool) -> str:
        v = float(hw.get(key, math.nan))
        return f"±{L.num(100 * v, 2)} %" if pct else f"±{L.num(v, 4)}"

    parts = f"P10 {pm('p10', True)}, P50 {pm('p50', True)} (relativt), P(mål) {pm('p_target', False)} (absolut)"
    p, n = L.general(float(a["precision"])), L.num(int(a["precision_draws"]))
    if int(a.get("precision_reached", 0)):
        return f"præcision {p} nået efter {n} træk: {parts}"
    return f"præcision {p} IKKE nået: stoppet ved --max-draws {n} træk med {parts}"


def _g(L: Labels, x: float, sig: int = 4, zeros: bool = True) -> str:
    """A number with ``sig`` significant digits in L's style (decimal comma in Danish), trailing zeros
    kept so that a column's numbers have the same precision (1,200 beside 0,8788, not 1,2); with
    ``zeros=False`` a single figure in a sentence, without them (3, 0,25)."""
    if x is None or not np.isfinite(x):
        return "–"
    s = f"{float(x):{'#' if zeros else ''}.{sig}g}"
    if "e" not in s:
        s = s.rstrip(".")
    if "e" not in s and abs(float(x)) >= 1000:
        s = L.num(float(x), 0)
    elif L.lang == "da":
        s = s.replace(".", ",")
    return s.replace("-", "−")


def backtest_text(
    bt: xr.Dataset,
    lang: str = "da",
    name: str = "",
    draws: int = 0,
    seed: int = 0,
    file: str = "",
    known=None,
    conditioned: int = 0,
) -> str:
    """The scores of a backtest (backtest.nc) at most 80 columns wide: per observation the observed
    value, the forecast's P10/P50/P90, PIT and CRPS (what was observed on a line under it), the
    reference forecasts' CRPS in a table of their own, the totals and skill per unit, the PIT
    histogram and what every abbreviation means."""
    from simengine.outputs.report.backtest import pit_text, references, unit_text, value_text, what_text

    L = Labels(lang)
    refs = references(bt)
    n = bt.sizes["observation"]
    lines: list[str] = []
    if name:
        title = _s(L, "bt_title", name=name, draws=L.num(draws), seed=seed, n=n, file=file)
        if known is not None:
            ess = bt.attrs.get("ess")
            title += _s(L, "bt_known", date=known, k=conditioned, ess=_n(L, float(ess)) if ess is not None else "–")
        lines += _wrap(title) + [""]
    w, w_pit = 8, 7  # a value; the PIT ("> 0,999")
    ids = [str(o) for o in bt["observation"].values]
    # the id column as wide as the longest id, within the 80 columns; a longer id wraps after a "-"
    w_id = max(len(_s(L, "obs")), min(max(map(len, ids), default=0), WIDTH - 2 - 5 * (w + 1) - (w_pit + 1)))
    lines.append(
        f"  {_s(L, 'obs'):<{w_id}}"
        + "".join(f" {h:>{w}}" for h in (_s(L, "observed"), "P10", "P50", "P90"))
        + f" {'PIT':>{w_pit}} {'CRPS':>{w}}"
    )
    for k, oid in enumerate(ids):
        u = str(bt["unit"].values[k])
        cells = [
            value_text(L, float(bt[v].values[k]), u) for v in ("value", "forecast_p10", "forecast_p50", "forecast_p90")
        ]
        idl = _cell_lines(oid, w_id, hyphens=True)
        lines.append(
            f"  {idl[0]:<{w_id}}"
            + "".join(f" {c:>{w}}" for c in cells)
            + f" {pit_text(L, float(bt['pit'].values[k])):>{w_pit}}"
            + f" {value_text(L, float(bt['crps'].values[k]), u):>{w}}"
        )
        lines += [f"  {x}" for x in idl[1:]]
        lines += _wrap(f"{what_text(L, bt, k)}; {unit_text(L, u)}", "    ")
    if refs:
        lines += [""] + _wrap(
            _s(L, "refs", refs=", ".join(f"{_s(L, 'ref', i=i + 1)} = {r}" for i, r in enumerate(refs)))
        )
        heads = [_s(L, "model")] + [_s(L, "ref", i=i + 1) for i in range(len(refs))]
        # fewer columns than the table above: the ids as wide as the room left allows
        w_ref = max(w_id, min(max(map(len, ids), default=0), WIDTH - 2 - len(heads) * (w + 2)))
        per = max(1, (WIDTH - 2 - w_ref) // (w + 2))
        for b in range(0, len(heads), per):
            idx = range(b, min(len(heads), b + per))
            lines.append(f"  {'':<{w_ref}}" + "".join(f" {heads[j]:>{w + 1}}" for j in idx))
            for k, oid in enumerate(ids):
                u = str(bt["unit"].values[k])
                vals = [float(bt["crps"].values[k])] + [float(bt[f"crps_{r}"].values[k]) for r in refs]
                idl = _cell_lines(oid, w_ref, hyphens=True)  # the whole id, as in the table above
                lines.append(f"  {idl[0]:<{w_ref}}" + "".join(f" {value_text(L, vals[j], u):>{w + 1}}" for j in idx))
                lines += [f"  {x}" for x in idl[1:]]
    lines.append("")
    for j, g in enumerate(bt["unit_group"].values):
        parts = [_s(L, "total", unit=unit_text(L, str(g)), v=value_text(L, float(bt["crps_total"].values[j]), str(g)))]
        for r in refs:
            v = float(bt[f"skill_{r}"].values[j])
            parts.append(_s(L, "skill", ref=r, v=_n(L, v, 2, sign=True) if np.isfinite(v) else "–"))
        lines += _wrap("; ".join(parts), "  ", "    ")
    lines += _wrap(_s(L, "hist", h=" ".join(str(int(c)) for c in bt["pit_histogram"].values)))
    lines += [""] + _wrap(_s(L, "bt_legend"))
    return "\n".join(lines)


def update_text(
    prior: xr.Dataset, post: xr.Dataset, mv: dict, ess: float, known: str, from_year: int, lang: str = "da"
) -> str:
    """What an update taught, at most 80 columns wide: the national gain's P10/P50/P90 and
    P(target) before and after, per year from ``from_year``; the inputs that moved (their names
    as the report gives them, each on a line above its numbers)."""
    L = Labels(lang)
    years = post["year"].values
    qv = post["quantile"].values

    def col(ds, var, lv):
        k = np.flatnonzero(np.isclose(qv, lv))
        return ds[var].values[k[0]] if len(k) else np.full(len(years), np.nan)

    lines = _wrap(_s(L, "up_head", known=known, ess=_n(L, ess), n=L.num(post.sizes["draw"]))) + [""]
    lines += _wrap(_s(L, "up_gain"))
    lines.append(
        f"  {_t(L, 'year'):>6}" + "".join(f" {h:>17}" for h in ("P10", "P50", "P90")) + f" {_t(L, 'p_target'):>17}"
    )
    for k, y in enumerate(years):
        if y < from_year:
            continue
        cells = [
            f"{_n(L, col(prior, 'benefit_quantile', lv)[k] / 1e6):>7} → "
            f"{_n(L, col(post, 'benefit_quantile', lv)[k] / 1e6):<7}"
            for lv in (0.1, 0.5, 0.9)
        ]
        if "target" in post and float(post["target"].values[k]) <= 0:
            p = "–"  # no target: nothing to reach
        else:
            p = f"{L.pct(float(prior['p_target'].values[k])):>7} → {L.pct(float(post['p_target'].values[k])):<7}"
        lines.append((f"  {int(y):>6}" + "".join(f" {c:>17}" for c in cells) + f" {p:>17}").rstrip())
    sel = np.flatnonzero(mv["moved"])
    lines += [""] + _wrap(
        _s(L, "up_inputs", n=len(sel), N=len(mv["names"]), tol=_g(L, mv["tolerance"], 3, zeros=False))
    )
    names = movement_labels(mv, lang)
    order = sel[np.argsort(-np.abs(mv["shift"][sel]), kind="stable")]
    if len(order):
        lines.append("    " + "".join(f" {h:>19}" for h in (_t(L, "mean"), "P10", "P90")) + f" {_s(L, 'shift'):>7}")
    for k in order:
        v = mv["values"][k]
        lines += _wrap(names[k], "  ", "    ")
        cells = [f"{_g(L, v[a]):>8} → {_g(L, v[b]):<8}" for a, b in ((0, 5), (2, 7), (4, 9))]
        lines.append("    " + "".join(f" {c:>19}" for c in cells) + f" {_n(L, mv['shift'][k], 2, sign=True):>7}")
        lines[-1] = lines[-1].rstrip()
    if not len(sel):
        lines.append("  " + _s(L, "up_none"))
    lines += [""] + _wrap(_s(L, "up_legend"))
    return "\n".join(lines)


def ess_advice(
    ess: float,
    draws: int,
    kept: int,
    drivers: list[tuple[str, float]] | None = None,
    n_inputs: int | None = None,
    lang: str = "en",
) -> str | None:
    """A warning when the effective sample size is too small, with a suggested draw count (the ESS
    of importance weights grows in proportion to the draws). ``drivers``: (observation id, ESS of
    its weights alone), the most informative first; below :data:`ESS_DEGENERATE` the warning says
    that the weights have degenerated and names them. ``n_inputs``: the sampled inputs per draw, to
    say how much memory the suggested draws' kept inputs would take. In ``lang`` (da or en); the
    thresholds are simengine.analysis.update's."""
    from simengine.analysis.update import ESS_DEGENERATE, ESS_MIN, ESS_TARGET, STREAM_INPUTS

    if ess >= ESS_MIN:
        return None
    L = Labels(lang)
    da = lang == "da"
    need = int(math.ceil(kept * ESS_TARGET / max(ess, 1.0) / 1000.0) * 1000)
    if da:
        msg = (
            f"den effektive stikprøve er {L.num(ess)} af {L.num(kept)} beholdte træk, under {L.num(ESS_MIN)}: "
            f"fordelingen efter opdateringen hviler på få træk, og dens fraktiler er usikre; kør omkring "
            f"{L.num(need)} træk (med [simulation] keep_draws mindst lige så stor) for en effektiv stikprøve "
            f"nær {L.num(ESS_TARGET)}"
        )
    else:
        msg = (
            f"effective sample size {ess:,.0f} of {kept:,} kept draws is small (below {ESS_MIN:,}): the posterior "
            f"rests on few draws and its quantiles are uncertain; run about {need:,} draws (with "
            f"[simulation] keep_draws at least as large) for an ESS near {ESS_TARGET:,}"
        )
    if n_inputs:
        size = min(need, STREAM_INPUTS) * n_inputs * 8  # inputs of at most STREAM_INPUTS kept draws
        amount = f"{L.num(size / 1e9, 1)} GB" if size >= 1e9 else f"{L.num(size / 1e6)} MB"
        msg += f" (de gemte input fylder omkring {amount})" if da else f" (their kept inputs take about {amount})"
    if ess < ESS_DEGENERATE:
        msg += (
            "; vægtene er degenererede: observationerne er langt mere præcise end fordelingen før opdateringen "
            "(eller ligger i dens hale), så de nødvendige træk kan være uden for rækkevidde, og den effektive "
            "stikprøve er selv usikker; der er endnu intet sekventielt Monte Carlo-trin (docs/model.md, Scoring "
            "and updating)"
            if da
            else "; the importance weights have degenerated: the observations are far more precise than the prior "
            "(or lie in its tail), so the draws needed may be out of reach and the ESS itself is uncertain; there "
            "is no sequential Monte Carlo step yet (docs/model.md, Scoring and updating)"
        )
        if drivers:
            msg += (
                (
                    "; de observationer, der indsnævrer vægtene mest (hver for sig): "
                    if da
                    else "; the observations that narrow the weights most (ESS of each alone): "
                )
                + ", ".join(f"{oid} ({L.num(e)})" for oid, e in drivers[:3])
                + (
                    ": tjek at deres fejlmodeller giver plads til det, modellen ikke beskriver"
                    if da
                    else ": check that their error models allow for what the model does not represent"
                )
            )
    return msg


def later_scores_text(n: int, known: str, prior: str, posterior: str, lang: str = "da") -> str:
    """The later observations' total CRPS per unit before and after an update (``info`` strings
    ``"<value> <unit>, ..."`` of simengine.analysis.update.later_summary) in ``lang``."""
    from simengine.outputs.report.backtest import unit_text, value_text

    L = Labels(lang)

    def parse(text: str) -> dict[str, str]:
        """unit -> the value in the reader's style (a part that is not "<value> <unit>" as it is)"""
        out = {}
        for part in str(text).split(", "):
            v, _, u = part.partition(" ")
            try:
                out[u] = value_text(L, float(v), u)
            except ValueError:
                out[part] = ""
        return out

    a, b = parse(prior), parse(posterior)
    pairs = []  # one unit at a time, "unit: before → after": no unit in brackets inside brackets
    for u in [*a, *(u for u in b if u not in a)]:
        if a.get(u) == "" or b.get(u) == "":
            pairs.append(u)
        else:
            pairs.append(f"{unit_text(L, u)}: {a.get(u, '–')} → {b.get(u, '–')}")
    return "\n".join(_wrap(_s(L, "up_later", n=n, known=known, pairs="; ".join(pairs))))


#: the money words of the terminal's texts and what they become in FTE (``run --unit fte``), longest first
FTE_TERMS = {
    "da": (("mio. kr. pr. år", "årsværk"), ("mio. kr.", "årsværk")),
    "en": (("mio. DKK/year", "FTE"), ("mio. DKK", "FTE"), ("mio.)", "FTE)"), (" mio.", " FTE")),
}


def in_fte(ds: xr.Dataset, unit: str = "dkk") -> tuple[xr.Dataset, Callable[[str], str]]:
    """(the Dataset the terminal's texts read, a function that puts their words in the unit): with
    ``unit="fte"`` every amount becomes staff freed (simengine.outputs.report.fte) and "mio. kr." "årsværk"."""
    if unit != "fte":
        return ds, lambda text: text
    from simengine.outputs.report.fte import fte_view

    view = fte_view(ds)
    if view is ds:  # no cost per FTE: the amounts stay in mio. kr.
        return ds, lambda text: text

    def words(text: str) -> str:
        for lang in ("da", "en"):
            for a, b in FTE_TERMS[lang]:
                text = text.replace(a, b)
        return text

    return view, words


# -- the headline, the deductions and who controls what (simengine.analysis.negotiate), the calibration
# -- check (simengine.analysis.potential, simengine.analysis.calibration) ---------------------------------
def headline_text(ds: xr.Dataset, lang: str = "en") -> str:
    """The lines the terminal leads with: what can be committed, the realised share of the promise,
    the expected shortfall, the risk of a service cut under up-front deduction; in ``lang``, at most
    80 columns wide (the years in blocks)."""
    if "committable" not in ds:
        return ""
    L = Labels(lang)
    mio = 1e6
    ti = target_index(ds)
    years = [int(y) for y in ds["year"].values]
    ty = years[ti]
    target = np.asarray(ds["target"].values, dtype=float)
    c = ds["certainty"].values
    cm, lo, hi = (ds[v].values for v in ("committable", "committable_ci_low", "committable_ci_high"))
    rows = [(_t(L, "target"), [_n(L, v / mio) for v in target])]
    rows += [(L("certainty_col", p=L.share(cc)), [_n(L, v / mio) for v in cm[j]]) for j, cc in enumerate(c)]
    lines = _wrap(_tu(L, ds, "commit_head")) + year_table(years, _t(L, "certainty"), rows)
    items = "; ".join(
        f"{L('certainty_col', p=L.share(cc))} {_n(L, lo[j, ti] / mio)}–{_n(L, hi[j, ti] / mio)}"
        for j, cc in enumerate(c)
    )
    lines += _wrap(_t(L, "commit_ci", year=ty, items=items), "  ")
    t = target[ti]
    q10, q50, q90 = (_quantile_row(ds, lv) for lv in (0.1, 0.5, 0.9))
    if t > 0 and q10 is not None and q50 is not None and q90 is not None:
        tail = float(ds["expected_shortfall"].attrs.get("tail", 0.1))
        lines += _wrap(
            _t(
                L,
                "commit_share",
                year=ty,
                p10=L.pct(q10[ti] / t, 0),
                p50=L.pct(q50[ti] / t, 0),
                p90=L.pct(q90[ti] / t, 0),
                es=_n(L, ds["expected_shortfall"].values[ti] / mio),
                tail=L.pct(tail, 0),
            )
        )
    if "p_service_cut_above" in ds:
        x = float(ds["p_service_cut_above"].attrs.get("threshold", 0.0))
        r = list(ds["regime"].values).index(CUT_REGIMES[0])  # the regime that cuts budgets up front
        lines += _wrap(
            _t(L, "commit_cut", year=ty, x=L.given_value(x), p=_is(L, float(ds["p_service_cut_above"].values[r, ti])))
        )
    if "deduction_max_safe" in ds:
        a = float(ds.attrs.get("cut_alpha", 0.1))
        x = float(ds["deduction_p_cut_above"].attrs.get("threshold", 0.0))
        v = float(ds["deduction_max_safe"].values[ti])
        text = _t(L, "commit_safe", year=ty, x=L.given_value(x), a=L.share(a), v=_n(L, v / mio))
        lines += _wrap(text + (" " + _t(L, "of_target", s=L.pct(v / t, 0)) if t > 0 else ""))
    if out_of_reach(ds):
        ra = float(ds["reach_amount"].values[ti])
        lines += _wrap(_tu(L, ds, "out_of_reach", neg=L.pct(NEGLIGIBLE, 1), year=ty, v=_n(L, ra / mio)))
    return "\n".join(lines) + "\n"


def deduction_text(ds: xr.Dataset, lang: str = "en") -> str:
    """The deduction grid in the target year, and the delivery deal (terminal), in ``lang``, at most
    80 columns wide."""
    if "deduction_p_cut_above" not in ds:
        return ""
    L = Labels(lang)
    mio = 1e6
    ti = target_index(ds)
    ty = int(ds["year"].values[ti])
    x = float(ds["deduction_p_cut_above"].attrs.get("threshold", 0.0))
    xs = L.given_value(x)
    heads = [
        _t(L, k, x=xs) if k == "ded_p" else _t(L, k)
        for k in ("ded_share", "ded_amount", "ded_p", "ded_cut", "central", "ded_local")
    ]
    widths = [max(w, len(h)) for w, h in zip((6, 10, 14, 11, 10, 9), heads)]
    lines = _wrap(_t(L, "ded_head", year=ty)) + ["  " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths))]
    for k, s in enumerate(ds["deduction"].values):
        vals = [
            L.share(s),
            _n(L, ds["deduction_amount"].values[k, ti] / mio),
            L.pct(float(ds["deduction_p_cut_above"].values[k, ti])),
            _n(L, ds["deduction_service_cut_mean"].values[k, ti] / mio),
            _n(L, ds["deduction_central_gain_mean"].values[k, ti] / mio),
            _n(L, ds["deduction_local_gain_mean"].values[k, ti] / mio),
        ]
        lines.append("  " + " ".join(f"{v:>{w}}" for v, w in zip(vals, widths)))
    if "delivery_central_gain_mean" in ds:
        lines += _wrap(
            _t(
                L,
                "delivery",
                c=_n(L, ds["delivery_central_gain_mean"].values[ti] / mio),
                m=_n(L, ds["delivery_service_cut_mean"].values[ti] / mio),
                x=xs,
                p=L.pct(float(ds["delivery_p_cut_above"].values[ti])),
                n=L.num(int(ds.attrs.get("delivery_draws", 0))),
            ),
            "  ",
        )
    return "\n".join(lines + _wrap(_t(L, "ded_legend", x=xs)))


def control_text(ds: xr.Dataset, lang: str = "en") -> str:
    """The waterfall's causes grouped by who controls them (terminal, ``run --explain``), in ``lang``,
    at most 80 columns wide."""
    s = control_split(ds)
    if s is None:
        return ""
    L = Labels(lang)
    mio = 1e6
    gap = s["municipal"][0] + s["outside"][0]
    share = s["municipal"][0] / gap if gap else math.nan
    lines = _wrap(_t(L, "control_head", year=s["year"]))
    for key, group in CONTROL_ROWS:
        text = f"{L(key)}: {_n(L, s[group][0] / mio, sign=True)}"
        if group == "municipal" and gap != 0:
            text += " " + _t(L, "control_share", s=L.pct(share, 0))
        indent = "    " if group == "shared" else "  "  # a part of the line above
        lines += _wrap(text, indent, indent + "  ")
    return "\n".join(lines)


def _quantile_row(ds: xr.Dataset, level: float) -> np.ndarray | None:
    qv = ds["quantile"].values
    hit = np.isclose(qv, level)
    return ds["benefit_quantile"].values[np.argmax(hit)] if hit.any() else None


def calibration_text(ds: xr.Dataset, lang: str = "en") -> str:
    """The lines a run prints: per year the implied realised/promised ratio (and the potential's),
    and whether the calibration year's ratio lies in the scenario's band; in ``lang``, at most 80
    columns wide (the years in blocks)."""
    if "realised_promised_ratio" not in ds:
        return ""
    L = Labels(lang)
    r = ds["realised_promised_ratio"]
    pr = ds["potential_promised_ratio"].values if "potential_promised_ratio" in ds else None
    years = [int(y) for y in ds["year"].values]
    rows = [(_t(L, "cal_realised"), [L.num(v, 2) for v in r.values])]
    if pr is not None:
        rows.append((_t(L, "cal_potential"), [L.num(v, 2) for v in pr]))
    if "realised_delivered_ratio" in ds:  # realised/promised over what is delivered (simengine.analysis.calibration)
        rows.append((L("cal2_row"), [L.num(v, 2) for v in ds["realised_delivered_ratio"].values]))
    lines = ["", *_wrap(_t(L, "cal_head")), *year_table(years, _t(L, "year"), rows, col_w=6)]
    band = r.attrs.get("calibration_band")
    if band is not None:
        lo, hi = (float(x) for x in np.atleast_1d(band))
        los, his = L.num(lo, 2), L.num(hi, 2)
        cy = r.attrs.get("calibration_year")
        if cy is not None and int(cy) in years:
            v = float(r.values[years.index(int(cy))])
            verdict = _t(L, "cal_inside" if lo <= v <= hi else ("cal_below" if v < lo else "cal_above"))
            lines += _wrap(_t(L, "cal_band", lo=los, hi=his, year=int(cy), v=L.num(v, 2), verdict=verdict), "  ")
        else:
            inside = [y for y, v in zip(years, r.values) if lo <= v <= hi]
            met = _t(L, "cal_met", a=inside[0], b=inside[-1]) if inside else _t(L, "cal_met_none")
            lines += _wrap(_t(L, "cal_band_years", lo=los, hi=his, met=met), "  ")
    lines += calibration_bases_text(ds, lang)  # the bases of the evidence (simengine.analysis.calibration)
    return "\n".join(lines)


def calibration_bases_text(ds: xr.Dataset, lang: str = "en") -> list[str]:
    """The calibration lines for the two bases (calibration_text adds them)."""
    if "realised_delivered_ratio" not in ds:
        return []
    L = Labels(lang)
    r = ds["realised_delivered_ratio"]
    years = [int(y) for y in ds["year"].values]
    band = r.attrs.get("calibration_band")
    cy = r.attrs.get("calibration_year")
    ss = float(ds["steady_state_ratio"]) if "steady_state_ratio" in ds else float("nan")
    lines = []
    if band is not None and cy is not None and int(cy) in years:
        lo, hi = (float(x) for x in np.atleast_1d(band))
        v = float(r.values[years.index(int(cy))])

        def verdict(x: float) -> str:
            return L("cal2_inside" if lo <= x <= hi else ("cal2_below" if x < lo else "cal2_above"))

        lines += _wrap(L("cal2_delivered", year=int(cy), v=L.num(v, 2), verdict=verdict(v)), "  ")
        lines += _wrap(L("cal2_steady", v=L.num(ss, 2), verdict=verdict(ss)), "  ")
        basis = str(r.attrs.get("calibration_basis", "promised"))
        lines += _wrap(L("cal2_basis", basis=L("cal2_basis_" + basis)), "  ")
    else:
        lines += _wrap(L("cal2_steady_only", v=L.num(ss, 2)), "  ")
    return lines
