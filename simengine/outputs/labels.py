"""Labels and number formats for the report and the workbook, in Danish (``da``) or English (``en``).

Danish style: thousands ``.``, decimal comma, ``1.234 mio. kr.``, ``12,5 %``.
English style: thousands ``,``, decimal point, ``DKK 1,234m``, ``12.5%``.
Municipality and initiative names are never translated: they are shown as in the data.
"""

from __future__ import annotations

import math

from simengine.model.structure import CAUSES as _CAUSES
from simengine.model.structure import INITIATIVE_INPUTS, PLAN_ITEM, REGIME_DECLS, REGIMES, SAMPLING_ITEM
from simengine.model.structure import INPUTS as _INPUTS

LANGS = ("da", "en")
DEFAULT_LANG = "da"

MONTHS = {
    "da": ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

# key: (Danish, English). Texts may hold str.format fields.
TEXT: dict[str, tuple[str, str]] = {
    # -- general ----------------------------------------------------------------------------
    "title": ("Risikorapport", "Risk report"),
    "mio": ("mio. kr.", "DKK m"),
    "mio_year": ("mio. kr. pr. år", "DKK m per year"),
    "kr_inh": ("kr. pr. indbygger", "DKK per inhabitant"),
    "year": ("År", "Year"),
    "target": ("Mål", "Target"),
    "mean": ("Middel", "Mean"),
    "median": ("Median (P50)", "Median (P50)"),
    "p_target": ("Sandsynlighed for at nå målet", "Probability of reaching the target"),
    "p_target_short": ("P(mål nået)", "P(target met)"),
    "es": ("Forventet manglende gevinst, værste {tail} af udfaldene", "Expected shortfall, worst {tail} of outcomes"),
    "es_short": ("Manglende gevinst, værste {tail}", "Shortfall, worst {tail}"),
    "es_card": ("Manglende gevinst {year}, værste {tail}", "Shortfall {year}, worst {tail} of outcomes"),
    "shortfall_mean": ("Gns. manglende gevinst (alle udfald)", "Mean shortfall (all outcomes)"),
    "observed": ("Faktisk udfald", "Observed"),
    "observed_potential": ("Opgjort potentiale", "Observed potential"),
    "area": ("Område", "Area"),
    "municipality": ("Kommune", "Municipality"),
    "code": ("Kommunekode", "Code"),
    "region": ("Region", "Region"),
    "population": ("Indbyggere", "Inhabitants"),
    "initiative": ("Initiativ", "Initiative"),
    "initiative_id": ("Id", "Id"),
    "regime": ("Budgetmodel", "Budget regime"),
    "value": ("Værdi", "Value"),
    "unit": ("Enhed", "Unit"),
    "item": ("Nøgletal", "Item"),
    "source": ("Kilde / begrundelse", "Source / reasoning"),
    "parameter": ("Parameter", "Parameter"),
    "key": ("Nøgle i scenariefilen", "Scenario key"),
    "share": ("andel", "share"),
    "contents": ("Indhold", "Contents"),
    "none": ("ingen", "none"),
    "cause": ("Årsag", "Cause"),
    "no_target": ("Intet gevinstmål", "No gain target"),
    "no_target_short": ("intet mål", "no target"),
    "of_target": ("{short} af {target} ({pct})", "{short} of {target} ({pct})"),
    "percent_of_target": ("% af målet", "% of target"),
    # -- header -----------------------------------------------------------------------------
    "meta_draws": ("{draws} simulerede udfald (træk), seed {seed}", "{draws} simulated outcomes (draws), seed {seed}"),
    "meta_created": ("Kørt {created} med simengine {version}", "Run {created} with simengine {version}"),
    "meta_scenario": ("Scenariefil {file} (sha256 {sha})", "Scenario file {file} (sha256 {sha})"),
    "meta_units": (
        "Alle beløb er gevinster i mio. kr. pr. år i faste priser, hvis intet andet er nævnt.",
        "All amounts are gains in DKK million per year at fixed prices unless stated otherwise.",
    ),
    # -- sections ---------------------------------------------------------------------------
    "sec_headline": ("Konklusion", "Headline"),
    "sec_years": ("År for år", "Year by year"),
    "sec_fan": ("Gevinsten over tid", "The gain over time"),
    "sec_areas": ("Områderne", "The areas"),
    "sec_dist": ("Udfaldsrummet i {year}", "The range of outcomes in {year}"),
    "sec_regimes": ("Budgetmodellerne", "The budget regimes"),
    "sec_municipalities": ("Kommunerne", "The municipalities"),
    "sec_initiatives": ("Initiativerne", "The initiatives"),
    "sec_sensitivity": ("Følsomhed", "Sensitivity"),
    "sec_tornado": ("Hvad betyder mest? (tornadodiagram)", "What matters most? (tornado)"),
    "sec_waterfall": ("Fra løfte til forventet gevinst (vandfald)", "From promise to expected gain (waterfall)"),
    "sec_mc": ("Monte Carlo-usikkerhed", "Monte Carlo error"),
    "sec_backtest": ("Efterprøvning mod det faktiske udfald", "Backtest against the observed outcome"),
    "sec_assumptions": ("Antagelser", "Assumptions"),
    "sec_method": ("Om beregningen", "About the calculation"),
    # -- the compare and sweep pages (simengine.outputs.report.compare, simengine.outputs.report.sweep) ------------
    "cmp_title": ("Sammenligning af to scenarier", "Comparison of two scenarios"),
    "cmp_a": ("A (udgangspunktet)", "A (the baseline)"),
    "cmp_b": ("B (alternativet)", "B (the alternative)"),
    "cmp_meta": (
        "{paired} parvise træk af {draws}, seed {seed}: A og B ser de samme tilfældige tal i hvert træk",
        "{paired} paired draws of {draws}, seed {seed}: A and B see the same random numbers in each draw",
    ),
    "cmp_lead_p": (
        "I {year} er sandsynligheden for at nå målet {pa} med A og {pb} med B.",
        "In {year} the probability of reaching the target is {pa} with A and {pb} with B.",
    ),
    "cmp_lead_d": (
        "I det samme træk er forskellen B − A i gennemsnit {mean}; med 80 % sandsynlighed ligger den "
        "mellem {p10} og {p90}. B giver en større gevinst end A i {pg} af trækkene og en mindre i {pl}.",
        "In the same draw the difference B − A is {mean} on average; with 80% probability it lies between "
        "{p10} and {p90}. B gives a larger gain than A in {pg} of the draws and a smaller one in {pl}.",
    ),
    "cmp_lead_only": (
        "B når sit mål, mens A ikke når sit, i {pb} af trækkene; det omvendte sker i {pa}.",
        "B reaches its target while A misses its own in {pb} of the draws; the reverse happens in {pa}.",
    ),
    "cmp_paired_draws": ("Parvise træk (B − A)", "Paired draws (B − A)"),
    "cmp_mean_diff": ("Middel B − A {year}", "Mean B − A {year}"),
    "cmp_p_greater": ("Sandsynlighed for at B giver mere end A", "Probability that B gives more than A"),
    "cmp_side_caption": (
        "A og B side om side i {year} ({unit}). Beløb der kan disponeres: det beløb, gevinsten når "
        "med den angivne sikkerhed.",
        "A and B side by side in {year} ({unit}). Committable: the amount the gain reaches with the given certainty.",
    ),
    "cmp_committable": ("Beløb der kan disponeres, {p} sikkert", "Committable, {p} sure"),
    "sec_cmp_dist": ("A og B i {year}", "A and B in {year}"),
    "cmp_dist_caption": (
        "Hvor ofte hver gevinst forekommer med A og med B (samme træk); de stiplede streger er målene.",
        "How often each gain occurs with A and with B (the same draws); the dashed lines are the targets.",
    ),
    "sec_cmp_fan": ("A og B over tid", "A and B over time"),
    "cmp_fan_caption": (
        "A og B år for år på samme skala. Det mørke bånd rummer halvdelen af udfaldene, det lyse "
        "90 %; den stiplede linje er målstien.",
        "A and B year by year on the same scale. The dark band holds half of the outcomes, the "
        "light band 90%; the dashed line is the target path.",
    ),
    "sec_cmp_diff": ("Forskellen B − A", "The difference B − A"),
    "cmp_diff_hist": ("B − A i {year}, træk for træk", "B − A in {year}, draw by draw"),
    "cmp_diff_fan": ("B − A over tid", "B − A over time"),
    "cmp_diff_axis": ("B − A, mio. kr. pr. år", "B − A, DKK m per year"),
    "cmp_diff_caption": (
        "Gevinsten med B minus gevinsten med A i det samme træk. Begge scenarier ser de samme "
        "tilfældige tal, så forskellen er virkningen af ændringen, ikke støj. Til højre forskellens "
        "median med 50 %- og 80 %-interval år for år.",
        "The gain with B minus the gain with A in the same draw. Both scenarios see the same random "
        "numbers, so the difference is the effect of the change, not noise. Right: the "
        "difference's median with its 50% and 80% intervals year by year.",
    ),
    "cmp_years_caption": (
        "År for år ({unit}): medianen (P50) af A og B, middel og fraktiler (P10, P50, P90) af "
        "forskellen B − A i samme træk, og sandsynlighederne.",
        "Year by year ({unit}): the median (P50) of A and B, the mean and percentiles (P10, P50, "
        "P90) of the difference B − A in the same draw, and the probabilities.",
    ),
    "cmp_only_b_col": ("Kun B når målet", "Only B meets target"),
    "cmp_only_a_col": ("Kun A når målet", "Only A meets target"),
    "cmp_ini_caption": (
        "Middelgevinsten pr. initiativ i {year} med A og B ({unit}); initiativer i begge scenarier, "
        "de mest ændrede først.",
        "The mean gain per initiative in {year} with A and B ({unit}); initiatives in both "
        "scenarios, the most changed first.",
    ),
    "cmp_ini_none": (
        "Intet initiativ i begge scenarier har ændret middelgevinst.",
        "No initiative in both scenarios changed its mean gain.",
    ),
    "cmp_only_in": ("Kun i {side}: {ids}", "Only in {side}: {ids}"),
    "cmp_npv": ("Nutidsværdi (NPV) af nettogevinsten, B − A", "Net present value (NPV) of the net gain, B − A"),
    "cmp_net": ("Nettogevinst B − A, middel", "Net gain B − A, mean"),
    "sec_cmp_notes": ("Bemærkninger", "Notes"),
    "cmp_method": (
        "A og B simuleres med samme seed og samme antal træk. Hver tilfældig størrelse har sin egen "
        "talrække (seed, størrelse, initiativ, kommune), så træk nr. d med B ser de samme nationale stød, "
        "den samme kommunale kapacitet og, for hvert initiativ der ikke er ændret, de samme input som "
        "træk nr. d med A (fælles tilfældige tal). Forskellen i et træk er derfor ændringens virkning i "
        "den samme verden. Tallene står i comparison.nc.",
        "A and B are simulated with the same seed and the same number of draws. Every random quantity "
        "has its own stream (seed, quantity, initiative, municipality), so draw d with B sees the same "
        "national shocks, the same municipal capacity and, for every initiative that did not change, "
        "the same inputs as draw d with A (common random numbers). The difference in a draw is thus "
        "the change's effect in the same world. The numbers are in comparison.nc.",
    ),
    "sheet_difference": ("Forskel B − A", "Difference B − A"),
    "sheet_committable": ("Disponibelt", "Committable"),
    "sheet_variants": ("Varianter", "Variants"),
    "sw_title": ("Varianter af scenariet", "Variants of the scenario"),
    "sw_meta": (
        "{n} varianter, {draws} træk hver, seed {seed}: alle varianter ser de samme tilfældige tal",
        "{n} variants, {draws} draws each, seed {seed}: every variant sees the same random numbers",
    ),
    "sw_swept": ("Varierede nøgler i scenariefilen: {keys}", "Scenario keys varied: {keys}"),
    "sw_lead": (
        "Sandsynligheden for at nå målet i målåret går fra {lo} ({vlo}) til {hi} ({vhi}); medianen "
        "af gevinsten fra {m_lo} til {m_hi}.",
        "The probability of reaching the target in the target year ranges from {lo} ({vlo}) to {hi} "
        "({vhi}); the median gain from {m_lo} to {m_hi}.",
    ),
    "sw_lead_same": (
        "Sandsynligheden for at nå målet i målåret er {p} i alle varianter; medianen af gevinsten går "
        "fra {m_lo} til {m_hi}.",
        "The probability of reaching the target in the target year is {p} in every variant; the median "
        "gain ranges from {m_lo} to {m_hi}.",
    ),
    "sw_chart_title": ("Gevinsten i målåret pr. variant", "The target-year gain per variant"),
    "sw_p_title": ("Sandsynlighed for at nå målet", "Probability of reaching the target"),
    "sw_chart_caption": (
        "Median (P50) og 80 %-interval (P10–P90) af gevinsten på landsplan i målåret for hver "
        "variant; de røde streger er målet. Til højre sandsynligheden for at nå målet.",
        "Median (P50) and 80% interval (P10–P90) of the national gain in the target year for "
        "each variant; the red marks are the target. Right: the probability of reaching the "
        "target.",
    ),
    "sw_table_caption": (
        "Varianterne i målåret ({unit}). Servicereduktion: middel i budgetmodellen {pre}; gevinst "
        "til kassen: middel i budgetmodellen {ret}.",
        "The variants in the target year ({unit}). Service cut: mean under the {pre} regime; "
        "gain to the central budget: mean under the {ret} regime.",
    ),
    "sw_variant": ("Variant", "Variant"),
    "sw_method": (
        "Hver variant er scenariet med de viste værdier indsat og kontrolleret igen; tallene er dem, "
        "python -m simengine run giver for varianten. Alle varianter bruger samme seed og samme træk, og "
        "hver tilfældig størrelse har sin egen talrække, så et input, som varianten ikke ændrer, har "
        "samme værdi i alle varianter (fælles tilfældige tal): forskellene mellem varianterne er "
        "ændringernes virkning, ikke støj. Tallene står i sweep.nc og sweep_summary.parquet.",
        "Each variant is the scenario with the values shown put in and checked again; its numbers are "
        "those python -m simengine run gives for the variant. All variants use the same seed and draws, "
        "and every random quantity has its own stream, so an input a variant does not change takes the "
        "same value in every variant (common random numbers): the differences between variants are the "
        "effect of the changes, not noise. The numbers are in sweep.nc and sweep_summary.parquet.",
    ),
    "sec_sw_variants": ("Varianterne", "The variants"),
    "sec_sw_years": ("Over tid", "Over time"),
    "sw_years_title": ("Mediangevinsten (P50) pr. variant", "The median gain (P50) per variant"),
    "sw_years_caption": (
        "Medianen af gevinsten på landsplan år for år for hver variant, med målstien.",
        "The median national gain year by year for each variant, with the target path.",
    ),
    "sw_many": (
        "Figurerne viser de første {k} af {n} varianter; tabellen og sweep.xlsx har dem alle.",
        "The charts show the first {k} of {n} variants; the table and sweep.xlsx hold them all.",
    ),
    "sw_npv": ("NPV, middel", "NPV, mean"),
    "ini_print_note": (
        "Tabellen over alle initiativer (middel, P10, P90, idriftsættelse) står i skærmudgaven af "
        "rapporten og i summary.xlsx, fanen Initiativer.",
        "The table of every initiative (mean, P10, P90, go-live) is in the screen version of the "
        "report and in summary.xlsx, sheet Initiatives.",
    ),
    # -- end compare and sweep pages --
    # -- headline ---------------------------------------------------------------------------
    "hl_promise": (
        "Løftet er en gevinst på {target} om året fra {year}.",
        "The promise is a gain of {target} a year from {year}.",
    ),
    "hl_p": (
        "Sandsynligheden for at nå det i {year} er {p}{p_note}.",
        "The probability of reaching it in {year} is {p}{p_note}.",
    ),
    "hl_p_none": (
        " (ingen af de {draws} simulerede udfald når målet)",
        " (none of the {draws} simulated outcomes reaches it)",
    ),
    "hl_p_all": (" (alle {draws} simulerede udfald når målet)", " (all {draws} simulated outcomes reach it)"),
    "hl_range": (
        "Med 50 % sandsynlighed bliver gevinsten i {year} mindst {p50} (medianen, {p50_pct} af løftet); med "
        "80 % sandsynlighed ligger den mellem {p10} og {p90} (P10–P90).",
        "With 50% probability the gain in {year} is at least {p50} (the median, {p50_pct} of the promise); "
        "with 80% probability it lies between {p10} and {p90} (P10–P90).",
    ),
    "hl_es": (
        "I de {tail} dårligste udfald mangler der i gennemsnit {es} i forhold til løftet (forventet manglende "
        "gevinst).",
        "In the worst {tail} of outcomes the gain falls short of the promise by {es} on average (expected shortfall).",
    ),
    "hl_when": (
        "Målet nås med mindst 50 % sandsynlighed første gang i {year}.",
        "The target is first reached with at least 50% probability in {year}.",
    ),
    "hl_never": (
        "Målet nås ikke med 50 % sandsynlighed i noget år til og med {year}; i {year} er mediangevinsten "
        "{p50} ({p50_pct} af løftet).",
        "The target is not reached with 50% probability in any year up to {year}; in {year} the median gain "
        "is {p50} ({p50_pct} of the promise).",
    ),
    "hl_observed_potential": (
        "Det opgjorte potentiale i {year}, {obs}, er en vurdering af den gevinst, der kan realiseres, og "
        "holdes derfor op mod den simulerede potentielle gevinst (før lokal realisering): det ligger {where}.",
        "The observed potential in {year}, {obs}, is an assessment of the gain that can be realised, so it "
        "is held against the simulated potential gain (before local realisation): it lies {where}.",
    ),
    "hl_observed": (
        "Det faktiske udfald i {year}, {obs}, ligger {where}.",
        "The observed outcome in {year}, {obs}, lies {where}.",
    ),
    "obs_above_all": ("over alle de simulerede udfald", "above every simulated outcome"),
    "obs_below_all": ("under alle de simulerede udfald", "below every simulated outcome"),
    "obs_rank": (
        "ved {rank}-percentilen af de simulerede udfald ({tail_p} af udfaldene er mindst lige så langt fra midten)",
        "at the {rank} percentile of the simulated outcomes ({tail_p} of outcomes are at least as far from the middle)",
    ),
    "npv_line": (
        "Nutidsværdi (NPV) af nettogevinsten, dvs. gevinst minus investering og drift, {y0}–{y1}: median "
        "{p50}; P10–P90 {p10} til {p90}.",
        "Net present value (NPV) of the net gain, i.e. gain minus "
        "investment and running costs, {y0}–{y1}: median {p50}; P10–P90 {p10} to {p90}.",
    ),
    "obs_elsewhere_potential": (
        "Det opgjorte potentiale ({years}) er vist under efterprøvningen.",
        "The observed potential ({years}) is shown in the backtest.",
    ),
    "obs_elsewhere": (
        "Det faktiske udfald ({years}) er vist under efterprøvningen.",
        "The observed outcome ({years}) is shown in the backtest.",
    ),
    "p_table_caption": (
        "Sandsynlighed for at nå målet og gevinstens fordeling år for år ({unit}).",
        "Probability of reaching the target and the distribution of the gain, year by year ({unit}).",
    ),
    # -- charts -----------------------------------------------------------------------------
    "gain_axis": ("Gevinst, mio. kr. pr. år", "Gain, DKK m per year"),
    "band90": ("90 %-interval (P5–P95)", "90% interval (P5–P95)"),
    "band50": ("50 %-interval (P25–P75)", "50% interval (P25–P75)"),
    "band80": ("80 %-interval (P10–P90)", "80% interval (P10–P90)"),
    "target_path": ("Målsti (løftet)", "Target path (the promise)"),
    "fan_title": ("Gevinst på landsplan", "National gain"),
    "fan_caption": (
        "Den simulerede gevinst pr. år med målstien. Det mørke bånd rummer halvdelen af udfaldene, det lyse 90 %.",
        "The simulated gain per year with the target path. The dark band holds half of the "
        "outcomes, the light band 90%.",
    ),
    "areas_caption": (
        "Samme fordeling for hvert område med områdets eget mål (bemærk: akserne er forskellige).",
        "The same for each area with the area's own target (note: the axes differ).",
    ),
    "area_table_caption": ("Områderne i {year} ({unit}).", "The areas in {year} ({unit})."),
    "hist_title": ("Fordeling af gevinsten i {year}", "Distribution of the gain in {year}"),
    "cdf_title": (
        "Sandsynlighed for at gevinsten højst er x ({year})",
        "Probability that the gain is at most x ({year})",
    ),
    "share_draws": ("Andel af udfaldene", "Share of outcomes"),
    "cum_prob": ("Sandsynlighed for gevinst ≤ x", "Probability that gain ≤ x"),
    "dist_caption": (
        "Til venstre: hvor ofte hver gevinst forekommer. Til højre: S-kurven, sandsynligheden for at "
        "gevinsten højst bliver x. Den lodrette streg er løftet; afstanden til fordelingen viser hvor "
        "langt væk målet er.",
        "Left: how often each gain occurs. Right: the S-curve, the probability "
        "that the gain is at most x. The vertical line is the promise; the gap to the distribution shows "
        "how far away the target is.",
    ),
    "sample_note": (
        "Figuren er tegnet ud fra de første {kept} af de {draws} træk; alle tal bruger alle træk.",
        "The figure is drawn from the first {kept} of the {draws} draws; all numbers use every draw.",
    ),
    "central_gain": ("Gevinst til kassen", "Gain to the central budget"),
    "service_cut": ("Servicereduktion", "Service cut"),
    "regime_caption": (
        "De tre budgetmodeller på de samme udfald. Gevinst til kassen: hvad kommunekassen kan "
        "budgettere med. Servicereduktion: hvad borgernes service mister, fordi budgettet er skåret "
        "uden at gevinsten kom. Linje: median; bånd: P10–P90.",
        "The three budget regimes on the same outcomes. Gain to the central budget: what the budget "
        "can count on. Service cut: what citizens' services lose because budgets were cut and the gain "
        "did not come. Line: median; band: P10–P90.",
    ),
    "regime_table_caption": (
        "Budgetmodellerne i {year} og samlet over {y0}–{y1} ({unit}).",
        "The budget regimes in {year} and in total over {y0}–{y1} ({unit}).",
    ),
    "total_over": ("I alt {y0}–{y1}", "Total {y0}–{y1}"),
    "mun_title": (
        "Gevinst pr. indbygger i {year}, P10–P90 og median",
        "Gain per inhabitant in {year}, P10–P90 and median",
    ),
    "mun_title_abs": ("Gevinst i {year}, P10–P90 og median", "Gain in {year}, P10–P90 and median"),
    "mun_target_line": ("Målet pr. indbygger", "Target per inhabitant"),
    "mun_target_note": (
        "Målet pr. indbygger er det samme for alle kommuner, fordi målet er fordelt efter befolkning: {value}.",
        "The target per inhabitant is the same in every municipality, "
        "because the target is shared by population: {value}.",
    ),
    "mun_caption": (
        "Alle {n} kommuner sorteret efter median gevinst pr. indbygger i {year} (venstre halvdel "
        "fortsætter i højre). Prik: median; streg: P10–P90.",
        "All {n} municipalities sorted by median gain per inhabitant in {year} (the left half continues "
        "on the right). Dot: median; bar: P10–P90.",
    ),
    "mun_pop_source_builtin": (
        "Befolkningstal: de indbyggede tal pr. 1. januar 2011 (scenariefilen kunne ikke "
        "læses; tallene passer med målets fordeling).",
        "Population: the built-in figures of 1 January 2011 (the scenario file could not be "
        "read; they match the target's allocation).",
    ),
    "mun_no_pop": (
        "Befolkningstal er ikke tilgængelige; gevinsten vises i mio. kr. pr. kommune.",
        "Population is not available; the gain is shown in DKK m per municipality.",
    ),
    "top10_title": (
        "De 10 kommuner med størst forventet manglende gevinst i {year}",
        "The 10 municipalities with the largest expected shortfall in {year}",
    ),
    "top10_caption": (
        "Manglende gevinst er målet (kommunens befolkningsandel af det nationale mål) minus gevinsten, "
        "når den er positiv, i gennemsnit over alle udfald: det, kommunens service mister ved forlods "
        "budgetreduktion.",
        "The shortfall is the target (the municipality's population share of the "
        "national target) minus the gain where positive, averaged over all outcomes: what its services "
        "lose if budgets are cut up front.",
    ),
    "mun_target_col": ("Kommunens mål", "Municipality's target"),
    "mun_short_col": ("Gns. manglende gevinst", "Mean shortfall"),
    "short_pct_col": ("Manglende i % af mål", "Shortfall, % of target"),
    "short_inh_col": ("Manglende, kr. pr. indb.", "Shortfall, DKK per inh."),
    "ini_title": (
        "Initiativernes bidrag i {year}: middel og P10–P90",
        "Contribution of each initiative in {year}: mean and P10–P90",
    ),
    "ini_caption": (
        "Hvert initiativs gevinst på landsplan i {year}; ruden er business casens gevinst. "
        "Idriftsættelse: P50 er tidspunktet, der med 50 % sandsynlighed nås, P90 det tidspunkt, der med "
        "90 % sandsynlighed ikke overskrides.",
        "Each initiative's national gain in {year}; the diamond is the business case's gain. Go-live: P50 "
        "is the median date, P90 the date that is not exceeded with 90% probability.",
    ),
    "business_case": ("Business case", "Business case"),
    "planned": ("Planlagt start", "Planned start"),
    "golive": ("Idriftsættelse", "Go-live"),
    "golive_p50": ("Idriftsættelse P50", "Go-live P50"),
    "golive_p90": ("Idriftsættelse P90", "Go-live P90"),
    "contribution": ("Bidrag", "Contribution"),
    "zero_gain_note": (
        "Initiativer uden gevinst (fx kvalitetsinitiativer) bidrager kun med omkostninger.",
        "Initiatives without a gain (e.g. quality initiatives) add costs only.",
    ),
    "tornado_caption": (
        "Middelgevinsten i {year}, når én antagelse sættes til sin lave og høje værdi og alt andet holdes fast.",
        "The mean gain in {year} when one input is set to its low and high value and everything else is held fixed.",
    ),
    "tornado_caption_decile": (
        "Mediangevinsten i {year} blandt de udfald, hvor antagelsen ligger i sine laveste 10 % "
        "(rød) eller højeste 10 % (blå); stregen er medianen over alle udfald. De længste "
        "søjler er de antagelser, der betyder mest.",
        "The median gain in {year} over the outcomes where the input is in its lowest 10% "
        "(red) or highest 10% (blue); the line is the median over all outcomes. The longest "
        "bars are the inputs that matter most.",
    ),
    "tornado_low_decile": ("Antagelsen i sine laveste 10 %", "Input in its lowest 10%"),
    "tornado_high_decile": ("Antagelsen i sine højeste 10 %", "Input in its highest 10%"),
    "sens_axis": (
        "Rangkorrelation med gevinsten i {year} (−1 til 1)",
        "Rank correlation with the gain in {year} (−1 to 1)",
    ),
    "sens_caption": (
        "Hvor tæt hver antagelse hænger sammen med gevinsten: positiv betyder at en højere værdi giver "
        "en højere gevinst. Figuren viser de 15 stærkeste, tabellen de 20 stærkeste; summary.xlsx har "
        "dem alle.",
        "How closely each input moves with the gain: positive means that a higher value gives a higher "
        "gain. The chart shows the 15 strongest, the table the 20 strongest; summary.xlsx has them all.",
    ),
    "tornado_low": ("Lav værdi", "Low value"),
    "tornado_high": ("Høj værdi", "High value"),
    "base": ("Basis", "Base"),
    "waterfall_caption": (
        "Hvor meget af løftet hver årsag koster i {year} (mio. kr. pr. år); årsager med en "
        "ubetydelig virkning vises kun i tabellen.",
        "How much of the promise each cause costs in {year} (DKK m per year); causes with a "
        "negligible effect are in the table only.",
    ),
    "waterfall_result": ("Simuleret gevinst", "Simulated gain"),
    "waterfall_start": ("Løftet", "Promise"),
    "mc_caption": (
        "Tallene er beregnet af {draws} træk. Intervallerne viser hvor meget et tal kunne flytte sig med "
        "et andet seed (95 %-konfidensinterval).",
        "The numbers come from {draws} draws. The intervals show how far a number could move with another "
        "seed (95% confidence interval).",
    ),
    "mc_method_computed": (
        "Beregnet her med normaltilnærmelse: sandsynligheder ±1,96·√(p(1−p)/N), middelværdier ±1,96·s/√N.",
        "Computed here by the normal approximation: probabilities ±1.96·√(p(1−p)/N), means ±1.96·s/√N.",
    ),
    "ci_low": ("95 %-interval, nedre", "95% CI, low"),
    "ci_high": ("95 %-interval, øvre", "95% CI, high"),
    "estimate": ("Estimat", "Estimate"),
    "backtest_caption": (
        "Det faktiske udfald holdt op mod den simulerede fordeling i samme år. Percentilen er andelen "
        "af udfald under det faktiske; halesandsynligheden er den tosidede sandsynlighed for et "
        "udfald mindst så ekstremt.",
        "The observed outcome against the simulated distribution of the "
        "same year. The percentile is the share of outcomes below it; the tail probability is the "
        "two-sided probability of an outcome at least as extreme.",
    ),
    "percentile": ("Percentil", "Percentile"),
    "tail_prob": ("Halesandsynlighed", "Tail probability"),
    "backtest_potential_note": (
        "Et opgjort potentiale (en vurdering af den gevinst, der kan realiseres) holdes op mod den simulerede "
        "potentielle gevinst, dvs. gevinsten før lokal realisering, ikke mod den realiserede gevinst.",
        "An observed potential (an assessment of the gain that can be realised) is held against the simulated "
        "potential gain, the gain before local realisation, not against the realised gain.",
    ),
    "backtest_potential_title": (
        "Fordeling af den potentielle gevinst i {year} og det opgjorte potentiale",
        "Distribution of the potential gain in {year} and the observed potential",
    ),
    "potential_axis": ("Potentiel gevinst, mio. kr. pr. år", "Potential gain, DKK m per year"),
    "backtest_title": (
        "Fordeling af gevinsten i {year} og det faktiske udfald",
        "Distribution of the gain in {year} and the observed outcome",
    ),
    # -- assumptions ------------------------------------------------------------------------
    "ass_intro": (
        "Alle antagelser i scenariefilen {file}. Usikre størrelser er fordelinger; kilden er kommentaren "
        "i scenariefilen, gengivet som den står der (i de medfølgende scenarier er kilder og begrundelser "
        "skrevet på engelsk, med de danske citater på originalsproget).",
        "Every assumption in the scenario file {file}. Uncertain quantities are "
        "distributions; the source is the comment in the scenario file.",
    ),
    "ass_default": (
        "simengines standardværdi, et skøn uden kilde; scenariet kan sætte den i [outputs]. Den største "
        "sikre forlods reduktion er gevinstens fraktil ved den accepterede risiko plus tærsklen.",
        "simengine's default, a judgement without a source; the scenario can set it in [outputs]. The largest "
        "safe up-front deduction is the gain's quantile at the risk accepted plus the threshold.",
    ),
    "ass_run_option": (
        "sat for denne kørsel på kommandolinjen (run.json har kommandoen), ikke i scenariefilen",
        "set for this run on the command line (run.json has the command), not in the scenario file",
    ),
    "ass_general": ("Løftet og de generelle antagelser", "The promise and general assumptions"),
    "ass_areas": ("Områdernes mål", "Area targets"),
    "ass_defaults": ("Standardantagelser for initiativerne", "Default assumptions for the initiatives"),
    "ass_initiatives": ("Initiativerne: egne antagelser", "The initiatives: their own assumptions"),
    "ass_shocks": ("Fælles stød på tværs af initiativerne", "Common shocks across the initiatives"),
    "ass_shocks_note": (
        "Et stød giver de nævnte initiativers input en fælles faktor: normalscorerne korrelerer "
        "med ladningen; hvert input beholder sin fordeling (docs/model.md).",
        "A shock gives the named initiatives' input one shared factor: their normal scores "
        "correlate by the loading; each input keeps its distribution (docs/model.md).",
    ),
    "ass_shock_value": ("ladning {loading}; {who}", "loading {loading}; {who}"),
    "ass_all_initiatives": ("alle initiativer", "every initiative"),
    "ass_initiatives_note": (
        "For hvert initiativ vises de antagelser, der afviger fra standard; resten er standardantagelserne ovenfor.",
        "For each initiative the assumptions that differ from the defaults are shown; the rest are the defaults above.",
    ),
    "ass_missing": (
        "Scenariefilen {file} kunne ikke læses ({why}). Antagelserne kan derfor ikke vises; resten af "
        "rapporten bygger alene på resultatfilen.",
        "The scenario file {file} could not be read ({why}). "
        "The assumptions cannot be shown; the rest of the report uses the results file only.",
    ),
    "ass_changed": (
        "Advarsel: scenariefilen er ændret siden kørslen (sha256 {now} mod {then}). Antagelserne "
        "nedenfor er fra den nuværende fil og kan afvige fra dem, der blev brugt.",
        "Warning: the scenario file has changed since the run (sha256 {now} vs {then}). The assumptions "
        "below are from the current file and may differ from those used.",
    ),
    "ass_note": ("Note", "Note"),
    "ass_default_mark": ("standard", "default"),
    "ass_no_event": ("ingen", "none"),
    "prob_then": ("sandsynlighed {p}, derefter {then}", "probability {p}, then {then}"),
    # -- method -----------------------------------------------------------------------------
    "method_text": (
        "Hvert initiativ i hver kommune simuleres år for år med usikkerhed om business casen, "
        "forsinkelser, lovgivning, teknologi, digitalt svage borgere, økonomisk pres, realisering og "
        "indfasning. P10 betyder at 10 % af udfaldene er lavere.",
        "Every initiative in every municipality is simulated year by year with "
        "uncertainty about the business case, delays, legislation, technology, digitally weak citizens, "
        "economic pressure, budget take-out and ramp-up. P10 means that 10% of outcomes are lower.",
    ),
    #: how the quantiles are computed, when results.nc does not say (it does since the attributes
    #: quantile_method_national and quantile_method_municipality_initiative exist: method_national, method_histogram)
    "method_quantiles": (
        "Landstal og områdetal er eksakte fraktiler over alle træk; kommune- og initiativtal er "
        "fraktiler fra histogrammer (fejl højst 0,4 %).",
        "National and area figures are exact quantiles over all draws; municipality and initiative "
        "figures are quantiles from histograms (error at most 0.4%).",
    ),
    "report_failed": (
        "Rapporten kunne ikke laves: {error}. Resultaterne i results.nc og summary.parquet er skrevet som normalt.",
        "The report could not be made: {error}. The results in results.nc and summary.parquet were written as usual.",
    ),
    # -- workbook ---------------------------------------------------------------------------
    "sheet_overview": ("Overblik", "Overview"),
    "sheet_years": ("År", "Years"),
    "sheet_areas": ("Områder", "Areas"),
    "sheet_municipalities": ("Kommuner", "Municipalities"),
    "sheet_initiatives": ("Initiativer", "Initiatives"),
    "sheet_regimes": ("Budgetmodeller", "Regimes"),
    "sheet_sensitivity": ("Følsomhed", "Sensitivity"),
    "sheet_assumptions": ("Antagelser", "Assumptions"),
    "wb_scenario": ("Scenarie", "Scenario"),
    "wb_description": ("Beskrivelse", "Description"),
    "wb_draws": ("Antal træk", "Draws"),
    "wb_seed": ("Seed", "Seed"),
    "wb_created": ("Kørt", "Run at"),
    "wb_file": ("Scenariefil", "Scenario file"),
    "wb_sha": ("Scenariefil sha256", "Scenario sha256"),
    "wb_version": ("simengine-version", "simengine version"),
    "wb_target_year": ("Målår", "Target year"),
    "wb_target": ("Mål i målåret", "Target in the target year"),
    "wb_first_year": ("Første år med P(mål) ≥ 50 %", "First year with P(target) ≥ 50%"),
    "wb_units_note": (
        "Beløb i mio. kr. pr. år i faste priser; sandsynligheder som andele (vist i %). P(mål nået) står "
        "tom i år og områder uden mål.",
        "Amounts in DKK m per year at fixed prices; probabilities as shares (shown as %). P(target met) is "
        "empty in years and areas without a target.",
    ),
    "wb_observed": ("Faktisk udfald {year}", "Observed {year}"),
    "wb_observed_rank": ("Faktisk udfald {year}: percentil", "Observed {year}: percentile"),
    "wb_observed_potential": ("Opgjort potentiale {year}", "Observed potential {year}"),
    "wb_observed_potential_rank": (
        "Opgjort potentiale {year}: percentil af den potentielle gevinst",
        "Observed potential {year}: percentile of the potential gain",
    ),
    "wb_per_inh": ("pr. indb.", "per inh."),
    "wb_net": ("Nettogevinst", "Net gain"),
    "wb_cost": ("Omkostninger, middel", "Costs, mean"),
    "wb_regime_benefit": ("Realiseret gevinst, middel", "Realised gain, mean"),
    "wb_stat": ("Størrelse", "Statistic"),
    "wb_input": ("Input", "Input"),
    "wb_variable": ("Variabel i results.nc", "Variable in results.nc"),
    "wb_never": ("ikke inden {year}", "not by {year}"),
    "wb_ass_section": ("Afsnit", "Section"),
    # -- update (simengine.analysis.update) ----------------------------------------------------------
    "upd_title": (
        "Hvad observationerne lærte os: input før og efter",
        "What the observations taught: inputs before and after",
    ),
    "upd_axis": (
        "Ændring i forhold til forhåndsfordelingen (standardafvigelser; P10-P90 og median)",
        "Change relative to the prior (prior standard deviations; P10-P90 and median)",
    ),
    "upd_prior": ("Før (forhåndsfordeling)", "Before (prior)"),
    "upd_posterior": ("Efter (opdateret)", "After (posterior)"),
    "pit_title": ("PIT-histogram: {n} observationer", "PIT histogram: {n} observations"),
    "pit_axis": (
        "PIT: prognosens sandsynlighed for en værdi under den observerede",
        "PIT: the forecast's probability of a value below the observed one",
    ),
    "pit_count": ("Observationer", "Observations"),
    "pit_expected": ("Forventet ved en kalibreret prognose", "Expected of a calibrated forecast"),
    # -- negotiation (simengine.analysis.negotiate, simengine.outputs.report.negotiation) -------------------------
    "sec_negotiation": ("Til forhandlingsbordet", "For the negotiation table"),
    "commit_title": ("Hvad kan man love?", "What can be committed?"),
    "commit_caption": (
        "Det beløb, gevinsten på landsplan når med den angivne sikkerhed (sandsynlighed), år for år "
        "({unit}). Beløbet med 90 % sikkerhed er det, der kan budgetteres med, når man vil være 90 % "
        "sikker på, at gevinsten dækker det.",
        "The amount the national gain reaches with the given certainty (probability), year by year "
        "({unit}). The amount at 90% certainty is what can be budgeted if one wants to be 90% sure the "
        "gain covers it.",
    ),
    "ded_sheet_note": (
        "Servicereduktion regnet mod den realiserede gevinst: frigjort tid brugt på bedre service tæller med.",
        "Service cut counted against the realised gain: freed time spent on better service counts as cut.",
    ),
    "commit_ci_note": (
        "95 %-Monte Carlo-interval for målåret i parentes: simuleringens egen usikkerhed, ikke antagelsernes.",
        "95% Monte Carlo interval for the target year in brackets: the simulation's own noise, not the "
        "uncertainty of the assumptions.",
    ),
    "certainty_col": ("{p} sikkert", "{p} sure"),
    "commit_sheet_note": (
        "Beløbet, gevinsten på landsplan når med den angivne sikkerhed ({unit}).",
        "The amount the national gain reaches with the given certainty ({unit}).",
    ),
    "commit_area_caption": (
        "Områderne i {year}: beløbet, gevinsten når med den angivne sikkerhed ({unit}). "
        "Kommunernes beløb står i summary.xlsx og results.nc.",
        "The areas in {year}: the amount the gain reaches with the given certainty ({unit}). "
        "Each municipality's amounts are in summary.xlsx and results.nc.",
    ),
    "net_row": ("Nettogevinst", "Net gain"),
    "exceed_title": (
        "Sandsynlighed for en gevinst på mindst x i {year}",
        "Probability of a gain of at least x in {year}",
    ),
    "exceed_axis": ("Sandsynlighed for gevinst ≥ x", "Probability that gain ≥ x"),
    "exceed_caption": (
        "Overskridelseskurven: for ethvert beløb x sandsynligheden for, at gevinsten i {year} bliver "
        "mindst x. Prikkerne er beløbene med 50, 80, 90 og 95 % sikkerhed; den stiplede streg er "
        "løftet. Andre beløb: python -m simengine ask results.nc --year {year} --at-least X.",
        "The exceedance curve: for any amount x the probability that the gain in {year} is at least x. "
        "The dots are the amounts at 50, 80, 90 and 95% certainty; the dashed line is the promise. Other "
        "amounts: python -m simengine ask results.nc --year {year} --at-least X.",
    ),
    "ded_title": (
        "Forlods budgetreduktion: hvor meget kan tages ud?",
        "Up-front deduction: how much can be taken out?",
    ),
    "ded_caption": (
        "For hver forlods reduktion (andel af målstien) i {year}: sandsynligheden for, at servicen skal "
        "skæres med mere end {x}, den forventede servicereduktion, gevinsten til kassen og hvad der bliver "
        "i kommunerne ({unit}). Gevinster og reduktioner er opgjort på landsplan. Servicereduktionen regnes "
        "mod den realiserede gevinst: frigjort tid, der er brugt på bedre service, tæller med, så en reduktion "
        "op til den potentielle gevinst tager først den forbedring tilbage, før servicen kommer under det "
        "gamle niveau.",
        "For each up-front deduction (share of the target path) in {year}: the probability that services "
        "must be cut by more than {x}, the expected service cut, the gain to the central budget and what "
        "stays with the municipalities ({unit}). Gains and cuts are netted nationally. The service cut is "
        "counted against the realised gain: freed time spent on better service counts as cut, so a deduction "
        "up to the potential gain first takes that improvement back before services fall below their old "
        "level.",
    ),
    "ded_share": ("Andel af målet", "Share of target"),
    "ded_amount": ("Reduktion", "Deduction"),
    "ded_p_short": ("P(reduktion > {x})", "P(cut > {x})"),
    "ded_p": ("P(servicereduktion > {x})", "P(service cut > {x})"),
    "ded_cut_mean": ("Forventet servicereduktion", "Expected service cut"),
    "ded_local": ("Bliver i kommunerne", "Stays with the municipalities"),
    "ded_safe": (
        "Den største forlods reduktion i {year}, hvor sandsynligheden for en servicereduktion over {x} højst "
        "er {alpha}, er {amount} ({share} af målet).",
        "The largest up-front deduction in {year} with at most {alpha} probability of a service cut above "
        "{x} is {amount} ({share} of the target).",
    ),
    "ded_axis": ("Forlods reduktion, andel af målet", "Up-front deduction, share of the target"),
    "ded_p_axis": ("Sandsynlighed", "Probability"),
    "ded_alpha_line": ("Accepteret risiko: højst {alpha}", "Risk accepted: at most {alpha}"),
    "regime_delivery": ("Reduktion ved levering", "Deduction on delivery"),
    "regime_delivery_desc": (
        "Hvert initiativs business case trækkes ud fra det tidspunkt, systemet eller loven er "
        "leveret (idriftsat); servicen betaler, hvis gevinsten ikke følger med.",
        "Each initiative's business case is deducted from the time its system or law is "
        "delivered (go-live); services pay where the gain does not follow.",
    ),
    "deals_title": ("Aftalemodellerne sammenlignet på de samme udfald", "The deals compared on the same outcomes"),
    "deals_caption": (
        "Middel i {year} ({unit}); P(servicereduktion > {x}). Reduktion ved levering er beregnet på de "
        "første {n} udfald (hvor idriftsættelsestidspunkterne er gemt) og sammenlignet parvis, udfald for "
        "udfald.",
        "Means in {year} ({unit}); P(service cut > {x}). Deduction on delivery is computed on "
        "the first {n} outcomes (whose go-live times are kept) and compared pairwise, outcome by "
        "outcome.",
    ),
    "deal": ("Aftale", "Deal"),
    "wb_ded_max_safe": (
        "Største forlods reduktion med P(servicereduktion > {x}) højst {alpha}",
        "Largest up-front deduction with P(service cut > {x}) at most {alpha}",
    ),
    "wb_reach_amount": (
        "Beløb, som landsgevinsten når med sandsynlighed {p}",
        "Amount the national gain reaches with probability {p}",
    ),
    "delivery_minus": ("Levering minus {regime}", "Delivery minus {regime}"),
    "control_title": ("Hvem styrer hvad?", "Who controls what?"),
    "control_municipal": (
        "Kommunerne selv (realisering, lokal kapacitet, indfasning, brug)",
        "The municipalities (realisation, local capacity, ramp-up, adoption)",
    ),
    "control_outside": (
        "Uden for kommunernes kontrol (forsinkelse, lovgivning, teknologi, økonomi, digitalt svage, "
        "skøn i business cases)",
        "Outside municipal control (delay, legislation, technology, the "
        "economy, digitally weak citizens, business-case estimates)",
    ),
    "control_shared": (
        "heraf business case-skøn og projektforsinkelse, som kommunernes fælles organisationer (KL, "
        "KOMBIT) havde del i",
        "of which business-case estimates and project delay, in which the municipalities' common "
        "organisations (KL, KOMBIT) had a hand",
    ),
    "control_shared_short": ("heraf skøn og forsinkelse (KL, KOMBIT)", "of which estimates and delay (KL, KOMBIT)"),
    "control_municipal_short": ("Kommunerne selv", "The municipalities"),
    "control_outside_short": ("Uden for kommunernes kontrol", "Outside municipal control"),
    "control_plan_short": ("Planen", "The plan"),
    "control_plan": (
        "Planen (målet dækkes ikke, selv uden alle årsager)",
        "The plan (target not covered even without every cause)",
    ),
    "control_caption": (
        "Vandfaldets årsager samlet efter, hvem der kan gøre noget ved dem: middel i {year} ({unit}). "
        "Grundlag for klausuler om risikodeling.",
        "The waterfall's causes grouped by who can act on "
        "them: mean in {year} ({unit}). The basis for risk-sharing clauses.",
    ),
    "hl_control": (
        "Af den manglende gevinst i {year} skyldes {mun} forhold, kommunerne selv styrer, og {out} forhold "
        "uden for deres kontrol.",
        "Of the shortfall in {year}, {mun} is due to what the municipalities control and {out} to what they do not.",
    ),
    "hl_commit": (
        "Med {c} sikkerhed bliver gevinsten i {year} mindst {amount}; med 50 % sikkerhed mindst {a50}.",
        "With {c} certainty the gain in {year} is at least {amount}; with 50% certainty at least {a50}.",
    ),
    "hl_share": (
        "Den realiserede andel af løftet i {year}: P10 {p10}, P50 {p50}, P90 {p90}.",
        "The realised share of the promise in {year}: P10 {p10}, P50 {p50}, P90 {p90}.",
    ),
    "hl_cut": (
        "Trækkes hele målet ud af budgetterne på forhånd, er sandsynligheden for, at servicen skal skæres med "
        "mere end {x}, {p}.",
        "If the whole target is taken out of budgets up front, the probability that "
        "services must be cut by more than {x} is {p}.",
    ),
    "hl_out_of_reach": (
        "Målet ligger uden for modellens udfaldsrum: sandsynligheden for at nå det er under 0,5 % i "
        "alle år. Det største beløb med en ikke-ubetydelig sandsynlighed (0,5 %) i {year} er {amount}.",
        "The target is out of reach of the model's distribution: the probability of reaching it is "
        "below 0.5% in every year. The largest amount with a non-negligible probability (0.5%) in "
        "{year} is {amount}.",
    ),
    "card_commit": ("Kan loves med {c} sikkerhed, {year}", "Committable at {c} certainty, {year}"),
    "card_share": ("Realiseret andel af løftet {year}", "Realised share of the promise {year}"),
    "card_cut": (
        "P(servicereduktion > {x}), forlods reduktion {year}",
        "P(service cut > {x}), up-front deduction {year}",
    ),
    "card_p_target": ("P(mål nået) {year}: {p}", "P(target met) {year}: {p}"),
    "sheet_negotiation": ("Forhandling", "Negotiation"),
    "wb_probability": ("sandsynlighed", "probability"),
    "neg_sheet_title": ("Forhandlingsark", "Negotiation sheet"),
    "neg_sheet_risks": ("De største risici i {year}", "The largest risks in {year}"),
    "neg_sheet_note": (
        "Beløb i mio. kr. pr. år i faste priser. {draws} simulerede udfald, seed {seed}. Hele rapporten: report.html.",
        "Amounts in DKK m per year at fixed prices. {draws} simulated "
        "outcomes, seed {seed}. The full report: report.html.",
    ),
    "wb_certainty": ("Sikkerhed", "Certainty"),
    "wb_scope": ("Niveau", "Scope"),
    "wb_national": ("Landsplan", "National"),
    "wb_ci_low": ("95 %-interval, nedre", "95% interval, low"),
    "wb_ci_high": ("95 %-interval, øvre", "95% interval, high"),
    "wb_quantity": ("Størrelse", "Quantity"),
    "wb_realised": ("Realiseret gevinst", "Realised gain"),
    "wb_potential": ("Potentiel gevinst", "Potential gain"),
    # -- the potential gain beside the realised gain (simengine.outputs.report.potential) -----------
    "sec_potential": ("Potentiale og realiseret gevinst", "Potential and realised gain"),
    "pot_title": (
        "Potentiale før lokal realisering og realiseret gevinst",
        "Potential before local realisation and realised gain",
    ),
    "pot_intro": (
        "Potentialet er bruttogevinsten før den lokale realisering: hvad initiativerne giver, hvis hver "
        "kommune høster hele sin andel. Forskellen til den realiserede gevinst er det, der går tabt lokalt.",
        "The potential is the gross gain before local realisation: what the initiatives yield if every "
        "municipality harvests its whole share. The gap to the realised gain is what is lost locally.",
    ),
    "pot_caption": (
        "Båndene rummer P10–P90 af udfaldene; linjerne er medianerne (P50).",
        "The bands hold P10–P90 of the outcomes; the lines are the medians (P50).",
    ),
    "pot_band": ("Potentiale, P10–P90", "Potential, P10–P90"),
    "pot_median": ("Potentiale, median", "Potential, median"),
    "pot_real_band": ("Realiseret, P10–P90", "Realised, P10–P90"),
    "pot_real_median": ("Realiseret, median", "Realised, median"),
    "pot_group": ("Potentiale", "Potential"),
    "pot_col_real": ("Realiseret", "Realised"),
    "pot_col_real_mean": ("Realiseret, middel", "Realised, mean"),
    "pot_col_mean": ("Potentiale, middel", "Potential, mean"),
    "pot_col_rr": ("Realiseret / lovet", "Realised / promised"),
    "pot_col_pr": ("Potentiale / lovet", "Potential / promised"),
    "pot_table_caption": (
        "I {unit}. Lovet = summen af initiativernes business cases; forholdene er middelgevinsten delt med den.",
        "In {unit}. Promised = the sum of the initiatives' business cases; the ratios are the mean gain divided by it.",
    ),
    "pot_band_label": (
        "Scenariets kalibreringsbånd for realiseret / lovet",
        "The scenario's calibration band for realised / promised",
    ),
    "pot_band_year": ("{band} i {year}; modellens forhold", "{band} in {year}; the model's ratio"),
    "pot_band_years": ("{band}; opfyldt i {years}", "{band}; met in {years}"),
    "pot_no_year": ("intet år", "no year"),
    "pot_inside": ("inden for båndet", "inside the band"),
    "pot_below": ("under båndet", "below the band"),
    "pot_above": ("over båndet", "above the band"),
    "sheet_potential": ("Potentiale", "Potential"),
    "wb_calibration_year": ("Kalibreringsår", "Calibration year"),
    "pot_col_rd": ("Realiseret / lovet af det leverede", "Realised / promised of what is delivered"),
    "wb_band_low": ("Nedre", "Low"),
    "wb_band_high": ("Øvre", "High"),
    "wb_band_basis": ("Båndet læses på", "The band is read on"),
    "wb_steady_state": ("Realiseret / lovet ved fuld effekt", "Realised / promised at full effect"),
    # -- with and without the common shocks, same draws (simengine.outputs.report.shocks) -------------
    "sec_shocks": ("Fælles stød: hvor meget de spreder udfaldet", "Common shocks: how much they widen the outcome"),
    "shk_title": ("Gevinst med og uden fælles stød, samme udfald", "Gain with and without common shocks, same draws"),
    "shk_intro": (
        "Scenariets fælles stød (ved deres id i scenariefilen: {shocks}) lader initiativernes skøn, "
        "forsinkelser og realisering variere sammen. Her er den landsdækkende bruttogevinst regnet to "
        "gange på de samme {draws} udfald: med stødene og med dem fjernet. Alt andet er det samme, så "
        "forskellen er stødenes alene.",
        "The scenario's common shocks (by their ids in the scenario file: {shocks}) make the initiatives' "
        "estimates, delays and realisation move together. Here the national gross gain is computed twice "
        "on the same {draws} draws: with the shocks and with them removed. Everything else is the same, "
        "so the difference is the shocks' alone.",
    ),
    #: a shock's id is the scenario's own identifier, shown as written, in quotes
    "shk_item": ('"{id}": {input}, ladning {loading}', '"{id}": {input}, loading {loading}'),
    "shk_caption": (
        "Båndene rummer P10–P90 af udfaldene; linjerne er medianerne (P50).",
        "The bands hold P10–P90 of the outcomes; the lines are the medians (P50).",
    ),
    "shk_band_with": ("Med stød, P10–P90", "With shocks, P10–P90"),
    "shk_band_without": ("Uden stød, P10–P90", "Without shocks, P10–P90"),
    "shk_median_with": ("Med stød, median", "With shocks, median"),
    "shk_median_without": ("Uden stød, median", "Without shocks, median"),
    "shk_with": ("Med stød", "With shocks"),
    "shk_without": ("Uden stød", "Without shocks"),
    "shk_col_width_with": ("P10–P90-bredde med stød", "P10–P90 width with shocks"),
    "shk_col_width_without": ("P10–P90-bredde uden stød", "P10–P90 width without shocks"),
    "shk_col_widening": ("Bredere med stød", "Wider with shocks"),
    "shk_col_p_with": ("P(mål nået) med stød", "P(target met) with shocks"),
    "shk_col_p_without": ("P(mål nået) uden stød", "P(target met) without shocks"),
    "shk_print_note": (
        "Udskriften viser målåret og {n} år på hver side; alle år står på skærmen og i summary.xlsx.",
        "The printout shows the target year and {n} years each side; every year is on screen and in summary.xlsx.",
    ),
    "shk_table_caption": (
        "I {unit}, over de første {draws} udfald. Bredere med stød = (P90 − P10 med stød) / (P90 − P10 uden stød) − 1.",
        "In {unit}, over the first {draws} draws. Wider with shocks = (P90 − P10 with shocks) / "
        "(P90 − P10 without shocks) − 1.",
    ),
    "shk_summary": (
        "I {year} gør stødene P10–P90-båndet {widen} bredere; middelgevinsten er {mean_with} {unit} med "
        "og {mean_without} {unit} uden: stødene flytter ikke middelværdien, de spreder udfaldet.",
        "In {year} the shocks make the P10–P90 band {widen} wider; the mean gain is {mean_with} {unit} "
        "with them and {mean_without} {unit} without: the shocks do not move the mean, they spread the "
        "outcome.",
    ),
    # -- the calibration check on the bases of its evidence (simengine.analysis.calibration) -----------
    "cal2_row": ("af det leverede", "of delivered"),
    "cal2_delivered": (
        "{year}, af de business cases der er i drift: {v}, {verdict}",
        "{year}, of the business cases live by then: {v}, {verdict}",
    ),
    "cal2_steady": (
        "ved fuld effekt (niveauerne alene, alt i drift og fuldt indfaset): {v}, {verdict}",
        "at full effect (the levels alone, everything live and fully ramped): {v}, {verdict}",
    ),
    "cal2_steady_only": ("ved fuld effekt (niveauerne alene): {v}", "at full effect (the levels alone): {v}"),
    "cal2_basis": ("scenariet læser båndet på: {basis}", "the scenario reads the band on: {basis}"),
    "cal2_basis_promised": ("hele det lovede (realiseret)", "all that was promised (realised)"),
    "cal2_basis_delivered": ("det leverede", "what is delivered"),
    "cal2_basis_steady-state": ("fuld effekt", "full effect"),
    "pot_bases_delivered": ("Af de business cases der er i drift i {year}:", "Of the business cases live in {year}:"),
    "pot_bases_steady": ("ved fuld effekt (niveauerne alene):", "at full effect (the levels alone):"),
    "cal2_inside": ("inden for båndet", "inside"),
    "cal2_below": ("UNDER båndet", "BELOW"),
    "cal2_above": ("OVER båndet", "ABOVE"),
    # -- staff freed per krone invested, retention against realised (simengine.outputs.report.investment) --
    "sec_investment": (
        "Frigjorte årsværk pr. investeret krone; fastholdelse mod realisering",
        "Staff freed per krone invested; retention against realised",
    ),
    "inv_intro": (
        "Frigjorte årsværk = bruttogevinsten under budgetmodellen / prisen pr. årsværk. Investeringen er "
        "initiativernes samlede engangsinvestering med overskridelse, fra scenariefilen. Under fastholdelse "
        "beholder enheden en del af gevinsten, og incitamentet løfter realiseringen; hænderne er frigjort "
        "uanset hvem der beholder dem. Over de første {draws} udfald.",
        "Staff freed = the regime's gross gain / the cost per FTE. The investment is the initiatives' total "
        "one-off investment with overrun, from the scenario file. Under retention the unit keeps part of "
        "the gain and the incentive lifts realisation; the hands are freed whoever keeps them. Over the "
        "first {draws} draws.",
    ),
    "inv_total": ("Samlet investering med overskridelse", "Total investment with overrun"),
    "inv_col_fte_real": ("Årsværk frigjort, realisering, median", "FTE freed, realised, median"),
    "inv_col_fte_ret": ("Årsværk frigjort, fastholdelse, median", "FTE freed, retention, median"),
    "inv_col_gain": ("Fastholdelse − realisering, årsværk", "Retention − realised, FTE"),
    "inv_col_per": ("Årsværk pr. mio. kr. investeret", "FTE per DKK m invested"),
    "inv_col_per_mean": ("Årsværk pr. mio. kr., middel/middel", "FTE per DKK m, mean/mean"),
    "inv_col_per_mean_ret": (
        "Årsværk pr. mio. kr., fastholdelse, middel/middel",
        "FTE per DKK m, retention, mean/mean",
    ),
    "inv_fte": ("Årsværk frigjort", "FTE freed"),
    "inv_realised": ("realisering", "realised"),
    "inv_retention": ("fastholdelse", "retention"),
    "inv_table_caption": (
        "Årsværk pr. mio. kr. (realisering) i P10–P90 er fordelingen over udfaldene af "
        "årsværk / investering; middel/middel er middel af årsværk / middel af investering. "
        "Fastholdelse − realisering er forskellen udfald for udfald.",
        "FTE per DKK m (realised) at P10–P90 is the distribution over draws of FTE / investment; "
        "mean/mean is mean FTE / mean investment. Retention − realised is the difference draw by "
        "draw.",
    ),
    "sheet_investment": ("Årsværk pr. investering", "FTE per investment"),
    "inv_wb_note": (
        "Investeringerne er scenariefilens (skøn, se dens kommentarer); årsværk = gevinst / pris pr. årsværk.",
        "The investments are the scenario file's (judgement, see its comments); FTE = gain / cost per FTE.",
    ),
    "sheet_shocks": ("Fælles stød", "Common shocks"),
    "shk_wb_note": (
        "Samme {draws} udfald med og uden scenariets fælles stød (ved deres id i scenariefilen: {shocks}).",
        "The same {draws} draws with and without the scenario's common shocks (by their ids in the scenario "
        "file: {shocks}).",
    ),
    # -- an updated forecast (simengine.outputs.report.update) --------------------------------------
    "sec_update": ("Opdateret prognose", "Updated forecast"),
    "upd_notice": (
        "Dette er en opdateret prognose: kørslens udfald er vægtet efter de {k} observationer i {file}, der "
        "var kendt {date}. Den effektive stikprøve er {ess} af {kept} udfald.",
        "This is an updated forecast: the run's draws are weighted by the {k} observations in {file} known by "
        "{date}. The effective sample size is {ess} of {kept} draws.",
    ),
    "upd_notice_short": (
        "Opdateret prognose: vægtet efter observationerne kendt {date} ({file}); effektiv stikprøve {ess} af {kept}.",
        "Updated forecast: weighted by the observations known by {date} ({file}); effective sample size {ess} of "
        "{kept}.",
    ),
    "upd_prior_parts": (
        "Før opdateringen (ikke genvægtet): {what}.",
        "Before the update (not reweighted): {what}.",
    ),
    "upd_prior_what": (
        "kommunernes tal, følsomheden og vandfaldet (og dermed hvem styrer hvad)",
        "the municipalities' figures, the sensitivity and the waterfall (hence who controls what)",
    ),
    "upd_prior_section": (
        "Før opdateringen: dette afsnit viser prognosen før opdateringen (det kan ikke genvægtes).",
        "Before the update: this section shows the forecast before the update (it cannot be reweighted).",
    ),
    "upd_prior_mark": ("før opdateringen", "before the update"),
    "upd_chart_caption": (
        "De input, opdateringen flyttede mest: P10–P90 og median før (grå) og efter (blå), i standardafvigelser "
        "før opdateringen.",
        "The inputs the update moved most: P10–P90 and median before (grey) and after (blue), in standard "
        "deviations before the update.",
    ),
    "upd_no_moved": ("Ingen input flyttede sig mærkbart.", "No input moved noticeably."),
    "upd_wb_update": ("Opdateret prognose", "Updated forecast"),
    "upd_wb_prior": ("Før opdateringen (ikke genvægtet)", "Before the update (not reweighted)"),
}

#: the waterfall's causes (simengine.model.structure.CAUSES) for a reader, capitalised, in Danish and English
CAUSE_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("Planen: målet dækkes ikke, selv uden alle årsager", "Plan: target not covered even with every cause off"),
    **{c.key: (c.label[0][:1].upper() + c.label[0][1:], c.label[1][:1].upper() + c.label[1][1:]) for c in _CAUSES},
    "sampling": ("Monte Carlo: delprøve mod alle træk", "Monte Carlo: subsample vs all draws"),
}

