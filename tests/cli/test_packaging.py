"""Packaging: one source for the version, `--version`, and the `simengine` console script."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import simengine
from simengine.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_version_flag(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"simengine {simengine.__version__}"


def test_version_has_one_source_and_the_console_script_exists():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "simengine.__version__"}
    module, func = meta["project"]["scripts"]["simengine"].split(":")
    assert module == "simengine.cli.main" and func == "entry"  # main(), then no collections at shutdown
    from simengine.cli import main as cli

    assert callable(getattr(cli, func))


def test_python_m_version():
    p = subprocess.run(
        [sys.executable, "-m", "simengine", "--version"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert p.returncode == 0 and p.stdout.strip() == f"simengine {simengine.__version__}"


def test_entry_returns_mains_code_and_freezes_the_collector():
    """The process entry point (console script, python -m) returns main()'s exit code, and leaves the
    objects frozen so that the interpreter's shutdown does not collect them one by one."""
    code = (
        "import gc, sys; from simengine.cli.main import entry; sys.argv = ['simengine', *sys.argv[1:]]; "
        "rc = entry(); print(rc, gc.get_freeze_count() > 0)"
    )
    for args, want in ((["--version"], "0 True"), (["run", "no-such-file.toml", "--quiet"], "2 True")):
        p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert p.stdout.strip().splitlines()[-1] == want, (args, p.stdout, p.stderr)
