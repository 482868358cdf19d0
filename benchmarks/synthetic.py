"""Synthetic scenarios of any size (initiatives, municipalities, years), for scaling benchmarks."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from simengine.scenario.municipalities import builtin_text


def scenario_dict(
    initiatives: int = 30, years: int = 10, draws: int = 100_000, municipalities: str = "builtin"
) -> dict:
    areas = ["borgerservice", "beskaeftigelse", "social", "teknik", "skole"]
    inits = []
    for i in range(initiatives):
        inits.append(
            {
                "id": f"init-{i}",
                "name": f"Initiative {i}",
                "area": areas[i % len(areas)],
                "gain": 2.0e9 / initiatives,
                "start": 2012 + i % 4,
                "channel_shift": i % 2 == 0,
                "estimate_factor": {"dist": "lognormal", "median": 0.85, "p90": 1.15},
                "legislation": {"probability": 0.2, "delay": {"dist": "pert", "min": 0.25, "mode": 0.5, "max": 2.0}},
                "technology": {"probability": 0.05, "loss": {"dist": "beta", "mean": 0.3, "sd": 0.1}},
                "adoption": {"dist": "beta", "mean": 0.85, "sd": 0.07},
                "realisation": {"dist": "beta", "mean": 0.6 + 0.01 * (i % 10), "sd": 0.15},
                "cost": {
                    "investment": 20e6,
                    "running": 2e6,
                    "overrun": {"dist": "lognormal", "median": 1.0, "p90": 1.5},
                },
            }
        )
    return {
        "scenario": {
            "name": f"synthetic {initiatives}x{municipalities}x{years}",
            "start_year": 2011,
            "horizon": 2011 + years - 1,
            "target": 2.0e9,
            "target_start_year": 2012,
            "target_year": min(2015, 2011 + years - 1),
            "municipalities": municipalities,
        },
        "simulation": {"draws": draws, "seed": 1},
        "national": {
            "assumed_weak_share": 0.10,
            "weak_share": {"dist": "pert", "min": 0.07, "mode": 0.11, "max": 0.22},
            "economic_pressure": {"dist": "beta", "mean": 0.08, "sd": 0.05},
        },
        "municipal": {
            "capacity_spread": 0.25,
            "local_spread": 0.20,
            "optimal_population": [70_000, 110_000],
            "size_penalty": 0.05,
        },
        "regimes": {"retention_share": 0.5, "retention_years": 3, "incentive_uplift": 0.15},
        "areas": {a: {"name": a, "target": 0.4e9} for a in areas},
        "defaults": {
            "delay": {"dist": "lognormal", "median": 0.3, "p90": 1.5},
            "ramp": {"dist": "pert", "min": 1, "mode": 2, "max": 4},
        },
        "initiatives": inits,
    }


def municipalities_csv(path: Path, n: int) -> Path:
    """n municipalities made by cycling the builtin 98 (codes made unique)."""
    rows = list(csv.DictReader(builtin_text().splitlines()))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "region", "population"])
        for k in range(n):
            r = rows[k % len(rows)]
            w.writerow([k + 1, f"{r['name']} {k // len(rows)}", r["region"], r["population"]])
    return path


def write(folder: Path, initiatives: int = 30, municipalities: int = 98, years: int = 10, draws: int = 100_000) -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from conftest import dump_toml  # the tests' tiny TOML writer

    folder.mkdir(parents=True, exist_ok=True)
    spec = "builtin"
    if municipalities != 98:
        municipalities_csv(folder / f"mun{municipalities}.csv", municipalities)
        spec = f"mun{municipalities}.csv"
    path = folder / f"synthetic_{initiatives}_{municipalities}_{years}.toml"
    path.write_text(dump_toml(scenario_dict(initiatives, years, draws, spec)), encoding="utf-8")
    return path


_ = np  # numpy kept for callers that build arrays from these scenarios
