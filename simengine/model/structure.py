"""The model's structure, declared once: the sampled inputs, the risk causes of the waterfall,
the budget regimes and the national per-draw series.

Everything that lists, numbers, validates or labels these derives from the tuples below: the
layout of the kernel's input vector (:mod:`simengine.model.plan`), the scenario's validation tables
(:mod:`simengine.scenario.schema`), the reader-facing labels (:mod:`simengine.outputs.labels`), the Shapley
waterfall's causes and their "switched off" scenarios (:mod:`simengine.analysis.sensitivity`), the input
offsets of the per-draw formulas (``V_*`` below). This module imports neither numba, xarray nor
the scenario layer, so any layer may import it.

Input vector of one draw: the national inputs (:data:`NATIONAL_VARS`) first, then for
initiative i its :data:`INITIATIVE_VARS` at ``N_NATIONAL + i * N_VARS + v``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Input:
    """A sampled per-draw input.

    key: its name in the input vector (``national.<key>`` / ``<initiative id>.<key>``) and its
    stream kind; level: "national" or "initiative"; scenario_key: where the scenario file sets it
    (``legislation.probability``, ``cost.overrun``); domain: (lower, upper, lower bound strict) the
    support allowed for its distribution, None when it is not a distribution the file gives (a
    probability); label: (da, en) for a reader, None when it is shown as part of the event it
    belongs to; event_size: for a risk event (a 0/1 input), the input that says how much it
    removes when it strikes (the event is one input B·L in the sensitivity analysis); help: the
    scenario workbook's help text of its column (Danish); param: (da, en) the assumptions table's
    label of its key in the scenario file (the first input of a table such as ``legislation``
    labels the whole table; None for the inputs of a table labelled elsewhere, such as cost)."""

    key: str
    level: str
    scenario_key: str
    domain: tuple[float, float, bool] | None = None
    label: tuple[str, str] | None = None
    event_size: str = ""
    help: str = ""
    param: tuple[str, str] | None = None


_INF = math.inf

NATIONAL_INPUTS: tuple[Input, ...] = (
    Input("weak_share", "national", "national.weak_share", None, ("andel digitalt svage W", "digitally weak share W")),
    Input(
        "economic_pressure", "national", "national.economic_pressure", None, ("økonomisk pres E", "economic pressure E")
    ),
)

INITIATIVE_INPUTS: tuple[Input, ...] = (
    Input(
        "estimate_factor",
        "initiative",
        "estimate_factor",
        (0.0, _INF, False),
        ("faktisk/beregnet potentiale F", "estimate factor F"),
        help="Faktisk/beregnet potentiale (F): tal eller fordeling",
        param=("Faktisk/beregnet potentiale (F)", "True/business-case potential (F)"),
    ),
    Input(
        "delay",
        "initiative",
        "delay",
        (0.0, _INF, False),
        ("projekt-/leverandørforsinkelse S (år)", "project/vendor delay S (years)"),
        help="Projekt- og leverandørforsinkelse i år (S)",
        param=("Projekt- og leverandørforsinkelse, år (S)", "Project and vendor delay, years (S)"),
    ),
    Input(
        "legislation",
        "initiative",
        "legislation.probability",
        None,
        (
            "manglende lovgivning: forsinkelse B·L når den rammer (år)",
            "legislative blocker: delay B·L when it strikes (years)",
        ),
        event_size="legislation_delay",
        help="Sandsynlighed for at lovgivning mangler (B)",
        param=(
            "Lovgivning mangler: sandsynlighed, derefter ekstra forsinkelse i år (B, L)",
            "Legislative blocker: probability, then extra delay in years (B, L)",
        ),
    ),
    Input(
        "legislation_delay",
        "initiative",
        "legislation.delay",
        (0.0, _INF, False),
        help="Ekstra forsinkelse i år, hvis lovgivning mangler (L)",
    ),
    Input(
        "technology",
        "initiative",
        "technology.probability",
        None,
        ("umoden teknologi: tabt andel T·Q", "immature technology: share lost T·Q"),
        event_size="technology_loss",
        help="Sandsynlighed for umoden teknologi (T)",
        param=(
            "Umoden teknologi: sandsynlighed, derefter tabt andel (T, Q)",
            "Immature technology: probability, then share lost (T, Q)",
        ),
    ),
    Input(
        "technology_loss",
        "initiative",
        "technology.loss",
        (0.0, 1.0, False),
        help="Tabt andel af gevinsten ved umoden teknologi (Q)",
    ),
    Input(
        "adoption",
        "initiative",
        "adoption",
        (0.0, _INF, False),
        ("brugere nået U", "adoption U"),
        help="Brugere nået i forhold til business casen (U)",
        param=("Brugere nået i forhold til business case (U)", "Users reached relative to the business case (U)"),
    ),
    Input(
        "ramp",
        "initiative",
        "ramp",
        (0.0, _INF, True),
        ("indfasning R (år)", "ramp-up R (years)"),
        help="Indfasning fra idriftsættelse til fuld brug, år (R)",
        param=("Indfasning fra idriftsættelse til fuld brug, år (R)", "Ramp-up from go-live to full use, years (R)"),
    ),
    Input(
        "overrun",
        "initiative",
        "cost.overrun",
        (0.0, _INF, False),
        ("omkostningsoverskridelse K", "cost overrun K"),
        help="Overskridelsesfaktor på omkostningerne (K)",
    ),
    Input(
        "realisation",
        "initiative",
        "realisation",
        (0.0, 1.0, False),
        ("realisering r", "realisation r"),
        help="Andel af frigjorte ressourcer taget ud af budgettet (r)",
        param=(
            "Andel af frigjorte ressourcer taget ud af budgettet (r)",
            "Share of freed resources taken out of budgets (r)",
        ),
    ),
)

INPUTS = NATIONAL_INPUTS + INITIATIVE_INPUTS
NATIONAL_VARS = tuple(v.key for v in NATIONAL_INPUTS)
INITIATIVE_VARS = tuple(v.key for v in INITIATIVE_INPUTS)
N_NATIONAL = len(NATIONAL_VARS)
N_VARS = len(INITIATIVE_VARS)
#: the magnitude inputs of risk events: part of their event's input in the sensitivity rows
EVENT_SIZES = tuple(v.event_size for v in INPUTS if v.event_size)
#: (lower, upper, lower bound strict) allowed for the support of each distribution a scenario
#: file gives for an initiative, by its key path there
DIST_DOMAINS: dict[str, tuple[float, float, bool]] = {
    v.scenario_key: v.domain for v in INITIATIVE_INPUTS if v.domain is not None
}
#: an initiative's keys in a scenario file that set sampled inputs, in declaration order (the first
#: part of each input's scenario key), without ``cost``: a table whose other keys are not sampled,
#: which the scenario layer, the workbook and the report list themselves
PRIOR_KEYS = tuple(
    dict.fromkeys(v.scenario_key.split(".")[0] for v in INITIATIVE_INPUTS if not v.scenario_key.startswith("cost."))
)
#: the scenario keys (``legislation.probability``) of those inputs: the workbook's columns
PRIOR_COLUMNS = tuple(v.scenario_key for v in INITIATIVE_INPUTS if not v.scenario_key.startswith("cost."))

#: positions in the input vector: national inputs absolute, initiative inputs relative to the
#: initiative's first (``N_NATIONAL + i * N_VARS``); the per-draw formulas index with these
W_WEAK_SHARE = NATIONAL_VARS.index("weak_share")
W_ECONOMIC_PRESSURE = NATIONAL_VARS.index("economic_pressure")
V_ESTIMATE_FACTOR = INITIATIVE_VARS.index("estimate_factor")
V_DELAY = INITIATIVE_VARS.index("delay")
V_LEGISLATION = INITIATIVE_VARS.index("legislation")
V_LEGISLATION_DELAY = INITIATIVE_VARS.index("legislation_delay")
V_TECHNOLOGY = INITIATIVE_VARS.index("technology")
V_TECHNOLOGY_LOSS = INITIATIVE_VARS.index("technology_loss")
V_ADOPTION = INITIATIVE_VARS.index("adoption")
V_RAMP = INITIATIVE_VARS.index("ramp")
V_OVERRUN = INITIATIVE_VARS.index("overrun")
V_REALISATION = INITIATIVE_VARS.index("realisation")


def input_offset(i: int, key: str) -> int:
    """Position of initiative ``i``'s input ``key`` in the input vector."""
    return N_NATIONAL + i * N_VARS + INITIATIVE_VARS.index(key)


