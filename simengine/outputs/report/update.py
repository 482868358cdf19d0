"""An updated forecast in the report (``update``, simengine.analysis.update): the notice at the top of
report.html (known-by date, observations file, effective sample size, the inputs that moved and the
later observations' scores before and after), its one line in negotiation.html and the workbook's
Overblik, and the marks on what the update could not reweight (the forecast before the update).

A plain run's results have no ``weight``: nothing here changes their report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

#: the report's sections that show the forecast before the update (their variables are not reweighted:
#: simengine.analysis.update.NOT_REWEIGHTED)
PRIOR_SECTIONS = ("municipalities", "sensitivity", "tornado", "waterfall")


def is_update(ds: xr.Dataset) -> bool:
    """Whether ``ds`` holds an update's results (its kept draws' importance weights)."""
    return "weight" in ds and "known_by" in ds.attrs


def not_reweighted(ds: xr.Dataset, name: str) -> bool:
    """Whether variable ``name`` of an update's results is the forecast before the update."""
    return is_update(ds) and name in ds and str(ds[name].attrs.get("weights", "")).startswith("prior")


def mark_sheet(ws, ncols: int, ds: xr.Dataset, L) -> None:  # type: ignore[no-untyped-def]
    """A workbook sheet of the forecast before the update: its header row says so, beside the last
    column (the sheet's numbers are not reweighted; nothing for a plain run)."""
    if not is_update(ds):
        return
    from openpyxl.styles import Font

    c = ws.cell(row=1, column=ncols + 2, value=L("upd_wb_prior"))
    c.font = Font(italic=True, bold=True, color="9C2A00")


def facts(ds: xr.Dataset, L) -> dict:
    """The notice's fields in L's language."""
    a = ds.attrs
    used = [s for s in str(a.get("conditioned_on", "")).split(", ") if s and s != "none"]
    return {
        "k": len(used),
        "file": Path(str(a.get("observations_file", "?"))).name,
        "date": str(a.get("known_by", "?")),
        "ess": L.num(float(a.get("ess", float("nan")))),
        "kept": L.num(int(ds.sizes.get("draw", 0))),
    }


def notice(ds: xr.Dataset, L, short: bool = False) -> str:
    """The update notice as plain text ('' for a plain run)."""
    if not is_update(ds):
        return ""
    text = L("upd_notice_short" if short else "upd_notice", **facts(ds, L))
    return f"{text} {L('upd_prior_parts', what=L('upd_prior_what'))}"


def movement(ds: xr.Dataset) -> dict | None:
    """The inputs an update moved, from results.nc (``updated_input_*``), as
    simengine.analysis.update.input_movement gives them (the moved ones only)."""
    from simengine.analysis.varspecs import UPDATED_INPUT_COLUMNS
    from simengine.outputs.labels import initiative_names

    if "updated_input" not in ds.coords or not ds.sizes.get("updated_input", 0):
        return None
    names = [str(n) for n in ds["updated_input"].values]
    R = np.stack([np.asarray(ds[f"updated_input_{c}"].values, dtype=float) for c in UPDATED_INPUT_COLUMNS], axis=1)
    s0 = np.where(R[:, 1] > 0, R[:, 1], 1.0)
    mv: dict = {
        "names": names,
        "values": R,
        "shift": np.where(R[:, 1] > 0, (R[:, 5] - R[:, 0]) / s0, 0.0),
        "moved": np.ones(len(names), dtype=bool),
    }
    if "input" in ds.coords and "input_kind" in ds.coords and "input_initiative" in ds.coords:
        known = {str(n): k for k, n in enumerate(ds["input"].values)}
        if all(n in known for n in names):
            who = initiative_names(ds)
            kinds = ds["input_kind"].values
            inis = ds["input_initiative"].values
            mv["kinds"] = [str(kinds[known[n]]) for n in names]
            mv["who"] = [who.get(str(inis[known[n]]), str(inis[known[n]])) for n in names]
    return mv


def chart(ctx) -> bytes | None:
    """charts/update_inputs.png: the inputs the update moved (simengine.outputs.report.scorecharts)."""
    if not is_update(ctx.ds):
        return None
    mv = movement(ctx.ds)
    if mv is None:
        return None
    from simengine.outputs.report.scorecharts import movement_chart

    return movement_chart(mv, ctx.lang)


def section(ctx, charts: dict[str, bytes]) -> str:
    """The update section at the top of report.html ('' for a plain run)."""
    if not is_update(ctx.ds):
        return ""
    from simengine.outputs.report.html import esc, figure

    L, a = ctx.L, ctx.ds.attrs
    out = f'<p class="warn">{esc(notice(ctx.ds, L))}</p>'
    if a.get("crps_later_prior"):
        from simengine.outputs.terminal import later_scores_text

        later = [s for s in str(a.get("later_observations", "")).split(", ") if s]
        text = later_scores_text(
            len(later), str(a.get("known_by", "")), a["crps_later_prior"], a["crps_later_posterior"], ctx.lang
        )
        out += f"<p>{esc(' '.join(text.split()))}</p>"
    fig = figure(charts, "update_inputs", L("upd_title"), L("upd_chart_caption"))
    return out + (fig or f"<p>{esc(L('upd_no_moved'))}</p>")


def prior_note(ctx) -> str:
    """The mark at the top of a section that shows the forecast before the update."""
    from simengine.outputs.report.html import esc

    return f'<p class="warn">{esc(ctx.L("upd_prior_section"))}</p>' if is_update(ctx.ds) else ""
