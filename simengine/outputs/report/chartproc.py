"""The report's charts drawn in a forked process while the run's process writes its other files.

Drawing the charts (matplotlib, one after the other, holding the GIL) is the report's largest part,
and writing results.nc and the workbook the next largest; on a machine with two or more cores they
can overlap. :func:`start` forks the process once the report's
:class:`~simengine.outputs.report.context.Context` is built: the child inherits it (copy on write,
nothing is pickled on the way in), draws every chart of :data:`charts.CHARTS` exactly as
:func:`simengine.outputs.report.build_safe` would, and sends back the PNG bytes and the failures
through a pipe. The charts are the same bytes as drawn in the run's process (they depend only on
the Context). The child never returns into the caller's code: it ends with ``os._exit``.

Only where ``os.fork`` is safe for this use (Linux); elsewhere, with ``SIMENGINE_DEBUG`` set (a
failing chart then raises in the run's process) or with ``SIMENGINE_CHART_PROCESS=0``, the charts
are drawn in the run's process. If the child fails to deliver (killed, out of memory), the charts
are drawn again in the run's process: the report never loses a chart to this.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable

#: the chart process ends itself after this many seconds (it takes seconds); the run then draws the charts
CHILD_SECONDS = 900

#: what the child sends back: {chart name: PNG bytes}, ["chart <name>: <Error>: <message>", ...]
Drawn = tuple[dict[str, bytes], list[str]]


def draw_all(ctx, step: Callable[[], None] | None = None) -> Drawn:
    """Every chart of the report for ``ctx``, each failure costing only its own chart."""
    from simengine.outputs.report import charts

    figs: dict[str, bytes] = {}
    errors: list[str] = []
    for name in charts.CHARTS:
        try:
            res = getattr(charts, name)(ctx)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - a reporting bug must not cost the run
            errors.append(f"chart {name}: {type(exc).__name__}: {exc}")
            res = None
        if step is not None:
            step()
        if isinstance(res, tuple):
            res = res[0]
        if res:
            figs[name] = res
    return figs, errors


def enabled() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and not os.environ.get("SIMENGINE_DEBUG")
        and os.environ.get("SIMENGINE_CHART_PROCESS", "1") != "0"
    )


class Pending:
    """Charts being drawn in a child process: :meth:`result` waits for them; :meth:`cancel` ends the child."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd = pid, fd

    def result(self) -> Drawn | None:
        """The charts, or None if the child did not deliver them (then draw them here)."""
        chunks = []
        try:
            with os.fdopen(self.fd, "rb") as f:
                while block := f.read(1 << 20):
                    chunks.append(block)
        finally:
            self.fd = -1
            _, status = os.waitpid(self.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not chunks:
            return None
        try:
            figs, errors = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a truncated message: draw the charts here
            return None
        return figs, errors

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
    """Fork a child that draws every chart for ``ctx``; None when not :func:`enabled` or the fork fails."""
    if not enabled():
        return None
    try:
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
            data = pickle.dumps(draw_all(ctx), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        except BaseException:  # noqa: BLE001 - the run's process draws the charts itself
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    return Pending(pid, r)
