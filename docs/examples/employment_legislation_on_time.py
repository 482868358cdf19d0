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
# # What if the employment legislation comes on time?
#
# In `scenarios/2015.toml` the gains of the employment area (beskæftigelse) depend on the rules
# being simplified first: each employment initiative has a 40-50 % chance that it must wait
# 1-4 years for legislation. Here we switch that blocker off in Python (no file written), run the
# variant and the base scenario on the same draws, and look at what the blocker costs.
#
# Open this file as a notebook with jupytext (`jupytext --to notebook`), or run it as a script.
# `SIMENGINE_EXAMPLE_DRAWS` sets the number of draws (the test suite uses a small number).

# %%
import os
from pathlib import Path

import simengine

DRAWS = int(os.environ.get("SIMENGINE_EXAMPLE_DRAWS", "20000"))
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "scenarios" / "2015.toml").is_file())

base = simengine.load(ROOT / "scenarios" / "2015.toml")
employment = [i for i in base.initiatives if i.area == "beskaeftigelse"]
for i in employment:
    print(f"{i.id:28} P(waits for legislation) = {i.legislation_probability:.0%}")

# %% [markdown]
# The variant: every employment initiative's `legislation.probability` set to 0, with the same
# `KEY.PATH` keys as `python -m simengine sweep --set` takes. It is validated as a scenario file is:
# a bad key or value raises `simengine.ConfigError` naming it.

# %%
on_time = simengine.variant(base, {f"initiatives.{i.id}.legislation.probability": 0.0 for i in employment})
print("\n".join(on_time.changes))

# %% [markdown]
# `compare_scenarios` runs both on the same seed and draws: an input the variant does not change
# takes the same value in both, draw by draw, so the difference is the effect of the legislation
# alone. Amounts are DKK per year.

# %%
ds = simengine.compare_scenarios(base, on_time, draws=DRAWS, seed=2011)
year = base.target_year
mio = 1e6
print(f"{DRAWS:,} paired draws; target year {year}")
print(
    f"P(reaching the target): base {float(ds['p_target_a'].sel(year=year)):.1%}, "
    f"legislation on time {float(ds['p_target_b'].sel(year=year)):.1%}"
)
print(f"mean gain added in {year}: {float(ds['difference_mean'].sel(year=year)) / mio:,.0f} mio. DKK")
print(f"P(the variant gains more than the base in {year}): {float(ds['p_b_greater'].sel(year=year)):.1%}")

# %% [markdown]
# Per year: the mean difference and its 10 % / 90 % quantiles over the paired draws (mio. DKK).

# %%
table = (ds["difference_quantile"].sel(quantile=[0.10, 0.50, 0.90]) / mio).round(0)
print(table.to_pandas().T.rename(columns=lambda q: f"P{round(q * 100)}"))

# %% [markdown]
# The legislation only moves the employment initiatives, so the other areas' mean gains do not
# change at all (common random numbers): every initiative whose mean moved is an employment one.

# %%
moved = ds["initiative_benefit_mean_difference"].sel(year=year)
moved = moved.where(abs(moved) > 0, drop=True)
print((moved / mio).round(1).to_pandas().sort_values(ascending=False))
assert set(moved["initiative"].values) <= {i.id for i in employment}
