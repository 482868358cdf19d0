"""Everything the report and the workbook read, computed once from the results Dataset.

The Dataset is the only required input. The scenario file is reloaded (``ds.attrs["scenario_file"]``
or a path given) for the assumptions table and the population; when it has moved or changed the
report falls back to what the Dataset holds and says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from simengine.outputs.labels import Labels


@dataclass
class ScenarioInfo:
    scenario: object | None  # simengine.scenario.schema.Scenario
    text: str | None  # the raw TOML text (for the comments)
    path: str
    status: str  # "ok" | "changed" | "missing"
    why: object = ""  # str or simengine.messages.Msg: rendered in the report's language
    sha_now: str = ""


def scenario_info(ds: xr.Dataset, scenario=None, path: str | Path | None = None) -> ScenarioInfo:
    """The run's scenario: the object itself (inside a run) or reloaded from its file."""
    from simengine.errors import ConfigError, SimengineError
    from simengine.messages import Msg
    from simengine.scenario import safeio
    from simengine.scenario import schema as scmod

    sha_then = str(ds.attrs.get("scenario_sha256", ""))
    if scenario is not None:
        p = Path(scenario.path)
        try:
            raw = safeio.read_bytes(p, scmod.MAX_FILE_BYTES, "scenario")  # a regular file, size checked first
        except ConfigError as exc:
            return ScenarioInfo(scenario, None, str(p), "missing", exc.messages[0])
        try:  # the sha256 covers the whole extends chain: recompute it the same way
            sha = scmod.resolve(p).sha256
        except Exception:  # noqa: BLE001 - unreadable now: compare the file itself
            sha = hashlib.sha256(raw).hexdigest()
        status = "ok" if sha == (scenario.sha256 or sha) else "changed"
        return ScenarioInfo(scenario, _scenario_text(p, raw), str(p), status, sha_now=sha)
    where = str(path if path is not None else ds.attrs.get("scenario_file", ""))
    if not where:
        return ScenarioInfo(None, None, "", "missing", Msg("report.no_scenario_file"))
    try:
        sc = scmod.load(where)
        text = _scenario_text(Path(where), safeio.read_bytes(where, scmod.MAX_FILE_BYTES, "scenario"))
    except SimengineError as exc:  # moved, unreadable or now invalid: fall back to the Dataset
        return ScenarioInfo(None, None, where, "missing", exc.messages[0] if exc.messages else str(exc))
    except Exception as exc:  # noqa: BLE001 - the same, for any other reason
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return ScenarioInfo(None, None, where, "missing", why)
    status = "ok" if not sha_then or sc.sha256 == sha_then else "changed"
    return ScenarioInfo(sc, text, where, status, sha_now=sc.sha256)


def _scenario_text(p: Path, raw: bytes) -> str | None:
    """The scenario as TOML text (a workbook's is written from its cells, sources as comments)."""
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from simengine.scenario import xlsx as xlsx_scenario

        try:
            return xlsx_scenario.toml_text(p)
        except Exception:  # noqa: BLE001 - the assumptions table is left out rather than failing the report
            return None
    return raw.decode("utf-8", "replace")


def _qsel(da: xr.DataArray, level: float) -> tuple[np.ndarray, float]:
    """Values at the quantile level closest to ``level`` and that level."""
    q = np.asarray(da["quantile"].values, dtype=float)
    k = int(np.argmin(np.abs(q - level)))
    return np.asarray(da.isel(quantile=k).values, dtype=float), float(q[k])


