"""Malformed scenarios: exit code 2, one ``error: <file>: ...`` line per problem, no traceback,
nothing written.

The corpus lives in ``tests/bad_scenarios/``: ``NN_short_name.toml`` files, each starting with
one or more ``# expect: <fragment>`` lines (every fragment must appear in stderr), optionally a
``# lines: N`` line (stderr has exactly N lines: no false follow-on errors), plus the
CSVs they reference in ``tests/bad_scenarios/csv/``. Cases that cannot be a static file in the
repository (a directory, a > 5 MB file, non-UTF-8 bytes, a missing file, a CSV in Latin-1, an
over-long path) are generated below in ``tmp_path``.

A municipalities CSV with an "unknown code" is one whose code is not a kommunekode, i.e. not a
positive integer ("K147", "0"); any positive integer is accepted, so a scenario can model
municipalities (or mergers) that the builtin 2011 list does not have.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simengine.cli.main import main
from simengine.scenario.schema import MAX_FILE_BYTES

BAD = Path(__file__).resolve().parents[1] / "bad_scenarios"
CSV_DIR = BAD / "csv"
SMALL = Path(__file__).resolve().parents[1] / "data" / "small.toml"
CASES = sorted(BAD.glob("*.toml"))


def expectations(path: Path) -> list[str]:
    frags = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# expect: "):
            frags.append(line[len("# expect: ") :])
    return frags


def line_count(path: Path) -> int | None:
    """The ``# lines: N`` of a corpus file: how many lines stderr must have (None: not checked)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# lines: "):
            return int(line[len("# lines: ") :])
    return None


