"""The block driver: every run of draws, however it is asked for, goes through here.

A run is a plan and a set of blocks of global draw indices. The driver hands the blocks to an
*executor* (:class:`LocalExecutor`: :func:`simengine.core.engine.run_range` in this process on the
run's threads; or a :class:`simengine.core.distributed.DaskExecutor`: tasks on a Dask cluster) and
merges what comes back with the one :class:`Merger`: integer addition of the accumulators and
placement of the kept draws by draw index, so the result is bit for bit the same whatever the
executor, the block size, the threads or the order in which blocks finish.

* a plain run (``run``, ``check``, the Python API): :func:`run`, all draws as blocks;
* ``--precision``: :func:`run` with a precision target adds steps of
  :data:`simengine.analysis.mcerror.BLOCK` draws to one growing merger until the stopping rule holds;
* ``compare`` and ``sweep``: :func:`drive` with several runs sharing the executor (on a cluster a
  sweep variant that fits one block is simulated and reduced on its worker, ``Job.finish``).

Run options are validated once, by :class:`RunOptions` (the command line and the Python API build
the same object); ``threads`` travels in it and reaches numba only through :func:`numba_threads`,
which sets numba's thread count for a block of code and restores it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import platform
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simengine.core.memory import ordinary_pages
from simengine.errors import ConfigError, RunError
from simengine.messages import Msg
from simengine.scenario.limits import MAX_CONNECT_TIMEOUT, MAX_DRAWS, MAX_SEED

if TYPE_CHECKING:
    import numpy as np

    from simengine.analysis.mcerror import Precision
    from simengine.core.distributed import Job, PackedPartial, SchedulerSpec, Task
    from simengine.core.engine import Partial, RawResults
    from simengine.model.plan import Plan
    from simengine.scenario.schema import Scenario

Progress = Callable[[int], None]

#: draws per kernel call (never changes results; simengine.core.engine uses it)
DEFAULT_CHUNK = 65_536
#: per-draw inputs kept for the sensitivity analysis and the waterfall (the first draws): as many as
#: the sensitivity analysis uses (simengine.analysis.sensitivity.SENSITIVITY_DRAWS is this number), as more
#: would be fresh memory written and never read
DEFAULT_STORE_INPUTS = 50_000
#: most kept draws in one block of a run that computes per-draw quantities from the inputs
#: (:func:`run`'s ``observe``): the inputs of a block's kept draws are held while they are computed
OBSERVE_BLOCK = 65_536
#: default upper limit of draws of an adaptive run (--precision; simengine.analysis.mcerror uses it)
DEFAULT_MAX_DRAWS = 10_000_000


# -- options ----------------------------------------------------------------------------------------
def _cores() -> int:
    from simengine.core.engine import available_threads

    return available_threads()


@dataclass(frozen=True)
class RunOptions:
    """How to run draws, validated once: every cap the kernel relies on is checked here.

    ``via`` says who asked, for the one-line errors: ``"cli"`` names options as the command line
    does (``--draws: ...``), anything else is the Python function's name (``run: draws ...``).
    None means "the scenario's value" (draws, seed, keep_draws) or "the default" (threads: all
    cores; chunk: 65,536; max_draws: 10,000,000 with ``precision``).
    """

    via: str = "run"
    draws: int | None = None
    seed: int | None = None
    threads: int | None = None
    chunk: int | None = None
    keep_draws: int | None = None
    store_inputs: int = DEFAULT_STORE_INPUTS
    scheduler: str | None = None
    block_draws: int | None = None
    connect_timeout: float | None = None
    precision: float | None = None
    max_draws: int | None = None

    def _name(self, name: str) -> str:
        return f"--{name.replace('_', '-')}:" if self.via == "cli" else f"{self.via}: {name}"

    def _fail(self, name: str, text: str | Msg) -> ConfigError:
        return ConfigError(Msg("run.option", name=self._name(name), what=text))

    def _subject(self, name: str) -> str | Msg:  # "--draws:" / "run: draws is"
        return self._name(name) if self.via == "cli" else Msg("run.subject_is", fn=self.via, name=name)

    def _only(self, name: str, other: str) -> ConfigError:
        opt = f"--{other}" if self.via == "cli" else other
        return ConfigError(Msg("run.only_with", subject=self._subject(name), other=opt))

    def _whole(self, name: str, value: Any, lo: int, hi: int | None, why: bool = False) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, Msg("opt.whole", got=repr(value)))
        if hi is not None and value > hi:
            raise self._fail(name, Msg("run.at_most_cap" if why else "run.at_most", hi=hi, got=value))
        if value < lo:
            if hi is not None:
                raise self._fail(name, Msg("run.between", lo=lo, hi=hi, got=value))
            raise self._fail(name, Msg("run.at_least", lo=lo, got=value))

    def __post_init__(self) -> None:
        cap = True
        self._whole("draws", self.draws, 1, MAX_DRAWS, cap)
        self._whole("seed", self.seed, 0, MAX_SEED)
        self._whole("threads", self.threads, 1, None)
        self._whole("chunk", self.chunk, 1, None)
        self._whole("keep_draws", self.keep_draws, 0, MAX_DRAWS)
        self._whole("store_inputs", self.store_inputs, 0, MAX_DRAWS)
        self._whole("max_draws", self.max_draws, 1, MAX_DRAWS, cap)
        self._whole("block_draws", self.block_draws, 1, MAX_DRAWS, cap)
        if self.precision is not None:
            p = self.precision
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p < 1:
                raise self._fail("precision", Msg("run.precision", got=repr(p)))
            if self.draws is not None:
                po, m = ("--precision", "--max-draws") if self.via == "cli" else ("precision", "max_draws")
                raise ConfigError(Msg("run.draws_with_precision", subject=self._subject("draws"), po=po, m=m))
        elif self.max_draws is not None:
            raise self._only("max_draws", "precision")
        if self.scheduler is None:
            for name in ("block_draws", "connect_timeout"):
                if getattr(self, name) is not None:
                    raise self._only(name, "scheduler")
            if self.threads is not None:
                self._check_threads(self.threads)
            return
        if not isinstance(self.scheduler, str):
            raise self._fail("scheduler", Msg("run.scheduler", got=repr(self.scheduler)))
        spec = self.spec  # raises ConfigError on a bad address
        t = self.connect_timeout
        if t is not None and (
            isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= MAX_CONNECT_TIMEOUT
        ):
            raise self._fail("connect_timeout", Msg("run.connect_timeout", max=MAX_CONNECT_TIMEOUT, got=repr(t)))
        if spec is not None and spec.is_local:
            n, cores = spec.local_workers or 1, _cores()
            if n > cores:
                raise ConfigError(Msg("run.local_workers", n=n, cores=cores))
            if self.threads is not None and n * self.threads > cores:
                raise ConfigError(Msg("run.local_threads", n=n, threads=self.threads, cores=cores))

    def _check_threads(self, threads: int | None) -> int:
        """At most this machine's cores (simengine.core.engine.check_threads, the one rule)."""
        from simengine.core.engine import check_threads

        try:
            return check_threads(threads)
        except ConfigError as exc:
            m = exc.messages[0]
            what = m.params["what"] if isinstance(m, Msg) and "what" in m.params else exc.problems[0].split(": ", 1)[-1]
            raise self._fail("threads", what) from None

    # -- derived --
    @property
    def spec(self) -> SchedulerSpec | None:
        if self.scheduler is None:
            return None
        from simengine.core.distributed import parse_scheduler

        return parse_scheduler(self.scheduler)

    @property
    def chunk_draws(self) -> int:
        return DEFAULT_CHUNK if self.chunk is None else self.chunk

    @property
    def draws_limit(self) -> int:
        """The most draws the run may simulate (``max_draws`` with ``precision``)."""
        return DEFAULT_MAX_DRAWS if self.max_draws is None else self.max_draws

    def local_threads(self) -> int:
        """The numba threads of a run in this process (all cores unless given)."""
        return self._check_threads(self.threads)

    def scenario(self, sc: Scenario) -> Scenario:
        """``sc`` with these draws and seed; its own draws and keep_draws checked against the caps
        (a Scenario changed with ``dataclasses.replace`` is checked here too)."""
        sc = dataclasses.replace(
            sc, draws=sc.draws if self.draws is None else self.draws, seed=sc.seed if self.seed is None else self.seed
        )
        self.check_scenario(sc)
        return sc

    def check_scenario(self, sc: Scenario) -> None:
        for name, value in (("draws", sc.draws), ("keep_draws", sc.keep_draws)):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DRAWS:
                raise ConfigError(
                    Msg("run.scenario_draws", file=str(sc.path), name=name, max=MAX_DRAWS, got=repr(value))
                )


