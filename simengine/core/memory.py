"""The memory a run needs at its peak, term by term, and advice naming what would make it fit.

A run's resident memory goes through phases, and its peak is the largest of them:

* ``simulate``: the kernel's per-thread buffers (32-bit histograms of every municipality and
  initiative per year, their 16-bit scratch counts, the national histograms), the merged
  64-bit histograms, the per-draw values of the kept draws and the kept per-draw inputs;
* ``results``: what the run keeps (merged histograms, kept draws, kept inputs) plus the results
  Dataset and the transients of building it: trimming the municipality/initiative histograms for
  the Dataset and, at the same time in another thread, the larger of the sensitivity analysis (the
  kept inputs transposed and the inputs it ranks) and the waterfall (its coalitions of the first
  10,000 draws);
* ``shock_effect`` (a scenario with ``[[shocks]]``): what the run keeps and its Dataset, beside a
  second kernel run of up to 20,000 draws without the shocks (simengine.analysis.shockeffect): its own
  per-thread buffers and per-draw gains;
* ``report``: the Dataset and the report's charts and tables (without ``--no-report``: none).

On top of each comes the ``baseline``: the interpreter, numpy, numba, xarray and the package,
and the compiled kernels loaded from numba's cache; a run observes it in its own process when the
guard runs (:func:`observe_baseline`), since it differs between installations. The byte counts are the arrays' sizes; the
baseline and the constant parts of the Dataset and the report are measured, on Linux x86-64 with
Python 3.11 (``benchmarks/memory.py`` prints the estimate beside the measured peak RSS). A first
run that compiles the kernels needs about 250 MiB more for a minute, before any array exists.

The histograms are counted at their full size. A run keeps numpy's arrays in ordinary pages
(:func:`ordinary_pages`), so only the pages of the bins it touches are resident: the estimate is an
upper bound, close where the kept draws and the analyses dominate (+10-12 % on 2015.toml at 10^4
and 10^5 draws) and well above the peak where the histograms do (2.6x on 5,000 municipalities;
benchmarks/README.md, "Transparent huge pages"). How many pages a run touches depends on how far
its values spread, which is not known before the first draw.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from simengine.messages import Msg

MiB = 2**20


@functools.cache
def _numpy_hugepage_switch():
    """numpy's switch of its ``madvise(MADV_HUGEPAGE)`` on large arrays (``_set_madvise_hugepage``,
    numpy >= 1.20: ``numpy._core.multiarray`` from 2.0, ``numpy.core.multiarray`` before), or None;
    looked up once (every block of draws enters :func:`ordinary_pages`)."""
    import importlib

    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            switch = getattr(importlib.import_module(name), "_set_madvise_hugepage", None)
        except ImportError:
            continue
        if switch is not None:
            return switch
    return None


@contextlib.contextmanager
def ordinary_pages() -> Iterator[None]:
    """Within the block, numpy's new arrays are not advised into transparent huge pages; the
    previous setting is restored after it. Only the memory's page size changes, never a number.

    On Linux with transparent huge pages in ``madvise`` mode (a common default), numpy advises
    every array of 4 MiB or more into 2 MiB pages (https://numpy.org/devdocs/reference/global_state.html,
    "madvise hugepage on Linux", read 2026-12-03). A run allocates and frees such arrays by the
    hundred (the kernel's histograms, of which it touches a few bins; the kept draws, sorted,
    copied and compressed), and the operating system zeroes each 2 MiB page whole on its first
    touch: a quarter of the default run's processor time on the machine of benchmarks/README.md
    ("Transparent huge pages": the command 8.4 s against 10.6 s, the kernel alone 1.26 s against
    a median of 2.43 s, the peak memory lower). A user who sets ``NUMPY_MADVISE_HUGEPAGE`` has
    chosen: numpy's setting is then left as numpy read it. Also usable as a decorator."""
    switch = None if "NUMPY_MADVISE_HUGEPAGE" in os.environ else _numpy_hugepage_switch()
    if switch is None:
        yield
        return
    before = switch(False)
    try:
        yield
    finally:
        switch(before)


