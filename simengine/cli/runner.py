"""A whole run: scenario -> plan -> kernel -> Dataset -> files (written atomically)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import xarray as xr

from simengine.analysis.results import build_dataset, results_digest
from simengine.core import engine
from simengine.messages import Msg, render, warn
from simengine.model.plan import compile_plan
from simengine.outputs.folder import atomic_outputs
from simengine.outputs.summary_rows import summary_table
from simengine.scenario import safetext
from simengine.scenario.schema import Scenario

if TYPE_CHECKING:
    from simengine.core.driver import RunOptions


def simulate(
    sc: Scenario,
    opts: RunOptions | None = None,
    executor=None,
    command: str = "",
    progress=None,
    analyses: bool = True,
    *,
    threads: int | None = None,
    chunk: int | None = None,
) -> xr.Dataset:
    """Run a scenario in memory and return the results Dataset. ``opts`` (simengine.core.driver.RunOptions,
    validated): threads, chunk, ``precision``/``max_draws`` (add blocks of draws until the target
    year's Monte Carlo intervals are that narrow, simengine.analysis.mcerror); ``executor``: where the blocks
    of draws run (default: this process; a simengine.core.distributed.DaskExecutor gives the same results
    bit for bit). ``progress(n)`` is called after each chunk or block of n draws. ``analyses``: add
    the Monte Carlo intervals, sensitivity and waterfall (simengine.analysis.sensitivity). ``threads``/``chunk``:
    shorthand for options with only those set."""
    from simengine.core import driver

    opts = driver.RunOptions(via="cli", threads=threads, chunk=chunk) if opts is None else opts
    executor = driver.LocalExecutor(opts.threads) if executor is None else executor
    t0 = time.perf_counter()
    from simengine._jit import BackgroundCompile  # cold cache: the analyses' kernels compile beside the simulation's

    background = BackgroundCompile.start(sc) if analyses and isinstance(executor, driver.LocalExecutor) else None
    plan = compile_plan(sc)
    for note in plan.notes:  # e.g. a repaired correlation matrix: the user must know
        warn(f"{safetext.line(sc.path)}: {safetext.line(render(note))}")
    t1 = time.perf_counter()
    raw, prec = driver.run(plan, opts, executor, progress=progress, analyses=analyses)  # simengine.core.driver
    t2 = time.perf_counter()
    threads = opts.local_threads()  # the analyses run here, on the run's threads, passed explicitly
    early = None
    if analyses:
        from simengine.analysis import sensitivity as analysis

        if background is None or not background.running():  # their kernels compiled and cached
            early = analysis.start(raw, threads)  # sensitivity, waterfall, run without shocks: beside the Dataset
    with driver.numba_threads(threads):
        ds = build_dataset(raw, command=command)
        if early is not None:  # its histograms trimmed: the run without the shocks may start
            early.dataset_built()
        from simengine.analysis.negotiate import (
            add_negotiation,  # committable amounts, deductions, deals (simengine.analysis.negotiate)
        )

        ds = add_negotiation(ds, raw)
        t3 = time.perf_counter()
        # -- analyses (simengine.analysis.sensitivity, simengine.analysis.mcerror) --
        if analyses:
            if background is not None:  # still compiling the analyses' kernels (an empty cache)
                background.wait()
            ds = analysis.add_analyses(ds, raw, threads, early)
            from simengine.analysis.calibration import (
                add_calibration_bases,  # the calibration ratio on the evidence's bases
            )

            ds = add_calibration_bases(ds, raw)
            from simengine.analysis.investment import add_investment  # staff freed per krone invested

            ds = add_investment(ds, raw)
            from simengine.analysis.shockeffect import add_shock_effect  # with vs without [[shocks]], same draws

            ds = add_shock_effect(ds, raw, threads=threads, early=early)
        from simengine.analysis import mcerror

        rep = mcerror.replicates(raw)
        if rep is not None and not rep.ok:  # intervals not from replicates: the user must know
            need = mcerror.MIN_REPLICATES
            warn(Msg("run.qmc_few_replicates", kept=rep.kept, size=rep.size, need=need, draws=need * rep.size))
    if prec is not None:
        from simengine.analysis import mcerror

        ds = mcerror.add_precision(ds, prec)
    ds.attrs["seconds_analyse"] = round(time.perf_counter() - t3, 4)
    # -- end analyses --
    ds.attrs["seconds_prepare"] = round(t1 - t0, 4)
    ds.attrs["seconds_simulate"] = round(t2 - t1, 4)
    ds.attrs["seconds_aggregate"] = round(t3 - t2, 4)
    ds.attrs.update(driver.executor_attrs(executor, raw))
    from simengine.analysis import finite

    finite.check(ds, sc)  # exit 2 naming the inputs, before anything is written
    return ds


#: run.json's keys, in order (simengine.core.driver.manifest builds it)
RUN_MANIFEST = (
    "scenario_file",
    "scenario_sha256",
    "scenario",
    "seed",
    "draws",
    "sampling",
    "threads",
    "command",
    "created",
    "timings_seconds",
    "versions",
    "platform",
    "stream_version",
    "scheduler",
    "scenario_path_absolute",
    "scenario_files",
    "scenario_changes",
    "keep_draws",
    "cut_threshold",
    "results_digest",
    "precision",
)


def manifest(ds: xr.Dataset, sc: Scenario) -> dict:
    """run.json (simengine.core.driver.manifest: the keys every manifest shares, and the run's own)."""
    from simengine.core import driver

    order = [k for k in RUN_MANIFEST if k != "scenario_changes" or sc.changes]
    return driver.manifest(
        dict(ds.attrs),
        order,
        scenario_file=str(sc.path),
        scenario_sha256=sc.sha256,
        scenario=sc.name,
        seed=sc.seed,
        draws=sc.draws,
        sampling=sc.sampling,
        scenario_path_absolute=str(Path(sc.path).resolve()),
        scenario_files=[str(Path(f).resolve()) for f in (sc.sources or (sc.path,))],  # the extends chain
        scenario_changes=list(sc.changes),  # a variant made in Python (simengine.api)
        keep_draws=sc.keep_draws,
        cut_threshold=sc.cut_threshold,  # run --cut-threshold: check reproduces it
        results_digest=results_digest(ds),
        # run --precision (simengine.analysis.mcerror): the rule, the draws it needed, the half-widths reached
        precision=json.loads(ds.attrs["precision_info"]) if "precision_info" in ds.attrs else None,
    )


def run_scenario(
    sc: Scenario,
    out: Path,
    opts: RunOptions | None = None,
    command: str = "",
    lang: str = "da",
    report: bool = True,
    progress=None,
    unit: str = "dkk",
    *,
    threads: int | None = None,
    quiet: bool = False,
) -> tuple[xr.Dataset, list[Path]]:
    """Simulate and write results.nc, summary.parquet and run.json to ``out``, and (unless
    ``report=False``) report.html, summary.xlsx and charts/*.png in language ``lang``: the ``run``
    command, through the Python API (simengine.api.run and simengine.api.write). ``threads``:
    shorthand for options with only the threads set."""
    from simengine import api
    from simengine.core import driver
    from simengine.outputs import folder as output

    opts = driver.RunOptions(via="cli", threads=threads) if opts is None else opts

    with output.locked(output.prepare_dir(out)):  # fail early, before minutes of simulation; one run per folder
        token = engine.REPORT.set(report)  # the memory guard counts the report's memory (simengine.core.memory)
        try:
            ds = api.run(sc, options=opts, command=command, progress=progress)
        finally:
            engine.REPORT.reset(token)
        return ds, api.write(ds, out, sc, report=report, lang=lang, unit=unit)


def write_results(
    out: Path, ds: xr.Dataset, sc: Scenario, lang: str = "da", report: bool = True, unit: str = "dkk"
) -> list[Path]:
    """Write a run's files to ``out`` atomically (see simengine.api.write) under the folder's lock;
    returns the files written. Files of an earlier run that this one does not write again are removed."""
    if "precision_info" in ds.attrs:  # --precision: the manifest records the draws actually used
        sc = sc.with_run_options(draws=int(ds.attrs["draws"]))
    from simengine.outputs import folder as output
    from simengine.outputs import progress, store

    progress.phase("Writing results")
    with output.locked(out), atomic_outputs(out, owns=_run_owns) as w:  # replaces every file of the previous run

        def data_files() -> None:
            w.write("results.nc", lambda p: store.write(ds, p))  # compressed, no copies (simengine.outputs.store)
            table = summary_table(ds)
            w.write("summary.parquet", lambda p: table.write_parquet(p))
            w.write_json("run.json", manifest(ds, sc))

        if report:  # the data files are written while the report's charts are drawn in a child process
            _write_report(w, ds, sc, lang, unit, meanwhile=data_files)
        else:
            data_files()
        written = [final for _, final in w.pending]
    return written


def _run_owns(rel: str) -> bool:
    """A run's files: those of an earlier run that this one does not write again are removed."""
    from simengine.outputs import report

    return rel in ("results.nc", "summary.parquet", "run.json") or report.owns(rel)


# -- report (simengine.outputs.report) -------------------------------------------------------------------
def _write_report(w, ds: xr.Dataset, sc: Scenario, lang: str, unit: str = "dkk", meanwhile=None):
    """Queue report.html, summary.xlsx and charts/ on the run's atomic writer. A reporting bug never
    costs the run its results: the page then says what went wrong (and a warning goes to stderr).
    ``meanwhile``: the run's other files, written while the charts are drawn (report.build_safe)."""
    from simengine.outputs import report

    files = report.build_safe(ds, lang, scenario=sc, unit=unit, meanwhile=meanwhile)
    if files.error:
        warn(Msg("cli.report_incomplete", detail=safetext.line(files.error)))
    report.write(w, files)
    return files
