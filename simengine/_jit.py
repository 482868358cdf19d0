"""numba's ``njit`` applied on first use, so that a module defining compiled helpers imports without numba.

``validate``, ``scenario export`` and loading a scenario need the plain Python parts of
simengine.model.distributions and simengine.model.rng, not their compiled functions; importing numba costs
seconds and a few hundred MiB. A module declares its compiled functions with :func:`lazy`'s
decorator and ends with ``finish()``; the first access to any of them from outside (``from
simengine.model.rng import uniform``, ``rng.uniform``) imports numba, after simengine/__init__.py has
set the kernels' cache folder, and compiles them all into the module's namespace, where they
find each other by name as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def cache_root():
    """simengine's folder in the user's cache (``$XDG_CACHE_HOME/simengine``, else ``~/.cache/simengine``):
    the compiled kernels (``numba/``, set in simengine/__init__.py) and the quantile tables
    (``tables/``, simengine.model.distributions.quantile_table)."""
    import os
    from pathlib import Path

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "simengine"


def lazy(
    namespace: dict[str, Any],
) -> tuple[Callable[..., Callable[[Callable], Any]], Callable[[str], Any], Callable[[], None]]:
    """(njit decorator, the module's ``__getattr__``, ``finish``) for the module whose globals are ``namespace``."""
    pending: dict[str, tuple[Callable, dict[str, Any]]] = {}

    def njit(**options: Any) -> Callable[[Callable], Any]:
        def deco(f: Callable) -> Any:
            pending[f.__name__] = (f, options)
            return f

        return deco

    def compile_all() -> None:
        import numba

        for name, (f, options) in list(pending.items()):
            namespace[name] = numba.njit(**options)(f)
        pending.clear()

    def getattr_(name: str) -> Any:
        if name in pending:
            compile_all()
            return namespace[name]
        raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")

    def finish() -> None:
        """Remove the plain functions from the namespace: the first access compiles them."""
        for name in pending:
            namespace.pop(name, None)

    return njit, getattr_, finish


# -- the analyses' kernels compiled in a second process while the first compiles the simulation --------
#: the compiled functions of simengine.analysis.sensitivity a default run calls after the simulation; the
#: simulation kernel and these are compiled one after the other in one process (numba compiles under a
#: process-wide lock), so on a cold cache a second process compiles these into the shared cache folder
ANALYSIS_KERNELS = ("_local_sums", "_coalitions")


def _cache_has(name: str) -> bool:
    """Whether numba's cache folder already holds an index for simengine.analysis.sensitivity.``name``.

    numba keeps a module's kernels in ``<cache>/<folder>_<sha1 of the folder's absolute path>/`` as
    ``<module>.<function>-<line>.py<version>.nbi`` (numba.core.caching): the folder of this copy of
    simengine.analysis, and the file of sensitivity.py's function ``name``."""
    import os
    from pathlib import Path

    folder = os.environ.get("NUMBA_CACHE_DIR", "")
    if not folder:
        return True  # numba's own location (next to the sources): not looked into, nothing started
    from simengine import numba_index_tag, numba_subfolder

    sub = numba_subfolder(folder, Path(__file__).resolve().parent / "analysis")
    return any(sub.glob(f"sensitivity.{name}-*.{numba_index_tag()}.nbi"))  # this Python's, not another's


def _cache_writable() -> bool:
    """Whether numba can write into the cache folder (``NUMBA_CACHE_DIR``), checked as numba checks it:
    the folder created if missing and a temporary file written there. A read-only folder gives the
    second process nothing to hand over (and its kernels would never be found there): none is started."""
    import os
    import tempfile

    folder = os.environ.get("NUMBA_CACHE_DIR", "")
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _exit_with_parent(parent: int, poll: float = 1.0) -> None:
    """End this process when the process ``parent`` that started it ends (this process's parent id is
    no longer ``parent``: it was adopted): a run killed while it compiles leaves no compiling process
    behind. A daemon thread checks every ``poll`` seconds (numba's compiler is Python code and lets
    the thread run)."""
    import os
    import threading
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(poll)

    threading.Thread(target=watch, daemon=True).start()


class BackgroundCompile:
    """A child process compiling the analyses' kernels for a scenario's argument types into numba's cache.

    :meth:`start` returns None when the cache already holds them (a warm run starts nothing), the
    cache folder is not writable, numba's JIT is disabled (``NUMBA_DISABLE_JIT``), it is switched off
    (``SIMENGINE_BACKGROUND_COMPILE=0``) or the scenario cannot be handed over; :meth:`wait` is
    called before the analyses, which then load the kernels from the cache instead of compiling them
    after the simulation. Whatever goes wrong in the child, the parent compiles as before: the child
    only ever adds cache entries, each written whole (numba writes a temporary file and renames it).
    The parent never waits longer than compiling the kernels itself would take on a machine that
    gives both processes the same speed: the child started on them before the parent's simulation
    kernel, so what it has left is less than the whole. :meth:`cancel` ends it, registered with
    :mod:`atexit` for a run that ends early (an error, Ctrl-C); a child whose parent is gone (killed)
    ends itself.
    """

    def __init__(self, proc: Any) -> None:
        self.proc = proc

    @classmethod
    def start(cls, sc: Any) -> BackgroundCompile | None:
        import os
        import pickle
        import subprocess
        import sys

        if os.environ.get("SIMENGINE_BACKGROUND_COMPILE", "1") == "0" or all(_cache_has(n) for n in ANALYSIS_KERNELS):
            return None
        try:
            import numba

            if numba.config.DISABLE_JIT:  # type: ignore[attr-defined]
                return None
        except ImportError:
            return None
        if not _cache_writable():
            return None
        try:
            data = pickle.dumps(sc.with_run_options(draws=2))
        except Exception:  # noqa: BLE001 - a scenario that does not pickle: compile in-process as before
            return None
        env = dict(os.environ)
        env["NUMBA_CACHE_DIR"] = str(numba.config.CACHE_DIR) or env.get("NUMBA_CACHE_DIR", "")  # type: ignore[attr-defined]
        env["NUMBA_NUM_THREADS"] = "1"
        from pathlib import Path

        root = str(Path(__file__).resolve().parents[1])  # the child imports this simengine, not another one
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "simengine._jit", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError:
            return None
        try:
            assert proc.stdin is not None
            proc.stdin.write(data)
            proc.stdin.close()
        except OSError:  # the child is gone already: the run compiles in-process
            cls(proc).cancel()
            return None
        import atexit

        bg = cls(proc)
        atexit.register(bg.cancel)  # a run that ends early (an error, Ctrl-C) leaves no compiling child
        return bg

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float = 900.0) -> None:
        import subprocess

        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.cancel()

    def cancel(self) -> None:
        """End the child if it still runs, and reap it."""
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        self.proc.wait()