@dataclass(frozen=True)
class Cause:
    """A cause of the shortfall in the Shapley waterfall.

    name: the English name in results.nc (``cause_name``); off: what switching it off means, in
    symbols (``cause_switched_off``); label: (da, en) for a reader; inputs: the sampled inputs it
    switches off. What "off" means as a scenario: ``initiative`` sets fields of every initiative,
    ``scenario`` fields of the scenario; a float value becomes a fixed distribution where the
    field is a distribution, and a string value names the scenario field whose value it takes
    (e.g. W = W0)."""

    key: str
    name: str
    off: str
    label: tuple[str, str]
    inputs: tuple[str, ...] = ()
    initiative: dict[str, float | str] = field(default_factory=dict)
    scenario: dict[str, float | str] = field(default_factory=dict)


CAUSES: tuple[Cause, ...] = (
    Cause(
        "estimates",
        "optimistic estimates",
        "F = 1",
        ("for optimistiske business cases", "optimistic estimates"),
        ("estimate_factor",),
        {"estimate_factor": 1.0},
    ),
    Cause(
        "delay",
        "project and vendor delay",
        "S = 0",
        ("projekt- og leverandørforsinkelse", "project and vendor delay"),
        ("delay",),
        {"delay": 0.0},
    ),
    Cause(
        "legislation",
        "legislation",
        "B = 0",
        ("manglende lovgivning", "legislation"),
        ("legislation",),
        {"legislation_probability": 0.0},
    ),
    Cause(
        "weak_citizens",
        "digitally weak citizens",
        "W = W0 (kappa = 1)",
        ("digitalt svage borgere", "digitally weak citizens"),
        ("weak_share",),
        scenario={"weak_share": "assumed_weak_share"},
    ),
    Cause(
        "adoption",
        "adoption below the business case",
        "U = 1",
        ("færre brugere end i business casen", "adoption below the business case"),
        ("adoption",),
        {"adoption": 1.0},
    ),
    Cause(
        "technology",
        "immature technology",
        "T = 0",
        ("umoden teknologi", "immature technology"),
        ("technology",),
        {"technology_probability": 0.0},
    ),
    # ramp-up off as a scenario is R = 1e-9, the limit the waterfall's evaluator uses exactly
    Cause(
        "ramp",
        "slow ramp-up",
        "R -> 0: full adoption from go-live",
        ("langsom indfasning", "slow ramp-up"),
        ("ramp",),
        {"ramp": 1e-9},
    ),
    Cause(
        "realisation",
        "gains absorbed as service (realisation)",
        "r = 1",
        ("gevinster brugt på service (realisering)", "gains absorbed as service (realisation)"),
        ("realisation",),
        {"realisation": 1.0},
    ),
    Cause(
        "economic_pressure",
        "economic pressure",
        "E = 0",
        ("økonomisk pres", "economic pressure"),
        ("economic_pressure",),
        scenario={"economic_pressure": 0.0},
    ),
    Cause(
        "local_capacity",
        "local capacity",
        "C = 1 and epsilon = 1 (no capacity spread, local spread or size effect)",
        ("lokal kapacitet", "local capacity"),
        scenario={"capacity_spread": 0.0, "local_spread": 0.0, "size_penalty": 0.0},
    ),
)
CAUSE_KEYS = tuple(c.key for c in CAUSES)
N_CAUSES = len(CAUSES)

