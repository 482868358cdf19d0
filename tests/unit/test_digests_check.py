"""tests/digests.py: a digest is accepted when it is one of those recorded, by kind of processor."""

from __future__ import annotations

import pytest

from tests import digests

RECORDED = {"one kind": "a" * 64, "another kind": "b" * 64}


def test_a_recorded_digest_of_any_kind_passes():
    digests.check("b" * 64, RECORDED, "x")
    digests.check("a" * 64, RECORDED, "x")


def test_another_digest_fails_and_names_this_machine():
    with pytest.raises(AssertionError) as e:
        digests.check("c" * 64, RECORDED, "small.toml")
    msg = str(e.value)
    assert "small.toml" in msg and "c" * 64 in msg and digests.machine() in msg


def test_machine_names_numpy_simd_and_the_llvm_cpu():
    m = digests.machine()
    assert m.startswith("numpy SIMD ") and "; LLVM cpu " in m
