"""``python -m simengine sweep SCENARIO --set KEY.PATH=V1,V2,... [--set ...]``: a grid of variants.

Every combination of the ``--set`` values is one variant of the scenario: the value is put into
the scenario's TOML document at the key path (``regimes.retention_share``, ``areas.social.target``,
``initiatives.osb-1.delay`` with the initiative named by its id) and the document is validated again,
so a bad value gives the usual one-line error, naming the ``--set`` option. All variants run with
the same seed and draw indices, and each sampled quantity's stream is keyed by (seed, variable,
initiative id, municipality): an input the variant did not change draws the same values in every
variant (common random numbers), so differences between variants are the effect of the change,
not noise. Variants run on a Dask cluster with ``--scheduler`` (see simengine.distributed) or one
after the other in this process; the numbers are the same either way, and each variant's numbers
are those of ``python -m simengine run`` on that variant.

Writes ``sweep.nc`` (an xarray Dataset with a ``variant`` dimension, one coordinate per swept key,
and every result of a run that has no per-draw or per-municipality dimension: P(target), gain
quantiles and means, expected shortfall, NPV, central gain / service cut / realised gain per regime,
per-area and per-initiative statistics, backtest), ``sweep_summary.parquet`` (one row per variant,
target-year figures) and ``sweep.json`` (the manifest), and unless ``--no-report`` the reader's
``sweep.html`` and ``sweep.xlsx`` in ``--lang`` (simengine.report.sweep), atomically.
"""

from __future__ import annotations

import itertools
import platform
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xarray as xr

from simengine import __version__, engine, scenario
from simengine.distributed import (
    MAX_BLOCK_DRAWS,
    InProcess,
    Merger,
    Task,
    blocks,
    default_block_draws,
    make_job,
    remember_plan,
    scenario_cells,
)
from simengine.errors import ConfigError
from simengine.model import REGIMES, compile_plan
from simengine.results import NationalStats, build_dataset
from simengine.variants import (  # noqa: F401 (the --set rules, shared with simengine.api; names kept here)
    MAX_VARIANTS,
    Setting,
    apply,
    check_settings,
    derive,
    parse_set,
    parse_values,
    toml_value,
)

#: result dimensions that are not carried into sweep.nc (per draw, per municipality)
DROPPED_DIMS = ("draw", "municipality")


# -- variants -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    index: int
    choice: tuple[int, ...]  # index into each Setting's values
    label: str
    scenario: scenario.Scenario


def build_variants(path: Path | scenario.Scenario, settings: list[Setting], draws: int | None = None,
                   seed: int | None = None) -> list[Variant]:
    """Validate every variant of the scenario (a file, or one already loaded); raises one ConfigError
    listing each problem once, naming its --set."""
    check_settings(settings)
    base = path if isinstance(path, scenario.Scenario) else scenario.load(Path(path))  # must be valid itself
    variants: list[Variant] = []
    problems: list[str] = []
    for k, choice in enumerate(itertools.product(*[range(len(s.values)) for s in settings])):
        try:
            sc = derive(base, settings, choice)
        except ConfigError as exc:
            problems += exc.problems
            continue
        variants.append(Variant(index=k, choice=tuple(choice), label=", ".join(s.text(c) for s, c in
                                                                               zip(settings, choice)),
                                scenario=sc.with_run_options(draws=draws, seed=seed)))
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))
    return variants


# -- running ----------------------------------------------------------------------------------------
def variant_task(job, d0: int, n: int) -> tuple[xr.Dataset, dict]:
    """A whole variant as one task (draws [0, n), n = all of them): simulate, then reduce on the
    worker to the sweep's results, so only a few kB travel back to the client."""
    from simengine.distributed import _KERNEL_LOCK, _cached_plan, task_threads

    if d0 != 0 or n != job.scenario.draws:
        raise ValueError("variant_task runs all draws of a variant")
    _, threads = task_threads(job)
    with _KERNEL_LOCK:
        plan = _cached_plan(job)
        t0 = time.perf_counter()
        part = engine.run_range(plan, 0, n, threads, keep_draws=job.keep_draws, store_inputs=job.store_inputs,
                                chunk=job.chunk)
        secs = time.perf_counter() - t0
    raw = engine.RawResults(plan=plan, draws=n, keep_draws=job.keep_draws, threads=threads, chunk=job.chunk,
                            seconds=secs, inputs=part.inputs, acc=part.acc, timings={"simulate": secs}, **part.kept)
    return _extract(raw)


