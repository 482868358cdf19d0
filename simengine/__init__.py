"""simengine: how likely is a promised digitalisation gain? A Monte Carlo engine."""

from __future__ import annotations

__version__ = "0.1.0"

# the Python API (simengine.api); compare_scenarios, sweep_grid, update_forecast and ask_results are the
# compare, sweep, update and ask commands (the names compare, sweep, update and ask are this package's
# modules; simengine.api.update and simengine.api.ask are the same functions)
__all__ = [
    "ConfigError",
    "RunError",
    "Scenario",
    "SimengineError",
    "__version__",
    "ask_results",
    "backtest",
    "compare_scenarios",
    "load",
    "rebuild",
    "run",
    "sweep_grid",
    "update_forecast",
    "variant",
    "write",
]


def _numba_cache_dir() -> None:
    """Keep compiled kernels in a cache folder keyed by a hash of the package's numba sources.

    numba decides whether a cached kernel is stale from the modification time of the file that
    defines it, not of the files whose functions it inlines (distributions.py, rng.py, model.py),
    so a change there could run a stale kernel. A folder per source hash rules that out, and works
    when the installed package is read-only. A NUMBA_CACHE_DIR set by the user is respected.
    """
    import hashlib
    import os
    import sys
    from pathlib import Path

    if os.environ.get("NUMBA_CACHE_DIR", "") not in ("", os.environ.get("SIMENGINE_NUMBA_CACHE_DIR")):
        return  # set by the user
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    # every module of the model and core stages (the kernel and what it inlines) and the waterfall's
    # compiled evaluator
    sources = sorted((here / "model").glob("*.py")) + sorted((here / "core").glob("*.py"))
    for path in [*sources, here / "analysis" / "sensitivity.py"]:
        try:
            h.update(path.name.encode() + path.read_bytes())
        except OSError:
            return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "simengine" / "numba"
    target = base / h.hexdigest()[:16]
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba falls back to its own locations
    if "numba" in sys.modules:
        import numba

        numba.config.CACHE_DIR = str(target)  # type: ignore[attr-defined]
    else:  # numba reads it when first imported: only what runs a kernel imports numba (simengine._jit)
        os.environ["NUMBA_CACHE_DIR"] = os.environ["SIMENGINE_NUMBA_CACHE_DIR"] = str(target)


_numba_cache_dir()

# the Python API (simengine.api), after the cache folder is set: it compiles kernels on first use
from simengine.api import (  # noqa: E402
    Scenario,
    backtest,
    compare_scenarios,
    load,
    rebuild,
    run,
    sweep_grid,
    variant,
    write,
)
from simengine.api import ask as ask_results  # noqa: E402
from simengine.api import update as update_forecast  # noqa: E402
from simengine.errors import ConfigError, RunError, SimengineError  # noqa: E402
