"""An update's outputs say they are an updated forecast and agree with themselves: the negotiation
table reweighted from the kept draws (the committable amounts are the posterior quantiles the rest of
the report shows), what cannot be reweighted marked as the forecast before the update, ``ask``
weighted, and weighted probabilities of certain events exactly 0 or 1."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
OBS = DATA / "observations_small.toml"
ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "simengine", *map(str, args)], check=False, capture_output=True, text=True, env=ENV
    )


def wq(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Weighted quantile written out (the definition simengine.analysis.update documents): the sorted
    values at p_k = (W_k - w_k) / (1 - w_last), linear in between; draws of weight 0 left out."""
    keep = w > 0
    x, w = x[keep], w[keep] / w[keep].sum()
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    p = (np.cumsum(w) - w) / (1.0 - w[-1])
    p[-1] = 1.0
    return np.interp(q, p, x)


@pytest.fixture(scope="module")
def upd(tmp_path_factory):
    out = tmp_path_factory.mktemp("upd")
    r = _cli("update", DATA / "small.toml", OBS, "--known-by", "2015-01-01", "--draws", "1000", "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    from simengine.outputs.store import open_results  # with the variables derived on read (net_benefit)

    return out, open_results(out / "results.nc")


def test_negotiation_table_is_reweighted(upd):
    _out, ds = upd
    w = ds["weight"].values
    G = ds["benefit"].values
    c = ds["certainty"].values
    for y in range(ds.sizes["year"]):  # results.nc rounds the per-draw values
        np.testing.assert_allclose(ds["committable"].values[:, y], wq(G[:, y], w, 1 - c), rtol=1e-6, atol=1.0)
        np.testing.assert_allclose(
            ds["committable_net"].values[:, y], wq(ds["net_benefit"].values[:, y], w, 1 - c), rtol=1e-6, atol=1.0
        )
    # the 90 % amount is the posterior P10 the report's other tables show
    ti = int(np.argmax(ds["target"].values))
    np.testing.assert_allclose(
        ds["committable"].sel(certainty=0.9).values[ti], ds["benefit_quantile"].sel(quantile=0.1).values[ti], rtol=1e-9
    )
    D = ds["deduction_amount"].values
    x = ds["deduction_p_cut_above"].attrs["threshold"]
    for s in range(D.shape[0]):
        cut = np.maximum(0.0, D[s][None, :] - G)
        np.testing.assert_allclose(ds["deduction_p_cut_above"].values[s], w @ (cut > x), atol=1e-12)
        np.testing.assert_allclose(ds["deduction_service_cut_mean"].values[s], w @ cut, rtol=1e-6, atol=1.0)
    alpha = ds.attrs["cut_alpha"]
    np.testing.assert_allclose(
        ds["deduction_max_safe"].values, np.maximum(0.0, [wq(G[:, y], w, alpha) + x for y in range(G.shape[1])])
    )
    method = "weighted over the kept draws (importance weights)"
    reweighted = ds.attrs["reweighted"].split(", ")
    for v in ("committable", "committable_net", "area_committable", "reach_amount", "deduction_p_cut_above"):
        assert v in reweighted and ds[v].attrs["method"] == method and "weights" not in ds[v].attrs, v
        assert v not in [k.split(":")[0] for k in ds.attrs["not_reweighted"].split("; ")], v
    assert "delivery_central_gain_mean" in reweighted
    assert "municipality_committable" in ds.attrs["not_reweighted"]
    assert ds["municipality_committable"].attrs["weights"].startswith("prior: not reweighted")


def test_report_says_it_is_an_update(upd):
    out, ds = upd
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Opdateret prognose" in page and "kendt 2015-01-01" in page and "observations_small.toml" in page
    ess = f"{ds.attrs['ess']:,.0f}".replace(",", ".")
    assert f"Den effektive stikprøve er {ess} af 1.000 udfald" in page
    assert 'data-chart="update_inputs"' in page and (out / "charts" / "update_inputs.png").is_file()
    assert page.index('id="update"') < page.index('id="headline"')
    assert "Før opdateringen: dette afsnit" in page.split('id="municipalities"')[1][:400]
    # an update's amounts have no Monte Carlo interval: no caption promises one in brackets
    assert "committable_ci_low" not in ds and "i parentes" not in page
    sheet = (out / "negotiation.html").read_text(encoding="utf-8")
    assert "i parentes" not in sheet
    assert "Opdateret prognose: vægtet efter observationerne kendt 2015-01-01" in sheet
    # the workbook: Overblik's P10 of the target year is the Forhandling sheet's 90 % amount
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO((out / "summary.xlsx").read_bytes()))
    ov = {str(r[0]): r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert str(ov["Opdateret prognose"]).startswith("Opdateret prognose: vægtet")
    assert "Før opdateringen (ikke genvægtet)" in ov
    ti = int(np.argmax(ds["target"].values))
    ty = int(ds["year"].values[ti])
    p10 = next(v for k, v in ov.items() if k.startswith("P10") and k.endswith(str(ty)))
    neg = next(ws for ws in wb.worksheets if ws.title == "Forhandling")
    rows = [r for r in neg.iter_rows(values_only=True) if r[2] == ty and r[3] == 0.9]
    assert rows[0][4] == pytest.approx(p10, rel=1e-9)
    mun = [r for r in neg.iter_rows(values_only=True) if r[1] and str(r[1])[:3].isdigit()]
    assert mun and all("(før opdateringen)" in str(r[0]) for r in mun)
    # the sheets of the forecast before the update say so in their header row
    for title in ("Kommuner", "Følsomhed"):
        head = [c for c in next(wb[title].iter_rows(max_row=1, values_only=True)) if c is not None]
        assert head[-1] == "Før opdateringen (ikke genvægtet)", (title, head)
    head = [c for c in next(wb["År"].iter_rows(max_row=1, values_only=True)) if c is not None]
    assert "Før opdateringen (ikke genvægtet)" not in head  # the reweighted sheets are not marked


def test_a_plain_run_report_has_no_update_notice(tmp_path):
    r = _cli("run", DATA / "small.toml", "--draws", "400", "--out", tmp_path, "--quiet")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Opdateret prognose" not in page and "opdateringen" not in page
    assert "opdateringen" not in (tmp_path / "negotiation.html").read_text(encoding="utf-8")
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "summary.xlsx")
    assert not any(
        "opdateringen" in str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )


