"""The budget regimes are declared once (simengine.model.structure.REGIME_DECLS): each regime says,
for each per-regime variable, whether the kernel computes it (a national series of its own) or
what it equals in every draw; the national series, the kernel's codes and offsets, the stored
file's rules and the Monte Carlo intervals derive from that."""

from __future__ import annotations

import sys
import types

import pytest

from simengine.analysis import mcerror
from simengine.analysis.varspecs import SPECS
from simengine.model import structure
from simengine.model.structure import (
    NATIONAL_SERIES,
    OWN,
    REGIME_CODES,
    REGIME_DECLS,
    REGIME_DIFFERENCES,
    REGIME_RULES,
    REGIME_STREAMS,
    REGIME_VARS,
    REGIMES,
    national_series,
    series_at,
)
from simengine.outputs import labels, store


def test_each_regime_slice_is_a_series_of_its_own_or_a_rule():
    names = [n for n, _ in NATIONAL_SERIES]
    for r in REGIME_DECLS:
        for v in REGIME_VARS:
            own = (v, r.key) in REGIME_STREAMS
            assert own != ((v, r.key) in REGIME_RULES), (v, r.key)
            assert own == (r.series[v] == OWN)
            assert (f"{v}_{r.key}" in names) == own
            assert REGIME_CODES[REGIME_VARS.index(v)][REGIMES.index(r.key)] == (
                ("zero", "target", "benefit", OWN).index(r.series[v])
            )
    assert store.REGIME_RULES is REGIME_RULES and store.REGIME_VARS is REGIME_VARS


@pytest.mark.parametrize(("Y", "A"), [(1, 1), (7, 3), (36, 5)])
def test_series_at_gives_the_national_series_positions(Y, A):
    pos = national_series(Y, A)
    assert [n for n, _ in NATIONAL_SERIES] == list(pos)
    for name, sl in pos.items():
        a, b, c = series_at(name)
        assert a * Y + b * A * Y + c == sl.start


def test_the_regimes_labels_and_specs_follow_the_declaration():
    for r in REGIME_DECLS:
        for lang in ("da", "en"):
            L = labels.Labels(lang)
            assert L.regime(r.key) == r.label[lang == "en"]
            assert L(f"regime_{r.key}_desc") == r.desc[lang == "en"]
    split = {s.name for s in SPECS.values() if s.split == "regime_pair"}
    assert split == {f"{v}_difference_{s}" for v in REGIME_DIFFERENCES for s in ("quantile", "mean")}
    assert set(mcerror._REGIME_INTERVALS) == split | {"p_service_cut_above"}
    assert structure.CUT_REGIMES and all(REGIME_RULES.get(("service_cut", r)) is None for r in structure.CUT_REGIMES)


def test_a_malformed_regime_declaration_is_refused(monkeypatch):
    src = open(structure.__file__, encoding="utf-8").read()
    old = '{"central_gain": "benefit", "service_cut": "zero"'
    assert old in src
    mod = types.ModuleType("structure_bad")
    monkeypatch.setitem(sys.modules, "structure_bad", mod)
    with pytest.raises(ValueError, match="series must give each of"):
        exec(compile(src.replace(old, old.replace("benefit", "other")), "structure_bad", "exec"), mod.__dict__)
