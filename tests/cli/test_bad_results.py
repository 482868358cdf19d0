"""Bad input to the commands that read earlier results: a damaged results.nc or run.json, an output
path in the way, an empty observations file, an explicit --scenario that does not fit. Each gives
one line naming the file, the key and the value (exit 2 for bad input) and leaves results as they were."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simengine.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err and "intern fejl" not in err
    return lines[0]


@pytest.fixture(scope="module")
def _run_once(tmp_path_factory):
    out = tmp_path_factory.mktemp("base") / "o"
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet", "--no-report"]) == 0
    return out


@pytest.fixture
def run_dir(_run_once, tmp_path):
    """A copy of one 200-draw run of small.toml made once for the module."""
    out = tmp_path / "run"
    shutil.copytree(_run_once, out, copy_function=shutil.copy2)
    return out


def _manifest(run_dir: Path, **changes) -> Path:
    m = json.loads((run_dir / "run.json").read_text())
    m.update(changes)
    p = run_dir / "run.json"
    p.write_text(json.dumps(m))
    return p


# -- check: results.nc beside a manifest whose digest differs ------------------------------------------
def test_check_names_no_variable_when_only_the_digest_differs(run_dir, capsys):
    """NaN in the same places (realised_delivered_ratio has some) is not a difference."""
    p = _manifest(run_dir, results_digest="0" * 64)
    assert main(["check", str(p), "--lang", "en"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "results differ" in line and "differing variables" not in line, line


@pytest.mark.parametrize("content", [b"", b"hello\n", None])
def test_check_with_a_damaged_results_file_beside_the_manifest(run_dir, capsys, content):
    p = _manifest(run_dir, results_digest="0" * 64)
    nc = run_dir / "results.nc"
    nc.write_bytes(nc.read_bytes()[:5000] if content is None else content)
    before = nc.read_bytes()
    assert main(["check", str(p), "--lang", "en"]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "results differ" in line and f"{nc} cannot be read to name the differing variables" in line, line
    assert nc.read_bytes() == before


# -- check: update and scenario_changes in run.json ------------------------------------------------------
@pytest.mark.parametrize(
    "key,value,fragments",
    [
        (
            "update",
            "garbage",
            [
                "update: must be the table that update writes (observations_file, observations_sha256, known_by), got 'garbage'"
            ],
        ),
        ("update", [1], ["update: must be the table that update writes"]),
        (
            "update",
            {"known_by": "notadate"},
            [
                "update.observations_file is missing",
                "update.observations_sha256 is missing",
                "update.known_by: must be a date YYYY-MM-DD, got 'notadate'",
            ],
        ),
        ("scenario_changes", "bogus=1", ["scenario_changes: must be a list of KEY.PATH=VALUE texts, got 'bogus=1'"]),
        ("scenario_changes", ["a.b=1", 7], ["scenario_changes[1]: must be a KEY.PATH=VALUE text, got 7"]),
        ("scenario_changes", ["bogus"], ["scenario_changes[0]: must be a KEY.PATH=VALUE text, got 'bogus'"]),
    ],
)
def test_check_refuses_a_malformed_update_or_scenario_changes(run_dir, capsys, key, value, fragments):
    p = _manifest(run_dir, **{key: value})
    assert main(["check", str(p), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == len(fragments) and "Traceback" not in err and "internal error" not in err, err
    for line, fragment in zip(lines, fragments):
        assert line.startswith(f"error: {p}: ") and fragment in line, line


def test_check_names_the_manifest_when_a_recorded_change_is_refused(run_dir, capsys):
    p = _manifest(run_dir, scenario_changes=["simulation.draws=-1"])
    assert main(["check", str(p), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {p}: scenario_changes: ") and "simulation.draws" in line, line


def test_check_names_the_manifest_when_the_observations_of_an_update_are_gone(run_dir, tmp_path, capsys):
    gone = tmp_path / "nowhere" / "obs.toml"
    info = {"observations_file": str(gone), "observations_sha256": "0" * 64, "known_by": "2014-01-01"}
    p = _manifest(run_dir, update=info)
    assert main(["check", str(p), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == f"error: {p}: update: the observations file of this update is gone ({gone})", line


@pytest.mark.parametrize(
    "m,kind",
    [
        ({"command": "compare", "scenario_sha256_a": "0" * 64, "scenario_sha256_b": "0" * 64, "seed": 1}, "compare"),
        ({"scenario_sha256": "0" * 64, "seed": 1, "draws": 10, "sets": [], "variants": []}, "sweep"),
    ],
)
def test_check_says_which_command_wrote_a_manifest_it_cannot_replay(tmp_path, capsys, m, kind):
    p = tmp_path / "run.json"
    p.write_text(json.dumps(m))
    assert main(["check", str(p), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"written by {kind}, not by run; check replays a run's manifest" in line, line


# -- report and ask: a results file that is damaged or made by hand ----------------------------------------
def _edited(run_dir: Path, name: str, edit) -> Path:
    """results.nc of the run with ``edit(ds)`` applied, written to ``name`` beside it."""
    import xarray as xr

    with xr.open_dataset(run_dir / "results.nc", engine="h5netcdf") as f:
        ds = f.load()
    p = run_dir / name
    edit(ds).to_netcdf(p, engine="h5netcdf")
    return p


def _draws_text(ds):
    ds.attrs["draws"] = "abc"
    return ds


def _no_years(ds):
    # only what report and ask look for first: h5netcdf takes an empty dimension for an unlimited one, whose
    # size it finds by reading every variable (seconds for the full file)
    keep = ["benefit", "benefit_quantile", "target", "p_target", "expected_shortfall", "area_target"]
    keep += ["area_p_target", "municipality_benefit", "municipality_target", "initiative_benefit_mean"]
    out = ds[[*keep, "initiative_golive"]].isel(year=slice(0, 0))
    out.attrs = {k: v for k, v in ds.attrs.items() if not k.startswith(("storage", "derived_on_read"))}
    return out


def _nan_benefit(ds):
    ds["benefit"] = ds["benefit"] * float("nan")
    return ds


ASK = ["--year", "2015", "--certainty", "0.8"]


@pytest.mark.parametrize(
    "edit,fragment",
    [
        (_draws_text, "not a usable results file: its attribute draws must be a whole number >= 1, got 'abc'"),
        (_no_years, "not a usable results file: it has no years (the year dimension is empty)"),
        (_nan_benefit, "not a usable results file: inf or NaN in benefit"),
    ],
)
@pytest.mark.parametrize("command", ["report", "ask"])
def test_report_and_ask_refuse_an_unusable_results_file(run_dir, capsys, edit, fragment, command):
    p = _edited(run_dir, "bad.nc", edit)
    before = sorted(q.name for q in run_dir.iterdir())
    argv = [command, str(p), *(ASK if command == "ask" else ["--quiet"]), "--lang", "en"]
    assert main(argv) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {p}: ") and fragment in line, line
    assert sorted(q.name for q in run_dir.iterdir()) == before  # nothing written


def test_ask_refuses_a_certainty_beyond_the_extreme_draws(run_dir, capsys):
    nc = str(run_dir / "results.nc")
    for c in ("0.9999999", "0.001"):
        assert main(["ask", nc, "--year", "2015", "--certainty", c, "--lang", "en"]) == 2
        line = _one_error_line(capsys.readouterr().err)
        assert "--certainty: with 200 draws it must lie between 1/N = 0.005 and 1 − 1/N = 0.995" in line, line
        assert f"got {c}" in line
    assert main(["ask", nc, "--year", "2015", "--certainty", "0.995", "--json"]) == 0  # 1 − 1/N itself
    ans = json.loads(capsys.readouterr().out)
    assert ans["ci_low"] <= ans["amount"] <= ans["ci_high"]


@pytest.mark.parametrize("command", ["report", "ask"])
def test_report_and_ask_of_a_folder_say_it_is_a_folder(run_dir, tmp_path, capsys, command):
    extra = ASK if command == "ask" else ["--quiet"]
    assert main([command, str(run_dir), *extra, "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == f"error: {run_dir}: is a folder; give the results file in it: {run_dir / 'results.nc'}"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([command, str(empty), *extra]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == f"fejl: {empty}: er en mappe; angiv en resultatfil (results.nc)"


# -- output paths: a file in the way, a commit that cannot finish -----------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(SMALL), "--draws", "100", "--quiet", "--out", "{f}"],
        ["compare", str(SMALL), str(SMALL), "--draws", "100", "--quiet", "--out", "{f}"],
        ["report", "{nc}", "--quiet", "--out", "{f}"],
        ["run", str(SMALL), "--draws", "100", "--quiet", "--out", "{f}/sub"],
    ],
)
def test_an_output_path_that_is_a_file_is_bad_input(run_dir, tmp_path, capsys, argv):
    f = tmp_path / "afile"
    f.write_text("x")
    argv = [a.format(f=f, nc=run_dir / "results.nc") for a in argv]
    assert main([*argv, "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    out = argv[-1]
    if out == str(f):
        assert line == f"error: {f}: is a file; a folder is expected here (created if it does not exist)"
    else:
        assert line == f"error: {out}: {f} is a file; a folder is expected here (created if it does not exist)"
    assert f.read_text() == "x"


def test_scenario_export_names_the_workbook_when_its_folder_is_unusable(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    wb = f / "x.xlsx"
    assert main(["scenario", "export", str(SMALL), str(wb), "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert (
        line
        == f"error: {wb}: cannot write the workbook: {f}: is a file; a folder is expected here (created if it does not exist)"
    )
    if Path("/proc").is_dir():  # /proc refuses new files even for root
        assert main(["scenario", "export", str(SMALL), "/proc/x.xlsx", "--lang", "en"]) == 1
        line = _one_error_line(capsys.readouterr().err)
        assert line.startswith("error: /proc/x.xlsx: cannot write the workbook in the folder /proc: "), line
        assert ".simengine.lock" not in line


def test_a_commit_blocked_by_a_folder_is_reported_and_finished_once_the_way_is_clear(tmp_path, capsys):
    from simengine.outputs import folder as output

    out = tmp_path / "x"
    (out / "results.nc").mkdir(parents=True)  # in the way of the new results.nc
    (out / "results.nc" / "mine.txt").write_text("mine")
    argv = ["run", str(SMALL), "--draws", "100", "--out", str(out), "--quiet", "--no-report", "--lang", "en"]
    for _ in range(2):  # the second run finds the first one's commit unfinished and says the same
        assert main(argv) == 1
        line = _one_error_line(capsys.readouterr().err)
        assert f"error: {out}: cannot move the new files into place: {out / 'results.nc'}: Is a directory" in line
        assert "nothing was deleted" in line
        assert (out / "results.nc" / "mine.txt").read_text() == "mine"
        assert (out / output.JOURNAL_NAME).exists()
    assert main(["report", str(out / "results.nc"), "--quiet", "--lang", "en"]) == 1  # a reader says so too
    assert "cannot move the new files into place" in _one_error_line(capsys.readouterr().err)
    stages = [p for p in out.iterdir() if p.name.startswith(output.STAGE_PREFIX)]
    assert len(stages) == 1 and (stages[0] / "results.nc").is_file()  # the new results, kept
    (out / "results.nc").rename(tmp_path / "moved")  # the user clears the way
    assert main(["report", str(out / "results.nc"), "--quiet"]) == 0  # the first commit is finished first
    assert not (out / output.JOURNAL_NAME).exists()
    assert not [p for p in out.iterdir() if p.name.startswith(output.STAGE_PREFIX)]
    assert json.loads((out / "run.json").read_text())["draws"] == 100
    assert (tmp_path / "moved" / "mine.txt").read_text() == "mine"


# -- observations files: empty, or not text --------------------------------------------------------------
@pytest.mark.parametrize("command", ["backtest", "update"])
@pytest.mark.parametrize(
    "content,fragment",
    [
        (b"", "no observations; the file needs at least one [[observation]] table"),
        (b"# none yet\n", "no observations; the file needs at least one [[observation]] table"),
        (b"\x89HDF\r\n", "not UTF-8 text (byte 0: b'\\x89'); save the observations file as UTF-8"),
    ],
)
def test_an_observations_file_without_observations_or_text_is_bad_input(tmp_path, capsys, command, content, fragment):
    obs = tmp_path / "obs.toml"
    obs.write_bytes(content)
    out = tmp_path / "o"
    extra = ["--known-by", "2014-01-01"] if command == "update" else []
    argv = [command, str(SMALL), str(obs), *extra, "--draws", "100", "--out", str(out), "--quiet", "--lang", "en"]
    assert main(argv) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == f"error: {obs}: {fragment}", line
    assert not out.exists() or not any(out.iterdir())


# -- report --scenario FILE: the file given must be a valid scenario, and the run's --------------------------
def test_report_with_an_invalid_scenario_given_is_bad_input(run_dir, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.read_text(encoding="utf-8").replace("draws = 2000", "draws = -1"), encoding="utf-8")
    before = sorted(p.name for p in run_dir.iterdir())
    assert main(["report", str(run_dir / "results.nc"), "--scenario", str(bad), "--quiet", "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: {bad}: ") and "draws" in line and "-1" in line, line
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_report_refuses_a_scenario_given_that_is_not_the_runs(run_dir, capsys):
    other = ROOT / "scenarios" / "2015.toml"
    nc = run_dir / "results.nc"
    before = sorted(p.name for p in run_dir.iterdir())
    assert main(["report", str(nc), "--scenario", str(other), "--quiet", "--lang", "en"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: --scenario: {other} is not the scenario of {nc}: it differs in scenario.name"), line
    assert "the run's 'Small test scenario'" in line and "give the scenario file the run used" in line
    assert sorted(p.name for p in run_dir.iterdir()) == before
