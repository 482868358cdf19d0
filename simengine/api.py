"""simengine from Python: load a scenario, change it, run it, look at the Dataset.

The command line (``python -m simengine run|compare|sweep``) is built on these functions, so a
script and the command line give the same numbers for the same scenario and seed, bit for bit.

>>> import simengine
>>> sc = simengine.load("scenarios/2015.toml")
>>> on_time = simengine.variant(sc, {"initiatives.besk-datagrundlag.legislation.probability": 0.0})
>>> ds = simengine.run(on_time, draws=2_000, seed=1)
>>> float(ds["p_target"].sel(year=2020))  # doctest: +SKIP
0.41

Amounts are DKK per year (2015 prices, as the scenario states them) unless a variable's ``units``
attribute says otherwise; every variable has ``units`` and ``long_name`` attributes.

Errors are the project's exceptions (simengine.errors): bad input raises
:class:`~simengine.errors.ConfigError` (also a ``ValueError``; ``.problems`` lists one line per
problem, each naming the file, key path, value and what is allowed), a run that cannot complete
raises :class:`~simengine.errors.RunError`.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from simengine.core.driver import RunOptions
from simengine.core.memory import ordinary_pages
from simengine.errors import ConfigError
from simengine.scenario.schema import Scenario

if TYPE_CHECKING:
    import polars as pl
    import xarray as xr

    from simengine.scenario.variants import Setting

__all__ = [
    "Scenario",
    "ask",
    "backtest",
    "compare_scenarios",
    "load",
    "rebuild",
    "run",
    "sweep_grid",
    "update",
    "variant",
    "write",
]

#: what :func:`run`, :func:`compare_scenarios` and :func:`sweep_grid` take as a scenario: a Scenario or a file
ScenarioLike: TypeAlias = "Scenario | str | os.PathLike[str]"
#: a progress callback: called with the number of draws just finished
Progress: TypeAlias = Callable[[int], None]


# -- scenarios ------------------------------------------------------------------------------------
def load(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        A scenario file (``.toml``). Files it ``extends`` are read too, relative to its folder.

    Returns
    -------
    Scenario
        The validated scenario (a frozen dataclass: ``sc.draws``, ``sc.seed``, ``sc.target_year``,
        ``sc.initiatives``, ...). Targets and gains are in DKK per year.

    Raises
    ------
    ConfigError
        The file is missing, unreadable or invalid; ``.problems`` has one line per problem.

    Examples
    --------
    >>> sc = load("scenarios/2015.toml")
    >>> sc.start_year, sc.target_year, len(sc.initiatives)  # doctest: +SKIP
    (2015, 2020, 30)
    """
    from simengine.scenario import schema as scenario

    return scenario.load(Path(path))


