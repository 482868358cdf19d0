"""The report's charts drawn in a forked process (simengine.outputs.report.chartproc): the same bytes
and failures as drawn in the run's process, and None (draw them here) when the child dies."""

from __future__ import annotations

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
