"""The da/en message catalogue (simengine.messages) and the terminal's language (--lang)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simengine.cli.main import main
from simengine.errors import ConfigError, RunError
from simengine.messages import CATALOGUE, LANGS, Msg, placeholders


def test_every_key_has_both_languages_with_the_same_placeholders():
    assert len(CATALOGUE) >= 40
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key
        assert placeholders(texts["da"]) == placeholders(texts["en"]), key


def test_the_danish_texts_are_not_the_english_ones():
    same = [k for k, t in CATALOGUE.items() if t["da"] == t["en"] and placeholders(t["en"]) != {t["en"].strip("{}")}]
    assert not [k for k in same if re.search(r"[a-z]{4,}", re.sub(r"\{[^}]*\}", "", CATALOGUE[k]["en"]))], same


def test_numbers_are_formatted_the_danish_way_and_strings_shown_as_they_are():
    m = Msg("run.between", lo=1, hi=1_000_000_000, got=0)
    assert m.text("da") == "skal ligge mellem 1 og 1.000.000.000, men er 0"
    assert m.text("en") == str(m) == "must be between 1 and 1,000,000,000, got 0"
    assert "0,5" in Msg("run.precision", got="1.5").text("da") and "'1.5'" not in Msg("run.precision", got="1.5").text(
        "da"
    )
    assert Msg("run.connect_timeout", max=3600.0, got="0").text("da").startswith("skal være over 0 og højst 3.600 sek")
    nested = Msg("run.option", name="--threads:", what=Msg("run.threads", limit=2, got=9))
    assert nested.text("da") == "--threads: skal ligge mellem 1 og 2 (maskinens kerner), men er 9"


def test_an_unknown_key_is_refused():
    with pytest.raises(KeyError):
        Msg("no.such.key")


def test_errors_keep_their_english_str_and_render_in_danish():
    exc = ConfigError(Msg("cli.no_scenario_file", file="x.toml"))
    assert str(exc) == "x.toml: no such scenario file" and exc.problems == [str(exc)]
    assert exc.lines("da") == ["x.toml: scenariefilen findes ikke"] and exc.key == "cli.no_scenario_file"
    plain = ConfigError(["a: b", Msg("cli.no_scenario_file", file="y")])
    assert (
        plain.lines("da") == ["a: b", "y: scenariefilen findes ikke"] and str(plain) == "a: b\ny: no such scenario file"
    )
    assert RunError("boom").lines("da") == ["boom"] and RunError("boom").key is None
    assert isinstance(exc, ValueError)


def test_the_terminal_speaks_danish_by_default_and_english_with_lang_en(tmp_path, capsys):
    missing = str(tmp_path / "nope.json")
    assert main(["check", missing]) == 2
    assert capsys.readouterr().err == f"fejl: {missing}: kørselsmanifestet (run.json) findes ikke\n"
    assert main(["check", missing, "--lang", "en"]) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such run manifest (run.json)\n"


@pytest.mark.parametrize(
    "argv, da, en",
    [
        (
            ["run", "x.toml", "--draws", "lots"],
            "--draws: skal være et helt tal, men er 'lots'",
            "must be a whole number",
        ),
        (["run", "x.toml", "--draws", "0"], "fejl: --draws: skal ligge mellem 1 og 1.000.000.000, men er 0", "between"),
        (["run", "x.toml", "--max-draws", "5"], "fejl: --max-draws: bruges kun sammen med --precision", "only used"),
        (["run", "x.toml", "--lang", "de"], "ugyldigt valg: 'de' (vælg mellem 'da', 'en')", "invalid choice"),
        (["backtest", "x.toml", "o.toml", "--seed", "-1"], "--seed: skal ligge i [0; 2^63), men er '-1'", "must be in"),
    ],
)
def test_run_option_errors_in_both_languages(argv, da, en, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert da in err and "fejl:" in err and "error:" not in err and en not in err, err
    assert main([*argv[:-1], argv[-1]] + (["--lang", "en"] if "--lang" not in argv else [])) == 2
    err = capsys.readouterr().err
    if "--lang" not in argv:
        assert en in err and "error:" in err and "fejl:" not in err, err


def test_validate_prints_its_ok_line_in_lang(capsys):
    from pathlib import Path

    small = Path(__file__).resolve().parents[1] / "data" / "small.toml"
    assert main(["validate", str(small)]) == 0
    da = capsys.readouterr().out
    assert main(["validate", str(small), "--lang", "en"]) == 0
    en = capsys.readouterr().out
    assert re.search(r": ok \(\d+ initiativer, \d+ områder, \d+ kommuner, \d{4}-\d{4}\)", da), da
    assert re.search(r": ok \(\d+ initiatives, \d+ areas, \d+ municipalities, \d{4}-\d{4}\)", en), en


# -- the scenario layer (simengine.scenario) in Danish -----------------------------------------------
BAD = Path(__file__).resolve().parents[1] / "bad_scenarios"
#: words of the English catalogue that no Danish line may hold (a file's own name is left out of the scan)
ENGLISH = (
    "must",
    "expected",
    "allowed",
    "unknown",
    "missing",
    "required",
    "got",
    "needs",
    "defined",
    "cannot",
    "line",
    "at most",
    "duplicate",
    "not a",
    "no such",
    "empty",
    "table",
    "number",
)


def _english_words(line: str, case: Path) -> list[str]:
    text = re.sub(r"\S+\.(toml|csv)\b", "", line.replace(str(case), ""))  # file names are the user's
    return [w for w in ENGLISH if re.search(rf"\b{w}\b", text, re.I)]


@pytest.mark.parametrize("case", sorted(BAD.glob("*.toml")), ids=lambda p: p.stem)
def test_every_bad_scenario_is_reported_in_danish(case, capsys):
    assert main(["validate", str(case)]) == 2
    cap = capsys.readouterr()
    lines = cap.err.splitlines()
    assert lines and cap.out == ""
    for line in lines:
        assert line.startswith("fejl: "), line
        assert not _english_words(line, case), (_english_words(line, case), line)
    assert main(["validate", str(case), "--lang", "en"]) == 2
    en = capsys.readouterr().err.splitlines()
    assert len(en) == len(lines) and all(x.startswith("error: ") for x in en)


def test_the_english_words_are_the_catalogues_own():
    english = " ".join(t["en"] for t in CATALOGUE.values()).lower()
    assert all(w in english for w in ENGLISH), [w for w in ENGLISH if w not in english]


# -- correlations, shocks, --scheduler and the run's warnings in both languages ---------------------
SMALL = Path(__file__).resolve().parents[1] / "data" / "small.toml"


def _small_with(tmp_path: Path, extra: str) -> Path:
    sc = tmp_path / "s.toml"
    sc.write_text(SMALL.read_text(encoding="utf-8").replace("[observed]", extra + "\n[observed]"), encoding="utf-8")
    return sc


def _one_line(capsys, argv: list[str], code: int = 2) -> str:
    assert main(argv) == code
    cap = capsys.readouterr()
    lines = cap.err.splitlines()
    assert len(lines) == 1 and cap.out == "", cap.err
    return lines[0]


@pytest.mark.parametrize(
    "extra, da, en",
    [
        (
            '[[correlations]]\na = "osb-1.delay"\nb = "fmk.dealy"\nrho = 0.5\n',
            "correlations[0].b: intet input hedder 'fmk.dealy'; mente du 'fmk.delay'? (inputtene er "
            "national.weak_share, national.economic_pressure og <initiativ-id>.<et af estimate_factor, ",
            "correlations[0].b: no input named 'fmk.dealy'; did you mean 'fmk.delay'? (inputs are "
            "national.weak_share, national.economic_pressure and <initiative id>.<one of estimate_factor, ",
        ),
        (
            '[[correlations]]\na = "osb-1.delay"\nb = "osb-1.delay"\nrho = 0.5\n',
            "correlations[0]: korrelerer osb-1.delay med sig selv (rho 0.5); a og b skal angive forskellige input",
            "correlations[0]: correlates osb-1.delay with itself (rho 0.5); a and b must name different inputs",
        ),
        (
            '[[shocks]]\nid = "it"\ninput = "realisation"\ninitiatives = ["osb-1", "fmx"]\nloading = 0.4\n',
            "shocks[0].initiatives: initiativet 'fmx' findes ikke; mente du 'fmk'?",
            "shocks[0].initiatives: no initiative 'fmx'; did you mean 'fmk'?",
        ),
        (
            '[[shocks]]\nid = "it"\ninput = "realisation"\nloading = 0.4\n\n'
            '[[shocks]]\nid = "it"\ninput = "delay"\nloading = 0.2\n',
            "shocks[1].id: stødets id 'it' står to gange",
            "shocks[1].id: duplicate shock id 'it'",
        ),
        (
            '[model]\ntiming = "additiv"\n',
            "model.timing: skal være en af 'additive', 'component', men er 'additiv'",
            "model.timing: must be one of 'additive', 'component', got 'additiv'",
        ),
    ],
    ids=["correlation-unknown-input", "correlation-itself", "shock-unknown-initiative", "shock-duplicate", "model"],
)
def test_correlation_shock_and_model_errors_in_both_languages(tmp_path, capsys, extra, da, en):
    sc = _small_with(tmp_path, extra)
    assert _one_line(capsys, ["validate", str(sc)]).startswith(f"fejl: {sc}: {da}")
    assert _one_line(capsys, ["validate", str(sc), "--lang", "en"]).startswith(f"error: {sc}: {en}")


def test_a_missing_parent_file_in_both_languages(tmp_path, capsys):
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n', encoding="utf-8")
    line = _one_line(capsys, ["validate", str(child)])
    assert line == (
        f"fejl: {child}: extends: filen 'base.toml' findes ikke (fundet som {tmp_path / 'base.toml'}); "
        "stien er i forhold til mappen med den fil, der bygger på den"
    )
    line = _one_line(capsys, ["validate", str(child), "--lang", "en"])
    assert line == (
        f"error: {child}: extends: no such file 'base.toml' (resolved to {tmp_path / 'base.toml'}); "
        "the path is relative to the folder of the file that extends it"
    )


@pytest.mark.parametrize(
    "address, da, en",
    [
        (
            "bogus",
            "fejl: --scheduler: adressen skal have et portnummer (1-65535), fx tcp://host:8786, men er 'bogus'",
            "error: --scheduler: the address needs a port (1-65535), like tcp://host:8786, got 'bogus'",
        ),
        (
            "local:0",
            "fejl: --scheduler: local:N kræver et helt antal workers N >= 1, men er 'local:0'",
            "error: --scheduler: local:N needs a whole number of workers N >= 1, got 'local:0'",
        ),
        (
            "tcp://a b:1",
            "fejl: --scheduler: skal være en scheduler-adresse som tcp://host:8786 eller local:N, men er 'tcp://a b:1'",
            "error: --scheduler: expected a scheduler address like tcp://host:8786 or local:N, got 'tcp://a b:1'",
        ),
    ],
)
def test_a_bad_scheduler_address_in_both_languages(tmp_path, capsys, address, da, en):
    argv = ["run", str(SMALL), "--draws", "100", "--out", str(tmp_path / "o"), "--quiet", "--scheduler", address]
    assert _one_line(capsys, argv) == da
    assert _one_line(capsys, [*argv, "--lang", "en"]) == en
    assert not (tmp_path / "o").exists()


def test_a_repaired_correlation_matrix_is_a_warning_in_both_languages(tmp_path, capsys):
    sc = _small_with(
        tmp_path,
        '[[correlations]]\na = "osb-1.delay"\nb = "osb-2.delay"\nrho = 0.9\n\n'
        '[[correlations]]\na = "osb-2.delay"\nb = "fmk.delay"\nrho = 0.9\n\n'
        '[[correlations]]\na = "osb-1.delay"\nb = "fmk.delay"\nrho = -0.9\n',
    )
    argv = ["run", str(sc), "--draws", "200", "--quiet", "--no-report"]
    da = _one_line(capsys, [*argv, "--out", str(tmp_path / "da")], code=0)
    assert re.fullmatch(
        rf"advarsel: {re.escape(str(sc))}: \[\[correlations\]\]-matricen er ikke positivt semidefinit; den er "
        r"rettet til den nærmeste gyldige: største ændring osb-1\.delay ~ fmk\.delay fra -0,900 til -0,\d{3}",
        da,
    ), da
    en = _one_line(capsys, [*argv, "--out", str(tmp_path / "en"), "--lang", "en"], code=0)
    assert re.fullmatch(
        rf"warning: {re.escape(str(sc))}: the \[\[correlations\]\] matrix is not positive semi-definite; it was "
        r"repaired to the nearest valid one: largest change osb-1\.delay ~ fmk\.delay from -0\.900 to -0\.\d{3}",
        en,
    ), en
    import xarray as xr

    with xr.open_dataset(tmp_path / "da" / "results.nc", engine="h5netcdf") as ds:  # the file keeps English
        assert ds.attrs["warnings"] == en.split(f"{sc}: ", 1)[1]


def test_run_errors_render_in_both_languages_and_survive_pickling():
    import pickle

    err = RunError(Msg("run.block_failed", where=Msg("run.block_of", lo=0, hi=16384), kind="OSError", why="x"))
    back = pickle.loads(pickle.dumps(err))  # a RunError raised on a Dask worker travels pickled
    assert back.lines("da") == ["blokken med træk [0; 16.384) fejlede på klyngen: OSError: x"]
    assert back.lines("en") == ["the block of draws [0, 16,384) failed on the cluster: OSError: x"] == [str(back)]


def test_a_sweep_warns_in_the_terminals_language(tmp_path, capsys):
    sc = _small_with(
        tmp_path,
        '[[correlations]]\na = "osb-1.delay"\nb = "osb-2.delay"\nrho = 0.9\n\n'
        '[[correlations]]\na = "osb-2.delay"\nb = "fmk.delay"\nrho = 0.9\n\n'
        '[[correlations]]\na = "osb-1.delay"\nb = "fmk.delay"\nrho = -0.9\n',
    )
    argv = ["sweep", str(sc), "--set", "regimes.retention_share=0.25,0.5", "--draws", "200", "--quiet", "--no-report"]
    da = _one_line(capsys, [*argv, "--out", str(tmp_path / "da")], code=0)  # one note for both variants
    assert da.startswith("advarsel: regimes.retention_share=0.25: [[correlations]]-matricen er ikke positivt"), da
    en = _one_line(capsys, [*argv, "--out", str(tmp_path / "en"), "--lang", "en"], code=0)
    assert en.startswith("warning: regimes.retention_share=0.25: the [[correlations]] matrix is not positive"), en


def test_an_overflow_is_refused_in_both_languages(tmp_path, capsys):
    old = 'adoption = { dist = "triangular", min = 0.7, mode = 0.85, max = 1.0 }'
    text = SMALL.read_text(encoding="utf-8")
    assert old in text
    sc = tmp_path / "s.toml"
    sc.write_text(text.replace(old, 'adoption = { dist = "uniform", min = 0, max = 1e308 }', 1), encoding="utf-8")
    argv = ["run", str(sc), "--draws", "300", "--out", str(tmp_path / "o"), "--quiet", "--no-report"]
    da = _one_line(capsys, argv)
    assert re.fullmatch(
        rf"fejl: {re.escape(str(sc))}: \d{{1,3}}(\.\d{{3}})* simulerede værdier oversteg 2\^22 gange deres business "
        r"case-størrelse; undersøg, om scenariets fordelinger for estimate_factor og adoption har absurde haler: "
        r"initiatives\[1\] \(osb-2\)\.adoption = uniform\(min=0, max=1e\+308\) \(når op på 1e\+308\)",
        da,
    ), da
    en = _one_line(capsys, [*argv, "--lang", "en"])
    assert re.fullmatch(
        rf"error: {re.escape(str(sc))}: \d+ simulated values exceeded 2\^22 times their business-case size; check "
        r"the scenario's estimate_factor and adoption priors for absurd tails: "
        r"initiatives\[1\] \(osb-2\)\.adoption = uniform\(min=0, max=1e\+308\) \(reaches 1e\+308\)",
        en,
    ), en
    assert not (tmp_path / "o" / "results.nc").exists()


@pytest.mark.parametrize(
    "opt, da, en",
    [
        ("x=1,1", "--set x=1,1: værdien 1 er angivet to gange", "--set x=1,1: value 1 is given twice"),
        (
            "a b=1",
            "--set a b=1: nøglestien 'a b' skal være nøgler af bogstaver, cifre, - og _ adskilt af punktummer",
            "--set a b=1: the key path 'a b' must be dotted keys of letters, digits, - and _",
        ),
        (
            "initiatives.nosuch.delay=1",
            "--set initiatives.nosuch.delay=1: intet initiativ med id 'nosuch' (id'er: osb-1,",
            "--set initiatives.nosuch.delay=1: no initiative with id 'nosuch' (ids: osb-1,",
        ),
        ("regimes.retention_share", "forventede KEY.PATH=V1,V2,... som fx", "expected KEY.PATH=V1,V2,... such as"),
    ],
)
def test_sweep_set_errors_in_both_languages(opt, da, en, capsys):
    """A bad --set of sweep: one line, in Danish by default and in English with --lang en."""
    from pathlib import Path

    small = str(Path(__file__).resolve().parents[1] / "data" / "small.toml")
    assert main(["sweep", small, "--set", opt, "--no-report"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fejl: ") and err.count("\n") == 1 and da in err, err
    assert main(["sweep", small, "--set", opt, "--no-report", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and en in err, err


def test_a_municipalities_csv_not_in_utf8_in_both_languages(tmp_path, capsys):
    from pathlib import Path

    small = Path(__file__).resolve().parents[1] / "data" / "small.toml"
    (tmp_path / "k.csv").write_bytes("code,name,region,population\n101,K\xf8benhavn,H,5\n".encode("latin-1"))
    text = small.read_text(encoding="utf-8").replace(
        "cost_per_fte = 450_000", 'cost_per_fte = 450_000\nmunicipalities = "k.csv"'
    )
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    csv = (tmp_path / "k.csv").resolve()
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"fejl: {csv}: ikke UTF-8-tekst (byte 33: b'\\xf8'); gem CSV-filen som UTF-8" in err, err
    assert main(["validate", str(p), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert f"error: {csv}: not UTF-8 text (byte 33: b'\\xf8'); save the CSV as UTF-8" in err, err


@pytest.mark.parametrize(
    "key, params, da, en",
    [
        (
            "sc.unknown_key",
            {"keys": "a, b"},
            "ukendt nøgle{hint} (tilladte nøgler: a, b)",
            "unknown key{hint} (allowed keys: a, b)",
        ),
        (
            "sc.unknown_dist",
            {"name": "'gama'", "names": "beta, pert"},
            "ukendt fordeling 'gama'{hint} (tilladte: beta, pert)",
            "unknown distribution 'gama'{hint} (allowed: beta, pert)",
        ),
        (
            "sc.undefined_area",
            {"area": "'socal'", "names": "skole, social"},
            "området 'socal' findes ikke{hint} (definerede områder: skole, social)",
            "area 'socal' is not defined{hint} (defined areas: skole, social)",
        ),
        (
            "xl.unknown_column",
            {"name": "'gian'", "names": "id, gain"},
            "ukendt kolonne 'gian'{hint} (tilladte kolonner: id, gain)",
            "unknown column 'gian'{hint} (allowed columns: id, gain)",
        ),
    ],
)
@pytest.mark.parametrize("hinted", [False, True], ids=["no_hint", "hint"])
def test_a_list_of_names_is_set_off_from_the_message_with_or_without_a_hint(key, params, da, en, hinted):
    """'area 'x' is not defined defined areas: ...' ran the list into the message when there was no hint."""
    hint = Msg("sc.did_you_mean", name="'social'") if hinted else ""
    m = Msg(key, hint=hint, **params)
    assert m.text("da") == da.format(hint="; mente du 'social'?" if hinted else "")
    assert m.text("en") == en.format(hint="; did you mean 'social'?" if hinted else "")


def test_danish_messages_say_traek_for_draws():
    """The tables and reports say "træk" (4.000 træk); no message says "trækninger" instead."""
    from simengine.messages import CATALOGUE

    assert not [k for k, t in CATALOGUE.items() if "trækning" in t["da"]]
