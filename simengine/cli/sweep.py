"""``python -m simengine sweep SCENARIO --set KEY.PATH=V1,V2,... [--set ...]``: a grid of variants.

Every combination of the ``--set`` values is one variant of the scenario: the value is put into
the scenario's TOML document at the key path (``regimes.retention_share``, ``areas.social.target``,
``initiatives.osb-1.delay`` with the initiative named by its id) and the document is validated again,
so a bad value gives the usual one-line error, naming the ``--set`` option. All variants run with
the same seed and draw indices, and each sampled quantity's stream is keyed by (seed, variable,
initiative id, municipality): an input the variant did not change draws the same values in every
variant (common random numbers), so differences between variants are the effect of the change,
not noise. Variants run on a Dask cluster with ``--scheduler`` (see simengine.core.distributed) or one
after the other in this process; the numbers are the same either way, and each variant's numbers
are those of ``python -m simengine run`` on that variant.

Writes ``sweep.nc`` (an xarray Dataset with a ``variant`` dimension, one coordinate per swept key,
and every result of a run that has no per-draw or per-municipality dimension: P(target), gain
quantiles and means, expected shortfall, NPV, central gain / service cut / realised gain per regime,
per-area and per-initiative statistics, backtest), ``sweep_summary.parquet`` (one row per variant,
target-year figures) and ``sweep.json`` (the manifest), and unless ``--no-report`` the reader's
``sweep.html`` and ``sweep.xlsx`` in ``--lang`` (simengine.outputs.report.sweep), atomically.
"""

from __future__ import annotations

import itertools
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xarray as xr