def variant(scenario: Scenario, values: Mapping[str, Any] | str | Iterable[str]) -> Scenario:
    """The scenario with some keys set to other values, validated as a scenario file is.

    The keys and values follow the rules of ``python -m simengine sweep --set KEY.PATH=VALUE``:
    a key is a dotted path into the scenario file (``regimes.retention_share``,
    ``areas.social.target``, ``initiatives.ID.KEY`` with the initiative named by its id); the value
    replaces what the file (or the files it ``extends``) says there, whole.

    Parameters
    ----------
    scenario : Scenario
        A scenario from :func:`load` (or a variant of one).
    values : mapping of str to value, or str, or iterable of str
        ``{"KEY.PATH": value}`` with Python values (numbers, bool, str, lists, dicts for tables and
        distributions), or ``"KEY.PATH=VALUE"`` strings with a TOML value, exactly as ``--set``
        takes them (one value per key).

    Returns
    -------
    Scenario
        The variant. It keeps ``scenario``'s draws and seed unless ``values`` sets
        ``simulation.*``; its ``changes`` lists the changes as ``KEY.PATH=VALUE`` text, and its
        sha256 is the one ``sweep`` gives the same variant.

    Raises
    ------
    ConfigError
        A bad key or value; each problem is one line starting ``variant KEY.PATH=VALUE:`` followed
        by the message a scenario file with that value would give.

    Examples
    --------
    >>> sc = load("scenarios/2015.toml")
    >>> later = variant(sc, {"initiatives.osb-1.delay": {"dist": "pert", "min": 0, "mode": 1, "max": 2}})
    >>> same = variant(sc, 'initiatives.osb-1.delay={ dist = "pert", min = 0, mode = 1, max = 2 }')
    >>> later.sha256 == same.sha256
    True
    """
    from simengine.scenario import variants as v

    if not isinstance(scenario, Scenario):
        raise ConfigError(f"variant: expected a Scenario from simengine.load, got {type(scenario).__name__}")
    settings: list[Setting] = []
    if isinstance(values, Mapping):
        for key, value in values.items():
            if not isinstance(key, str):
                raise ConfigError(f'variant: keys must be text such as "initiatives.osb-1.delay", got {key!r}')
            text = f"{key}={v.toml_value(_plain(value, key))}"
            settings.append(
                v.Setting(
                    key=v.check_key(key, text, "variant"), values=(_plain(value, key),), option=text, via="variant"
                )
            )
    else:
        for text in [values] if isinstance(values, str) else list(values):
            if not isinstance(text, str):
                raise ConfigError(f'variant: expected "KEY.PATH=VALUE" text, got {text!r}')
            s = v.parse_set(text, via="variant")
            if len(s.values) != 1:
                raise ConfigError(f"variant {text}: one value per key (sweep_grid takes several)")
            settings.append(s)
    if not settings:
        return scenario
    v.check_settings(settings)
    return v.derive(scenario, settings, [0] * len(settings))


def _plain(value: Any, key: str) -> Any:
    """A Python value as the TOML document holds it (tuples as lists, numpy scalars as numbers)."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(x, key) for x in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: _plain(x, key) for k, x in value.items()}
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return _plain(item(), key)
    raise ConfigError(
        f"variant {key}: cannot use a value of type {type(value).__name__} ({value!r}); use "
        "numbers, true/false, text, lists or tables (dicts with text keys)"
    )


def _as_scenario(scenario: ScenarioLike, what: str) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return load(scenario)
    raise ConfigError(f"{what}: expected a Scenario (simengine.load) or a scenario file, got {type(scenario).__name__}")


def _where_options(
    what: str,
    draws: int | None,
    seed: int | None,
    threads: int | None,
    scheduler: str | None,
    block_draws: int | None,
    connect_timeout: float | None,
) -> RunOptions:
    """The run options of a function that also takes where the draws run (``scheduler``,
    ``block_draws``, ``connect_timeout``), validated once as the command line's are."""
    return RunOptions(
        via=what,
        draws=draws,
        seed=seed,
        threads=threads,
        scheduler=scheduler,
        block_draws=block_draws,
        connect_timeout=connect_timeout,
    )