# Names of scenario parameters, for the assumptions table.
PARAM: dict[str, tuple[str, str]] = {
    "scenario.target": ("Løftet (gevinst ved fuld effekt)", "The promise (gain at full effect)"),
    "scenario.target_start_year": ("Første år i målstien", "First year of the target path"),
    "scenario.target_year": ("Målår", "Target year"),
    "scenario.start_year": ("Første simulerede år", "First simulated year"),
    "scenario.horizon": ("Sidste simulerede år", "Last simulated year"),
    "scenario.discount_rate": ("Diskonteringsrente", "Discount rate"),
    "scenario.cost_per_fte": ("Pris pr. årsværk", "Cost per FTE"),
    "scenario.municipalities": ("Kommuner og befolkning", "Municipalities and population"),
    "simulation.draws": ("Antal træk", "Draws"),
    "simulation.seed": ("Seed", "Seed"),
    "national.assumed_weak_share": (
        "Andel digitalt svage, antaget i business cases (W0)",
        "Digitally weak share assumed by the business cases (W0)",
    ),
    "national.weak_share": ("Andel digitalt svage, faktisk (W)", "Digitally weak share, actual (W)"),
    "national.economic_pressure": (
        "Økonomisk pres: tabt realiseringskapacitet (E)",
        "Economic pressure: realisation capacity lost (E)",
    ),
    "municipal.capacity_spread": (
        "Spredning i kommunernes ledelseskapacitet (σ_C)",
        "Spread of municipal management capacity (σ_C)",
    ),
    "municipal.local_spread": ("Spredning i lokal gennemførelse (σ_L)", "Spread of local execution (σ_L)"),
    "municipal.optimal_population": (
        "Optimal kommunestørrelse (indbyggere)",
        "Optimal municipality size (inhabitants)",
    ),
    "municipal.size_penalty": (
        "Kapacitetstab pr. halvering/fordobling uden for optimum",
        "Capacity lost per halving/doubling outside the optimum",
    ),
    "regimes.retention_share": ("Gevinstdeling: andel enheden beholder", "Retention: share the unit keeps"),
    "regimes.retention_years": ("Gevinstdeling: antal år", "Retention: years"),
    "regimes.incentive_uplift": ("Gevinstdeling: løft i realisering", "Retention: uplift of realisation"),
    "outputs.tail": ("Hale for forventet manglende gevinst", "Tail of the expected shortfall"),
    "outputs.cut_threshold": (
        "Tærskel for en servicereduktion, der tæller (X)",
        "Threshold of a service cut that counts (X)",
    ),
    "outputs.cut_alpha": ("Accepteret risiko for en servicereduktion over X", "Risk accepted of a service cut over X"),
    "model.timing": (
        "Tidsmodel: lovgivning additiv eller en del af forsinkelsen",
        "Timing: legislation additive or a component of the delay",
    ),
    "model.realisation": ("Realisering: klippet eller middelværdibevarende", "Realisation: clamped or mean-preserving"),
    "model.calibration_band": ("Kalibreringsbånd: realiseret/lovet", "Calibration band: realised/promised"),
    "model.calibration_year": ("Kalibreringsår", "Calibration year"),
    "model.calibration_basis": ("Kalibreringsbåndet læses på", "Calibration band read on"),
    "gain": ("Business case-gevinst pr. år", "Business-case gain per year"),
    "start": ("Planlagt idriftsættelse (år)", "Planned go-live (year)"),
    "area": ("Område", "Area"),
    "channel_shift": ("Afhænger af kanalskift (digitalt svage)", "Depends on channel shift (digitally weak)"),
    "key": ("Fordelingsnøgle", "Allocation key"),
    # the sampled inputs' keys (simengine.model.structure: Input.param)
    **{v.scenario_key.split(".")[0]: v.param for v in INITIATIVE_INPUTS if v.param is not None},
    "cost": (
        "Omkostninger: investering, drift pr. år, overskridelsesfaktor (K)",
        "Costs: investment, running per year, overrun factor (K)",
    ),
    "note": ("Note", "Note"),
    "name": ("Navn", "Name"),
    "ramp_baseline": (
        "Andel af kanalskiftet nået ved idriftsættelse (b)",
        "Share of the channel shift reached at go-live (b)",
    ),
    "depends_on": ("Venter på initiativ", "Waits for initiative"),
    "dependency_lag": ("Forsinkelse efter det, år", "Lag after it, years"),
}

