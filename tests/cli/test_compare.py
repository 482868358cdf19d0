"""Paired comparison (``compare A.toml B.toml``) and the budget regimes compared within one run."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import xarray as xr

from simengine.analysis.results import REGIME_PAIRS, build_dataset
from simengine.cli import compare
from simengine.cli.main import main
from simengine.cli.runner import simulate
from simengine.core import engine
from simengine.model.plan import REGIMES, compile_plan
from simengine.scenario import schema as scenario
from tests.conftest import dump_toml

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"


def _inputs(plan, raw, ident):
    cols = [k for k, i in enumerate(plan.input_initiative) if i == ident]
    return raw.inputs[:, cols]


# -- compare ------------------------------------------------------------------------------------
def test_a_compared_with_itself_is_zero_in_every_draw(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(SMALL), str(SMALL), "--draws", "600", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        ".simengine-files.json",
        "comparison.html",
        "comparison.nc",
        "comparison.txt",
        "comparison.xlsx",
        "run.json",
    ]
    with xr.open_dataset(out / "comparison.nc", engine="h5netcdf") as ds:
        assert ds.sizes["draw"] == 600 and ds.attrs["draws_paired"] == 600
        assert np.all(ds["difference"].values == 0.0)
        for v in (
            "difference_quantile",
            "difference_mean",
            "p_b_greater",
            "p_b_less",
            "p_only_b_reaches_target",
            "p_only_a_reaches_target",
            "net_difference_quantile",
            "fte_difference_quantile",
            "npv_difference_quantile",
            "initiative_benefit_mean_difference",
        ):
            assert np.all(ds[v].values == 0.0), v
        np.testing.assert_array_equal(ds["p_target_a"].values, ds["p_target_b"].values)
        assert ds.attrs["notes"] == "none" and "the targets are the same" in ds.attrs["target"]
        for name in ds.data_vars:
            assert ds[name].attrs.get("units") and ds[name].attrs.get("long_name"), name
        # the output contract: every variable and coordinate as simengine.analysis.varspecs declares it
        from simengine.analysis.varspecs import check

        assert check(ds, "compare") == []
        assert ds["year"].attrs["long_name"] == "calendar year (the years both scenarios cover)"
    assert (out / "comparison.txt").read_text(encoding="utf-8").strip() in table
    assert sum(1 for line in table.splitlines() if line.strip()[:4].isdigit()) == 6  # 2011-2016
    m = json.loads((out / "run.json").read_text())
    assert m["seed"] == 7 and m["draws"] == 600 and m["scenario_sha256_a"] == m["scenario_sha256_b"]


def test_changing_one_delay_changes_only_that_initiative(tmp_path, small_dict):
    """B extends A and changes one initiative's delay: every other input of every draw is the same,
    the other initiatives' gains are the same in every draw, and the difference is that initiative's."""
    a_path = tmp_path / "a.toml"
    a_path.write_text(dump_toml(small_dict), encoding="utf-8")
    b_path = tmp_path / "b.toml"
    b_path.write_text(
        'extends = "a.toml"\n[[initiatives]]\nid = "fmk"\ndelay = { dist = "uniform", min = 1.5, max = 3.0 }\n',
        encoding="utf-8",
    )
    a, b, notes = compare.pair_options(scenario.load(a_path), scenario.load(b_path), draws=1500)
    assert notes == []
    ra, rb = compare.run_pair(a, b, threads=2)
    pa, pb = ra.plan, rb.plan
    assert np.array_equal(ra.inputs[:, :2], rb.inputs[:, :2])  # national inputs
    for ini in ("osb-1", "osb-2"):
        assert np.array_equal(_inputs(pa, ra, ini), _inputs(pb, rb, ini)), ini
    kinds = [pa.input_kind[c] for c in range(pa.n_inputs) if pa.input_initiative[c] == "fmk"]
    fa, fb = _inputs(pa, ra, "fmk"), _inputs(pb, rb, "fmk")
    k = kinds.index("delay")
    assert not np.array_equal(fa[:, k], fb[:, k])
    others = [c for c in range(fa.shape[1]) if c != k]
    assert np.array_equal(fa[:, others], fb[:, others])
    # per-initiative gains, accumulated exactly: identical for the others, different for fmk
    assert np.array_equal(ra.acc.init_sum[:, :2], rb.acc.init_sum[:, :2])
    assert np.array_equal(ra.acc.init_hist[:, :2], rb.acc.init_hist[:, :2])
    assert not np.array_equal(ra.acc.init_sum[:, 2], rb.acc.init_sum[:, 2])
    ds = compare.compare(ra, rb, notes)
    d = ds["initiative_benefit_mean_difference"]
    assert np.all(d.sel(initiative=["osb-1", "osb-2"]).values == 0.0)
    assert np.any(d.sel(initiative="fmk").values != 0.0)
    # a later go-live can only lower fmk's gain, never anyone else's: B <= A in every draw
    assert np.all(ds["difference"].values <= 1e-6)
    assert float(ds["p_b_greater"].max()) == 0.0 and float(ds["difference_mean"].min()) < 0


def test_paired_statistics_equal_two_separate_runs(tmp_path, small_dict):
    """The comparison's per-draw difference is B's run minus A's run, draw for draw, and every
    probability is the direct count over those draws."""
    variant = copy.deepcopy(small_dict)
    variant["scenario"]["target"] = 250e6  # B's own target path differs
    variant["initiatives"][0]["estimate_factor"] = {"dist": "lognormal", "median": 1.0, "p90": 1.3}
    variant["simulation"]["seed"] = 99  # replaced by A's seed so the draws pair
    b_path = tmp_path / "b.toml"
    b_path.write_text(dump_toml(variant), encoding="utf-8")
    out = tmp_path / "cmp"
    ds, table, _ = compare.run_compare(SMALL, b_path, out=out, draws=1200, threads=2)
    sa = scenario.load(SMALL).with_run_options(draws=1200)
    sb = scenario.load(b_path).with_run_options(draws=1200, seed=sa.seed)
    da, db = simulate(sa, threads=1), simulate(sb, threads=1)
    A, B = da["benefit"].values, db["benefit"].values
    np.testing.assert_array_equal(ds["difference"].values, B - A)
    np.testing.assert_array_equal(ds["p_b_greater"].values, (B > A).mean(axis=0))
    ta, tb = da["target"].values, db["target"].values
    np.testing.assert_array_equal(ds["p_only_b_reaches_target"].values, ((B >= tb) & (A < ta)).mean(axis=0))
    np.testing.assert_array_equal(ds["p_only_a_reaches_target"].values, ((A >= ta) & (B < tb)).mean(axis=0))
    np.testing.assert_allclose(ds["difference_quantile"].values, np.quantile(B - A, ds["quantile"].values, axis=0))
    np.testing.assert_allclose(ds["difference_mean"].values, (B - A).mean(axis=0), rtol=1e-9, atol=1e-3)
    np.testing.assert_array_equal(ds["p_target_b"].values, db["p_target"].values)
    np.testing.assert_allclose(
        ds["initiative_benefit_mean_difference"].values,
        db["initiative_benefit_mean"].values - da["initiative_benefit_mean"].values,
    )
    assert "seed 99 replaced by A's (7)" in ds.attrs["notes"] and "targets differ" in ds.attrs["target"]
    assert "Bemærk: B's seed 99 er erstattet af A's (7)" in table  # the notes in the table's language (da)
    assert float(ds["p_b_greater"].sel(year=2016)) > 0.5  # the variant assumes better estimates


def test_years_are_aligned_or_refused(tmp_path, small_dict, capsys):
    later = copy.deepcopy(small_dict)
    later["scenario"].update(start_year=2013, horizon=2018, target_start_year=2014, target_year=2016)
    later["initiatives"][0]["start"] = 2014
    later.pop("observed")
    p = tmp_path / "later.toml"
    p.write_text(dump_toml(later), encoding="utf-8")
    out = tmp_path / "o"
    assert main(["compare", str(SMALL), str(p), "--draws", "200", "--out", str(out), "--quiet"]) == 0
    with xr.open_dataset(out / "comparison.nc", engine="h5netcdf") as ds:
        assert list(ds["year"].values) == [2013, 2014, 2015, 2016]
        assert "compared on the common years 2013-2016" in ds.attrs["notes"]
        assert "npv_difference_quantile" not in ds
    disjoint = copy.deepcopy(later)
    disjoint["scenario"].update(start_year=2030, horizon=2032, target_start_year=2030, target_year=2031)
    for ini in disjoint["initiatives"]:
        ini["start"] = 2030
    q = tmp_path / "disjoint.toml"
    q.write_text(dump_toml(disjoint), encoding="utf-8")
    capsys.readouterr()
    assert main(["compare", str(SMALL), str(q), "--draws", "100", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ingen fælles år" in err[0]
    assert not (tmp_path / "x" / "comparison.nc").exists()


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n', encoding="utf-8")
    assert main(["compare", str(tmp_path / "nope.toml"), str(bad), "--out", str(tmp_path / "o"), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == f"error: {tmp_path / 'nope.toml'}: no such file"
    assert any(line.startswith(f"error: {bad}: ") for line in err[1:]) and "Traceback" not in "".join(err)
    assert main(["compare", str(SMALL)]) == 2  # usage
    assert main(["compare", str(SMALL), str(SMALL), "--draws", "0"]) == 2


def test_fewer_kept_draws_than_draws_is_said(tmp_path, small_dict):
    few = copy.deepcopy(small_dict)
    few["simulation"]["keep_draws"] = 250
    p = tmp_path / "few.toml"
    p.write_text(dump_toml(few), encoding="utf-8")
    ds, table, _ = compare.run_compare(p, p, out=tmp_path / "o", draws=1000, threads=2, unit="fte")
    assert ds.attrs["draws_paired"] == 250 and ds.sizes["draw"] == 250 and ds.attrs["draws"] == 1000
    assert "use the first 250 of 1,000 draws" in ds.attrs["notes"]
    flat = " ".join(table.split())  # the table is wrapped at 80 columns
    assert "i årsværk" in flat and "de parvise tal bruger de første 250 af 1.000 træk" in flat  # in Danish
    assert "in FTE" in compare.format_comparison(ds, unit="fte", lang="en")


def test_terminal_table_small_probabilities_and_target_year_ranking(tmp_path, small_dict):
    """The terminal table (and comparison.txt) shows a small probability that is not 0 as "< 0,1 %",
    as the page does, within 80 columns, and ranks the changed initiatives in the target year."""
    a_path = tmp_path / "a.toml"
    a_path.write_text(dump_toml(small_dict), encoding="utf-8")
    b_path = tmp_path / "b.toml"
    b_path.write_text('extends = "a.toml"\n[[initiatives]]\nid = "fmk"\ndelay = 3.0\n', encoding="utf-8")
    a, b, notes = compare.pair_options(scenario.load(a_path), scenario.load(b_path), draws=200)
    ds = compare.compare(*compare.run_pair(a, b, threads=2), notes)
    years = [int(y) for y in ds["year"].values]
    k = years.index(2014)
    for v, p in (("p_only_a_reaches_target", 0.0004), ("p_target_b", 0.0002), ("p_b_greater", 0.9996)):
        ds[v].values[k] = p
    ds["target_a"].values[k] = ds["target_b"].values[k] = 1e6
    # in the target year (2014) osb-1 changed most, in the last year fmk did
    d = ds["initiative_benefit_mean_difference"]
    i_osb, i_fmk = list(ds["initiative"].values).index("osb-1"), list(ds["initiative"].values).index("fmk")
    d.values[:, :] = 0.0
    d.values[i_osb, k], d.values[i_fmk, k] = -2e6, -1e6
    d.values[i_osb, -1], d.values[i_fmk, -1] = -1e6, -5e6
    for lang, small, big in (("da", "< 0,1 %", "> 99,9 %"), ("en", "< 0.1%", "> 99.9%")):
        text = compare.format_comparison(ds, lang=lang)
        row = next(line for line in text.splitlines() if line.startswith("2014 "))
        assert row.count(small) == 2 and big in row and "0,0 %" not in row and "0.0%" not in row, row
        assert max(len(line) for line in text.splitlines()) <= 80
        flat = " ".join(text.split())
        assert ("i 2014 (mio. kr.): osb-1 −2,0, fmk −1,0" if lang == "da" else "in 2014 (mio. DKK): osb-1 −2.0") in flat


# -- budget regimes compared within one run ---------------------------------------------------------
@pytest.fixture(scope="module")
def small_ds():
    sc = replace(scenario.load(SMALL).with_run_options(draws=3000), cut_threshold=150e6)
    plan = compile_plan(sc)
    raw = engine.run(plan, threads=2)
    return raw, build_dataset(raw)


def test_regime_differences_equal_the_per_draw_differences(small_ds):
    raw, ds = small_ds
    q = ds["quantile"].values
    assert list(ds["regime_pair"].values) == ["realised-prebudgeted", "retention-prebudgeted", "retention-realised"]
    idx = {r: k for k, r in enumerate(REGIMES)}
    for var in ("central_gain", "service_cut"):
        per = ds[var].values  # (draw, regime, year)
        for j, (b, a) in enumerate(REGIME_PAIRS):
            d = per[:, idx[b]] - per[:, idx[a]]
            np.testing.assert_array_equal(ds[f"{var}_difference_quantile"].values[:, j], np.quantile(d, q, axis=0))
            np.testing.assert_allclose(ds[f"{var}_difference_mean"].values[j], d.mean(axis=0), rtol=1e-12, atol=1e-3)
    # inside the retention window the units keep part of the gain: the centre gets less than under realised
    rr = ds["central_gain_difference_mean"].sel(regime_pair="retention-realised", year=2014)
    assert float(rr) < 0


def test_p_service_cut_above_matches_a_direct_count(small_ds):
    raw, ds = small_ds
    cut = ds["service_cut"].values
    np.testing.assert_array_equal(ds["p_service_cut_above"].values, (cut > 150e6).mean(axis=0))
    assert ds["p_service_cut_above"].attrs["threshold"] == 150e6 and ds.attrs["cut_threshold"] == 150e6
    assert np.all(ds["p_service_cut_above"].sel(regime=["realised", "retention"]).values == 0.0)
    pre = ds["p_service_cut_above"].sel(regime="prebudgeted").values
    assert np.any((pre > 0.05) & (pre < 0.95)), pre


def test_fte_views(small_ds):
    raw, ds = small_ds
    np.testing.assert_allclose(ds["fte_quantile"].values, ds["benefit_quantile"].values / 450_000)
    np.testing.assert_allclose(ds["target_fte"].values, ds["target"].values / 450_000)
    assert ds["fte_quantile"].attrs["units"] == "FTE" and ds.attrs["cost_per_fte"] == 450_000


def test_streaming_regime_statistics_agree_with_exact():
    """With fewer draws kept than run, the regime comparison uses the streaming histograms where a
    difference is a shifted or mirrored single series (within one bin), and the kept draws only for
    retention - realised of the central gain; P(service cut > X) from the histogram is within a few
    draws near the threshold."""
    from simengine.analysis.results import bin_ratio
    from simengine.model.plan import NAT_SUB_BITS

    sc = replace(scenario.load(SMALL).with_run_options(draws=4000), cut_threshold=150e6)
    plan = compile_plan(sc)
    full, part = engine.run(plan, threads=2, keep_draws=4000), engine.run(plan, threads=2, keep_draws=150)
    ex, st = build_dataset(full), build_dataset(part)
    np.testing.assert_allclose(st["p_service_cut_above"].values, ex["p_service_cut_above"].values, atol=3 / 4000)
    assert "streaming histogram" in st["p_service_cut_above"].attrs["method"]
    for v in ("central_gain_difference_mean", "service_cut_difference_mean"):
        np.testing.assert_allclose(st[v].values, ex[v].values, rtol=1e-6, atol=1e-6 * plan.nat_nominal)
    g = bin_ratio(NAT_SUB_BITS) - 1
    scale = sc.target
    for v in ("central_gain_difference_quantile", "service_cut_difference_quantile"):
        for pair in ("realised-prebudgeted", "retention-prebudgeted", "retention-realised"):
            if v.startswith("central_gain") and pair == "retention-realised":
                continue
            a = st[v].sel(regime_pair=pair).values
            b = ex[v].sel(regime_pair=pair).values
            assert np.all(np.abs(a - b) <= 2 * g * scale + 1e-3), (v, pair)
    rr = st["central_gain_difference_quantile"].sel(regime_pair="retention-realised").values
    kept = part.central_gain[:, 2] - part.central_gain[:, 1]
    np.testing.assert_array_equal(rr, np.quantile(kept, st["quantile"].values, axis=0))
    assert "first 150 of 4,000 draws" in st["central_gain_difference_quantile"].attrs["method"]


def test_run_cut_threshold_unit_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(SMALL),
                "--draws",
                "400",
                "--out",
                str(out),
                "--no-report",
                "--cut-threshold",
                "5e7",
                "--unit",
                "fte",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "staff freed in FTE" in text and "service cut above 111 FTE" in text
    assert sum(1 for line in text.splitlines() if line.strip()[:4].isdigit()) == 12  # the table and its ± table
    from simengine.outputs.store import open_results

    ds = open_results(out / "results.nc")  # service_cut (draw, regime, year) put back (simengine.outputs.store)
    assert ds.attrs["cut_threshold"] == 5e7
    np.testing.assert_array_equal(ds["p_service_cut_above"].values, (ds["service_cut"].values > 5e7).mean(axis=0))
    df = pl.read_parquet(out / "summary.parquet")
    p = df.filter(pl.col("metric") == "p_service_cut_above")
    assert set(p["regime"].unique()) == set(REGIMES)
    d = df.filter(pl.col("metric") == "central_gain_difference")
    assert set(d["regime"].unique()) == {"realised-prebudgeted", "retention-prebudgeted", "retention-realised"}
    assert set(df.filter(pl.col("metric") == "fte")["unit"].unique()) == {"FTE"}
    assert main(["run", str(SMALL), "--cut-threshold", "-1"]) == 2


# -- the shipped scenarios ------------------------------------------------------------------------
def test_shipped_scenarios_cite_a_source_or_say_judgement():
    import re
    import tomllib

    for name in ("2015.toml", "2015_exante.toml", "2020.toml", "2030.toml"):
        data = tomllib.loads((ROOT / "scenarios" / name).read_text(encoding="utf-8"))
        for ini in data["initiatives"]:
            note = ini.get("note", "")
            assert re.search(r"\b(?:[APWDRBXE]|I[a-f])\d+\b|[Jj]udgement", note), (name, ini["id"], note)


def test_2030_reads_in_fte(tmp_path, capsys):
    sc = scenario.load(ROOT / "scenarios" / "2030.toml")
    assert sc.target == 34_000 * sc.cost_per_fte  # seed 003: 44,000 short, 10,000 recruitable
    assert sum(a.target for a in sc.areas) == pytest.approx(sc.target)
    out = tmp_path / "o"
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "2030.toml"),
                "--draws",
                "400",
                "--out",
                str(out),
                "--no-report",
                "--unit",
                "fte",
                "--lang",
                "en",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "staff freed in FTE" in text and "34,000" in text
    with xr.open_dataset(out / "results.nc", engine="h5netcdf") as ds:
        assert float(ds["target_fte"].sel(year=2030)) == pytest.approx(34_000)
        np.testing.assert_allclose(ds["fte_quantile"].values, ds["benefit_quantile"].values / 500_000)


def test_2015_against_2020_pairs_the_carried_projects(tmp_path):
    _sa, sb = scenario.load(ROOT / "scenarios" / "2015.toml"), scenario.load(ROOT / "scenarios" / "2020.toml")
    assert sum(a.target for a in sb.areas) == pytest.approx(sb.target)
    assert sum(i.gain for i in sb.initiatives) == pytest.approx(sb.target)
    ds, table, _ = compare.run_compare(
        ROOT / "scenarios" / "2015.toml", ROOT / "scenarios" / "2020.toml", out=tmp_path / "o", draws=500, threads=2
    )
    assert list(ds["year"].values) == [2016, 2017, 2018, 2019, 2020]
    assert {"mono-ky", "mono-ksd", "mono-sapa", "mono-infrastruktur", "tm-esr"} <= set(ds["initiative"].values)
    assert "compared on the common years 2016-2020" in ds.attrs["notes"] and "the targets differ" in ds.attrs["notes"]
    flat = " ".join(table.split())  # in Danish, wrapped at 80 columns
    assert "sammenlignet på de fælles år 2016–2020" in flat and "målene er forskellige" in flat
