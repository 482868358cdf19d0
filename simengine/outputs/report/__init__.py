"""The report a finance reader opens: ``report.html``, ``summary.xlsx`` and ``charts/*.png``.

Written by every run (see :func:`simengine.cli.runner.run_scenario`) and by
``python -m simengine report results.nc``. Everything is computed from the results Dataset; the
scenario file is reloaded, when it can be, for the assumptions table and the population.

* :func:`build` makes all files in memory (raises on error);
* :func:`build_safe` never raises: on error it returns a one-paragraph ``report.html`` saying why;
* :func:`write` hands them to an :class:`~simengine.outputs.folder.AtomicOutputs` writer so they are moved
  into place together with the run's other files; report files of an earlier commit that this one
  does not write again are removed in the same commit (see simengine.outputs.folder).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from simengine.outputs.labels import DEFAULT_LANG, LANGS

REPORT_HTML = "report.html"
WORKBOOK = "summary.xlsx"
CHART_DIR = "charts"
SHEET = "negotiation.html"  # the one-page negotiation sheet (simengine.outputs.report.negotiation)

__all__ = [
    "LANGS",
    "DEFAULT_LANG",
    "ReportFiles",
    "build",
    "build_safe",
    "write",
    "owns",
    "REPORT_HTML",
    "WORKBOOK",
    "CHART_DIR",
]


@dataclass
class ReportFiles:
    html: str
    xlsx: bytes | None = None
    charts: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. the scenario file has moved
    sheet: str | None = None  # negotiation.html, the one-page negotiation sheet (simengine.outputs.report.negotiation)


def build(
    ds: xr.Dataset,
    lang: str = DEFAULT_LANG,
    scenario=None,
    scenario_path: str | Path | None = None,
    unit: str = "dkk",
    scores: xr.Dataset | None = None,
) -> ReportFiles:
    """All report files for ``ds``. ``scenario``: the Scenario object of the run, if at hand.
    ``unit``: "dkk" (mio. kr.) or "fte" (årsværk, simengine.outputs.report.fte). ``scores``: a backtest
    (the Dataset of backtest.nc) for its section, sheet and chart (simengine.outputs.report.backtest)."""
    from simengine.outputs import progress
    from simengine.outputs.report import charts, html, workbook
    from simengine.outputs.report.context import Context
    from simengine.outputs.report.negotiation import sheet_html

    ctx = Context(_in_unit(ds, unit), lang, scenario=scenario, scenario_path=scenario_path)
    ctx.scores = scores  # a backtest's scores (simengine.outputs.report.backtest), if any
    figs = charts.all_charts(ctx)
    progress.phase("Report: page and workbook")
    return ReportFiles(
        html=html.render(ctx, figs),
        xlsx=workbook.build(ctx),
        charts=figs,
        notes=build_notes(ctx),
        sheet=sheet_html(ctx),
    )


def _in_unit(ds: xr.Dataset, unit: str) -> xr.Dataset:
    if unit == "fte":
        from simengine.outputs.report.fte import fte_view

        return fte_view(ds)
    return ds


def build_notes(ctx) -> list[str]:
    """The report's notes for the terminal, in the report's language (simengine.messages)."""
    from simengine.messages import Msg

    notes = []
    if ctx.sc.status == "changed":
        notes.append(Msg("report.scenario_changed", file=str(ctx.sc.path)).text(ctx.lang))
    elif ctx.sc.status == "missing":
        notes.append(Msg("report.scenario_missing", file=str(ctx.sc.path or "?"), why=ctx.sc.why).text(ctx.lang))
    return notes


def build_safe(
    ds: xr.Dataset,
    lang: str = DEFAULT_LANG,
    scenario=None,
    unit: str = "dkk",
    scores: xr.Dataset | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> ReportFiles:
    """Like :func:`build`, but a failure gives a report page that says so instead of an exception
    (a run's results are never lost to a reporting problem). Each chart, the page, the workbook and
    the negotiation sheet are made separately: one that fails costs only itself (and the warning
    names it), never the others. ``SIMENGINE_DEBUG=1`` re-raises.

    ``meanwhile``: other work of the caller (the run writes results.nc, summary.parquet and run.json)
    done while the charts are drawn in a forked process (simengine.outputs.report.chartproc), with the
    workbook and the negotiation sheet; its exceptions propagate (the child is ended first)."""
    if os.environ.get("SIMENGINE_DEBUG"):
        if meanwhile is not None:
            meanwhile()
        return build(ds, lang, scenario=scenario, unit=unit, scores=scores)
    from simengine.outputs import progress
    from simengine.outputs.report import chartproc, charts, html, workbook
    from simengine.outputs.report.context import Context
    from simengine.outputs.report.negotiation import sheet_html

    errors: list[str] = []

    def part(what: str, fn, default=None):
        try:
            return fn()
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - a reporting bug must not cost the run
            errors.append(f"{what}: {type(exc).__name__}: {exc}")
            return default

    ctx = part("report", lambda: Context(_in_unit(ds, unit), lang, scenario=scenario))
    if ctx is None:
        if meanwhile is not None:
            meanwhile()
        return ReportFiles(html=html.failure_page(lang, errors[0]), error=errors[0])
    ctx.scores = scores  # a backtest's scores (simengine.outputs.report.backtest), if any
    pending = chartproc.start(ctx)  # the charts drawn in a child process beside the work below, or None
    try:
        if meanwhile is not None:
            meanwhile()
        if pending is not None:
            progress.phase("Report: charts, page and workbook")
        xlsx = part(WORKBOOK, lambda: workbook.build(ctx))
        sheet = part(SHEET, lambda: sheet_html(ctx))
        drawn = pending.result(ctx) if pending is not None else None  # draws here what the child has not begun
    finally:
        if pending is not None:
            pending.cancel()  # a no-op once its result was read
    if drawn is None:  # drawn here: no child process, or it failed to deliver
        progress.phase("Report: charts", len(charts.CHARTS))
        drawn = chartproc.draw_all(ctx, step=progress.step)
    figs, chart_errors = drawn
    errors[:0] = chart_errors  # in report order: the charts, then the page, workbook and sheet
    progress.phase("Report: page and workbook")
    page = part(REPORT_HTML, lambda: html.render(ctx, figs))
    notes = part("report", lambda: build_notes(ctx), [])
    if page is None:
        page = html.failure_page(lang, "; ".join(errors))
    return ReportFiles(html=page, xlsx=xlsx, charts=figs, error="; ".join(errors) or None, notes=notes, sheet=sheet)


def write(w, files: ReportFiles) -> None:
    """Queue the report files on an AtomicOutputs writer (charts in a ``charts/`` subfolder)."""
    w.write(REPORT_HTML, lambda p: p.write_text(files.html, encoding="utf-8"))
    if files.xlsx is not None:
        w.write(WORKBOOK, lambda p: p.write_bytes(files.xlsx))
    if files.sheet is not None:
        w.write(SHEET, lambda p: p.write_text(files.sheet, encoding="utf-8"))
    for name, data in files.charts.items():
        w.write(f"{CHART_DIR}/{name}.png", lambda p, data=data: p.write_bytes(data))


def owns(rel: str) -> bool:
    """The report's files (for :class:`~simengine.outputs.folder.AtomicOutputs`): those an earlier report
    wrote and this one does not (a chart that no longer applies) are removed when it commits."""
    return rel in (REPORT_HTML, WORKBOOK, SHEET) or rel.startswith(f"{CHART_DIR}/")


def open_results(path: str | Path) -> xr.Dataset:
    """Load a results file fully into memory (and close it), checking it is simengine's."""
    from simengine.errors import ConfigError
    from simengine.messages import Msg
    from simengine.outputs import readcheck
    from simengine.outputs.folder import settle

    p = Path(path)
    settle(p.parent)  # a run killed while moving its files into place: finish that first
    if not p.is_file():
        raise readcheck.not_a_file(p)
    try:
        from simengine.outputs.store import open_results as _open_stored

        ds = _open_stored(p)  # the variables results.nc derives on read put back (simengine.outputs.store)
    except Exception as exc:  # noqa: BLE001 - not NetCDF4 / HDF5
        raise ConfigError(Msg("results.not_readable", file=str(p), detail=str(exc))) from None
    need = (
        "benefit_quantile",
        "target",
        "p_target",
        "expected_shortfall",
        "area_target",
        "area_p_target",
        "municipality_benefit",
        "municipality_target",
        "initiative_benefit_mean",
        "initiative_golive",
    )
    missing = [v for v in need if v not in ds]
    if missing:
        from simengine.analysis.varspecs import written_by

        if written_by(ds) == "backtest":  # simengine's own file, of another command
            raise ConfigError(Msg("results.backtest", file=str(p)))
        raise ConfigError(Msg("results.missing_vars", file=str(p), names=", ".join(missing)))
    return readcheck.check(ds, p, need=[v for v in need if v != "initiative_golive"])
