"""Staff freed per krone invested and retention against realised (simengine.analysis.investment,
simengine.outputs.report.investment): against the results' own per-draw FTE and regime gains and a direct
sum of the investments; the report's numbers equal results.nc; no investment, no outputs."""

from __future__ import annotations

import copy

import numpy as np
import openpyxl
import pytest

from simengine.cli.runner import run_scenario
from simengine.model.plan import INITIATIVE_VARS, N_NATIONAL
from simengine.outputs.labels import Labels
from simengine.scenario import schema as scenario
from tests.conftest import TaggedNumbers

DRAWS = 3000
LEVELS = (0.1, 0.5, 0.9)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from simengine.outputs.store import open_results
    from tests.conftest import DATA

    out = tmp_path_factory.mktemp("inv")
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=DRAWS)
    run_scenario(sc, out, threads=2, quiet=True)
    return out, open_results(out / "results.nc")  # the derived variables (fte) put back (simengine.outputs.store)


def test_values_against_the_per_draw_results(run):
    _, ds = run
    cpf = 450_000.0
    fte = {"realised": ds["fte"].values, "retention": ds["regime_benefit"].sel(regime="retention").values / cpf}
    # small.toml: investments 20 and 10 mio., the first with a lognormal overrun, the second without
    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from tests.conftest import DATA

    raw = engine.run(compile_plan(scenario.load(DATA / "small.toml").with_run_options(draws=DRAWS)), threads=2)
    k = N_NATIONAL + INITIATIVE_VARS.index("overrun")
    inv = 20e6 * raw.inputs[:, k] + 10e6
    assert np.ptp(inv) > 0
    np.testing.assert_allclose(ds["investment_total_quantile"].values, np.quantile(inv, LEVELS), rtol=1e-12)
    for reg, x in fte.items():
        # the per-draw values come from results.nc, stored as float32 (relative rounding <= 2^-24)
        np.testing.assert_allclose(
            ds["fte_freed_quantile"].sel(fte_regime=reg).values, np.quantile(x, LEVELS, axis=0), rtol=2e-7, atol=1e-9
        )
        np.testing.assert_allclose(
            ds["fte_per_invested_quantile"].sel(fte_regime=reg).values,
            np.quantile(x / (inv[:, None] / 1e6), LEVELS, axis=0),
            rtol=2e-7,
            atol=1e-12,
        )
        np.testing.assert_allclose(
            ds["fte_per_invested_mean"].sel(fte_regime=reg).values, x.mean(axis=0) / (inv.mean() / 1e6), rtol=2e-7
        )
    d = fte["retention"] - fte["realised"]
    np.testing.assert_allclose(
        ds["fte_retention_gain_quantile"].values, np.quantile(d, LEVELS, axis=0), rtol=0, atol=1e-4
    )  # a difference of two float32-stored values: under 1e-4 FTE
    assert (d[:, -1] >= -1e-9).all()  # the incentive only lifts realisation: never fewer hands freed
    assert ds["fte_per_invested_quantile"].attrs["units"] == "FTE per mio. DKK"


def test_report_section_and_sheet(run):
    out, ds = run
    page = (out / "report.html").read_text(encoding="utf-8")
    i = page.find('<section id="investment">')
    assert i > page.find('<section id="assumptions">') > 0  # an appendix: the printed report stays short
    seg = page[i : page.find("</section>", i)]
    p = TaggedNumbers()
    p.feed(seg)
    assert len(p.nums) == 3 + 10 * len(ds["year"])  # the investment, then 10 numbers a year
    for n in p.nums:
        da = ds[n["data-var"]]
        sel = {}
        for key, val in n.items():
            dim = key[len("data-") :] if key.startswith("data-") else ""
            if dim in da.dims:
                sel[dim] = float(val) if da[dim].dtype.kind in "fi" else val
        assert float(n["data-value"]) == float(da.sel(**sel).values), n
    L = Labels("da")
    wb = openpyxl.load_workbook(out / "summary.xlsx")  # the run's own workbook, before the appendix
    assert wb.sheetnames.index(L("sheet_investment")) == wb.sheetnames.index(L("sheet_assumptions")) - 1
    rows = list(wb[L("sheet_investment")].iter_rows(values_only=True))
    head, body = list(rows[0]), [r for r in rows[1:] if isinstance(r[0], int)]
    k = head.index(f"{L('inv_col_per')} ({L('inv_realised')}) P50")
    np.testing.assert_allclose(
        [r[k] for r in body],
        ds["fte_per_invested_quantile"].sel(fte_regime="realised", invest_quantile=0.5).values,
        rtol=1e-12,
    )


def test_no_investment_no_outputs(small_dict, write_scenario):
    from simengine.cli import runner
    from simengine.outputs.report import investment as rinv
    from simengine.outputs.report.context import Context

    d = copy.deepcopy(small_dict)
    for ini in d["initiatives"]:
        ini.pop("cost", None)
    ds = runner.simulate(scenario.load(write_scenario(d)).with_run_options(draws=500), threads=2)
    assert not [v for v in ds.variables if str(v).startswith(("fte_freed", "fte_per", "investment_total"))]
    assert rinv.section(Context(ds, "en")) == ""
