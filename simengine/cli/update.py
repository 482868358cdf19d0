"""``update SCENARIO OBSERVATIONS --known-by DATE``: a run's outputs under the importance weights of
the observations known by a date (simengine.analysis.update), written as ``run`` writes them, with the
chart of the inputs that moved, and what the update taught printed."""

from __future__ import annotations

import shlex
import sys
import textwrap
import time
from pathlib import Path

from simengine.analysis.update import update_run
from simengine.cli.runner import _run_owns, _write_report, manifest
from simengine.messages import Msg, warn
from simengine.outputs import progress, store
from simengine.outputs.folder import atomic_outputs, locked, prepare_dir
from simengine.outputs.summary_rows import summary_table
from simengine.outputs.terminal import ess_advice, format_table, later_scores_text, update_text, wrote_text
from simengine.scenario import observations as obsmod
from simengine.scenario import schema as scenario
from simengine.scenario.safetext import block


def cmd_update(args, argv: list[str], opts=None) -> int:
    """``update SCENARIO OBSERVATIONS --known-by DATE``: the run's outputs under the weights. ``opts``
    (simengine.core.driver.RunOptions, validated): threads and where the draws run (--scheduler)."""
    from simengine.outputs.report.scorecharts import movement_chart

    t0 = time.perf_counter()
    sc = scenario.load(args.scenario).with_run_options(draws=args.draws, seed=args.seed)
    obs = obsmod.load(args.observations)
    obsmod.check_against(obs, sc)
    known = obsmod.parse_date(args.known_by)
    later = obs.later_than(known)
    none_known = not obs.known_by(known)
    if none_known:  # a date before every observation (a mistyped year?): said before the run
        first = min(o.known_by for o in obs.observations).isoformat()
        n, file = len(obs.observations), str(args.observations)
        warn(Msg("update.none_known", n=n, file=file, date=known.isoformat(), first=first), args.lang)
    out = args.out if args.out is not None else Path("outputs") / f"{args.scenario.stem}-update"
    command = "python -m simengine " + " ".join(shlex.quote(a) for a in argv)
    with (
        locked(prepare_dir(out)),
        progress.draws_bar(
            sc.draws, progress.enabled(args.quiet), after="Weighting and writing", lang=args.lang
        ) as advance,
    ):
        post, prior, _raw, w, ess, mv, info = update_run(
            sc, obs, known, threads=args.threads, command=command, progress=advance, opts=opts
        )
        later = tuple(o for o in later if o.id in info.get("later_observations", "").split(", "))
        chart = movement_chart(mv, args.lang)
        with atomic_outputs(out, owns=_run_owns) as wr:  # replaces every file of the previous run
            wr.write("results.nc", lambda p: store.write(post, p))  # simengine.outputs.store
            table = summary_table(post)
            wr.write("summary.parquet", lambda p: table.write_parquet(p))
            m = manifest(post, sc)
            m["update"] = info
            wr.write_json("run.json", m)
            if not args.no_report:
                _write_report(wr, post, sc, args.lang)
            if chart is not None and args.no_report:  # else the report draws it (and shows it), from results.nc

                def png(p: Path, data: bytes = chart) -> None:
                    p.write_bytes(data)

                wr.write("charts/update_inputs.png", png)
            written = [final for _, final in wr.pending]
    drivers = [(str(k), float(v)) for k, v in (kv.split(": ") for kv in info["ess_by_observation"].split("; ") if kv)]
    # nothing conditioned on: every draw keeps its weight, and there is no sample size to advise on
    advice = (
        None if none_known else ess_advice(ess, sc.draws, len(w), drivers, len(_raw.plan.input_names), lang=args.lang)
    )
    if advice:
        print(
            textwrap.fill(
                f"{'advarsel' if args.lang == 'da' else 'warning'}: {advice}",
                80,
                subsequent_indent="  ",
                break_on_hyphens=False,
            ),
            file=sys.stderr,
        )
    if not args.quiet:
        print(block(format_table(post, lang=args.lang)))
        print()
        print(block(update_text(prior, post, mv, ess, known.isoformat(), known.year, args.lang)))
        if later:
            print(
                "\n"
                + later_scores_text(
                    len(later), known.isoformat(), info["crps_later_prior"], info["crps_later_posterior"], args.lang
                )
            )
        print(block("\n" + wrote_text(out, written, args.lang, time.perf_counter() - t0)))
    return 0
