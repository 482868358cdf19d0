"""simengine: how likely is a promised digitalisation gain? A Monte Carlo engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os
    from pathlib import Path

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


def numba_subfolder(cache_dir: str | os.PathLike[str], source_dir: str | os.PathLike[str]) -> Path:
    """numba's folder in ``cache_dir`` for the kernels of the modules in ``source_dir``:
    ``<folder name>_<sha1 of its absolute path>`` (numba.core.caching, ``get_suitable_cache_subpath``)."""
    import hashlib
    import os
    from pathlib import Path

    d = os.path.abspath(source_dir)
    return Path(cache_dir) / f"{os.path.basename(d)}_{hashlib.sha1(d.encode()).hexdigest()}"


def numba_index_tag() -> str:
    """How the names of numba's index files for this Python end: ``py311`` + abiflags (numba.core.caching)."""
    import sys

    return f"py{sys.version_info[0]}{sys.version_info[1]}{sys.abiflags}"


#: the package's folders that define cached kernels (numba keeps one cache folder for each)
KERNEL_FOLDERS = ("model", "core", "analysis")


def _adopt_compiled(folder: Path, package_dir: Path) -> None:
    """Let this copy of the package use kernels compiled for another copy of the same sources.

    ``folder`` is keyed by a hash of the sources (below), so every copy in it is of the same
    sources; numba files each copy's kernels under the copy's own path, though. The install-time
    compile (scripts/build_backend.py) runs in the source tree, and pip then installs a copy of the
    package elsewhere, which would find nothing and compile again. So where this copy's folder is
    missing, the sibling folder holding the most kernels is copied to it (into a temporary folder,
    then renamed: a run never sees half a copy, and of two runs adopting at once one wins). numba
    0.68 checks each kernel against the SHA-256 of its source file's content, which the copy shares;
    pyproject.toml asks for that numba (a numba that checked modification times would find the copies
    stale and compile, as without them)."""
    import os
    import re
    import secrets
    import shutil

    tag = f"{numba_index_tag()}.nbi"  # this Python's index files
    for name in KERNEL_FOLDERS:
        mine = numba_subfolder(folder, package_dir / name)
        if mine.exists():
            continue
        pattern = re.compile(rf"{name}_[0-9a-f]{{40}}")
        try:
            siblings = [p for p in folder.iterdir() if pattern.fullmatch(p.name) and p.is_dir()]
        except OSError:
            return
        if not siblings:
            continue
        best = max(siblings, key=lambda p: (sum(1 for _ in p.glob(f"*.{tag}")), p.name))
        tmp = None
        try:
            tmp = folder / f".{mine.name}.{os.getpid()}.{secrets.token_hex(4)}"
            os.mkdir(tmp)  # with the umask's permissions, as numba makes its folders
            for f in best.iterdir():
                if f.suffix in (".nbi", ".nbc"):
                    shutil.copy2(f, tmp)
            os.rename(tmp, mine)
        except OSError:  # no room, read-only, or another run adopted it first: numba compiles as before
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


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
    # and of the numba and Python that compile them: another environment's kernels in another folder
    try:
        from importlib.metadata import version

        h.update(f"numba {version('numba')} {sys.implementation.cache_tag} {sys.abiflags}".encode())
    except Exception:  # noqa: BLE001 - no numba metadata: the sources alone key the folder
        pass
    # every module of the model and core stages (the kernel and what it inlines) and the waterfall's
    # compiled evaluator
    sources = sorted((here / "model").glob("*.py")) + sorted((here / "core").glob("*.py"))
    for path in [*sources, here / "analysis" / "sensitivity.py"]:
        try:
            h.update(path.name.encode() + path.read_bytes())
        except OSError:
            return
    from simengine._jit import cache_root

    target = cache_root() / "numba" / h.hexdigest()[:16]
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba falls back to its own locations
    _adopt_compiled(target, here)
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
