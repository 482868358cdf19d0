"""Scenario inheritance: ``extends = "base.toml"`` with key-by-key overrides, initiatives merged
by id, ``remove_initiatives``, chains, cycles, the chain's sha256 and errors that name the file."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from simengine.cli.main import main
from simengine.errors import ConfigError
from simengine.scenario import schema as scenario
from tests.conftest import dump_toml

ROOT = Path(__file__).resolve().parents[2]
DELAY = {"dist": "uniform", "min": 1.0, "max": 3.0}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_same_scenario(a: scenario.Scenario, b: scenario.Scenario) -> None:
    """Equal in every field except where they came from (path, sha256, sources, the document read)."""
    for f in dataclasses.fields(scenario.Scenario):
        if f.name in ("path", "sha256", "sources", "resolved"):
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name == "municipalities":
            assert np.array_equal(va.codes, vb.codes) and np.array_equal(va.population, vb.population)
            assert va.names == vb.names and va.extra.keys() == vb.extra.keys()
        else:
            assert va == vb, f.name


def test_child_overriding_one_delay_equals_the_full_file(tmp_path, small_dict):
    base = _write(tmp_path / "base.toml", dump_toml(small_dict))
    child = _write(
        tmp_path / "child.toml",
        'extends = "base.toml"\n\n[[initiatives]]\nid = "fmk"\ndelay = { dist = "uniform", min = 1.0, max = 3.0 }\n',
    )
    full = copy.deepcopy(small_dict)
    full["initiatives"][2]["delay"] = DELAY
    full_path = _write(tmp_path / "full.toml", dump_toml(full))
    sc_child, sc_full = scenario.load(child), scenario.load(full_path)
    assert_same_scenario(sc_child, sc_full)
    assert sc_child.initiatives[2].delay != scenario.load(base).initiatives[2].delay
    assert sc_child.sources == (child, tmp_path / "base.toml")
    assert sc_full.sources == (full_path,)


def test_tables_merge_key_by_key(tmp_path, small_dict):
    _write(tmp_path / "base.toml", dump_toml(small_dict))
    child = _write(
        tmp_path / "child.toml",
        """extends = "base.toml"
[scenario]
name = "Variant"
[regimes]
retention_share = 0.25
[areas.social]
target = 150e6
[defaults]
ramp = 2.0
[[initiatives]]
id = "osb-2"
cost = { investment = 1e6 }
""",
    )
    sc, base = scenario.load(child), scenario.load(tmp_path / "base.toml")
    assert sc.name == "Variant" and sc.horizon == base.horizon and sc.target == base.target
    assert sc.retention_share == 0.25 and sc.retention_years == base.retention_years
    assert sc.incentive_uplift == base.incentive_uplift
    social = {a.key: a for a in sc.areas}["social"]
    assert social.target == 150e6 and social.name == "Social"
    # [defaults] merged key by key: the new ramp applies to all, the other defaults stay
    assert all(i.ramp.is_fixed and i.ramp.p("value") == 2.0 for i in sc.initiatives)
    assert sc.initiatives[2].delay == base.initiatives[2].delay
    # an initiative's own key replaces the parent's value whole (the cost table is not merged)
    osb2 = sc.initiatives[1]
    assert osb2.investment == 1e6 and osb2.running == 0.0
    assert osb2.gain == base.initiatives[1].gain and osb2.key == "equal"
    assert [i.id for i in sc.initiatives] == [i.id for i in base.initiatives]


def test_new_initiatives_are_appended_and_removed_ones_dropped(tmp_path, small_dict):
    _write(tmp_path / "base.toml", dump_toml(small_dict))
    child = _write(
        tmp_path / "child.toml",
        """extends = "base.toml"
remove_initiatives = ["osb-2"]
[[initiatives]]
id = "new"
name = "New initiative"
area = "social"
gain = 5e6
start = 2014
""",
    )
    sc = scenario.load(child)
    assert [i.id for i in sc.initiatives] == ["osb-1", "fmk", "new"]
    # removed and given again: replaced whole, in its place, without the parent's keys
    again = _write(
        tmp_path / "again.toml",
        """extends = "base.toml"
