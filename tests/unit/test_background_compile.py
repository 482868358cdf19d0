"""On a cold numba cache a run compiles the analyses' kernels in a second process
(simengine._jit.BackgroundCompile); the stand-in it uses compiles without running, and a warm cache
or SIMENGINE_BACKGROUND_COMPILE=0 starts nothing."""

from __future__ import annotations

from pathlib import Path

import numba as nb
import numpy as np

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
    sub = tmp_path / "simengine_analysis"
    sub.mkdir()
    for name in _jit.ANALYSIS_KERNELS:
        (sub / f"analysis.{name}-300.py311.nbi").write_bytes(b"")
    assert _jit.BackgroundCompile.start(sc) is None  # warm
    for f in sub.iterdir():
        f.unlink()
    monkeypatch.setenv("SIMENGINE_BACKGROUND_COMPILE", "0")
    assert _jit.BackgroundCompile.start(sc) is None  # switched off
    assert not any(_jit._cache_has(n) for n in _jit.ANALYSIS_KERNELS)
