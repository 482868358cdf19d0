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
    assert module == "simengine.cli.main" and func == "main"


def test_python_m_version():
    p = subprocess.run(
        [sys.executable, "-m", "simengine", "--version"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert p.returncode == 0 and p.stdout.strip() == f"simengine {simengine.__version__}"
