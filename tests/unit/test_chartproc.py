"""The report's charts drawn in a forked process (simengine.outputs.report.chartproc): the same bytes
and failures as drawn in the run's process, and None (draw them here) when the child dies."""

from __future__ import annotations

import mmap
import os
import sys
import time

import pytest

from simengine.outputs.report import chartproc, charts

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the chart process is Linux only")


@pytest.fixture
def fake_charts(monkeypatch):
    """Three charts: one drawn, one that fails, one that has nothing to draw."""
    monkeypatch.delenv("SIMENGINE_DEBUG", raising=False)
    monkeypatch.delenv("SIMENGINE_CHART_PROCESS", raising=False)
    monkeypatch.setattr(charts, "CHARTS", ("one", "bad", "none"))
    monkeypatch.setattr(
        charts, "one", lambda ctx: (b"\x89PNG" + bytes(range(256)) * 4000 + ctx.encode(), "alt"), raising=False
    )

    def bad(ctx):
        raise ValueError("chart exploded")

    monkeypatch.setattr(charts, "bad", bad, raising=False)
    monkeypatch.setattr(charts, "none", lambda ctx: None, raising=False)


def test_child_gives_what_the_process_itself_draws(fake_charts):
    here = chartproc.draw_all("ctx")
    assert here == ({"one": b"\x89PNG" + bytes(range(256)) * 4000 + b"ctx"}, ["chart bad: ValueError: chart exploded"])
    pending = chartproc.start("ctx")
    assert pending is not None
    assert pending.result() == here  # 1 MB through the pipe: more than its buffer
    pending.cancel()  # a no-op after the result


def test_dead_child_means_draw_here(fake_charts, monkeypatch):
    monkeypatch.setattr(charts, "one", lambda ctx: os._exit(3), raising=False)
    pending = chartproc.start("ctx")
    assert pending is not None and pending.result() is None


def test_cancel_ends_the_child(fake_charts, monkeypatch):
    monkeypatch.setattr(charts, "one", lambda ctx: time.sleep(60), raising=False)
    pending = chartproc.start("ctx")
    assert pending is not None
    t = time.perf_counter()
    pending.cancel()
    assert time.perf_counter() - t < 30  # killed, not waited for
    with pytest.raises(ChildProcessError):
        os.waitpid(pending.pid, os.WNOHANG)  # reaped


@pytest.mark.parametrize("env", ["SIMENGINE_DEBUG", "SIMENGINE_CHART_PROCESS"])
def test_switched_off(fake_charts, monkeypatch, env):
    monkeypatch.setenv(env, "1" if env == "SIMENGINE_DEBUG" else "0")
    assert chartproc.start("ctx") is None


def test_hung_child_ends_itself(fake_charts, monkeypatch):
    """A child that never finishes (a lock inherited at the fork, say) ends at its alarm, and the
    run draws the charts itself (result None) instead of waiting for ever."""
    monkeypatch.setattr(chartproc, "CHILD_SECONDS", 1)
    monkeypatch.setattr(charts, "one", lambda ctx: time.sleep(120), raising=False)
    pending = chartproc.start("ctx")
    assert pending is not None
    t = time.perf_counter()
    assert pending.result() is None
    assert time.perf_counter() - t < 60  # the alarm (1 s), not the 120 s sleep


def _wait_for(cond, seconds: float = 60.0) -> None:
    """Poll until ``cond()`` (a state the child reaches), failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "the chart process did not get there"
        time.sleep(0.01)


def test_run_process_draws_what_the_child_has_not_begun(fake_charts, monkeypatch):
    """With the Context, the run's process draws from the last chart backwards those the child has
    not begun (here: the child is held in the first until the run's process has drawn the second),
    and the result is what one process draws."""
    here = chartproc.draw_all("ctx")
    parent = os.getpid()
    drawn_here: list[str] = []
    second_drawn = mmap.mmap(-1, 1)  # shared: set by the run's process, read by the child
    one = charts.one

    def held_in_child(ctx):
        if os.getpid() != parent:
            _wait_for(lambda: second_drawn[0])
        else:
            drawn_here.append("one")
        return one(ctx)

    def counted(name, fn):
        def f(ctx):
            if os.getpid() == parent:
                drawn_here.append(name)
                if name == "bad":
                    second_drawn[0] = 1
            return fn(ctx)

        return f

    monkeypatch.setattr(charts, "one", held_in_child, raising=False)
    monkeypatch.setattr(charts, "bad", counted("bad", charts.bad), raising=False)
    monkeypatch.setattr(charts, "none", counted("none", charts.none), raising=False)
    pending = chartproc.start("ctx")
    assert pending is not None and pending.claims is not None
    _wait_for(lambda: pending.claims[0])  # the child has begun the first chart
    assert pending.result("ctx") == here
    assert drawn_here == ["none", "bad"]  # the last two, backwards; the first came from the child


def test_child_draws_all_when_the_run_process_is_late(fake_charts, monkeypatch):
    """A run's process that reaches the charts after the child has begun them all draws none."""
    parent = os.getpid()
    drawn_here: list[str] = []
    none = charts.none

    def counted(ctx):
        if os.getpid() == parent:
            drawn_here.append("none")
        return none(ctx)

    monkeypatch.setattr(charts, "none", counted, raising=False)
    here = chartproc.draw_all("ctx")
    drawn_here.clear()
    pending = chartproc.start("ctx")
    assert pending is not None and pending.claims is not None
    _wait_for(lambda: pending.claims[-1])  # the child has begun the last chart
    assert pending.result("ctx") == here
    assert drawn_here == []


def test_dead_child_with_context_gives_every_chart(fake_charts, monkeypatch):
    """The child dies on its first chart: with the Context, the run's process draws what is missing
    (the chart the child took, and those it had not begun) and the result is complete."""
    parent = os.getpid()
    one = charts.one
    expected = chartproc.draw_all("ctx")
    monkeypatch.setattr(charts, "one", lambda ctx: os._exit(3) if os.getpid() != parent else one(ctx), raising=False)
    pending = chartproc.start("ctx")
    assert pending is not None and pending.claims is not None
    _wait_for(lambda: pending.claims[0])  # the child took the first chart (and dies in it)
    assert pending.result("ctx") == expected
