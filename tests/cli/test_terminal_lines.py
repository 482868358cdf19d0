"""Bad command lines and bad results files in the terminal: one line on stderr, exit 2, in the
terminal's language (argparse's own phrases and the report's reader included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simengine.cli.main import main

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.toml"


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    """A run of tests/data/small.toml (200 draws, no report): its folder."""
    out = tmp_path_factory.mktemp("small") / "r"
    assert main(["run", str(SMALL), "--draws", "200", "--out", str(out), "--quiet", "--no-report"]) == 0
    return out


def _err(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and "Traceback" not in cap.err
    assert cap.err.count("\n") == 1, cap.err  # one line, no usage block
    return cap.err


@pytest.mark.parametrize(
    "argv, da, en",
    [
        (["run", "x.toml", "--draws", "abc"], "fejl: --draws: skal være et helt tal, men er 'abc'\n", None),
        (["run", "x.toml", "--lang", "fr"], "fejl: --lang: ugyldigt valg: 'fr' (vælg mellem 'da', 'en')\n", None),
        (
            ["run"],
            "fejl: python -m simengine run: disse argumenter skal angives: scenario (se python -m simengine run --help)\n",
            "error: python -m simengine run: the following arguments are required: scenario "
            "(see python -m simengine run --help)\n",
        ),
        (
            ["scenario", "exprt", "a.toml", "b.xlsx"],
            "fejl: python -m simengine scenario: ACTION: ugyldigt valg: 'exprt' (vælg mellem 'export') "
            "(se python -m simengine scenario --help)\n",
            None,
        ),
        (["run", "x.toml", "--quiet=3"], "fejl: --quiet: tager ingen værdi, men fik '3'\n", None),
        (["run", "x.toml", "--draws"], "fejl: --draws: kræver en værdi\n", "error: --draws: expected one argument\n"),
        (
            ["ask", "r.nc", "--year", "2015", "--at-least", "1", "--certainty", "0.9"],
            "fejl: --certainty: kan ikke bruges sammen med --at-least\n",
            "error: --certainty: not allowed with argument --at-least\n",
        ),
        (
            ["ask", "r.nc", "--year", "2015"],
            "fejl: python -m simengine ask: et af argumenterne --at-least --certainty skal angives "
            "(se python -m simengine ask --help)\n",
            None,
        ),
        (
            ["ask", "r.nc", "--year", "abc", "--certainty", "0.9"],
            "fejl: --year: skal være et helt tal, men er 'abc'\n",
            None,
        ),
        (
            ["ask", "r.nc", "--year", "2015", "--certainty", "0,9"],
            "fejl: --certainty: skal være et tal med decimalpunktum (fx 0.9 eller 500e6), men er '0,9'\n",
            "error: --certainty: must be a number (e.g. 0.9 or 500e6), got '0,9'\n",
        ),
    ],
)
def test_usage_errors_are_one_line_in_the_terminals_language(capsys, argv, da, en):
    assert _err(capsys, argv) == da
    err = _err(capsys, [*argv, "--lang", "en"])
    assert err.startswith("error: ") and "fejl" not in err, err
    if en is not None:
        assert err == en


def test_ask_takes_a_negative_amount_in_exponent_form(small_run, capsys):
    """--at-least -5e6 is a value (a net gain can be negative), not an unknown option."""
    capsys.readouterr()
    argv = ["ask", str(small_run / "results.nc"), "--year", "2014", "--quantity", "net", "--at-least", "-5e6"]
    assert main([*argv, "--lang", "en"]) == 0
    assert "P(net gain >= −5.0 mio. DKK" in capsys.readouterr().out


def test_ask_certainty_out_of_range_shows_what_to_type(capsys):
    err = _err(capsys, ["ask", "r.nc", "--year", "2015", "--certainty", "90"])
    assert "(fx 0.9 for 90 %)" in err and "0,9)" not in err, err


@pytest.mark.parametrize(
    "make, da, en",
    [
        (lambda d: d / "nope.nc", "resultatfilen findes ikke", "no such results file"),
        (
            lambda d: (d / "x.nc").write_text("not netcdf") and d / "x.nc",
            "ikke en læsbar resultatfil (NetCDF4; angiv en kørsels results.nc",
            "not a readable results file (NetCDF4; give a run's results.nc",
        ),
    ],
    ids=["missing", "not_netcdf"],
)
def test_report_refuses_a_non_results_file_in_the_terminals_language(tmp_path, capsys, make, da, en):
    path = make(tmp_path)
    err = _err(capsys, ["report", str(path)])
    assert err.startswith(f"fejl: {path}: {da}"), err
    err = _err(capsys, ["report", str(path), "--lang", "en"])
    assert err.startswith(f"error: {path}: {en}"), err


def test_report_names_the_variables_a_foreign_netcdf_lacks_in_danish(tmp_path, capsys):
    import xarray as xr

    path = tmp_path / "foreign.nc"
    xr.Dataset({"benefit_quantile": ("x", [1.0])}).to_netcdf(path, engine="h5netcdf")
    err = _err(capsys, ["report", str(path)])
    assert err.startswith(f"fejl: {path}: ikke en resultatfil fra simengine: mangler target, "), err


def test_compare_without_a_common_year_in_danish(tmp_path, capsys):
    scenarios = Path(__file__).resolve().parents[2] / "scenarios"
    a, b = scenarios / "2015.toml", scenarios / "2030.toml"
    argv = ["compare", str(a), str(b), "--draws", "100", "--out", str(tmp_path / "c"), "--quiet", "--no-report"]
    err = _err(capsys, argv)
    assert err == f"fejl: {a}, {b}: ingen fælles år (A 2011-2020, B 2023-2035); intet at sammenligne\n", err
    assert "no year in common" in _err(capsys, [*argv, "--lang", "en"])
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_check_says_in_danish_that_the_runs_scenario_file_is_gone(small_run, tmp_path, capsys):
    import json

    m = json.loads((small_run / "run.json").read_text(encoding="utf-8"))
    m["scenario_file"] = m["scenario_path_absolute"] = str(tmp_path / "gone.toml")
    bad = tmp_path / "run.json"
    bad.write_text(json.dumps(m), encoding="utf-8")
    err = _err(capsys, ["check", str(bad)])
    assert (
        err
        == f"fejl: {bad}: kørslens scenariefil findes ikke længere ({tmp_path / 'gone.toml'}, {tmp_path / 'gone.toml'})\n"
    )
    assert "the scenario file of this run is gone" in _err(capsys, ["check", str(bad), "--lang", "en"])


def test_report_scenario_that_is_a_folder_is_named_as_a_folder(small_run, tmp_path, capsys):
    capsys.readouterr()
    err = _err(capsys, ["report", str(small_run / "results.nc"), "--scenario", str(tmp_path), "--out", str(tmp_path)])
    assert err == f"fejl: {tmp_path}: er en mappe, men skal være en scenariefil (.toml)\n", err


def test_ask_certainty_is_shown_as_given_not_rounded_to_a_whole_percent(small_run, capsys):
    """--certainty 0.995 said "med 100 % sandsynlighed" (and 0.975 "98 %"): a negotiator reads 100 %
    as certain. The English line's amounts have the minus sign of the other lines."""
    capsys.readouterr()
    argv = ["ask", str(small_run / "results.nc"), "--year", "2014", "--certainty"]
    assert main([*argv, "0.995"]) == 0
    assert "med 99,5 % sandsynlighed:" in capsys.readouterr().out
    assert main([*argv, "0.975", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "with probability 97.5 %: " in out, out
    from simengine.cli.ask import describe

    ans = {"quantity": "net", "scope": "national", "year": 2014, "certainty": 0.9, "amount": -144.5e6}
    ans.update(ci_low=-154e6, ci_high=-134.3e6, method="m")
    assert describe(ans, "en") == (
        "amount the net gain reaches in 2014 nationally with probability 90 %: −144.5 mio. DKK/year "
        "(95 % MC interval −154.0 to −134.3); m"
    )


@pytest.mark.parametrize(
    "title, kind",
    [
        ("simengine paired comparison (B - A)", "compare"),
        ("simengine sweep", "sweep"),
        ("simengine backtest", "backtest"),
    ],
)
def test_ask_names_the_command_that_wrote_another_simengine_file(tmp_path, capsys, title, kind):
    """ask on compare's, sweep's or backtest's file said it was 'not a simengine results file'."""
    import xarray as xr

    path = tmp_path / f"{kind}.nc"
    xr.Dataset({"x": ("year", [1.0])}, coords={"year": [2015]}, attrs={"title": title}).to_netcdf(
        path, engine="h5netcdf"
    )
    err = _err(capsys, ["ask", str(path), "--year", "2015", "--certainty", "0.9"])
    assert (
        err
        == f"fejl: {path}: er skrevet af {kind}, ikke en kørsels results.nc; ask læser results.nc fra run eller update\n"
    )


def test_report_on_a_backtest_file_says_backtest_writes_its_own(tmp_path, capsys):
    import xarray as xr

    path = tmp_path / "backtest.nc"
    xr.Dataset({"crps": ("observation", [1.0])}, attrs={"title": "simengine backtest"}).to_netcdf(
        path, engine="h5netcdf"
    )
    err = _err(capsys, ["report", str(path)])
    assert err.startswith(f"fejl: {path}: er skrevet af backtest, som selv skriver sin rapport"), err