#: a scenario setting whose value is one of a list of names (simengine.scenario.schema: the [model]
#: choices, the allocation key, the built-in municipalities): setting -> value -> (Danish, English).
#: The English is the value as written in the scenario file; a value not listed (a CSV file, a
#: column of it used as the key) is shown as written.
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "scenario.municipalities": {
        "builtin": ("de indbyggede kommuner og befolkningstal pr. 1. januar 2011", "builtin"),
    },
    "model.timing": {
        "additive": ("additiv (lægges oven i forsinkelsen)", "additive"),
        "component": ("en del af forsinkelsen", "component"),
    },
    "model.realisation": {
        "clamped": ("klippet", "clamped"),
        "mean-preserving": ("middelværdibevarende", "mean-preserving"),
    },
    "model.calibration_basis": {b: (TEXT[f"cal2_basis_{b}"][0], b) for b in ("promised", "delivered", "steady-state")},
    "key": {
        "population": ("efter indbyggertal", "population"),
        "equal": ("ligeligt mellem kommunerne", "equal"),
    },
}

REGIME_ORDER = REGIMES
for _r in REGIME_DECLS:  # the regimes' names and descriptions (simengine.model.structure)
    TEXT[f"regime_{_r.key}"] = _r.label
    TEXT[f"regime_{_r.key}_desc"] = _r.desc
    if _r.desc_generic is not None:  # without the scenario's parameters
        TEXT[f"regime_{_r.key}_desc_generic"] = _r.desc_generic


