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


@contextlib.contextmanager
def draws_bar(total: int, show: bool, stream: TextIO | None = None, transient: bool = True,
              after: str = "Writing results") -> Iterator[Callable[[int], None] | None]:
    """Yield a callback ``advance(n_draws)`` (None when not shown) for :func:`simengine.engine.run`.
    ``after``: what the bar says once all draws are done."""
    if not show or total <= 0:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} draws/s" if speed else "– draws/s", style="progress.data.speed")

    class Done(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{int(task.completed):,}/{int(task.total or 0):,} draws", style="progress.download")

    class Left(ProgressColumn):
        def __init__(self):
            super().__init__()
            self._inner = TimeRemainingColumn()

        def render(self, task) -> Text:
            t = self._inner.render(task)
            return Text("left ") + t

    console = Console(file=stream if stream is not None else sys.stdout)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), Done(), Rate(), Left(), console=console,
                  transient=transient, refresh_per_second=8) as prog:
        task = prog.add_task("Simulating", total=total)
        state = {"done": 0}

        def advance(n: int) -> None:
            state["done"] += n
            prog.update(task, advance=n)
            if state["done"] >= total:
                prog.update(task, description=after)

        yield advance