@contextlib.contextmanager
def numba_threads(threads: int) -> Iterator[int]:
    """Run the block with numba on ``threads`` threads; numba's previous setting is restored."""
    import numba

    before = numba.get_num_threads()
    if before != threads:
        numba.set_num_threads(threads)
    try:
        yield threads
    finally:
        if before != threads:
            numba.set_num_threads(before)


# -- the one merge ----------------------------------------------------------------------------------
#: Job.observe's per-draw quantities whose name starts so have rows for the draws whose inputs are
#: kept (< store_inputs), not for every kept draw
STORED = "stored_"


class Merger:
    """Merges the partial results of blocks of draws [0, draws), in any order, by integer addition
    and placement by draw index; checks that every expected block arrives exactly once. More blocks
    may be expected later (:meth:`expect`: the adaptive run grows one merger)."""

    def __init__(
        self, plan: Plan, draws: int, keep_draws: int, store_inputs: int, expected: Iterable[tuple[int, int]] = ()
    ) -> None:
        from simengine.core import engine

        self.plan = plan
        self.keep_draws = keep_draws
        self.store_inputs = store_inputs
        self.draws = 0
        self.acc = engine.new_accumulators(plan)
        self.kept = engine._per_draw(plan, 0)
        self.inputs = _zero_inputs(plan, 0)
        self.extra: dict[str, np.ndarray] = {}  # Job.observe's per-draw quantities, rows = kept draws
        self.pending: set[tuple[int, int]] = set()
        self.added = 0
        self.workers: set[str] = set()
        self.task_seconds = 0.0
        self.expect(expected)
        if self.draws != draws:
            raise RunError(f"internal: blocks cover {self.draws} draws, expected {draws}")

    @property
    def n_keep(self) -> int:
        return min(self.draws, self.keep_draws)

    @property
    def done(self) -> bool:
        return not self.pending

    def expect(self, blocks: Iterable[tuple[int, int]]) -> None:
        """Expect ``blocks`` too: they must continue draws [0, draws) without gap or overlap."""
        import numpy as np

        from simengine.core import engine

        end = self.draws
        new = sorted(blocks)
        for d0, n in new:
            if d0 != end or n < 1:
                raise RunError(f"internal: blocks of draws overlap or leave a gap at draw {end}")
            end = d0 + n
        if not new:
            return
        old_keep, old_inp = self.n_keep, len(self.inputs)
        self.draws = end
        self.pending.update(new)
        if self.n_keep != old_keep:
            kept = engine._per_draw(self.plan, self.n_keep)
            for k, v in self.kept.items():
                kept[k][:old_keep] = v
            self.kept = kept
            for k, v in self.extra.items():
                if not k.startswith(STORED):
                    grown = np.zeros((self.n_keep,) + v.shape[1:], v.dtype)
                    grown[:old_keep] = v
                    self.extra[k] = grown
        n_inp = min(self.draws, self.store_inputs, self.keep_draws)
        if n_inp != old_inp:
            inputs = _zero_inputs(self.plan, n_inp)
            inputs[:old_inp] = self.inputs
            self.inputs = inputs
            for k, v in self.extra.items():
                if k.startswith(STORED):
                    grown = np.zeros((n_inp,) + v.shape[1:], v.dtype)
                    grown[:old_inp] = v
                    self.extra[k] = grown

    def add(self, p: Partial | PackedPartial) -> None:
        import numpy as np

        from simengine.core.distributed import PackedPartial

        key = (p.d0, p.n)
        if key not in self.pending:
            raise RunError(f"internal: unexpected or repeated result for draws [{p.d0}, {p.d0 + p.n})")
        self.pending.remove(key)
        if isinstance(p, PackedPartial):
            for name, (shape, idx, vals) in p.sparse.items():
                target = getattr(self.acc, name)
                if target.shape != tuple(shape):
                    raise RunError(f"internal: {name} has shape {tuple(shape)}, expected {target.shape}")
                target.reshape(-1)[idx] += vals  # flat indices are unique: plain fancy-index addition
            self.acc.overflow += p.overflow
            if p.worker:
                self.workers.add(p.worker)
            self.task_seconds += p.seconds
        elif self.added == 0 and not self.pending and p.d0 == 0 and p.n == self.draws:
            # the whole run in one dense block (a plain run here): adopt it, nothing to add
            self.acc, self.kept, self.inputs, self.extra = p.acc, p.kept, p.inputs, dict(p.extra)
            self.added += 1
            return
        else:
            self.acc.merge(p.acc)
        self.added += 1
        for k, v in p.kept.items():
            self.kept[k][p.d0 : p.d0 + len(v)] = v
        self.inputs[p.d0 : p.d0 + len(p.inputs)] = p.inputs
        for k, v in p.extra.items():
            if k not in self.extra:  # rows: the kept draws, or (STORED) those whose inputs are kept
                rows = len(self.inputs) if k.startswith(STORED) else self.n_keep
                self.extra[k] = np.zeros((rows,) + v.shape[1:], v.dtype)
            self.extra[k][p.d0 : p.d0 + len(v)] = v

    def raw(self, threads: int, chunk: int, seconds: float, timings: dict | None = None) -> RawResults:
        from simengine.core.engine import RawResults

        if self.pending:
            missing = sorted(self.pending)[:3]
            raise RunError(f"internal: {len(self.pending)} blocks of draws missing, e.g. {missing}")
        return RawResults(
            plan=self.plan,
            draws=self.draws,
            keep_draws=self.keep_draws,
            threads=threads,
            chunk=chunk,
            seconds=seconds,
            inputs=self.inputs,
            acc=self.acc,
            timings=dict(timings or {"simulate": seconds}),
            extra=self.extra,
            **self.kept,  # type: ignore[arg-type]
        )