# -- running --------------------------------------------------------------------------------------
@ordinary_pages()  # numpy's arrays in ordinary pages (simengine.core.memory)
def run(
    scenario: ScenarioLike,
    *,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    chunk: int | None = None,
    precision: float | None = None,
    max_draws: int | None = None,
    scheduler: str | None = None,
    block_draws: int | None = None,
    connect_timeout: float | None = None,
    analyses: bool = True,
    progress: Progress | None = None,
    command: str = "",
    options: RunOptions | None = None,
) -> xr.Dataset:
    """Simulate a scenario in memory and return the results (nothing is written).

    The same numbers as ``python -m simengine run`` with the same scenario, draws and seed,
    whatever ``threads`` and ``chunk``.

    Parameters
    ----------
    scenario : Scenario or str or path-like
        From :func:`load` or :func:`variant`, or a scenario file.
    draws : int, optional
        Number of draws N (default: the scenario's ``[simulation] draws``).
    seed : int, optional
        Random seed in [0, 2**63) (default: the scenario's ``[simulation] seed``).
    threads : int, optional
        numba threads (default: all cores). Does not change the results.
    chunk : int, optional
        Draws per kernel call. Does not change the results.
    precision : float, optional
        Instead of a fixed number of draws, add blocks of 65,536 draws until the 95 % intervals of
        the target year's P10 and P50 are within ``precision`` of the estimate (relative) and that of
        P(target) within ``precision`` (absolute), e.g. 0.005; ``draws`` must then be None.
    max_draws : int, optional
        Upper limit of draws with ``precision`` (default 10,000,000).
    scheduler : str, optional
        Run blocks of draws on the Dask cluster at this address (``tcp://host:8786``), or on a
        LocalCluster of N worker processes here (``local:N``): the command line's ``--scheduler``;
        the same results bit for bit. Also with ``precision``.
    block_draws : int, optional
        Draws per task with ``scheduler`` (default: about two blocks per worker).
    connect_timeout : float, optional
        Seconds to wait for the scheduler (default 10).
    analyses : bool, default True
        Add the Monte Carlo intervals, the sensitivity ranking and the shortfall waterfall.
    progress : callable, optional
        Called with the number of draws just finished, after each chunk.
    command : str, optional
        Recorded in ``ds.attrs["command"]``.
    options : simengine.core.driver.RunOptions, optional
        All run options as one validated object (the command line builds one); replaces the
        keyword arguments draws ... connect_timeout.

    Returns
    -------
    xarray.Dataset
        Dimensions ``year`` (Y = horizon - start_year + 1), ``quantile`` (the scenario's
        quantile levels), ``draw`` (the first ``keep_draws`` draws), ``area``, ``initiative``,
        ``municipality``, ``regime`` and others. For example ``benefit`` (draw, year) is the national
        gross gain per draw in DKK/year, ``benefit_quantile`` (quantile, year) its quantiles over all
        draws, ``p_target`` (year) P(gain >= target), ``central_gain`` and ``service_cut``
        (draw, regime, year) per budget regime, ``npv`` (draw,) in DKK. Every variable's ``units``
        and ``long_name`` attributes say what it is; the variables are listed in the README
        ("What a run writes"). ``ds.attrs`` holds the seed, draws, scenario file and sha256.

    Raises
    ------
    ConfigError
        Bad options (e.g. ``draws=0``) or a scenario the model cannot run.
    RunError
        Not enough memory for the draws kept, or another failure of the run.

    Examples
    --------
    >>> ds = run(load("scenarios/2015.toml"), draws=1_000, seed=7)
    >>> ds["benefit"].dims, ds.sizes["draw"] <= 1_000
    (('draw', 'year'), True)
    >>> p10 = ds["benefit_quantile"].sel(quantile=0.10)  # DKK/year, one value per year
    """
    from simengine.cli import runner
    from simengine.core.driver import open_executor

    sc = _as_scenario(scenario, "run")
    opts = (
        options
        if options is not None
        else RunOptions(
            via="run",
            draws=draws,
            seed=seed,
            threads=threads,
            chunk=chunk,
            precision=precision,
            max_draws=max_draws,
            scheduler=scheduler,
            block_draws=block_draws,
            connect_timeout=connect_timeout,
        )
    )
    sc = opts.scenario(sc)
    with open_executor(opts) as executor:
        ds = runner.simulate(sc, opts, executor, command=command, progress=progress, analyses=analyses)
    if sc.changes:  # a variant: what write() needs to rebuild it (and run.json records)
        ds.attrs["scenario_changes"] = json.dumps(list(sc.changes), ensure_ascii=False)
    return ds


