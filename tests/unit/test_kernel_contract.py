"""The kernel's argument contract (simengine.core.contract) and the numba behaviour it works around.

numba 0.68 drops writes to an array reached through a namedtuple attribute in the body of a
``prange`` loop (numba issue 5872). The kernel therefore never reaches into its argument tuples
in the body of its parallel loop: it hands them to a function of its own (simengine.core.kernel._block),
where writes through them land, and arrays bound to locals before the loop are written as usual.
These tests keep both patterns honest on the installed numba.
"""

from __future__ import annotations

import inspect
from typing import NamedTuple

import numba as nb
import numpy as np

from simengine.core import contract as kernel_contract
from simengine.core import engine, kernel
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario
from tests.conftest import ROOT


class _Pair(NamedTuple):
    x: np.ndarray
    y: np.ndarray
    n: int


@nb.njit(parallel=True)
def _write_through_locals(p):  # pragma: no cover - compiled
    x = p.x  # bound before the parallel loop
    y = p.y
    n = p.n
    for i in nb.prange(x.shape[0]):
        x[i] = y[i] + n


@nb.njit
def _write_row(p, i):  # pragma: no cover - compiled
    p.x[i] = p.y[i] + p.n


@nb.njit(parallel=True)
def _write_through_call(p):  # pragma: no cover - compiled
    for i in nb.prange(p.x.shape[0]):  # the kernel's pattern: the tuple handed to a function
        _write_row(p, i)


def test_parallel_writes_through_locals_land():
    p = _Pair(x=np.zeros(64), y=np.arange(64.0), n=10)
    _write_through_locals(p)
    np.testing.assert_array_equal(p.x, np.arange(64.0) + 10)


def test_parallel_writes_through_a_called_function_land():
    p = _Pair(x=np.zeros(64), y=np.arange(64.0), n=10)
    _write_through_call(p)
    np.testing.assert_array_equal(p.x, np.arange(64.0) + 10)


def test_simulate_takes_named_groups():
    """simulate's parameters are the draw range and one tuple per group, each declared once."""
    params = list(inspect.signature(kernel.simulate.py_func).parameters)
    assert params == ["d0", "n", "nblocks", "inputs", "model", "layout", "sampling", "kept", "acc", "scratch"]
    for cls in (
        kernel_contract.InputArrays,
        kernel_contract.ModelArrays,
        kernel_contract.HistLayout,
        kernel_contract.Sampling,
        kernel_contract.KeptDraws,
        kernel_contract.BlockAccumulators,
        kernel_contract.BlockScratch,
    ):
        assert len(cls._fields) == len(set(cls._fields))
    # the kept outputs and accumulators are named as simengine.core.engine names them
    assert set(kernel_contract.KeptDraws._fields) == set(engine.PER_DRAW) | {"d0", "inputs"}
    assert set(kernel_contract.BlockAccumulators._fields) == set(engine.ACC_FIELDS) | {"overflow"}


def test_every_kept_output_and_accumulator_is_written():
    """A kernel call writes every kept output and every accumulator (a write lost to numba issue
    5872 would leave the sentinel or zeros in place)."""
    sc = scenario.load(ROOT / "scenarios" / "2015.toml").with_run_options(draws=600)
    plan = compile_plan(sc)
    nblocks = 2
    kept = {k: np.full_like(v, np.nan) for k, v in engine._per_draw(plan, 150).items()}  # in block 0
    inputs = np.full((150, plan.n_inputs), np.nan)
    acc = engine.new_accumulators(plan, nblocks)
    overflow = np.zeros(nblocks, np.int64)
    scratch = engine.new_scratch(plan, nblocks)
    kernel.simulate(
        0, 600, nblocks, *engine._kernel_args(plan), *engine._kernel_outputs(0, kept, inputs, acc, overflow), scratch
    )
    for name, v in kept.items():
        assert np.isfinite(v).all(), name
    assert np.isfinite(inputs).all()
    for name in engine.ACC_FIELDS:
        a = getattr(acc, name)
        assert a.any(axis=tuple(range(1, a.ndim))).all(), f"{name}: a block wrote nothing"
    assert (acc.golive_hist.sum(axis=(1, 2)) == 300 * len(plan.gain)).all()  # 300 draws a block
    assert acc.nat_hist.sum() == 450 * plan.n_series  # the draws not kept
