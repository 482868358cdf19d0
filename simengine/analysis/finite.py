"""The finiteness check of a run's results before anything is written.

Every input is finite when the scenario is read, but numbers near the limits of a float (a gain
or target of 1e308, ``cost_per_fte = 5e-324``, populations that sum beyond 1.8e308) can still
overflow in the arithmetic of the model. Such a run is refused with exit 2 and one line that
names the inputs most likely to blame, instead of results full of inf and NaN."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from simengine.errors import ConfigError
from simengine.messages import Msg

#: the results that must be finite in every run (those present are checked)
CORE = (
    "benefit",
    "target",
    "cost",
    "net_benefit",
    "npv",
    "fte",
    "target_fte",
    "benefit_quantile",
    "benefit_mean",
    "area_target",
    "area_benefit_quantile",
    "municipality_target",
    "municipality_benefit",
    "expected_shortfall",
    "central_gain",
    "service_cut",
    "initiative_benefit_mean",
)
#: money beyond this (DKK) is taken as the cause of an overflow: 10^15 DKK is far above any public budget
HUGE = 1e15


def check(ds: xr.Dataset, sc) -> None:
    bad = []
    for name in CORE:
        if name in ds.variables:
            a = np.asarray(ds[name].values)
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                bad.append(name)
    if not bad:
        return
    causes = suspects(sc)
    more = Msg("run.overflow_more", n=len(causes) - 6) if len(causes) > 6 else ""
    why = Msg("run.overflow_causes", causes=_joined(causes[:6]), more=more) if causes else Msg("run.overflow_check")
    raise ConfigError(
        Msg(
            "run.overflow",
            file=str(sc.path),
            names=", ".join(bad[:6]),
            more=", ..." if len(bad) > 6 else "",
            why=why,
        )
    )


def overflow_error(sc, what: str | Msg) -> ConfigError:
    """Bad input found while simulating (values beyond what the kernel's tables hold): exit 2,
    naming the inputs to blame when they can be told."""
    causes = suspects(sc)
    listed = Msg("run.overflow_list", causes=_joined(causes[:6])) if causes else ""
    return ConfigError(Msg("run.overflow_at", file=str(sc.path), what=what, causes=listed))


def _joined(items: list[str | Msg]) -> str | Msg:
    """``a; b; c`` of texts and messages, each in the language it is shown in."""
    out: str | Msg = items[-1]
    for x in reversed(items[:-1]):
        out = Msg("run.joined", a=x, b=out)
    return out


def suspects(sc) -> list[str | Msg]:
    """Scenario inputs whose size can make the model's arithmetic overflow, as ``key path = value``."""
    out: list[str | Msg] = []

    def money(path: str, v: float) -> None:
        if abs(v) > HUGE:
            out.append(f"{path} = {v:g}")

    money("scenario.target", sc.target)
    for a in sc.areas:
        money(f"areas.{a.key}.target", a.target)
    for i, ini in enumerate(sc.initiatives):
        p = f"initiatives[{i}] ({ini.id})"
        money(f"{p}.gain", ini.gain)
        money(f"{p}.cost.investment", ini.investment)
        money(f"{p}.cost.running", ini.running)
        for key in ("estimate_factor", "adoption", "overrun"):
            d = getattr(ini, key)
            hi = _upper(d)
            if not math.isfinite(hi) or hi > 1e6:
                path = f"{p}.{'cost.' if key == 'overrun' else ''}{key}"
                out.append(Msg("run.suspect_reaches", path=path, dist=str(d.describe()), hi=hi))
    for year, v in sc.observed:
        money(f"observed.{year}", v)
    if sc.cost_per_fte < 1.0:
        out.append(f"scenario.cost_per_fte = {sc.cost_per_fte:g}")
    m = sc.municipalities
    if m is not None:
        with np.errstate(all="ignore"):
            total = float(np.sum(m.population))
        if not math.isfinite(total) or total > 1e12:
            out.append(Msg("run.suspect_population", file=str(m.source), total=total))
    return out


def _upper(d) -> float:
    """Where the kernel's draws of ``d`` can reach (its support, or far quantile if unbounded)."""
    try:
        _lo, hi = d.support()
        if math.isfinite(hi):
            return float(hi)
        import warnings

        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return float(d.scipy().isf(2.0**-40))
    except Exception:  # noqa: BLE001 - only a diagnosis
        return 0.0