class Labels:
    """``L = Labels("da"); L("mio")``; numbers: ``L.mio(1.2e9)`` -> ``"1.200 mio. kr."``."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        if lang not in LANGS:
            raise ValueError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
        self.lang = lang
        self._i = LANGS.index(lang)

    def __call__(self, key: str, **fields) -> str:
        text = TEXT[key][self._i]
        return text.format(**fields) if fields else text

    def param(self, key: str) -> str:
        pair = PARAM.get(key)
        return pair[self._i] if pair else key

    def choice(self, key: str, value: str) -> str:
        """A named value of a scenario setting (:data:`CHOICES`, ``key`` as ``model.timing`` or, for an
        initiative's setting, ``key``) in words; one not listed as written."""
        pair = CHOICES.get(key, {}).get(str(value))
        return pair[self._i] if pair else str(value)

    def regime(self, key: str) -> str:
        k = f"regime_{key}"
        return self(k) if k in TEXT else key

    # -- numbers ----------------------------------------------------------------------------
    def num(self, x: float, decimals: int = 0) -> str:
        """A number with thousands separators: da ``1.234,5``, en ``1,234.5``."""
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "–"
        x = float(x)
        if round(x, decimals) == 0:
            x = 0.0  # no "-0"
        s = f"{x:,.{decimals}f}"
        if self.lang == "da":
            s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return s.replace("-", "−")

    def mio_value(self, dkk: float) -> str:
        """DKK as millions without unit: 1 decimal below 10 mio., else whole millions."""
        if dkk is None or (isinstance(dkk, float) and math.isnan(dkk)):
            return "–"
        m = float(dkk) / 1e6
        return self.num(m, 1 if 0 < abs(m) < 10 else 0)

    def mio(self, dkk: float) -> str:
        v = self.mio_value(dkk)
        return f"{v} mio. kr." if self.lang == "da" else f"DKK {v}m"

    def given_value(self, dkk: float) -> str:
        """An amount the user gave (the service-cut threshold) as millions without unit, with the
        decimals it needs, at most two: 12,345,678 kr. reads "12,35", not the "12" of a computed amount."""
        m = float(dkk) / 1e6
        d = next((d for d in (0, 1) if abs(m - round(m, d)) <= 1e-9 * max(1.0, abs(m))), 2)
        return self.num(m, d)

    def given(self, dkk: float) -> str:
        """:meth:`given_value` with :meth:`mio`'s unit."""
        return self.mio_unit(self.given_value(dkk))

    def mio_unit(self, text: str) -> str:
        """Put the million-DKK unit around an already formatted number or range."""
        return f"{text} mio. kr." if self.lang == "da" else f"DKK {text}m"

    def kr(self, dkk: float) -> str:
        v = self.num(dkk, 0)
        return f"{v} kr." if self.lang == "da" else f"DKK {v}"

    def pct(self, p: float, decimals: int | None = None) -> str:
        """A probability or share as a percentage; extremes are never rounded to 0 or 100."""
        if p is None or (isinstance(p, float) and math.isnan(p)):
            return "–"
        p = float(p)
        sp = " %" if self.lang == "da" else "%"
        if decimals is not None:
            return self.num(100 * p, decimals) + sp
        if p == 0:
            return "0" + sp
        if p == 1:
            return "100" + sp
        if p < 0.001:
            return "< " + self.num(0.1, 1) + sp
        if p > 0.999:
            return "> " + self.num(99.9, 1) + sp
        if p < 0.01 or p > 0.99:
            return self.num(100 * p, 1) + sp
        return self.num(100 * p, 0) + sp

    def share(self, p: float) -> str:
        """A share that is a model parameter (e.g. 0.5 -> 50 %)."""
        sp = " %" if self.lang == "da" else "%"
        v = 100 * float(p)
        return self.num(v, 0 if abs(v - round(v)) < 1e-9 else 1) + sp

    def general(self, x: float) -> str:
        """A parameter value: integers plainly, others with up to 4 significant digits."""
        x = float(x)
        if x == int(x) and abs(x) < 1e15:
            return self.num(x, 0)
        digits = max(0, 3 - int(math.floor(math.log10(abs(x))))) if x != 0 else 0
        s = self.num(x, digits)
        if "," in s or "." in s:
            dec = "," if self.lang == "da" else "."
            if dec in s:
                s = s.rstrip("0").rstrip(dec)
        return s

    def exact(self, x: float) -> str:
        """A value as written in the scenario, with thousands separators and as many decimals as it
        has (up to 12): 1e8 -> ``100.000.000``, 0.25 -> ``0,25``; never in exponent notation."""
        x = float(x)
        if not math.isfinite(x):
            return self.num(x) if math.isnan(x) else ("−∞" if x < 0 else "∞")
        frac = f"{abs(x):.12f}".rstrip("0").split(".")[1]
        return self.num(x, len(frac))

    def month_year(self, t: float) -> str:
        """Decimal year -> month and year, e.g. 2014.42 -> "jun. 2014" / "Jun 2014"."""
        if t is None or math.isnan(t):
            return "–"
        y = int(math.floor(t + 1e-9))
        m = min(11, max(0, int(math.floor((t - y) * 12 + 1e-6))))
        return f"{MONTHS[self.lang][m]} {y}"


# -- units, variables, inputs and causes (every number with its unit, Danish throughout) -------------
#: a results variable's ``units`` attribute -> (Danish, English) unit as shown beside a number
UNITS: dict[str, tuple[str, str]] = {
    "DKK/year": ("mio. kr. pr. år", "DKK m per year"),
    "DKK": ("mio. kr.", "DKK m"),
    "FTE": ("årsværk", "FTE"),
    "FTE/year": ("årsværk", "FTE"),
    "year": ("år", "year"),
    "years": ("år", "years"),
    "1": ("%", "%"),
}
#: results variables in the reader's words
VARS: dict[str, tuple[str, str]] = {
    "p_target": ("Sandsynlighed for at nå målet", "Probability of reaching the target"),
    "area_p_target": ("Sandsynlighed for at området når sit mål", "Probability that the area reaches its target"),
    "benefit_mean": ("Middel, bruttogevinst", "Mean gross gain"),
    "net_benefit_mean": ("Middel, nettogevinst", "Mean net gain"),
    "npv_mean": ("Nutidsværdi (NPV), middel", "Net present value (NPV), mean"),
    "fte_mean": ("Frigjorte årsværk, middel", "Staff freed (FTE), mean"),
    "fte_quantile": ("Frigjorte årsværk", "Staff freed (FTE)"),
    "benefit_quantile": ("Bruttogevinst", "Gross gain"),
    "net_benefit_quantile": ("Nettogevinst", "Net gain"),
    "npv_quantile": ("Nutidsværdi (NPV)", "Net present value (NPV)"),
    "observed_rank": ("Andel af udfaldene under det faktiske udfald", "Share of outcomes below the observed one"),
    "expected_shortfall": ("Forventet manglende gevinst", "Expected shortfall"),
    "sensitivity": (
        "Følsomhed: rangkorrelation (Spearman) med gevinsten i målåret",
        "Sensitivity: rank correlation (Spearman) with the target-year gain",
    ),
    "sensitivity_npv": (
        "Følsomhed: rangkorrelation (Spearman) med nutidsværdien",
        "Sensitivity: rank correlation (Spearman) with the NPV",
    ),
    "tornado_low": (
        "Tornado: median gevinst når input er i sin laveste tiendedel",
        "Tornado: median gain with the input in its lowest decile",
    ),
    "tornado_high": (
        "Tornado: median gevinst når input er i sin højeste tiendedel",
        "Tornado: median gain with the input in its highest decile",
    ),
    "waterfall": (
        "Vandfald: ændring fra målet til middelgevinsten i målåret, efter årsag",
        "Waterfall: change from the target to the mean target-year gain, by cause",
    ),
    "waterfall_p50": (
        "Vandfald: ændring fra målet til mediangevinsten i målåret, efter årsag",
        "Waterfall: change from the target to the median target-year gain, by cause",
    ),
}
#: kinds of sampled inputs (the sensitivity and tornado rows)
INPUT_KINDS: dict[str, tuple[str, str]] = {v.key: v.label for v in _INPUTS if v.label is not None}
#: causes of the waterfall (keys of simengine.analysis.sensitivity.WATERFALL_ITEMS)
CAUSES: dict[str, tuple[str, str]] = {
    PLAN_ITEM[0]: PLAN_ITEM[2],
    **{c.key: c.label for c in _CAUSES},
    SAMPLING_ITEM[0]: SAMPLING_ITEM[2],
}
NATIONAL_WHO = ("nationalt", "national")
#: the raw sampled inputs where they differ from the analysed ones (INPUT_KINDS): an event's strike and its size apart
RAW_INPUT_KINDS: dict[str, tuple[str, str]] = {
    "legislation": ("manglende lovgivning rammer B (0/1)", "legislative blocker strikes B (0/1)"),
    "legislation_delay": (
        "manglende lovgivning: forsinkelse L når den rammer (år)",
        "legislative blocker: delay L when it strikes (years)",
    ),
    "technology": ("umoden teknologi rammer T (0/1)", "immature technology strikes T (0/1)"),
    "technology_loss": (
        "umoden teknologi: tabt andel Q når den rammer",
        "immature technology: share lost Q when it strikes",
    ),
}
TEXT.update(
    {
        "rank_correlation": ("rangkorrelation", "rank correlation"),
        "area_sum_note": (
            "Bemærk: områdernes mål summer til {sum} i {year}, det nationale mål er {target}. Hvert område "
            "måles mod sit eget mål; landstallene mod det nationale.",
            "Note: the areas' targets add up to {sum} in {year}, the national target is {target}. Each "
            "area is measured against its own target; the national figures against the national one.",
        ),
        "top10_title": (
            "De 10 kommuner der mangler mest i forhold til eget mål, {year}",
            "The 10 municipalities furthest short of their own target, {year}",
        ),
        "appendix": ("Bilag", "Appendix"),
        "method_national": (
            "Landstal og områdetal er eksakte fraktiler over alle træk (lineær interpolation som i numpy).",
            "National and area figures are exact quantiles over all draws (linear interpolation as in numpy).",
        ),
        "method_histogram": (
            "Kommune- og initiativtal er fraktiler fra histogrammer med {bins} intervaller pr. "
            "fordobling; den relative fejl er højst {err} af værdien.",
            "Municipality and initiative figures are quantiles from histograms with {bins} bins per "
            "doubling; the relative error is at most {err} of the value.",
        ),
        "mc_method_attrs": (
            "Fraktiler: 95 %-interval fra ordensstatistikker (rangerne ved binomialfordelingens 2,5 %- og "
            "97,5 %-fraktiler; fordelingsfrit, dækning mindst 95 %). Sandsynligheder: Wilsons "
            "95 %-interval. Middelværdier: middel ± 1,96·s/√N, s fra de gemte træk.",
            "Quantiles: 95% order-statistics interval (the ranks at the 2.5% and 97.5% quantiles of "
            "the binomial distribution; distribution-free, coverage at least 95%). Probabilities: "
            "Wilson's 95% interval. Means: mean ± 1.96·s/√N, s from the kept draws.",
        ),
    }
)
# -- the scores of a backtest (simengine.outputs.report.backtest) ------------------------------------------
TEXT.update(
    {
        "sec_scores": (
            "Efterprøvning mod observationer: PIT, CRPS og skill",
            "Scored against observations: PIT, CRPS and skill",
        ),
        "sheet_scores": ("Efterprøvning", "Backtest"),
        "bts_intro": (
            "Prognosen holdt op mod {n} observationer fra {file} ({draws} træk). PIT er prognosens sandsynlighed "
            "for en værdi under den observerede (med observationens fejlmodel); hos en kalibreret prognose er "
            "PIT jævnt fordelt mellem 0 og 1. CRPS måler afstanden mellem prognosen og observationen i "
            "observationens enhed: jo lavere, jo bedre.",
            "The forecast scored against {n} observations from {file} ({draws} draws). PIT is the forecast's "
            "probability of a value below the observed one (under the observation's error model); for a "
            "calibrated forecast the PIT is uniform between 0 and 1. CRPS measures the distance between the "
            "forecast and the observation in the observation's unit: lower is better.",
        ),
        "bts_known": (
            "Prognosen er opdateret på de {k} observationer, der var kendt {date} (effektiv stikprøve {ess} "
            "træk), og scores kun på dem, der blev kendt senere.",
            "The forecast is updated on the {k} observations known by {date} (effective sample size {ess} "
            "draws) and scored only on those that became known later.",
        ),
        "bts_obs": ("Observation", "Observation"),
        "bts_what": ("Størrelse", "Quantity"),
        "bts_error": ("Fejlmodel", "Error model"),
        "bts_known_by": ("Kendt fra", "Known by"),
        "bts_crps_ref": ("CRPS {ref}", "CRPS {ref}"),
        "bts_crps_total": ("Samlet CRPS", "Total CRPS"),
        "bts_skill": ("Skill mod {ref}", "Skill vs {ref}"),
        "bts_n": ("Observationer", "Observations"),
        "bts_log_score": ("Logscore", "Log score"),
        "bts_totals": (
            "Samlet pr. enhed og skill mod referenceprognoserne",
            "Totals per unit and skill against the reference forecasts",
        ),
        "bts_table_caption": (
            "Pr. observation: den observerede værdi, prognosens P10, P50 og P90 for den observerede "
            "størrelse (gange fejlmodellens bias), PIT, CRPS og referenceprognosernes CRPS. Beløb i "
            "mio. kr. pr. år, go-live som decimalår, udbredelse som andel af business casens.",
            "Per observation: the observed value, the forecast's P10, P50 and P90 of the observed "
            "quantity (times the error model's bias), PIT, CRPS and the reference forecasts' CRPS. "
            "Money in DKK m per year, go-live as decimal years, adoption as a share of the business "
            "case's.",
        ),
        "bts_skill_caption": (
            "CRPS lægges kun sammen inden for én enhed. Skill = 1 − samlet CRPS / samlet CRPS for "
            "referencen: over 0 er modellen bedre end referencen, under 0 dårligere.",
            "CRPS is added only within one unit. Skill = 1 − total CRPS / the reference's total CRPS: "
            "above 0 the model is better than the reference, below 0 worse.",
        ),
        "bts_pit": ("PIT-histogram", "PIT histogram"),
        "bts_pit_caption": (
            "Antal observationer pr. tiendedel af PIT. Mange ved 0 eller 1: observationerne ligger uden "
            "for prognosens spænd (for smal eller skæv prognose); mange i midten: for bred prognose.",
            "Observations per tenth of the PIT. Many near 0 or 1: the observations fall outside the "
            "forecast's range (too narrow or biased); many in the middle: too wide.",
        ),
        "bts_bin": ("PIT", "PIT"),
        "bts_ref_point": (
            "business casen til pålydende gange {ratio} (go-live og udbredelse som i business casen)",
            "the business case at face value times {ratio} (go-live and adoption as in the business case)",
        ),
        "bts_ref_uniform": (
            "business casen gange et jævnt fordelt forhold mellem {low} og {high} (go-live og udbredelse "
            "som i business casen)",
            "the business case times a ratio uniform between {low} and {high} (go-live and adoption as "
            "in the business case)",
        ),
        "bts_unit_year": ("år (go-live)", "year (go-live)"),
        "bts_scope_national": ("landsplan", "national"),
        "bts_err_normal": ("normal, sd {sd}", "normal, sd {sd}"),
        "bts_err_lognormal": ("lognormal, sd {sd} (log-skala)", "lognormal, sd {sd} (log scale)"),
        "bts_err_interval": ("interval [{low}; {high}]", "interval [{low}, {high}]"),
        "bts_err_exact": ("eksakt", "exact"),
        "bts_err_at_least": ("mindst", "at least"),
        "bts_err_at_most": ("højst", "at most"),
        "bts_err_bias": (", bias {b}", ", bias {b}"),
        "bts_scope_area": ("område {id}", "area {id}"),
        "bts_scope_initiative": ("initiativ {id}", "initiative {id}"),
        "bts_unit_share": ("andel (udbredelse)", "share (adoption)"),
        "bts_q_realised": ("realiseret gevinst", "realised gain"),
        "bts_q_potential": ("potentiel gevinst", "potential gain"),
        "bts_q_golive": ("go-live", "go-live"),
        "bts_q_adoption": ("udbredelse", "adoption"),
        "bts_sheet_note": (
            "Beløb i mio. kr. pr. år; go-live som decimalår; udbredelse som andel af business casens. "
            "Tallene er dem i backtest.nc.",
            "Money in DKK m per year; go-live as decimal years; adoption as a share of the business "
            "case's. The numbers are those of backtest.nc.",
        ),
    }
)

# -- formatting fixes of the secondary commands (sweep, backtest) ---------------------------------
TEXT.update(
    {
        "sw_table_caption_npv": (
            "NPV, middel er nutidsværdien af nettogevinsten over alle årene i alt ({mio}).",
            "NPV, mean is the present value of the net gain over all the years in total ({mio}).",
        ),
    }
)


def _pair(table: dict[str, tuple[str, str]], key: str, lang: str) -> str | None:
    pair = table.get(key)
    return pair[LANGS.index(lang)] if pair else None


def unit_name(L: Labels, units: str) -> str:
    """The unit of a results variable as a reader writes it (``DKK/year`` -> ``mio. kr. pr. år``)."""
    if getattr(L, "unit", "dkk") == "fte" and str(units).startswith("DKK"):
        return UNITS["FTE"][LANGS.index(L.lang)]
    return _pair(UNITS, str(units), L.lang) or str(units)


def by_unit(L: Labels, x: float, units: str, decimals: int | None = None) -> str:
    """A number of a results variable in the unit its ``units`` attribute says: money in millions,
    FTE as whole staff, probabilities and shares as percentages, years with decimals."""
    u = str(units)
    if u.startswith("DKK"):  # (FTE when the report is in FTE: simengine.outputs.report.fte rescales the values)
        return L.num(float(x) / 1e6, 1 if decimals is None else decimals)
    if u.startswith("FTE"):
        return L.num(x, 0 if decimals is None else decimals)
    if u == "1":
        return L.pct(x, 3 if decimals is None else decimals)
    if u in ("year", "years"):
        return L.num(x, 2 if decimals is None else decimals)
    return L.general(x)


def var_label(L: Labels, name: str, fallback: str = "") -> str:
    return _pair(VARS, name, L.lang) or fallback or name


def input_label(L: Labels, kind: str, who: str = "") -> str:
    """A sampled input: ``<initiative name>: <kind>``; national inputs as ``nationalt: ...``."""
    what = _pair(INPUT_KINDS, str(kind), L.lang) or str(kind)
    who = who or NATIONAL_WHO[LANGS.index(L.lang)]
    return f"{who}: {what}"


def raw_input_label(L: Labels, kind: str, who: str = "") -> str:
    """A raw sampled input (simengine.model.plan's input_kind): ``<initiative name>: <kind>``."""
    what = _pair(RAW_INPUT_KINDS, str(kind), L.lang) or _pair(INPUT_KINDS, str(kind), L.lang) or str(kind)
    return f"{who or NATIONAL_WHO[LANGS.index(L.lang)]}: {what}"


def movement_labels(mv: dict, lang: str = "da") -> list[str]:
    """The moved inputs' names in ``lang``: ``<initiative name>: <what was sampled>`` (the raw
    sampled value: a legislative blocker's strike B and its delay L apart)."""
    L = Labels(lang)
    kinds, who = mv.get("kinds"), mv.get("who")
    if kinds is None or who is None:
        return [str(n) for n in mv["names"]]
    return [raw_input_label(L, k, w) for k, w in zip(kinds, who)]


def cause_label(L: Labels, key: str, fallback: str = "") -> str:
    return _pair(CAUSES, str(key), L.lang) or fallback or str(key)


#: an input kind's English words in the ``input_label`` coordinate (simengine.analysis.sensitivity.KIND_LABELS)
_KIND_WORDS = {v.key: v.label[1] for v in _INPUTS if v.label is not None}


def initiative_names(ds) -> dict[str, str]:
    """Initiative id -> name, from a results Dataset's ``initiative`` and ``initiative_name`` coordinates
    (empty when it has none)."""
    if "initiative" not in ds.coords or "initiative_name" not in ds.coords:
        return {}
    return {str(i): str(n) for i, n in zip(ds["initiative"].values, ds["initiative_name"].values)}


def input_labels(L: Labels, da, names: dict[str, str] | None = None) -> list[str]:
    """The labels of a DataArray's ``input`` dimension in L's language (from its coordinates).

    ``names``: initiative id -> name (:func:`initiative_names` of the Dataset the DataArray comes
    from). An initiative it does not name takes its name from the ``input_label`` coordinate, with
    the kind's words removed from the end (a name may itself hold ": "), else its id."""
    if "input_kind" in da.coords:
        known: dict[str, str] = dict(names or {})
        kinds = [str(v) for v in da["input_kind"].values]
        inits = (
            [str(v) for v in da["input_initiative"].values] if "input_initiative" in da.coords else [""] * len(kinds)
        )
        fallback = [str(v) for v in da["input_label"].values] if "input_label" in da.coords else kinds
        for ini, kind, lab in zip(inits, kinds, fallback):
            suffix = f": {_KIND_WORDS.get(kind, kind)}"
            if ini and ini not in known and lab.endswith(suffix) and len(lab) > len(suffix):
                known[ini] = lab[: -len(suffix)]
        return [input_label(L, k, known.get(i, i) if i else "") for k, i in zip(kinds, inits)]
    for c in ("input_name", "input_label"):
        if c in da.coords:
            return [str(v) for v in da[c].values]
    return [str(v) for v in da["input"].values]


# -- the negotiation's variables where a table names them (the Monte Carlo error table) ------------
VARS.update(
    {
        "deduction_max_safe": (
            "Største forlods reduktion med P(servicereduktion over tærsklen) ≤ α",
            "Largest up-front deduction with P(service cut above the threshold) ≤ α",
        ),
        "deduction_p_cut_above": (
            "Forlods reduktion: sandsynlighed for en servicereduktion over tærsklen",
            "Up-front deduction: probability of a service cut above the threshold",
        ),
        "deduction_service_cut_mean": (
            "Forlods reduktion: forventet servicereduktion",
            "Up-front deduction: expected service cut",
        ),
        "delivery_p_cut_above": (
            "Reduktion ved levering: sandsynlighed for en servicereduktion over tærsklen",
            "Deduction on delivery: probability of a service cut above the threshold",
        ),
        "p_service_cut_above": (
            "Sandsynlighed for en servicereduktion over tærsklen",
            "Probability of a service cut above the threshold",
        ),
        "committable": ("Beløb der kan disponeres", "Committable amount"),
        "committable_net": ("Beløb der kan disponeres, nettogevinst", "Committable amount, net gain"),
        "committable_potential": ("Beløb der kan disponeres, potentiel gevinst", "Committable amount, potential gain"),
    }
)
