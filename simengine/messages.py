"""The terminal's words in Danish and English: a catalogue of messages and a value that renders them.

Every message has a key and a text in each language, with ``str.format`` placeholders. A
:class:`Msg` holds a key and its parameters and renders in either language with
:meth:`Msg.text`; ``str(msg)`` is the English text (what Python users of the library see). A
number passed as a parameter is formatted in the language's way (Danish: 100.000 and 0,5); a
string is shown as it is (a file name, a key path, a value as the file wrote it). A parameter that
is itself a :class:`Msg` renders in the same language.

The command line prints in its ``--lang`` (Danish by default): :func:`set_lang` sets the language
of the terminal, :func:`label` gives "fejl"/"error" and the other line prefixes, :func:`warn`
prints a warning line.
"""

from __future__ import annotations

import string
import sys
from typing import Any

LANGS = ("da", "en")

#: key -> {"da": text, "en": text}; the placeholders are the same in both languages
#: (tests/unit/test_messages.py checks it).
CATALOGUE: dict[str, dict[str, str]] = {
    # -- line prefixes on stderr --
    "label.error": {"da": "fejl", "en": "error"},
    "label.warning": {"da": "advarsel", "en": "warning"},
    "label.note": {"da": "bemærk", "en": "note"},
    "label.interrupted": {"da": "afbrudt", "en": "interrupted"},
    "label.terminated": {"da": "stoppet", "en": "terminated"},
    "label.internal_error": {"da": "intern fejl", "en": "internal error"},
    # -- the command line (simengine.cli.main) --
    "cli.kept_new": {
        "da": "de nye resultater var færdige og er gemt",
        "en": "the new results were complete and are in place",
    },
    "cli.kept_old": {
        "da": "de tidligere resultater er uændrede",
        "en": "previous results left as they were",
    },
    "cli.out_of_memory": {
        "da": "hukommelsen slap op; kør med færre træk (--draws)",
        "en": "out of memory; run fewer draws",
    },
    "cli.internal_error": {
        "da": "{kind}: {detail} (sæt SIMENGINE_DEBUG=1 for at se hele forløbet)",
        "en": "{kind}: {detail} (set SIMENGINE_DEBUG=1 for a traceback)",
    },
    "cli.validate_ok": {
        "da": "{file}: ok ({initiatives} initiativer, {areas} områder, {municipalities} kommuner, {start}-{end})",
        "en": "{file}: ok ({initiatives} initiatives, {areas} areas, {municipalities} municipalities, {start}-{end})",
    },
    "cli.validate_extends": {"da": "; bygger på {chain}", "en": "; extends {chain}"},
    "cli.no_scenario_file": {"da": "{file}: scenariefilen findes ikke", "en": "{file}: no such scenario file"},
    "cli.option_only_run": {
        "da": "{option}: bruges kun med en kørsels results.nc, ikke med {file} (skrevet af {kind})",
        "en": "{option}: only used with a run's results.nc, not with {file} (written by {kind})",
    },
    "cli.not_readable_kind": {
        "da": "{file}: kan ikke læses som {kind}-fil (NetCDF4): {detail}",
        "en": "{file}: not a readable {kind} file (NetCDF4): {detail}",
    },
    "cli.not_comparison": {
        "da": "{file}: ikke en simengine-sammenligningsfil: {names} mangler",
        "en": "{file}: not a simengine comparison file: missing {names}",
    },
    "cli.no_sweep_table": {
        "da": "{file}: filen findes ikke (sweep skriver den ved siden af {beside}; sidens tabel læses fra den)",
        "en": "{file}: no such file (sweep writes it beside {beside}; the page's table is read from it)",
    },
    "cli.not_parquet": {
        "da": "{file}: kan ikke læses som parquet-fil: {detail}",
        "en": "{file}: not a readable parquet file: {detail}",
    },
    "cli.sweep_mismatch": {
        "da": "{file}: varianterne svarer ikke til dem i {other} (ikke skrevet af samme sweep)",
        "en": "{file}: its variants are not those of {other} (not written by the same sweep)",
    },
    "report.scenario_changed": {
        "da": "scenariefilen {file} er ændret siden kørslen: antagelsestabellen er fra den nuværende fil",
        "en": "scenario file {file} has changed since the run: the assumptions table is from the current file",
    },
    "report.no_scenario_file": {"da": "results-filen nævner ingen scenariefil", "en": "no scenario_file in results"},
    "report.scenario_missing": {
        "da": "scenariefilen {file}: {why}: antagelsestabellen er udeladt (brug --scenario FIL)",
        "en": "scenario file {file}: {why}: the assumptions table is left out (use --scenario FILE)",
    },
    "cli.report_incomplete": {"da": "rapporten er ufuldstændig: {detail}", "en": "report incomplete: {detail}"},
    "cli.scenario_note": {"da": "{file}: {note}", "en": "{file}: {note}"},
    # -- option values (argparse types in simengine.cli.main) --
    "opt.whole": {"da": "skal være et helt tal, men er {got}", "en": "must be a whole number, got {got}"},
    "opt.see_help": {"da": "se {prog} --help", "en": "see {prog} --help"},
    "opt.number": {
        "da": "skal være et tal med decimalpunktum (fx 0.9 eller 500e6), men er {got}",
        "en": "must be a number (e.g. 0.9 or 500e6), got {got}",
    },
    "opt.at_least_one": {"da": "skal være mindst 1, men er {got}", "en": "must be >= 1, got {got}"},
    "opt.empty_out": {
        "da": "skal angive en mappe, men stien er tom (brug --out . for den aktuelle mappe)",
        "en": "must name a folder, got an empty path (use --out . for the current folder)",
    },
    "opt.seed_range": {"da": "skal ligge i [0; 2^63), men er {got}", "en": "must be in [0, 2^63), got {got}"},
    "opt.precision": {
        "da": "skal være et tal som 0.005, men er {got}",
        "en": "must be a number such as 0.005, got {got}",
    },
    "opt.seconds": {"da": "skal være et antal sekunder, men er {got}", "en": "must be a number of seconds, got {got}"},
    "opt.money": {
        "da": "skal være et beløb i kr., fx 100e6, men er {got}",
        "en": "must be an amount in DKK, e.g. 100e6, got {got}",
    },
    "opt.money_range": {
        "da": "skal være et endeligt beløb på mindst 0 kr., men er {got}",
        "en": "must be a finite amount >= 0 DKK, got {got}",
    },
    # -- run options (simengine.core.driver.RunOptions, simengine.scenario.schema) --
    "run.option": {"da": "{name} {what}", "en": "{name} {what}"},
    "run.subject_is": {"da": "{fn}: {name}", "en": "{fn}: {name} is"},
    "run.at_most": {"da": "må højst være {hi:,}, men er {got:,}", "en": "must be at most {hi:,}, got {got:,}"},
    "run.at_most_cap": {
        "da": "må højst være {hi:,} (histogrammernes tællere er 32-bit pr. tråd), men er {got:,}",
        "en": "must be at most {hi:,} (histogram counts are 32-bit per thread), got {got:,}",
    },
    "run.between": {
        "da": "skal ligge mellem {lo:,} og {hi:,}, men er {got:,}",
        "en": "must be between {lo:,} and {hi:,}, got {got:,}",
    },
    "run.at_least": {"da": "skal være mindst {lo:,}, men er {got:,}", "en": "must be >= {lo:,}, got {got:,}"},
    "run.precision": {
        "da": "skal ligge mellem 0 og 1 (fx 0.005 for 0,5 %), men er {got}",
        "en": "must be between 0 and 1 (e.g. 0.005 for 0.5%), got {got}",
    },
    "run.draws_with_precision": {
        "da": "{subject} bruges ikke sammen med {po} (der lægges blokke af træk til, til præcisionen er nået); "
        "sæt den øvre grænse med {m}",
        "en": "{subject} not used with {po} (blocks of draws are added until the precision is reached); "
        "set the upper limit with {m}",
    },
    "run.only_with": {"da": "{subject} bruges kun sammen med {other}", "en": "{subject} only used with {other}"},
    "run.scheduler": {
        "da": "skal være en adresse som tcp://host:8786 eller local:N, men er {got}",
        "en": "must be an address such as tcp://host:8786 or local:N, got {got}",
    },
    "run.connect_timeout": {
        "da": "skal være over 0 og højst {max:,g} sekunder (en time), men er {got}",
        "en": "must be > 0 and at most {max:g} seconds (an hour), got {got}",
    },
    "run.local_workers": {
        "da": "--scheduler local:{n}: højst {cores} workers på denne maskine ({cores} kerner)",
        "en": "--scheduler local:{n}: at most {cores} workers on this machine ({cores} cores)",
    },
    "run.local_threads": {
        "da": "--threads {threads} med --scheduler local:{n}: {n} workers x {threads} tråde er flere end "
        "maskinens {cores} kerner",
        "en": "--threads {threads} with --scheduler local:{n}: {n} workers x {threads} threads exceed this "
        "machine's {cores} cores",
    },
    "run.threads": {
        "da": "skal ligge mellem 1 og {limit} (maskinens kerner), men er {got}",
        "en": "must be between 1 and {limit} (this machine's cores), got {got}",
    },
    "run.scenario_draws": {
        "da": "{file}: simulation.{name}: skal være et helt tal mellem 1 og {max:,} (histogrammernes tællere er "
        "32-bit pr. tråd), men er {got}",
        "en": "{file}: simulation.{name}: must be a whole number in [1, {max:,}] (at most {max:,}: histogram "
        "counts are 32-bit per thread), got {got}",
    },
    "run.draws_range": {
        "da": "--draws: skal ligge mellem 1 og {max:,}, men er {got:,}",
        "en": "--draws: must be in [1, {max:,}], got {got:,}",
    },
    "run.seed_range": {
        "da": "--seed: skal ligge i [0; 2^63), men er {got}",
        "en": "--seed: must be in [0, 2^63), got {got}",
    },
    "update.not_scored": {"da": "ikke scoret: {detail}", "en": "not scored: {detail}"},
    "analysis.no_waterfall": {"da": "intet vandfaldsdiagram: {detail}", "en": "no waterfall: {detail}"},
    # -- check (simengine.cli.check) --
    "check.problem": {"da": "{file}: {name}: {why}, men er {got}", "en": "{file}: {name}: {why}, got {got}"},
    "check.sha256": {"da": "skal være en sha256 (64 hex-cifre)", "en": "must be a sha256 (64 hex digits)"},
    "check.seed": {"da": "skal være et helt tal i [0; 2^63)", "en": "must be a whole number in [0, 2^63)"},
    "check.whole_in": {"da": "skal være et helt tal mellem 1 og {hi:,}", "en": "must be a whole number in [1, {hi:,}]"},
    "check.amount": {"da": "skal være et endeligt beløb på mindst 0 kr.", "en": "must be a finite amount >= 0 DKK"},
    "check.path": {"da": "skal være scenariefilens sti", "en": "must be the path of the scenario file"},
    "check.versions": {"da": "skal være en tabel med versioner", "en": "must be a table of versions"},
    "check.identical": {
        "da": "identisk: {draws:,} træk med seed {seed} genskaber {file} bit for bit (digest {digest}…)",
        "en": "identical: {draws:,} draws, seed {seed} reproduce {file} bit for bit (digest {digest}…)",
    },
    "check.version": {
        "da": "kørslen brugte simengine {old}; dette er {new}",
        "en": "the run used simengine {old}, this is {new}",
    },
    "check.no_manifest": {
        "da": "{file}: kørselsmanifestet (run.json) findes ikke",
        "en": "{file}: no such run manifest (run.json)",
    },
    "check.not_manifest": {
        "da": "{file}: ikke et kørselsmanifest: {detail}",
        "en": "{file}: not a run manifest: {detail}",
    },
    "check.manifest_missing": {
        "da": "{file}: ikke et kørselsmanifest: {names} mangler",
        "en": "{file}: not a run manifest: missing {names}",
    },
    # -- scenario files (simengine.scenario.schema) --
    "sc.problem": {"da": "{where}: {what}", "en": "{where}: {what}"},
    "sc.at": {"da": "{file}: {path}", "en": "{file}: {path}"},
    "sc.at_cell": {"da": "{file}: {cell}: {path}", "en": "{file}: {cell}: {path}"},
    "sc.a_table": {"da": "en tabel", "en": "a table"},
    "sc.a_list": {"da": "en liste med {n} elementer", "en": "a list of {n}"},
    "sc.nothing": {"da": "intet", "en": "nothing"},
    "sc.none_of_them": {"da": "ingen af dem", "en": "none of them"},
    "sc.did_you_mean": {"da": "; mente du {name}?", "en": "; did you mean {name}?"},
    "sc.did_you_mean_required": {
        "da": "; mente du {name}, som skal angives og mangler?",
        "en": "; did you mean {name}, a required key that is missing?",
    },
    "sc.must_table": {"da": "skal være en tabel, men er {got}", "en": "must be a table, got {got}"},
    "sc.unknown_key": {
        "da": "ukendt nøgle{hint} (tilladte nøgler: {keys})",
        "en": "unknown key{hint} (allowed keys: {keys})",
    },
    "sc.required": {"da": "nøglen skal angives, men er ikke med", "en": "required key is missing"},
    "sc.must_integer": {"da": "skal være et heltal, men er {got}", "en": "must be an integer, got {got}"},
    "sc.must_number": {"da": "skal være et tal, men er {got}", "en": "must be a number, got {got}"},
    "sc.must_finite_number": {
        "da": "skal være et endeligt tal, men er {got}",
        "en": "must be a finite number, got {got}",
    },
    "sc.must_be": {"da": "skal være {need}, men er {got}", "en": "must be {need}, got {got}"},
    "sc.float_range": {
        "da": "skal være et endeligt tal (højst ca. 1,8e308), men er {got}",
        "en": "must be a finite number (at most about 1.8e308), got {got}",
    },
    "sc.must_string": {"da": "skal være en tekst, men er {got}", "en": "must be a string, got {got}"},
    "sc.no_nul": {
        "da": "må ikke indeholde et NUL-tegn (\\x00), men er {got}",
        "en": "must not contain a NUL character (\\x00), got {got}",
    },
    "sc.must_bool": {"da": "skal være true eller false, men er {got}", "en": "must be true or false, got {got}"},
    "sc.dist_range": {
        "da": "værdierne skal være {need}, men {dist} spænder over [{lo:g}; {hi:g}]{trunc}",
        "en": "values must be {need}, but {dist} ranges over [{lo:g}, {hi:g}]{trunc}",
    },
    "sc.dist_truncate": {"da": "; afgræns den med min/max", "en": "; truncate it with min/max"},
    "sc.dist_extreme": {
        "da": "parametrene er for ekstreme: {dist} har ingen endelige fraktiler i det udtrukne "
        "sandsynlighedsinterval [2^{t}; 1 - 2^{t}]",
        "en": "parameters too extreme: {dist} has no finite quantiles over the sampled probability range "
        "[2^{t}, 1 - 2^{t}]",
    },
    "sc.number_or_dist": {
        "da": "skal være et tal eller en fordelingstabel, men er {got}",
        "en": "must be a number or a distribution table, got {got}",
    },
    "sc.must_finite": {"da": "skal være endelig, men er {got}", "en": "must be finite, got {got}"},
    "sc.number_or_dist_like": {
        "da": 'skal være et tal eller en tabel som {{ dist = "pert", min = 1, mode = 2, max = 4 }}, men er {got}',
        "en": 'must be a number or a table like {{ dist = "pert", min = 1, mode = 2, max = 4 }}, got {got}',
    },
    "sc.dist_name": {
        "da": "fordelingens navn skal angives, en af {names}; angivet: {got}",
        "en": "required: the distribution name, one of {names}; got {got}",
    },
    "sc.unknown_dist": {
        "da": "ukendt fordeling {name}{hint} (tilladte: {names})",
        "en": "unknown distribution {name}{hint} (allowed: {names})",
    },
    "sc.dist_needs": {"da": "{fam} kræver {cond}, men har {got}", "en": "{fam} needs {cond}, got {got}"},
    "sc.dist_needs_mode": {
        "da": "{fam} kræver min <= mode <= max og min < max, men har {got}",
        "en": "{fam} needs min <= mode <= max with min < max, got {got}",
    },
    "sc.beta_sd": {
        "da": "beta-fordelingens sd er for stor i forhold til middelværdien: sd skal være under {limit:.4g} "
        "(sd^2 < (mean-min)(max-mean)), men har {got}",
        "en": "beta sd too large for its mean: needs sd < {limit:.4g} (sd^2 < (mean-min)(max-mean)), got {got}",
    },
    "sc.lognormal_either": {
        "da": "lognormal kræver enten median og p90 eller mu og sigma, men har {got}",
        "en": "lognormal needs either median and p90, or mu and sigma, got {got}",
    },
    "sc.lognormal_both": {
        "da": "lognormal kræver både {a} og {b}, men har {got}",
        "en": "lognormal needs both {a} and {b}, got {got}",
    },
    "sc.normal_no_mass": {
        "da": "den afskårne normalfordeling har ingen sandsynlighedsmasse mellem min og max (masse {mass:.2g}), "
        "men har {got}",
        "en": "truncated normal keeps no probability between min and max (mass {mass:.2g}), got {got}",
    },
    "sc.share_list_open": {
        "da": "skal være en ikke-tom liste med højst 99 tal, alle mellem 0 og 1 (begge udelukket), men er {got}",
        "en": "must be a non-empty list of at most 99 numbers strictly between 0 and 1, got {got}",
    },
    "sc.share_list": {
        "da": "skal være en ikke-tom liste med højst 99 tal mellem 0 og 10 (andele af målstien), men er {got}",
        "en": "must be a non-empty list of at most 99 numbers between 0 and 10 (shares of the target path), got {got}",
    },
    "sc.list_item": {
        "da": "hvert element i listen skal være et tal {need}{note}, men er {got}",
        "en": "each item of the list must be a number {need}{note}, got {got}",
    },
    "sc.share_of_target": {"da": " (en andel af målstien)", "en": " (a share of the target path)"},
    "sc.horizon_before": {
        "da": "skal være mindst start_year ({start}), men er {got}",
        "en": "must be >= start_year ({start}), got {got}",
    },
    "sc.horizon_long": {
        "da": "højst 100 år efter start_year ({start}), men er {got}",
        "en": "at most 100 years after start_year ({start}), got {got}",
    },
    "sc.within": {
        "da": "skal ligge mellem {a} og {b} ({lo}..{hi}), men er {got}",
        "en": "must lie within {a}..{b} ({lo}..{hi}), got {got}",
    },
    "sc.year_within": {
        "da": "året skal ligge mellem start_year og horizon ({lo}..{hi}), men er {got}",
        "en": "year must lie within start_year..horizon ({lo}..{hi}), got {got}",
    },
    "sc.one_of": {"da": "skal være en af {names}, men er {got}", "en": "must be one of {names}, got {got}"},
    "sc.shown_list": {"da": "{shown} {items}", "en": "{shown} {items}"},
    "sc.low_high": {
        "da": "skal være [lav, høj] med 0 < lav <= høj, men er {got}",
        "en": "must be [low, high] with 0 < low <= high, got {got}",
    },
    "sc.quantiles": {
        "da": "skal være en ikke-tom liste med tal mellem 0 og 1 (begge udelukket), men er {got}",
        "en": "must be a non-empty list of numbers strictly between 0 and 1, got {got}",
    },
    "sc.observed_table": {
        "da": "skal være en tabel med år = værdi, men er {got}",
        "en": "must be a table of year = value, got {got}",
    },
    "sc.observed_key": {
        "da": 'nøglerne skal være årstal som "2016" (eller quantity), men er {got}',
        "en": 'keys must be years like "2016" (or quantity), got {got}',
    },
    "sc.areas_table": {
        "da": "skal indeholde mindst én [areas.<nøgle>]-tabel, men er {got}",
        "en": "must hold at least one [areas.<key>] table, got {got}",
    },
    "sc.at_most_areas": {"da": "højst {max:,} områder, men der er {got:,}", "en": "at most {max:,} areas, got {got:,}"},
    "sc.area_key": {
        "da": "et områdes nøgle må bestå af bogstaver, cifre, - og _, men er {got}",
        "en": "area keys may use letters, digits, - and _, got {got}",
    },
    "sc.initiatives_list": {
        "da": "skal være en ikke-tom liste af [[initiatives]]-tabeller, men er {got}",
        "en": "must be a non-empty list of [[initiatives]] tables, got {got}",
    },
    "sc.at_most_initiatives": {
        "da": "højst {max:,} initiativer, men der er {got:,}",
        "en": "at most {max:,} initiatives, got {got:,}",
    },
    "sc.initiative_id": {
        "da": "et id må bestå af bogstaver, cifre, - og _ (ingen punktummer eller mellemrum), men er {got}",
        "en": "ids may use letters, digits, - and _ (no dots or spaces), got {got}",
    },
    "sc.duplicate_id": {"da": "id {id} står to gange (også i {other})", "en": "duplicate id {id} (also {other})"},
    "sc.in_all": {"da": ", ... ({n} i alt)", "en": ", ... ({n} in all)"},
    "sc.names_more": {"da": "{names}{more}", "en": "{names}{more}"},
    "sc.none": {"da": "(ingen)", "en": "(none)"},
    "sc.undefined_area": {
        "da": "området {area} findes ikke{hint} (definerede områder: {names})",
        "en": "area {area} is not defined{hint} (defined areas: {names})",
    },
    "sc.alloc_key": {
        "da": "skal være en af {names} (eller en talkolonne i kommune-CSV-filen), men er {got}",
        "en": "must be one of {names} (or a numeric column of the municipalities CSV), got {got}",
    },
    "sc.self_dependency": {
        "da": "et initiativ kan ikke vente på sig selv, men depends_on er {got}",
        "en": "an initiative cannot wait for itself, got {got}",
    },
    "sc.lag_needs_dep": {
        "da": "kræver depends_on (det initiativ, hvis idriftsættelse dette venter på)",
        "en": "needs depends_on (the initiative whose go-live this one waits for)",
    },
    # -- the municipalities CSV (simengine.scenario.municipalities) --
    "mun.unusable_path": {
        "da": "{where}: stien til kommunefilen kan ikke bruges, men er {got}: {detail}",
        "en": "{where}: unusable municipalities path, got {got}: {detail}",
    },
    "mun.not_utf8": {
        "da": "{file}: ikke UTF-8-tekst (byte {at}: {byte}); gem CSV-filen som UTF-8",
        "en": "{file}: not UTF-8 text (byte {at}: {byte}); save the CSV as UTF-8",
    },
    "mun.not_found": {
        "da": '{where}: kommunefilen findes ikke, angivet {got} (fundet som {path}); brug "builtin" eller en '
        "CSV-sti i forhold til scenariefilen",
        "en": "{where}: municipalities file not found, got {got} (resolved to {path}); "
        'use "builtin" or a CSV path relative to the scenario file',
    },
    "mun.not_file": {
        "da": "{where}: kommunestien er ikke en fil, angivet {got} ({path})",
        "en": "{where}: municipalities path is not a file, got {got} ({path})",
    },
    "mun.empty": {
        "da": "{file}: kommune-CSV-filen er tom; den skal have overskriften {header} og én række pr. kommune",
        "en": "{file}: the municipalities CSV is empty; it needs a header {header} and one row per municipality",
    },
    "mun.missing_columns": {
        "da": "{file}: kolonne(r) {names} mangler; filen har kolonnerne {got}; der skal være: {required}",
        "en": "{file}: missing column(s) {names}; got columns {got}; required: {required}",
    },
    "mun.no_rows": {
        "da": "{file}: ingen kommuner efter overskriften",
        "en": "{file}: no municipalities after the header",
    },
    "mun.fields": {
        "da": "{file}: linje {line}: {n} felter, men overskriften har {want}",
        "en": "{file}: line {line}: {n} fields, expected {want}",
    },
    "mun.code": {
        "da": "{file}: linje {line}: code skal være et positivt heltal (kommunekode), men er {got}",
        "en": "{file}: line {line}: code must be a positive integer (kommunekode), got {got}",
    },
    "mun.duplicate_code": {
        "da": "{file}: linje {line}: kommunekoden {code} står to gange (også på linje {other})",
        "en": "{file}: line {line}: duplicate code {code} (also on line {other})",
    },
    "mun.population": {
        "da": "{file}: linje {line}: population skal være et positivt tal, men er {got}",
        "en": "{file}: line {line}: population must be a positive number, got {got}",
    },
    "iv.finite": {"da": "et endeligt tal", "en": "a finite number"},
    "iv.above": {"da": "{op} {lo:g}", "en": "{op} {lo:g}"},
    "iv.below": {"da": "{op} {hi:g}", "en": "{op} {hi:g}"},
    "iv.in": {"da": "i intervallet {open}{lo:g}; {hi:g}{close}", "en": "in {open}{lo:g}, {hi:g}{close}"},
    "sc.bad_path": {"da": "{file}: stien kan ikke bruges: {detail}", "en": "{file}: cannot use this path: {detail}"},
    "sc.no_file": {"da": "{file}: filen findes ikke", "en": "{file}: no such file"},
    "sc.dir_scenario": {
        "da": "{file}: er en mappe, men skal være en scenariefil (.toml)",
        "en": "{file}: is a directory, expected a scenario file (.toml)",
    },
    "sc.dir_observations": {
        "da": "{file}: er en mappe, men skal være en observationsfil (.toml)",
        "en": "{file}: is a directory, expected an observations file (.toml)",
    },
    "sc.not_utf8": {
        "da": "{file}: ikke UTF-8-tekst (byte {at}: {byte}); gem scenariet som UTF-8",
        "en": "{file}: not UTF-8 text (byte {at}: {byte}); save the scenario as UTF-8",
    },
    "sc.not_toml": {"da": "{file}: ikke gyldig TOML: {detail}", "en": "{file}: not valid TOML: {detail}"},
    "sc.nested_too_deeply": {"da": "for dybt indlejret", "en": "nested too deeply"},
    # -- the memory guard (simengine.core.memory.advice, core.engine.check_memory) --------------------
    "memory.refused": {
        "da": "{where}denne kørsel kan bruge op til omkring {need:.1f} GiB hukommelse, mere end 80 % af maskinens "
        "{have:.1f} GiB; {advice}",
        "en": "{where}this run may need up to about {need:.1f} GiB of memory, more than 80% of this machine's "
        "{have:.1f} GiB; {advice}",
    },
    "memory.largest": {
        "da": "den største del, {gib:.1f} GiB, er {what}",
        "en": "the largest part, {gib:.1f} GiB, is {what}",
    },
    "memory.part.threads": {
        "da": "de histogrammer, som hver af de {threads} tråde holder over {M:,} kommuner og {I:,} initiativer i {Y} år",
        "en": "the histograms each of the {threads} threads keeps of {M:,} municipalities and {I:,} initiatives "
        "over {Y} years",
    },
    "memory.part.histograms": {
        "da": "de samlede histogrammer over {M:,} kommuner og {I:,} initiativer i {Y} år",
        "en": "the merged histograms of {M:,} municipalities and {I:,} initiatives over {Y} years",
    },
    "memory.part.kept": {
        "da": "værdierne pr. træk for de {n:,} beholdte træk",
        "en": "the per-draw values of the {n:,} kept draws",
    },
    "memory.part.inputs": {
        "da": "inputtene pr. træk for de første {n:,} træk",
        "en": "the per-draw inputs of the first {n:,} draws",
    },
    "memory.part.analyses": {
        "da": "følsomhedsanalysen og vandfaldet over de beholdte træk",
        "en": "the sensitivity analysis and waterfall over the kept draws",
    },
    "memory.part.report": {"da": "rapportens diagrammer og tabeller", "en": "the report's charts and tables"},
    "memory.part.dataset": {"da": "resultattabellerne", "en": "the results tables"},
    "memory.part.kernels": {"da": "de oversatte kerner", "en": "the compiled kernels"},
    "memory.keep_draws": {
        "da": "{head}; sænk keep_draws, fx til {k:,} (statistikkerne bruger stadig alle {draws:,} træk)",
        "en": "{head}; lower keep_draws, e.g. to {k:,} (statistics still use all {draws:,} draws)",
    },
    "memory.threads": {
        "da": "{head}; brug --threads {t} eller færre (resultaterne afhænger ikke af det)",
        "en": "{head}; use --threads {t} or fewer (the results do not depend on it)",
    },
    "memory.no_report": {
        "da": "{head}; kør med --no-report (results.nc, summary.parquet og run.json skrives stadig)",
        "en": "{head}; run with --no-report (results.nc, summary.parquet and run.json are still written)",
    },
    "memory.together": {
        "da": "{head}; ingen enkelt ændring er nok: brug --threads 1, --no-report og en lavere keep_draws sammen",
        "en": "{head}; no one change is enough: use --threads 1, --no-report and a lower keep_draws together",
    },
    "memory.floor": {
        "da": "selv med keep_draws = 1, én tråd og --no-report skal den bruge {gib:.1f} GiB",
        "en": "even with keep_draws = 1, one thread and --no-report it needs {gib:.1f} GiB",
    },
    "memory.split": {
        "da": "{head}; {floor}, heraf {hist:.1f} GiB til histogrammerne over {M:,} kommuner og {I:,} initiativer "
        "i {Y} år: brug færre kommuner eller initiativer (del scenariet) eller en større maskine (eller en "
        "Dask-klynge, --scheduler)",
        "en": "{head}; {floor}, {hist:.1f} GiB of it the histograms of {M:,} municipalities and {I:,} initiatives "
        "over {Y} years: use fewer municipalities or initiatives (split the scenario) or a larger machine (or a "
        "Dask cluster, --scheduler)",
    },
    "memory.larger_machine": {
        "da": "{head}; {floor}, heraf {base:.1f} GiB til Python, numpy, numba, xarray og selve de oversatte kerner: "
        "kør den på en større maskine",
        "en": "{head}; {floor}, {base:.1f} GiB of it Python, numpy, numba, xarray and the compiled kernels "
        "themselves: run it on a larger machine",
    },
    # -- the observations file (simengine.scenario.observations) --
    "obs.top_level": {"da": "(øverste niveau)", "en": "(top level)"},
    "obs.top_key": {"da": "(øverste niveau).{name}", "en": "(top level).{name}"},
    "obs.error_table": {
        "da": 'skal være en tabel som {{ kind = "lognormal", sd = 0.25 }}, men er {got}',
        "en": 'must be a table such as {{ kind = "lognormal", sd = 0.25 }}, got {got}',
    },
    "obs.bias": {
        "da": "skal være > 0 (observationen = bias x modellens værdi), men er {got}",
        "en": "must be > 0 (observation = bias x the model's value), got {got}",
    },
    "obs.sd_required_log": {
        "da": "skal angives for kind = {kind} (spredningen af logaritmen)",
        "en": "required for kind = {kind} (the spread of the log)",
    },
    "obs.sd_required": {
        "da": "skal angives for kind = {kind} (spredningen, i værdiens enhed)",
        "en": "required for kind = {kind} (the spread, in the value's units)",
    },
    "obs.sd_positive": {"da": "spredningen skal være > 0, men er {got}", "en": "the spread must be > 0, got {got}"},
    "obs.sd_only": {
        "da": "bruges kun med kind normal eller lognormal, ikke {kind}",
        "en": "only for kind normal or lognormal, not {kind}",
    },
    "obs.interval_required": {"da": "skal angives for kind = 'interval'", "en": "required for kind = 'interval'"},
    "obs.high_above_low": {"da": "skal være > low ({low:g}), men er {got}", "en": "must be > low ({low:g}), got {got}"},
    "obs.interval_only": {
        "da": "bruges kun med kind = 'interval', ikke {kind}",
        "en": "only for kind = 'interval', not {kind}",
    },
    "obs.lognormal_value": {
        "da": "en lognormal fejlmodel kræver value > 0, men har value = {got}",
        "en": "a lognormal error model needs value > 0, got value = {got}",
    },
    "obs.outside_interval": {
        "da": "value {value:g} ligger uden for intervallet [{low:g}; {high:g}]",
        "en": "value {value:g} lies outside the interval [{low:g}, {high:g}]",
    },
    "obs.never_negative": {
        "da": "kind = {kind} med value = {value:g}: modellens værdi er aldrig negativ",
        "en": "kind = {kind} with value = {value:g}: the model's value is never negative",
    },
    "obs.interval_negative": {
        "da": "intervallet [{low:g}; {high:g}]: modellens værdi er aldrig negativ",
        "en": "interval [{low:g}, {high:g}]: the model's value is never negative",
    },
    "obs.date": {
        "da": "skal være en TOML-dato som 2016-02-16, men er {got}",
        "en": "must be a TOML date such as 2016-02-16, got {got}",
    },
    "obs.array": {
        "da": "skal være en liste af tabeller ([[{name}]]), men er {got}",
        "en": "must be an array of tables ([[{name}]]), got {got}",
    },
    "obs.id": {
        "da": "skal være en tekst af bogstaver, cifre og _ . : -, men er {got}",
        "en": "must be a string of letters, digits and _ . : -, got {got}",
    },
    "obs.duplicate_id": {
        "da": "id {id} står to gange: hvert id må kun bruges én gang",
        "en": "duplicate id {id}: ids must be unique",
    },
    "obs.quantity": {
        "da": "skal være en af {names} (de størrelser, modellen har), men er {got}",
        "en": "must be one of {names} (what the model has), got {got}",
    },
    "obs.scope": {
        "da": 'skal være "national", "area:<id>" eller "initiative:<id>", men er {got}',
        "en": 'must be "national", "area:<id>" or "initiative:<id>", got {got}',
    },
    "obs.scope_initiative": {
        "da": 'quantity {q} gælder pr. initiativ: scope skal være "initiative:<id>", men er {got}',
        "en": 'quantity {q} is per initiative: scope must be "initiative:<id>", got {got}',
    },
    "obs.year_golive": {
        "da": "bruges ikke for golive (value er idriftsættelsen som decimalår)",
        "en": "not used for golive (the value is the go-live time as a decimal year)",
    },
    "obs.year_required": {"da": "skal angives for quantity {q}", "en": "required for quantity {q}"},
    "obs.year_int": {
        "da": "skal være et årstal (et heltal), men er {got}",
        "en": "must be a year (an integer), got {got}",
    },
    "obs.source": {
        "da": "skal være en ikke-tom tekst (en adresse), men er {got}",
        "en": "must be a non-empty string (an address), got {got}",
    },
    "obs.ref_name": {
        "da": "skal være et navn af bogstaver, cifre og _ (og begynde med et bogstav), men er {got}",
        "en": "must be a name of letters, digits and _ (starting with a letter), got {got}",
    },
    "obs.ref_duplicate": {"da": "referencens navn står to gange", "en": "duplicate reference name"},
    "obs.ratio": {
        "da": "skal være et tal eller [lav, høj], men er {got}",
        "en": "must be a number or [low, high], got {got}",
    },
    "obs.ratio_order": {
        "da": "skal være [lav, høj] med 0 <= lav < høj, men er [{lo:g}; {hi:g}]",
        "en": "must be [low, high] with 0 <= low < high, got [{lo:g}, {hi:g}]",
    },
    "obs.no_initiative": {
        "da": "initiativet {unit} findes ikke i {file}; angivet: {got}",
        "en": "no initiative {unit} in {file}, got {got}",
    },
    "obs.no_area": {
        "da": "området {unit} findes ikke i {file} (områder: {names}); angivet: {got}",
        "en": "no area {unit} in {file} (areas: {names}), got {got}",
    },
    "obs.horizon": {
        "da": "skal ligge i scenariets horisont {start}-{end}, men er {got}",
        "en": "must lie in the scenario's horizon {start}-{end}, got {got}",
    },
    "obs.known_by": {
        "da": "--known-by: skal være en dato ÅÅÅÅ-MM-DD, men er {got}",
        "en": "--known-by: must be a date YYYY-MM-DD, got {got}",
    },
    "obs.needs_inputs": {
        "da": "{file}: observation {id}: {what}: kræver inputtene pr. træk for alle beholdte træk "
        "({n:,} af {k:,} er beholdt)",
        "en": "{file}: observation {id}: {what}: needs the per-draw inputs of every kept draw ({n:,} of {k:,} kept)",
    },
    "obs.no_quantity": {
        "da": "{file}: observation {id}: {what}: disse resultater har ingen {name} pr. træk "
        "(den potentielle bruttogevinst før lokal realisering)",
        "en": "{file}: observation {id}: {what}: these results have no per-draw {name} "
        "(the gross potential gain before local realisation)",
    },
    # -- the scenario workbook (simengine.scenario.xlsx) and file kinds (simengine.scenario.safeio) --
    "xl.cell": {"da": "ark {sheet}, celle {cell}", "en": "{sheet}!{cell}"},
    "xl.export_dir": {
        "da": "{file}: er en mappe, men skal være filnavnet på den projektmappe, der skal skrives (.xlsx)",
        "en": "{file}: is a directory, expected the file name of the workbook to write (.xlsx)",
    },
    "xl.export_name": {
        "da": "{file}: projektmappens navn skal ende på .xlsx",
        "en": "{file}: the workbook must be named .xlsx",
    },
    "xl.cannot_read": {"da": "kan ikke læse {got}: {detail}", "en": "cannot read {got}: {detail}"},
    "xl.dist_no_params": {
        "da": "{got}: en fordeling skal have parametre, fx pert(min=0.5, mode=0.8, max=1.0)",
        "en": "{got}: a distribution needs parameters, e.g. pert(min=0.5, mode=0.8, max=1.0)",
    },
    "xl.dist_params": {
        "da": "kan ikke læse {got}: skriv hver parameter som navn=værdi, adskilt af kommaer "
        "(pert(min=0.5, mode=0.8, max=1.0)) eller af semikoloner (pert(min=0,5; mode=0,8; max=1))",
        "en": "cannot read {got}: write each parameter as name=value, separated by commas "
        "(pert(min=0.5, mode=0.8, max=1.0)) or by semicolons (pert(min=0,5; mode=0,8; max=1))",
    },
    "xl.dist_not_number": {
        "da": "kan ikke læse {got}: {name}={value} er ikke et tal (brug punktum som decimaltegn)",
        "en": "cannot read {got}: {name}={value} is not a number (use a decimal point)",
    },
    "xl.dist_twice": {
        "da": "kan ikke læse {got}: {name} er angivet to gange",
        "en": "cannot read {got}: {name} is given twice",
    },
    "xl.unknown_column": {
        "da": "ukendt kolonne {name}{hint} (tilladte kolonner: {names})",
        "en": "unknown column {name}{hint} (allowed columns: {names})",
    },
    "xl.column_twice": {"da": "kolonnen {name} står to gange", "en": "column {name} appears twice"},
    "xl.column_no_header": {
        "da": "kolonne {col} har værdier (den første i {first}), men ingen overskrift: skriv kolonnens nøgle "
        "her (en af {names}) eller ryd kolonnen",
        "en": "column {col} has values (the first in {first}) but no header: write the column's key here "
        "(one of {names}) or clear the column",
    },
    "xl.formula_no_value": {
        "da": "cellen indeholder formlen {formula} uden en beregnet værdi: åbn projektmappen i Excel og gem den "
        "(så resultatet gemmes), eller skriv værdien i cellen",
        "en": "the cell holds the formula {formula} without a computed value: open the workbook in Excel and save "
        "it (so that the result is stored), or type the value into the cell",
    },
    "xl.not_workbook": {
        "da": "{file}: ikke en Excel-projektmappe (.xlsx), der kan læses: {detail}",
        "en": "{file}: not an Excel workbook (.xlsx) that can be read: {detail}",
    },
    "xl.sheet_missing": {
        "da": "{file}: arket {sheet} mangler; en scenarie-projektmappe har arkene {names} (lav en med: "
        "python -m simengine scenario export SCENARIE.toml FIL.xlsx)",
        "en": "{file}: sheet {sheet} is missing; a scenario workbook has the sheets {names} (write one with: "
        "python -m simengine scenario export SCENARIO.toml FILE.xlsx)",
    },
    "xl.dir": {
        "da": "{file}: er en mappe, men skal være en scenariefil (.toml eller .xlsx)",
        "en": "{file}: is a directory, expected a scenario file (.toml or .xlsx)",
    },
    "xl.key_path": {
        "da": "skal være en nøglesti som scenario.target (tabel.nøgle, tabellerne {tables}), men er {got}",
        "en": "must be a key path such as scenario.target (table.key, tables {tables}), got {got}",
    },
    "xl.unknown_table": {
        "da": "ukendt tabel {table} i {setting}; tilladte: {tables} (areas, initiatives, correlations og observed "
        "har deres egne ark)",
        "en": "unknown table {table} in {setting}; allowed: {tables} (areas, initiatives, correlations and observed "
        "have sheets of their own)",
    },
    "xl.key_twice": {
        "da": "{setting} er angivet to gange (også i {other})",
        "en": "{setting} is given twice (also {other})",
    },
    "xl.area_key": {
        "da": "områdets nøgle mangler (bogstaver, cifre, - og _), men er {got}",
        "en": "the area's key is missing (letters, digits, - and _), got {got}",
    },
    "xl.area_twice": {"da": "området {area} står to gange", "en": "area {area} appears twice"},
    "xl.year": {"da": "skal være et årstal som 2016, men er {got}", "en": "must be a year such as 2016, got {got}"},
    "xl.observed_missing": {
        "da": "den observerede gevinst for {year} mangler (et beløb i kr. pr. år)",
        "en": "the observed gain of {year} is missing (a number of DKK per year)",
    },
    "io.kind.directory": {"da": "en mappe", "en": "a directory"},
    "io.kind.fifo": {"da": "en navngiven pipe (FIFO)", "en": "a named pipe (FIFO)"},
    "io.kind.device": {"da": "en enhed (device)", "en": "a device"},
    "io.kind.socket": {"da": "en socket", "en": "a socket"},
    "io.kind.other": {"da": "ikke en almindelig fil", "en": "not a regular file"},
    "io.what.file": {"da": "en fil", "en": "a file"},
    "io.what.scenario": {"da": "en scenariefil", "en": "a scenario"},
    "io.what.observations": {"da": "en observationsfil", "en": "an observations file"},
    "io.what.municipalities": {"da": "en kommune-CSV-fil", "en": "a municipalities CSV"},
    "io.what.manifest": {"da": "et kørselsmanifest (run.json)", "en": "a run manifest (run.json)"},
    "io.loop": {
        "da": "{file}: en løkke af symbolske links (eller for mange af dem)",
        "en": "{file}: a loop of symbolic links (or too many of them)",
    },
    "io.cannot_read": {"da": "{file}: kan ikke læses: {detail}", "en": "{file}: cannot read: {detail}"},
    "io.is_dir": {"da": "{file}: er en mappe, men skal være {what}", "en": "{file}: is a directory, expected {what}"},
    "io.not_regular": {
        "da": "{file}: er {kind}, men skal være {what} (en almindelig fil)",
        "en": "{file}: is {kind}, expected {what} (a regular file)",
    },
    "io.too_large": {
        "da": "{file}: filen fylder {size:,} byte; {what} må højst fylde {limit:,} byte",
        "en": "{file}: file is {size:,} bytes; {what} may be at most {limit:,} bytes",
    },
    "io.grew": {
        "da": "{file}: filen fylder mere end {limit:,} byte; {what} må højst fylde {limit:,} byte",
        "en": "{file}: file is more than {limit:,} bytes; {what} may be at most {limit:,} bytes",
    },
    # -- correlations, shocks, [model] and extends (simengine.scenario.schema) --
    "sc.inherit_from_dict": {
        "da": "behandles, når en scenariefil indlæses (scenario.load eller scenario.resolve), ikke af from_dict",
        "en": "is resolved when a scenario file is loaded (scenario.load or scenario.resolve), not by from_dict",
    },
    "sc.corr_list": {
        "da": "skal være en liste af [[correlations]]-tabeller med a, b og rho, men er {got}",
        "en": "must be a list of [[correlations]] tables with a, b and rho, got {got}",
    },
    "sc.corr_no_input": {
        "da": "intet input hedder {name}{hint} (inputtene er national.weak_share, national.economic_pressure og "
        "<initiativ-id>.<et af {inputs}> eller et mønster som '*.delay')",
        "en": "no input named {name}{hint} (inputs are national.weak_share, national.economic_pressure and "
        "<initiative id>.<one of {inputs}>, or a wildcard such as '*.delay')",
    },
    "sc.corr_fixed": {
        "da": "{name} har en fast værdi: der er intet at korrelere",
        "en": "{name} has a fixed value: there is nothing to correlate",
    },
    "sc.corr_too_many": {
        "da": "højst {max:,} input må korreleres (rangkorrelationsmatricen vokser med antallet i anden); "
        "{a} og {b} giver {n:,}",
        "en": "at most {max:,} inputs may be correlated (the rank correlation matrix grows with their square); "
        "{a} and {b} make {n:,}",
    },
    "sc.corr_self": {
        "da": "korrelerer {name} med sig selv (rho {rho}); a og b skal angive forskellige input",
        "en": "correlates {name} with itself (rho {rho}); a and b must name different inputs",
    },
    "sc.calibration_band": {
        "da": "skal være [lav, høj] med 0 <= lav <= høj (forholdet mellem realiseret og lovet), men er {got}{raw}",
        "en": "must be [low, high] with 0 <= low <= high (realised / promised ratios), got {got}{raw}",
    },
    "sc.calibration_year": {
        "da": "kræver model.calibration_band (det forholdsbånd, som året skal ramme)",
        "en": "needs model.calibration_band (the ratio band that year should hit)",
    },
    "sc.calibration_basis": {
        "da": "kræver model.calibration_band (det forholdsbånd, som den angiver grundlaget for)",
        "en": "needs model.calibration_band (the ratio band it says how to read)",
    },
    "sc.shocks_list": {
        "da": "skal være en liste af [[shocks]]-tabeller med id, input, loading (og initiatives), men er {got}",
        "en": "must be a list of [[shocks]] tables with id, input, loading (and initiatives), got {got}",
    },
    "sc.shock_id": {
        "da": "et id må bestå af bogstaver, cifre, - og _, men er {got}",
        "en": "ids may use letters, digits, - and _, got {got}",
    },
    "sc.duplicate_shock": {"da": "stødets id {id} står to gange", "en": "duplicate shock id {id}"},
    "sc.shock_input": {
        "da": "skal være et af initiativets input{hint} (et af {names}), men er {got}",
        "en": "must be an initiative input{hint} (one of {names}), got {got}",
    },
    "sc.no_initiative": {"da": "initiativet {id} findes ikke{hint}", "en": "no initiative {id}{hint}"},
    "sc.shock_members": {
        "da": 'skal være "all" eller en ikke-tom liste af initiativ-id\'er, men er {got}',
        "en": 'must be "all" or a non-empty list of initiative ids, got {got}',
    },
    "sc.shock_all_fixed": {
        "da": "{input} har en fast værdi i alle de initiativer, stødet nævner: der er intet for stødet at påvirke",
        "en": "{input} has a fixed value in every initiative the shock names: nothing to shock",
    },
    "sc.shock_some_fixed": {
        "da": "{input} har en fast værdi i {ids}: der er intet for stødet at påvirke dér",
        "en": "{input} has a fixed value in {ids}: nothing to shock there",
    },
    "sc.dependency_cycle": {
        "da": "giver en cirkulær afhængighed: {chain}",
        "en": "makes a cycle of dependencies: {chain}",
    },
    "sc.key_column": {
        "da": "kolonnen {key} i {source} skal indeholde tal på mindst 0 med en positiv sum for at kunne bruges "
        "som fordelingsnøgle",
        "en": "column {key} of {source} must hold non-negative numbers with a positive sum to be used as an "
        "allocation key",
    },
    "sc.remove_without_extends": {
        "da": '{file}: remove_initiatives: kun tilladt i en fil, der bygger på en anden (extends = "base.toml")',
        "en": '{file}: remove_initiatives: only allowed in a file that extends another (extends = "base.toml")',
    },
    "sc.extends_path": {
        "da": "{file}: extends: skal være stien til en scenariefil i forhold til denne fil, men er {got}",
        "en": "{file}: extends: must be the path of a scenario file, relative to this file, got {got}",
    },
    "sc.extends_cycle": {
        "da": "{file}: extends: {ext} giver en cirkulær kæde: {loop}",
        "en": "{file}: extends: {ext} makes a cycle: {loop}",
    },
    "sc.extends_max": {
        "da": "{file}: extends: en kæde af extends må højst have {max} filer",
        "en": "{file}: extends: a chain of extends may hold at most {max} files",
    },
    "sc.extends_missing": {
        "da": "{file}: extends: filen {ext} findes ikke (fundet som {path}); stien er i forhold til mappen med "
        "den fil, der bygger på den",
        "en": "{file}: extends: no such file {ext} (resolved to {path}); "
        "the path is relative to the folder of the file that extends it",
    },
    "sc.extends_not_file": {
        "da": "{file}: extends: {ext} er ikke en scenariefil (fundet som {path})",
        "en": "{file}: extends: {ext} is not a scenario file (resolved to {path})",
    },
    "sc.remove_list": {
        "da": "{file}: remove_initiatives: skal være en liste af initiativ-id'er, men er {got}",
        "en": "{file}: remove_initiatives: must be a list of initiative ids, got {got}",
    },
    "sc.remove_unknown": {
        "da": "{file}: remove_initiatives: initiativet {id} findes ikke i det scenarie, filen bygger på{hint}",
        "en": "{file}: remove_initiatives: no initiative {id} in the scenario it extends{hint}",
    },
    "sc.extends_initiatives": {
        "da": "{file}: initiatives: skal være en liste af [[initiatives]]-tabeller, men er {got}",
        "en": "{file}: initiatives: must be a list of [[initiatives]] tables, got {got}",
    },
    "sc.extends_id_required": {
        "da": "{file}: {path}.id: skal angives i en fil, der bygger på en anden: initiativerne flettes med "
        "forældrefilens efter id",
        "en": "{file}: {path}.id: required in a file that extends another: initiatives are merged with the "
        "parent's by id",
    },
    "sc.extends_duplicate_id": {
        "da": "{file}: {path}.id: id {id} står to gange i denne fil",
        "en": "{file}: {path}.id: duplicate id {id} in this file",
    },
    # -- run-time errors: scheduler addresses, RunError, overflow (core, analysis) --
    "run.scheduler_local": {
        "da": "--scheduler: local:N kræver et helt antal workers N >= 1, men er {got}",
        "en": "--scheduler: local:N needs a whole number of workers N >= 1, got {got}",
    },
    "run.scheduler_address": {
        "da": "--scheduler: skal være en scheduler-adresse som tcp://host:8786 eller local:N, men er {got}",
        "en": "--scheduler: expected a scheduler address like tcp://host:8786 or local:N, got {got}",
    },
    "run.scheduler_port": {
        "da": "--scheduler: adressen skal have et portnummer (1-65535), fx tcp://host:8786, men er {got}",
        "en": "--scheduler: the address needs a port (1-65535), like tcp://host:8786, got {got}",
    },
    "run.needs_dask": {
        "da": "--scheduler kræver Dask (dask.distributed), som ikke er installeret ({detail}); installér det med: {hint}",
        "en": "--scheduler needs Dask (dask.distributed), which is not installed ({detail}); install it with: {hint}",
    },
    "run.install_dask": {
        "da": "pip install 'simengine[dask]'  (eller: pip install 'dask[distributed]')",
        "en": "pip install 'simengine[dask]'  (or: pip install 'dask[distributed]')",
    },
    "run.unreachable": {
        "da": "--scheduler {spec}: kan ikke få forbindelse til Dask-scheduleren inden for {timeout:g} s ({reason}); "
        "kører den, og er adressen rigtig?",
        "en": "--scheduler {spec}: cannot reach the Dask scheduler within {timeout:g} s ({reason}); "
        "is it running, and is the address right?",
    },
    "run.no_workers_yet": {
        "da": "{description} har endnu ingen workers; venter på, at der kommer workers til (Ctrl-C for at stoppe)",
        "en": "{description} has no workers yet; waiting for workers to join (Ctrl-C to stop)",
    },
    "run.block_of": {"da": "træk [{lo:,}; {hi:,})", "en": "draws [{lo:,}, {hi:,})"},
    "run.worker_version": {
        "da": "denne worker kører simengine {version} ({stream}), klienten {client} ({client_stream}): "
        "installér samme version overalt",
        "en": "this worker runs simengine {version} ({stream}), the client {client} ({client_stream}): "
        "install the same version everywhere",
    },
    "run.workers_died": {
        "da": "blokken med {where} kørte på workers, der gik ned for mange gange i træk til, at Dask prøver igen "
        "({detail}); en worker er måske løbet tør for hukommelse: brug en mindre --block-draws, eller giv "
        "workerne mere hukommelse",
        "en": "the block of {where} was running on workers that died, too often in a row for Dask to try again "
        "({detail}); a worker may be running out of memory: use a smaller --block-draws or give workers more memory",
    },
    "run.lost_scheduler": {
        "da": "forbindelsen til Dask-scheduleren blev afbrudt, mens blokken med {where} kørte; kører scheduleren "
        "stadig? Intet er skrevet",
        "en": "lost the connection to the Dask scheduler while the block of {where} was running; is the scheduler "
        "still running? Nothing was written",
    },
    "run.block_failed": {
        "da": "blokken med {where} fejlede på klyngen: {kind}: {why}",
        "en": "the block of {where} failed on the cluster: {kind}: {why}",
    },
    "run.lock_create": {
        "da": "{dir}: kan ikke oprette låsefilen {name}: {detail}",
        "en": "{dir}: cannot create the lock file {name}: {detail}",
    },
    "run.folder_busy": {
        "da": "{dir}: en anden simengine-proces skriver i denne mappe; vent, til den er færdig, eller vælg en anden "
        "--out",
        "en": "{dir}: another simengine process is writing to this folder; wait for it to finish or choose another "
        "--out",
    },
    "run.lock_failed": {
        "da": "{dir}: kan ikke låse resultatmappen: {detail}",
        "en": "{dir}: cannot lock the output folder: {detail}",
    },
    "run.journal_read_only": {
        "da": "{dir}: en kørsel til denne mappe blev stoppet, mens den flyttede sine filer på plads, og mappen er "
        "skrivebeskyttet her; kør simengine én gang med skriveadgang for at gøre det færdigt",
        "en": "{dir}: a run into this folder was killed while it moved its files into place, and the folder is "
        "read-only here; run simengine once with write access to finish it",
    },
    "run.cannot_write": {"da": "{path}: kan ikke skrive: {detail}", "en": "{path}: cannot write: {detail}"},
    "run.cannot_move": {
        "da": "{dir}: kan ikke flytte de nye filer på plads: {detail}",
        "en": "{dir}: cannot move the new files into place: {detail}",
    },
    "run.cannot_create_out": {
        "da": "{dir}: kan ikke oprette resultatmappen: {detail}",
        "en": "{dir}: cannot create output folder: {detail}",
    },
    "run.out_not_folder": {
        "da": "{dir}: resultatstien findes, men er ikke en mappe",
        "en": "{dir}: output path exists and is not a folder",
    },
    "run.out_not_writable": {
        "da": "{dir}: der kan ikke skrives i resultatmappen",
        "en": "{dir}: output folder is not writable",
    },
    "run.check_scenario_changed": {
        "da": "{file}: scenariet er ændret siden kørslen (sha256 {now}…, kørslen brugte {then}…); resultaterne kan "
        "ikke sammenlignes",
        "en": "{file}: the scenario changed since the run (sha256 {now}…, the run used {then}…); results cannot be "
        "compared",
    },
    "run.check_differ": {
        "da": "{file}: resultaterne afviger fra den gemte kørsel (digest {now}… mod {then}…){differing}",
        "en": "{file}: results differ from the recorded run (digest {now}… vs {then}…){differing}",
    },
    "run.check_differing": {"da": "; afvigende variabler: {names}", "en": "; differing variables: {names}"},
    # -- bad results files, manifests and output paths (simengine.cli.check, cli.ask, outputs) --
    "run.check_results_unreadable": {
        "da": "; {file} kan ikke læses, så de afvigende variabler kan ikke nævnes: {detail}",
        "en": "; {file} cannot be read to name the differing variables: {detail}",
    },
    "run.commit_blocked": {
        "da": "{dir}: kan ikke flytte de nye filer på plads: {path}: {detail}; intet er slettet: de nye filer ligger i "
        "{stage}, og den næste simengine-kommando i mappen flytter dem på plads, når {path} er flyttet væk",
        "en": "{dir}: cannot move the new files into place: {path}: {detail}; nothing was deleted: the new files are "
        "in {stage}, and the next simengine command in this folder moves them into place once {path} is out of the way",
    },
    "run.out_is_file": {
        "da": "{dir}: er en fil; her skal angives en mappe (den oprettes, hvis den ikke findes)",
        "en": "{dir}: is a file; a folder is expected here (created if it does not exist)",
    },
    "run.out_under_file": {
        "da": "{dir}: {file} er en fil; her skal angives en mappe (den oprettes, hvis den ikke findes)",
        "en": "{dir}: {file} is a file; a folder is expected here (created if it does not exist)",
    },
    "export.cannot_write_in": {
        "da": "{file}: kan ikke skrive projektmappen i mappen {dir}: {detail}",
        "en": "{file}: cannot write the workbook in the folder {dir}: {detail}",
    },
    "export.cannot_write": {
        "da": "{file}: kan ikke skrive projektmappen: {detail}",
        "en": "{file}: cannot write the workbook: {detail}",
    },
    "obs.not_utf8": {
        "da": "{file}: ikke UTF-8-tekst (byte {at}: {byte}); gem observationsfilen som UTF-8",
        "en": "{file}: not UTF-8 text (byte {at}: {byte}); save the observations file as UTF-8",
    },
    "obs.none": {
        "da": "{file}: ingen observationer; filen skal have mindst én [[observation]]-tabel",
        "en": "{file}: no observations; the file needs at least one [[observation]] table",
    },
    "report.scenario_not_the_runs": {
        "da": "--scenario: {file} er ikke scenariet bag {results}: den afviger i {keys} ({first} {mine}, men kørslens "
        "{theirs}); angiv den scenariefil, kørslen brugte, eller udelad --scenario",
        "en": "--scenario: {file} is not the scenario of {results}: it differs in {keys} ({first} {mine}, the run's "
        "{theirs}); give the scenario file the run used, or leave --scenario out",
    },
    "compare.no_common_year": {
        "da": "{a}, {b}: ingen fælles år (A {a0}-{a1}, B {b0}-{b1}); intet at sammenligne",
        "en": "{a}, {b}: no year in common (A {a0}-{a1}, B {b0}-{b1}); nothing to compare",
    },
    "check.scenario_gone": {
        "da": "{file}: kørslens scenariefil findes ikke længere ({paths})",
        "en": "{file}: the scenario file of this run is gone ({paths})",
    },
    "check.no_path_recorded": {"da": "ingen sti gemt", "en": "no path recorded"},
    "update.none_known": {
        "da": "ingen observation i {file} var kendt {date} ({n} i alt; den første blev kendt {first}); "
        "opdateringen ændrer ikke prognosen",
        "en": "no observation in {file} was known by {date} ({n} in all; the first became known {first}); "
        "the update leaves the forecast as it was",
    },
    "results.no_file": {
        "da": "{file}: resultatfilen findes ikke",
        "en": "{file}: no such results file",
    },
    "results.not_readable": {
        "da": "{file}: ikke en læsbar resultatfil (NetCDF4; angiv en kørsels results.nc, compares comparison.nc "
        "eller sweeps sweep.nc): {detail}",
        "en": "{file}: not a readable results file (NetCDF4; give a run's results.nc, compare's comparison.nc or "
        "sweep's sweep.nc): {detail}",
    },
    "results.backtest": {
        "da": "{file}: er skrevet af backtest, som selv skriver sin rapport (kør backtest uden --no-report); "
        "report læser en kørsels results.nc, compares comparison.nc eller sweeps sweep.nc",
        "en": "{file}: written by backtest, which writes its own report (run backtest without --no-report); "
        "report reads a run's results.nc, compare's comparison.nc or sweep's sweep.nc",
    },
    "results.missing_vars": {
        "da": "{file}: ikke en resultatfil fra simengine: mangler {names}",
        "en": "{file}: not a simengine results file: missing {names}",
    },
    "results.folder": {
        "da": "{file}: er en mappe; angiv en resultatfil (results.nc)",
        "en": "{file}: is a folder; give a results file (results.nc)",
    },
    "results.folder_has": {
        "da": "{file}: er en mappe; angiv resultatfilen i den: {inner}",
        "en": "{file}: is a folder; give the results file in it: {inner}",
    },
    "results.bad_draws": {
        "da": "{file}: resultatfilen kan ikke bruges: attributten draws skal være et helt tal på mindst 1, men er {got}",
        "en": "{file}: not a usable results file: its attribute draws must be a whole number >= 1, got {got}",
    },
    "results.no_years": {
        "da": "{file}: resultatfilen kan ikke bruges: den har ingen år (dimensionen year er tom)",
        "en": "{file}: not a usable results file: it has no years (the year dimension is empty)",
    },
    "results.not_finite": {
        "da": "{file}: resultatfilen kan ikke bruges: inf eller NaN i {names}",
        "en": "{file}: not a usable results file: inf or NaN in {names}",
    },
    "ask.certainty_draws": {
        "da": "--certainty: med {n:,} træk skal den ligge mellem 1/N = {lo:.6g} og 1 − 1/N = {hi:.6g}, men er "
        "{got}; flere træk tillader mere yderlige sandsynligheder",
        "en": "--certainty: with {n:,} draws it must lie between 1/N = {lo:.6g} and 1 − 1/N = {hi:.6g}, got {got}; "
        "more draws allow more extreme certainties",
    },
    # -- ask: its input errors in the terminal's language (simengine.cli.ask) --
    "ask.certainty_range": {
        "da": "--certainty: skal ligge strengt mellem 0 og 1 (fx 0.9 for 90 %), men er {got}",
        "en": "--certainty: must be strictly between 0 and 1 (e.g. 0.9), got {got}",
    },
    "ask.year_outside": {
        "da": "--year: {file} dækker {first}..{last}, men er {got}",
        "en": "--year: {file} covers {first}..{last}, got {got}",
    },
    "ask.no_area": {
        "da": "--scope: {file} har intet område {ident}; kendte: {known}",
        "en": "--scope: {file} has no area {ident}; known: {known}",
    },
    "ask.not_readable": {
        "da": "{file}: ikke en læsbar resultatfil (NetCDF4): {detail}",
        "en": "{file}: not a readable results file (NetCDF4): {detail}",
    },
    "ask.other_kind": {
        "da": "{file}: er skrevet af {kind}, ikke en kørsels results.nc; ask læser results.nc fra run eller update",
        "en": "{file}: written by {kind}, not a run's results.nc; ask reads the results.nc of run or update",
    },
    "ask.not_results": {
        "da": "{file}: ikke en resultatfil fra simengine (ingen landsgevinst 'benefit')",
        "en": "{file}: not a simengine results file (no national gain 'benefit')",
    },
    "ask.scope_form": {
        "da": "--scope: skal være national, area:<id>, municipality:<kode> eller initiative:<id>, men er {got}",
        "en": "--scope: must be national, area:<id>, municipality:<code> or initiative:<id>, got {got}",
    },
    "ask.no_municipality_name": {
        "da": "--scope: {file} har ingen kommune {ident} (angiv en kommunekode som 101)",
        "en": "--scope: {file} has no municipality {ident} (give a kommunekode such as 101)",
    },
    "ask.no_municipality_code": {
        "da": "--scope: {file} har ingen kommune med kode {code} (koder {lo}..{hi})",
        "en": "--scope: {file} has no municipality with code {code} (codes {lo}..{hi})",
    },
    "ask.one_question": {
        "da": "ask: angiv præcis én af --at-least X og --certainty C",
        "en": "ask: give exactly one of --at-least X or --certainty C",
    },
    "ask.at_least": {
        "da": "--at-least: skal være et endeligt beløb i kr., men er {got}",
        "en": "--at-least: must be a finite amount in DKK, got {got}",
    },
    "ask.quantity": {
        "da": "--quantity: skal være en af {allowed}, men er {got}",
        "en": "--quantity: must be one of {allowed}, got {got}",
    },
    "ask.quantity_scope": {
        "da": "--quantity: {quantity} findes ikke pr. {kind} (realised: alle niveauer; net: landsplan; "
        "potential: landsplan og område)",
        "en": "--quantity: {quantity} is not available per {kind} (realised: every scope; net: national; "
        "potential: national and area)",
    },
    "ask.no_distribution": {
        "da": "{file}: har ingen fordeling af gevinsten ({quantity}, niveau {scope}: variablen {name} mangler; "
        "skrevet af en ældre simengine eller en model uden den); kør scenariet igen for at få svar",
        "en": "{file}: has no distribution of the {quantity} gain (scope {scope}: variable {name} missing; "
        "written by an older simengine or a model without it); re-run the scenario to answer this",
    },
    "ask.no_initiative": {
        "da": "--scope: {file} har intet initiativ {ident}; kendte: {known}",
        "en": "--scope: {file} has no initiative {ident}; known: {known}",
    },
    "check.other_manifest": {
        "da": "{file}: skrevet af {kind}, ikke af run; check genafspiller en kørsels manifest (run.json fra run eller "
        "update)",
        "en": "{file}: written by {kind}, not by run; check replays a run's manifest (run.json of run or update)",
    },
    "check.problem_at": {"da": "{file}: {name}: {detail}", "en": "{file}: {name}: {detail}"},
    "check.update": {
        "da": "skal være tabellen, som update skriver (observations_file, observations_sha256, known_by)",
        "en": "must be the table that update writes (observations_file, observations_sha256, known_by)",
    },
    "check.obs_path": {"da": "skal være observationsfilens sti", "en": "must be the path of the observations file"},
    "check.date": {"da": "skal være en dato ÅÅÅÅ-MM-DD", "en": "must be a date YYYY-MM-DD"},
    "check.key_missing": {"da": "{file}: {name} mangler (den {why})", "en": "{file}: {name} is missing (it {why})"},
    "check.change": {"da": "skal være en tekst NØGLE.STI=VÆRDI", "en": "must be a KEY.PATH=VALUE text"},
    "check.change_refused": {
        "da": "{file}: scenario_changes: en gemt ændring afvises: {detail}",
        "en": "{file}: scenario_changes: a recorded change is refused: {detail}",
    },
    "check.changes": {
        "da": "skal være en liste af tekster NØGLE.STI=VÆRDI",
        "en": "must be a list of KEY.PATH=VALUE texts",
    },
    "run.obs_impossible": {
        "da": "{file}: observationen {id}: værdien {value:g} ({error}) er umulig i hvert eneste af de {draws:,} "
        "beholdte træk; gør dens fejlmodel bredere, eller behold flere træk",
        "en": "{file}: observation {id}: value {value:g} ({error}) is impossible in every one of the {draws:,} "
        "kept draws; widen its error model or keep more draws",
    },
    "run.obs_inconsistent": {
        "da": "{file}: intet beholdt træk stemmer med alle {ids} på én gang ({draws:,} træk); gør deres "
        "fejlmodeller bredere, eller behold flere træk",
        "en": "{file}: no kept draw is consistent with all of {ids} at once ({draws:,} draws); widen their error "
        "models or keep more draws",
    },
    "run.obs_changed": {
        "da": "{file}: observationerne er ændret siden opdateringen; resultaterne kan ikke sammenlignes",
        "en": "{file}: the observations changed since the update; results cannot be compared",
    },
    "run.obs_gone": {
        "da": "opdateringens observationsfil findes ikke længere ({paths})",
        "en": "the observations file of this update is gone ({paths})",
    },
    "run.overflow": {
        "da": "{file}: resultaterne løber over (inf eller NaN i {names}{more}): {why}",
        "en": "{file}: the results overflow (inf or NaN in {names}{more}): {why}",
    },
    "run.overflow_causes": {
        "da": "inputtene er for store eller for små til modellen: {causes}{more}",
        "en": "the inputs are too large or too small for the model: {causes}{more}",
    },
    "run.overflow_more": {"da": "; og {n:,} til", "en": "; and {n} more"},
    "run.overflow_check": {
        "da": "undersøg scenariet for ekstreme værdier (gevinster, mål, omkostninger, cost_per_fte, fordelingernes "
        "parametre, befolkningstal)",
        "en": "check the scenario for extreme values (gains, targets, costs, cost_per_fte, distribution parameters, "
        "populations)",
    },
    "run.overflow_at": {"da": "{file}: {what}{causes}", "en": "{file}: {what}{causes}"},
    "run.overflow_list": {"da": ": {causes}", "en": ": {causes}"},
    "run.joined": {"da": "{a}; {b}", "en": "{a}; {b}"},
    "run.suspect_reaches": {"da": "{path} = {dist} (når op på {hi:g})", "en": "{path} = {dist} (reaches {hi:g})"},
    "run.suspect_population": {
        "da": "{file}: population (summen er {total:g})",
        "en": "{file}: population (sums to {total:g})",
    },
    "run.overflow_national": {
        "da": "{n:,} simulerede landsværdier oversteg 2^28 gange deres business case-størrelse; undersøg, om "
        "scenariets fordelinger for cost overrun og estimate_factor har absurde haler",
        "en": "{n} simulated national values exceeded 2^28 times their business-case size; check the scenario's "
        "cost overrun and estimate_factor priors for absurd tails",
    },
    "run.overflow_values": {
        "da": "{n:,} simulerede værdier oversteg 2^22 gange deres business case-størrelse; undersøg, om scenariets "
        "fordelinger for estimate_factor og adoption har absurde haler",
        "en": "{n} simulated values exceeded 2^22 times their business-case size; check the scenario's "
        "estimate_factor and adoption priors for absurd tails",
    },
    # -- --set and --vary values of sweep and compare (simengine.scenario.variants) --
    "set.no_value": {
        "da": "{via} {option}: forventede KEY.PATH=V1,V2,... med mindst én værdi",
        "en": "{via} {option}: expected KEY.PATH=V1,V2,... with at least one value",
    },
    "set.bad_value": {
        "da": "{via} {option}: kan ikke læse {got} som en TOML-værdi (tal som 0.5 eller 2e6, true/false, "
        '"tekst", [lister] eller {{ inline = "tabeller" }}, adskilt af kommaer)',
        "en": "{via} {option}: cannot read {got} as a TOML value (numbers like 0.5 or 2e6, true/false, "
        '"text", [arrays] or {{ inline = "tables" }}, separated by commas)',
    },
    "set.bad_key": {
        "da": "{via} {option}: nøglestien {path} skal være nøgler af bogstaver, cifre, - og _ adskilt af punktummer "
        "(fx regimes.retention_share eller initiatives.osb-1.delay)",
        "en": "{via} {option}: the key path {path} must be dotted keys of letters, digits, - and _ "
        "(e.g. regimes.retention_share or initiatives.osb-1.delay)",
    },
    "set.form": {
        "da": "{via} {option}: forventede KEY.PATH=V1,V2,... som fx regimes.retention_share=0.25,0.5",
        "en": "{via} {option}: expected KEY.PATH=V1,V2,... such as regimes.retention_share=0.25,0.5",
    },
    "set.twice": {
        "da": "{via} {option}: værdien {value} er angivet to gange",
        "en": "{via} {option}: value {value} is given twice",
    },
    "set.overlap": {
        "da": "{via} {option}: overlapper {via} {other}; sæt hver nøgle én gang",
        "en": "{via} {option}: overlaps {via} {other}; set each key once",
    },
    "set.too_many": {
        "da": "{via}: {n:,} varianter ({sizes}); et sweep må højst have {max:,}",
        "en": "{via}: {n:,} variants ({sizes}); a sweep may have at most {max:,}",
    },
    "set.initiative_key": {
        "da": "{via} {option}: angiv et initiativ ved dets id og en nøgle, fx initiatives.{eg}.delay",
        "en": "{via} {option}: name an initiative by its id and a key, e.g. initiatives.{eg}.delay",
    },
    "set.did_you_mean": {"da": "; mente du {name}?", "en": "; did you mean {name}?"},
    "set.none": {"da": "(ingen)", "en": "(none)"},
    "set.no_initiative": {
        "da": "{via} {option}: intet initiativ med id {id}{hint} (id'er: {ids})",
        "en": "{via} {option}: no initiative with id {id}{hint} (ids: {ids})",
    },
    "set.not_table": {
        "da": "{via} {option}: {where} er {got}, ikke en tabel; "
        'sæt selve {where} (fx {where}={{ dist = "pert", min = 0, mode = 0.5, max = 2 }})',
        "en": "{via} {option}: {where} is {got}, not a table; "
        'set {where} itself (e.g. {where}={{ dist = "pert", min = 0, mode = 0.5, max = 2 }})',
    },
    "set.no_document": {
        "da": "{file}: scenariet er ikke læst fra en fil (simengine.load), så det har intet dokument at ændre",
        "en": "{file}: this scenario was not read from a file (simengine.load), so it has no document to change",
    },
    # -- the declared outputs: names the backtest's own variables take (simengine.analysis.varspecs) --
    "obs.ref_reserved": {
        "da": "'{name}' kan ikke bruges som navn på en reference: backtest.nc's variabel crps_{name} er "
        "allerede noget andet; vælg et andet navn",
        "en": "'{name}' cannot name a reference: backtest.nc's variable crps_{name} is already something "
        "else; choose another name",
    },
    # -- the run's notes and warnings --
    "run.corr_repaired": {
        "da": "[[correlations]]-matricen er ikke positivt semidefinit; den er rettet til den nærmeste gyldige: "
        "største ændring {a} ~ {b} fra {old:.3f} til {new:.3f}",
        "en": "the [[correlations]] matrix is not positive semi-definite; it was repaired to the nearest valid one: "
        "largest change {a} ~ {b} from {old:.3f} to {new:.3f}",
    },
    # -- --help texts (simengine.cli.main) --
    # argparse's own words; the texts go through argparse's "%" formatting: a literal percent is "%%"
    "help.usage": {"da": "brug: ", "en": "usage: "},
    "help.positionals": {"da": "argumenter", "en": "positional arguments"},
    "help.optionals": {"da": "tilvalg", "en": "options"},
    "help.help": {"da": "vis denne hjælpetekst og afslut", "en": "show this help message and exit"},
    "help.version": {"da": "vis programmets versionsnummer og afslut", "en": "show program's version number and exit"},
    "help.description": {
        "da": "Monte Carlo-simulering af lovede digitaliseringsgevinster.",
        "en": "Monte Carlo engine for promised digitalisation gains.",
    },
    # the commands, as the top-level --help lists them
    "help.cmd.run": {"da": "simulér et scenarie og skriv resultaterne", "en": "simulate a scenario and write results"},
    "help.cmd.sweep": {
        "da": "kør et gitter af scenarievarianter med fælles tilfældige tal",
        "en": "run a grid of scenario variants with common random numbers",
    },
    "help.cmd.validate": {
        "da": "kontrollér en scenariefil; slutkode 0 hvis gyldig, ellers 2",
        "en": "check a scenario file; exit 0 if valid, 2 if not",
    },
    "help.cmd.check": {
        "da": "gentag kørslen i et kørselsmanifest (run.json) og bekræft, at resultaterne er identiske",
        "en": "re-run a run manifest (run.json) and confirm identical results",
    },
    "help.cmd.report": {
        "da": "skriv report.html, summary.xlsx og charts/ ud fra en results.nc (eller siden og regnearket "
        "fra compare eller sweep ud fra comparison.nc eller sweep.nc)",
        "en": "write report.html, summary.xlsx and charts/ from a results.nc (or the page "
        "and workbook of compare or sweep from comparison.nc or sweep.nc)",
    },
    "help.cmd.compare": {
        "da": "kør to scenarier på de samme træk og vis forskellen B - A",
        "en": "run two scenarios on the same draws and report B - A",
    },
    "help.cmd.backtest": {
        "da": "efterprøv prognosen mod observationerne (PIT, CRPS og skill)",
        "en": "score the forecast against observations (PIT, CRPS, skill)",
    },
    "help.cmd.update": {
        "da": "opdatér prognosen med de observationer, der var kendt på en given dato",
        "en": "condition the forecast on the observations known by a date",
    },
    "help.cmd.scenario": {
        "da": "konvertér et scenarie: export SCENARIO.toml FIL.xlsx",
        "en": "convert a scenario: export SCENARIO.toml FILE.xlsx",
    },
    "help.cmd.scenario_export": {
        "da": "skriv scenariet som et Excel-regneark, som run, validate og compare kan læse",
        "en": "write the scenario as an Excel workbook that run/validate/compare read",
    },
    "help.cmd.ask": {
        "da": "P(gevinst >= X) eller beløbet ved en given sikkerhed, ud fra en resultatfil (ingen ny kørsel)",
        "en": "P(gain >= X) or the amount at a certainty, from a results file (no new run)",
    },
    # options shared by several commands
    "help.scenario": {"da": "scenariefil (.toml eller .xlsx)", "en": "scenario file (.toml or .xlsx)"},
    "help.scenario_toml": {"da": "scenariefil (.toml)", "en": "scenario file (.toml)"},
    "help.draws": {
        "da": "antal træk (tilsidesætter [simulation] draws)",
        "en": "number of draws (overrides [simulation] draws)",
    },
    "help.seed": {
        "da": "seed til de tilfældige tal (tilsidesætter [simulation] seed)",
        "en": "random seed (overrides [simulation] seed)",
    },
    "help.out": {
        "da": "mappe til resultaterne (standard outputs/<scenariefilens navn>{suffix}/)",
        "en": "output folder (default outputs/<scenario file stem>{suffix}/)",
    },
    "help.threads": {"da": "numba-tråde (standard: alle kerner)", "en": "numba threads (default: all cores)"},
    "help.chunk": {
        "da": "træk pr. kald af kernen (ændrer ikke resultaterne)",
        "en": "draws per kernel call (does not change results)",
    },
    "help.quiet": {"da": "udskriv kun fejl", "en": "print nothing but errors"},
    "help.no_report": {
        "da": "skriv ikke report.html, summary.xlsx og charts/",
        "en": "write no report.html, summary.xlsx or charts/",
    },
    "help.lang_terminal": {
        "da": "sprog i meddelelserne: da (standard) eller en",
        "en": "language of the messages it prints: da (default) or en",
    },
    "help.lang_report": {
        "da": "sprog i meddelelserne, report.html og summary.xlsx: da (standard) eller en",
        "en": "language of the messages, report.html and summary.xlsx: da (default) or en",
    },
    # run
    "help.run.explain": {
        "da": "udskriv også vandfaldet over den manglende gevinst (nationalt, pr. område, pr. initiativ) og de "
        "input, der betyder mest",
        "en": "also print the shortfall waterfall (national, per area, per initiative) and the inputs that matter most",
    },
    "help.run.precision": {
        "da": "tilføj blokke af 65.536 træk, indtil 95%%-intervallerne for målårets P10 og P50 ligger inden for P "
        "af estimatet (relativt) og intervallet for P(mål) inden for P (absolut), fx 0.005; erstatter --draws",
        "en": "add blocks of 65,536 draws until the 95%% intervals of the target-year P10 and P50 are "
        "within P of the estimate (relative) and that of P(target) within P (absolute), e.g. 0.005; "
        "replaces --draws",
    },
    "help.run.max_draws": {
        "da": "højst så mange træk med --precision (standard 10.000.000)",
        "en": "at most this many draws with --precision (default 10,000,000)",
    },
    "help.run.cut_threshold": {
        "da": "vis P(servicereduktion > DKK) for hver budgetmodel (standard: [outputs] cut_threshold, 100e6)",
        "en": "report P(service cut > DKK) per budget regime (default: [outputs] cut_threshold, 100e6)",
    },
    "help.run.unit": {
        "da": "terminalens tabel, rapporten og regnearket i mio. kr. (standard) eller i årsværk "
        "(FTE: gevinst / cost_per_fte)",
        "en": "the stdout table, report and workbook in mio. DKK (default) or in FTE (årsværk: gain / cost_per_fte)",
    },
    # the Dask cluster (run, sweep, compare, backtest, update)
    "help.cluster": {
        "da": "klynge (kræver Dask: pip install 'simengine[dask]')",
        "en": "cluster (needs Dask: pip install 'simengine[dask]')",
    },
    "help.cluster.scheduler": {
        "da": "kør blokke af træk på Dask-klyngen på ADDRESS (tcp://host:8786) eller på en LocalCluster med N "
        "workerprocesser på denne maskine (local:N); resultaterne er de samme",
        "en": "run blocks of draws on the Dask cluster at ADDRESS (tcp://host:8786), or on a "
        "LocalCluster of N worker processes here (local:N); results are identical",
    },
    "help.cluster.block_draws": {
        "da": "træk pr. opgave (standard: omkring 2 blokke pr. worker, mindst 16.384 træk)",
        "en": "draws per task (default: about 2 blocks per worker, at least 16384 draws)",
    },
    "help.cluster.connect_timeout": {
        "da": "giv op, hvis forbindelsen til scheduleren ikke er oprettet efter så mange sekunder (standard 10)",
        "en": "give up connecting to the scheduler after this long (default 10)",
    },
    # sweep
    "help.sweep.set": {
        "da": "værdierne for én nøgle i scenariet (TOML-værdier adskilt af komma), fx "
        "regimes.retention_share=0.25,0.5 eller initiatives.osb-1.delay=0,0.5; gentag for et gitter",
        "en": "values of one scenario key (TOML values, comma-separated), e.g. "
        "regimes.retention_share=0.25,0.5 or initiatives.osb-1.delay=0,0.5; repeat for a grid",
    },
    "help.sweep.draws": {
        "da": "træk pr. variant (tilsidesætter [simulation] draws)",
        "en": "draws per variant (overrides [simulation] draws)",
    },
    "help.sweep.seed": {
        "da": "seed til alle varianterne (tilsidesætter [simulation] seed)",
        "en": "random seed of every variant (overrides [simulation] seed)",
    },
    "help.sweep.lang": {
        "da": "sprog i sweep.html og sweep.xlsx: da (standard) eller en",
        "en": "language of sweep.html and sweep.xlsx: da (default) or en",
    },
    "help.sweep.no_report": {"da": "skriv ikke sweep.html og sweep.xlsx", "en": "write no sweep.html or sweep.xlsx"},
    # check
    "help.check.manifest": {"da": "run.json, som en kørsel har skrevet", "en": "run.json written by a run"},
    "help.check.threads": {
        "da": "numba-tråde (resultaterne afhænger ikke af det)",
        "en": "numba threads (results do not depend on it)",
    },
    # report
    "help.report.results": {
        "da": "resultatfil fra en kørsel (results.nc), fra compare (comparison.nc) eller fra sweep (sweep.nc)",
        "en": "results file of a run (results.nc), of compare (comparison.nc) or of sweep (sweep.nc)",
    },
    "help.report.out": {
        "da": "mappe til filerne (standard: resultatfilens mappe)",
        "en": "output folder (default: the folder of the results file)",
    },
    "help.report.scenario": {
        "da": "scenariefil til antagelsestabellen, hvis filen er flyttet (standard: den, der står i resultaterne)",
        "en": "scenario file for the assumptions table, if it has moved (default: the one recorded in the results)",
    },
    "help.report.unit": {
        "da": "rapporten og regnearket i mio. kr. (standard) eller i årsværk (FTE: gevinst / cost_per_fte)",
        "en": "the report and workbook in mio. DKK (default) or in FTE (årsværk: gain / cost_per_fte)",
    },
    # compare
    "help.compare.a": {"da": "det første scenarie (udgangspunktet)", "en": "the first scenario (the baseline)"},
    "help.compare.b": {"da": "det andet scenarie (varianten)", "en": "the second scenario (the variant)"},
    "help.compare.draws": {
        "da": "træk for begge (standard: A's [simulation] draws)",
        "en": "draws of both (default: A's [simulation] draws)",
    },
    "help.compare.seed": {
        "da": "seed for begge (standard: A's [simulation] seed)",
        "en": "seed of both (default: A's [simulation] seed)",
    },
    "help.compare.out": {
        "da": "mappe til resultaterne (standard outputs/compare_<A-filnavn>_vs_<B-filnavn>/)",
        "en": "output folder (default outputs/compare_<A stem>_vs_<B stem>/)",
    },
    "help.compare.unit": {
        "da": "tabellen i mio. kr. (standard) eller i årsværk (FTE)",
        "en": "the table in mio. DKK (default) or FTE",
    },
    "help.compare.lang": {
        "da": "sprog i tabellen, comparison.html og comparison.xlsx: da (standard) eller en",
        "en": "language of the table, comparison.html and comparison.xlsx: da (default) or en",
    },
    "help.compare.no_report": {
        "da": "skriv ikke comparison.html og comparison.xlsx",
        "en": "write no comparison.html or comparison.xlsx",
    },
    # backtest and update
    "help.observations": {"da": "observationsfil (.toml)", "en": "observations file (.toml)"},
    "help.backtest.known_by": {
        "da": "efterprøv prognosen, opdateret med de observationer, der var kendt på DATE (ÅÅÅÅ-MM-DD), mod "
        "dem, der blev kendt senere",
        "en": "score the forecast updated on the observations known by DATE (YYYY-MM-DD) against those "
        "that became known later",
    },
    "help.update.known_by": {
        "da": "opdatér med de observationer, der var kendt på denne dato (ÅÅÅÅ-MM-DD)",
        "en": "condition on the observations known by this date (YYYY-MM-DD)",
    },
    "help.backtest.no_report": {
        "da": "skriv ikke report.html og summary.xlsx (kun backtest.nc og charts/pit_histogram.png)",
        "en": "write no report.html or summary.xlsx (backtest.nc and charts/pit_histogram.png only)",
    },
    # scenario export
    "help.export.workbook": {"da": "regnearket, der skal skrives (.xlsx)", "en": "the workbook to write (.xlsx)"},
    "help.export.lang": {
        "da": "sprog i den linje, den udskriver: da (standard) eller en",
        "en": "language of the line it prints: da (default) or en",
    },
    # ask (simengine.cli.ask)
    "help.ask.results": {"da": "resultatfil (results.nc) fra en kørsel", "en": "results file (results.nc) of a run"},
    "help.ask.year": {
        "da": "kalenderår inden for resultaternes horisont",
        "en": "calendar year within the results' horizon",
    },
    "help.ask.scope": {
        "da": "national (standard), area:<id>, municipality:<kode> eller initiative:<id>",
        "en": "national (default), area:<id>, municipality:<code> or initiative:<id>",
    },
    "help.ask.at_least": {
        "da": "sandsynligheden for en gevinst på mindst X kr. pr. år",
        "en": "the probability that the gain is at least X DKK/year",
    },
    "help.ask.certainty": {
        "da": "det beløb, som gevinsten når med sandsynligheden C (gevinstens (1 - C)-fraktil), 0 < C < 1",
        "en": "the amount the gain reaches with probability C (its 1 - C quantile), C in (0, 1)",
    },
    "help.ask.quantity": {
        "da": "realiseret bruttogevinst (standard), potentiel gevinst eller nettogevinst (gevinst minus omkostninger)",
        "en": "realised gross gain (default), potential gain or net gain (gain minus costs)",
    },
    "help.ask.json": {
        "da": "udskriv svaret som JSON (med metodeteksten på engelsk)",
        "en": "print the answer as JSON (its method text in English)",
    },
    "help.ask.lang": {
        "da": "sprog i svarlinjen: da (standard) eller en",
        "en": "language of the answer line: da (default) or en",
    },
    # -- replicated randomised QMC: the Monte Carlo intervals of a qmc run (simengine.analysis.mcerror) --
    "run.qmc_few_replicates": {
        "da": 'sampling = "qmc", antal hele replikater à {size:,} træk: {kept} (mindst {need} kræves): '
        "Monte Carlo-intervallerne antager uafhængige træk; brug (og behold) mindst {draws:,} træk",
        "en": 'sampling = "qmc", complete replicates of {size:,} draws: {kept} ({need} needed): '
        "the Monte Carlo intervals assume independent draws; use (and keep) at least {draws:,} draws",
    },
}


