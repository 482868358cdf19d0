"""The report's charts drawn in a forked process while the run's process writes its other files.

Drawing the charts (matplotlib, one after the other, holding the GIL) is the report's largest part,
and writing results.nc and the workbook the next largest; on a machine with two or more cores they
can overlap. :func:`start` forks the process once the report's
:class:`~simengine.outputs.report.context.Context` is built: the child inherits it (copy on write,
nothing is pickled on the way in), draws the charts of :data:`charts.CHARTS` as
:func:`simengine.outputs.report.build_safe` would, and sends back the PNG bytes and the failures
through a pipe. The charts are the same bytes as drawn in the run's process (they depend only on
the Context). The child never returns into the caller's code: it ends with ``os._exit``.

The two processes share the work. The child makes the parts given as ``first`` (the run gives the
workbook, the largest part after the charts) and then the charts in report order; the run's process,
once its own files are written, takes from the last chart backwards those the child has not begun
(:meth:`Pending.result` with the Context). Each job is claimed in a byte of memory both processes
share before it is begun; the child stops at the first job the run's process has claimed, so each
side does a contiguous run of jobs and none is missed. A job both happen to claim at once is done
twice, which costs time, not bytes: each depends only on the Context. So neither process waits for
the other while there is a job left: a short run's process no longer waits for the child to draw
every chart, and a long run's process, busy with results.nc, no longer builds the workbook too
while the child waits for it.

Only where ``os.fork`` is safe for this use (Linux); elsewhere, with ``SIMENGINE_DEBUG`` set (a
failing chart then raises in the run's process) or with ``SIMENGINE_CHART_PROCESS=0``, the charts
and the workbook are made in the run's process. If the child fails to deliver (killed, out of
memory), the jobs it took are done again in the run's process: the report never loses a chart or
the workbook to this.
"""

from __future__ import annotations

import mmap
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Any

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


#: a job of the chart process: (name, None) draws the chart of that name; (name, f) makes f(ctx)'s bytes
Job = tuple[str, Callable[[Any], bytes | None] | None]
Done = tuple[bytes | None, str | None]


def _run(ctx, job: Job) -> Done:
    """One job: a chart, or another part of the report (its bytes, or its failure named like build_safe's)."""
    name, fn = job
    if fn is None:
        return _draw(ctx, name)
    try:
        return fn(ctx) or None, None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a reporting bug must not cost the run
        return None, f"{name}: {type(exc).__name__}: {exc}"


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
    """Charts (and the parts of the report given as ``first``) being made in a child process:
    :meth:`result` waits for them; :meth:`cancel` ends the child."""

    def __init__(self, pid: int, fd: int, jobs: tuple[Job, ...] = (), claims: mmap.mmap | None = None) -> None:
        self.pid, self.fd = pid, fd
        self.jobs, self.claims = jobs, claims
        self.names = tuple(name for name, fn in jobs if fn is None)  # the charts, in report order
        #: the parts given as ``first`` (see :func:`start`): name -> (bytes or None, failure or None)
        self.first: dict[str, Done] = {}

    def result(self, ctx=None) -> Drawn | None:
        """The charts. With ``ctx`` (the Context the child works for), this process first takes, from
        the last job backwards, those the child has not begun, and makes here any the child failed to
        deliver: the charts and :attr:`first` are then always complete. Without it: the child's
        charts, or None if the child did not deliver them (then draw them here)."""
        mine: dict[int, Done] = {}
        if ctx is not None and self.claims is not None:
            for i in reversed(range(len(self.jobs))):
                if self.claims[i]:  # the child has begun this one: it does every job before it
                    break
                self.claims[i] = 2
                mine[i] = _run(ctx, self.jobs[i])
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
            if theirs is None:
                return None
            done = theirs
        else:
            done = {**(theirs or {}), **mine}
            for i, job in enumerate(self.jobs):  # those the child did not deliver
                if i not in done:
                    done[i] = _run(ctx, job)
        self.first = {name: done[i] for i, (name, fn) in enumerate(self.jobs) if fn is not None and i in done}
        n_first = len(self.jobs) - len(self.names)
        return _collected(self.names, {i - n_first: done[i] for i in range(n_first, len(self.jobs))})

    def cancel(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)


def start(ctx, first: dict[str, Callable[[Any], bytes | None]] | None = None) -> Pending | None:
    """Fork a child that makes, for ``ctx``, first the parts of the report in ``first`` (name ->
    a function of the Context giving bytes: the workbook, say) and then the charts in report order,
    until it reaches a job the run's process has claimed; None when not :func:`enabled` or the fork
    fails."""
    if not enabled():
        return None
    from simengine.outputs.report import charts

    jobs: tuple[Job, ...] = (*(first or {}).items(), *((name, None) for name in charts.CHARTS))
    try:
        claims = mmap.mmap(-1, max(len(jobs), 1))  # anonymous and shared: both processes see each claim
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
            for i, job in enumerate(jobs):
                if claims[i]:  # the run's process has taken this job and every one after it
                    break
                claims[i] = 1
                done[i] = _run(ctx, job)
            data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        except BaseException:  # noqa: BLE001 - the run's process draws the charts itself
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    return Pending(pid, r, jobs, claims)
