"""Command line: ``python -m simengine run|validate ...``.

Exit codes: 0 ok; 2 invalid input or usage; 1 anything else (130 on Ctrl-C, 143 on SIGTERM).
Bad input never produces a traceback: it produces one line per problem on stderr.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from simengine.core.memory import ordinary_pages
from simengine.errors import ConfigError, SimengineError
from simengine.messages import Msg, label, render


class Interrupted(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _on_sigterm(signum, frame):  # pragma: no cover - exercised by a subprocess test
    raise Interrupted(143)


def _positive_int(text: str) -> int:
    try:
        v = int(text.replace("_", ""))
    except ValueError:
        raise _bad("opt.whole", got=repr(text)) from None
    if v < 1:
        raise _bad("opt.at_least_one", got=repr(text))
    return v


def _whole(text: str) -> int:
    """A whole number; its range is checked by simengine.core.driver.RunOptions (one line, exit 2)."""
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise _bad("opt.whole", got=repr(text)) from None


def _number(text: str) -> float:
    """A number as Python reads it (0.9, 500e6, -5e6); "0,9" is refused with what to write instead."""
    try:
        return float(text.replace("_", ""))
    except ValueError:
        raise _bad("opt.number", got=repr(text)) from None


def _out_dir(text: str) -> Path:
    if not text.strip():
        raise _bad("opt.empty_out")
    return Path(text)


def _seed(text: str) -> int:
    v = _whole(text)
    if not 0 <= v < 2**63:
        raise _bad("opt.seed_range", got=repr(text))
    return v


def _bad(key: str, **params: object) -> argparse.ArgumentTypeError:
    """A bad option value, in the terminal's language."""
    return argparse.ArgumentTypeError(render(Msg(key, **params)))


def help_text(key: str, **params: object) -> str:
    """The --help text ``help.<key>`` of the catalogue, in the terminal's language (argparse's "%" placeholders
    such as "%%" pass through as they are written)."""
    return render(Msg(f"help.{key}", **params))


