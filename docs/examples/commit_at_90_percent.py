# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How much can we commit at 90 %?
#
# A promise that is kept with 90 % probability is the 10 % quantile (P10) of the gain: in 9 draws
# of 10 the realised gain is at least that much. Here we run `scenarios/2015.toml` in memory and
# read the P10 per year, next to the promised target path.
#
# Open this file as a notebook with jupytext (`jupytext --to notebook`), or run it as a script.
# `SIMENGINE_EXAMPLE_DRAWS` sets the number of draws (the test suite uses a small number).

# %%
import os
from pathlib import Path

import numpy as np

import simengine

DRAWS = int(os.environ.get("SIMENGINE_EXAMPLE_DRAWS", "50000"))
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "scenarios" / "2015.toml").is_file())

sc = simengine.load(ROOT / "scenarios" / "2015.toml")
ds = simengine.run(sc, draws=DRAWS, seed=sc.seed)

# %% [markdown]
# `benefit_quantile` (quantile, year) holds the quantiles of the national gross gain realised,
# over all draws, in DKK per year; `target` (year) is the promised path.

# %%
mio = 1e6
p10 = ds["benefit_quantile"].sel(quantile=0.10)
commit = (
    np.round(p10 / mio)
    .to_pandas()
    .rename("commit at 90 % (P10)")
    .to_frame()
    .assign(target=np.round(ds["target"] / mio).to_pandas(), p_target=ds["p_target"].to_pandas().round(3))
)
print(f"{DRAWS:,} draws, seed {ds.attrs['seed']}; mio. DKK per year")
print(commit)

# %% [markdown]
# The same from the draws themselves: `benefit` (draw, year) holds the kept draws (the first
# `keep_draws`); their 10 % quantile is close to the one over all draws.

# %%
kept = ds["benefit"].quantile(0.10, dim="draw")
print(
    f"P10 in {sc.target_year} from the {ds.sizes['draw']:,} kept draws: "
    f"{float(kept.sel(year=sc.target_year)) / mio:,.0f} mio. DKK"
)

# %% [markdown]
# The share of the promise that can be committed at 90 %, in the target year:

# %%
year = sc.target_year
share = float(p10.sel(year=year) / ds["target"].sel(year=year))
print(
    f"In {year}: {float(p10.sel(year=year)) / mio:,.0f} mio. DKK of the promised "
    f"{float(ds['target'].sel(year=year)) / mio:,.0f} mio. DKK ({share:.0%}) can be committed at 90 %."
)
