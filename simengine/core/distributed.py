"""Blocks of draws as tasks on a Dask cluster (``--scheduler``), merged exactly on the client.

The unit of work is :func:`simengine.core.engine.run_range` over a block of global draw indices. A task
(:func:`run_block`, module level so that it pickles by reference) receives a small :class:`Job`
(the validated Scenario, the per-draw retention settings, a fingerprint), compiles the plan on the
worker once per scenario (cached per worker process), runs the numba kernel for its block and
returns the block's partial result, packed: the integer accumulators as sparse (index, count)
pairs, which shrinks a 2015.toml block's 107 MB of mostly empty histograms to a few MB, plus the
kept per-draw values of the block. The client merges the packed partials as they arrive
(``as_completed``; at most a window of blocks in flight, so memory stays bounded) by integer
addition and placement by draw index: the same semantics as :func:`simengine.core.engine.assemble`.
Random streams are keyed by global draw index and all accumulators are integers, so the result is
bit-for-bit the single-process run's, whatever the number of workers, the block size or the
order in which blocks finish; a block re-run after a worker died gives the same bits again.

Threads: a worker runs one kernel at a time (a per-process lock) on as many numba threads as the
worker has Dask threads (at most its cores), so workers x numba threads never exceed the cores the
cluster was given. ``local:N`` starts a LocalCluster of N processes with cores // N threads each.

Dask is optional (``pip install 'simengine[dask]'``): nothing here imports it at module level.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import math
import os
import pickle
import re
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from simengine import __version__
from simengine.core import engine
from simengine.errors import ConfigError, RunError
from simengine.messages import Msg, label, render
from simengine.model.plan import Plan, compile_plan
from simengine.model.rng import STREAM_VERSION
from simengine.scenario.schema import Scenario

#: smallest default block: below this the per-task overhead (scheduling, packing, transfer)
#: outweighs the kernel's work on any realistic scenario
MIN_BLOCK_DRAWS = 2**14
#: largest default block (a block's kept draws and accumulators travel in one message)
MAX_BLOCK_DRAWS = 2**21
#: default blocks per worker: enough to balance uneven workers and to lose little to a dead one
BLOCKS_PER_WORKER = 2
#: a default block holds at least about this many draws x initiatives x municipalities (about a
#: second of one thread's work), so that the fixed cost of a task (per-thread histograms, packing,
#: transfer, merging: about 0.1-0.2 s for 2015.toml) stays small against the kernel's work
MIN_BLOCK_CELLS = 10**8
DEFAULT_CONNECT_TIMEOUT = 10.0
INSTALL_HINT = "pip install 'simengine[dask]'  (or: pip install 'dask[distributed]')"


# -- scheduler option ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SchedulerSpec:
    """``--scheduler``: an address of a running scheduler, or ``local:N`` (a LocalCluster here)."""

    text: str
    address: str | None = None  # tcp://host:8786, tls://..., host:port
    local_workers: int | None = None

    @property
    def is_local(self) -> bool:
        return self.local_workers is not None


def parse_scheduler(text: str) -> SchedulerSpec:
    """Parse ``--scheduler``: ``local:N`` or a scheduler address; raises ConfigError."""
    t = text.strip()
    m = re.fullmatch(r"local(?::(.*))?", t)
    if m:
        n = m.group(1)
        if n is None or not re.fullmatch(r"[0-9_]+", n) or int(n.replace("_", "")) < 1:
            raise ConfigError(Msg("run.scheduler_local", got=repr(text)))
        return SchedulerSpec(text=t, local_workers=int(n.replace("_", "")))
    if re.fullmatch(r"(?:(?:tcp|tls|ws|wss|inproc|ucx)://)?[^\s/:]+(?::\d+)?/?", t) is None:
        raise ConfigError(Msg("run.scheduler_address", got=repr(text)))
    port = re.search(r":(\d+)/?$", t)
    if not t.startswith("inproc://") and (port is None or not 0 < int(port.group(1)) < 65536):
        raise ConfigError(Msg("run.scheduler_port", got=repr(text)))
    return SchedulerSpec(text=t, address=t.rstrip("/"))


def require_dask() -> None:
    """Raise a ConfigError saying how to install Dask when ``distributed`` cannot be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ConfigError(Msg("run.needs_dask", detail=str(exc), hint=Msg("run.install_dask"))) from None


