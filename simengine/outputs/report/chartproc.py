"""The report's charts drawn in a forked process while the run's process writes its other files.

Drawing the charts (matplotlib, one after the other, holding the GIL) is the report's largest part,
and writing results.nc and the workbook the next largest; on a machine with two or more cores they
can overlap. :func:`start` forks the process once the report's
:class:`~simengine.outputs.report.context.Context` is built: the child inherits it (copy on write,
nothing is pickled on the way in), draws the charts of :data:`charts.CHARTS` as
:func:`simengine.outputs.report.build_safe` would, and sends back the PNG bytes and the failures
through a pipe. The charts are the same bytes as drawn in the run's process (they depend only on
the Context). The child never returns into the caller's code: it ends with ``os._exit``.

The two processes share the charts: the child draws them in report order, and the run's process,
once its own files are written, draws from the last chart backwards those the child has not begun
(:meth:`Pending.result` with the Context). Each chart is claimed in a byte of memory both processes
share before it is drawn; the child stops at the first chart the run's process has claimed, so each
side draws a contiguous run of charts and none is missed. A chart both happen to claim at once is
drawn twice, which costs time, not bytes: a chart depends only on the Context. A short run, whose own
files are written before the charts are drawn, no longer waits for the child to draw them all.

Only where ``os.fork`` is safe for this use (Linux); elsewhere, with ``SIMENGINE_DEBUG`` set (a
failing chart then raises in the run's process) or with ``SIMENGINE_CHART_PROCESS=0``, the charts
are drawn in the run's process. If the child fails to deliver (killed, out of memory), the charts
it took are drawn again in the run's process: the report never loses a chart to this.
"""

from __future__ import annotations

import mmap
import os
import pickle
import signal
import sys
from collections.abc import Callable

#: the chart process ends itself after this many seconds (it takes seconds); the run then draws the charts
CHILD_SECONDS = 900

#: what the child sends back: {chart name: PNG bytes}, ["chart <name>: <Error>: <message>", ...]
Drawn = tuple[dict[str, bytes], list[str]]


def _draw(ctx, name: str) -> tuple[bytes | None, str | None]:
    """One chart: (PNG bytes or None if it has nothing to draw, None or its failure)."""
    from simengine.outputs.report import charts

    try:
        res = getattr(charts, name)(ctx)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a reporting bug must not cost the run
        return None, f"chart {name}: {type(exc).__name__}: {exc}"
    if isinstance(res, tuple):
        res = res[0]
    return res or None, None


def _collected(names: tuple[str, ...], done: dict[int, tuple[bytes | None, str | None]]) -> Drawn:
    """The charts drawn, by name in report order, and the failures in report order."""
    figs: dict[str, bytes] = {}
    errors: list[str] = []
    for i, name in enumerate(names):
        png, err = done[i]
        if err is not None:
            errors.append(err)
        if png:
            figs[name] = png
    return figs, errors


def draw_all(ctx, step: Callable[[], None] | None = None) -> Drawn:
    """Every chart of the report for ``ctx``, each failure costing only its own chart."""
    from simengine.outputs.report import charts

    names = tuple(charts.CHARTS)
    done = {}
    for i, name in enumerate(names):
        done[i] = _draw(ctx, name)
        if step is not None:
            step()
    return _collected(names, done)


def enabled() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and not os.environ.get("SIMENGINE_DEBUG")
        and os.environ.get("SIMENGINE_CHART_PROCESS", "1") != "0"
    )


class Pending:
    """Charts being drawn in a child process: :meth:`result` waits for them; :meth:`cancel` ends the child."""

    def __init__(self, pid: int, fd: int, names: tuple[str, ...] = (), claims: mmap.mmap | None = None) -> None:
        self.pid, self.fd = pid, fd
        self.names, self.claims = names, claims

    def result(self, ctx=None) -> Drawn | None:
        """The charts. With ``ctx`` (the Context the child draws for), this process first draws, from
        the last chart backwards, those the child has not begun, and draws here any chart the child
        failed to deliver: the result is then always complete. Without it: the child's charts, or
        None if the child did not deliver them (then draw them here)."""
        mine: dict[int, tuple[bytes | None, str | None]] = {}
        if ctx is not None and self.claims is not None:
            for i in reversed(range(len(self.names))):
                if self.claims[i]:  # the child has begun this one: it draws every chart before it
                    break
                self.claims[i] = 2
                mine[i] = _draw(ctx, self.names[i])
        chunks = []
        try:
            with os.fdopen(self.fd, "rb") as f:
                while block := f.read(1 << 20):
                    chunks.append(block)
        finally:
            self.fd = -1
            _, status = os.waitpid(self.pid, 0)
        theirs: dict | None = None
        if os.waitstatus_to_exitcode(status) == 0 and chunks:
            try:
                theirs = pickle.loads(b"".join(chunks))
            except Exception:  # noqa: BLE001 - a truncated message: draw the charts here
                theirs = None
        if ctx is None or self.claims is None:
            return None if theirs is None else _collected(self.names, theirs)
        done = {**(theirs or {}), **mine}
        for i, name in enumerate(self.names):  # those the child did not deliver
            if i not in done:
                done[i] = _draw(ctx, name)
        return _collected(self.names, done)

    def cancel(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)


def start(ctx) -> Pending | None:
    """Fork a child that draws the charts for ``ctx``, in report order, until it reaches one the run's
    process has claimed; None when not :func:`enabled` or the fork fails."""
    if not enabled():
        return None
    from simengine.outputs.report import charts

    names = tuple(charts.CHARTS)
    try:
        claims = mmap.mmap(-1, max(len(names), 1))  # anonymous and shared: both processes see each claim
        r, w = os.pipe()
    except OSError:
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: draw, send, and leave without running any of the parent's code
        code = 1
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child too; the run's process cleans up
            # a child that hangs (a lock held by another thread of the parent at the fork) must not
            # hang the run: the alarm ends it, and the run's process draws the charts itself
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(CHILD_SECONDS)
            # fresh streams: a lock of the inherited ones may be held by a thread of the parent (the
            # progress bar's) at the fork; the child has nothing to say (failures go back in the result)
            sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - ended by os._exit
            done = {}
            for i, name in enumerate(names):
                if claims[i]:  # the run's process has taken this chart and every one after it
                    break
                claims[i] = 1
                done[i] = _draw(ctx, name)
            data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        except BaseException:  # noqa: BLE001 - the run's process draws the charts itself
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    return Pending(pid, r, names, claims)
