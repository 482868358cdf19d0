"""scripts/test, the README's test command: on a machine without chromium it installs it with
apt-get where it can, and otherwise stops at once, before installing anything, with one line
saying what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "test"


def _bin(tmp_path: Path) -> Path:
    """A PATH folder with bash, dirname, id and python3 only (no chromium, apt-get or sudo)."""
    b = tmp_path / "bin"
    b.mkdir()
    for name in ("bash", "dirname", "id"):
        (b / name).symlink_to(shutil.which(name))
    (b / "python3").symlink_to(sys.executable)
    return b


def _run(b: Path, venv: Path) -> subprocess.CompletedProcess:
    env = {"PATH": str(b), "HOME": str(b.parent), "SIMENGINE_VENV": str(venv), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(b / "bash"), str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_without_chromium_and_apt_get_it_stops_with_one_line(tmp_path):
    b = _bin(tmp_path)
    r = _run(b, tmp_path / "venv")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("scripts/test: chromium is missing") and "apt-get install chromium" in lines[0]
    assert r.stdout == ""
    assert not (tmp_path / "venv").exists()  # stopped at once: nothing installed


def test_without_chromium_as_root_it_installs_it_with_apt_get(tmp_path):
    """A stub apt-get (as root, per a stub id) 'installs' chromium; the script then goes on to the
    virtualenv, which here cannot be made (its folder is inside a file): one line says so."""
    log = tmp_path / "apt.log"
    b = _bin(tmp_path)
    (b / "id").unlink()
    (b / "id").write_text("#!" + shutil.which("bash") + "\necho 0\n")
    (b / "apt-get").write_text(
        "#!" + shutil.which("bash") + f'\necho "$@" >> {log}\n'
        f'if [ "$1" = install ]; then printf "#!/bin/sh\\n" > {b}/chromium; '
        f"{shutil.which('chmod')} +x {b}/chromium; fi\n"
    )
    for p in (b / "id", b / "apt-get"):
        p.chmod(0o755)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    r = _run(b, blocker / "venv")
    assert log.read_text().splitlines() == ["update -qq", "install -y -qq chromium"]
    assert (b / "chromium").exists()
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[0] == "scripts/test: installing chromium with apt-get (the report test renders report.html in it)"
    assert len(lines) == 2 and lines[1].startswith("scripts/test: cannot create a virtualenv in ")


def test_ci_calls_the_script():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci and "pytest" not in ci.split("scripts/test")[0].split("\n", 3)[-1]
    assert os.access(SCRIPT, os.X_OK)
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start")[1].split("\n## ")[0]
    assert "scripts/test" in quick and "chromium" in quick