_LANG = "en"  # the terminal's language; the command line sets it from --lang


def set_lang(lang: str) -> str:
    """Set the language of the terminal's messages; returns the previous one."""
    global _LANG
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    old, _LANG = _LANG, lang
    return old


def current_lang() -> str:
    return _LANG


class _Number:
    """A number that formats the Danish way (1.000 and 0,5) in Danish."""

    __slots__ = ("value", "lang")

    def __init__(self, value: int | float, lang: str) -> None:
        self.value, self.lang = value, lang

    def __format__(self, spec: str) -> str:
        s = format(self.value, spec)
        return s.translate(_SWAP) if self.lang == "da" else s


_SWAP = str.maketrans({",": ".", ".": ","})


class Msg:
    """One message: a catalogue key and its parameters. ``text(lang)`` renders it; ``str()`` is English."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: Any) -> None:
        if key not in CATALOGUE:
            raise KeyError(f"no message {key!r} in simengine.messages.CATALOGUE")
        self.key = key
        self.params = params

    def text(self, lang: str = "en") -> str:
        lang = lang if lang in LANGS else "en"
        return CATALOGUE[self.key][lang].format(**{k: _param(v, lang) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash((self.key, str(self)))


class Pairs:
    """Parameter values such as ``min=3, max=1`` (Danish: ``min=3; max=1``, with decimal commas)."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, float]]) -> None:
        self.pairs = list(pairs)

    def text(self, lang: str = "en") -> str:
        sep = "; " if lang == "da" else ", "
        return sep.join(f"{n}={format(_Number(v, lang), 'g')}" for n, v in self.pairs)

    def __str__(self) -> str:
        return self.text("en")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pairs) and self.pairs == other.pairs

    def __hash__(self) -> int:
        return hash(tuple(self.pairs))


