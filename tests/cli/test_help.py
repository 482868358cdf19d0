"""--help in Danish by default and in English with --lang en (help.* in simengine.messages)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simengine import messages
from simengine.cli.main import build_parser, main
from simengine.messages import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]

#: words of the English help texts that no Danish --help may hold ("worker" is Dask's word in both; option names,
#: metavars, file names, key paths and command names are taken out before the scan: they are the same in both)
ENGLISH = (
    "usage",
    "positional",
    "arguments",
    "options",
    "show",
    "message",
    "exit",
    "version",
    "program's",
    "engine",
    "promised",
    "gains?",
    "simulate",
    "grid",
    "common",
    "random",
    "numbers?",
    "draws",
    "overrides",
    "output",
    "folder",
    "default",
    "stem",
    "threads",
    "cores",
    "kernel",
    "call",
    "change",
    "print",
    "nothing",
    "but",
    "errors",
    "language",
    "write",
    "also",
    "shortfall",
    "waterfall",
    "per",
    "area",
    "inputs",
    "matter",
    "most",
    "add",
    "blocks",
    "until",
    "intervals",
    "within",
    "estimate",
    "relative",
    "absolute",
    "replaces",
    "service",
    "cut",
    "budget",
    "regime",
    "table",
    "workbook",
    "needs",
    "cluster",
    "processes",
    "here",
    "identical",
    "task",
    "about",
    "least",
    "give up",
    "connecting",
    "after",
    "long",
    "first",
    "second",
    "baseline",
    "both",
    "file",
    "check",
    "valid",
    "confirm",
    "re-run",
    "from",
    "page",
    "score",
    "forecast",
    "against",
    "condition",
    "known",
    "convert",
    "amount",
    "certainty",
    "new",
    "the",
    "and",
    "or",
    "of",
    "with",
    "if",
    "not",
    "e\\.g\\.",
)


def _help(*args: str) -> str:
    """What ``python -m simengine ARGS`` prints, as a user sees it in an 80-column terminal: main() in this
    process, with the environment a user's terminal gives it (test_the_real_command_prints_the_same runs the
    command itself and compares)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        for name in ("SIMENGINE_DEBUG", "LINES"):
            mp.delenv(name, raising=False)
        mp.setenv("COLUMNS", "80")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(list(args))
    assert rc == 0 and err.getvalue() == "", err.getvalue()
    return out.getvalue()


