"""Scenario files written before the model gained its [model] choices, shocks and dependencies
keep their meaning bit for bit.

tests/data/legacy/digests.json holds, for tests/data/small.toml and copies of the shipped
scenarios in their earlier form (tests/data/legacy/*.toml), the results digest
(simengine.analysis.results.results_digest) of a run at a fixed seed and draw count, recorded before
those choices existed (one per kind of processor: tests/digests.py), and the names of the variables
the Dataset had then. A run today must give the same digest over those variables (variables added since, such as ``potential``, are
new outputs and are left out of the comparison).
"""

from __future__ import annotations

import json

import pytest

from simengine.analysis.results import results_digest
from simengine.cli import runner
from simengine.scenario import schema as scenario
from tests import digests
from tests.conftest import DATA, ROOT

RECORD = json.loads((DATA / "legacy" / "digests.json").read_text())


@pytest.mark.parametrize("path", sorted(RECORD["scenarios"]))
def test_old_scenarios_give_the_same_results_bit_for_bit(path):
    rec = RECORD["scenarios"][path]
    sc = scenario.load(ROOT / path).with_run_options(draws=RECORD["draws"], seed=RECORD["seed"])
    ds = runner.simulate(sc, threads=2)
    missing = [v for v in rec["variables"] if v not in ds.variables]
    assert not missing, f"variables gone: {missing}"
    old = ds.drop_vars([v for v in ds.variables if v not in rec["variables"]])
    assert sorted(old.variables) == sorted(rec["variables"])
    digests.check(results_digest(old), rec["digests"], path)