#: interpreter, numpy, numba, xarray, polars, the package and a compiled plan: resident memory of
#: ``python -m simengine run`` just before the first draw (measured: 262 MiB, VmRSS)
BASELINE = 262 * MiB
#: the compiled kernels loaded from numba's cache on the first call (measured: about 16 MiB)
KERNELS = 16 * MiB
#: the results Dataset's quantile tables, negotiation tables and analyses' outputs, beyond the
#: arrays counted per term (measured: 55-92 MiB on 2015.toml at 10^3-10^5 draws)
DATASET = 80 * MiB
#: the analyses' thread (simengine.analysis.sensitivity.Early): a second thread calling numba's
#: parallel loops gets its own OpenMP team and malloc arena (measured: 18-34 MiB more peak RSS on
#: 2015.toml at 10^3-10^5 draws than the same run with the analyses in turn)
ANALYSES_THREAD = 18 * MiB
#: the report's libraries (matplotlib, openpyxl), charts and tables, beyond the terms counted
#: (measured: 245 MiB on 2015.toml at 10^3-10^5 draws)
REPORT = 245 * MiB
#: bytes per municipality/initiative histogram cell (year x unit x bin) that the Dataset's trimmed
#: histograms and the report's tables built from them need (measured: about 7; the trimmed width
#: depends on how spread the simulated values are)
REPORT_PER_CELL = 7
TRIM_PER_CELL = 7
#: the waterfall's per-draw working set: local sums (I x 8 doubles) and the values of the
#: coalitions of one evaluator call (simengine.analysis.sensitivity.MASKS: 4 rows, 128 for the ten
#: causes) per area and nationally, twice (the values and their partition for the median)


@dataclass
class Estimate:
    """Bytes per term of each phase; ``total`` = baseline + the largest phase."""

    baseline: int
    phases: dict[str, dict[str, int]] = field(default_factory=dict)

    def phase_total(self, name: str) -> int:
        return sum(self.phases[name].values())

    @property
    def peak_phase(self) -> str:
        return max(self.phases, key=self.phase_total)

    @property
    def total(self) -> int:
        return self.baseline + self.phase_total(self.peak_phase)

    def dominant(self) -> tuple[str, int]:
        """(term, bytes) of the largest term of the peak phase."""
        terms = self.phases[self.peak_phase]
        name = max(terms, key=lambda k: terms[k])
        return name, terms[name]


#: the baseline measured in this process by :func:`observe_baseline` (None: the constant BASELINE)
_observed_baseline: int | None = None
#: the last run's estimate (bytes) made by the guard in this process (simengine.core.engine.check_memory)
last_total: int | None = None