@dataclass
class _Open:
    variant: Variant
    merger: Merger


def run_sweep(variants: list[Variant], executor, chunk: int = engine.DEFAULT_CHUNK, block_draws: int | None = None,
              progress: Callable[[int], None] | None = None) -> list[tuple[Variant, xr.Dataset, dict]]:
    """Run every variant on ``executor``; returns per variant (variant, its results without per-draw
    and per-municipality variables, its target-year summary row).

    A variant that fits one block runs as one task that also reduces its results (on the worker);
    a larger one runs as blocks merged here. Blocks of all variants share the executor's window,
    so memory stays bounded: a variant's merged draws are freed as soon as it is complete."""
    opened: dict[int, _Open] = {}
    done: dict[int, tuple[Variant, xr.Dataset, dict]] = {}
    notes: set[str] = set()
    total_draws = sum(v.scenario.draws for v in variants)
    local = isinstance(executor, InProcess)
    cap = getattr(executor, "threads", None)

    def tasks():
        for k, v in enumerate(variants):
            sc = v.scenario
            if local:
                block = sc.draws  # one call per variant: exactly `run`
            elif block_draws is not None:
                block = block_draws
            else:
                block = min(sc.draws, MAX_BLOCK_DRAWS,
                            default_block_draws(total_draws, executor.n_workers, scenario_cells(sc)))
            job = make_job(sc, sc.keep_draws, 0, chunk=chunk, threads=cap)
            if block >= sc.draws and not local:
                yield Task(job, 0, sc.draws, tag=v.index, fn=variant_task)  # compiled on the worker
                continue
            plan = compile_plan(sc)
            if k == 0:
                engine.check_memory(plan, sc.draws, cap or 1, sc.keep_draws)
            remember_plan(job, plan)  # InProcess runs on the plan compiled here
            if block >= sc.draws:
                yield Task(job, 0, sc.draws, tag=v.index, fn=variant_task)
                continue
            bl = blocks(sc.draws, block)
            opened[v.index] = _Open(v, Merger(plan, sc.draws, sc.keep_draws, 0, bl))
            for d0, n in bl:
                yield Task(job, d0, n, tag=v.index)

    t0 = time.perf_counter()
    by_index = {v.index: v for v in variants}
    for task, result in executor.imap_unordered(tasks()):
        if progress is not None:
            progress(task.n)
        if task.fn is variant_task:
            done[task.tag] = (by_index[task.tag], *result)
        else:
            o = opened[task.tag]
            o.merger.add(result)
            if not o.merger.done:
                continue
            raw = o.merger.raw(threads=executor.total_threads, chunk=chunk, seconds=time.perf_counter() - t0)
            done[task.tag] = (o.variant, *_extract(raw))
            del opened[task.tag]
        for note in str(done[task.tag][1].attrs.get("warnings", "none")).split("; "):
            if note not in ("", "none") and note not in notes:  # e.g. a repaired correlation matrix
                notes.add(note)
                print(f"warning: {by_index[task.tag].label}: {note}", file=sys.stderr)
    return [done[v.index] for v in variants]


def _extract(raw: engine.RawResults) -> tuple[xr.Dataset, dict]:
    """The sweep's view of one variant: every result without a per-draw or per-municipality
    dimension, and the target-year summary row."""
    ds = build_dataset(raw)
    keep = [n for n in ds.data_vars if not set(ds[n].dims) & set(DROPPED_DIMS)]
    small = ds[keep].drop_dims([d for d in DROPPED_DIMS if d in ds.dims], errors="ignore")
    sc = raw.plan.scenario
    y = list(ds["year"].values).index(sc.target_year)
    q = NationalStats(raw).quantile("benefit", np.array([0.10, 0.50, 0.90]))[:, y]
    row = {
        "year": sc.target_year,
        "target": float(ds["target"].values[y]),
        "p_target": float(ds["p_target"].values[y]),
        "benefit_p10": float(q[0]), "benefit_p50": float(q[1]), "benefit_p90": float(q[2]),
        "benefit_mean": float(ds["benefit_mean"].values[y]),
        "expected_shortfall": float(ds["expected_shortfall"].values[y]),
        "service_cut_mean": float(ds["service_cut_mean"].sel(regime="prebudgeted").values[y]),
    }
    for r in REGIMES:
        row[f"central_gain_mean_{r}"] = float(ds["central_gain_mean"].sel(regime=r).values[y])
    row["npv_mean"] = float(ds["npv_mean"].values)
    return small.load(), row


