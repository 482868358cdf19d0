"""numpy's arrays in ordinary pages while simengine works (simengine.core.memory.ordinary_pages): the
switch is off inside, restored after, left alone when the user set NUMPY_MADVISE_HUGEPAGE, and off
where a run's kernel and the command run."""

from __future__ import annotations

import pytest

from simengine.core import memory

switch = memory._numpy_hugepage_switch()
pytestmark = pytest.mark.skipif(switch is None, reason="this numpy has no madvise hugepage switch")


def state() -> bool:
    """numpy's current setting, read by setting it back at once."""
    before = switch(False)
    switch(before)
    return bool(before)


@pytest.fixture
def huge_on(monkeypatch):
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    before = switch(True)
    yield
    switch(before)


def test_off_inside_restored_after(huge_on):
    assert state() is True
    with memory.ordinary_pages():
        assert state() is False
        with memory.ordinary_pages():  # nested: the outer block's setting comes back
            assert state() is False
        assert state() is False
    assert state() is True


def test_restored_after_an_error(huge_on):
    with pytest.raises(ZeroDivisionError), memory.ordinary_pages():
        1 / 0  # noqa: B018
    assert state() is True


def test_the_users_setting_is_left_alone(huge_on, monkeypatch):
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    with memory.ordinary_pages():
        assert state() is True


def test_a_run_and_the_command_work_in_ordinary_pages(huge_on, monkeypatch, tmp_path, small_path):
    from simengine import api
    from simengine.cli.main import main
    from simengine.core import engine

    seen = []
    inner = engine._run_range

    def spy(*args, **kwargs):
        seen.append(state())
        return inner(*args, **kwargs)

    monkeypatch.setattr(engine, "_run_range", spy)
    api.run(small_path, draws=500, threads=1, analyses=False)
    assert seen and not any(seen)
    assert state() is True  # restored after the run
    seen.clear()
    argv = ["run", str(small_path), "--draws", "500", "--threads", "1", "--quiet", "--no-report"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    assert seen and not any(seen)
    assert state() is True