def current_rss() -> int | None:
    """This process's resident memory in bytes (Linux), else None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def observe_baseline() -> None:
    """Take the baseline from this process as it stands just before its run (the interpreter and the
    libraries as installed here: the same versions weigh differently from one installation to the
    next, by 115 MiB between two virtualenvs of this project's machine), never below BASELINE."""
    global _observed_baseline
    rss = current_rss()
    _observed_baseline = None if rss is None else max(BASELINE, rss)


def estimate(
    plan,
    draws: int,
    threads: int,
    keep_draws: int,
    store_inputs: int | None = None,
    report: bool = False,
    analyses: bool = True,
) -> Estimate:
    """The memory a run of ``plan`` needs, term by term (see the module's docstring)."""
    from simengine.analysis.sensitivity import MASKS, SENSITIVITY_DRAWS, WATERFALL_DRAWS
    from simengine.core.engine import DEFAULT_STORE_INPUTS
    from simengine.model.plan import NAT_BINS, REGIMES
    from simengine.model.structure import EVENT_SIZES

    if store_inputs is None:
        store_inputs = DEFAULT_STORE_INPUTS
    Y, A, R, M, I = (len(plan.years), len(plan.scenario.areas), len(REGIMES), len(plan.size_effect), len(plan.gain))
    B, S, n_in = plan.hist_bins, plan.n_series, plan.n_inputs
    cells = Y * (M + I) * B  # municipality and initiative histogram cells
    kept_n = max(0, min(draws, keep_draws))
    kept = kept_n * (Y * (3 + 2 * A + 3 * R) + 1) * 8  # the per-draw values of engine.PER_DRAW
    inp_n = max(0, min(draws, keep_draws, store_inputs))
    inputs = inp_n * n_in * 8
    per_thread = threads * (cells * (4 + 2) + S * NAT_BINS * 4)  # int32 histograms, uint16 scratch, national
    merged = cells * 8 + plan.tables.nbytes
    est = Estimate(baseline=BASELINE if _observed_baseline is None else _observed_baseline)
    est.phases["simulate"] = {
        "kernels": KERNELS,
        "threads": per_thread,
        "histograms": merged,
        "kept": kept,
        "inputs": inputs,
    }
    # the national quantiles sort each kept series once and keep the sorted copy (results.NationalStats)
    results = {
        "kernels": KERNELS,
        "histograms": merged + cells * TRIM_PER_CELL,
        "kept": 2 * kept,
        "inputs": inputs,
        "dataset": DATASET,
    }
    if analyses:  # one after the other, in a thread beside the Dataset's building (the trimming counted above)
        n_s = min(inp_n, SENSITIVITY_DRAWS)
        ranked = sum(k not in EVENT_SIZES for k in plan.input_kind)
        sens = n_s * (n_in + ranked) * 8
        n_w = min(inp_n, kept_n, WATERFALL_DRAWS)
        wf = n_w * (I * 8 * 8 + 2 * 4 * MASKS.shape[1] * (1 + A) * 8)
        results["analyses"] = max(sens, wf) + ANALYSES_THREAD
    est.phases["results"] = results
    if analyses and plan.scenario.shocks:  # simengine.analysis.shockeffect: after the analyses, a second kernel run
        from simengine.analysis.shockeffect import SHOCK_EFFECT_DRAWS  # without the shocks, beside the run's results

        n_se = min(draws, SHOCK_EFFECT_DRAWS)
        # in the analyses' thread, once the Dataset is built (its trimming's transient gone:
        # simengine.analysis.sensitivity.Early), beside the sensitivity's or waterfall's leftovers at most
        est.phases["shock_effect"] = {
            "kernels": KERNELS,
            "histograms": merged,
            "kept": 2 * kept,
            "inputs": inputs,
            "dataset": DATASET,
            "threads": per_thread + n_se * (Y * (3 + 2 * A + 3 * R) + 1) * 8 + ANALYSES_THREAD,
        }
    if report:
        est.phases["report"] = {"report": REPORT, "histograms": cells * REPORT_PER_CELL, "kept": kept + kept // 8}
    return est


def gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def advice(
    plan,
    draws: int,
    threads: int,
    keep_draws: int,
    limit: float,
    report: bool = False,
    analyses: bool = True,
    store_inputs: int | None = None,
) -> tuple[str, Msg] | None:
    """None if the run fits in ``limit`` bytes, else (key, message): the option or scenario key to
    change and a sentence naming the largest part of the estimate and a change that would fit
    (simengine.messages: ``str()`` English, ``text("da")`` Danish)."""

    def need(t: int = threads, k: int = keep_draws, r: bool = report) -> int:
        return estimate(plan, draws, t, k, store_inputs, r, analyses).total

    est = estimate(plan, draws, threads, keep_draws, store_inputs, report, analyses)
    if est.total <= limit:
        return None
    M, I, Y = len(plan.size_effect), len(plan.gain), len(plan.years)
    terms = est.phases[est.peak_phase]
    shape = {"M": M, "I": I, "Y": Y}
    what = {
        "threads": Msg("memory.part.threads", threads=threads, **shape),
        "histograms": Msg("memory.part.histograms", **shape),
        "kept": Msg("memory.part.kept", n=min(draws, keep_draws)),
        "inputs": Msg("memory.part.inputs", n=min(draws, keep_draws, est_inputs(store_inputs))),
        "analyses": Msg("memory.part.analyses"),
        "report": Msg("memory.part.report"),
        "dataset": Msg("memory.part.dataset"),
        "kernels": Msg("memory.part.kernels"),
    }
    for term in sorted(terms, key=lambda k: -terms[k]):
        head = Msg("memory.largest", gib=terms[term] / 2**30, what=what[term])
        if term in ("kept", "inputs", "analyses") and need(k=1) <= limit:
            k = keep_draws
            while k > 1 and need(k=k) > limit:
                k //= 2
            return "simulation.keep_draws", Msg("memory.keep_draws", head=head, k=k, draws=draws)
        if term == "threads" and threads > 1 and need(t=1) <= limit:
            t = threads
            while t > 1 and need(t=t) > limit:
                t -= 1
            return "--threads", Msg("memory.threads", head=head, t=t)
        if term == "report" and report and need(r=False) <= limit:
            return "--no-report", Msg("memory.no_report", head=head)
    big = max(terms, key=lambda k: terms[k])
    head = Msg("memory.largest", gib=terms[big] / 2**30, what=what[big])
    if need(t=1, k=1, r=False) <= limit:
        return "--threads", Msg("memory.together", head=head)
    least = estimate(plan, draws, 1, 1, store_inputs, False, analyses)
    scaled = least.phases[least.peak_phase]
    hist = scaled.get("histograms", 0) + scaled.get("threads", 0)
    floor = Msg("memory.floor", gib=least.total / 2**30)
    if 2 * hist >= least.total:  # the scenario's size is most of what remains
        return "municipalities", Msg("memory.split", head=head, floor=floor, hist=hist / 2**30, **shape)
    base = (least.baseline + scaled.get("kernels", 0)) / 2**30
    return "", Msg("memory.larger_machine", head=head, floor=floor, base=base)


def est_inputs(store_inputs: int | None) -> int:
    from simengine.core.engine import DEFAULT_STORE_INPUTS

    return DEFAULT_STORE_INPUTS if store_inputs is None else store_inputs