from simengine import __version__
from simengine.analysis.results import NationalStats, build_dataset
from simengine.analysis.varspecs import TITLES, label_coords
from simengine.core import engine
from simengine.core.distributed import make_job
from simengine.core.driver import RunOptions
from simengine.errors import ConfigError
from simengine.messages import render, warn
from simengine.model.plan import REGIMES, compile_plan, scenario_notes
from simengine.model.structure import CUT_REGIMES, SHARING_REGIMES
from simengine.scenario import schema as scenario
from simengine.scenario.variants import (  # noqa: F401 (the --set rules, shared with simengine.api; names kept here)
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


def build_variants(
    path: Path | scenario.Scenario, settings: list[Setting], draws: int | None = None, seed: int | None = None
) -> list[Variant]:
    """Validate every variant of the scenario (a file, or one already loaded); raises one ConfigError
    listing each problem once, naming its --set."""
    check_settings(settings)
    base = path if isinstance(path, scenario.Scenario) else scenario.load(Path(path))  # must be valid itself
    variants: list[Variant] = []
    problems: list = []  # str or Msg: rendered in the terminal's language
    for k, choice in enumerate(itertools.product(*[range(len(s.values)) for s in settings])):
        try:
            sc = derive(base, settings, choice)
        except ConfigError as exc:
            problems += exc.messages
            continue
        variants.append(
            Variant(
                index=k,
                choice=tuple(choice),
                label=", ".join(s.text(c) for s, c in zip(settings, choice)),
                scenario=sc.with_run_options(draws=draws, seed=seed),
            )
        )
    if problems:  # each problem once (by its English text)
        raise ConfigError(list({str(m): m for m in problems}.values()))
    return variants


# -- running ----------------------------------------------------------------------------------------
def run_sweep(
    variants: list[Variant], executor, opts: RunOptions, progress: Callable[[int], None] | None = None
) -> list[tuple[Variant, xr.Dataset, dict]]:
    """Run every variant through the block driver (simengine.core.driver.drive) on ``executor``; returns
    per variant (variant, its results without per-draw and per-municipality variables, its
    target-year summary row).

    On a cluster a variant that fits one block runs as one task that also reduces its results on
    the worker (``Job.finish``), so only a few kB travel back; a larger one runs as blocks merged
    here. Blocks of all variants share the executor's window, so memory stays bounded: a variant's
    merged draws are freed as soon as it is complete."""
    from simengine.core import driver

    total = sum(v.scenario.draws for v in variants)
    by_index = {v.index: v for v in variants}

    def runs():
        for k, v in enumerate(variants):
            sc = v.scenario
            opts.check_scenario(sc)
            job = make_job(sc, sc.keep_draws, 0, chunk=opts.chunk_draws, threads=opts.threads, finish=_extract)
            bl = driver.plan_blocks(executor, sc, 0, sc.draws, opts.block_draws, total=total)
            plan = None
            if not (executor.remote and len(bl) == 1):  # merged here: compiled here
                plan = compile_plan(sc)
                if k == 0:
                    engine.check_memory(plan, sc.draws, executor.memory_threads, sc.keep_draws)
            yield driver.Run(v.index, job, bl, plan=plan)

    done: dict[int, tuple[Variant, xr.Dataset, dict]] = {}
    notes: set[str] = set()
    for tag, (ds, row) in driver.drive(runs(), executor, progress):
        v = by_index[tag]  # type: ignore[index]
        done[v.index] = (v, ds, row)
        if str(ds.attrs.get("warnings", "none")) not in ("", "none"):  # e.g. a repaired correlation matrix
            for note in scenario_notes(v.scenario):  # in the terminal's language (the file keeps English)
                text = render(note)
                if text not in notes:
                    notes.add(text)
                    warn(f"{v.label}: {text}")
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
        "benefit_p10": float(q[0]),
        "benefit_p50": float(q[1]),
        "benefit_p90": float(q[2]),
        "benefit_mean": float(ds["benefit_mean"].values[y]),
        "expected_shortfall": float(ds["expected_shortfall"].values[y]),
        "service_cut_mean": float(ds["service_cut_mean"].sel(regime=CUT_REGIMES[0]).values[y]),
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


def combine(
    results: list[tuple[Variant, xr.Dataset, dict]],
    settings: list[Setting],
    base: scenario.Scenario,
    command: str = "",
    timings: dict | None = None,
    scheduler: str = "",
) -> tuple[xr.Dataset, pl.DataFrame]:
    """One Dataset with a ``variant`` dimension (a coordinate per swept key) and the summary table."""
    variants = [v for v, _, _ in results]
    parts = [ds.expand_dims(variant=[v.index]) for v, ds, _ in results]
    ds = xr.concat(
        parts,
        dim="variant",
        join="outer",
        coords="minimal",
        compat="override",
        combine_attrs="drop_conflicts",
        data_vars="all",
    )
    coords = {"variant_label": ("variant", np.array([v.label for v in variants], dtype=str))}
    for s, col in zip(settings, range(len(settings))):
        coords[s.key] = ("variant", _coord_values([s.values[v.choice[col]] for v in variants]))
    ds = ds.assign_coords(coords)
    label_coords(ds, "sweep", ["variant", "variant_label"])  # as simengine.analysis.varspecs declares them
    for s in settings:
        label_coords(ds, "sweep", [s.key], set_option=f"--set {s.option}")
    first = results[0][1].attrs
    ds.attrs = {
        "title": TITLES["sweep"],
        "scenario": base.name,
        "scenario_file": str(base.path),
        "scenario_sha256": base.sha256,
        "seed": base.seed if len({v.scenario.seed for v in variants}) == 1 else "per variant",
        "draws": base.draws if len({v.scenario.draws for v in variants}) == 1 else "per variant",
        "variants": len(variants),
        "swept_keys": ", ".join(s.key for s in settings),
        "set_options": " ".join(shlex.quote("--set=" + s.option) for s in settings),
        "common_random_numbers": (
            "every variant uses the same seed and draw indices; each sampled quantity's "
            "stream is keyed by (seed, variable, initiative id, municipality), so inputs a "
            "variant does not change draw identical values in every variant"
        ),
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
    "head": (
        "{name}: {n} varianter, {draws}, {seed} (samme tilfældige tal i alle varianter)",
        "{name}: sweep of {n} variants, {draws}, {seed} (common random numbers)",
    ),
    "draws": ("{n} træk hver", "{n} draws each"),
    "draws_var": ("træk pr. variant", "draws per variant"),
    "seed": ("seed {s}", "seed {s}"),
    "seed_var": ("seed pr. variant", "seed per variant"),
    "year_one": ("målår {y}; bruttogevinst i mio. kr. pr. år", "target year {y}; gross gain in mio. DKK/year"),
    "year_var": (
        "målår pr. variant; bruttogevinst i mio. kr. pr. år",
        "target year per variant; gross gain in mio. DKK/year",
    ),
    "legend": (
        "P(mål): sandsynlighed for at nå målet. P10/P50: fraktiler; middel: middelværdi. servicered.: "
        "forventet servicereduktion ved forlods budgetreduktion. kassen: forventet gevinst til kassen "
        "ved tilbageholdelse. –: intet mål det år.",
        "P(target): probability of reaching the target. P10/P50: percentiles; mean: the mean. service "
        "cut: expected service cut when the gain is pre-budgeted. central: expected gain to the central "
        "budget under retention. –: no target that year.",
    ),
    "swept": ("[{k}] = {name}", "[{k}] = {name}"),
    "variant": ("var.", "var."),
    "year": ("år", "year"),
    "p": ("P(mål)", "P(target)"),
    "mean": ("middel", "mean"),
    "cut": ("servicered.", "service cut"),
    "central": ("kassen", "central"),
}


def format_sweep(table: pl.DataFrame, settings: list[Setting], ds: xr.Dataset, lang: str = "da") -> str:
    """The stdout table in ``lang``: per variant its values and the target-year figures (mio.
    DKK/year), at most 80 columns (the swept keys numbered, their names listed above the table)."""
    from simengine.outputs.labels import Labels
    from simengine.outputs.report.sweep import swept_head, swept_number
    from simengine.outputs.terminal import WIDTH, _n, _wrap
    from simengine.scenario import safetext

    L = Labels(lang)

    def t(key: str, **kw) -> str:
        text = _T[key][0 if lang == "da" else 1]
        return text.format(**kw) if kw else text

    keys = [s.key for s in settings]
    draws, seed = ds.attrs["draws"], ds.attrs["seed"]
    years = table["year"].unique().to_list()
    one_year = len(years) == 1
    lines = _wrap(
        t(
            "head",
            name=safetext.line(str(ds.attrs["scenario"])),
            n=len(table),
            draws=t("draws", n=L.num(draws)) if isinstance(draws, int) else t("draws_var"),
            seed=t("seed", s=seed) if isinstance(seed, int) else t("seed_var"),
        )
    )
    lines += _wrap(t("year_one", y=years[0]) if one_year else t("year_var"))
    lines += _wrap(t("legend"))
    lines += [
        line
        for k, key in enumerate(keys)
        for line in _wrap(t("swept", k=k + 1, name=safetext.line(swept_head(key, L))), "", "      ")
    ]
    lines.append("")
    rows = []
    for r in table.iter_rows(named=True):
        vals = [str(r["variant"])] + [
            L.exact(swept_number(k, r[k]))  # in the reader's number format, never 1e+08; amounts in mio. kr.
            if isinstance(r[k], (int, float)) and not isinstance(r[k], bool)
            else safetext.line(toml_value(r[k]))
            for k in keys
        ]
        vals += [] if one_year else [str(r["year"])]
        vals.append(L.pct(r["p_target"]))
        vals += [
            _n(L, r[c] / 1e6)
            for c in (
                "benefit_p10",
                "benefit_p50",
                "benefit_mean",
                "service_cut_mean",
                f"central_gain_mean_{SHARING_REGIMES[0]}",
            )
        ]
        rows.append(vals)
    head = (
        [t("variant")]
        + [f"[{k + 1}]" for k in range(len(keys))]
        + ([] if one_year else [t("year")])
        + [t("p"), "P10", "P50", t("mean"), t("cut"), t("central")]
    )
    widths = [max(len(h), *(len(r[c]) for r in rows)) for c, h in enumerate(head)]
    lines.append("  ".join(f"{h:>{w}}" for h, w in zip(head, widths)))
    lines += ["  ".join(f"{v:>{w}}" for v, w in zip(r, widths)) for r in rows]
    if max(len(x) for x in lines) > WIDTH:  # many or long swept values: two spaces become one
        lines = lines[: -len(rows) - 1] + [" ".join(f"{h:>{w}}" for h, w in zip(head, widths))]
        lines += [" ".join(f"{v:>{w}}" for v, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


#: sweep.json's keys, in order (simengine.core.driver.manifest builds it)
SWEEP_MANIFEST = (
    "scenario_file",
    "scenario_path_absolute",
    "scenario_sha256",
    "scenario",
    "seed",
    "draws",
    "sets",
    "variants",
    "command",
    "created",
    "scheduler",
    "timings_seconds",
    "versions",
    "platform",
    "stream_version",
)


def manifest(ds: xr.Dataset, settings: list[Setting]) -> dict:
    """sweep.json (simengine.core.driver.manifest: the keys every manifest shares, and the sweep's own)."""
    from simengine.core import driver

    a = ds.attrs
    return driver.manifest(
        dict(a),
        SWEEP_MANIFEST,
        scenario_file=a.get("scenario_file"),
        scenario_path_absolute=str(Path(a.get("scenario_file", "")).resolve()),
        scenario_sha256=a.get("scenario_sha256"),
        scenario=a.get("scenario"),
        seed=a.get("seed"),
        draws=a.get("draws"),
        sets=[s.option for s in settings],
        variants=[str(x) for x in ds["variant_label"].values],
    )


def sweep(
    path: Path,
    sets: list[str],
    executor=None,
    draws: int | None = None,
    seed: int | None = None,
    chunk: int | None = None,
    block_draws: int | None = None,
    progress=None,
    command: str = "",
) -> tuple[xr.Dataset, pl.DataFrame]:
    """Parse, validate and run a sweep in memory (``executor``: an open executor such as a
    DaskExecutor, or None: this process)."""
    from simengine import api

    return api.sweep_and_summary(
        path,
        [parse_set(s) for s in sets],
        executor=executor,
        draws=draws,
        seed=seed,
        chunk=chunk,
        block_draws=block_draws,
        progress=progress,
        command=command,
    )


def run_and_combine(
    path: Path | scenario.Scenario,
    settings: list[Setting],
    variants: list[Variant],
    executor,
    opts: RunOptions,
    progress=None,
    command: str = "",
) -> tuple[xr.Dataset, pl.DataFrame]:
    base = path if isinstance(path, scenario.Scenario) else scenario.load(path)
    base = base.with_run_options(draws=opts.draws, seed=opts.seed)
    t0 = time.perf_counter()
    results = run_sweep(variants, executor, opts, progress=progress)
    t1 = time.perf_counter()
    return combine(
        results,
        settings,
        base,
        command=command,
        timings={"simulate": t1 - t0},
        scheduler=executor.description if executor.remote else "",
    )


def write(
    out: Path, ds: xr.Dataset, table: pl.DataFrame, settings: list[Setting], lang: str = "da", report: bool = True
) -> list[Path]:
    """sweep.nc, sweep_summary.parquet and sweep.json, and with ``report`` the reader's sweep.html and
    sweep.xlsx in ``lang`` (simengine.outputs.report.sweep), all in one commit."""
    from simengine.outputs.folder import atomic_outputs
    from simengine.outputs.report import sweep as page

    with atomic_outputs(out, owns=page.owns) as w:
        w.write("sweep.nc", lambda p: ds.to_netcdf(p, engine="h5netcdf"))
        w.write("sweep_summary.parquet", lambda p: table.write_parquet(p))
        w.write_json("sweep.json", manifest(ds, settings))
        if report:
            page.write(w, page.build_safe(ds, table, lang))
        written = [final for _, final in w.pending]
    return written


def cmd_sweep(args, argv: list[str], opts: RunOptions) -> int:
    """The ``sweep`` command (simengine.cli.main); ``opts`` are its run options, validated."""
    from simengine.core import driver
    from simengine.outputs import progress
    from simengine.outputs.folder import locked, prepare_dir

    t0 = time.perf_counter()
    settings = [parse_set(s) for s in args.sets]
    check_settings(settings)
    out = args.out if args.out is not None else Path("outputs") / f"{args.scenario.stem}-sweep"
    base = scenario.load(args.scenario)
    variants = build_variants(base, settings, draws=opts.draws, seed=opts.seed)  # errors before work
    command = "python -m simengine " + " ".join(shlex.quote(a) for a in argv)
    total = sum(v.scenario.draws for v in variants)
    with locked(prepare_dir(out)), driver.open_executor(opts) as executor:  # one writer per folder, from the start
        with progress.draws_bar(
            total, progress.enabled(args.quiet), after="Writing results", lang=getattr(args, "lang", "da")
        ) as advance:
            from simengine import api  # the command line runs the Python API's sweep

            ds, table = api.sweep_and_summary(
                base, settings, variants=variants, executor=executor, options=opts, progress=advance, command=command
            )
        written = write(
            out, ds, table, settings, lang=getattr(args, "lang", "da"), report=not getattr(args, "no_report", False)
        )
    if not args.quiet:
        print(format_sweep(table, settings, ds, lang=getattr(args, "lang", "da")))
        from simengine.outputs.terminal import wrote_text

        print("\n" + wrote_text(out, written, getattr(args, "lang", "da"), time.perf_counter() - t0))
    return 0
