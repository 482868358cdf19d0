"""simengine's build backend: setuptools, and then the numba kernels compiled into the user's cache.

pyproject.toml names this module (``build-backend = "build_backend"``, ``backend-path = ["scripts"]``).
Everything is setuptools' (``setuptools.build_meta``) but two steps:

* ``get_requires_for_build_wheel`` / ``_editable`` add the packages the compile imports (numpy,
  numba, scipy, xarray, with the version ranges of ``[project] dependencies``) to the build
  environment;
* ``build_wheel`` / ``build_editable``, once setuptools has built the wheel, run
  ``simengine._jit.precompile("scenarios/2015.toml")`` from the source tree: every kernel a
  default run calls is compiled into the cache folder the installed package reads
  (~/.cache/simengine/numba/<hash of the kernels' sources>, see simengine/__init__.py). So the first
  ``simengine run`` after ``pip install .`` loads its kernels instead of compiling them for a minute
  or more: the wait moves from the first run into the install.

``SIMENGINE_PRECOMPILE=0`` skips the compile (and its packages in the build environment): a wheel
built for another machine, say. A compile that fails prints one line and the build goes on; the
first run then compiles, as it would have without this step.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - every hook not defined below is setuptools' own

ROOT = Path(__file__).resolve().parents[1]
#: the scenario whose default run is compiled, and its draws (the kernels' types do not depend on them)
SCENARIO = "scenarios/2015.toml"
DRAWS = 2_000
#: the distributions the compile imports (simengine._jit.precompile)
NEEDS = ("numpy", "numba", "scipy", "xarray")
#: longest the compile may take before the build goes on without it (seconds)
TIMEOUT = 600  # ten times the compile on a quiet 2-core machine


def _enabled() -> bool:
    return os.environ.get("SIMENGINE_PRECOMPILE", "1") != "0"


def _needs() -> list[str]:
    """NEEDS as pyproject.toml's ``[project] dependencies`` pin them (``numba>=0.68,<1``)."""
    import tomllib

    try:
        deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return list(NEEDS)
    name = re.compile(r"\s*([A-Za-z0-9_.-]+)")
    pinned = {m.group(1).lower(): d for d in deps if (m := name.match(d))}
    return [pinned.get(n, n) for n in NEEDS]


def _say(text: str) -> None:
    print(f"simengine build: {text}", file=sys.stderr, flush=True)


def precompile() -> bool:
    """Compile the default run's kernels into the user's cache; one line and False when it fails."""
    if not _enabled():
        return False
    if not (ROOT / SCENARIO).is_file():
        _say(f"{SCENARIO} is not in the source tree, nothing compiled: the first run compiles the kernels")
        return False
    env = dict(os.environ)
    # pip's isolated build environment reaches its packages through PYTHONPATH: keep it, after the tree
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-c", f"from simengine._jit import precompile; precompile({SCENARIO!r}, {DRAWS})"]
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        _say(f"compiling the kernels did not finish ({type(e).__name__}): the first run compiles them")
        return False
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        _say(f"compiling the kernels failed ({last.strip()}): the first run compiles them")
        return False
    return True


def get_requires_for_build_wheel(config_settings=None):
    return _setuptools.get_requires_for_build_wheel(config_settings) + (_needs() if _enabled() else [])


def get_requires_for_build_editable(config_settings=None):
    return _setuptools.get_requires_for_build_editable(config_settings) + (_needs() if _enabled() else [])


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    precompile()
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name = _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
    precompile()
    return name