remove_initiatives = ["osb-1"]
[[initiatives]]
id = "osb-1"
name = "Selvbetjening 1, new"
area = "borgerservice"
gain = 10e6
start = 2013
""",
    )
    sc = scenario.load(again)
    assert [i.id for i in sc.initiatives] == ["osb-1", "osb-2", "fmk"]
    o = sc.initiatives[0]
    assert o.gain == 10e6 and not o.channel_shift and o.legislation_probability == 0.0 and o.investment == 0.0


def test_remove_errors(tmp_path, small_dict):
    _write(tmp_path / "base.toml", dump_toml(small_dict))
    typo = _write(tmp_path / "typo.toml", 'extends = "base.toml"\nremove_initiatives = ["osb-3"]\n')
    with pytest.raises(ConfigError) as e:
        scenario.load(typo)
    assert str(e.value) == (
        f"{typo}: remove_initiatives: no initiative 'osb-3' in the scenario it extends; did you mean 'osb-2'?"
    )
    alone = copy.deepcopy(small_dict)
    alone["remove_initiatives"] = ["fmk"]
    p = _write(tmp_path / "alone.toml", dump_toml(alone))
    with pytest.raises(ConfigError, match="only allowed in a file that extends another"):
        scenario.load(p)
    bad = _write(tmp_path / "bad.toml", 'extends = "base.toml"\nremove_initiatives = "fmk"\n')
    with pytest.raises(ConfigError, match="must be a list of initiative ids"):
        scenario.load(bad)


def test_chain_and_its_sha256(tmp_path, small_dict):
    c = _write(tmp_path / "c.toml", dump_toml(small_dict))
    b = _write(tmp_path / "sub" / "b.toml", 'extends = "../c.toml"\n[regimes]\nretention_years = 2\n')
    a = _write(tmp_path / "sub" / "deeper" / "a.toml", 'extends = "../b.toml"\n[regimes]\nretention_share = 0.3\n')
    sc = scenario.load(a)
    assert sc.retention_share == 0.3 and sc.retention_years == 2.0
    assert sc.incentive_uplift == scenario.load(c).incentive_uplift
    via_b = a.parent / "../b.toml"  # as written, relative to each extending file (not normalised)
    assert sc.sources == (a, via_b, via_b.parent / "../c.toml")
    digests = b"".join(hashlib.sha256(p.read_bytes()).digest() for p in (a, b, c))
    assert sc.sha256 == hashlib.sha256(digests).hexdigest()
    # a single file's sha256 is the sha256 of its bytes, as before
    assert scenario.load(c).sha256 == hashlib.sha256(c.read_bytes()).hexdigest()
    # the recorded sha256 covers the whole chain: editing the root changes it
    c.write_text(c.read_text() + "\n# edited\n", encoding="utf-8")
    assert scenario.load(a).sha256 != sc.sha256


@pytest.mark.parametrize(
    "files",
    [
        {"a.toml": 'extends = "a.toml"\n'},
        {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "c.toml"\n', "c.toml": 'extends = "./a.toml"\n'},
    ],
)
def test_cycles_are_a_clear_error(tmp_path, files):
    for name, text in files.items():
        _write(tmp_path / name, text)
    with pytest.raises(ConfigError) as e:
        scenario.load(tmp_path / "a.toml")
    msg = str(e.value)
    assert len(e.value.problems) == 1 and "makes a cycle" in msg
    last = list(files)[-1]
    assert msg.startswith(f"{tmp_path / last}: extends:")


def test_errors_name_the_file_that_set_the_key(tmp_path, small_dict):
    parent = copy.deepcopy(small_dict)
    parent["regimes"]["retention_share"] = 1.5  # bad, in the parent
    parent["initiatives"][2]["delay"] = {"dist": "pert", "min": 2, "mode": 1, "max": 3}  # bad, in the parent
    base = _write(tmp_path / "base.toml", dump_toml(parent))
    child = _write(
        tmp_path / "child.toml",
        """extends = "base.toml"
