"""np.quantile of sorted values without numpy's partition (simengine.analysis.sortedq): the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.analysis import sortedq


@pytest.mark.parametrize("shape", [(1,), (2,), (1001,), (100_000, 3), (5000, 4, 3)])
def test_same_numbers_and_input_untouched(shape):
    rng = np.random.default_rng(7)
    a = np.sort(rng.lognormal(size=shape), axis=0)
    a[: shape[0] // 3] = a[0]  # ties
    before = a.copy()
    for q in (0.5, 0.0, 1.0, np.array([0.01, 0.05, 0.25, 1 / 3, 0.5, 0.9, 0.975, 0.99, 0.999])):
        want = np.quantile(a, q, axis=0)
        got = sortedq.quantile(a, q)
        assert type(got) is type(want) and np.shape(got) == np.shape(want)
        assert np.array_equal(got, want)  # bit for bit
    assert np.array_equal(a, before)


def test_nan_sorted_last_as_numpy_says():
    a = np.sort(np.array([[3.0, 1.0], [np.nan, 2.0], [1.0, 0.0]]), axis=0)
    assert np.array_equal(sortedq.quantile(a, [0.5, 0.9]), np.quantile(a, [0.5, 0.9], axis=0), equal_nan=True)


def test_numpy_partitions_through_the_method(monkeypatch):
    """The no-copy quantile rests on numpy calling the array's own ``partition`` (a no-op on the
    sorted view); were numpy to partition another way, the cached sorted draws could be reordered
    in place: this fails first."""
    calls = []
    monkeypatch.setattr(sortedq._Sorted, "partition", lambda self, *a, **k: calls.append(1))
    a = np.sort(np.random.default_rng(1).normal(size=1000))
    sortedq.quantile(a, [0.3, 0.7])
    assert calls
