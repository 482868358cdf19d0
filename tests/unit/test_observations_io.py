"""An observations file that is not a regular file is named as what it should be, in one line; a bad
observations file is refused in one line, in Danish by default and in English with --lang en."""

from __future__ import annotations

from pathlib import Path

import pytest

from simengine.cli.main import main
from simengine.errors import ConfigError
from simengine.scenario import observations


@pytest.mark.parametrize(
    "path, needle",
    [
        ("/dev/zero", "is a device, expected an observations file (a regular file)"),
        ("DIR", "is a directory, expected an observations file (.toml)"),
    ],
)
def test_observations_file_that_is_not_a_file(path, needle, tmp_path):
    p = tmp_path if path == "DIR" else path
    with pytest.raises(ConfigError) as exc:
        observations.load(p)
    text = str(exc.value)
    assert needle in text and "\n" not in text and str(p) in text


# -- in Danish by default, in English with --lang en (the command line: backtest and update) -------------
SMALL = Path(__file__).resolve().parents[1] / "data" / "small.toml"
OBS = SMALL.parent / "observations_small.toml"


def _refused(argv: list[str], capsys) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err.count("\n") == 1, cap.err  # one line
    return cap.err


@pytest.mark.parametrize(
    "old, new, da, en",
    [
        (
            "value = 0.8",
            "value = 1.4",
            "observation 'osb2-adoption-2015'.error: value 1,4 ligger uden for intervallet [0,6; 1]",
            "observation 'osb2-adoption-2015'.error: value 1.4 lies outside the interval [0.6, 1]",
        ),
        (
            "known_by = 2014-03-01",
            'known_by = "soon"',
            "observation 'nat-2013'.known_by: skal være en TOML-dato som 2016-02-16, men er 'soon'",
            "observation 'nat-2013'.known_by: must be a TOML date such as 2016-02-16, got 'soon'",
        ),
        (
            'quantity = "realised"\nscope = "national"\nyear = 2013',
            'quantity = "staff"\nscope = "national"\nyear = 2013',
            "observation 'nat-2013'.quantity: skal være en af potential, realised, golive, adoption "
            "(de størrelser, modellen har), men er 'staff'",
            "observation 'nat-2013'.quantity: must be one of potential, realised, golive, adoption "
            "(what the model has), got 'staff'",
        ),
        (  # a misspelt required key: one line, not "unknown key" and "required key is missing"
            "value = 60e6",
            "valeu = 60e6",
            "observation 'nat-2013'.valeu: ukendt nøgle; mente du 'value', som skal angives og mangler? "
            "(tilladte nøgler: id, quantity, scope, year, value, error, known_by, source, note)",
            "observation 'nat-2013'.valeu: unknown key; did you mean 'value', a required key that is missing? "
            "(allowed keys: id, quantity, scope, year, value, error, known_by, source, note)",
        ),
        (  # a misspelt id: not "must be a string ..., got None"
            'id = "nat-2013"',
            'idd = "nat-2013"',
            "observation[1].idd: ukendt nøgle; mente du 'id', som skal angives og mangler? "
            "(tilladte nøgler: id, quantity, scope, year, value, error, known_by, source, note)",
            "observation[1].idd: unknown key; did you mean 'id', a required key that is missing? "
            "(allowed keys: id, quantity, scope, year, value, error, known_by, source, note)",
        ),
        (  # a reference without a name: the key is missing, not the value None
            "# Observations for tests",
            "[[reference]]\nratio = 0.5\n# Observations for tests",
            "reference[1].name: nøglen skal angives, men er ikke med",
            "reference[1].name: required key is missing",
        ),
        (  # checked against the scenario
            "year = 2013",
            "year = 2030",
            "observation 'nat-2013'.year: skal ligge i scenariets horisont 2011-2016, men er 2030",
            "observation 'nat-2013'.year: must lie in the scenario's horizon 2011-2016, got 2030",
        ),
    ],
)
def test_a_bad_observations_file_in_danish_and_english(tmp_path, capsys, old, new, da, en):
    text = OBS.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    argv = ["backtest", str(SMALL), str(bad), "--draws", "50", "--out", str(tmp_path / "out")]
    assert _refused(argv, capsys) == f"fejl: {bad}: {da}\n"
    assert _refused([*argv, "--lang", "en"], capsys) == f"error: {bad}: {en}\n"
    assert not (tmp_path / "out").exists()


def test_the_file_kind_and_the_date_are_refused_in_danish_and_english(tmp_path, capsys):
    argv = ["update", str(SMALL), str(tmp_path), "--known-by", "2015-01-01", "--out", str(tmp_path / "out")]
    assert _refused(argv, capsys) == f"fejl: {tmp_path}: er en mappe, men skal være en observationsfil (.toml)\n"
    assert _refused([*argv, "--lang", "en"], capsys) == (
        f"error: {tmp_path}: is a directory, expected an observations file (.toml)\n"
    )
    argv[2] = "/dev/zero"
    assert (
        _refused(argv, capsys)
        == "fejl: /dev/zero: er en enhed (device), men skal være en observationsfil (en almindelig fil)\n"
    )
    assert _refused([*argv, "--lang", "en"], capsys) == (
        "error: /dev/zero: is a device, expected an observations file (a regular file)\n"
    )
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as fh:
        fh.truncate(6_000_000)  # sparse: refused by its size, not read
    argv[2] = str(huge)
    assert _refused(argv, capsys) == (
        f"fejl: {huge}: filen fylder 6.000.000 byte; en observationsfil må højst fylde 5.000.000 byte\n"
    )
    assert _refused([*argv, "--lang", "en"], capsys) == (
        f"error: {huge}: file is 6,000,000 bytes; an observations file may be at most 5,000,000 bytes\n"
    )
    argv[2], argv[4] = str(OBS), "2015-13-01"
    assert _refused(argv, capsys) == "fejl: --known-by: skal være en dato ÅÅÅÅ-MM-DD, men er '2015-13-01'\n"
    assert (
        _refused([*argv, "--lang", "en"], capsys) == "error: --known-by: must be a date YYYY-MM-DD, got '2015-13-01'\n"
    )


def test_update_before_every_observation_says_so(tmp_path, capsys):
    """--known-by before the first observation (a mistyped year): the update conditions on nothing;
    a warning says so, instead of a silent 'update' that changed nothing."""
    argv = ["update", str(SMALL), str(OBS), "--known-by", "2001-01-01", "--draws", "200"]
    argv += ["--out", str(tmp_path / "u"), "--quiet", "--no-report"]
    capsys.readouterr()
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"advarsel: ingen observation i {OBS} var kendt 2001-01-01 (") and err.count("\n") == 1, err
    assert "opdateringen ændrer ikke prognosen" in err
    assert main([*argv, "--lang", "en"]) == 0
    assert f"warning: no observation in {OBS} was known by 2001-01-01" in capsys.readouterr().err