def test_ask_uses_the_update_weights(upd):
    out, ds = upd
    from simengine.cli.ask import ask, describe

    w = ds["weight"].values
    G = ds["benefit"].sel(year=2015).values
    a = ask(out / "results.nc", 2015, certainty=0.9)
    assert a["amount"] == pytest.approx(wq(G, w, 0.1), rel=1e-12)
    assert a["amount"] == pytest.approx(float(ds["committable"].sel(certainty=0.9, year=2015)), rel=1e-6)
    assert a["ci_low"] <= a["amount"] <= a["ci_high"]
    x = float(np.median(G))
    b = ask(out / "results.nc", 2015, at_least=x)
    assert b["probability"] == pytest.approx(float(w @ (G >= x)), abs=1e-12)
    assert abs(b["probability"] - float((G >= x).mean())) > 1e-6  # not the unweighted share
    ess = f"{ds.attrs['ess']:,.0f}"
    assert (
        "weighted by the update's importance weights" in b["method"] and f"effective sample size {ess}" in b["method"]
    )
    da = describe(b, "da")
    assert "vægtet med opdateringens vægte" in da and "præcist fra alle" not in da
    # municipalities have only the prior's histograms: answered before the update, and said so
    m = ask(out / "results.nc", 2015, scope="municipality:101", at_least=1e6)
    assert m["method"].startswith("before the update") and "før opdateringen" in describe(m, "da")


def test_weighted_probabilities_of_certain_events_are_exact():
    from simengine.analysis.update import wmean, wprob

    rng = np.random.default_rng(3)
    for _ in range(50):
        w = rng.random(997) ** 4
        w /= w.sum()
        if float(wmean(np.ones(997), w)) != 1.0:
            break
    assert float(wmean(np.ones(997), w)) != 1.0  # the rounding this guards against
    assert float(wprob(np.ones(997, dtype=bool), w)) == 1.0
    assert float(wprob(np.zeros(997, dtype=bool), w)) == 0.0
    B = np.arange(997) < 500
    assert float(wprob(B, w)) == pytest.approx(float(w @ B), abs=1e-15)