def snapshot(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def check_failure(
    capsys,
    argv: list[str],
    fragments: list[str],
    named: list[str],
    out_dir: Path | None = None,
    n_lines: int | None = None,
):
    """Run the CLI in-process and check the failure is clean; returns stderr."""
    rc = main([*argv, "--lang", "en"])  # the English texts of the corpus' "# expect:" lines
    cap = capsys.readouterr()
    assert rc == 2, f"exit code {rc}\nstdout: {cap.out}\nstderr: {cap.err}"
    assert "Traceback" not in cap.out + cap.err
    assert cap.out == "", f"unexpected stdout: {cap.out!r}"
    lines = cap.err.splitlines()
    assert lines, "no error message"
    for line in lines:
        assert line.startswith("error: "), f"stderr line without 'error: ': {line!r}"
        assert any(line.startswith(f"error: {f}") for f in named), f"line names none of {named}: {line!r}"
    for frag in fragments:
        assert frag in cap.err, f"expected {frag!r} in:\n{cap.err}"
    if n_lines is not None:
        assert len(lines) == n_lines, f"expected {n_lines} line(s), got {len(lines)}:\n{cap.err}"
    if out_dir is not None:
        assert not out_dir.exists() or not any(out_dir.iterdir()), f"something was written: {list(out_dir.iterdir())}"
    return cap.err


def check_both_commands(
    capsys, tmp_path: Path, scenario: Path, fragments: list[str], named: list[str], n_lines: int | None = None
):
    """``validate`` and ``run`` both fail cleanly and write nothing, anywhere under tmp_path."""
    before = snapshot(tmp_path)
    before_bad = snapshot(BAD)
    out_dir = tmp_path / "out"
    check_failure(capsys, ["validate", str(scenario)], fragments, named, n_lines=n_lines)
    run = ["run", str(scenario), "--out", str(out_dir)]
    check_failure(capsys, [*run, "--quiet"], fragments, named, out_dir, n_lines)
    check_failure(capsys, run, fragments, named, out_dir, n_lines)
    assert snapshot(tmp_path) == before, "files were written"
    assert snapshot(BAD) == before_bad, "files were written next to the scenario"


# ------------------------------------------------------------------------------------------
def test_corpus_size_and_headers():
    assert len(CASES) >= 45
    names = [p.name for p in CASES]
    assert len({n[:2] for n in names}) == len(names), "case numbers must be unique"
    for p in CASES:
        assert p.read_text(encoding="utf-8").startswith("# expect: "), f"{p.name} must start with '# expect: '"
        assert expectations(p), p.name


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_bad_scenario(case: Path, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a stray default output folder would land here and be noticed
    check_both_commands(capsys, tmp_path, case, expectations(case), [f"{case}: ", f"{CSV_DIR}/"], line_count(case))


# ------------------------------------------------------------------------------------------
# cases generated at test time
def _latin1_csv(folder: Path) -> str:
    from simengine.scenario.municipalities import builtin_text

    (folder / "latin1.csv").write_bytes(builtin_text().encode("latin-1"))  # København, Brøndby, ...
    return "latin1.csv"


def _make_directory(tmp: Path) -> Path:
    p = tmp / "scenario.toml"
    p.mkdir()
    return p


def _make_huge(tmp: Path) -> Path:
    p = tmp / "huge.toml"
    pad = ("# " + "x" * 98 + "\n") * (MAX_FILE_BYTES // 100 + 1000)
    p.write_text(SMALL.read_text(encoding="utf-8") + pad, encoding="utf-8")
    assert p.stat().st_size > MAX_FILE_BYTES
    return p


def _make_latin1(tmp: Path) -> Path:
    p = tmp / "latin1.toml"
    p.write_bytes(SMALL.read_text(encoding="utf-8").encode("latin-1"))  # "Fælles medicinkort"
    return p


def _make_binary(tmp: Path) -> Path:
    p = tmp / "binary.toml"
    p.write_bytes(b"\x00\x01\x02PK\x03\x04" + bytes(range(256)))
    return p


def _make_nul(tmp: Path) -> Path:
    p = tmp / "nul.toml"
    p.write_bytes(SMALL.read_bytes().replace(b"draws = 2000", b"draws = 20\x0000"))
    return p


def _make_missing(tmp: Path) -> Path:
    return tmp / "does_not_exist.toml"


def _make_long_name(tmp: Path) -> Path:
    return tmp / ("a" * 300 + ".toml")


def _make_csv_latin1(tmp: Path) -> Path:
    name = _latin1_csv(tmp)
    text = SMALL.read_text(encoding="utf-8").replace(
        "cost_per_fte = 450_000", f'cost_per_fte = 450_000\nmunicipalities = "{name}"'
    )
    p = tmp / "csv_latin1.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _make_csv_huge_field(tmp: Path) -> Path:
    (tmp / "wide.csv").write_text("code,name,region,population\n101," + "x" * 200_000 + ",R,5\n", encoding="utf-8")
    text = SMALL.read_text(encoding="utf-8").replace(
        "cost_per_fte = 450_000", 'cost_per_fte = 450_000\nmunicipalities = "wide.csv"'
    )
    p = tmp / "csv_wide.toml"
    p.write_text(text, encoding="utf-8")
    return p


GENERATED = {
    "directory_instead_of_file": (_make_directory, ["is a directory, expected a scenario file"]),
    "huge_file": (_make_huge, [f"a scenario may be at most {MAX_FILE_BYTES:,} bytes"]),
    "scenario_not_utf8": (_make_latin1, ["not UTF-8 text", "save the scenario as UTF-8"]),
    "binary_garbage": (_make_binary, ["not UTF-8 text"]),
    "nul_byte": (_make_nul, ["not valid TOML"]),
    "missing_file": (_make_missing, ["no such file"]),
    "name_too_long": (_make_long_name, ["cannot use this path"]),
    "csv_not_utf8": (_make_csv_latin1, ["latin1.csv: not UTF-8 text", "save the CSV as UTF-8"]),
    "csv_field_too_large": (_make_csv_huge_field, ["wide.csv: not a readable CSV", "field larger than field limit"]),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_bad_input(name, capsys, tmp_path, monkeypatch):
    make, fragments = GENERATED[name]
    inputs = tmp_path / "in"
    inputs.mkdir()
    scenario = make(inputs)
    monkeypatch.chdir(tmp_path)
    check_both_commands(capsys, tmp_path, scenario, fragments, [f"{scenario}: ", f"{inputs.resolve()}/"])


# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["01_toml_unclosed_string", "64_csv_empty", "77_draws_beyond_int64", "directory"])
def test_subprocess_no_traceback(case, tmp_path):
    """What a real terminal sees: exit 2, only 'fejl:' lines (Danish by default), no traceback (SIMENGINE_DEBUG unset)."""
    if case == "directory":
        path = _make_directory(tmp_path)
    else:
        path = BAD / f"{case}.toml"
        assert path.exists()
    env = {k: v for k, v in os.environ.items() if k != "SIMENGINE_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-m", "simengine", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("fejl: ") for line in lines), proc.stderr  # --lang da, the default
    assert str(path) in lines[0] or str(CSV_DIR) in lines[0]


def test_a_byte_order_mark_is_accepted(tmp_path, capsys):
    """A scenario saved as "UTF-8 with BOM" (Notepad, Excel's CSV export) reads as the same scenario
    (the municipalities CSV loader already accepted one); so does its export as a workbook."""
    from simengine.scenario import schema

    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + SMALL.read_bytes())
    assert main(["validate", str(p), "--lang", "en"]) == 0, capsys.readouterr().err
    assert capsys.readouterr().err == ""
    with_bom, plain = schema.load(p), schema.load(SMALL)
    assert with_bom.initiatives == plain.initiatives and with_bom.areas == plain.areas and with_bom.name == plain.name
    book = tmp_path / "bom.xlsx"
    assert main(["scenario", "export", str(p), str(book), "--quiet"]) == 0
    assert schema.load(book).initiatives == plain.initiatives