[scenario]
horizon = 1800
[[initiatives]]
id = "osb-1"
ramp = { dist = "uniform", min = 3, max = 1 }
""",
    )
    with pytest.raises(ConfigError) as e:
        scenario.load(child)
    lines = e.value.problems
    assert f"{child}: scenario.horizon: must be in [1900, 2200], got 1800" in lines
    assert any(x.startswith(f"{child}: initiatives[0] (osb-1).ramp:") for x in lines), lines
    assert any(x.startswith(f"{base}: regimes.retention_share:") for x in lines), lines
    assert any(x.startswith(f"{base}: initiatives[2] (fmk).delay:") for x in lines), lines
    # the child can fix what is wrong in the parent
    fixed = _write(
        tmp_path / "fixed.toml",
        'extends = "base.toml"\n[regimes]\nretention_share = 0.5\n[[initiatives]]\nid = "fmk"\ndelay = 1.0\n',
    )
    assert scenario.load(fixed).retention_share == 0.5


def test_structural_errors(tmp_path, small_dict):
    _write(tmp_path / "base.toml", dump_toml(small_dict))
    cases = {
        'extends = "missing.toml"\n': "extends: no such file 'missing.toml'",
        "extends = 3\n": "extends: must be the path of a scenario file",
        'extends = ""\n': "extends: must be the path of a scenario file",
        'extends = "."\n': "extends: '.' is not a scenario file",
        'extends = "base.toml"\n[[initiatives]]\nname = "no id"\n': "initiatives[0].id: required in a file that extends",
        'extends = "base.toml"\n[[initiatives]]\nid = "x"\n[[initiatives]]\nid = "x"\n': "duplicate id 'x'",
        'extends = "base.toml"\ninitiatives = 3\n': "initiatives: must be a list",
    }
    for k, (text, want) in enumerate(cases.items()):
        p = _write(tmp_path / f"c{k}.toml", text)
        with pytest.raises(ConfigError) as e:
            scenario.load(p)
        assert any(line.startswith(f"{p}: ") and want in line for line in e.value.problems), (text, e.value.problems)


def test_unknown_keys_in_a_child_and_from_dict(tmp_path, small_dict):
    _write(tmp_path / "base.toml", dump_toml(small_dict))
    p = _write(tmp_path / "c.toml", 'extends = "base.toml"\n[regimes]\nretention_shares = 0.2\n')
    with pytest.raises(
        ConfigError,
        match=r"c\.toml: regimes\.retention_shares: unknown key; did you mean "
        "'retention_share'",
    ):
        scenario.load(p)
    p = _write(tmp_path / "d.toml", 'extend = "base.toml"\n')
    with pytest.raises(ConfigError, match="did you mean 'extends'"):
        scenario.load(p)
    with pytest.raises(ConfigError, match="extends: is resolved when a scenario file is loaded"):
        scenario.from_dict({**small_dict, "extends": "x.toml"}, tmp_path / "x.toml")


def test_municipalities_csv_stays_relative_to_the_file_that_names_it(tmp_path, small_dict):
    csv = "code,name,region,population,elderly\n1,A,R,1000,100\n2,B,R,3000,900\n"
    _write(tmp_path / "base" / "data" / "m.csv", csv)
    data = copy.deepcopy(small_dict)
    data["scenario"]["municipalities"] = "data/m.csv"
    data["initiatives"][2]["key"] = "elderly"
    _write(tmp_path / "base" / "base.toml", dump_toml(data))
    child = _write(tmp_path / "variants" / "v.toml", 'extends = "../base/base.toml"\n[regimes]\nretention_years = 1\n')
    sc = scenario.load(child)
    assert list(sc.municipalities.codes) == [1, 2] and sc.initiatives[2].key == "elderly"


def test_cli_validate_and_run(tmp_path, small_dict, capsys):
    _write(tmp_path / "base.toml", dump_toml(small_dict))
    child = _write(tmp_path / "child.toml", 'extends = "base.toml"\n[[initiatives]]\nid = "fmk"\ndelay = 2.0\n')
    assert main(["validate", str(child)]) == 0
    assert f"bygger på {tmp_path / 'base.toml'}" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["run", str(child), "--draws", "300", "--out", str(out), "--quiet", "--no-report"]) == 0
    import json

    m = json.loads((out / "run.json").read_text())
    assert m["scenario_sha256"] == scenario.load(child).sha256
    missing = _write(tmp_path / "m.toml", 'extends = "nope.toml"\n')
    assert main(["validate", str(missing), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {missing}: extends: no such file 'nope.toml'")


def test_shipped_scenarios_are_unaffected():
    for name in ("2015.toml", "2020.toml", "2030.toml"):
        p = ROOT / "scenarios" / name
        if p.exists():
            sc = scenario.load(p)
            assert sc.sources == (p,) and sc.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()


def test_a_removed_initiative_still_named_in_the_parents_correlations(tmp_path, small_dict):
    base = copy.deepcopy(small_dict)
    base["correlations"] = [{"a": "osb-1.delay", "b": "fmk.delay", "rho": 0.5}]
    parent = _write(tmp_path / "base.toml", dump_toml(base))
    child = _write(tmp_path / "child.toml", 'extends = "base.toml"\nremove_initiatives = ["fmk"]\n')
    with pytest.raises(ConfigError) as e:
        scenario.load(child)
    assert [x.split(": ")[:2] for x in e.value.problems] == [[str(parent), "correlations[0].b"]]
    # the child replaces the parent's [[correlations]] list whole
    fixed = _write(
        tmp_path / "fixed.toml",
        'extends = "child.toml"\n[[correlations]]\na = "osb-1.delay"\nb = "osb-2.adoption"\nrho = 0.3\n',
    )
    assert scenario.load(fixed).correlations == (("osb-1.delay", "osb-2.adoption", 0.3),)