class Context:
    """Derived numbers shared by the charts, the HTML and the workbook."""

    #: a backtest's scores (the Dataset of backtest.nc), set by simengine.outputs.report.build (report.backtest)
    scores: xr.Dataset | None = None

    def __init__(self, ds: xr.Dataset, lang: str = "da", scenario=None, scenario_path: str | Path | None = None):
        self.ds = ds
        if ds.attrs.get("report_unit") == "fte":  # --unit fte (simengine.outputs.report.fte)
            from simengine.outputs.report.fte import FteLabels

            self.L: Labels = FteLabels(lang)
        else:
            self.L = Labels(lang)
        self.lang = lang
        self.years = [int(y) for y in ds["year"].values]
        self.target = np.asarray(ds["target"].values, dtype=float)
        tmax = float(self.target.max()) if self.target.size else 0.0
        # the target year: the first year the full target applies (the last year if there is no target)
        self.ti = int(np.argmax(self.target >= tmax)) if tmax > 0 else len(self.years) - 1
        self.ty = self.years[self.ti]
        self.tail = float(ds["expected_shortfall"].attrs.get("tail", 0.10)) if "expected_shortfall" in ds else 0.10
        self.draws = int(ds.attrs.get("draws", ds.sizes.get("draw", 0)))
        self.seed = ds.attrs.get("seed", "")
        self.has_draws = "benefit" in ds and "draw" in ds["benefit"].dims and ds.sizes.get("draw", 0) > 0
        self.benefit = np.asarray(ds["benefit"].values, dtype=float) if self.has_draws else None
        #: per-draw values are kept for a sample of the draws only (statistics use all draws)
        self.kept = int(ds.sizes.get("draw", 0)) if self.has_draws else 0
        self.sampled = self.has_draws and self.kept < self.draws
        self.sc = scenario_info(ds, scenario, scenario_path)
        self.population, self.population_source = self._population()
        self.p_target = np.asarray(ds["p_target"].values, dtype=float)
        self.es = np.asarray(ds["expected_shortfall"].values, dtype=float)
        self.mean = (
            np.asarray(ds["benefit_mean"].values, dtype=float) if "benefit_mean" in ds else self.benefit.mean(axis=0)
        )
        reached = [k for k, y in enumerate(self.years) if self.target[k] > 0 and self.p_target[k] >= 0.5]
        self.first_year_50 = self.years[reached[0]] if reached else None
        self.observed = []
        if "observed" in ds and "observed_year" in ds.coords:
            # what the values measure ([observed] quantity): the realised gain, or the potential
            potential = ds["observed"].attrs.get("quantity") == "potential"
            for k, y in enumerate(ds["observed_year"].values):
                self.observed.append(
                    {
                        "year": int(y),
                        "potential": potential,
                        "label": self.L("observed_potential" if potential else "observed"),
                        "value": float(ds["observed"].values[k]),
                        "rank": float(ds["observed_rank"].values[k]) if "observed_rank" in ds else float("nan"),
                        "tail": (
                            float(ds["observed_tail_probability"].values[k])
                            if "observed_tail_probability" in ds
                            else float("nan")
                        ),
                    }
                )

    # -- national and area quantiles ----------------------------------------------------------
    @property
    def observes_potential(self) -> bool:
        """Whether the [observed] values are of the potential gain ([observed] quantity)."""
        return any(o["potential"] for o in self.observed)

    def observed_draws(self, o: dict, k: int) -> np.ndarray:
        """The per-draw values an observation is held against in year index k: the gross gain, or
        the potential when the observation is of the potential."""
        if o["potential"]:
            return np.asarray(self.ds["potential"].values[:, k], dtype=float)
        return self.benefit[:, k]

    def observed_p50(self, o: dict, k: int) -> float:
        """The median of what an observation is held against in year index k."""
        if o["potential"]:
            return float(self._at_level("potential_quantile", 0.5, lambda: self.observed_draws(o, k))[k])
        return float(self.nat(0.5)[k])

    def _at_level(self, var: str, level: float, draws) -> np.ndarray:
        """The quantile ``level`` of a quantile variable ``var`` (quantile first) when it has the level,
        else numpy's quantile over ``draws()`` (the per-draw values, draw first)."""
        if var in self.ds:
            hit = np.isclose(self.ds[var]["quantile"].values, level, rtol=0, atol=1e-9)
            if hit.any():
                return np.asarray(self.ds[var].isel(quantile=int(np.argmax(hit))).values, dtype=float)
        return np.quantile(draws(), level, axis=0)

    def nat(self, level: float) -> np.ndarray:
        """Quantile of the national gain per year: from ``benefit_quantile`` when it has the level."""
        return self._at_level("benefit_quantile", level, lambda: self.benefit)

    def area(self, level: float) -> np.ndarray:
        """(area, year) quantile of the gain per area."""
        return self._at_level("area_benefit_quantile", level, lambda: np.asarray(self.ds["area_benefit"].values))

    def has_potential(self) -> bool:
        """Whether the Dataset holds the potential gain (results written before it had none)."""
        return "potential_quantile" in self.ds and "potential_mean" in self.ds

    def pot(self, level: float) -> np.ndarray | None:
        """Quantile of the national potential gain per year, when ``potential_quantile`` has the level."""
        if "potential_quantile" not in self.ds:
            return None
        q = self.ds["potential_quantile"]["quantile"].values
        hit = np.isclose(q, level, rtol=0, atol=1e-9)
        if not hit.any():
            return None
        return np.asarray(self.ds["potential_quantile"].isel(quantile=int(np.argmax(hit))).values, dtype=float)

    def area_mean(self) -> np.ndarray:
        if "area_benefit_mean" in self.ds:
            return np.asarray(self.ds["area_benefit_mean"].values, dtype=float)
        return np.asarray(self.ds["area_benefit"].mean("draw").values, dtype=float)

    def mun(self, level: float) -> tuple[np.ndarray, float]:
        """(municipality, year) quantile from the histograms, at the nearest stored level."""
        return _qsel(self.ds["municipality_benefit"], level)

    def ini(self, level: float) -> tuple[np.ndarray, float]:
        return _qsel(self.ds["initiative_benefit"], level)

    def golive(self, level: float) -> tuple[np.ndarray, float]:
        return _qsel(self.ds["initiative_golive"], level)

    def regime_stat(self, var: str, stat: float | str) -> np.ndarray:
        """(regime, year) mean (``stat="mean"``) or quantile of ``central_gain`` / ``service_cut`` /
        ``regime_benefit``, over all draws when the Dataset has ``<var>_mean`` / ``<var>_quantile``."""
        ds = self.ds
        if stat == "mean":
            if f"{var}_mean" in ds:
                return np.asarray(ds[f"{var}_mean"].values, dtype=float)
            return np.asarray(ds[var].mean("draw").values, dtype=float)
        if f"{var}_quantile" in ds:
            q = ds[f"{var}_quantile"]["quantile"].values
            hit = np.isclose(q, float(stat), rtol=0, atol=1e-9)
            if hit.any():
                return np.asarray(ds[f"{var}_quantile"].isel(quantile=int(np.argmax(hit))).values, dtype=float)
        return np.quantile(np.asarray(ds[var].values, dtype=float), float(stat), axis=0)

    def has_regimes(self) -> bool:
        return all(f"{v}_mean" in self.ds or v in self.ds for v in ("central_gain", "service_cut"))

    @property
    def regimes(self) -> list[str]:
        return [str(r) for r in self.ds["regime"].values]

    # -- municipalities ---------------------------------------------------------------------
    def _population(self) -> tuple[np.ndarray | None, str]:
        ds = self.ds
        codes = np.asarray(ds["municipality"].values)
        if "population" in ds.variables and ds["population"].dims == ("municipality",):
            return np.asarray(ds["population"].values, dtype=float), "dataset"
        sc = self.sc.scenario
        if sc is not None:
            m = sc.municipalities
            idx = {int(c): k for k, c in enumerate(m.codes)}
            if all(int(c) in idx for c in codes):
                return np.array([m.population[idx[int(c)]] for c in codes], dtype=float), "scenario"
        # the built-in table, if it matches the target's allocation (the target is shared by population)
        try:
            from simengine.scenario.municipalities import builtin_text, parse

            m = parse(builtin_text(), "builtin", [])
            idx = {int(c): k for k, c in enumerate(m.codes)}
            if m is not None and all(int(c) in idx for c in codes):
                pop = np.array([m.population[idx[int(c)]] for c in codes], dtype=float)
                mt = np.asarray(ds["municipality_target"].values, dtype=float)[:, self.ti]
                tot = mt.sum()
                if tot > 0 and np.allclose(mt / tot, pop / pop.sum(), rtol=1e-6, atol=1e-12):
                    return pop, "builtin"
        except Exception:  # noqa: BLE001
            pass
        return None, "none"

    @property
    def mun_names(self) -> list[str]:
        return [str(n) for n in self.ds["municipality_name"].values]

    @property
    def mun_regions(self) -> list[str]:
        return (
            [str(n) for n in self.ds["region"].values]
            if "region" in self.ds.coords
            else [""] * self.ds.sizes["municipality"]
        )

    # -- initiatives ------------------------------------------------------------------------
    def initiative_facts(self) -> dict[str, dict]:
        """Business-case gain and planned start per initiative id (from the scenario, when loaded)."""
        sc = self.sc.scenario
        if sc is None:
            return {}
        return {i.id: {"gain": float(i.gain), "start": int(i.start), "note": i.note} for i in sc.initiatives}

    def area_names(self) -> dict[str, str]:
        ds = self.ds
        names = ds["area_name"].values if "area_name" in ds.coords else ds["area"].values
        return {str(a): str(n) for a, n in zip(ds["area"].values, names)}

    def retention_params(self) -> dict | None:
        sc = self.sc.scenario
        if sc is None:
            return None
        return {"share": sc.retention_share, "years": sc.retention_years, "uplift": sc.incentive_uplift}

    # -- optional analysis variables ----------------------------------------------------------
    def at_target_year(self, da: xr.DataArray) -> xr.DataArray:
        if "year" in da.dims:
            return da.sel(year=self.ty) if self.ty in da["year"].values else da.isel(year=-1)
        return da

    def ci_pairs(self) -> list[tuple[str, str, str]]:
        """(base variable, low, high) for every ``*_ci_low`` / ``*_ci_high`` pair present."""
        out = []
        for v in self.ds.data_vars:
            v = str(v)
            if v.endswith("_ci_low"):
                base = v[: -len("_ci_low")]
                hi = base + "_ci_high"
                if hi in self.ds:
                    out.append((base, v, hi))
        return out