@ordinary_pages()
def write(
    ds: xr.Dataset,
    folder: str | os.PathLike[str],
    scenario: Scenario | None = None,
    *,
    report: bool = True,
    lang: str = "da",
    unit: str = "dkk",
) -> list[Path]:
    """Write the results of :func:`run` to a folder, as ``python -m simengine run`` does.

    Writes ``results.nc`` (the Dataset), ``summary.parquet``, ``run.json`` (the manifest) and,
    unless ``report=False``, ``report.html``, ``summary.xlsx`` and ``charts/*.png``. All files are
    written under temporary names and renamed into place together, so a failure leaves the
    folder's previous results as they were.

    Parameters
    ----------
    ds : xarray.Dataset
        The results of :func:`run`.
    folder : str or path-like
        The output folder (created if missing).
    scenario : Scenario, optional
        The scenario ``ds`` was run from (for the manifest and the report's assumptions). Default:
        read again from the file recorded in ``ds.attrs`` (with a variant's changes applied); it
        must still be the same scenario.
    report : bool, default True
        Also write the report files.
    lang : {"da", "en"}, default "da"
        Language of report.html and summary.xlsx.
    unit : {"dkk", "fte"}, default "dkk"
        The report and workbook in mio. DKK or in FTE (årsværk: gain / ``cost_per_fte``).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ConfigError
        ``ds`` is not the results of a run, the scenario does not match, or a bad ``lang``.
    RunError
        The folder cannot be created or written.

    Examples
    --------
    >>> sc = load("scenarios/2015.toml")
    >>> files = write(run(sc, draws=1_000), "outputs/notebook", sc, report=False)
    >>> [p.name for p in files]  # doctest: +SKIP
    ['results.nc', 'summary.parquet', 'run.json']
    """
    from simengine.analysis.varspecs import TITLES
    from simengine.cli import runner
    from simengine.outputs.folder import prepare_dir

    if ds.attrs.get("title") != TITLES["run"] or "scenario_sha256" not in ds.attrs:
        raise ConfigError(
            "write: expected the results of simengine.run (a Dataset titled 'simengine results'), "
            f"got one titled {ds.attrs.get('title', '(none)')!r}"
        )
    if lang not in ("da", "en"):
        raise ConfigError(f'write: lang must be "da" or "en", got {lang!r}')
    if unit not in ("dkk", "fte"):
        raise ConfigError(f'write: unit must be "dkk" or "fte", got {unit!r}')
    sc = scenario if scenario is not None else _scenario_of(ds)
    if sc.sha256 != ds.attrs["scenario_sha256"]:
        raise ConfigError(
            f"write: {sc.path}: this is not the scenario the results were run from (sha256 "
            f"{sc.sha256[:12]}…, the results' {str(ds.attrs['scenario_sha256'])[:12]}…)"
        )
    sc = sc.with_run_options(draws=int(ds.attrs["draws"]), seed=int(ds.attrs["seed"]))
    out = Path(folder)
    prepare_dir(out)
    return runner.write_results(out, ds, sc, lang=lang, report=report, unit=unit)


def _scenario_of(ds: xr.Dataset) -> Scenario:
    """The scenario a run's Dataset came from: its file, and a variant's changes."""
    return rebuild(str(ds.attrs["scenario_file"]), json.loads(str(ds.attrs.get("scenario_changes", "[]"))))


def rebuild(path: str | os.PathLike[str], changes: Sequence[str] = ()) -> Scenario:
    """A scenario file with a variant's recorded ``changes`` (``Scenario.changes``) applied again.

    Parameters
    ----------
    path : str or path-like
        The scenario file.
    changes : sequence of str
        ``KEY.PATH=VALUE`` texts, in the order they were made (as run.json's ``scenario_changes``).

    Returns
    -------
    Scenario
        The same variant (same sha256) as the one the changes were recorded from.

    Examples
    --------
    >>> sc = variant(load("scenarios/2015.toml"), {"regimes.retention_share": 0.25})
    >>> rebuild("scenarios/2015.toml", sc.changes).sha256 == sc.sha256
    True
    """
    from simengine.scenario import variants as v

    sc = load(path)
    if not changes:
        return sc
    settings = [v.parse_set(str(change), via="variant") for change in changes]
    return v.derive(sc, settings, [0] * len(settings))  # in order, validated once, as recorded


