"""Every budget regime declared in simengine.model.structure.REGIME_DECLS reaches the run's outputs: the
Dataset's ``regime`` coordinate and per-regime variables, the pairwise differences, the negotiation
deal's differences, summary.parquet, the report's regime section and negotiation table, and the
workbook's regimes sheet, with its declared label; the regime slices the declaration fixes (the
target, the gross gain, 0) are exactly that in every kept draw."""

from __future__ import annotations

import numpy as np
import openpyxl
import polars as pl
import pytest

from simengine.cli.runner import run_scenario
from simengine.model.structure import REGIME_DECLS, REGIME_DIFFERENCES, REGIME_RULES, REGIME_VARS, REGIMES
from simengine.outputs.labels import Labels
from simengine.scenario import schema as scenario
from tests.conftest import DATA


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("regimes")
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=800)
    ds, _ = run_scenario(sc, d, lang="en")
    return ds, d


def test_every_declared_regime_is_in_the_dataset(out):
    ds, _ = out
    assert [str(r) for r in ds["regime"].values] == list(REGIMES)
    pairs = [f"{b}-{a}" for i, a in enumerate(REGIMES) for b in REGIMES[i + 1 :]]
    assert [str(p) for p in ds["regime_pair"].values] == pairs
    for v in REGIME_VARS:
        assert ds[f"{v}_mean"].sizes["regime"] == len(REGIMES)
        assert ds[v].sizes["regime"] == len(REGIMES)
    for v in REGIME_DIFFERENCES:
        assert ds[f"{v}_difference_mean"].sizes["regime_pair"] == len(pairs)
    assert [str(p) for p in ds["delivery_pair"].values] == [f"delivery-{r}" for r in REGIMES]
    rule = {"target": ds["target"].values, "benefit": ds["benefit"].values, "zero": 0.0}
    for (v, r), kind in REGIME_RULES.items():
        np.testing.assert_array_equal(ds[v].sel(regime=r).values, np.broadcast_to(rule[kind], ds["benefit"].shape))


def test_every_declared_regime_is_in_the_summary_report_and_workbook(out):
    ds, d = out
    df = pl.read_parquet(d / "summary.parquet")
    for v in REGIME_VARS:
        assert set(df.filter(pl.col("metric") == v)["regime"].unique()) == set(REGIMES)
    html = (d / "report.html").read_text(encoding="utf-8")
    sec = html[html.index('id="negotiation"') :]
    L = Labels("en")
    for r in REGIME_DECLS:
        assert f"<dt>{r.label[1]}</dt>" in html  # the regime section's description list
        assert L.regime(r.key) in sec  # the negotiation section's deals table
        assert L("delivery_minus", regime=r.label[1].lower()) in sec
    wb = openpyxl.load_workbook(d / "summary.xlsx")
    rows = list(wb[L("sheet_regimes")].iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == set(REGIMES)
    assert {row[1] for row in rows[1:]} == {r.label[1] for r in REGIME_DECLS}