def _help_process(*args: str) -> str:
    """What the command ``python -m simengine ARGS`` prints in an 80-column terminal, from a process of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("SIMENGINE_DEBUG", "LINES")}
    env["COLUMNS"] = "80"
    r = subprocess.run(
        [sys.executable, "-m", "simengine", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return r.stdout


@pytest.mark.parametrize("args", [["--help"], ["--lang", "en", "run", "--help"]], ids=["top-da", "run-en"])
def test_the_real_command_prints_the_same(args):
    """The command in a process of its own prints what main() prints here (the tests above read main())."""
    assert _help_process(*args) == _help(*args)


def _words(text: str) -> str:
    """The help text's own words: option names, metavars, {choices}, [toml] keys, file names, paths, key paths,
    the program and the command names taken out."""
    text = text.replace("python -m simengine", "")
    text = re.sub(r"^ {2,4}(\w+)\b", "", text, flags=re.M)  # a command or positional argument's name
    text = re.sub(r"--?[\w-]+", "", text)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[\w+\]( \w+)?", "", text)  # [simulation] draws, [outputs] cut_threshold
    text = re.sub(r"\S*[./:_<>=']\S*", "", text)  # report.html, charts/, tcp://host:8786, <id>, A's
    text = re.sub(r"\b[A-Z][A-Z0-9]*\b", "", text)  # metavars: DRAWS, ADDRESS, P, ...
    return text


def _english(text: str) -> list[str]:
    words = _words(text)
    return [w for w in ENGLISH if re.search(rf"(?<![\w'-]){w}(?![\w'-])", words, re.I)]


@pytest.mark.parametrize("command", [[], ["run"], ["compare"], ["ask"]], ids=["top", "run", "compare", "ask"])
def test_help_is_danish_by_default_and_english_with_lang_en(command):
    da = _help(*command, "--help")
    en = _help("--lang", "en", *command, "--help")
    assert _help(*command, "--help", "--lang", "en") == en  # --lang before or after the command
    assert not _english(da), (_english(da), da)
    assert _english(en)  # the scan can fail: it finds the English words of the English help
    assert da.startswith("brug: python -m simengine") and en.startswith("usage: python -m simengine")
    assert "\ntilvalg:\n" in da and "\noptions:\n" in en and "\nargumenter:\n" in da
    assert "vis denne hjælpetekst og afslut" in da and "show this help message and exit" in en
    assert max(map(len, en.splitlines())) <= 80
    assert max(map(len, da.splitlines())) <= 80, [line for line in da.splitlines() if len(line) > 80]


def test_the_english_run_help_is_as_it_was():
    en = _help("--lang", "en", "run", "--help").splitlines()
    for line in (
        "usage: python -m simengine run [-h] [--draws DRAWS] [--seed SEED] [--out OUT]",
        "positional arguments:",
        "  scenario              scenario file (.toml or .xlsx)",
        "options:",
        "  -h, --help            show this help message and exit",
        "  --draws DRAWS         number of draws (overrides [simulation] draws)",
        "  --chunk CHUNK         draws per kernel call (does not change results)",
        "  --quiet               print nothing but errors",
        "  --precision P         add blocks of 65,536 draws until the 95% intervals of",
        "cluster (needs Dask: pip install 'simengine[dask]'):",
    ):
        assert line in en, line
    da = _help("run", "--help").splitlines()
    for line in (
        "  scenario              scenariefil (.toml eller .xlsx)",
        "  --draws DRAWS         antal træk (tilsidesætter [simulation] draws)",
        "  --quiet               udskriv kun fejl",
        "  --precision P         tilføj blokke af 65.536 træk, indtil 95%-intervallerne",
        "klynge (kræver Dask: pip install 'simengine[dask]'):",
    ):
        assert line in da, line


def _helps(lang: str) -> list[tuple[str, str]]:
    """(command, help) of every option, argument, group and command of the parser built in ``lang``."""
    before = messages.set_lang(lang)
    try:
        out: list[tuple[str, str]] = []

        def walk(p: argparse.ArgumentParser, name: str) -> None:
            out.append((name, p.description or ""))
            out.extend((name, g.title or "") for g in p._action_groups)
            for a in p._actions:
                if a.help not in (None, argparse.SUPPRESS):
                    out.append((name, a.help % {"default": a.default, "prog": p.prog}))
                if isinstance(a, argparse._SubParsersAction):
                    out.extend((name, c.help) for c in a._choices_actions)
                    for sub, sp in a.choices.items():
                        walk(sp, f"{name} {sub}".strip())

        walk(build_parser(), "")
        return out
    finally:
        messages.set_lang(before)


def test_every_help_text_of_every_command_is_danish():
    da, en = _helps("da"), _helps("en")
    assert len(da) == len(en) > 150
    same = [(cmd, d) for (cmd, d), (_, e) in zip(da, en, strict=True) if d == e and d]
    assert not same, same
    english = [(cmd, d, _english(d)) for cmd, d in da if _english(d)]
    assert not english, english


def test_the_help_texts_keep_arguments_percent_placeholders():
    """argparse formats a help text with "%": its placeholders ("%(default)s", "%%") are the same in both
    languages, and neither text has a lone "%" (string.Formatter in test_messages sees only the {} ones)."""
    spec = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")
    keys = [k for k in CATALOGUE if k.startswith("help.")]
    assert len(keys) > 60
    for key in keys:
        texts = CATALOGUE[key]
        assert sorted(spec.findall(texts["da"])) == sorted(spec.findall(texts["en"])), key
        for text in texts.values():
            assert "%" not in spec.sub("", text), (key, text)
            text % {"default": 1, "prog": "p", "choices": "a, b"}  # argparse's own formatting must not fail
    assert spec.findall(CATALOGUE["help.run.precision"]["da"]) == ["%%"]


def test_lang_before_the_command_is_the_commands_lang(tmp_path, capsys):
    missing = str(tmp_path / "nope.json")
    assert main(["--lang", "en", "check", missing]) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such run manifest (run.json)\n"
    assert main(["--lang", "en", "check", missing, "--lang", "da"]) == 2  # the last --lang holds
    assert capsys.readouterr().err == f"fejl: {missing}: kørselsmanifestet (run.json) findes ikke\n"


def test_usage_errors_are_one_line_in_the_terminals_language(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "fejl: python -m simengine: COMMAND: ugyldigt valg: 'frobnicate' (vælg mellem 'run', 'sweep', 'validate', "
        "'check', 'report', 'compare', 'backtest', 'update', 'scenario', 'ask') (se python -m simengine --help)\n"
    ), err
    assert main(["frobnicate", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: python -m simengine: COMMAND: invalid choice: 'frobnicate'"), err
    assert err.endswith(" (see python -m simengine --help)\n") and err.count("\n") == 1, err


def test_every_argument_has_a_help_text_and_the_danish_ones_say_kode():
    """validate's scenario argument had none (an empty line under "argumenter:"); ask --scope said
    municipality:<code> in Danish, where its error line says municipality:<kode>."""
    seen = []

    def walk(p: argparse.ArgumentParser, name: str) -> None:
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for sub, sp in a.choices.items():
                    walk(sp, f"{name} {sub}".strip())
            elif a.help is None:
                seen.append((name, a.dest))

    before = messages.set_lang("da")
    try:
        walk(build_parser(), "")
    finally:
        messages.set_lang(before)
    assert not seen, seen
    assert "municipality:<kode>" in _help("ask", "--help") and "<code>" not in _help("ask", "--help")