def compare_scenarios(
    a: ScenarioLike,
    b: ScenarioLike,
    *,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    chunk: int | None = None,
    scheduler: str | None = None,
    block_draws: int | None = None,
    connect_timeout: float | None = None,
    progress: Progress | None = None,
    command: str = "",
    options: RunOptions | None = None,
) -> xr.Dataset:
    """Run two scenarios on the same draws and return B - A, draw by draw (nothing is written).

    Both run with the same seed and draws (A's unless given), so an input that B does not change
    takes the same value in both in every draw: the difference is the effect of the change, not
    noise. The same numbers as ``python -m simengine compare A.toml B.toml``.

    Parameters
    ----------
    a, b : Scenario or str or path-like
        The baseline A and the variant B.
    draws, seed : int, optional
        Of both runs (default: A's).
    threads, chunk : int, optional
        As in :func:`run`; they do not change the results.
    scheduler, block_draws, connect_timeout : optional
        As in :func:`run`: A's and B's blocks of draws on a Dask cluster; the same results.
    progress : callable, optional
        Called with the number of draws just finished.
    command : str, optional
        Recorded in ``ds.attrs["command"]``.
    options : simengine.core.driver.RunOptions, optional
        As in :func:`run` (no precision).

    Returns
    -------
    xarray.Dataset
        On the years both cover (Y) and the first K = min(draws, keep_draws) draws:
        ``difference`` (draw, year) B - A of the national gross gain in DKK/year,
        ``difference_quantile`` (quantile, year), ``difference_mean`` (year), ``p_b_greater`` (year)
        P(B > A), ``p_target_a``/``p_target_b`` (year), ``initiative_benefit_mean_difference``
        (initiative, year), the same in FTE and for the net gain; notes in ``ds.attrs["notes"]``.

    Raises
    ------
    ConfigError
        A bad scenario or option, or scenarios without a year in common.

    Examples
    --------
    >>> base = load("scenarios/2015.toml")
    >>> ds = compare_scenarios(base, variant(base, {"regimes.retention_share": 0.25}), draws=1_000)
    >>> ds["difference"].dims
    ('draw', 'year')
    """
    import simengine.cli.compare as cmp
    from simengine.core.driver import executor_attrs, open_executor

    sa, sb = _as_scenario(a, "compare_scenarios"), _as_scenario(b, "compare_scenarios")
    opts = (
        options
        if options is not None
        else RunOptions(
            via="compare_scenarios",
            draws=draws,
            seed=seed,
            threads=threads,
            chunk=chunk,
            scheduler=scheduler,
            block_draws=block_draws,
            connect_timeout=connect_timeout,
        )
    )
    if opts.precision is not None:
        raise ConfigError(
            f"{'--precision' if opts.via == 'cli' else 'compare_scenarios: precision'}: not available "
            "for a comparison (both scenarios run the same fixed number of draws)"
        )
    sa, sb, notes = cmp.pair_options(sa, sb, draws=opts.draws, seed=opts.seed)
    t0 = time.perf_counter()
    with open_executor(opts) as executor:
        ra, rb = cmp.run_pair(sa, sb, opts, executor, progress=progress)
    ds = cmp.compare(ra, rb, notes, command=command)
    ds.attrs.update(executor_attrs(executor, ra))
    ds.attrs["seconds"] = round(time.perf_counter() - t0, 3)
    return ds


