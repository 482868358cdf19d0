"""What ``compare`` prints (and writes to comparison.txt), in Danish or English (``--lang``), each
line at most 80 characters (simengine.outputs.terminal's helpers); and the comparison's notes in either
language, for the terminal and the reader's page (simengine.outputs.report.compare).

The notes are stored in English in ``comparison.nc`` (``attrs["notes"]``, joined by "; "); the
known ones are recognised by their wording here and shown in the reader's language, any other one
as it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from simengine.outputs.labels import Labels
from simengine.outputs.terminal import _n, _wrap
from simengine.scenario import safetext

WIDTH = 80

T = {  # key: (Danish, English)
    "paired": (
        "{k} parvise træk (af {n}), seed {seed}; B − A af bruttogevinsten i {u}",
        "{k} paired draws (of {n}), seed {seed}; B − A of the gross gain in {u}",
    ),
    "u_dkk": ("mio. kr. pr. år", "mio. DKK/year"),
    "u_fte": ("årsværk (hver gevinst / sit scenaries cost_per_fte)", "FTE (each gain / its scenario's cost_per_fte)"),
    "year": ("år", "year"),
    "mean": ("middel", "mean"),
    "only_b": ("kun B", "only B"),
    "only_a": ("kun A", "only A"),
    "legend": (
        "P10/P50/P90: fraktiler af B − A i samme træk. P(B>A): andelen af trækkene, hvor B giver mere end A. "
        "kun B: B når sit mål og A ikke sit, i samme træk (kun A: omvendt). P(A), P(B): hver når sit eget "
        "mål, alle træk. –: intet mål det år (for kun B og kun A: A eller B har intet mål).",
        "P10/P50/P90: percentiles of B − A in the same draw. P(B>A): the share of draws where B gives more "
        "than A. only B: B reaches its target and A does not, in the same draw (only A: the reverse). P(A), "
        "P(B): each reaches its own target, all draws. –: no target that year (for only B and only A: A or "
        "B has none).",
    ),
    "moved": (
        "Initiativer med den største ændring af middelgevinsten i {year} ({u}): {items}",
        "Initiatives whose mean gain changed most in {year} ({u}): {items}",
    ),
    "unmoved": (
        "Intet initiativ i begge scenarier har ændret middelgevinst i {year}.",
        "No initiative in both scenarios changed its mean gain in {year}.",
    ),
    "mio": ("mio. kr.", "mio. DKK"),
    "fte": ("årsværk", "FTE"),
    "only_in": ("Kun i {side}: {ids}", "Only in {side}: {ids}"),
    "more_ids": ("... ({n} i alt; se comparison.nc)", "... ({n} in all; see comparison.nc)"),
    "note": ("Bemærk: {text}", "Note: {text}"),
}

#: the notes simengine.cli.compare writes, as (English pattern, Danish text); {0}, {1}... are the groups
NOTES: tuple[tuple[str, str], ...] = (
    (
        r"B's seed (\d+) replaced by A's \((\d+)\) so that the draws are paired",
        "B's seed {0} er erstattet af A's ({1}), så trækkene er parvise",
    ),
    (r"B's draws ([\d,]+) replaced by A's \(([\d,]+)\)", "B's antal træk {0} er erstattet af A's ({1})"),
    (
        r"the scenarios sample differently \(A (\S+), B (\S+)\): the draws are not paired input by input",
        "scenarierne trækker forskelligt (A {0}, B {1}): trækkene er ikke parvise input for input",
    ),
    (
        r"correlated inputs: changing one input can move the draws of the inputs correlated with it",
        "korrelerede input: ændres ét input, kan de input, der er korreleret med det, få andre værdier",
    ),
    (
        r"compared on the common years (\d+)-(\d+) \(A (\d+)-(\d+), B (\d+)-(\d+)\)",
        "sammenlignet på de fælles år {0}–{1} (A {2}–{3}, B {4}–{5})",
    ),
    (
        r"the paired statistics use the first ([\d,]+) of ([\d,]+) draws \(those kept per draw; raise \[simulation\] "
        r"keep_draws to use more\); means and P\(target\) use all draws",
        "de parvise tal bruger de første {0} af {1} træk (dem, der gemmes pr. træk; hæv [simulation] keep_draws for at "
        "bruge flere); middelværdier og P(mål) bruger alle træk",
    ),
    (
        r"the targets differ: 'reaches the target' means each scenario's own target path",
        "målene er forskellige: 'når målet' betyder hvert scenaries egen målsti",
    ),
    (
        r"no NPV difference: the scenarios cover different years or discount differently",
        "ingen forskel i nutidsværdi: scenarierne dækker forskellige år eller diskonterer forskelligt",
    ),
)
_NOTES = [(re.compile(en), da) for en, da in NOTES]


def _t(lang: str, key: str, **kw) -> str:
    text = T[key][0 if lang == "da" else 1]
    return text.format(**kw) if kw else text


def notes(ds: Any, lang: str = "da") -> list[str]:
    """The comparison's notes, one per item, in ``lang`` where the wording is known."""
    text = str(ds.attrs.get("notes", "none"))
    if text in ("", "none"):
        return []
    out, pos = [], 0
    while pos < len(text):
        for rx, da in _NOTES:  # a known note may itself hold "; "
            m = rx.match(text, pos)
            if m and (m.end() == len(text) or text.startswith("; ", m.end())):
                groups = [g.replace(",", ".") for g in m.groups()]  # 1,200 -> 1.200
                out.append(da.format(*groups) if lang == "da" else m.group(0))
                pos = m.end() + 2
                break
        else:
            end = text.find("; ", pos)
            end = len(text) if end < 0 else end
            out.append(text[pos:end])
            pos = end + 2
    return [n for n in out if n]


