"""scripts/test, the README's test command: on a machine where Chromium is missing and cannot be
installed it stops at once with one clear line (exit 3), before creating a virtualenv."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _path_without_browser(tmp_path: Path, extra: dict[str, str] | None = None) -> str:
    """A PATH holding only the tools the script needs before its browser check (no chromium, no apt-get)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "id"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    for name, script in (extra or {}).items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    return str(bin_dir)


def _run(path: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {"PATH": path, "HOME": str(tmp_path), "SIMENGINE_TEST_VENV": str(tmp_path / "venv")}
    return subprocess.run([shutil.which("bash"), str(ROOT / "scripts" / "test")], env=env, capture_output=True,
                          text=True, timeout=60)


def test_no_browser_and_no_apt_stops_with_one_line(tmp_path):
    p = _run(_path_without_browser(tmp_path), tmp_path)
    assert p.returncode == 3, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "Chromium" in lines[0] and "apt-get install chromium" in lines[0]
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "venv").exists()  # stopped before any set-up


@pytest.mark.skipif(os.geteuid() == 0, reason="as root the script would try apt-get itself")
def test_apt_without_root_or_sudo_is_not_tried(tmp_path):
    apt = "#!/bin/sh\necho apt-get was called >&2\nexit 1\n"
    p = _run(_path_without_browser(tmp_path, {"apt-get": apt}), tmp_path)
    assert p.returncode == 3 and "apt-get was called" not in p.stderr


def test_failed_apt_install_ends_in_the_clear_line(tmp_path):
    """apt-get present but failing (no network, no such package): one note where its output went, then
    the line that says what to install."""
    apt = "#!/bin/sh\necho 'E: Unable to locate package chromium'\nexit 100\n"
    tools = {"apt-get": apt, "mktemp": f"#!/bin/sh\necho {tmp_path}/apt.log\n"}
    if os.geteuid() != 0:
        tools["sudo"] = "#!/bin/sh\n[ \"$1\" = -n ] && shift\n[ \"$1\" = true ] && exit 0\nexec \"$@\"\n"
    p = _run(_path_without_browser(tmp_path, tools), tmp_path)
    assert p.returncode == 3, p.stderr
    lines = p.stderr.strip().splitlines()
    assert lines[-1].startswith("scripts/test: the report test needs Chromium")
    assert any("could not install chromium" in ln for ln in lines)
    assert "Unable to locate package" in (tmp_path / "apt.log").read_text()
