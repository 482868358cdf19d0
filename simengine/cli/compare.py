"""Paired comparison of two scenarios: ``python -m simengine compare A.toml B.toml``.

Both scenarios run with the same seed and the same number of draws. Every sampled quantity has
its own keyed stream (seed, variable, initiative id, municipality code), so draw d of B sees the
same national shocks, municipal capacities and, for every initiative that did not change, the
same inputs as draw d of A: the difference B - A of draw d is what the change does in that
world. Per year the comparison reports the distribution of B - A, P(B > A) and P(B reaches its
target while A does not), and per initiative present in both the difference of the mean gain.

Besides the difference, A's and B's own gain quantiles per year, their gains in the target year
per paired draw and their committable amounts are kept for the reader's page (comparison.html and
comparison.xlsx, simengine.outputs.report.compare; left out with ``--no-report``); the table printed is in
``--lang`` (simengine.outputs.compare_text).

Statistics of the difference need both gains of the same draw, so they use the draws kept per
draw (the first ``keep_draws``, default 200,000: all of them in an ordinary run); the attributes
say when that is fewer than all draws. Means and P(target) of each scenario use all draws.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import xarray as xr

from simengine import __version__
from simengine.analysis import varspecs
from simengine.analysis.results import NationalStats
from simengine.core import engine
from simengine.core.driver import RunOptions
from simengine.errors import ConfigError
from simengine.messages import Msg, render, warn
from simengine.model.plan import compile_plan
from simengine.scenario import safetext
from simengine.scenario.schema import Scenario

COMPARE_FILES = ("comparison.nc", "comparison.txt", "run.json")  # and the page: simengine.outputs.report.compare
#: probability levels of A's and B's own gain kept for the fan charts (variable band)
BANDS = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)


def default_out(path_a: Path, path_b: Path) -> Path:
    return Path("outputs") / f"compare_{Path(path_a).stem}_vs_{Path(path_b).stem}"


def load_pair(path_a: Path, path_b: Path) -> tuple[Scenario, Scenario]:
    """Load both scenarios; the problems of both are reported together."""
    from simengine.scenario import schema as scenario

    loaded, problems = [], []
    for p in (path_a, path_b):
        try:
            loaded.append(scenario.load(p))
        except ConfigError as exc:
            problems += exc.messages
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))
    return loaded[0], loaded[1]


def pair_options(
    a: Scenario, b: Scenario, draws: int | None = None, seed: int | None = None
) -> tuple[Scenario, Scenario, list[str]]:
    """The two scenarios with the same seed, draws and keep_draws (A's unless given), and notes on
    what was overridden in B to pair them."""
    notes = []
    seed = a.seed if seed is None else seed
    draws = a.draws if draws is None else draws
    if b.seed != seed and seed == a.seed:
        notes.append(f"B's seed {b.seed} replaced by A's ({seed}) so that the draws are paired")
    if b.draws != draws and draws == a.draws:
        notes.append(f"B's draws {b.draws:,} replaced by A's ({draws:,})")
    if a.sampling != b.sampling:
        notes.append(
            f"the scenarios sample differently (A {a.sampling}, B {b.sampling}): the draws are "
            "not paired input by input"
        )
    if a.correlations or b.correlations:
        notes.append("correlated inputs: changing one input can move the draws of the inputs correlated with it")
    keep = max(a.keep_draws, b.keep_draws)
    a = replace(a, seed=seed, draws=draws, keep_draws=keep)
    b = replace(b, seed=seed, draws=draws, keep_draws=keep)
    return a, b, notes


def run_pair(
    a: Scenario,
    b: Scenario,
    opts: RunOptions | None = None,
    executor=None,
    progress=None,
    *,
    threads: int | None = None,
    chunk: int | None = None,
) -> tuple[engine.RawResults, engine.RawResults]:
    """Simulate A and B (already paired by :func:`pair_options`) through the block driver, on
    ``executor`` (default: this process); ``threads``/``chunk``: shorthand for options with only
    those set."""
    from simengine.core import driver

    opts = driver.RunOptions(via="cli", threads=threads, chunk=chunk) if opts is None else opts
    executor = driver.LocalExecutor(opts.threads) if executor is None else executor
    plans = []
    for sc in (a, b):
        plan = compile_plan(sc)
        for note in getattr(plan, "notes", ()):  # e.g. a repaired correlation matrix
            warn(f"{safetext.line(sc.path)}: {safetext.line(render(note))}")
        plans.append(plan)
    ra, rb = driver.run_many(plans, opts, executor, progress=progress)
    return ra, rb


def compare(
    ra: engine.RawResults, rb: engine.RawResults, notes: list[str] | None = None, command: str = ""
) -> xr.Dataset:
    """The paired comparison of two runs with the same seed and draws, on their common years."""
    pa, pb = ra.plan, rb.plan
    sa, sb = pa.scenario, pb.scenario
    notes = list(notes or [])
    if ra.draws != rb.draws or sa.seed != sb.seed:
        raise ConfigError(
            f"internal: compare needs runs with the same seed and draws, got seed {sa.seed}/{sb.seed} "
            f"and draws {ra.draws}/{rb.draws}"
        )
    ya, yb = np.asarray(pa.years), np.asarray(pb.years)
    years = np.intersect1d(ya, yb)
    if years.size == 0:
        raise ConfigError(
            Msg(
                "compare.no_common_year",
                a=str(sa.path),
                b=str(sb.path),
                a0=int(ya[0]),
                a1=int(ya[-1]),
                b0=int(yb[0]),
                b1=int(yb[-1]),
            )
        )
    if len(years) < len(ya) or len(years) < len(yb):
        notes.append(f"compared on the common years {years[0]}-{years[-1]} (A {ya[0]}-{ya[-1]}, B {yb[0]}-{yb[-1]})")
    ia, ib = np.searchsorted(ya, years), np.searchsorted(yb, years)
    N = ra.draws
    K = min(len(ra.benefit), len(rb.benefit))
    if K < N:
        notes.append(
            f"the paired statistics use the first {K:,} of {N:,} draws (those kept per draw; raise "
            "[simulation] keep_draws to use more); means and P(target) use all draws"
        )
    q = np.array(sa.quantiles)
    A, B = ra.benefit[:K][:, ia], rb.benefit[:K][:, ib]
    d = B - A
    ta, tb = np.asarray(pa.target, dtype=float)[ia], np.asarray(pb.target, dtype=float)[ib]
    same_target = bool(np.array_equal(ta, tb))
    target_note = (
        "each scenario's own target path; the targets are the same"
        if same_target
        else "each scenario's own target path; the targets differ (B reaches B's target, A misses A's)"
    )
    if not same_target:
        notes.append("the targets differ: 'reaches the target' means each scenario's own target path")
    sta, stb = NationalStats(ra), NationalStats(rb)
    mean_a, mean_b = sta.mean("benefit")[ia], stb.mean("benefit")[ib]
    net_a = (ra.benefit[:K] - ra.cost[:K])[:, ia]
    net_b = (rb.benefit[:K] - rb.cost[:K])[:, ib]
    cpf_a, cpf_b = float(sa.cost_per_fte), float(sb.cost_per_fte)
    fte_d = B / cpf_b - A / cpf_a
    hit_a, hit_b = A >= ta, B >= tb

    ids_a = [i.id for i in sa.initiatives]
    ids_b = [i.id for i in sb.initiatives]
    common = [i for i in ids_a if i in set(ids_b)]
    names = {i.id: i.name for i in sa.initiatives}
    ini_a = (ra.acc.init_sum / pa.init_inv_unit[None, :] / N).T  # (I, Y)
    ini_b = (rb.acc.init_sum / pb.init_inv_unit[None, :] / N).T
    ka = [ids_a.index(i) for i in common]
    kb = [ids_b.index(i) for i in common]
    ini_ma = ini_a[ka][:, ia] if common else np.zeros((0, len(years)))
    ini_mb = ini_b[kb][:, ib] if common else np.zeros((0, len(years)))

    ds = xr.Dataset(
        coords={
            "year": years,
            "quantile": q,
            "draw": np.arange(K),
            "initiative": common,
            "initiative_name": ("initiative", [names[i] for i in common]),
        }
    )

    def put(name, data, **values):  # as simengine.analysis.varspecs declares comparison.nc's variables
        varspecs.put(ds, name, data, dataset="compare", **values)

    put("target_a", ta)
    put("target_b", tb)
    put("benefit_mean_a", mean_a)
    put("benefit_mean_b", mean_b)
    put("p_target_a", ra.acc.hit[ia] / N)
    put("p_target_b", rb.acc.hit[ib] / N)
    put("difference", d)
    put("difference_quantile", np.quantile(d, q, axis=0))
    put("difference_mean", mean_b - mean_a)
    put("p_b_greater", (d > 0).mean(axis=0))
    put("p_b_less", (d < 0).mean(axis=0))
    put("p_only_b_reaches_target", (hit_b & ~hit_a).mean(axis=0), target=target_note)
    put("p_only_a_reaches_target", (hit_a & ~hit_b).mean(axis=0), target=target_note)
    put("net_difference_quantile", np.quantile(net_b - net_a, q, axis=0))
    put("net_difference_mean", (net_b - net_a).mean(axis=0))
    put("fte_difference_quantile", np.quantile(fte_d, q, axis=0), cpf_a=cpf_a, cpf_b=cpf_b)
    put("fte_difference_mean", mean_b / cpf_b - mean_a / cpf_a)
    if np.array_equal(ya, yb) and sa.discount_rate == sb.discount_rate:
        npv_d = rb.npv[:K] - ra.npv[:K]
        put("npv_difference_quantile", np.quantile(npv_d, q))
        put("npv_difference_mean", npv_d.mean())
    else:
        notes.append("no NPV difference: the scenarios cover different years or discount differently")
    put("initiative_benefit_mean_a", ini_ma)
    put("initiative_benefit_mean_b", ini_mb)
    put("initiative_benefit_mean_difference", ini_mb - ini_ma)

    # -- A and B themselves, for the reader's page (simengine.outputs.report.compare) --
    ty = next((int(t) for t in (sa.target_year, sb.target_year) if int(t) in set(years.tolist())), int(years[-1]))
    ti = int(np.searchsorted(years, ty))
    ds.coords["band"] = np.array(BANDS)
    for s, st, idx, raw in (("a", sta, ia, ra), ("b", stb, ib, rb)):
        put(f"benefit_quantile_{s}", st.quantile("benefit", np.array(BANDS))[:, idx])
        put(f"benefit_target_year_{s}", raw.benefit[:K, idx[ti]], year=ty)
    cert = np.asarray(sa.certainty, dtype=float)
    ds.coords["certainty"] = cert
    for s, st, idx in (("a", sta, ia), ("b", stb, ib)):
        put(f"committable_{s}", st.quantile("benefit", 1.0 - cert)[:, idx])
    # -- end A and B --
    varspecs.label_coords(ds, "compare")

    only_a = [i for i in ids_a if i not in set(ids_b)]
    only_b = [i for i in ids_b if i not in set(ids_a)]
    ds.attrs = {
        "title": varspecs.TITLES["compare"],
        "scenario_a": sa.name,
        "scenario_b": sb.name,
        "scenario_file_a": str(sa.path),
        "scenario_file_b": str(sb.path),
        "scenario_sha256_a": sa.sha256,
        "scenario_sha256_b": sb.sha256,
        "seed": sa.seed,
        "draws": N,
        "draws_paired": K,
        "sampling_a": sa.sampling,
        "sampling_b": sb.sampling,
        "cost_per_fte_a": cpf_a,
        "cost_per_fte_b": cpf_b,
        "target": target_note,
        "target_year": ty,
        "target_year_a": int(sa.target_year),
        "target_year_b": int(sb.target_year),
        "initiatives_only_in_a": ", ".join(only_a) or "none",
        "initiatives_only_in_b": ", ".join(only_b) or "none",
        "notes": "; ".join(notes) or "none",
        "simengine_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": command,
    }
    return ds


def format_comparison(ds: xr.Dataset, unit: str = "dkk", top: int = 5, lang: str = "da") -> str:
    """The short table in ``lang`` (Danish or English), at most 80 columns: per year mean and
    P10/P50/P90 of B - A, P(B > A), P(only B reaches its target), each P(target); then the
    initiatives whose mean gain changed most (simengine.outputs.compare_text)."""
    from simengine.outputs.compare_text import format_comparison as fmt

    return fmt(ds, unit=unit, lang=lang, top=top)


#: compare's run.json keys, in order (simengine.core.driver.manifest builds it)
COMPARE_MANIFEST = (
    "command",
    "created",
    "scenario_file_a",
    "scenario_sha256_a",
    "scenario_file_b",
    "scenario_sha256_b",
    "seed",
    "draws",
    "keep_draws",
    "scheduler",
    "versions",
    "platform",
)


def manifest(ds: xr.Dataset, a: Scenario, b: Scenario) -> dict:
    """compare's run.json (simengine.core.driver.manifest: the keys every manifest shares, and the pair's own)."""
    from simengine.core import driver

    return driver.manifest(
        dict(ds.attrs),
        COMPARE_MANIFEST,
        scenario_file_a=str(a.path),
        scenario_sha256_a=a.sha256,
        scenario_file_b=str(b.path),
        scenario_sha256_b=b.sha256,
        seed=a.seed,
        draws=a.draws,
        keep_draws=a.keep_draws,
    )


def run_compare(
    path_a: Path,
    path_b: Path,
    out: Path | None = None,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    chunk: int | None = None,
    command: str = "",
    unit: str = "dkk",
    progress=None,
    lang: str = "da",
    report: bool = True,
    opts: RunOptions | None = None,
) -> tuple[xr.Dataset, str, list[Path]]:
    """Load, pair, simulate, compare and write comparison.nc, comparison.txt and run.json to ``out``
    (default outputs/compare_<A stem>_vs_<B stem>/), atomically; with ``report`` also the reader's
    comparison.html and comparison.xlsx in ``lang`` (simengine.outputs.report.compare), in the same commit.
    ``opts`` (simengine.core.driver.RunOptions, the command line's) replaces draws, seed, threads, chunk."""
    from simengine import api  # the command line runs the Python API's compare
    from simengine.core import driver
    from simengine.outputs.folder import atomic_outputs, locked, prepare_dir

    if opts is None:
        opts = driver.RunOptions(via="cli", draws=draws, seed=seed, threads=threads, chunk=chunk)
    loaded = load_pair(Path(path_a), Path(path_b))
    a, b, _ = pair_options(*loaded, draws=opts.draws, seed=opts.seed)  # as api.compare_scenarios pairs them
    out = default_out(path_a, path_b) if out is None else Path(out)
    with locked(prepare_dir(out)):  # fail early, before the simulation; one writer per folder
        ds = api.compare_scenarios(*loaded, options=opts, progress=progress, command=command)
        table = format_comparison(ds, unit=unit, lang=lang)
        from simengine.outputs.report import compare as page  # comparison.html and comparison.xlsx

        with atomic_outputs(out, owns=page.owns) as w:
            w.write("comparison.nc", lambda p: ds.to_netcdf(p, engine="h5netcdf"))
            w.write_text("comparison.txt", table + "\n")
            w.write_json("run.json", manifest(ds, a, b))
            if report:
                page.write(w, page.build_safe(ds, lang))
            written = [final for _, final in w.pending]
    return ds, table, written
