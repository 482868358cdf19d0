"""The model's structure is declared once (simengine.model.structure): the tables that list, number,
validate or label inputs, causes, regimes and national series derive from it, and the ones that
are a presentation choice (the workbook's columns, the priors table, the regime colours) cover it."""

from __future__ import annotations

from simengine.analysis import sensitivity as analysis
from simengine.model import structure


def test_the_waterfall_items_derive_from_the_declaration():
    from simengine.outputs import labels

    keys = [c.key for c in structure.CAUSES]
    assert [c[0] for c in analysis.CAUSES] == keys
    assert [c[0] for c in analysis.WATERFALL_ITEMS] == ["plan", *keys, "sampling"]
    assert list(labels.CAUSES) == ["plan", *keys, "sampling"]
    assert set(labels.CAUSE_LABELS) == set(labels.CAUSES)
    # every cause says which declared inputs it switches off, and its "off" is a scenario change
    names = {v.key for v in structure.INPUTS}
    for c in structure.CAUSES:
        assert set(c.inputs) <= names, c.key
        assert c.initiative or c.scenario, c.key
    assert tuple(analysis.FAST_CAUSES) == tuple(keys)  # the compiled evaluator covers the declared causes


def test_input_offsets_and_tables_derive_from_the_declaration():
    from simengine.model import plan as model
    from simengine.outputs import labels
    from simengine.scenario import schema as scenario

    assert model.INITIATIVE_VARS == structure.INITIATIVE_VARS == scenario.INITIATIVE_INPUTS
    assert scenario.DIST_DOMAINS == structure.DIST_DOMAINS
    assert set(labels.INPUT_KINDS) == {v.key for v in structure.INPUTS} - set(structure.EVENT_SIZES)
    for i in range(3):
        for k, key in enumerate(structure.INITIATIVE_VARS):
            assert structure.input_offset(i, key) == structure.N_NATIONAL + i * structure.N_VARS + k
    assert labels.REGIME_ORDER == model.REGIMES
    pos = model.national_series(4, 2)
    assert pos["area_benefit"] == slice(12, 20) and pos["npv"] == slice(36, 37)


def test_xlsx_columns_cover_every_declared_initiative_input():
    from simengine.scenario import xlsx as xlsx_scenario

    for v in structure.INITIATIVE_INPUTS:
        assert v.scenario_key in xlsx_scenario.INITIATIVE_COLUMNS, v.key
        assert v.scenario_key in xlsx_scenario.HELP_DA, v.key


def test_report_tables_cover_every_declared_input_and_regime():
    from simengine.outputs.report import assumptions, charts

    for v in structure.INITIATIVE_INPUTS:
        top = v.scenario_key.split(".")[0]
        assert top in assumptions.PRIOR_KEYS, v.key
    assert set(charts.REGIME_COLORS) == set(structure.REGIMES)
