"""Answers for the negotiation table (simengine.analysis.negotiate, simengine.cli.ask): committable amounts,
P(gain >= X) from a results file, the deduction analysis, deduction on delivery."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
import xarray as xr

from simengine.analysis.mcerror import rank_levels, wilson
from simengine.cli.main import main
from simengine.cli.runner import run_scenario
from simengine.scenario import schema as scenario
from tests.conftest import DATA, ROOT

DRAWS = 3000


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The small scenario, 3,000 draws, twice on the same draws: every draw kept (A) and only the
    first 1,000 kept per draw (B: national statistics from the streaming histograms)."""
    base = tmp_path_factory.mktemp("neg")
    sc = scenario.load(DATA / "small.toml").with_run_options(draws=DRAWS)
    ds_a, _ = run_scenario(sc, base / "a", report=False)
    ds_b, _ = run_scenario(dataclasses.replace(sc, keep_draws=1000), base / "b", report=False)
    return {"a": ds_a, "b": ds_b, "dir": base}


# -- committable amounts --------------------------------------------------------------------------
def test_committable_exact_equals_quantiles_of_the_draws(runs):
    ds = runs["a"]
    c = ds["certainty"].values
    assert list(c) == [0.5, 0.8, 0.9, 0.95]
    b = ds["benefit"].values
    assert np.array_equal(ds["committable"].values, np.quantile(b, 1 - c, axis=0))
    net = ds["net_benefit"].values
    assert np.array_equal(ds["committable_net"].values, np.quantile(net, 1 - c, axis=0))
    ab = ds["area_benefit"].values
    assert np.array_equal(ds["area_committable"].values, np.quantile(ab, 1 - c, axis=0))
    # interval: the order statistics of the ranks of Binomial(N, 1 - c)
    qlo, qhi = rank_levels(DRAWS, 1 - c)
    srt = np.sort(b, axis=0)
    for j in range(len(c)):
        assert np.allclose(ds["committable_ci_low"].values[j], np.quantile(b, qlo[j], axis=0))
        k = round(qhi[j] * (DRAWS - 1))
        assert np.allclose(ds["committable_ci_high"].values[j], srt[k])
    # the amount is reached with (about) the stated probability: direct count on the draws
    for j, cc in enumerate(c):
        share = (b >= ds["committable"].values[j]).mean(axis=0)
        assert np.all((np.abs(share - cc) <= 1.0 / DRAWS + 1e-12) | (ds["committable"].values[j] == 0))
    for v in ("committable", "area_committable", "municipality_committable", "committable_net"):
        assert ds[v].attrs["units"] == "DKK/year" and ds[v].attrs["long_name"]


def test_committable_from_histograms_matches_exact(runs):
    """Run B has the same draws as A but keeps only 1,000: its histogram-based amounts lie within
    the national histogram's resolution (0.1 % relative, plus interpolation inside one bin)."""
    a, b = runs["a"], runs["b"]
    assert b.attrs["draws_kept"] == 1000
    assert "histogram" in b["committable"].attrs["method"]
    c = a["certainty"].values
    r = (1 - c) * (DRAWS - 1)  # numpy's rank: the histogram value lies within one bin of the bracketing draws

    def bracket(vals, est):
        srt = np.sort(vals, axis=0)
        lo = srt[np.floor(r).astype(int)]
        hi = srt[np.ceil(r).astype(int)]
        return np.all((est >= lo * (1 - 1.1e-3) - 1.0) & (est <= hi * (1 + 1.1e-3) + 1.0))

    assert bracket(a["benefit"].values, b["committable"].values)
    assert bracket(a["area_benefit"].values, b["area_committable"].values)
    assert np.allclose(b["committable"].values, a["committable"].values, rtol=1e-2, atol=1.0)
    # municipality amounts are the same histogram quantiles in both runs
    assert np.array_equal(a["municipality_committable"].values, b["municipality_committable"].values)


def test_municipality_committable_is_the_histogram_quantile(runs):
    ds = runs["a"]
    for c, q in ((0.9, 0.1), (0.5, 0.5), (0.95, 0.05)):
        assert np.allclose(
            ds["municipality_committable"].sel(certainty=c).values, ds["municipality_benefit"].sel(quantile=q).values
        )