def compile_for(dispatcher: Any) -> Callable[..., None]:
    """A stand-in for ``dispatcher`` that compiles it for the argument types of a call and returns
    without running it (cache=True functions save what they compile to the cache)."""

    def stand_in(*args: Any) -> None:
        dispatcher.compile(tuple(dispatcher.typeof_pyval(a) for a in args))

    return stand_in


def _compile_analysis_kernels(sc: Any) -> None:
    """Compile ANALYSIS_KERNELS for ``sc``'s plan: the analyses' own calls, with the kernels
    replaced by :func:`compile_for` stand-ins, so the argument types are exactly the run's."""
    import numpy as np

    from simengine.analysis import sensitivity as analysis
    from simengine.model.plan import compile_plan

    plan = compile_plan(sc)
    for name in ANALYSIS_KERNELS:
        setattr(analysis, name, compile_for(getattr(analysis, name)))
    ty = int(sc.target_year - sc.start_year)
    analysis.coalition_values(plan, np.zeros((1, plan.n_inputs)), np.arange(1), None, ty)


def precompile(path: str, draws: int = 2_000) -> None:
    """Compile every kernel a default ``simengine run`` of the scenario file ``path`` calls into numba's
    cache (the install-time compile, scripts/build_backend.py): the simulation through the driver as
    the command line runs it, the analyses' kernels for the plan's argument types and, for a scenario
    with ``[[shocks]]``, the run without them; the analyses' kernels in a second process
    (:class:`BackgroundCompile`) while this one compiles the simulation. Imports only numpy, numba,
    scipy and xarray's part of simengine: not the report's or the files' libraries."""
    from simengine.analysis.shockeffect import _gains, without_shocks
    from simengine.core import driver
    from simengine.model.plan import compile_plan
    from simengine.scenario.schema import load

    sc = load(path).with_run_options(draws=draws)
    background = BackgroundCompile.start(sc)  # the analyses' kernels on the other core, as a run does
    plan = compile_plan(sc)
    opts = driver.RunOptions(via="cli")
    driver.run(plan, opts, driver.LocalExecutor(opts.threads), analyses=True)
    if sc.shocks:
        _gains(without_shocks(sc).with_run_options(draws=2), None, like=plan)
    if background is not None:
        background.wait()
    _compile_analysis_kernels(sc)  # loads them when the second process compiled them, else compiles


if __name__ == "__main__":
    import pickle
    import sys

    import simengine  # noqa: F401 - sets the cache folder as a run does

    _exit_with_parent(int(sys.argv[1]))
    _compile_analysis_kernels(pickle.load(sys.stdin.buffer))