def format_comparison(ds: Any, unit: str = "dkk", lang: str = "da", top: int = 5) -> str:
    """The short table in ``lang``, at most 80 columns: per year mean and P10/P50/P90 of B - A,
    P(B > A), P(only B/only A reaches its target), each P(target); then the initiatives whose mean
    gain changed most, the initiatives in only one scenario, and the notes."""
    L = Labels(lang)
    fte = unit == "fte"
    div = 1.0 if fte else 1e6
    qv = ds["quantile"].values
    dq = ds["fte_difference_quantile" if fte else "difference_quantile"].values
    dm = ds["fte_difference_mean" if fte else "difference_mean"].values

    def col(level: float) -> np.ndarray:
        hit = np.isclose(qv, level)
        return dq[np.argmax(hit)] if hit.any() else np.full(ds.sizes["year"], np.nan)

    def pct(p: float) -> str:
        return L.pct(float(p))  # "< 0,1 %" for a small probability that is not 0, as the page shows it

    p10, p50, p90 = col(0.10), col(0.50), col(0.90)
    lines = []
    for side in ("a", "b"):
        name = safetext.line(f"{ds.attrs[f'scenario_{side}']} ({Path(str(ds.attrs[f'scenario_file_{side}'])).name})")
        lines += _wrap(f"{side.upper()}: {name}", "", "   ")
    lines += _wrap(
        _t(
            lang,
            "paired",
            k=L.num(int(ds.attrs["draws_paired"])),
            n=L.num(int(ds.attrs["draws"])),
            seed=ds.attrs["seed"],
            u=_t(lang, "u_fte" if fte else "u_dkk"),
        )
    )
    heads = [
        _t(lang, "year"),
        _t(lang, "mean"),
        "P10",
        "P50",
        "P90",
        "P(B>A)",
        _t(lang, "only_b"),
        _t(lang, "only_a"),
        "P(A)",
        "P(B)",
    ]
    rows = []
    for k, y in enumerate(ds["year"].values):
        both = ds["target_a"].values[k] > 0 and ds["target_b"].values[k] > 0  # else "reaches" says nothing
        vals = [
            str(int(y)),
            _n(L, dm[k] / div, 0, sign=True),
            _n(L, p10[k] / div, 0, sign=True),
            _n(L, p50[k] / div, 0, sign=True),
            _n(L, p90[k] / div, 0, sign=True),
            pct(ds["p_b_greater"].values[k]),
            pct(ds["p_only_b_reaches_target"].values[k]) if both else "–",
            pct(ds["p_only_a_reaches_target"].values[k]) if both else "–",
        ]
        vals += ["–" if ds["target_" + s].values[k] <= 0 else pct(ds["p_target_" + s].values[k]) for s in "ab"]
        rows.append(vals)
    # each column 7 wide (the year 4), wider where a cell needs it; 80 columns at most: an amount
    # takes at most 7 characters and at most three probabilities at once read "> 99,9 %" (8)
    widths = [max([4 if j == 0 else 7, len(h), *(len(r[j]) for r in rows)]) for j, h in enumerate(heads)]
    lines += ["", " ".join(f"{h:>{w}}" for h, w in zip(heads, widths))]
    lines += [" ".join(f"{v:>{w}}" for v, w in zip(r, widths)) for r in rows]
    lines += _wrap(_t(lang, "legend"))
    diff = ds["initiative_benefit_mean_difference"].values
    if diff.size:
        years = [int(y) for y in ds["year"].values]
        ty = int(ds.attrs.get("target_year", years[-1]))
        last = years.index(ty) if ty in years else len(years) - 1  # the target year, as the page ranks them
        order = np.argsort(-np.abs(diff[:, last]), kind="stable")
        moved = [k for k in order[:top] if diff[k, last] != 0]
        y = int(ds["year"].values[last])
        if moved:
            cpf = float(ds.attrs.get("cost_per_fte_b", 1.0))
            unit_div = cpf if fte else 1e6
            items = ", ".join(
                f"{safetext.line(ds['initiative'].values[k])}\x00"  # id and change on one line
                f"{_n(L, diff[k, last] / unit_div, 1, sign=True)}"
                for k in moved
            )
            lines += _wrap(_t(lang, "moved", year=y, u=_t(lang, "fte" if fte else "mio"), items=items))
        else:
            lines += _wrap(_t(lang, "unmoved", year=y))
    for side in ("a", "b"):
        only = str(ds.attrs.get(f"initiatives_only_in_{side}", "none"))
        if only != "none":
            ids = [safetext.line(i) for i in only.split(", ")]
            shown = ", ".join(ids[:8]) + (", " + _t(lang, "more_ids", n=len(ids)) if len(ids) > 8 else "")
            lines += _wrap(_t(lang, "only_in", side=side.upper(), ids=shown), "", "  ")
    for n in notes(ds, lang):
        lines += _wrap(_t(lang, "note", text=safetext.line(n)), "", "  ")
    return "\n".join(lines)