class _Formatter(argparse.HelpFormatter):
    """argparse's help, with "usage:" in the terminal's language."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, help_text("usage") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in the terminal's language: its error line prefixed "fejl:" or "error:", its --help with its
    own words ("usage:", the section titles, -h) translated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        add_help = kwargs.get("add_help", True)
        kwargs["add_help"] = False  # its -h is added below, with its help text in the terminal's language
        super().__init__(*args, **kwargs)
        import re

        # a negative number is a value, not an option, in exponent form too: ask --at-least -5e6
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
        self._positionals.title = help_text("positionals")
        self._optionals.title = help_text("optionals")
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=help_text("help"))

    def error(self, message: str):  # type: ignore[override]
        """One line, as for every other bad input: a bad option value as ``fejl: --draws: ...``; a
        missing, unknown or misplaced argument naming the command and where its --help is."""
        import re

        from simengine.messages import current_lang

        named = re.match(r"argument ([^:]+): ", message)
        option = named is not None and named.group(1).startswith("-")  # --draws, not COMMAND or ACTION
        message = _argparse_da(message) if current_lang() == "da" else re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        if option:
            self.exit(2, f"{label('error')}: {message}\n")
        hint = render(Msg("opt.see_help", prog=self.prog))
        self.exit(2, f"{label('error')}: {self.prog}: {message} ({hint})\n")


#: argparse's own phrases (Python 3.11) in Danish
_ARGPARSE_DA = (
    (r"^argument ([^:]+): ", r"\1: "),
    (r"invalid choice: (.*) \(choose from (.*)\)$", r"ugyldigt valg: \1 (vælg mellem \2)"),
    (r"^the following arguments are required: ", "disse argumenter skal angives: "),
    (r"^unrecognized arguments: ", "ukendte argumenter: "),
    (r"expected one argument$", "kræver en værdi"),
    (r"invalid (\S+) value: ", r"ugyldig \1-værdi: "),
    (r"not allowed with argument (.*)$", r"kan ikke bruges sammen med \1"),
    (r"^one of the arguments (.*) is required$", r"et af argumenterne \1 skal angives"),
    (r"expected at most one argument$", "tager højst én værdi"),
    (r"expected at least one argument$", "kræver mindst én værdi"),
    (r"^ambiguous option: (\S+) could match (.*)$", r"tvetydigt tilvalg: \1 kan være \2"),
    (r"ignored explicit argument (.*)$", r"tager ingen værdi, men fik \1"),
    (r"^unexpected option string: ", "uventet tilvalg: "),
)


def _argparse_da(message: str) -> str:
    import re

    for pattern, repl in _ARGPARSE_DA:
        message = re.sub(pattern, repl, message)
    return message


def _terminal_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("da", "en"), default="da", help=help_text("lang_terminal"))


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m simengine", description=help_text("description"))
    from simengine import __version__

    p.add_argument("--version", action="version", version=f"simengine {__version__}", help=help_text("version"))
    # --lang before the command (python -m simengine --lang en run --help): read by _argv_lang, not listed
    p.add_argument("--lang", dest="top_lang", choices=("da", "en"), default=None, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("run", help=help_text("cmd.run"))
    r.add_argument("scenario", type=Path, help=help_text("scenario"))
    _simulation_options(r, draws=help_text("draws"), seed=help_text("seed"), out=help_text("out", suffix=""))
    _report_options(r)
    r.add_argument("--no-report", action="store_true", help=help_text("no_report"))
    _cluster_options(r)
    # -- why and how sure (simengine.analysis.sensitivity, simengine.analysis.mcerror) --
    r.add_argument("--explain", action="store_true", help=help_text("run.explain"))
    r.add_argument("--precision", type=_precision, metavar="P", help=help_text("run.precision"))
    r.add_argument("--max-draws", type=_whole, metavar="N", help=help_text("run.max_draws"))
    # -- end why and how sure --
    # -- sweep (simengine.cli.sweep) --
    sw = sub.add_parser("sweep", help=help_text("cmd.sweep"))
    sw.add_argument("scenario", type=Path, help=help_text("scenario_toml"))
    sw.add_argument(
        "--set",
        dest="sets",
        action="append",
        required=True,
        metavar="KEY.PATH=V1,V2,...",
        help=help_text("sweep.set"),
    )
    _simulation_options(
        sw, draws=help_text("sweep.draws"), seed=help_text("sweep.seed"), out=help_text("out", suffix="-sweep")
    )
    _cluster_options(sw)
    sw.add_argument("--lang", choices=("da", "en"), default="da", help=help_text("sweep.lang"))
    sw.add_argument("--no-report", action="store_true", help=help_text("sweep.no_report"))
    # -- end sweep --
    v = sub.add_parser("validate", help=help_text("cmd.validate"))
    v.add_argument("scenario", type=Path, help=help_text("scenario"))
    _terminal_lang(v)
    ck = sub.add_parser("check", help=help_text("cmd.check"))
    ck.add_argument("manifest", type=Path, help=help_text("check.manifest"))
    ck.add_argument("--threads", type=_positive_int, help=help_text("check.threads"))
    ck.add_argument("--quiet", action="store_true", help=help_text("quiet"))
    _terminal_lang(ck)
    rp = sub.add_parser("report", help=help_text("cmd.report"))
    rp.add_argument("results", type=Path, help=help_text("report.results"))
    rp.add_argument("--out", type=_out_dir, help=help_text("report.out"))
    rp.add_argument("--scenario", type=Path, help=help_text("report.scenario"))
    _report_options(rp)
    rp.add_argument("--unit", choices=("dkk", "fte"), default="dkk", help=help_text("report.unit"))
    rp.add_argument("--quiet", action="store_true", help=help_text("quiet"))
    _compare_options(r, sub)  # run --cut-threshold/--unit and the compare command (simengine.cli.compare)
    _scoring_options(sub)  # backtest and update (simengine.analysis.scoring, simengine.analysis.update)
    _scenario_command(sub)  # scenario export (simengine.scenario.xlsx)
    from simengine.cli.ask import add_parser as _ask_parser  # ask RESULTS.nc (simengine.cli.ask)

    _ask_parser(sub)
    return p


def _simulation_options(p: argparse.ArgumentParser, draws: str, seed: str, out: str) -> None:
    """--draws, --seed, --out, --threads, --chunk, --quiet: shared by run and sweep."""
    p.add_argument("--draws", type=_whole, help=draws)
    p.add_argument("--seed", type=_whole, help=seed)
    p.add_argument("--out", type=_out_dir, help=out)
    p.add_argument("--threads", type=_whole, help=help_text("threads"))
    p.add_argument("--chunk", type=_whole, default=None, help=help_text("chunk"))
    p.add_argument("--quiet", action="store_true", help=help_text("quiet"))


def _report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("da", "en"), default="da", help=help_text("lang_report"))


# -- why and how sure (simengine.analysis.mcerror) --------------------------------------------------------
def _precision(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _bad("opt.precision", got=repr(text)) from None


# -- end why and how sure --


# -- Dask cluster (simengine.core.distributed) ---------------------------------------------------------
def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _bad("opt.seconds", got=repr(text)) from None


def _cluster_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(help_text("cluster"))
    g.add_argument("--scheduler", metavar="ADDRESS", help=help_text("cluster.scheduler"))
    g.add_argument("--block-draws", type=_whole, default=None, metavar="N", help=help_text("cluster.block_draws"))
    g.add_argument(
        "--connect-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=help_text("cluster.connect_timeout"),
    )


def run_options(args):
    """The command's run options, validated once (simengine.core.driver.RunOptions): one line and exit 2
    for a bad value, before anything is read or written."""
    from simengine.core.driver import RunOptions

    return RunOptions(
        via="cli",
        draws=args.draws,
        seed=args.seed,
        threads=args.threads,
        chunk=getattr(args, "chunk", None),
        scheduler=getattr(args, "scheduler", None),
        block_draws=getattr(args, "block_draws", None),
        connect_timeout=getattr(args, "connect_timeout", None),
        precision=getattr(args, "precision", None),
        max_draws=getattr(args, "max_draws", None),
    )


# -- end Dask cluster --


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from simengine import messages

    before = messages.set_lang(_argv_lang(argv))  # the terminal speaks --lang, even about a bad option
    try:
        with ordinary_pages():  # the command's arrays in ordinary pages (simengine.core.memory)
            return _main(argv)
    finally:
        messages.set_lang(before)


def entry() -> int:
    """The process's entry point (``python -m simengine``, the ``simengine`` command): :func:`main`, then
    :func:`gc.freeze` before the interpreter shuts down. Python's shutdown otherwise runs full garbage
    collections over every object the run's libraries left (numba, scipy, xarray, matplotlib): 0.6 s
    after the last line is printed, 0.1 s with the objects frozen. Nothing of the run is lost: its
    files are written, closed and renamed into place before :func:`main` returns, the standard
    streams are flushed and the exit handlers run as before; objects left in reference cycles are
    then reclaimed with the process's memory instead of one by one. :func:`main` itself (called from
    Python, e.g. by the tests) leaves the collector alone."""
    rc = main()
    import gc

    gc.freeze()
    return rc


def _argv_lang(argv: list[str]) -> str:
    """The --lang of a command line, read before parsing it (its own errors are in that language)."""
    lang = "da"
    for i, a in enumerate(argv):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif a.startswith("--lang="):
            lang = a.split("=", 1)[1]
    return lang if lang in ("da", "en") else "da"


def _main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return int(exc.code or 0)
    if args.top_lang is not None:  # python -m simengine --lang en COMMAND ...: the last --lang holds, as for messages
        args.lang = _argv_lang(argv)
    old = signal.signal(signal.SIGTERM, _on_sigterm) if _main_thread() else None
    import warnings

    warnings.filterwarnings(
        "ignore", category=RuntimeWarning
    )  # numpy's overflow warnings: simengine.analysis.finite says it
    try:
        if args.command == "compare":
            return cmd_compare(args, argv)
        if args.command in ("backtest", "update"):  # simengine.cli.backtest, simengine.cli.update
            from simengine.cli.backtest import cmd_backtest
            from simengine.cli.update import cmd_update

            return (cmd_backtest if args.command == "backtest" else cmd_update)(args, argv, run_options(args))
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "sweep":
            from simengine.cli.sweep import cmd_sweep

            return cmd_sweep(args, argv, run_options(args))
        if args.command == "check":
            from simengine.cli.check import check

            return check(args.manifest, threads=args.threads, quiet=args.quiet, lang=args.lang)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "scenario":
            return cmd_scenario(args)
        if args.command == "ask":  # simengine.cli.ask
            from simengine.cli.ask import cmd_ask

            return cmd_ask(args)
        return cmd_run(args, argv)
    except SimengineError as exc:  # one line per problem; a newline or escape in a name is shown, not obeyed
        from simengine.scenario import safetext

        for line in exc.lines(args.lang if hasattr(args, "lang") else "da"):
            print(f"{label('error')}: {safetext.line(line)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{label('interrupted')}: {_kept()}", file=sys.stderr)
        return 130
    except Interrupted as exc:
        print(f"{label('terminated')}: {_kept()}", file=sys.stderr)
        return exc.code
    except MemoryError:
        print(f"{label('error')}: {render(Msg('cli.out_of_memory'))}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so in one line, full traceback on request
        if os.environ.get("SIMENGINE_DEBUG"):
            raise
        from simengine.scenario import safetext

        detail = render(Msg("cli.internal_error", kind=type(exc).__name__, detail=safetext.line(exc)))
        print(f"{label('internal_error')}: {detail}", file=sys.stderr)
        return 1
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def _kept() -> str:
    from simengine.outputs.folder import interrupted_after_commit

    return render(Msg("cli.kept_new" if interrupted_after_commit() else "cli.kept_old"))


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def cmd_validate(args) -> int:
    from simengine.scenario import schema as scenario
    from simengine.scenario.safetext import line

    sc = scenario.load(args.scenario)
    ok = Msg(
        "cli.validate_ok",
        file=str(args.scenario),
        initiatives=len(sc.initiatives),
        areas=len(sc.areas),
        municipalities=len(sc.municipalities),
        start=str(sc.start_year),
        end=str(sc.horizon),
    )
    chain = " -> ".join(str(p) for p in sc.sources[1:])
    print(line(ok.text(args.lang) + (Msg("cli.validate_extends", chain=chain).text(args.lang) if chain else "")))
    return 0


def cmd_run(args, argv: list[str]) -> int:
    from simengine.cli.runner import run_scenario
    from simengine.outputs import progress
    from simengine.scenario import schema as scenario

    opts = run_options(args)  # every run option checked, before the scenario is read
    sc = scenario.load(args.scenario)
    sc = opts.scenario(sc)  # --draws, --seed
    if args.cut_threshold is not None:  # run --cut-threshold (simengine.cli.compare)
        sc = replace(sc, cut_threshold=args.cut_threshold)
    out = args.out if args.out is not None else Path("outputs") / args.scenario.stem
    command = "python -m simengine " + " ".join(shlex.quote(a) for a in argv)
    t0 = time.perf_counter()
    # run --precision (simengine.analysis.mcerror): the bar runs to --max-draws
    bar_total = opts.draws_limit if opts.precision is not None else sc.draws
    with progress.draws_bar(
        bar_total, progress.enabled(args.quiet), after="Summarising the draws", lang=args.lang
    ) as advance:
        ds, written = run_scenario(
            sc, out, opts, command=command, lang=args.lang, report=not args.no_report, progress=advance, unit=args.unit
        )
    if not args.quiet:
        from simengine.outputs.terminal import (  # in --lang, 80 columns wide
            calibration_text,  # realised/promised ratio vs [model] calibration_band
            control_text,
            deduction_text,
            explain_text,
            format_table,
            headline_text,
            in_fte,
        )
        from simengine.scenario.safetext import block  # names from shared files: shown, never obeyed

        vds, words = in_fte(ds, args.unit)  # --unit fte: the amounts of every text in staff freed
        print(block(words(headline_text(vds, lang=args.lang))))
        print(block(format_table(ds, unit=args.unit, lang=args.lang)))
        if calibration_text(ds, lang=args.lang):
            print(block(calibration_text(ds, lang=args.lang)))
        print("\n" + block(words(deduction_text(vds, lang=args.lang))))
        if (
            args.explain
        ):  # run --explain (simengine.analysis.sensitivity); who controls what leads (simengine.analysis.negotiate)
            texts = (words(control_text(vds, lang=args.lang)), words(explain_text(vds, lang=args.lang)))
            print("\n" + block("\n\n".join(t for t in texts if t)))
        from simengine.outputs.terminal import wrote_text

        print(block("\n" + wrote_text(out, written, args.lang, time.perf_counter() - t0)))
    return 0


def cmd_report(args) -> int:
    """``report RESULTS.nc``: the report files, written atomically next to the results (or to --out)."""
    from simengine.outputs import report
    from simengine.outputs.folder import atomic_outputs, check_out_path

    if args.out is not None:  # before the report is built (seconds), not after
        check_out_path(args.out)
    kind = _reader_kind(args.results)
    if kind is not None:  # comparison.nc or sweep.nc: the reader's page and workbook of compare or sweep
        return _cmd_reader_page(args, kind)
    ds = report.open_results(args.results)
    if args.scenario is not None:
        if not args.scenario.is_file() and not args.scenario.is_dir():  # a folder: load says so
            raise ConfigError(Msg("cli.no_scenario_file", file=str(args.scenario)))
        _scenario_fits(args.scenario, ds, args.results)
    files = report.build(ds, args.lang, scenario_path=args.scenario, unit=args.unit)
    out = args.out if args.out is not None else args.results.parent
    with atomic_outputs(out, owns=report.owns) as w:  # an earlier report's charts that no longer apply go
        report.write(w, files)
        written = [final for _, final in w.pending]
    for note in files.notes:
        print(f"{label('note')}: {render(note)}", file=sys.stderr)
    if not args.quiet:
        from simengine.outputs.terminal import wrote_text
        from simengine.scenario.safetext import block

        print(block(wrote_text(out, written, args.lang)))
    return 0


def _scenario_fits(path: Path, ds, results: Path) -> None:
    """``report --scenario FILE``: the file must be a valid scenario (its own error lines, exit 2) and
    the run's: the same sha256, or, when it has been edited since, the same name, years, areas and
    initiatives (the report then notes the change). Anything else is refused rather than shown
    beside results it did not produce."""
    from simengine.scenario import schema as scenario

    sc = scenario.load(path)
    a = ds.attrs
    if sc.sha256 == str(a.get("scenario_sha256", "")):
        return
    years = [int(y) for y in ds["year"].values]
    facts = [
        ("scenario.name", sc.name, str(a.get("scenario", sc.name))),
        ("years", f"{sc.start_year}-{sc.horizon}", f"{years[0]}-{years[-1]}"),
        ("areas", ", ".join(sorted(x.key for x in sc.areas)), ", ".join(sorted(str(x) for x in ds["area"].values))),
        (
            "initiatives",
            ", ".join(sorted(i.id for i in sc.initiatives)),
            ", ".join(sorted(str(x) for x in ds["initiative"].values)),
        ),
    ]
    differ = [(k, mine, theirs) for k, mine, theirs in facts if mine != theirs]
    if differ:
        k, mine, theirs = differ[0]
        raise ConfigError(
            Msg(
                "report.scenario_not_the_runs",
                file=str(path),
                results=str(results),
                keys=", ".join(d[0] for d in differ),
                first=k,
                mine=_short(mine),
                theirs=_short(theirs),
            )
        )


def _short(text: str, n: int = 60) -> str:
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def _reader_kind(path: Path) -> str | None:
    """``"compare"`` for a comparison.nc, ``"sweep"`` for a sweep.nc, None for anything else (a run's
    results.nc, or a file open_results names as unreadable)."""
    from simengine.outputs.folder import settle

    if not path.is_file():
        return None
    settle(path.parent)  # a command killed while moving its files into place: finish that first
    try:
        import xarray as xr

        from simengine.analysis.varspecs import written_by

        with xr.open_dataset(path, engine="h5netcdf") as f:
            kind = written_by(f)
    except Exception:  # noqa: BLE001 - not NetCDF4: open_results says so
        return None
    return kind if kind in ("compare", "sweep") else None


def _cmd_reader_page(args, kind: str) -> int:
    """``report comparison.nc`` / ``report sweep.nc``: comparison.html and comparison.xlsx, or
    sweep.html and sweep.xlsx (with sweep_summary.parquet, written beside sweep.nc by the same
    commit), as the command wrote them, in --lang."""
    import xarray as xr

    from simengine.outputs.folder import atomic_outputs

    p = args.results
    for opt, used in (("--unit", args.unit != "dkk"), ("--scenario", args.scenario is not None)):
        if used:
            raise ConfigError(Msg("cli.option_only_run", option=opt, file=str(p), kind=kind))
    try:
        with xr.open_dataset(p, engine="h5netcdf") as f:
            ds = f.load()
    except Exception as exc:  # noqa: BLE001 - damaged
        raise ConfigError(Msg("cli.not_readable_kind", file=str(p), kind=kind, detail=str(exc))) from None
    from simengine.outputs.report import compare as cpage
    from simengine.outputs.report import sweep as spage

    page: Any = cpage if kind == "compare" else spage
    if kind == "compare":
        need = ("difference_quantile", "p_target_a", "p_target_b")
        missing = [v for v in need if v not in ds]
        if missing:
            raise ConfigError(Msg("cli.not_comparison", file=str(p), names=", ".join(missing)))
        files = cpage.build_safe(ds, args.lang)
    else:
        import polars as pl

        tp = p.parent / "sweep_summary.parquet"
        if not tp.is_file():
            raise ConfigError(Msg("cli.no_sweep_table", file=str(tp), beside=p.name))
        try:
            table = pl.read_parquet(tp)
        except Exception as exc:  # noqa: BLE001 - damaged
            raise ConfigError(Msg("cli.not_parquet", file=str(tp), detail=str(exc))) from None
        if "variant" not in table.columns or table["variant"].to_list() != [int(v) for v in ds["variant"].values]:
            raise ConfigError(Msg("cli.sweep_mismatch", file=str(tp), other=str(p)))
        files = spage.build_safe(ds, table, args.lang)
    out = args.out if args.out is not None else p.parent
    with atomic_outputs(out, owns=page.owns) as w:
        page.write(w, files)
        written = [final for _, final in w.pending]
    if not args.quiet:
        from simengine.outputs.terminal import wrote_text
        from simengine.scenario.safetext import block

        print(block(wrote_text(out, written, args.lang)))
    return 0 if files.error is None else 1


# -- compare (simengine.cli.compare) ---------------------------------------------------------------
def _money(text: str) -> float:
    try:
        v = float(text.replace("_", ""))
    except ValueError:
        raise _bad("opt.money", got=repr(text)) from None
    if not 0 <= v < float("inf"):
        raise _bad("opt.money_range", got=repr(text))
    return v


def _compare_options(run: argparse.ArgumentParser, sub) -> None:
    run.add_argument("--cut-threshold", type=_money, default=None, metavar="DKK", help=help_text("run.cut_threshold"))
    run.add_argument("--unit", choices=("dkk", "fte"), default="dkk", help=help_text("run.unit"))
    c = sub.add_parser("compare", help=help_text("cmd.compare"))
    c.add_argument("a", type=Path, metavar="A.toml", help=help_text("compare.a"))
    c.add_argument("b", type=Path, metavar="B.toml", help=help_text("compare.b"))
    c.add_argument("--draws", type=_whole, help=help_text("compare.draws"))
    c.add_argument("--seed", type=_whole, help=help_text("compare.seed"))
    c.add_argument("--out", type=_out_dir, help=help_text("compare.out"))
    c.add_argument("--threads", type=_whole, help=help_text("threads"))
    c.add_argument("--chunk", type=_whole, default=None, help=help_text("chunk"))
    c.add_argument("--unit", choices=("dkk", "fte"), default="dkk", help=help_text("compare.unit"))
    c.add_argument("--quiet", action="store_true", help=help_text("quiet"))
    c.add_argument("--lang", choices=("da", "en"), default="da", help=help_text("compare.lang"))
    c.add_argument("--no-report", action="store_true", help=help_text("compare.no_report"))
    _cluster_options(c)


def cmd_compare(args, argv: list[str]) -> int:
    """``compare A.toml B.toml``: comparison.nc, comparison.txt and run.json, and the table on stdout."""
    from simengine.cli.compare import run_compare

    opts = run_options(args)  # every run option checked first
    command = "python -m simengine " + " ".join(shlex.quote(a) for a in argv)
    t0 = time.perf_counter()
    ds, table, written = run_compare(
        args.a,
        args.b,
        out=args.out,
        command=command,
        unit=args.unit,
        lang=args.lang,
        report=not args.no_report,
        opts=opts,
    )
    if not args.quiet:
        from simengine.outputs.terminal import wrote_text

        print(table)
        print("\n" + wrote_text(None, written, args.lang, time.perf_counter() - t0))
    return 0


# -- end compare --


# -- backtest and update (simengine.analysis.scoring, simengine.analysis.update) ---------------------------------
def _scoring_options(sub) -> None:
    bt = sub.add_parser("backtest", help=help_text("cmd.backtest"))
    up = sub.add_parser("update", help=help_text("cmd.update"))
    for p, what in ((bt, "backtest"), (up, "update")):
        p.add_argument("scenario", type=Path, help=help_text("scenario_toml"))
        p.add_argument("observations", type=Path, help=help_text("observations"))
        p.add_argument("--draws", type=_positive_int, help=help_text("draws"))
        p.add_argument("--seed", type=_seed, help=help_text("seed"))
        p.add_argument("--out", type=Path, help=help_text("out", suffix=f"-{what}"))
        p.add_argument("--threads", type=_positive_int, help=help_text("threads"))
        p.add_argument("--quiet", action="store_true", help=help_text("quiet"))
    bt.add_argument("--known-by", metavar="DATE", help=help_text("backtest.known_by"))
    up.add_argument("--known-by", metavar="DATE", required=True, help=help_text("update.known_by"))
    _report_options(bt)
    _report_options(up)
    up.add_argument("--no-report", action="store_true", help=help_text("no_report"))
    bt.add_argument("--no-report", action="store_true", help=help_text("backtest.no_report"))
    _cluster_options(bt)  # --scheduler, --block-draws, --connect-timeout: the draws on a Dask cluster
    _cluster_options(up)


# -- end backtest and update --


# -- scenario workbooks (simengine.scenario.xlsx) -------------------------------------------------
def _scenario_command(sub) -> None:
    s = sub.add_parser("scenario", help=help_text("cmd.scenario"))
    ssub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    e = ssub.add_parser("export", help=help_text("cmd.scenario_export"))
    e.add_argument("scenario", type=Path, help=help_text("scenario"))
    e.add_argument("workbook", type=Path, help=help_text("export.workbook"))
    e.add_argument("--quiet", action="store_true", help=help_text("quiet"))
    e.add_argument("--lang", choices=("da", "en"), default="da", help=help_text("export.lang"))


#: the errors of the workbook's folder (simengine.outputs.folder) that scenario export names the workbook in
_EXPORT_FOLDER_KEYS = frozenset(
    ("run.out_is_file", "run.out_under_file", "run.cannot_create_out", "run.out_not_writable", "run.lock_create")
)


def cmd_scenario(args) -> int:
    from simengine.scenario import xlsx as xlsx_scenario

    try:
        out = xlsx_scenario.export(args.scenario, args.workbook)
    except SimengineError as exc:  # the workbook's folder: named with the workbook the user gave
        m = exc.messages[0] if len(exc.messages) == 1 else None
        if isinstance(m, Msg) and m.key in _EXPORT_FOLDER_KEYS:
            if m.key == "run.lock_create":  # the folder refuses new files (its lock file is the first)
                m = Msg(
                    "export.cannot_write_in", file=str(args.workbook), dir=m.params["dir"], detail=m.params["detail"]
                )
            else:
                m = Msg("export.cannot_write", file=str(args.workbook), detail=m)
            raise type(exc)(m) from None
        raise
    if not args.quiet:
        from simengine.outputs.terminal import wrote_text

        print(wrote_text(out.parent, [out], args.lang))
    return 0


# -- end scenario workbooks --
