"""``backtest SCENARIO OBSERVATIONS``: the scores of a forecast (simengine.analysis.scoring) written to
backtest.nc, with the forecast's report and the PIT chart, and the table printed."""

from __future__ import annotations

from pathlib import Path

from simengine.analysis.scoring import backtest_run
from simengine.outputs.folder import atomic_outputs, prepare_dir
from simengine.outputs.terminal import backtest_text, wrote_text
from simengine.scenario import observations as obsmod
from simengine.scenario import schema as scenario
from simengine.scenario.safetext import block


def cmd_backtest(args, argv: list[str], opts=None) -> int:
    """``backtest SCENARIO OBSERVATIONS``: score the forecast against every observation (or, with
    --known-by, the forecast updated on what was known then against what became known later);
    backtest.nc, and the forecast's report with the scores' section (unless --no-report). ``opts``
    (simengine.core.driver.RunOptions, validated): threads and where the draws run (--scheduler)."""
    from simengine.outputs import report
    from simengine.outputs.report import scorecharts

    sc = scenario.load(args.scenario).with_run_options(draws=args.draws, seed=args.seed)
    obs = obsmod.load(args.observations)
    obsmod.check_against(obs, sc)
    known = obsmod.parse_date(args.known_by) if args.known_by else None
    out = args.out if args.out is not None else Path("outputs") / f"{args.scenario.stem}-backtest"
    prepare_dir(out)
    bt, ds, _raw, _w = backtest_run(
        sc, obs, known, threads=args.threads, command="python -m simengine " + " ".join(argv), opts=opts
    )
    conditioning = obs.known_by(known) if known else ()
    files = None
    if not getattr(
        args, "no_report", False
    ):  # the forecast's report with the scores (simengine.outputs.report.backtest)
        files = report.build_safe(ds, args.lang, scenario=sc, scores=bt)
        if files.error:
            _warn(
                f"report incomplete: {files.error}"
                if args.lang == "en"
                else f"rapporten er ufuldstændig: {files.error}"
            )
    chart = scorecharts.pit_chart(bt, args.lang) if files is None or "pit_histogram" not in files.charts else None
    with atomic_outputs(out, owns=lambda rel: rel == "backtest.nc" or report.owns(rel)) as wr:
        wr.write("backtest.nc", lambda p: bt.to_netcdf(p, engine="h5netcdf"))
        if files is not None:
            report.write(wr, files)
        if chart is not None:

            def png(p: Path, data: bytes = chart) -> None:
                p.write_bytes(data)

            wr.write("charts/pit_histogram.png", png)
        written = [final for _, final in wr.pending]
    if not args.quiet:
        print(
            block(
                backtest_text(
                    bt,
                    args.lang,
                    name=sc.name,
                    draws=sc.draws,
                    seed=sc.seed,
                    file=str(obs.path),
                    known=known.isoformat() if known else None,
                    conditioned=len(conditioning),
                )
            )
        )
        print(block("\n" + wrote_text(out, written, args.lang)))
    return 0


def _warn(msg: str) -> None:
    from simengine.messages import warn

    warn(msg)