def default_block_draws(draws: int, workers: int, cells: int = 1) -> int:
    """The default block: about BLOCKS_PER_WORKER blocks per worker, but at least 2^14 draws and
    MIN_BLOCK_CELLS / ``cells`` (initiatives x municipalities) draws, at most 2^21; blocks of equal
    size (the last one a little smaller), their number a multiple of the workers where possible."""
    workers = max(1, workers)
    lo = max(MIN_BLOCK_DRAWS, math.ceil(MIN_BLOCK_CELLS / max(1, cells)))
    want = min(MAX_BLOCK_DRAWS, max(lo, math.ceil(draws / (BLOCKS_PER_WORKER * workers))))
    n_blocks = max(1, draws // want)  # blocks of at least `want` draws
    if math.ceil(draws / n_blocks) > MAX_BLOCK_DRAWS:
        n_blocks = math.ceil(draws / MAX_BLOCK_DRAWS)
    even = (n_blocks // workers) * workers  # a multiple of the workers: none idles at the end
    if n_blocks > workers and math.ceil(draws / even) <= MAX_BLOCK_DRAWS:
        n_blocks = even
    return max(1, math.ceil(draws / n_blocks))


def scenario_cells(sc: Scenario) -> int:
    return max(1, len(sc.initiatives) * len(sc.municipalities))


def blocks(draws: int, block_draws: int) -> list[tuple[int, int]]:
    """[(d0, n)] covering draws [0, draws) in order."""
    if block_draws < 1:
        raise ConfigError(Msg("run.option", name="--block-draws:", what=Msg("run.at_least", lo=1, got=block_draws)))
    return [(d0, min(block_draws, draws - d0)) for d0 in range(0, draws, block_draws)]


# -- the task -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """Everything a block task needs besides its draw range. Small (the scenario pickles to a few
    tens of kB) and the same for every block of a run."""

    token: str  # fingerprint of (scenario, keep_draws, store_inputs, versions): the plan cache key
    scenario: Scenario
    keep_draws: int
    store_inputs: int
    chunk: int = engine.DEFAULT_CHUNK
    threads: int | None = None  # cap on numba threads per task (default: the worker's threads)
    #: a module-level function turning the run's RawResults into its result, on the worker when the
    #: run is one task (simengine.core.driver.drive); None: the RawResults merged on the client
    finish: Callable | None = None
    #: a module-level function (plan, Partial) -> {name: per-draw array} applied to each block's result
    #: where the block ran, on the inputs of every kept draw of the block (the run keeps, and returns,
    #: only those of draws < store_inputs): per-draw quantities streamed instead of the inputs
    observe: Callable | None = None
    version: str = __version__
    stream_version: str = STREAM_VERSION


def make_job(
    sc: Scenario,
    keep_draws: int,
    store_inputs: int,
    chunk: int = engine.DEFAULT_CHUNK,
    threads: int | None = None,
    finish: Callable | None = None,
    observe: Callable | None = None,
) -> Job:
    h = hashlib.sha256()
    h.update(pickle.dumps((sc, int(keep_draws), int(store_inputs), __version__, STREAM_VERSION), protocol=5))
    return Job(
        token=h.hexdigest(),
        scenario=sc,
        keep_draws=int(keep_draws),
        store_inputs=int(store_inputs),
        chunk=int(chunk),
        threads=threads,
        finish=finish,
        observe=observe,
    )


def simulate_block(
    job: Job, plan: Plan, d0: int, n: int, threads: int, progress: Callable[[int], None] | None = None
) -> engine.Partial:
    """:func:`engine.run_range` for ``job``'s block; with ``job.observe``, the block keeps the inputs
    of all its kept draws, computes the observed per-draw quantities from them (``Partial.extra``),
    then keeps only the inputs of the draws < ``job.store_inputs``."""
    if job.observe is None:
        return engine.run_range(
            plan,
            d0,
            n,
            threads,
            keep_draws=job.keep_draws,
            store_inputs=job.store_inputs,
            chunk=job.chunk,
            progress=progress,
        )
    part = engine.run_range(
        plan, d0, n, threads, keep_draws=job.keep_draws, store_inputs=job.keep_draws, chunk=job.chunk, progress=progress
    )
    from simengine.core.driver import numba_threads

    with numba_threads(threads):
        extra = job.observe(plan, part)
    rows = max(0, min(job.store_inputs, d0 + len(part.inputs)) - d0)
    inputs = part.inputs if rows == len(part.inputs) else part.inputs[:rows].copy()
    return engine.Partial(d0=d0, n=n, acc=part.acc, kept=part.kept, inputs=inputs, extra=dict(extra))


@dataclass
class PackedPartial:
    """An :class:`engine.Partial` for the wire: accumulators as sparse (flat index, value) pairs."""

    d0: int
    n: int
    sparse: dict[str, tuple[tuple[int, ...], np.ndarray, np.ndarray]]
    overflow: int
    kept: dict[str, np.ndarray]
    inputs: np.ndarray
    extra: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    worker: str = ""
    threads: int = 0
    seconds: float = 0.0


def _small_int(v: np.ndarray) -> np.ndarray:
    if v.size == 0:
        return v.astype(np.int32)
    lo, hi = int(v.min()), int(v.max())
    for dt in (np.int32, np.int64):
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return v.astype(dt)
    return v  # pragma: no cover - int64 always fits


def pack(part: engine.Partial, worker: str = "", threads: int = 0, seconds: float = 0.0) -> PackedPartial:
    sparse = {}
    for name in engine.ACC_FIELDS:
        a = np.ascontiguousarray(getattr(part.acc, name))
        flat = a.reshape(-1)
        idx = np.flatnonzero(flat)
        sparse[name] = (a.shape, idx.astype(np.int32 if flat.size < 2**31 else np.int64), _small_int(flat[idx]))
    return PackedPartial(
        d0=part.d0,
        n=part.n,
        sparse=sparse,
        overflow=part.acc.overflow,
        kept=part.kept,
        inputs=part.inputs,
        extra=part.extra,
        worker=worker,
        threads=threads,
        seconds=seconds,
    )


def unpack(p: PackedPartial) -> engine.Partial:
    """The dense Partial again (bit for bit)."""
    arrays = {}
    for name, (shape, idx, vals) in p.sparse.items():
        a = np.zeros(int(np.prod(shape)), np.int64)
        a[idx] = vals
        arrays[name] = a.reshape(shape)
    return engine.Partial(
        d0=p.d0,
        n=p.n,
        acc=engine.Accumulators(**arrays, overflow=p.overflow),
        kept=p.kept,
        inputs=p.inputs,
        extra=p.extra,
    )


# per worker process: compiled plans by Job.token (most recent last) and one kernel at a time
_PLANS: OrderedDict[str, Plan] = OrderedDict()
_PLAN_CACHE_SIZE = 4
_KERNEL_LOCK = threading.Lock()


def _cached_plan(job: Job) -> Plan:
    plan = _PLANS.get(job.token)
    if plan is None:
        plan = compile_plan(job.scenario)
        _PLANS[job.token] = plan
        while len(_PLANS) > _PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    else:
        _PLANS.move_to_end(job.token)
    return plan


def remember_plan(job: Job, plan: Plan) -> None:
    """Put a plan compiled by the client into this process's cache (used by simengine.core.driver.LocalExecutor)."""
    _PLANS[job.token] = plan
    _PLANS.move_to_end(job.token)
    while len(_PLANS) > _PLAN_CACHE_SIZE:
        _PLANS.popitem(last=False)


def _worker_threads() -> tuple[str, int | None]:
    """(address, Dask threads) of the worker running this task, or ("", None) outside a worker."""
    try:
        from distributed import get_worker

        w = get_worker()
    except (ImportError, ValueError):
        return "", None
    state = getattr(w, "state", None)
    n = getattr(state, "nthreads", None) or getattr(w, "nthreads", None)
    return str(w.address), (int(n) if n else None)


def task_threads(job: Job) -> tuple[str, int]:
    addr, nthreads = _worker_threads()
    t = engine.available_threads()
    if nthreads is not None:
        t = min(t, nthreads)
    if job.threads is not None:
        t = min(t, job.threads)
    return addr, max(1, t)


def run_block(job: Job, d0: int, n: int) -> PackedPartial:
    """The task: simulate global draws [d0, d0 + n) of ``job``'s scenario; returns the packed partial."""
    if (job.version, job.stream_version) != (__version__, STREAM_VERSION):
        raise RunError(
            Msg(
                "run.worker_version",
                version=__version__,
                stream=str(STREAM_VERSION),
                client=str(job.version),
                client_stream=str(job.stream_version),
            )
        )
    addr, threads = task_threads(job)
    with _KERNEL_LOCK:  # one kernel per process: workers x numba threads <= cores
        plan = _cached_plan(job)
        t0 = time.perf_counter()
        part = simulate_block(job, plan, d0, n, threads)
        secs = time.perf_counter() - t0
    return pack(part, worker=addr, threads=threads, seconds=secs)


def finish_run(job: Job, d0: int, n: int):
    """The task of a whole run (draws [0, n), all of them): simulate, then apply ``job.finish`` to
    the RawResults here, so only its (small) result travels back to the client."""
    if d0 != 0 or n != job.scenario.draws or job.finish is None:
        raise ValueError("finish_run runs all draws of a run that has a finish")
    _, threads = task_threads(job)
    with _KERNEL_LOCK:
        plan = _cached_plan(job)
        t0 = time.perf_counter()
        part = simulate_block(job, plan, 0, n, threads)
        secs = time.perf_counter() - t0
    raw = engine.RawResults(
        plan=plan,
        draws=n,
        keep_draws=job.keep_draws,
        threads=threads,
        chunk=job.chunk,
        seconds=secs,
        inputs=part.inputs,
        acc=part.acc,
        timings={"simulate": secs},
        extra=part.extra,
        **part.kept,
    )
    return job.finish(raw)


def __getattr__(name: str):
    """``Merger`` (the one merge) and ``InProcess`` (the executor of this process) live in
    simengine.core.driver; the names are kept here."""
    if name in ("Merger", "InProcess"):
        from simengine.core import driver

        return driver.Merger if name == "Merger" else driver.LocalExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- executors ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """``fn(job, d0, n)`` on a worker; ``fn`` is :func:`run_block` or another module-level function."""

    job: Job
    d0: int
    n: int
    tag: object = None  # the caller's label (e.g. the sweep variant)
    fn: Callable = run_block


class DaskExecutor:
    """Block tasks on a Dask cluster through a connected ``distributed.Client``."""

    remote = True
    memory_threads = 1  # the client holds only the kept draws and the merged accumulators

    def __init__(self, client, description: str, threads: int | None = None, local_cluster=None) -> None:
        self.client = client
        self.description = description
        self.threads = threads  # cap per task
        self.local_cluster = local_cluster

    def _nthreads(self) -> dict[str, int]:
        return dict(self.client.nthreads())

    @property
    def n_workers(self) -> int:
        return max(1, len(self._nthreads()))

    @property
    def total_threads(self) -> int:
        """Numba threads the cluster runs at once: per worker min(its threads, the --threads cap)."""
        nt = self._nthreads().values()
        cap = self.threads or 10**9
        return max(1, sum(min(n, cap) for n in nt))

    def window(self) -> int:
        """Blocks in flight at once: two per worker thread keeps every worker busy while results
        travel; more would only hold finished results in worker memory."""
        return max(4, 2 * sum(self._nthreads().values()))

    def imap_unordered(
        self, tasks: Iterable[Task], progress: Callable[[int], None] | None = None
    ) -> Iterator[tuple[Task, object]]:
        """Submit ``tasks`` (at most a window of them in flight) and yield (task, result) as they
        finish, in any order, calling ``progress`` with each finished task's draws. The window
        follows the cluster's size (workers may join or leave)."""
        from distributed import as_completed

        run_id = uuid.uuid4().hex[:10]
        it = iter(tasks)
        in_flight: dict = {}
        ac = as_completed(loop=self.client.loop)
        state = {"window": self.window(), "checked": time.monotonic(), "n": 0}

        def window() -> int:
            if time.monotonic() - state["checked"] > 1.0:
                state["window"], state["checked"] = self.window(), time.monotonic()
            return state["window"]

        def top_up() -> None:
            while len(in_flight) < window():
                t = next(it, None)
                if t is None:
                    return
                state["n"] += 1
                key = f"simengine-{t.fn.__name__}-{t.job.token[:12]}-{run_id}-{state['n']}-{t.d0}"
                fut = self.client.submit(t.fn, t.job, t.d0, t.n, key=key, pure=False, retries=0)
                in_flight[fut.key] = (t, fut)
                ac.add(fut)

        try:
            top_up()
            for fut in ac:
                t, _ = in_flight.pop(fut.key)
                result = _result(fut, t)
                fut.release()
                top_up()
                if progress is not None:
                    progress(t.n)
                yield t, result
        finally:
            for _, fut in in_flight.values():  # an error or Ctrl-C: stop the rest
                with contextlib.suppress(Exception):
                    fut.cancel()


def _result(fut, t: Task):
    from distributed.scheduler import KilledWorker

    from simengine.errors import SimengineError

    where = Msg("run.block_of", lo=t.d0, hi=t.d0 + t.n)
    try:
        return fut.result()
    except SimengineError:
        raise
    except KilledWorker as exc:
        raise RunError(Msg("run.workers_died", where=where, detail=str(exc))) from None
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - anything else the cluster raises
        why = " ".join(str(exc).split())  # one line
        if "scheduler-connection-lost" in why:
            raise RunError(Msg("run.lost_scheduler", where=where)) from None
        raise RunError(Msg("run.block_failed", where=where, kind=type(exc).__name__, why=why)) from None


@contextlib.contextmanager
def connect(
    spec: SchedulerSpec | str, threads: int | None = None, timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on the scheduler at ``spec`` (or a LocalCluster for ``local:N``);
    closes the client (and the local cluster) on exit. Raises ConfigError (bad option, Dask
    missing) or RunError (scheduler unreachable within ``timeout`` seconds)."""
    from simengine.core.driver import RunOptions

    text = spec if isinstance(spec, str) else spec.text
    RunOptions(via="cli", scheduler=text, threads=threads, connect_timeout=timeout)  # raises ConfigError
    spec = parse_scheduler(text)
    require_dask()
    cluster = None
    if spec.is_local:
        cores = engine.available_threads()
        n = spec.local_workers or 1
        per = cores // n if threads is None else threads
        cluster = _local_cluster(n, per)
        description = (
            f"LocalCluster of {n} worker process{'es' if n > 1 else ''} x {per} thread{'s' if per > 1 else ''}"
        )
        address = cluster.scheduler_address
        threads = per
    else:
        address = spec.address
        description = f"Dask scheduler {address}"
    quiet = _quiet_dask_logs()  # simengine says in one line what went wrong; SIMENGINE_DEBUG shows Dask's logs
    try:
        try:
            client = _client(address, timeout)
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: an address Dask cannot use
            reason = " ".join(str(exc).split())
            if len(reason) > 160:
                reason = reason[:157] + "..."
            raise RunError(
                Msg("run.unreachable", spec=spec.text, timeout=timeout, reason=reason or type(exc).__name__)
            ) from None
        try:
            ex = DaskExecutor(client, description, threads=threads, local_cluster=cluster)
            if not ex._nthreads():
                print(
                    f"{label('note')}: {render(Msg('run.no_workers_yet', description=description))}",
                    file=sys.stderr,
                )
            yield ex
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=5)
    finally:
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)
        quiet()


def _quiet_dask_logs() -> Callable[[], None]:
    """Raise the level of Dask's loggers to CRITICAL (its ERROR lines and tracebacks about a lost
    scheduler or worker repeat what simengine's own one-line error says); returns the undo."""
    if os.environ.get("SIMENGINE_DEBUG"):
        return lambda: None
    loggers = [
        logging.getLogger(n)
        for n in (
            "distributed",
            "distributed.client",
            "distributed.worker",
            "distributed.core",
            "distributed.comm",
            "tornado",
        )
    ]
    old = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)

    def undo() -> None:
        for lg, lv in zip(loggers, old):
            lg.setLevel(lv)

    return undo


def _client(address: str, timeout: float):
    from distributed import Client

    return Client(address, timeout=f"{timeout}s", set_as_default=False)


def _local_cluster(n_workers: int, threads_per_worker: int):
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )


# -- a whole run ----------------------------------------------------------------------------------
def run(
    plan: Plan,
    executor,
    chunk: int = engine.DEFAULT_CHUNK,
    keep_draws: int | None = None,
    store_inputs: int = engine.DEFAULT_STORE_INPUTS,
    block_draws: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> engine.RawResults:
    """:func:`simengine.core.driver.run` on ``executor`` (usually a :class:`DaskExecutor`): the same
    RawResults, bit for bit, with ``threads`` = the numba threads of the whole cluster."""
    from simengine.core import driver

    opts = driver.RunOptions(via="cli", chunk=chunk, keep_draws=keep_draws, store_inputs=store_inputs)
    raw, _ = driver.run(plan, opts, executor, progress=progress, block_draws=block_draws)
    return raw


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m simengine run SCENARIO --scheduler ADDRESS")
