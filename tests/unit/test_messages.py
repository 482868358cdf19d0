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
            "--set initiatives.nosuch.delay=1: intet initiativ med id 'nosuch' id'er: osb-1,",
            "--set initiatives.nosuch.delay=1: no initiative with id 'nosuch' ids: osb-1,",
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
