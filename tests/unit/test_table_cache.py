"""Quantile tables kept in the user's cache (simengine.model.distributions.quantile_table): read back
bit for bit, without scipy; a damaged file computed again; off with SIMENGINE_TABLE_CACHE=0; a cache
that cannot be written skipped."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.model import distributions as dists
from simengine.model.distributions import Dist

BETA = Dist("pert", (("min", 0.5), ("mode", 1.0), ("max", 2.5)))
LOGNORMAL = Dist("lognormal", (("median", 1.0), ("p90", 1.7)))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SIMENGINE_TABLE_CACHE", raising=False)
    return tmp_path / "simengine" / "tables"


def _files(folder):
    return sorted(folder.glob("*.table")) if folder.exists() else []


def test_a_table_is_read_back_bit_for_bit_without_scipy(cache, monkeypatch):
    first = dists.quantile_table(BETA)
    np.testing.assert_array_equal(first, dists._compute_table(BETA))
    (path,) = _files(cache)
    assert path.stat().st_size == dists.TABLE_LEN * 8 + 32

    def no_scipy(self):
        raise AssertionError("computed again")

    monkeypatch.setattr(Dist, "scipy", no_scipy)
    again = dists.quantile_table(BETA)
    assert again.dtype == np.float64 and again.flags.writeable
    np.testing.assert_array_equal(again, first)


def test_each_distribution_has_its_own_file(cache):
    a, b = dists.quantile_table(BETA), dists.quantile_table(LOGNORMAL)
    assert len(_files(cache)) == 2 and not np.array_equal(a, b)
    np.testing.assert_array_equal(dists.quantile_table(LOGNORMAL), dists._compute_table(LOGNORMAL))


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_a_damaged_file_is_computed_again_and_replaced(cache, damage):
    good = dists.quantile_table(BETA)
    (path,) = _files(cache)
    blob = bytearray(path.read_bytes())
    if damage == "flip":
        blob[1000] ^= 0x40  # one value changed: the SHA-256 no longer matches
    elif damage == "truncate":
        del blob[-100:]
    else:
        blob = bytearray()
    path.write_bytes(bytes(blob))
    np.testing.assert_array_equal(dists.quantile_table(BETA), good)
    assert path.read_bytes()[: dists.TABLE_LEN * 8] == good.astype("<f8").tobytes()


def test_off_with_the_environment_variable(cache, monkeypatch):
    monkeypatch.setenv("SIMENGINE_TABLE_CACHE", "0")
    np.testing.assert_array_equal(dists.quantile_table(BETA), dists._compute_table(BETA))
    assert _files(cache) == []


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # <file>/simengine/tables cannot be made
    np.testing.assert_array_equal(dists.quantile_table(BETA), dists._compute_table(BETA))


def test_the_key_follows_the_scipy_version(cache, monkeypatch):
    """Another scipy (or numpy, or this module's source) is another file: a table is never read
    back under a version that might compute it differently."""
    import scipy

    dists.quantile_table(BETA)
    monkeypatch.setattr(scipy, "__version__", scipy.__version__ + ".other")
    dists._table_key.cache_clear()  # as in a new process
    try:
        dists.quantile_table(BETA)
    finally:
        dists._table_key.cache_clear()  # the next test's key is made under the real version
    assert len(_files(cache)) == 2
