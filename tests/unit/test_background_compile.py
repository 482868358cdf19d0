"""On a cold numba cache a run compiles the analyses' kernels in a second process
(simengine._jit.BackgroundCompile); the stand-in it uses compiles without running, and a warm cache
or SIMENGINE_BACKGROUND_COMPILE=0 starts nothing; neither does a read-only cache folder or
NUMBA_DISABLE_JIT; a failing child changes nothing but speed, and no child outlives its run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np
import pytest

from simengine import _jit
from simengine.scenario import schema as scenario

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"


@nb.njit
def _writes(a, x):  # pragma: no cover - compiled
    a[0] = x


def test_stand_in_compiles_for_the_call_types_without_running():
    a = np.zeros(3)
    disp = nb.njit(_writes.py_func)
    _jit.compile_for(disp)(a, 2.5)
    assert a[0] == 0.0  # not run
    assert [tuple(str(t) for t in s) for s in disp.signatures] == [("array(float64, 1d, C)", "float64")]


def test_nothing_started_when_the_cache_holds_the_kernels_or_it_is_switched_off(tmp_path, monkeypatch):
    sc = scenario.load(SMALL)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    from simengine import numba_subfolder

    # numba's own layout: <cache>/analysis_<sha1 of the folder>/sensitivity.<name>-<line>.py311.nbi
    sub = numba_subfolder(tmp_path, Path(_jit.__file__).resolve().parent / "analysis")
    sub.mkdir()
    for name in _jit.ANALYSIS_KERNELS:
        (sub / f"sensitivity.{name}-300.py{sys.version_info[0]}{sys.version_info[1]}{sys.abiflags}.nbi").write_bytes(
            b""
        )
    assert _jit.BackgroundCompile.start(sc) is None  # warm
    for f in sub.iterdir():
        f.unlink()
    monkeypatch.setenv("SIMENGINE_BACKGROUND_COMPILE", "0")
    assert _jit.BackgroundCompile.start(sc) is None  # switched off
    assert not any(_jit._cache_has(n) for n in _jit.ANALYSIS_KERNELS)


def test_nothing_started_when_the_cache_folder_is_not_writable_or_the_jit_is_off(tmp_path, monkeypatch):
    sc = scenario.load(SMALL)
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    monkeypatch.delenv("SIMENGINE_BACKGROUND_COMPILE", raising=False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "cache"))  # below a file: cannot be created
    assert not _jit._cache_writable()
    assert _jit.BackgroundCompile.start(sc) is None
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    assert _jit._cache_writable()
    monkeypatch.setattr(nb.config, "DISABLE_JIT", True)
    assert _jit.BackgroundCompile.start(sc) is None


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie has ended


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_child_whose_parent_is_killed_ends_itself():
    # the parent starts a child that watches it and would sleep a minute, prints its id, and dies
    child = "from simengine._jit import _exit_with_parent; _exit_with_parent(%d, 0.1); import time; time.sleep(60)"
    parent = (
        "import os, subprocess, sys; "
        f"p = subprocess.Popen([sys.executable, '-c', {child!r} % os.getpid()], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); print(p.pid, flush=True); "
        "import time; time.sleep(1.0); os._exit(0)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", parent], env=env, capture_output=True, text=True, check=True)
    pid = int(out.stdout.split()[0])
    t0 = time.monotonic()
    while not _gone(pid) and time.monotonic() - t0 < 30:
        time.sleep(0.2)
    assert _gone(pid)


def test_a_failing_child_changes_nothing_but_speed(monkeypatch, tmp_path):
    """A second process that fails at once (here: exits 3) leaves the run to compile in-process: the
    results are the same bits as with SIMENGINE_BACKGROUND_COMPILE=0; cancel reaps it."""
    from simengine.analysis.results import results_digest
    from simengine.cli import runner

    started = []

    def failing(cls, sc):
        bg = cls(subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"]))
        started.append(bg)
        return bg

    sc = scenario.load(SMALL).with_run_options(draws=600)
    monkeypatch.setenv("SIMENGINE_BACKGROUND_COMPILE", "0")
    plain = results_digest(runner.simulate(sc, threads=1))
    monkeypatch.setattr(_jit.BackgroundCompile, "start", classmethod(failing))
    monkeypatch.setenv("SIMENGINE_BACKGROUND_COMPILE", "1")
    with_failed_child = results_digest(runner.simulate(sc, threads=1))
    assert started and started[0].proc.returncode == 3
    assert with_failed_child == plain
    started[0].cancel()  # harmless on an ended child


def test_cancel_ends_a_running_child():
    bg = _jit.BackgroundCompile(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
    bg.wait(timeout=0.5)  # too short: ended, not left running
    assert bg.proc.returncode is not None
    assert bg.proc.returncode != 0