def test_committable_potential_when_the_dataset_has_it(runs):
    """A per-draw national potential (draw, year) gets its committable amounts too."""
    from simengine.analysis.negotiate import add_committable
    from simengine.core import engine
    from simengine.model.plan import compile_plan

    sc = scenario.load(DATA / "small.toml").with_run_options(draws=500)
    plan = compile_plan(sc)
    raw = engine.run(plan, threads=1)
    ds = xr.Dataset(
        coords={
            "year": plan.years,
            "draw": np.arange(500),
            "area": [a.key for a in sc.areas],
            "municipality": sc.municipalities.codes,
        }
    )
    ds["potential"] = (("draw", "year"), 2.0 * raw.benefit)
    ds["area_potential"] = (("draw", "area", "year"), 3.0 * raw.area_benefit)
    add_committable(ds, raw)
    assert np.allclose(ds["committable_potential"].values, 2.0 * ds["committable"].values)
    assert np.allclose(ds["area_committable_potential"].values, 3.0 * ds["area_committable"].values)
    assert ds["committable_potential_ci_low"].values.shape == ds["committable"].shape


def test_summary_rows(runs):
    t = pl.read_parquet(runs["dir"] / "a" / "summary.parquet")
    rows = t.filter((pl.col("metric") == "committable") & (pl.col("statistic") == "amount_at_certainty"))
    ds = runs["a"]
    assert len(rows) == ds["committable"].size
    r = rows.filter((pl.col("year") == 2015) & (pl.col("quantile").is_between(0.0999, 0.1001)))
    assert r["value"][0] == pytest.approx(float(ds["committable"].sel(certainty=0.9, year=2015)))
    assert len(t.filter(pl.col("metric") == "municipality_committable")) >= ds["municipality_committable"].size
    ded = t.filter((pl.col("metric") == "deduction_p_cut_above") & (pl.col("statistic") == "probability"))
    assert len(ded) == ds["deduction_p_cut_above"].size and ded["regime"][0].startswith("upfront:")


def test_certainty_and_deductions_settable(small_dict, write_scenario):
    d = small_dict
    d["outputs"] = {"certainty": [0.99, 0.6], "deductions": [0.5, 0.25], "cut_alpha": 0.2}
    sc = scenario.load(write_scenario(d))
    assert sc.certainty == (0.6, 0.99) and sc.deductions == (0.25, 0.5) and sc.cut_alpha == 0.2
    for bad in (
        {"certainty": [1.0]},
        {"certainty": []},
        {"deductions": [-0.1]},
        {"cut_alpha": 0.0},
        {"certainty": "0.9"},
    ):
        d["outputs"] = bad
        with pytest.raises(Exception) as ei:
            scenario.load(write_scenario(d))
        assert "outputs." in str(ei.value)