# -- the Dataset and the table ------------------------------------------------------------------------
def _coord_values(values: list[Any]) -> np.ndarray:
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.float64)
    return np.array([v if isinstance(v, str) else toml_value(v) for v in values], dtype=object).astype(str)


def combine(results: list[tuple[Variant, xr.Dataset, dict]], settings: list[Setting], base: scenario.Scenario,
            command: str = "", timings: dict | None = None, scheduler: str = "") -> tuple[xr.Dataset, pl.DataFrame]:
    """One Dataset with a ``variant`` dimension (a coordinate per swept key) and the summary table."""
    variants = [v for v, _, _ in results]
    parts = [ds.expand_dims(variant=[v.index]) for v, ds, _ in results]
    ds = xr.concat(parts, dim="variant", join="outer", coords="minimal", compat="override",
                   combine_attrs="drop_conflicts", data_vars="all")
    coords = {"variant_label": ("variant", np.array([v.label for v in variants], dtype=str))}
    for s, col in zip(settings, range(len(settings))):
        coords[s.key] = ("variant", _coord_values([s.values[v.choice[col]] for v in variants]))
    ds = ds.assign_coords(coords)
    ds["variant"].attrs = {"units": "1", "long_name": "variant number (the grid of --set values, last --set "
                                                      "varying fastest)"}
    ds["variant_label"].attrs = {"units": "1", "long_name": "the variant's --set values"}
    for s in settings:
        ds[s.key].attrs = {"long_name": f"swept scenario key {s.key}", "set_option": f"--set {s.option}"}
    first = results[0][1].attrs
    ds.attrs = {
        "title": "simengine sweep",
        "scenario": base.name,
        "scenario_file": str(base.path),
        "scenario_sha256": base.sha256,
        "seed": base.seed if len({v.scenario.seed for v in variants}) == 1 else "per variant",
        "draws": base.draws if len({v.scenario.draws for v in variants}) == 1 else "per variant",
        "variants": len(variants),
        "swept_keys": ", ".join(s.key for s in settings),
        "set_options": " ".join(shlex.quote("--set=" + s.option) for s in settings),
        "common_random_numbers": ("every variant uses the same seed and draw indices; each sampled quantity's "
                                  "stream is keyed by (seed, variable, initiative id, municipality), so inputs a "
                                  "variant does not change draw identical values in every variant"),
        "sampling": first.get("sampling", base.sampling),
        "simengine_version": __version__,
        "stream_version": first.get("stream_version", ""),
        "created": first.get("created", ""),
        "command": command,
        "dropped": "per-draw and per-municipality results (run a variant with `python -m simengine run` for them)",
    }
    if scheduler:
        ds.attrs["scheduler"] = scheduler
    for k, v in (timings or {}).items():
        ds.attrs[f"seconds_{k}"] = round(float(v), 4)

    rows = []
    for v, _, row in results:
        r = {"variant": v.index, "label": v.label}
        for s, c in zip(settings, v.choice):
            r[s.key] = s.values[c]
        r.update(row)
        rows.append(r)
    table = pl.DataFrame({k: [r[k] for r in rows] for k in ["variant", "label"]})
    for s in settings:
        col = _coord_values([r[s.key] for r in rows])
        table = table.with_columns(pl.Series(s.key, col.tolist()))
    for k in rows[0]:
        if k in ("variant", "label") or k in {s.key for s in settings}:
            continue
        dtype = pl.Int64 if k == "year" else pl.Float64
        table = table.with_columns(pl.Series(k, [r[k] for r in rows], dtype=dtype))
    return ds, table


