"""``python -m simengine ask RESULTS.nc --year Y [--scope ...] (--at-least X | --certainty C)``.

Answers, from a results file and without a new run, "what is the probability that the gain is at
least X in year Y?" and "what amount does the gain reach with probability C in year Y?" (the
gain's 1 − C quantile), for the nation, an area, a municipality or an initiative, with the 95 %
Monte Carlo interval:

* **exact from the kept draws** when every draw was kept per draw (national and area): the
  probability is the share of draws with gain ≥ X, its interval Wilson's; the amount is numpy's
  linear quantile, its interval the order statistics of ranks Binomial(N, 1 − C) 2.5 % and 97.5 %;
* **from the streaming histograms** otherwise (and always for municipalities and initiatives,
  whose per-draw values are never kept): the probability counts the bin that holds X in
  proportion to its width, the interval runs from Wilson's lower end without that bin to Wilson's
  upper end with all of it; the amount interpolates inside the bin that holds the rank, the
  interval applies the same order-statistic ranks to the histogram and is widened by one bin's
  relative width (the histogram's resolution);
* **weighted** on an update's results (their per-draw ``weight``, simengine.analysis.update): the
  national and area answers from the kept draws under the weights (the update's weighted share and
  weighted quantile), the intervals Wilson's and the order statistics' with N = the effective sample
  size (approximate); municipalities and initiatives, which have only the prior's histograms, are
  answered before the update, and the method line says so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import xarray as xr

from simengine.errors import ConfigError
from simengine.messages import Msg
from simengine.outputs import readcheck

QUANTITIES = ("realised", "potential", "net")


def _open(path: Path) -> xr.Dataset:
    if not path.is_file():
        raise readcheck.not_a_file(path)
    try:
        from simengine.outputs.store import open_results

        ds = open_results(path)  # the variables results.nc derives on read put back (simengine.outputs.store)
    except Exception as exc:  # noqa: BLE001 - not NetCDF4 / HDF5
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConfigError(Msg("ask.not_readable", file=str(path), detail=detail)) from None
    return _check(ds, path)


def _check(ds: xr.Dataset, path: Path) -> xr.Dataset:
    if "benefit" not in ds or "year" not in ds.coords or "draws" not in ds.attrs:
        from simengine.analysis.varspecs import written_by

        kind = written_by(ds)
        if kind is not None and kind != "run":  # simengine's own file, of another command: say which
            raise ConfigError(Msg("ask.other_kind", file=str(path), kind=kind))
        raise ConfigError(Msg("ask.not_results", file=str(path)))
    return readcheck.check(ds, path)  # as report checks it: draws, years, finite results


def _parse_scope(path: Path, ds: xr.Dataset, scope: str) -> tuple[str, str | int | None]:
    if scope == "national":
        return "national", None
    kind, sep, ident = scope.partition(":")
    if not sep or kind not in ("area", "municipality", "initiative") or not ident:
        raise ConfigError(Msg("ask.scope_form", got=repr(scope)))
    if kind == "municipality":
        codes = [int(c) for c in ds["municipality"].values]
        names = [str(n).lower() for n in ds["municipality_name"].values] if "municipality_name" in ds else []
        try:
            code = int(ident)
        except ValueError:
            if ident.lower() in names:
                return kind, codes[names.index(ident.lower())]
            raise ConfigError(Msg("ask.no_municipality_name", file=str(path), ident=repr(ident))) from None
        if code not in codes:
            raise ConfigError(Msg("ask.no_municipality_code", file=str(path), code=code, lo=min(codes), hi=max(codes)))
        return kind, code
    known = [str(x) for x in ds[kind].values]
    if ident not in known:
        raise ConfigError(Msg(f"ask.no_{kind}", file=str(path), ident=repr(ident), known=", ".join(known)))
    return kind, ident


class Source:
    """The distribution of one (scope, quantity, year): per-draw values or a histogram."""

    def __init__(
        self,
        values: np.ndarray | None = None,
        counts: np.ndarray | None = None,
        lower: np.ndarray | None = None,
        upper: np.ndarray | None = None,
        rel: float = 0.0,
        method: str = "",
        draws: int = 0,
        facts: dict | None = None,
        weights: np.ndarray | None = None,
    ) -> None:
        self.values, self.counts, self.lower, self.upper = values, counts, lower, upper
        self.weights = weights  # an update's importance weights of the per-draw values (they sum to 1)
        if weights is not None:
            from simengine.analysis.update import effective_sample_size

            self.ess = effective_sample_size(weights)
        else:
            self.ess = float(len(values) if values is not None else 0)
        self.rel, self.method, self.draws = rel, method, draws
        self.facts = facts or {}  # what the method text says, for the reader's language (describe)


def _histogram(ds: xr.Dataset, name: str, sel: dict, y: int, lo_var: str | None) -> Source:
    from simengine.analysis.negotiate import bin_edges, untrim
    from simengine.analysis.results import bin_ratio

    v = f"dist_{name}"
    da = ds[v]
    a = da.attrs
    row = da.isel(year=y).sel(sel).values if sel else da.isel(year=y).values
    off = ds[f"{v}_offset"].isel(year=y).sel(sel).values if sel else ds[f"{v}_offset"].isel(year=y).values
    zero = ds[f"{v}_zero"].isel(year=y).sel(sel).values if sel else ds[f"{v}_zero"].isel(year=y).values
    counts = untrim(np.atleast_1d(off), np.atleast_2d(row), np.atleast_1d(zero), int(a["zero_bin"]), int(a["nbins"]))[0]
    if a["layout"] == "national":
        lower, upper = bin_edges("national", a["lo"])
    else:
        lo = float(ds[lo_var].sel(sel).values)
        lower, upper = (e[0] for e in bin_edges("unsigned", np.array([lo])))
    sub = int(a["sub_bits"])
    rel = bin_ratio(sub) - 1.0
    return Source(
        counts=counts,
        lower=lower,
        upper=upper,
        rel=rel,
        draws=int(counts.sum()),
        method=f"from the streaming histogram over all {int(counts.sum()):,} draws ({2**sub} bins per "
        f"octave, relative bin width at most {rel:.2%})",
        facts={"source": "histogram", "draws": int(counts.sum()), "bins": 2**sub, "rel": rel},
    )


def source(path: Path, ds: xr.Dataset, kind: str, ident, quantity: str, y: int) -> Source:
    N = readcheck.draws(ds) or int(ds.sizes.get("draw", 0))
    K = int(ds.sizes.get("draw", 0))
    exact = K >= N
    # an update's results (simengine.analysis.update): the kept draws under their importance weights
    w = np.asarray(ds["weight"].values, dtype=float) if "weight" in ds and "draw" in ds["weight"].dims else None
    per_draw = {
        ("national", "realised"): "benefit",
        ("national", "net"): "net_benefit",
        ("national", "potential"): "potential",
        ("area", "realised"): "area_benefit",
        ("area", "potential"): "area_potential",
    }
    hist = {
        ("national", "realised"): "benefit",
        ("national", "net"): "net_benefit",
        ("area", "realised"): "area_benefit",
        ("municipality", "realised"): "municipality_benefit",
        ("initiative", "realised"): "initiative_benefit",
    }
    key = (kind, quantity)
    if key not in per_draw and key not in hist:
        raise ConfigError(Msg("ask.quantity_scope", quantity=quantity, kind=kind))
    sel = {} if kind == "national" else {kind: ident}
    pv = per_draw.get(key)
    if pv is not None and pv in ds and "draw" in ds[pv].dims and (exact or key not in hist or w is not None):
        da = ds[pv].sel(sel) if sel else ds[pv]
        vals = np.asarray(da.isel(year=y).values, dtype=float)
        if not np.isfinite(vals).all():  # the same refusal as report's (simengine.outputs.readcheck)
            raise ConfigError(Msg("results.not_finite", file=str(path), names=pv))
        if w is not None:
            from simengine.analysis.update import effective_sample_size

            ess = effective_sample_size(w)
            return Source(
                values=vals,
                weights=w,
                method=f"weighted by the update's importance weights over the {K:,} kept draws (effective "
                f"sample size {ess:,.0f} of {K:,})",
                draws=len(vals),
                facts={"source": "weighted", "draws": N, "kept": K, "ess": ess},
            )
        method = (
            f"exact from all {N:,} draws (kept per draw)"
            if exact
            else f"from the first {K:,} of {N:,} draws (kept per draw; no histogram of this quantity is stored)"
        )
        return Source(
            values=vals,
            method=method,
            draws=len(vals),
            facts={"source": "exact" if exact else "kept", "draws": N, "kept": K},
        )
    hv = hist.get(key)
    if hv is not None and f"dist_{hv}" in ds:
        lo_var = {"municipality": "dist_municipality_lo", "initiative": "dist_initiative_lo"}.get(kind)
        src = _histogram(ds, hv, sel, y, lo_var)
        if w is not None:  # the histograms are of the prior draws: the forecast before the update
            src.method = "before the update (not reweighted: no per-draw values are kept), " + src.method
            src.facts["prior"] = True
        return src
    name = pv or hv
    raise ConfigError(
        Msg("ask.no_distribution", file=str(path), quantity=quantity, scope=kind, name=f"dist_{hv}" if hv else name)
    )


def probability_at_least(src: Source, x: float) -> dict:
    from simengine.analysis.mcerror import wilson
    from simengine.analysis.negotiate import p_at_least_counts

    if src.values is not None and src.weights is not None:
        from simengine.analysis.update import wprob

        p = float(wprob(src.values >= x, src.weights))
        lo, hi = wilson(np.array([p * src.ess]), src.ess)  # type: ignore[arg-type]  # Wilson with N = the ESS
        return {
            "probability": p,
            "ci_low": float(lo[0]),
            "ci_high": float(hi[0]),
            "method": src.method + "; interval: Wilson (95 %) with N = the effective sample size (approximate)",
            "facts": {**src.facts, "interval": "wilson_ess"},
        }
    if src.values is not None:
        n = len(src.values)
        k = int((src.values >= x).sum())
        lo, hi = wilson(np.array([k]), n)
        return {
            "probability": k / n,
            "ci_low": float(lo[0]),
            "ci_high": float(hi[0]),
            "method": src.method + "; interval: Wilson (95 %)",
            "facts": {**src.facts, "interval": "wilson"},
        }
    assert src.counts is not None and src.lower is not None and src.upper is not None
    est, surely, possibly = p_at_least_counts(src.counts, src.lower, src.upper, x)
    n = src.draws
    lo, _ = wilson(np.array([surely]), n)
    _, hi = wilson(np.array([possibly]), n)
    return {
        "probability": est / n,
        "ci_low": float(lo[0]),
        "ci_high": float(hi[0]),
        "method": src.method + "; interval: Wilson (95 %) from the draws surely at or above X to those possibly "
        f"so (the bin holding X has {(possibly - surely) / n:.4%} of the draws)",
        "facts": {**src.facts, "interval": "wilson_bins", "bin_share": (possibly - surely) / n},
    }


def amount_at_certainty(src: Source, c: float) -> dict:
    from simengine.analysis.mcerror import rank_levels
    from simengine.analysis.results import quantiles_from_counts

    q = 1.0 - c
    n = src.draws
    qlo, qhi = rank_levels(n, np.array([q]))
    levels = np.array([q, qlo[0], qhi[0]])
    if src.values is not None and src.weights is not None:
        from simengine.analysis.update import weighted_quantile

        qlo, qhi = rank_levels(max(2, int(round(src.ess))), np.array([q]))
        v = weighted_quantile(src.values, src.weights, np.array([q, qlo[0], qhi[0]]))
        return {
            "amount": float(v[0]),
            "ci_low": float(v[1]),
            "ci_high": float(v[2]),
            "method": src.method + "; interval: the weighted quantiles at the order-statistic ranks of "
            "Binomial(N, 1 - C) 2.5 % and 97.5 % with N = the effective sample size (approximate)",
            "facts": {**src.facts, "interval": "ranks_ess"},
        }
    if src.values is not None:
        v = np.quantile(src.values, levels)
        extra = "; interval: order statistics of ranks Binomial(N, 1 - C) 2.5 % and 97.5 % (distribution-free)"
        lo, hi = float(v[1]), float(v[2])
    else:
        assert src.counts is not None and src.lower is not None and src.upper is not None
        v = quantiles_from_counts(src.counts[None, :], src.lower, src.upper, levels)[:, 0]
        lo, hi = float(v[1]), float(v[2])
        lo -= abs(lo) * src.rel
        hi += abs(hi) * src.rel
        extra = (
            "; interval: the same order-statistic ranks applied to the histogram, widened by one bin's relative width"
        )
    return {
        "amount": float(v[0]),
        "ci_low": lo,
        "ci_high": hi,
        "method": src.method + extra,
        "facts": {**src.facts, "interval": "ranks" if src.values is not None else "ranks_bins"},
    }


def ask(
    path: Path | xr.Dataset,
    year: int,
    scope: str = "national",
    at_least: float | None = None,
    certainty: float | None = None,
    quantity: str = "realised",
) -> dict:
    """The answer as a dict ({"probability"|"amount", "ci_low", "ci_high", "method"}); ConfigError on bad input.
    ``path``: a results.nc file, or the results Dataset itself (simengine.api.ask)."""
    if (at_least is None) == (certainty is None):
        raise ConfigError(Msg("ask.one_question"))
    if certainty is not None and not (0.0 < certainty < 1.0 and math.isfinite(certainty)):
        raise ConfigError(Msg("ask.certainty_range", got=float(certainty)))
    if at_least is not None and not math.isfinite(at_least):
        raise ConfigError(Msg("ask.at_least", got=str(at_least)))
    if quantity not in QUANTITIES:
        raise ConfigError(Msg("ask.quantity", allowed=", ".join(QUANTITIES), got=repr(quantity)))
    if isinstance(path, xr.Dataset):
        from simengine.outputs.store import round_trip

        ds, path = _check(round_trip(path), Path("the results")), Path("the results")  # as results.nc has them
    else:
        ds = _open(path)
    years = [int(v) for v in ds["year"].values]
    if year not in years:
        first, last = (str(years[0]), str(years[-1])) if years else ("–", "–")  # (readcheck refuses no years)
        raise ConfigError(Msg("ask.year_outside", file=str(path), first=first, last=last, got=str(year)))
    kind, ident = _parse_scope(path, ds, scope)
    src = source(path, ds, kind, ident, quantity, years.index(year))
    n = max(src.draws, 1)
    if certainty is not None and not 1.0 / n <= certainty <= 1.0 - 1.0 / n:
        # beyond the extreme draws: the amount would lie outside its own interval
        raise ConfigError(Msg("ask.certainty_draws", n=n, lo=1.0 / n, hi=1.0 - 1.0 / n, got=repr(certainty)))
    if at_least is not None:
        out = probability_at_least(src, at_least)
    else:
        assert certainty is not None
        out = amount_at_certainty(src, certainty)
    out.update(
        x=at_least,
        certainty=certainty,
        year=year,
        scope=scope if kind == "national" else f"{kind}:{ident}",
        quantity=quantity,
    )
    return out


def _method_da(f: dict, L) -> str:
    """The method text of an answer in Danish, from its facts (the JSON keeps the English text)."""
    src = f.get("source")
    if src == "weighted":
        text = (
            f"vægtet med opdateringens vægte over de {L.num(f['kept'])} gemte træk (effektiv "
            f"stikprøvestørrelse {L.num(f['ess'])} af {L.num(f['kept'])})"
        )
    elif src == "exact":
        text = f"præcist fra alle {L.num(f['draws'])} træk (gemt pr. træk)"
    elif src == "kept":
        text = (
            f"fra de første {L.num(f['kept'])} af {L.num(f['draws'])} træk (gemt pr. træk; der er "
            "intet histogram af denne størrelse)"
        )
    else:
        text = (
            f"fra det løbende histogram over alle {L.num(f['draws'])} træk ({L.num(f['bins'])} intervaller "
            f"pr. oktav, relativ intervalbredde højst {L.num(100 * f['rel'], 2)} %)"
        )
    interval = {
        "wilson": "interval: Wilson (95 %)",
        "wilson_bins": (
            "interval: Wilson (95 %) fra de træk, der med sikkerhed er mindst X, til dem, der "
            f"muligvis er (intervallet med X rummer {L.num(100 * f.get('bin_share', 0.0), 4)} % af "
            "trækkene)"
        ),
        "ranks": "interval: ordensstørrelser med rangene Binomial(N, 1 − C) 2,5 % og 97,5 % (fordelingsfrit)",
        "ranks_bins": "interval: de samme rang anvendt på histogrammet, udvidet med ét intervals relative bredde",
        "wilson_ess": "interval: Wilson (95 %) med N = den effektive stikprøvestørrelse (tilnærmet)",
        "ranks_ess": (
            "interval: de vægtede kvantiler ved ordensstørrelsernes rang Binomial(N, 1 − C) 2,5 % og 97,5 % "
            "med N = den effektive stikprøvestørrelse (tilnærmet)"
        ),
    }[f["interval"]]
    if f.get("prior"):
        text = "før opdateringen (ikke genvægtet: værdierne pr. træk er ikke gemt), " + text
    return f"{text}; {interval}"


def _threshold(L, x: float) -> str:
    """The --at-least amount as the reader gives it: in mio. kr. with one decimal, or in kr. when that
    would round it to 0 (1 kr. is not "0,0 mio. kr.")."""
    x = float(x)
    if x != 0 and abs(x) < 0.05e6:
        return f"{L.general(x)} kr." if L.lang == "da" else f"{L.general(x)} DKK"
    return f"{L.num(x / 1e6, 1)} mio. kr." if L.lang == "da" else f"{L.num(x / 1e6, 1)} mio. DKK"


def describe(ans: dict, lang: str = "en") -> str:
    """The answer as one line in ``lang`` (da or en)."""
    from simengine.outputs.labels import Labels

    if lang == "da" and "facts" in ans:
        L = Labels("da")
        kind, _, ident = ans["scope"].partition(":")
        where = {
            "national": "på landsplan",
            "area": f"i området {ident}",
            "municipality": f"i kommune {ident}",
            "initiative": f"for initiativet {ident}",
        }[kind]
        what = {"realised": "realiseret gevinst", "potential": "potentiel gevinst", "net": "nettogevinst"}[
            ans["quantity"]
        ]
        method = _method_da(ans["facts"], L)
        if "probability" in ans:
            return (
                f"P({what} ≥ {_threshold(L, ans['x'])} i {ans['year']}, {where}) = "
                f"{L.num(ans['probability'], 4)} (95 % MC-interval {L.num(ans['ci_low'], 4)}–"
                f"{L.num(ans['ci_high'], 4)}); {method}"
            )
        the = {"realised": "den realiserede gevinst", "potential": "den potentielle gevinst", "net": "nettogevinsten"}
        return (
            f"beløb, som {the[ans['quantity']]} {where} når i {ans['year']} med {L.general(100 * ans['certainty'])} % "
            "sandsynlighed: "
            f"{L.num(ans['amount'] / 1e6, 1)} mio. kr./år (95 % MC-interval {L.num(ans['ci_low'] / 1e6, 1)} til "
            f"{L.num(ans['ci_high'] / 1e6, 1)}); {method}"
        )
    where = "nationally" if ans["scope"] == "national" else f"in {ans['scope']}"
    what = {"realised": "gain", "potential": "potential gain", "net": "net gain"}[ans["quantity"]]
    if "probability" in ans:
        return (
            f"P({what} >= {_threshold(Labels('en'), ans['x'])} in {ans['year']}, {where}) = {ans['probability']:.4f} "
            f"(95 % MC interval {ans['ci_low']:.4f}–{ans['ci_high']:.4f}); {ans['method']}"
        )
    E = Labels("en")  # 97.5 %, not 98%; −144.5 with the minus sign of the other lines
    return (
        f"amount the {what} reaches in {ans['year']} {where} with probability {E.general(100 * ans['certainty'])} %: "
        f"{E.num(ans['amount'] / 1e6, 1)} mio. DKK/year (95 % MC interval {E.num(ans['ci_low'] / 1e6, 1)} to "
        f"{E.num(ans['ci_high'] / 1e6, 1)}); {ans['method']}"
    )


def add_parser(sub) -> None:
    from simengine.cli.main import _number, _whole, help_text  # in the terminal's language (simengine.messages)

    a = sub.add_parser("ask", help=help_text("cmd.ask"))
    a.add_argument("results", type=Path, help=help_text("ask.results"))
    a.add_argument("--year", type=_whole, required=True, help=help_text("ask.year"))
    a.add_argument("--scope", default="national", metavar="SCOPE", help=help_text("ask.scope"))
    g = a.add_mutually_exclusive_group(required=True)
    g.add_argument("--at-least", type=_number, metavar="X", help=help_text("ask.at_least"))
    g.add_argument("--certainty", type=_number, metavar="C", help=help_text("ask.certainty"))
    a.add_argument("--quantity", default="realised", choices=QUANTITIES, help=help_text("ask.quantity"))
    a.add_argument("--json", action="store_true", help=help_text("ask.json"))
    a.add_argument("--lang", choices=("da", "en"), default="da", help=help_text("ask.lang"))


def cmd_ask(args) -> int:
    ans = ask(args.results, args.year, args.scope, args.at_least, args.certainty, args.quantity)
    if args.json:
        key = "probability" if "probability" in ans else "amount"
        print(json.dumps({key: ans[key], "ci_low": ans["ci_low"], "ci_high": ans["ci_high"], "method": ans["method"]}))
    else:
        print(describe(ans, getattr(args, "lang", "da")))
    return 0
