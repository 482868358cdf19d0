"""Results digests held by the tests, one per kind of processor.

A digest (simengine.analysis.results.results_digest) is bit for bit, and the same code, scenario and
seed do not give the same last bits on every processor: commit 14910e4, which recorded
tests/data/legacy/digests.json, gives other digests for all four of its scenarios on an AMD EPYC
(znver3) without AVX-512 than on the machine that recorded them. numpy chooses its SIMD code for
functions such as exp, log and exp2 when it is imported, from what the processor offers, and those
codes may differ in the last bit; the quantile tables and histogram edges of a plan are computed
with them. Threads, chunks and workers of one machine give the same bits (tests/cli/test_driver.py,
tests/reference/test_digests.py run with two threads, the runs they were recorded from with others).

So a test accepts the digest recorded for any kind of processor: a change of numbers gives a digest
that none of them has. On a kind of processor not yet recorded the test fails and names this
machine (:func:`machine`); record its digests from a commit whose numbers are known to be right
(the one that recorded the others, or one checked against it on a recorded kind), never from the
change under test.
"""

from __future__ import annotations


def machine() -> str:
    """numpy's SIMD targets in use and LLVM's name of the processor (what numba compiles for)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    simd = "+".join(t for t in __cpu_dispatch__ if __cpu_features__.get(t)) or "baseline"
    try:
        import llvmlite.binding as ll

        cpu = ll.get_host_cpu_name()
    except Exception:  # pragma: no cover - llvmlite always comes with numba
        cpu = "?"
    return f"numpy SIMD {simd}; LLVM cpu {cpu}"


def check(actual: str, recorded: dict[str, str], what: str) -> None:
    """Fail unless ``actual`` is one of the ``recorded`` digests (by kind of processor)."""
    if actual in recorded.values():
        return
    kinds = "; ".join(f"{k}: {v[:12]}…" for k, v in recorded.items())
    raise AssertionError(
        f"{what}: results digest {actual} is none of those recorded ({kinds}); this machine: {machine()}. "
        "Either the numbers changed, or this is a kind of processor not recorded yet (see tests/digests.py)."
    )