#: the stdout table's words: key -> (Danish, English)
_T = {
    "head": ("{name}: {n} varianter, {draws}, {seed} (samme tilfældige tal i alle varianter)",
             "{name}: sweep of {n} variants, {draws}, {seed} (common random numbers)"),
    "draws": ("{n} træk hver", "{n} draws each"), "draws_var": ("træk pr. variant", "draws per variant"),
    "seed": ("seed {s}", "seed {s}"), "seed_var": ("seed pr. variant", "seed per variant"),
    "year_one": ("målår {y}; bruttogevinst i mio. kr. pr. år", "target year {y}; gross gain in mio. DKK/year"),
    "year_var": ("målår pr. variant; bruttogevinst i mio. kr. pr. år", "target year per variant; gross gain in mio. DKK/year"),
    "legend": ("P(mål): sandsynlighed for at nå målet. P10/P50: fraktiler; middel: middelværdi. servicered.: "
               "forventet servicereduktion ved forlods budgetreduktion. kassen: forventet gevinst til kassen "
               "ved tilbageholdelse. –: intet mål det år.",
               "P(target): probability of reaching the target. P10/P50: percentiles; mean: the mean. service "
               "cut: expected service cut when the gain is pre-budgeted. central: expected gain to the central "
               "budget under retention. –: no target that year."),
    "swept": ("[{k}] = {name}", "[{k}] = {name}"),
    "variant": ("var.", "var."), "year": ("år", "year"), "p": ("P(mål)", "P(target)"), "mean": ("middel", "mean"),
    "cut": ("servicered.", "service cut"), "central": ("kassen", "central"),
}