def sweep_grid(
    scenario: ScenarioLike,
    grid: Mapping[str, Sequence[Any]] | Iterable[str],
    *,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    chunk: int | None = None,
    scheduler: str | None = None,
    block_draws: int | None = None,
    connect_timeout: float | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> xr.Dataset:
    """Run every combination of some keys' values (a grid of variants) on common random numbers.

    The same numbers as ``python -m simengine sweep SCENARIO --set KEY.PATH=V1,V2,...``; each
    variant's numbers are those of :func:`run` on ``variant(scenario, {KEY.PATH: value, ...})``.

    Parameters
    ----------
    scenario : Scenario or str or path-like
        The scenario varied.
    grid : mapping of str to sequence of values, or iterable of str
        ``{"KEY.PATH": [v1, v2, ...]}`` (keys as in :func:`variant`), or ``"KEY.PATH=V1,V2,..."``
        strings exactly as ``--set`` takes them. At most 10,000 combinations.
    draws, seed : int, optional
        Of every variant (default: the scenario's).
    threads, chunk : int, optional
        As in :func:`run`; they do not change the results.
    scheduler, block_draws, connect_timeout : optional
        As in :func:`run`: the variants on a Dask cluster; the same results.
    progress : callable, optional
        Called with the number of draws just finished.
    command : str, optional
        Recorded in ``ds.attrs["command"]``.

    Returns
    -------
    xarray.Dataset
        Every result of :func:`run` without a ``draw`` or ``municipality`` dimension, with a leading
        ``variant`` dimension (V = the number of combinations, last key varying fastest), one
        coordinate per swept key and ``variant_label``. E.g. ``p_target`` (variant, year),
        ``benefit_quantile`` (variant, quantile, year) in DKK/year.

    Raises
    ------
    ConfigError
        A bad key or value (each problem names its key=value), or too many combinations.

    Examples
    --------
    >>> ds = sweep_grid(load("scenarios/2015.toml"), {"regimes.retention_share": [0.25, 0.5]}, draws=1_000)
    >>> ds.sizes["variant"], ds["p_target"].dims
    (2, ('variant', 'year'))
    """
    return sweep_and_summary(
        scenario,
        grid,
        draws=draws,
        seed=seed,
        threads=threads,
        chunk=chunk,
        scheduler=scheduler,
        block_draws=block_draws,
        connect_timeout=connect_timeout,
        progress=progress,
        command=command,
    )[0]


def settings_of(grid: Mapping[str, Sequence[Any]] | Iterable[str], via: str = "--set") -> list[Setting]:
    """The grid of :func:`sweep_grid` as validated settings (simengine.scenario.variants.Setting)."""
    from simengine.scenario import variants as v

    settings = []
    if isinstance(grid, Mapping):
        for key, values in grid.items():
            if not isinstance(key, str):
                raise ConfigError(f'sweep_grid: keys must be text such as "regimes.retention_share", got {key!r}')
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                values = [values]
            plain = [_plain(x, key) for x in values]
            text = f"{key}={','.join(v.toml_value(x) for x in plain)}"
            if not plain:
                raise ConfigError(f"{via} {text}: expected at least one value")
            shown = [v.toml_value(x) for x in plain]
            dup = sorted({s for s in shown if shown.count(s) > 1})
            if dup:
                raise ConfigError(f"{via} {text}: value {dup[0]} is given twice")
            settings.append(v.Setting(key=v.check_key(key, text, via), values=tuple(plain), option=text, via=via))
    else:
        for text in [grid] if isinstance(grid, str) else grid:
            if not isinstance(text, str):
                raise ConfigError(f'sweep_grid: expected "KEY.PATH=V1,V2,..." text, got {text!r}')
            settings.append(v.parse_set(text, via=via))
    if not settings:
        raise ConfigError("sweep_grid: give at least one key and its values")
    v.check_settings(settings)
    return settings


def sweep_and_summary(
    scenario: ScenarioLike,
    grid: Mapping[str, Sequence[Any]] | Iterable[str] | list[Setting],
    *,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    chunk: int | None = None,
    scheduler: str | None = None,
    block_draws: int | None = None,
    connect_timeout: float | None = None,
    progress: Progress | None = None,
    command: str = "",
    variants: list[Any] | None = None,
    executor: Any = None,
    options: RunOptions | None = None,
) -> tuple[xr.Dataset, pl.DataFrame]:
    """:func:`sweep_grid`, and the target-year summary table (one row per variant) of ``sweep_summary.parquet``.

    ``variants`` (from simengine.cli.sweep.build_variants), ``options`` and ``executor`` (an executor
    already open, simengine.core.driver.open_executor) are the command line's: it validates the grid
    before opening a cluster. An ``executor`` given with ``block_draws`` runs blocks of that size.
    """
    import simengine.cli.sweep as sw
    from simengine.core.driver import open_executor
    from simengine.scenario.variants import Setting

    base = _as_scenario(scenario, "sweep_grid")
    if options is None:
        options = RunOptions(
            via="sweep_grid",
            draws=draws,
            seed=seed,
            threads=threads,
            chunk=chunk,
            scheduler=scheduler if executor is None else None,
            block_draws=block_draws if executor is None else None,
            connect_timeout=connect_timeout,
        )
        if executor is not None and block_draws is not None:
            from simengine.core.driver import _with_blocks

            options = _with_blocks(options, block_draws)
    opts = options
    if opts.precision is not None:
        raise ConfigError(
            f"{'--precision' if opts.via == 'cli' else 'sweep_grid: precision'}: not available for a "
            "sweep (every variant runs the same fixed number of draws)"
        )
    given = [s for s in grid if isinstance(s, Setting)] if isinstance(grid, list) else []
    settings = given if given and len(given) == len(grid) else settings_of(grid, via="sweep_grid")  # type: ignore[arg-type]
    if variants is None:
        variants = sw.build_variants(base, settings, draws=opts.draws, seed=opts.seed)
    if executor is not None:
        return sw.run_and_combine(base, settings, variants, executor, opts, progress=progress, command=command)
    with open_executor(opts) as ex:
        return sw.run_and_combine(base, settings, variants, ex, opts, progress=progress, command=command)


#: the names of the commands, for ``from simengine.api import compare, sweep`` (in the package namespace
#: ``simengine.cli.compare`` and ``simengine.cli.sweep`` are the modules, hence compare_scenarios and sweep_grid)
compare = compare_scenarios
sweep = sweep_grid


# -- backtest, update, ask ------------------------------------------------------------------------
def _observations(scenario: Scenario, observations: str | os.PathLike[str]) -> Any:
    from simengine.scenario import observations as obsmod

    obs = obsmod.load(Path(observations))
    obsmod.check_against(obs, scenario)
    return obs


def _date(known_by: str | _dt.date, what: str) -> _dt.date:
    from simengine.scenario import observations as obsmod

    if isinstance(known_by, _dt.date):
        return known_by
    if not isinstance(known_by, str):
        raise ConfigError(f"{what}: known_by must be a date (datetime.date or 'YYYY-MM-DD'), got {known_by!r}")
    d: _dt.date = obsmod.parse_date(known_by)
    return d


def backtest(
    scenario: ScenarioLike,
    observations: str | os.PathLike[str],
    *,
    known_by: str | _dt.date | None = None,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    scheduler: str | None = None,
    block_draws: int | None = None,
    connect_timeout: float | None = None,
) -> xr.Dataset:
    """Score the scenario's forecast against a file of observations (``python -m simengine backtest``).

    Parameters
    ----------
    scenario : Scenario or str or path-like
        From :func:`load` or :func:`variant`, or a scenario file.
    observations : str or path-like
        An observations file (TOML; the schema is in the README, "Scoring and updating").
    known_by : datetime.date or str, optional
        With a date: the forecast updated on the observations known by then is scored against the
        observations that became known later.
    draws, seed, threads : int, optional
        As for :func:`run`.
    scheduler, block_draws, connect_timeout : optional
        Where the draws run, as for :func:`run` (the command line's ``--scheduler``,
        ``--block-draws``, ``--connect-timeout``); the same results bit for bit.

    Returns
    -------
    xarray.Dataset
        The contents of ``backtest.nc``: over the dimension ``observation`` (O observations) ``value``,
        ``pit``, ``crps``, ``log_score``, ``forecast_p10``/``p50``/``p90`` and each reference's
        ``crps_<name>``; ``pit_histogram`` (deciles); ``crps_total`` and ``skill_<name>`` per unit of
        the observations (DKK/year, year, share).

    Raises
    ------
    ConfigError
        A bad observations file, an observation of something the scenario does not have, bad options.

    Examples
    --------
    >>> bt = backtest("tests/data/small.toml", "tests/data/observations_small.toml", draws=1_000)
    >>> bt["pit"].dims
    ('observation',)
    """
    from simengine.analysis import scoring

    sc = _as_scenario(scenario, "backtest")
    opts = _where_options("backtest", draws, seed, threads, scheduler, block_draws, connect_timeout)
    sc = sc.with_run_options(draws=draws, seed=seed)
    obs = _observations(sc, observations)
    known = _date(known_by, "backtest") if known_by is not None else None
    bt: xr.Dataset = scoring.backtest_run(sc, obs, known, command="simengine.api.backtest", opts=opts)[0]
    return bt


def update(
    scenario: ScenarioLike,
    observations: str | os.PathLike[str],
    known_by: str | _dt.date,
    *,
    draws: int | None = None,
    seed: int | None = None,
    threads: int | None = None,
    scheduler: str | None = None,
    block_draws: int | None = None,
    connect_timeout: float | None = None,
) -> xr.Dataset:
    """Condition the forecast on the observations known by a date (``python -m simengine update``).

    Parameters
    ----------
    scenario : Scenario or str or path-like
        From :func:`load` or :func:`variant`, or a scenario file.
    observations : str or path-like
        An observations file (TOML).
    known_by : datetime.date or str
        The observations known by this date (``YYYY-MM-DD``) condition the forecast.
    draws, seed, threads : int, optional
        As for :func:`run`.
    scheduler, block_draws, connect_timeout : optional
        Where the draws run, as for :func:`run` (the command line's ``--scheduler``,
        ``--block-draws``, ``--connect-timeout``); the same results bit for bit.

    Returns
    -------
    xarray.Dataset
        The results of :func:`run`, every statistic recomputed under importance weights, with the
        normalised weight of every kept draw (``weight``, dimension ``draw``) and the effective
        sample size (``ds.attrs["ess"]``). Updating on no observations returns the run's results.

    Raises
    ------
    ConfigError
        A bad observations file or date; an observation no kept draw can produce.

    Examples
    --------
    >>> post = update("tests/data/small.toml", "tests/data/observations_small.toml", "2015-01-01", draws=1_000)
    >>> float(post["weight"].sum())  # doctest: +SKIP
    1.0
    """
    from simengine.analysis import update as upd

    sc = _as_scenario(scenario, "update")
    opts = _where_options("update", draws, seed, threads, scheduler, block_draws, connect_timeout)
    sc = sc.with_run_options(draws=draws, seed=seed)
    obs = _observations(sc, observations)
    post: xr.Dataset = upd.update_run(sc, obs, _date(known_by, "update"), quiet=True, opts=opts)[0]
    return post


def ask(
    results: xr.Dataset | str | os.PathLike[str],
    year: int,
    *,
    at_least: float | None = None,
    certainty: float | None = None,
    scope: str = "national",
    quantity: str = "realised",
) -> dict[str, Any]:
    """P(gain >= X in a year), or the amount the gain reaches with a given certainty
    (``python -m simengine ask``).

    Parameters
    ----------
    results : xarray.Dataset or str or path-like
        The results of :func:`run` (in memory) or a ``results.nc`` file.
    year : int
        A year of the results' horizon.
    at_least : float, optional
        X in DKK/year: the answer is P(gain >= X). Give exactly one of ``at_least`` and ``certainty``.
    certainty : float, optional
        c in (0, 1): the answer is the amount the gain reaches with probability c.
    scope : str, default "national"
        ``national``, ``area:<id>``, ``municipality:<code>`` or ``initiative:<id>``.
    quantity : {"realised", "potential", "net"}, default "realised"

    Returns
    -------
    dict
        ``probability`` or ``amount``, with its 95 % Monte Carlo interval ``ci_low``, ``ci_high`` and
        the ``method`` (exact from the kept draws, or from the streaming histograms).

    Examples
    --------
    >>> ds = run("tests/data/small.toml", draws=1_000, seed=3)
    >>> sorted(ask(ds, 2016, certainty=0.9))[:3]
    ['amount', 'certainty', 'ci_high']
    """
    from simengine.cli import ask as askmod

    where: Any = results if not isinstance(results, (str, os.PathLike)) else Path(results)
    answer: dict[str, Any] = askmod.ask(
        where, year, scope=scope, at_least=at_least, certainty=certainty, quantity=quantity
    )
    return answer