#: the waterfall's first and last items around the causes: (key, English name, label (da, en))
PLAN_ITEM = (
    "plan",
    "plan: target not covered even with every cause off",
    ("planen: målet er ikke dækket selv uden nogen af årsagerne", "plan: target not covered even with every cause off"),
)
SAMPLING_ITEM = (
    "sampling",
    "Monte Carlo: waterfall subsample vs all draws",
    ("Monte Carlo: delstikprøve mod alle træk", "Monte Carlo: waterfall subsample vs all draws"),
)


#: the per-draw variables that have one value per budget regime, (draw, regime, year) in results.nc
REGIME_VARS = ("central_gain", "service_cut", "regime_benefit")
#: the regime variables compared between each pair of regimes, draw by draw (``<var>_difference_*``)
REGIME_DIFFERENCES = ("central_gain", "service_cut")
#: what a regime variable is under a regime: the kernel computes it (``OWN``: a national series of its
#: own, ``<var>_<regime>``), or it equals in every draw the target path, the gross gain or 0
OWN = "own"
REGIME_RULE_KINDS = (OWN, "target", "benefit", "zero")


@dataclass(frozen=True)
class Regime:
    """A budget regime: who gets the gain (docs/model.md, *Budget regimes*). label and desc:
    (da, en) for a reader; desc may name the scenario's {share}, {years} and {uplift}; desc_generic:
    (da, en) the description when those are not known. series: for each of :data:`REGIME_VARS`
    one of :data:`REGIME_RULE_KINDS` (what the variable is under this regime); the kernel's
    formula of an ``OWN`` series is in ``core/kernel.evaluate``."""

    key: str
    label: tuple[str, str]
    desc: tuple[str, str]
    series: dict[str, str]
    desc_generic: tuple[str, str] | None = None