def _zero_inputs(plan: Plan, n: int) -> np.ndarray:
    import numpy as np

    return np.zeros((n, plan.n_inputs))


# -- executors ----------------------------------------------------------------------------------------
class LocalExecutor:
    """Blocks one after the other in this process, each on ``threads`` numba threads."""

    description = "this process"
    remote = False

    def __init__(self, threads: int | None = None) -> None:
        self.threads = RunOptions(via="cli", threads=threads).local_threads()

    @property
    def total_threads(self) -> int:
        return self.threads

    @property
    def memory_threads(self) -> int:
        """Threads whose histograms this process holds at once (for the memory guard)."""
        return self.threads

    @property
    def n_workers(self) -> int:
        return 1

    def block_draws(self, draws: int, sc: Scenario, block_draws: int | None) -> int:
        return draws if block_draws is None else block_draws  # one block: exactly one run_range

    def imap_unordered(self, tasks: Iterable[Task], progress: Progress | None = None) -> Iterator[tuple[Task, object]]:
        from simengine.core import distributed

        for t in tasks:
            if t.fn is distributed.run_block:  # no packing in-process
                plan = distributed._cached_plan(t.job)
                yield t, distributed.simulate_block(t.job, plan, t.d0, t.n, self.threads, progress=progress)
            else:
                out = t.fn(dataclasses.replace(t.job, threads=self.threads), t.d0, t.n)
                if progress is not None:
                    progress(t.n)
                yield t, out