#: tomllib's messages (Python 3.11) in Danish; the position "(at line 5, column 23)" is kept in both
_TOML_DA = (
    (r"^Illegal character (.*)$", r"ugyldigt tegn \1"),
    (r"^Found invalid character (.*)$", r"ugyldigt tegn \1"),
    (r"^Expected '=' after a key in a key/value pair$", "der skal stå '=' efter en nøgle"),
    (r"^Expected '\]' at the end of a table declaration$", "der skal stå ']' efter en tabels navn"),
    (r"^Expected '\]\]' at the end of an array declaration$", "der skal stå ']]' efter en tabelliste"),
    (r"^Expected newline or end of document after a statement$", "der skal være linjeskift efter en linje"),
    (r"^Expected (.*)$", r"her skal stå \1"),
    (r"^Cannot overwrite a value$", "en værdi er angivet to gange"),
    (r"^Cannot declare (.*) twice$", r"\1 er angivet to gange"),
    (r"^Cannot mutate immutable namespace (.*)$", r"\1 kan ikke ændres her"),
    (r"^Cannot redefine namespace (.*)$", r"\1 er allerede defineret"),
    (r"^Duplicate inline table key (.*)$", r"nøglen \1 står to gange i tabellen"),
    (r"^Invalid initial character for a key part$", "ugyldigt første tegn i en nøgle"),
    (r"^Invalid statement$", "ugyldig linje"),
    (r"^Invalid value$", "ugyldig værdi"),
    (r"^Invalid date or datetime$", "ugyldig dato eller tid"),
    (r"^Invalid hex value$", "ugyldig hex-værdi"),
    (r"^Unclosed array$", "en liste er ikke lukket"),
    (r"^Unclosed inline table$", "en tabel er ikke lukket"),
    (r"^Unterminated string$", "en tekst er ikke afsluttet"),
    (r"^Unescaped '\\' in a string$", "'\\' i en tekst skal skrives '\\\\'"),
    (r"^Escaped character is not a Unicode scalar value$", "det escapede tegn er ikke et Unicode-tegn"),
)