REGIME_DECLS: tuple[Regime, ...] = (
    Regime(
        "prebudgeted",
        ("Forlods budgetreduktion", "Pre-budgeted"),
        (
            "Budgetterne skæres med målet på forhånd; hvor gevinsten ikke kommer, betaler servicen.",
            "Budgets are cut by the target up front; where the gain does not come, services pay.",
        ),
        {"central_gain": "target", "service_cut": OWN, "regime_benefit": "benefit"},
    ),
    Regime(
        "realised",
        ("Reduktion efter realiseret gevinst", "Realised"),
        (
            "Budgetterne skæres først, når gevinsten er dokumenteret; ingen servicereduktion.",
            "Budgets are cut only when the gain is documented; no service cut.",
        ),
        {"central_gain": "benefit", "service_cut": "zero", "regime_benefit": "benefit"},
    ),
    Regime(
        "retention",
        ("Gevinstdeling", "Retention"),
        (
            "Enheden beholder {share} af gevinsten i {years} år efter idriftsættelse; det løfter "
            "realiseringen med {uplift}.",
            "The unit keeps {share} of the gain for {years} years after go-live; this lifts realisation by {uplift}.",
        ),
        {"central_gain": OWN, "service_cut": "zero", "regime_benefit": OWN},
        (
            "Enheden beholder en del af gevinsten i en periode efter idriftsættelse.",
            "The unit keeps a share of the gain for a period after go-live.",
        ),
    ),
)
REGIMES = tuple(r.key for r in REGIME_DECLS)
N_REGIMES = len(REGIMES)
for _r in REGIME_DECLS:
    if set(_r.series) != set(REGIME_VARS) or not set(_r.series.values()) <= set(REGIME_RULE_KINDS):
        raise ValueError(f"regime {_r.key}: series must give each of {REGIME_VARS} one of {REGIME_RULE_KINDS}")