@contextlib.contextmanager
def open_executor(opts: RunOptions) -> Iterator[Any]:
    """The executor ``opts`` asks for: this process, or the Dask cluster of ``opts.scheduler``
    (connected on entry, closed on exit)."""
    if opts.scheduler is None:
        yield LocalExecutor(opts.threads)
        return
    from simengine.core import distributed

    with distributed.connect(
        opts.spec or opts.scheduler,
        threads=opts.threads,
        timeout=distributed.DEFAULT_CONNECT_TIMEOUT if opts.connect_timeout is None else opts.connect_timeout,
    ) as ex:
        yield ex


def executor_attrs(executor: Any, raw: RawResults) -> dict:
    """Dataset attributes recording where the draws ran (informative: results do not depend on it);
    none for a run in this process."""
    if not getattr(executor, "remote", False):
        return {}
    t = raw.timings
    return {
        "scheduler": executor.description,
        "blocks": int(t.get("blocks", 0)),
        "block_draws": int(t.get("block_draws", 0)),
        "workers": int(t.get("workers", 0)),
    }


# -- the one loop ---------------------------------------------------------------------------------------
@dataclass
class Run:
    """One run of draws for :func:`drive`: its job (the scenario and what is kept), its blocks, and
    the client's compiled plan (None: compiled where it runs). ``finish`` turns the merged
    RawResults into the run's result; on a remote executor a run of one block is finished on its
    worker (``job.finish``, a module-level function) so only the result travels back."""

    tag: object
    job: Job
    blocks: list[tuple[int, int]]
    plan: Plan | None = None
    merger: Merger | None = None
    finish: Callable[[RawResults], Any] | None = None