def format_sweep(table: pl.DataFrame, settings: list[Setting], ds: xr.Dataset, lang: str = "da") -> str:
    """The stdout table in ``lang``: per variant its values and the target-year figures (mio.
    DKK/year), at most 80 columns (the swept keys numbered, their names listed above the table)."""
    from simengine import safetext
    from simengine.labels import Labels
    from simengine.terminal import WIDTH, _n, _wrap

    L = Labels(lang)

    def t(key: str, **kw) -> str:
        text = _T[key][0 if lang == "da" else 1]
        return text.format(**kw) if kw else text

    keys = [s.key for s in settings]
    draws, seed = ds.attrs["draws"], ds.attrs["seed"]
    years = table["year"].unique().to_list()
    one_year = len(years) == 1
    lines = _wrap(t("head", name=safetext.line(str(ds.attrs["scenario"])), n=len(table),
                    draws=t("draws", n=L.num(draws)) if isinstance(draws, int) else t("draws_var"),
                    seed=t("seed", s=seed) if isinstance(seed, int) else t("seed_var")))
    lines += _wrap(t("year_one", y=years[0]) if one_year else t("year_var"))
    lines += _wrap(t("legend"))
    lines += [line for k, key in enumerate(keys) for line in _wrap(t("swept", k=k + 1, name=safetext.line(key)), "", "      ")]
    lines.append("")
    rows = []
    for r in table.iter_rows(named=True):
        vals = [str(r["variant"])] + [(f"{r[k]:g}".replace(".", ",") if lang == "da" else f"{r[k]:g}")
                                      if isinstance(r[k], float) else safetext.line(toml_value(r[k])) for k in keys]
        vals += [] if one_year else [str(r["year"])]
        vals.append(L.pct(r["p_target"]))
        vals += [_n(L, r[c] / 1e6) for c in ("benefit_p10", "benefit_p50", "benefit_mean", "service_cut_mean",
                                              "central_gain_mean_retention")]
        rows.append(vals)
    head = ([t("variant")] + [f"[{k + 1}]" for k in range(len(keys))] + ([] if one_year else [t("year")])
            + [t("p"), "P10", "P50", t("mean"), t("cut"), t("central")])
    widths = [max(len(h), *(len(r[c]) for r in rows)) for c, h in enumerate(head)]
    lines.append("  ".join(f"{h:>{w}}" for h, w in zip(head, widths)))
    lines += ["  ".join(f"{v:>{w}}" for v, w in zip(r, widths)) for r in rows]
    if max(len(x) for x in lines) > WIDTH:  # many or long swept values: two spaces become one
        lines = lines[:-len(rows) - 1] + [" ".join(f"{h:>{w}}" for h, w in zip(head, widths))]
        lines += [" ".join(f"{v:>{w}}" for v, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def manifest(ds: xr.Dataset, settings: list[Setting]) -> dict:
    import numba

    return {
        "scenario_file": ds.attrs.get("scenario_file"),
        "scenario_path_absolute": str(Path(ds.attrs.get("scenario_file", "")).resolve()),
        "scenario_sha256": ds.attrs.get("scenario_sha256"),
        "scenario": ds.attrs.get("scenario"),
        "seed": ds.attrs.get("seed"),
        "draws": ds.attrs.get("draws"),
        "sets": [s.option for s in settings],
        "variants": [str(x) for x in ds["variant_label"].values],
        "command": ds.attrs.get("command"),
        "created": ds.attrs.get("created"),
        "scheduler": ds.attrs.get("scheduler"),
        "timings_seconds": {k[len("seconds_"):]: ds.attrs[k] for k in ds.attrs if k.startswith("seconds_")},
        "versions": {"simengine": __version__, "python": sys.version.split()[0], "numpy": np.__version__,
                     "numba": numba.__version__, "xarray": xr.__version__},
        "platform": platform.platform(),
        "stream_version": ds.attrs.get("stream_version"),
    }


def sweep(path: Path, sets: list[str], executor=None, draws: int | None = None, seed: int | None = None,
          chunk: int | None = None, block_draws: int | None = None, progress=None,
          command: str = "") -> tuple[xr.Dataset, pl.DataFrame]:
    """Parse, validate and run a sweep in memory (``executor``: a DaskExecutor, or None: this process)."""
    from simengine import api

    return api.sweep_and_summary(path, [parse_set(s) for s in sets], executor=executor, draws=draws, seed=seed,
                                 chunk=chunk, block_draws=block_draws, progress=progress, command=command)


def run_and_combine(path: Path | scenario.Scenario, settings: list[Setting], variants: list[Variant], executor=None,
                    draws: int | None = None, seed: int | None = None, chunk: int | None = None,
                    block_draws: int | None = None, progress=None,
                    command: str = "") -> tuple[xr.Dataset, pl.DataFrame]:
    base = path if isinstance(path, scenario.Scenario) else scenario.load(path)
    base = base.with_run_options(draws=draws, seed=seed)
    executor = executor if executor is not None else InProcess(None)
    t0 = time.perf_counter()
    results = run_sweep(variants, executor, chunk=chunk or engine.DEFAULT_CHUNK, block_draws=block_draws,
                        progress=progress)
    t1 = time.perf_counter()
    return combine(results, settings, base, command=command, timings={"simulate": t1 - t0},
                   scheduler="" if isinstance(executor, InProcess) else executor.description)


def write(out: Path, ds: xr.Dataset, table: pl.DataFrame, settings: list[Setting], lang: str = "da",
          report: bool = True) -> list[Path]:
    """sweep.nc, sweep_summary.parquet and sweep.json, and with ``report`` the reader's sweep.html and
    sweep.xlsx in ``lang`` (simengine.report.sweep), all in one commit."""
    from simengine.output import atomic_outputs
    from simengine.report import sweep as page

    with atomic_outputs(out, owns=page.owns) as w:
        w.write("sweep.nc", lambda p: ds.to_netcdf(p, engine="h5netcdf"))
        w.write("sweep_summary.parquet", lambda p: table.write_parquet(p))
        w.write_json("sweep.json", manifest(ds, settings))
        if report:
            page.write(w, page.build_safe(ds, table, lang))
        written = [final for _, final in w.pending]
    return written


def cmd_sweep(args, argv: list[str], cluster_context) -> int:
    """The ``sweep`` command (simengine.cli)."""
    from simengine import progress
    from simengine.output import locked, prepare_dir

    t0 = time.perf_counter()
    settings = [parse_set(s) for s in args.sets]
    check_settings(settings)
    out = args.out if args.out is not None else Path("outputs") / f"{args.scenario.stem}-sweep"
    if args.scheduler is None:
        engine.check_threads(args.threads)
    base = scenario.load(args.scenario)
    variants = build_variants(base, settings, draws=args.draws, seed=args.seed)  # errors before work
    command = "python -m simengine " + " ".join(shlex.quote(a) for a in argv)
    total = sum(v.scenario.draws for v in variants)
    with locked(prepare_dir(out)), cluster_context(args) as cluster:  # one writer per folder, from the start
        executor = cluster.executor if cluster is not None else InProcess(args.threads)
        with progress.draws_bar(total, progress.enabled(args.quiet), after="Writing results",
                                lang=getattr(args, "lang", "da")) as advance:
            from simengine import api  # the command line runs the Python API's sweep

            ds, table = api.sweep_and_summary(base, settings, variants=variants, executor=executor,
                                              draws=args.draws, seed=args.seed, chunk=args.chunk,
                                              block_draws=cluster.block_draws if cluster else None,
                                              progress=advance, command=command)
        written = write(out, ds, table, settings, lang=getattr(args, "lang", "da"),
                        report=not getattr(args, "no_report", False))
    if not args.quiet:
        print(format_sweep(table, settings, ds, lang=getattr(args, "lang", "da")))
        from simengine.terminal import wrote_text

        print("\n" + wrote_text(out, written, getattr(args, "lang", "da"), time.perf_counter() - t0))
    return 0
