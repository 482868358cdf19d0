"""The progress bar's phases: compiling before the first draws, the draws with a time left, then
the analyses and the report with their own steps and the time elapsed, never a time left of 0."""

from __future__ import annotations

import io

from simengine.outputs import progress


def _task():
    return progress._ACTIVE.prog.tasks[0]


def _time_column(task) -> str:
    col = progress._ACTIVE.prog.columns[-1]
    return str(col.render(task))


def test_phases_in_order_and_no_time_left_after_the_draws():
    with progress.draws_bar(100, True, stream=io.StringIO(), transient=False, after="Summarising the draws") as adv:
        t = _task()
        assert t.description == progress.COMPILING and t.total is None
        assert _time_column(t).startswith("elapsed")
        adv(40)
        assert _task().description == "Simulating" and _task().total == 100
        assert _time_column(_task()).startswith("left")
        adv(60)
        assert _task().description == "Summarising the draws"
        assert _time_column(_task()).startswith("elapsed")  # not "left 0:00:00" while work remains
        progress.phase("Analyses: Monte Carlo error, sensitivity, waterfall", 3)
        progress.step()
        assert _task().total == 3 and _task().completed == 1
        assert _time_column(_task()).startswith("elapsed")
        progress.phase("Report: charts", 9)
        assert _task().completed == 0 and _task().total == 9
    assert progress._ACTIVE is None
    progress.phase("nothing shown")  # no bar: a no-op
    progress.step()


def test_danish_bar():
    with progress.draws_bar(10, True, stream=io.StringIO(), transient=False, lang="da") as adv:
        assert _task().description == "Forbereder (oversætter ved første kørsel)"
        adv(10)
        progress.phase("Report: charts", 2)
        assert _task().description == "Rapport: diagrammer"
        assert _time_column(_task()).startswith("brugt")


def test_danish_draws_column_while_simulating():
    """The draws done and to do in Danish while the draws run: "træk", thousands with a full stop."""
    with progress.draws_bar(20_000, True, stream=io.StringIO(), transient=False, lang="da") as adv:
        adv(1_500)
        done = str(progress._ACTIVE.prog.columns[2].render(_task()))
        assert done == "1.500/20.000 træk", done
        adv(18_500)


class _Task:
    """A finished draws task at a known speed, for the rate column alone."""

    fields = {"kind": "draws"}
    finished_speed = 39_825.4
    speed = None


def test_rate_column_thousands_separator_follows_the_language():
    """39,825 draws/s in English; in Danish 39.825 træk/s (a comma would read as a decimal point)."""
    for lang, want in (("da", "39.825 træk/s"), ("en", "39,825 draws/s")):
        with progress.draws_bar(10, True, stream=io.StringIO(), transient=False, lang=lang) as adv:
            assert str(progress._ACTIVE.prog.columns[3].render(_Task())) == want
            adv(10)


def test_no_bar_when_not_shown():
    with progress.draws_bar(10, False) as adv:
        assert adv is None and progress._ACTIVE is None


def test_every_phase_the_code_names_has_its_danish_words():
    """Each phase and 'after' text passed to the bar in simengine/ is in progress.DANISH: none shows in
    English in a Danish run (as "Report: charts, page and workbook" did)."""
    import re
    from pathlib import Path

    root = Path(progress.__file__).resolve().parents[1]
    texts = set()
    for f in root.rglob("*.py"):
        src = f.read_text(encoding="utf-8")
        texts |= set(re.findall(r'progress\.phase\(\s*"([^"]+)"', src))
        texts |= set(re.findall(r'after="([^"]+)"', src))
    assert len(texts) >= 7, texts
    assert not sorted(texts - set(progress.DANISH)), sorted(texts - set(progress.DANISH))