def _timings(executor: Any, merger: Merger, blocks: int, block_draws: int, secs: float) -> dict:
    if not getattr(executor, "remote", False):
        return {"simulate": secs}
    return {
        "simulate": secs,
        "task_seconds": round(merger.task_seconds, 4),
        "blocks": blocks,
        "block_draws": block_draws,
        "workers": len(merger.workers) or executor.n_workers,
    }


def drive(runs: Iterable[Run], executor: Any, progress: Progress | None = None) -> Iterator[tuple[object, Any]]:
    """Run the blocks of every run through ``executor`` (sharing its window of tasks in flight) and
    yield (tag, result) as each run completes: its merged RawResults, or what ``finish`` made of it."""
    from simengine.core import distributed

    specs: dict[object, Run] = {}
    mergers: dict[object, Merger] = {}
    t0 = time.perf_counter()

    def tasks() -> Iterator[Task]:
        for r in runs:
            specs[r.tag] = r
            whole = len(r.blocks) == 1 and r.blocks[0][0] == 0 and r.merger is None
            if executor.remote and whole and r.job.finish is not None:
                yield distributed.Task(r.job, 0, r.blocks[0][1], tag=r.tag, fn=distributed.finish_run)
                continue
            if r.plan is None:
                raise RunError("internal: a run merged here needs its plan")
            distributed.remember_plan(r.job, r.plan)  # the local executor runs on the plan compiled here
            mergers[r.tag] = r.merger or Merger(
                r.plan, r.blocks[-1][0] + r.blocks[-1][1], r.job.keep_draws, r.job.store_inputs, r.blocks
            )
            for d0, n in r.blocks:
                yield distributed.Task(r.job, d0, n, tag=r.tag)

    for task, result in executor.imap_unordered(tasks(), progress=progress):
        r = specs[task.tag]
        if task.fn is distributed.finish_run:
            yield task.tag, result
            continue
        m = mergers[task.tag]
        m.add(result)  # type: ignore[arg-type]
        del result  # merged: its arrays are not held while the next block runs
        if not m.done:
            continue
        del mergers[task.tag]
        secs = time.perf_counter() - t0
        raw = m.raw(
            threads=executor.total_threads,
            chunk=r.job.chunk,
            seconds=secs,
            timings=_timings(executor, m, len(r.blocks), max(n for _, n in r.blocks), secs),
        )
        finish = r.finish or r.job.finish
        yield task.tag, (finish(raw) if finish is not None else raw)


def plan_blocks(
    executor: Any, sc: Scenario, d0: int, draws: int, block_draws: int | None, total: int | None = None
) -> list[tuple[int, int]]:
    """Draws [d0, d0 + draws) as the executor's blocks: one block in this process (unless
    ``block_draws``), about two per worker on a cluster (simengine.core.distributed.default_block_draws,
    for ``total`` draws in all)."""
    from simengine.core import distributed

    if block_draws is None:
        if not executor.remote:
            block = draws
        else:
            block = min(
                draws,
                distributed.default_block_draws(total or draws, executor.n_workers, distributed.scenario_cells(sc)),
            )
    else:
        block = block_draws
    return [(d0 + a, n) for a, n in distributed.blocks(draws, block)]