# -- ask ------------------------------------------------------------------------------------------
def _ask(capsys, path, *args):
    code = main(["ask", str(path), *args, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def test_ask_exact_equals_direct_counts(runs, capsys):
    ds = runs["a"]
    path = runs["dir"] / "a" / "results.nc"
    # ask reads the per-draw values results.nc stores: float32 (simengine.outputs.store), so count on those
    b = ds["benefit"].sel(year=2015).values.astype(np.float32).astype(float)
    for x in (50e6, float(np.median(b)), 1e12, 0.0):
        code, ans, _ = _ask(capsys, path, "--year", "2015", "--at-least", repr(x))
        assert code == 0
        k = int((b >= x).sum())
        assert ans["probability"] == k / DRAWS
        lo, hi = wilson(np.array([k]), DRAWS)
        assert ans["ci_low"] == pytest.approx(lo[0]) and ans["ci_high"] == pytest.approx(hi[0])
        assert ans["method"].startswith("exact")
    code, ans, _ = _ask(capsys, path, "--year", "2015", "--certainty", "0.8")
    assert ans["amount"] == pytest.approx(np.quantile(b, 0.2), rel=1e-12)
    assert ans["ci_low"] <= ans["amount"] <= ans["ci_high"]
    assert ans["amount"] == pytest.approx(float(ds["committable"].sel(certainty=0.8, year=2015)))
    ab = ds["area_benefit"].sel(area="social", year=2016).values.astype(np.float32).astype(float)
    code, ans, _ = _ask(capsys, path, "--year", "2016", "--scope", "area:social", "--at-least", "20e6")
    assert ans["probability"] == (ab >= 20e6).mean()
    f32 = lambda v: v.astype(np.float32).astype(float)  # noqa: E731 - net gain: from the stored benefit and cost
    net = f32(ds["benefit"].sel(year=2016).values) - f32(ds["cost"].sel(year=2016).values)
    code, ans, _ = _ask(capsys, path, "--year", "2016", "--quantity", "net", "--certainty", "0.9")
    assert ans["amount"] == pytest.approx(np.quantile(net, 0.1), rel=1e-12)


def test_ask_histogram_within_its_stated_error(runs, capsys):
    """Run B (1,000 of 3,000 draws kept) answers from the histograms; run A's exact counts on the same
    draws lie inside B's interval, and B's estimate is within the bin holding X."""
    a = runs["a"]
    path = runs["dir"] / "b" / "results.nc"
    for year, x in ((2014, 80e6), (2015, 120e6), (2016, 150e6)):
        b = a["benefit"].sel(year=year).values
        code, ans, _ = _ask(capsys, path, "--year", str(year), "--at-least", repr(x))
        assert code == 0 and "histogram" in ans["method"]
        exact = (b >= x).mean()
        assert ans["ci_low"] <= exact <= ans["ci_high"]
        assert abs(ans["probability"] - exact) <= 2.0 / DRAWS
        code, ans, _ = _ask(capsys, path, "--year", str(year), "--certainty", "0.9")
        ex = np.quantile(b, 0.1)
        assert ans["amount"] == pytest.approx(ex, rel=2.5e-3)
        assert ans["ci_low"] <= ex <= ans["ci_high"]


def test_ask_municipality_and_initiative_against_reference(runs, capsys):
    """Municipality and initiative answers (always from histograms) against direct counts on the
    numpy reference model's per-draw values of the same draws."""
    from simengine.model.plan import compile_plan
    from simengine.testing import simulate_reference_chunked

    sc = scenario.load(DATA / "small.toml").with_run_options(draws=DRAWS)
    plan = compile_plan(sc)
    ref = simulate_reference_chunked(plan, DRAWS, chunk=500, keep_cells=True)
    codes = list(sc.municipalities.codes)
    path = runs["dir"] / "b" / "results.nc"
    y = 2016 - sc.start_year
    for code in (101, 851, 825):
        col = ref["municipality"][:, y, codes.index(code)]
        x = float(np.median(col))
        c, ans, _ = _ask(capsys, path, "--year", "2016", "--scope", f"municipality:{code}", "--at-least", repr(x))
        assert c == 0
        assert abs(ans["probability"] - (col >= x).mean()) <= 3.0 / DRAWS
        c, ans, _ = _ask(capsys, path, "--year", "2016", "--scope", f"municipality:{code}", "--certainty", "0.9")
        assert ans["amount"] == pytest.approx(np.quantile(col, 0.1), rel=6e-3)
        assert ans["amount"] == pytest.approx(
            float(runs["b"]["municipality_committable"].sel(certainty=0.9, municipality=code, year=2016)), rel=1e-9
        )
    ini = ref["initiative"][:, 0, y]
    c, ans, _ = _ask(
        capsys, path, "--year", "2016", "--scope", f"initiative:{sc.initiatives[0].id}", "--certainty", "0.5"
    )
    assert ans["amount"] == pytest.approx(np.quantile(ini, 0.5), rel=6e-3)


def test_ask_text_line_and_subprocess(runs):
    path = runs["dir"] / "a" / "results.nc"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    p = subprocess.run(
        [sys.executable, "-m", "simengine", "ask", str(path), "--year", "2015", "--certainty", "0.9"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.strip().splitlines()) == 1 and "95 % MC-interval" in p.stdout  # Danish by default
    assert "sandsynlighed" in p.stdout and " træk " in p.stdout and "trækning" not in p.stdout
    assert "draws" not in p.stdout
    p = subprocess.run(
        [sys.executable, "-m", "simengine", "ask", str(path), "--year", "2015", "--certainty", "0.9", "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert len(p.stdout.strip().splitlines()) == 1 and "95 % MC interval" in p.stdout
    p = subprocess.run(
        [sys.executable, "-m", "simengine", "ask", str(path), "--year", "2015", "--at-least", "1e8", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert set(json.loads(p.stdout)) == {"probability", "ci_low", "ci_high", "method"}


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--year", "2030", "--certainty", "0.9"], "--year"),
        (["--year", "2015", "--certainty", "1.0"], "--certainty"),
        (["--year", "2015", "--certainty", "0"], "--certainty"),
        (["--year", "2015", "--at-least", "1e8", "--scope", "area:nowhere"], "område 'nowhere'"),
        (["--year", "2015", "--at-least", "1e8", "--scope", "municipality:9999"], "9999"),
        (["--year", "2015", "--at-least", "1e8", "--scope", "initiative:nope"], "initiativ 'nope'"),
        (["--year", "2015", "--at-least", "1e8", "--scope", "county:1"], "--scope"),
        (["--year", "2015", "--at-least", "1e8", "--quantity", "net", "--scope", "municipality:101"], "net"),
    ],
)
def test_ask_bad_input_exits_2_with_one_line(runs, capsys, args, needle):
    code = main(["ask", str(runs["dir"] / "a" / "results.nc"), *args])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


@pytest.mark.parametrize(
    "args, da, en",
    [
        (["--year", "2030", "--certainty", "0.9"], "dækker 2011..2016, men er 2030", "covers 2011..2016, got 2030"),
        (["--year", "2015", "--certainty", "1.5"], "strengt mellem 0 og 1 (fx 0.9 for 90 %), men er 1,5", "got 1.5"),
        (["--year", "2015", "--at-least", "1", "--scope", "area:nope"], "har intet område 'nope'; kendte:", "no area"),
        (
            ["--year", "2015", "--at-least", "1e8", "--scope", "municipality:9999"],
            "har ingen kommune med kode 9999",
            "has no municipality with code 9999",
        ),
        (
            ["--year", "2015", "--at-least", "1e8", "--scope", "county:1"],
            "skal være national, area:<id>",
            "must be national, area:<id>",
        ),
        (
            ["--year", "2015", "--at-least", "1e8", "--quantity", "net", "--scope", "municipality:101"],
            "net findes ikke pr. municipality",
            "net is not available per municipality",
        ),
    ],
)
def test_ask_input_errors_in_the_terminals_language(runs, capsys, args, da, en):
    path = str(runs["dir"] / "a" / "results.nc")
    assert main(["ask", path, *args]) == 2
    assert da in capsys.readouterr().err
    assert main(["ask", path, *args, "--lang", "en"]) == 2
    assert en in capsys.readouterr().err


def test_ask_line_threshold_never_0_and_negative_intervals_unambiguous():
    from simengine.cli.ask import describe

    facts = {"source": "exact", "draws": 3000, "interval": "wilson"}
    p = {"probability": 0.5, "ci_low": 0.48, "ci_high": 0.52, "x": 1.0, "year": 2011, "scope": "national"}
    p.update(quantity="realised", facts=facts, method="exact")
    assert "P(realiseret gevinst ≥ 1 kr. i 2011, på landsplan)" in describe(p, "da")
    assert "P(gain >= 1 DKK in 2011" in describe(p, "en")
    assert "≥ 1,2 mio. kr. i" in describe({**p, "x": 1.2e6}, "da") and "≥ 0,1 mio. kr." in describe(
        {**p, "x": 5e4}, "da"
    )
    a = {"amount": -150e6, "ci_low": -155.4e6, "ci_high": -139.3e6, "certainty": 0.9, "year": 2011}
    a.update(scope="national", quantity="net", facts={**facts, "interval": "ranks"}, method="exact")
    assert "(95 % MC-interval −155,4 til −139,3)" in describe(a, "da") and "træk (gemt pr. træk)" in describe(a, "da")
    assert "(95 % MC interval −155.4 to −139.3)" in describe(a, "en")


def test_ask_wrong_and_older_files(runs, tmp_path, capsys):
    bad = tmp_path / "not.nc"
    bad.write_text("hello")
    assert main(["ask", str(bad), "--year", "2015", "--certainty", "0.9"]) == 2
    assert main(["ask", str(tmp_path / "missing.nc"), "--year", "2015", "--certainty", "0.9"]) == 2
    # an older results file: no stored distributions; all draws kept, so national questions still work
    ds = runs["a"].drop_vars(
        [
            v
            for v in runs["a"].data_vars
            if str(v).startswith(("dist_", "committable", "deduction", "delivery", "potential", "area_potential"))
        ]
    )
    old = tmp_path / "old.nc"
    ds.to_netcdf(old, engine="h5netcdf")
    capsys.readouterr()
    code, ans, _ = _ask(capsys, old, "--year", "2015", "--at-least", "1e8")
    assert code == 0 and ans["probability"] == (runs["a"]["benefit"].sel(year=2015).values >= 1e8).mean()
    code = main(["ask", str(old), "--year", "2015", "--at-least", "1e6", "--scope", "municipality:101"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "ældre simengine" in err
    # results without the potential gain (written before it existed): one line naming it
    code = main(["ask", str(old), "--year", "2015", "--at-least", "1e8", "--quantity", "potential"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "potential" in err


def test_ask_potential_equals_a_direct_count(runs, capsys):
    """Results that have the potential gain answer for it exactly from the kept draws."""
    assert "potential" in runs["a"]
    code, ans, _ = _ask(
        capsys, runs["dir"] / "a" / "results.nc", "--year", "2015", "--at-least", "1e8", "--quantity", "potential"
    )
    assert code == 0 and ans["probability"] == (runs["a"]["potential"].sel(year=2015).values >= 1e8).mean()


# -- deduction analysis ---------------------------------------------------------------------------
def test_deduction_grid_equals_direct_counts(runs):
    ds = runs["a"]
    b = ds["benefit"].values  # (N, Y)
    x = float(ds.attrs["cut_threshold"])
    alpha = float(ds.attrs["cut_alpha"])
    shares = ds["deduction"].values
    assert np.allclose(shares, np.arange(11) / 10)
    target = ds["target"].values
    for k, s in enumerate(shares):
        D = s * target
        cut = np.maximum(0.0, D[None, :] - b)
        assert np.array_equal(ds["deduction_p_cut_above"].values[k], (cut > x).mean(axis=0))
        assert np.allclose(ds["deduction_service_cut_mean"].values[k], cut.mean(axis=0))
        assert np.allclose(ds["deduction_central_gain_mean"].values[k], D)
        assert np.allclose(ds["deduction_local_gain_mean"].values[k], np.maximum(0.0, b - D).mean(axis=0), atol=1e-3)
        lo, hi = ds["deduction_p_cut_above_ci_low"].values[k], ds["deduction_p_cut_above_ci_high"].values[k]
        assert np.all(
            (lo <= ds["deduction_p_cut_above"].values[k] + 1e-12)
            & (ds["deduction_p_cut_above"].values[k] <= hi + 1e-12)
        )
    # share 1 of the target nets nationally: never more than prebudgeted's municipality-by-municipality cut
    pre = ds["service_cut"].sel(regime="prebudgeted").values
    assert np.all(np.maximum(0.0, target[None, :] - b) <= pre + 1e-6)
    # the largest safe deduction: P(cut > X) <= alpha there (direct count), and more would break it
    safe = ds["deduction_max_safe"].values
    for y in range(len(target)):
        p_at = (np.maximum(0.0, safe[y] - b[:, y]) > x).mean()
        assert p_at <= alpha + 1.0 / DRAWS
        p_more = (np.maximum(0.0, safe[y] * 1.02 + 1e6 - b[:, y]) > x).mean()
        assert p_more > alpha - 1.0 / DRAWS
        ok = ds["deduction_p_cut_above"].values[:, y] <= alpha
        assert ds["deduction_max_safe_share"].values[y] == shares[ok].max()


def test_deduction_grid_from_histograms(runs):
    """Run B (same draws, 1,000 kept): P(cut > X) within the histogram's bin and the mean cut close."""
    a, b = runs["a"], runs["b"]
    assert np.allclose(b["deduction_p_cut_above"].values, a["deduction_p_cut_above"].values, atol=3.0 / DRAWS)
    assert np.allclose(
        b["deduction_service_cut_mean"].values, a["deduction_service_cut_mean"].values, rtol=2e-3, atol=2e4
    )


# -- deduction on delivery: a hand-worked scenario -------------------------------------------------
CLOSED = """
[scenario]
name = "delivery closed form"
start_year = 2011
horizon = 2016
target = 160e6
target_start_year = 2012
target_year = 2014

[simulation]
draws = 64
seed = 3

[national]
assumed_weak_share = 0.1
weak_share = 0.1
economic_pressure = 0

[municipal]
capacity_spread = 0
local_spread = 0
size_penalty = 0

[areas.a]
target = 160e6

[[initiatives]]
id = "one"
name = "One"
area = "a"
gain = 100e6
start = 2012
ramp = 2
realisation = 0.5

[[initiatives]]
id = "two"
name = "Two"
area = "a"
gain = 60e6
start = 2013
delay = 0.5
ramp = 1
realisation = 1
"""


def test_delivery_closed_form(tmp_path):
    """Initiative one goes live 1 Jan 2012 (ramp 2 years, half realised), two on 1 Jul 2013 (ramp 1 year).
    Gains (mid-year adoption): one 0, 12.5, 37.5, 50, 50, 50; two 0, 0, 0, 60, 60, 60 (mio.). Deducted on
    delivery: one 100 from 2012; two half a year (30) in 2013, then 60. Service cut = deducted - gain."""
    from simengine.analysis.negotiate import add_negotiation, delivery_per_draw
    from simengine.analysis.results import build_dataset
    from simengine.core import engine
    from simengine.model.plan import compile_plan

    p = tmp_path / "closed.toml"
    p.write_text(CLOSED)
    plan = compile_plan(scenario.load(p))
    raw = engine.run(plan, threads=1)
    gain = np.array([0, 12.5, 37.5, 110, 110, 110]) * 1e6
    assert np.allclose(raw.benefit, gain[None, :], rtol=1e-12, atol=1e-3)
    deducted = np.array([0, 100, 130, 160, 160, 160]) * 1e6
    cut = np.array([0, 87.5, 92.5, 50, 50, 50]) * 1e6
    cen, c = delivery_per_draw(raw)
    assert np.allclose(cen, deducted[None, :]) and np.allclose(c, cut[None, :], atol=1e-3)
    ds = add_negotiation(build_dataset(raw), raw)
    assert np.allclose(ds["delivery_central_gain_mean"].values, deducted)
    assert np.allclose(ds["delivery_service_cut_mean"].values, cut, atol=1e-3)
    assert np.array_equal(ds["delivery_p_cut_above"].values, (cut > 100e6).astype(float))
    # paired: delivery minus realised (central = the gain) is deducted - gain; minus prebudgeted (the target)
    pairs = list(ds["delivery_pair"].values)
    assert np.allclose(
        ds["delivery_central_gain_difference_mean"].values[pairs.index("delivery-realised")], deducted - gain, atol=1e-3
    )
    target = np.array([0, 160 / 3, 320 / 3, 160, 160, 160]) * 1e6
    assert np.allclose(
        ds["delivery_central_gain_difference_mean"].values[pairs.index("delivery-prebudgeted")],
        deducted - target,
        atol=1e-3,
    )
    pre_cut = np.maximum(0.0, target - gain)  # every municipality the same share: Σ_m equals the national cut
    assert np.allclose(
        ds["delivery_service_cut_difference_mean"].values[pairs.index("delivery-prebudgeted")],
        cut - pre_cut,
        rtol=1e-9,
        atol=1.0,
    )


def test_delivery_paired_differences_are_per_draw_differences(runs):
    from simengine.analysis.negotiate import add_delivery, delivery_per_draw
    from simengine.core import engine
    from simengine.model.plan import compile_plan

    sc = scenario.load(DATA / "small.toml").with_run_options(draws=800)
    raw = engine.run(compile_plan(sc), threads=1)
    ds = xr.Dataset(coords={"year": raw.plan.years, "quantile": [0.1, 0.5, 0.9]})
    add_delivery(ds, raw)
    cen, cut = delivery_per_draw(raw)
    assert len(cen) == 800
    for var, per in (("central_gain", cen), ("service_cut", cut)):
        for r_i, r in enumerate(("prebudgeted", "realised", "retention")):
            diff = per - getattr(raw, var)[:, r_i]
            da = ds[f"delivery_{var}_difference_mean"].sel(delivery_pair=f"delivery-{r}")
            assert np.allclose(da.values, diff.mean(axis=0))
            dq = ds[f"delivery_{var}_difference_quantile"].sel(delivery_pair=f"delivery-{r}")
            assert np.allclose(dq.values, np.quantile(diff, [0.1, 0.5, 0.9], axis=0))
    # go-live times from the inputs agree with the kernel's go-live histogram (monthly bins)
    from simengine.analysis.negotiate import golive_times

    g = golive_times(raw.plan, raw.inputs)
    counts = np.zeros_like(raw.acc.golive_hist)
    for i in range(g.shape[1]):
        k = np.clip(np.floor((g[:, i] - sc.start_year) * 12).astype(int), 0, counts.shape[1] - 1)
        np.add.at(counts[i], k, 1)
    assert np.array_equal(counts, raw.acc.golive_hist)


# -- headline, who controls what ------------------------------------------------------------------
def test_terminal_headline(runs):
    from simengine.analysis.negotiate import NEGLIGIBLE, control_split, out_of_reach
    from simengine.outputs.terminal import control_text, format_table, headline_text

    ds = runs["a"]
    text = headline_text(ds)
    assert text.startswith("Committable") and "90% sure" in text and "Realised share of the promise" in text
    assert out_of_reach(ds) and "out of reach" in text  # P(target) is 0 in every year of the small scenario
    b = ds["benefit"].values
    assert np.allclose(ds["reach_amount"].values, np.quantile(b, 1 - NEGLIGIBLE, axis=0))
    for lang in ("da", "en"):  # P(target) is "–" where the target is 0, in the table and its ± table
        table = format_table(ds, lang=lang)
        rows = [line for line in table.splitlines() if line.strip().startswith("2011")]
        assert len(rows) == 2 and all(r.split()[-2 if r is rows[0] else -1] == "–" for r in rows), rows
        assert "100" not in rows[0]
    # who controls what: the groups add up with plan and sampling to the waterfall's total change
    s = control_split(ds)
    total = s["municipal"][0] + s["outside"][0] + s["plan"][0] + s["sampling"][0]
    assert total == pytest.approx(s["end"] - s["start"], rel=1e-9, abs=1.0)
    # the part of "outside" that the municipalities' common organisations had a hand in: estimates + delay
    keys = [str(k) for k in ds["cause"].values]
    wf = ds["waterfall"].values
    assert s["shared"][0] == pytest.approx(wf[keys.index("estimates")] + wf[keys.index("delay")], rel=1e-12)
    from simengine.outputs.labels import Labels

    for lang in ("da", "en"):  # the groups named as in the report, in either language, within 80 columns
        text = control_text(ds, lang=lang)
        assert Labels(lang)("control_municipal").split(" (")[0] in text
        assert " ".join(text.split()).count(Labels(lang)("control_shared").split(" (")[0]) == 1
        assert max(len(line) for line in text.splitlines()) <= 80
        head = headline_text(ds, lang=lang)
        assert max(len(line) for line in head.splitlines()) <= 80
    assert "Beløb der kan disponeres" in headline_text(ds, lang="da") and "90 % sikkert" in headline_text(ds, "da")


def test_out_of_reach_only_when_every_year_is_below(runs):
    from simengine.analysis.negotiate import out_of_reach
    from simengine.outputs.terminal import headline_text

    ds = runs["a"].copy()
    p = ds["p_target"].values.copy()
    p[-1] = 0.2
    ds["p_target"] = (("year",), p)
    assert not out_of_reach(ds) and "out of reach" not in headline_text(ds)


def test_delivery_golive_follows_component_timing_and_dependencies(small_dict, write_scenario):
    """The deduction-on-delivery deal reads go-live as the kernel makes it: with [model] timing =
    "component" and a delivery dependency, its per-draw go-live equals the numpy reference model's
    (independent code) and its deduction a direct count over those dates."""
    import copy

    from simengine.analysis.negotiate import delivery_per_draw, golive_times
    from simengine.core import engine
    from simengine.model.plan import compile_plan
    from simengine.scenario import schema as scenario
    from simengine.testing import simulate_reference_chunked

    d = copy.deepcopy(small_dict)
    d["model"] = {"timing": "component"}
    d["initiatives"][2]["depends_on"] = "osb-1"
    d["initiatives"][2]["dependency_lag"] = 0.5
    sc = scenario.load(write_scenario(d)).with_run_options(draws=600)
    plan = compile_plan(sc)
    raw = engine.run(plan, threads=2)
    g = golive_times(plan, raw.inputs)
    ref = simulate_reference_chunked(plan, len(raw.inputs))["golive"]
    np.testing.assert_allclose(g, ref, rtol=0, atol=2e-3)  # exact quantiles vs the kernel's tables: under a day
    assert (g[:, 2] >= g[:, 0] + 0.5 - 1e-12).all()  # the dependency binds
    cen, _ = delivery_per_draw(raw)
    years = plan.years.astype(float)
    ded = sum(plan.gain[i] * np.clip(years[None, :] + 1 - g[:, i, None], 0, 1) for i in range(3))
    np.testing.assert_allclose(cen, ded, rtol=1e-12)