#: (variable, regime) -> what the slice equals in every draw ("target", "benefit", "zero"), for the
#: slices the kernel does not compute
REGIME_RULES: dict[tuple[str, str], str] = {
    (v, r.key): r.series[v] for r in REGIME_DECLS for v in REGIME_VARS if r.series[v] != OWN
}
#: the (variable, regime) slices the kernel computes, in the order of their national series
REGIME_STREAMS: tuple[tuple[str, str], ...] = tuple(
    (v, r.key) for v in REGIME_VARS for r in REGIME_DECLS if r.series[v] == OWN
)
#: the kernel's code of each (variable, regime): REGIME_CODES[v][r] is 0 (zero), 1 (the target), 2 (the
#: gross gain) or 3 (the kernel's own series of the variable), v in REGIME_VARS' order, r in REGIMES'
REGIME_CODES: tuple[tuple[int, ...], ...] = tuple(
    tuple(("zero", "target", "benefit", OWN).index(r.series[v]) for r in REGIME_DECLS) for v in REGIME_VARS
)


def regimes_where(var: str, kind: str = OWN) -> tuple[str, ...]:
    """The regimes under which ``var`` is ``kind`` (by default: the kernel computes it), in order."""
    return tuple(r.key for r in REGIME_DECLS if r.series[var] == kind)


#: the regimes under which services are cut (the headline's P(service cut > threshold) is the first's)
CUT_REGIMES = regimes_where("service_cut")
#: the regimes whose gain to the central budget has a formula of its own (the unit keeps a share; a
#: sweep's table shows the first's)
SHARING_REGIMES = regimes_where("central_gain")
#: the regimes whose freed staff the staff-per-krone analysis counts (``fte_regime`` in results.nc), in
#: order: those that cut no services, so that what the unit gives up is its gross gain
#: (``regime_benefit``) and no service (under a regime that cuts budgets by the target up front, the
#: staff it frees are services as well as gain)
FTE_REGIMES = regimes_where("service_cut", "zero")
#: the pair the staff-per-krone analysis subtracts draw by draw (``fte_retention_gain``): the first of
#: :data:`FTE_REGIMES` whose gross gain is a series of its own (the unit keeps a share, which lifts
#: realisation) minus the first whose gross gain is the simulated gain; None without such a pair
_FTE_OWN = [r for r in FTE_REGIMES if r in regimes_where("regime_benefit")]
_FTE_GROSS = [r for r in FTE_REGIMES if r in regimes_where("regime_benefit", "benefit")]
FTE_GAIN_PAIR: tuple[str, str] | None = (_FTE_OWN[0], _FTE_GROSS[0]) if _FTE_OWN and _FTE_GROSS else None

#: the national per-draw series the kernel streams, in its order: (name, size) with size "Y"
#: (one per year), "AY" (per area and year) or "1". Only the distinct series: the per-regime slices
#: are those the regimes declare ``OWN`` (:data:`REGIME_STREAMS`, named ``<variable>_<regime>``);
#: the others equal the target, the gross gain or 0 (:data:`REGIME_RULES`)
NATIONAL_SERIES: tuple[tuple[str, str], ...] = (
    ("benefit", "Y"),
    ("net_benefit", "Y"),
    ("cost", "Y"),
    ("area_benefit", "AY"),
    *((f"{v}_{r}", "Y") for v, r in REGIME_STREAMS),
    ("potential", "Y"),
    ("npv", "1"),
)


def series_at(name: str) -> tuple[int, int, int]:
    """Position of a national series in the kernel's national vector as (a, b, c): it starts at
    a·Y + b·A·Y + c for Y years and A areas (constants the compiled kernel reads)."""
    at = [0, 0, 0]
    for n, size in NATIONAL_SERIES:
        if n == name:
            return (at[0], at[1], at[2])
        at["Y AY 1".split().index(size)] += 1
    raise KeyError(name)


def national_series(n_years: int, n_areas: int) -> dict[str, slice]:
    """Positions of the national per-draw series in the kernel's national vector."""
    sizes = {"Y": n_years, "AY": n_areas * n_years, "1": 1}
    pos = {}
    k = 0
    for name, size in NATIONAL_SERIES:
        pos[name] = slice(k, k + sizes[size])
        k += sizes[size]
    return pos
