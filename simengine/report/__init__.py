"""The report a finance reader opens: ``report.html``, ``summary.xlsx`` and ``charts/*.png``.

Written by every run (see :func:`simengine.runner.run_scenario`) and by
``python -m simengine report results.nc``. Everything is computed from the results Dataset; the
scenario file is reloaded, when it can be, for the assumptions table and the population.

* :func:`build` makes all files in memory (raises on error);
* :func:`build_safe` never raises: on error it returns a one-paragraph ``report.html`` saying why;
* :func:`write` hands them to an :class:`~simengine.output.AtomicOutputs` writer so they are renamed
  into place together with the run's other files;
* :func:`remove_stale` deletes report files an earlier run left that this one did not write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from simengine.labels import DEFAULT_LANG, LANGS

REPORT_HTML = "report.html"
WORKBOOK = "summary.xlsx"
CHART_DIR = "charts"
SHEET = "negotiation.html"  # the one-page negotiation sheet (simengine.report.negotiation)

__all__ = ["LANGS", "DEFAULT_LANG", "ReportFiles", "build", "build_safe", "write", "remove_stale", "REPORT_HTML",
           "WORKBOOK", "CHART_DIR"]


@dataclass
class ReportFiles:
    html: str
    xlsx: bytes | None = None
    charts: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. the scenario file has moved
    sheet: str | None = None  # negotiation.html, the one-page negotiation sheet (simengine.report.negotiation)


def build(ds: xr.Dataset, lang: str = DEFAULT_LANG, scenario=None, scenario_path: str | Path | None = None,
          unit: str = "dkk") -> ReportFiles:
    """All report files for ``ds``. ``scenario``: the Scenario object of the run, if at hand.
    ``unit``: "dkk" (mio. kr.) or "fte" (årsværk, simengine.report.fte)."""
    from simengine.report import charts, html, workbook
    from simengine.report.context import Context

    if unit == "fte":
        from simengine.report.fte import fte_view

        ds = fte_view(ds)

    ctx = Context(ds, lang, scenario=scenario, scenario_path=scenario_path)
    figs = charts.all_charts(ctx)
    from simengine import progress

    progress.phase("Report: page and workbook")
    notes = []
    if ctx.sc.status == "changed":
        notes.append(f"scenario file {ctx.sc.path} has changed since the run: the assumptions table is from the "
                     "current file")
    elif ctx.sc.status == "missing":
        notes.append(f"scenario file {ctx.sc.path or '?'}: {ctx.sc.why}: the assumptions table is left out "
                     "(use --scenario FILE)")
    from simengine.report.negotiation import sheet_html

    return ReportFiles(html=html.render(ctx, figs), xlsx=workbook.build(ctx), charts=figs, notes=notes,
                       sheet=sheet_html(ctx))


def build_safe(ds: xr.Dataset, lang: str = DEFAULT_LANG, scenario=None, unit: str = "dkk") -> ReportFiles:
    """Like :func:`build`, but a failure gives a report page that says so instead of an exception
    (a run's results are never lost to a reporting problem). ``SIMENGINE_DEBUG=1`` re-raises."""
    try:
        return build(ds, lang, scenario=scenario, unit=unit)
    except MemoryError:
        raise
    except Exception as exc:
        if os.environ.get("SIMENGINE_DEBUG"):
            raise
        from simengine.report.html import failure_page

        msg = f"{type(exc).__name__}: {exc}"
        return ReportFiles(html=failure_page(lang, msg), error=msg)


def write(w, files: ReportFiles) -> None:
    """Queue the report files on the AtomicOutputs writer ``w`` (renamed into place on commit)."""
    from simengine.output import AtomicOutputs, prepare_dir

    w.write(REPORT_HTML, lambda p: p.write_text(files.html, encoding="utf-8"))
    if files.xlsx is not None:
        w.write(WORKBOOK, lambda p: p.write_bytes(files.xlsx))
    if files.sheet is not None:
        w.write(SHEET, lambda p: p.write_text(files.sheet, encoding="utf-8"))
    if files.charts:
        sub = AtomicOutputs(prepare_dir(Path(w.directory) / CHART_DIR))
        try:
            for name, data in files.charts.items():
                sub.write(f"{name}.png", lambda p, data=data: p.write_bytes(data))
        finally:
            # the main writer renames (or discards) the charts together with everything else
            w.pending.extend(sub.pending)
            sub.pending.clear()


def remove_stale(out: Path, files: ReportFiles | None) -> None:
    """After a successful commit: remove report files of an earlier run that this run did not write
    (a chart that no longer applies, or all of them with ``--no-report``), so that nothing in the
    folder contradicts the new results."""
    from simengine.report.charts import CHARTS

    out = Path(out)
    keep = set(files.charts) if files is not None else set()
    stale = [out / CHART_DIR / f"{n}.png" for n in CHARTS if n not in keep]
    if files is None or files.xlsx is None:
        stale.append(out / WORKBOOK)
    if files is None or files.sheet is None:
        stale.append(out / SHEET)
    if files is None:
        stale.append(out / REPORT_HTML)
    for p in stale:
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass
    try:
        (out / CHART_DIR).rmdir()  # only if empty
    except OSError:
        pass


def open_results(path: str | Path) -> xr.Dataset:
    """Load a results file fully into memory (and close it), checking it is simengine's."""
    from simengine.errors import ConfigError

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: no such results file")
    try:
        with xr.open_dataset(p, engine="h5netcdf") as ds:
            ds = ds.load()
    except Exception as exc:  # noqa: BLE001 - not NetCDF4 / HDF5
        raise ConfigError(f"{p}: not a readable results file (NetCDF4): {exc}") from None
    need = ("benefit_quantile", "target", "p_target", "expected_shortfall", "area_target", "area_p_target",
            "municipality_benefit", "municipality_target", "initiative_benefit_mean", "initiative_golive")
    missing = [v for v in need if v not in ds]
    if missing:
        raise ConfigError(f"{p}: not a simengine results file: missing {', '.join(missing)}")
    return ds