@ordinary_pages()  # numpy's arrays in ordinary pages while the kernel runs (core.memory)
def run(
    plan: Plan,
    opts: RunOptions,
    executor: Any,
    progress: Progress | None = None,
    analyses: bool = True,
    block_draws: int | None = None,
    step: int | None = None,
    observe: Callable | None = None,
) -> tuple[RawResults, Precision | None]:
    """All draws of ``plan``'s scenario (or, with ``opts.precision``, as many as the stopping rule
    needs) through ``executor``; the same RawResults bit for bit on any executor. ``block_draws``
    overrides ``opts.block_draws`` (a caller that built its executor itself); ``step``: draws
    added per step of the stopping rule (default simengine.analysis.mcerror.BLOCK). ``observe``:
    per-draw quantities computed from each block's inputs where it ran (simengine.core.distributed.Job:
    ``observe``); the kept draws then run in blocks of at most :data:`OBSERVE_BLOCK` draws (unless
    ``block_draws``), so that the inputs held at once stay bounded."""
    from simengine.core import distributed, engine

    if block_draws is not None:
        opts = _with_blocks(opts, block_draws)
    sc = plan.scenario
    opts.check_scenario(sc)
    keep = sc.keep_draws if opts.keep_draws is None else opts.keep_draws
    job = distributed.make_job(
        sc, keep, opts.store_inputs, chunk=opts.chunk_draws, threads=opts.threads, observe=observe
    )
    if opts.precision is not None:
        return _adaptive(plan, opts, executor, job, progress, step)
    engine.check_memory(plan, sc.draws, executor.memory_threads, keep, analyses=analyses)
    if observe is None or opts.block_draws is not None:
        bl = plan_blocks(executor, sc, 0, sc.draws, opts.block_draws)
    else:  # the kept draws in blocks of at most OBSERVE_BLOCK, the others as the executor's blocks
        k = min(sc.draws, keep)
        size = -(-k // -(-k // OBSERVE_BLOCK))  # equal blocks of at most OBSERVE_BLOCK draws
        bl = [(d0, min(size, k - d0)) for d0 in range(0, k, size)]
        if k < sc.draws:
            bl += plan_blocks(executor, sc, k, sc.draws - k, None, total=sc.draws)
    [(_, raw)] = list(drive([Run(None, job, bl, plan=plan)], executor, progress))
    return raw, None


def _with_blocks(opts: RunOptions, block_draws: int) -> RunOptions:
    """``opts`` with a block size, bypassing the rule that only --scheduler takes --block-draws (the
    caller chose the executor itself); the value is still checked."""
    opts._whole("block_draws", block_draws, 1, MAX_DRAWS)
    new = dataclasses.replace(opts)
    object.__setattr__(new, "block_draws", block_draws)
    return new


def _adaptive(
    plan: Plan, opts: RunOptions, executor: Any, job: Job, progress: Progress | None, step: int | None = None
) -> tuple[RawResults, Precision]:
    """``--precision``: steps of mcerror.BLOCK draws (each split into the executor's blocks) added
    to one merger until mcerror.half_widths are all within the precision or max_draws is reached.
    Streams are keyed by the global draw index, so stopping after N draws gives a plain run of N.
    Under QMC a step is a whole number of replicates (the block rounded up to them)."""
    from simengine.analysis import mcerror

    sc = plan.scenario
    precision, max_draws = float(opts.precision or 0), opts.draws_limit
    step = mcerror.BLOCK if step is None else step
    if step < 1:
        raise ConfigError(f"block: must be >= 1, got {step}")
    if sc.sampling == "lhs":
        raise ConfigError(
            f'{sc.path}: --precision needs [simulation] sampling = "random" or "qmc": with '
            '"lhs" the draws depend on the final number of draws, so blocks cannot be added'
        )
    if sc.sampling == "qmc":  # whole replicates per step (simengine.model.qmc): the block rounded up to them
        m = 1 << int(plan.qmc_rep_bits)
        step = -(-step // m) * m
    info = mcerror.Precision(precision=precision, max_draws=max_draws, block=step)
    merger = Merger(plan, 0, job.keep_draws, job.store_inputs)
    t0 = time.perf_counter()
    n_blocks, largest = 0, 0
    while True:
        d0 = merger.draws
        bl = plan_blocks(executor, sc, d0, min(step, max_draws - d0), opts.block_draws)
        merger.expect(bl)
        n_blocks, largest = n_blocks + len(bl), max(largest, *(n for _, n in bl))
        for _ in drive([Run(None, job, bl, plan=plan, merger=merger)], executor, progress):
            pass
        secs = time.perf_counter() - t0
        raw = merger.raw(executor.total_threads, job.chunk, secs)
        hw = mcerror.half_widths(raw)
        info.steps.append({"draws": merger.draws, **hw})
        ok = hw["p10"] <= precision and hw["p50"] <= precision and hw["p_target"] <= precision
        if ok or merger.draws >= max_draws:
            break
    N = merger.draws
    plan = dataclasses.replace(plan, scenario=sc.with_run_options(draws=N))
    merger.plan = plan
    raw = merger.raw(
        executor.total_threads, job.chunk, secs, timings=_timings(executor, merger, n_blocks, largest, secs)
    )
    info.draws, info.reached, info.half_widths = N, bool(ok), hw
    return raw, info


def run_many(plans: list[Plan], opts: RunOptions, executor: Any, progress: Progress | None = None) -> list[RawResults]:
    """Several scenarios' runs (compare's A and B) through one executor; in the given order."""
    from simengine.core import distributed, engine

    runs = []
    for k, plan in enumerate(plans):
        sc = plan.scenario
        opts.check_scenario(sc)
        keep = sc.keep_draws if opts.keep_draws is None else opts.keep_draws
        engine.check_memory(plan, sc.draws, executor.memory_threads, keep)
        job = distributed.make_job(sc, keep, opts.store_inputs, chunk=opts.chunk_draws, threads=opts.threads)
        runs.append(
            Run(
                k,
                job,
                plan_blocks(executor, sc, 0, sc.draws, opts.block_draws, total=sum(p.scenario.draws for p in plans)),
                plan=plan,
            )
        )
    done = dict(drive(runs, executor, progress))
    return [done[k] for k in range(len(plans))]


# -- the one manifest ------------------------------------------------------------------------------------
@dataclass
class Manifest:
    """What every run.json / sweep.json records: the command, when, which versions, where the draws
    ran and how long each phase took; ``fields`` are the kind's own (scenario files, seed, draws...)."""

    attrs: dict
    fields: dict = field(default_factory=dict)

    def as_dict(self, order: Iterable[str]) -> dict:
        """The manifest with its keys in ``order`` (names from :meth:`common` or ``fields``)."""
        common = self.common()
        out = {}
        for k in order:
            out[k] = self.fields[k] if k in self.fields else common[k]
        return out

    def common(self) -> dict:
        import numba
        import numpy as np

        from simengine import __version__

        xr = sys.modules["xarray"]  # a manifest describes a Dataset: xarray is loaded (not imported by the core)
        a = self.attrs
        return {
            "command": a.get("command"),
            "created": a.get("created"),
            "threads": a.get("threads"),
            "scheduler": a.get("scheduler"),
            "stream_version": a.get("stream_version"),
            "timings_seconds": {k[len("seconds_") :]: a[k] for k in a if k.startswith("seconds_")},
            "versions": {
                "simengine": __version__,
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "numba": numba.__version__,
                "xarray": xr.__version__,
            },
            "platform": platform.platform(),
        }


def manifest(attrs: dict, order: Iterable[str], **fields: Any) -> dict:
    """The manifest of a run, a comparison or a sweep: the common keys from the Dataset's ``attrs``,
    the kind's own ``fields``, in ``order``."""
    return Manifest(attrs, fields).as_dict(order)