class TomlDetail:
    """tomllib's message about a file, with its Danish version (simengine.scenario.schema.read_toml)."""

    __slots__ = ("msg",)

    def __init__(self, msg: str) -> None:
        self.msg = msg

    def text(self, lang: str = "en") -> str:
        if lang != "da":
            return self.msg
        import re

        m = re.fullmatch(r"(.*) \(at (?:line (\d+), column (\d+)|(end of document))\)", self.msg, re.S)
        body, where = (m.group(1), m) if m else (self.msg, None)
        for pattern, repl in _TOML_DA:
            new = re.sub(pattern, repl, body)
            if new != body:
                body = new
                break
        if where is None:
            return body
        at = "i slutningen af filen" if where.group(4) else f"linje {where.group(2)}, kolonne {where.group(3)}"
        return f"{body} ({at})"

    def __str__(self) -> str:
        return self.msg


def _param(v: Any, lang: str) -> Any:
    if isinstance(v, (Msg, Pairs, TomlDetail)):
        return v.text(lang)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _Number(v, lang)
    return v


def render(m: Msg | str, lang: str | None = None) -> str:
    """A message in ``lang`` (default: the terminal's); a plain string as it is."""
    return m.text(lang or _LANG) if isinstance(m, Msg) else str(m)


def label(kind: str, lang: str | None = None) -> str:
    """The prefix of a terminal line: ``error``, ``warning``, ``note``, ... in ``lang``."""
    return Msg(f"label.{kind}").text(lang or _LANG)


def warn(m: Msg | str, lang: str | None = None) -> None:
    """Print one warning line on stderr, in ``lang`` (default: the terminal's)."""
    from simengine.scenario.safetext import line

    print(f"{label('warning', lang)}: {line(render(m, lang))}", file=sys.stderr)


def placeholders(text: str) -> set[str]:
    """The names of the ``str.format`` placeholders of a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
