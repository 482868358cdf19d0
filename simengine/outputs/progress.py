"""A progress bar for long runs: draws done, draws/s and time left (rich).

Shown only on a terminal: nothing at all under ``--quiet`` or when stdout is not a terminal
(a pipe, a file, CI logs). The bar is transient: it disappears when the run is done, leaving the
results table.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TextIO


def enabled(quiet: bool, stream: TextIO | None = None) -> bool:
    stream = sys.stdout if stream is None else stream
    if quiet:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


#: the bar of the run in progress (None when none is shown): phases and steps report to it
_ACTIVE: _Bar | None = None


def phase(description: str, total: int | None = None) -> None:
    """Start a phase of the run after the draws (analyses, report, writing): the bar shows its
    name, ``k/total`` steps when ``total`` is given, and the time elapsed in it (never a time left)."""
    if _ACTIVE is not None:
        _ACTIVE.phase(description, total)


def step(n: int = 1) -> None:
    """One step of the current phase done."""
    if _ACTIVE is not None:
        _ACTIVE.step(n)


class _Bar:
    """``advance(n_draws)``, callable by the engine, with phases before and after the draws."""

    def __init__(self, prog, total: int, after: str, lang: str = "en") -> None:
        self.prog, self.total, self.after, self.lang = prog, total, after, lang
        self.done = 0
        self.task = prog.add_task(self.w(COMPILING), total=None, kind="compile", unit=self.w("draws"))

    def w(self, text: str) -> str:
        return DANISH.get(text, text) if self.lang == "da" else text

    def __call__(self, n: int) -> None:
        if self.done == 0:  # the first chunk: the kernels are compiled (or loaded from the cache)
            self.prog.reset(
                self.task, total=self.total, description=self.w("Simulating"), kind="draws", unit=self.w("draws")
            )  # reset replaces the task's fields: the unit again
        self.done += n
        self.prog.update(self.task, advance=n)
        if self.done >= self.total:
            self.phase(self.after)

    def phase(self, description: str, total: int | None = None) -> None:
        self.prog.remove_task(self.task)  # a task of its own: its own steps and time elapsed
        self.task = self.prog.add_task(
            self.w(description), total=total if total else None, kind="phase", unit=self.w("steps")
        )

    def step(self, n: int = 1) -> None:
        self.prog.update(self.task, advance=n)


#: the first block's phase: the kernels are loaded from numba's cache, or compiled on a first run
COMPILING = "Preparing (compiling on a first run)"
#: the bar's words in Danish (``--lang da``)
DANISH = {
    COMPILING: "Forbereder (oversætter ved første kørsel)",
    "Simulating": "Simulerer",
    "Summarising the draws": "Opsummerer trækkene",
    "Writing results": "Skriver resultater",
    "Analyses: Monte Carlo error, sensitivity, waterfall": "Analyser: Monte Carlo-fejl, følsomhed, vandfald",
    "Report: charts": "Rapport: diagrammer",
    "Report: charts, page and workbook": "Rapport: diagrammer, side og regneark",
    "Report: page and workbook": "Rapport: side og regneark",
    "Weighting and writing": "Vægter og skriver",
    "draws": "træk",
    "steps": "trin",
    "left": "tilbage",
    "elapsed": "brugt",
    "draws/s": "træk/s",
}


@contextlib.contextmanager
def draws_bar(
    total: int,
    show: bool,
    stream: TextIO | None = None,
    transient: bool = True,
    after: str = "Writing results",
    lang: str = "en",
) -> Iterator[Callable[[int], None] | None]:
    """Yield a callback ``advance(n_draws)`` (None when not shown) for :func:`simengine.core.engine.run`.
    Until the first draws are done the bar says it is compiling (with the time elapsed); once all
    draws are done it says ``after``, and the analyses and the report show as phases of their own
    (:func:`phase`, :func:`step`), with the time elapsed in each, never a time left of 0."""
    global _ACTIVE
    if not show or total <= 0:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            if task.fields.get("kind") != "draws":
                return Text("")
            speed = task.finished_speed or task.speed
            unit = DANISH["draws/s"] if lang == "da" else "draws/s"
            if not speed:
                return Text(f"– {unit}", style="progress.data.speed")
            rate = f"{speed:,.0f}".replace(",", ".") if lang == "da" else f"{speed:,.0f}"  # Danish: 39.825
            return Text(f"{rate} {unit}", style="progress.data.speed")

    class Done(ProgressColumn):
        def render(self, task) -> Text:
            if task.fields.get("kind") in ("phase", "compile") and not task.total:
                return Text("")
            unit = task.fields.get("unit", DANISH["draws"] if lang == "da" else "draws")
            done, total = f"{int(task.completed):,}", f"{int(task.total or 0):,}"
            if lang == "da":  # Danish thousands separator
                done, total = done.replace(",", "."), total.replace(",", ".")
            return Text(f"{done}/{total} {unit}", style="progress.download")

    class Time(ProgressColumn):
        def __init__(self):
            super().__init__()
            self._left = TimeRemainingColumn()
            self._elapsed = TimeElapsedColumn()

        def render(self, task) -> Text:
            if task.fields.get("kind") == "draws" and task.completed < (task.total or 0):
                return Text("tilbage " if lang == "da" else "left ") + self._left.render(task)
            return Text("brugt " if lang == "da" else "elapsed ") + self._elapsed.render(task)

    console = Console(file=stream if stream is not None else sys.stdout)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        Done(),
        Rate(),
        Time(),
        console=console,
        transient=transient,
        refresh_per_second=8,
    ) as prog:
        bar = _Bar(prog, total, after, lang)
        _ACTIVE = bar
        try:
            yield bar
        finally:
            _ACTIVE = None
