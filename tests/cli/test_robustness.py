"""Runs that fail or are interrupted, resource limits, and re-checking a run from its manifest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr

from simengine.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def _threads(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


#: python -m simengine with Python's own SIGINT handler, as in a terminal, even when whatever started the
#: test suite ignores SIGINT (a background job of a non-interactive shell does, and its children inherit it)
RUN_AS_IN_A_TERMINAL = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('simengine', run_name='__main__', alter_sys=True)"
)


def _start_long_run(out: Path) -> subprocess.Popen:
    """A run of 2015.toml long enough to be interrupted while it simulates."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            RUN_AS_IN_A_TERMINAL,
            "run",
            str(ROOT / "scenarios" / "2015.toml"),
            "--draws",
            "5000000",
            "--out",
            str(out),
            "--quiet",
            "--no-report",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # one BLAS thread: numpy's OpenBLAS may start its own threads at import, which would look like
        # numba's workers (_wait_until_simulating counts threads)
        env={**os.environ, "NUMBA_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    )


def _wait_until_simulating(proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """numba starts its worker threads at the first parallel kernel call."""
    t0 = time.monotonic()
    while _threads(proc.pid) < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < timeout, "the run never started simulating"
        time.sleep(0.1)
    time.sleep(0.5)


@pytest.fixture
def previous(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet", "--no-report"]) == 0
    return out, _snapshot(out)


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_run_exits_promptly_and_keeps_previous_results(previous, sig, code):
    out, before = previous
    proc = _start_long_run(out)
    _wait_until_simulating(proc)
    t0 = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    waited = time.monotonic() - t0
    assert proc.returncode == code, err
    assert waited < 15, f"took {waited:.1f} s to stop"  # a kernel call is about a second; generous for CI
    assert "Traceback" not in err and "de tidligere resultater er uændrede" in err  # --lang da
    assert _snapshot(out) == before  # same files, same bytes, no temporary files


def test_sigkill_never_leaves_a_truncated_results_file(tmp_path):
    """Kill -9 at different moments of short runs that spend much of their time writing; whatever
    is under results.nc afterwards must be a complete file (temporaries may remain after -9)."""
    out = tmp_path / "k"
    for delay in (1.5, 2.5, 3.5, 4.5, 6.0):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simengine",
                "run",
                str(SMALL),
                "--draws",
                "150000",
                "--out",
                str(out),
                "--quiet",
                "--no-report",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.kill()
        proc.wait()
        final = out / "results.nc"
        if final.exists():
            with xr.open_dataset(final, engine="h5netcdf") as ds:
                assert ds.attrs["draws"] == 150_000
                assert float(ds["benefit"].isel(draw=-1, year=-1)) >= 0  # the last bytes are there
    assert main(["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet", "--no-report"]) == 0


def test_output_path_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert main(["run", str(SMALL), "--draws", "100", "--out", str(f), "--quiet"]) == 2  # bad input
    err = capsys.readouterr().err
    assert str(f) in err and "Traceback" not in err
    assert f.read_text() == "x"


def test_report_out_that_is_a_file_is_refused_before_the_report_is_built(previous, tmp_path, monkeypatch, capsys):
    from simengine.outputs import report

    out, before = previous
    f = tmp_path / "afile"
    f.write_text("x")

    def never(*a, **k):
        raise AssertionError("the report was built before --out was checked")

    monkeypatch.setattr(report, "build", never)
    assert main(["report", str(out / "results.nc"), "--out", str(f)]) == 2
    err = capsys.readouterr().err
    assert str(f) in err and len(err.strip().splitlines()) == 1
    assert f.read_text() == "x" and _snapshot(out) == before


def test_disk_full_while_writing_results_nc(previous, monkeypatch, capsys):
    out, before = previous

    def full(cls, path, *a, **k):  # results.nc begun, then the disk is full
        Path(path).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    from xarray.backends import H5NetCDFStore  # the store simengine.outputs.store.write opens

    monkeypatch.setattr(H5NetCDFStore, "open", classmethod(full))
    assert main(["run", str(SMALL), "--draws", "300", "--out", str(out), "--quiet", "--no-report"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "results.nc" in err
    assert _snapshot(out) == before


def test_run_needing_too_much_memory_is_refused_up_front(tmp_path, monkeypatch, capsys):
    from simengine.core import engine

    monkeypatch.setattr(engine, "physical_memory", lambda: 512 * 2**20)  # a 512 MiB machine
    out = tmp_path / "o"
    argv = ["run", str(SMALL), "--draws", "1000000", "--out", str(out), "--quiet"]
    assert main([*argv, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "GiB of memory" in err and "keep_draws" in err and "0.5 GiB" in err
    assert not out.exists() or not any(out.iterdir())
    assert main(argv) == 2  # Danish by default, with a decimal comma
    err = capsys.readouterr().err
    assert "GiB hukommelse" in err and "keep_draws" in err and "0,5 GiB" in err
    assert not out.exists() or not any(out.iterdir())


def test_check_confirms_identical_results(previous, capsys):
    out, _ = previous
    assert main(["check", str(out / "run.json"), "--threads", "1"]) == 0
    assert "identical" in capsys.readouterr().out


def test_check_detects_different_results(previous, capsys, tmp_path):
    out, _ = previous
    m = json.loads((out / "run.json").read_text())
    m["results_digest"] = "0" * 64
    bad = tmp_path / "run.json"
    bad.write_text(json.dumps(m))
    assert main(["check", str(bad), "--lang", "en"]) == 1
    assert "results differ" in capsys.readouterr().err
    assert main(["check", str(bad)]) == 1
    assert "resultaterne afviger fra den gemte kørsel (digest " in capsys.readouterr().err


def test_check_refuses_a_changed_scenario(tmp_path, capsys):
    sc = tmp_path / "s.toml"
    sc.write_bytes(SMALL.read_bytes())
    out = tmp_path / "o"
    assert main(["run", str(sc), "--draws", "100", "--out", str(out), "--quiet", "--no-report"]) == 0
    sc.write_text(SMALL.read_text().replace("draws = 2000", "draws = 2001"))
    assert main(["check", str(out / "run.json"), "--lang", "en"]) == 1
    assert "scenario changed" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.json")]) == 2


def test_output_folder_that_cannot_be_created(capsys):
    """/proc refuses new folders even for root (chmod does not stop root, so this stands in for a
    folder without write permission)."""
    out = Path("/proc/simengine-test/out")
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc")
    assert main(["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet", "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "cannot create output folder" in err and str(out) in err and "Traceback" not in err
    assert main(["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet"]) == 1
    assert capsys.readouterr().err.startswith(f"fejl: {out}: kan ikke oprette resultatmappen: ")
