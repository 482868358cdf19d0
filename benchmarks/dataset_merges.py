"""Time spent in xarray's merges while the results Dataset is built and the analyses add to it.

    PYTHONPATH=<tree> python benchmarks/dataset_merges.py [--draws 100000] [--reps 2]

In one process (run from the tree's root): ``simengine.cli.runner.simulate`` of
``scenarios/2015.toml`` (2 threads) once to load the kernels, then ``--reps`` more times, each
printing the run's own phase times (``seconds_aggregate``: the Dataset and the negotiation tables;
``seconds_analyse``) and the calls to and seconds in ``xarray.Dataset.update``, through which
every ``ds[name] = ...``, ``ds.coords[name] = ...`` and every ``simengine.analysis.varspecs.batch``
goes. Run it on two checkouts one after the other and compare the figures of one sitting.
"""

from __future__ import annotations

import argparse
import time

import xarray.core.dataset as xr_dataset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()

    from simengine.cli import runner
    from simengine.scenario.schema import load

    spent = [0.0, 0]
    update = xr_dataset.dataset_update_method  # what Dataset.update calls

    def timed(*a, **kw):
        t = time.perf_counter()
        try:
            return update(*a, **kw)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += 1

    xr_dataset.dataset_update_method = timed  # type: ignore[assignment]
    sc = load("scenarios/2015.toml").with_run_options(draws=args.draws)
    runner.simulate(sc, threads=2)  # kernels loaded, not counted
    for rep in range(args.reps):
        spent[:] = [0.0, 0]
        t = time.perf_counter()
        ds = runner.simulate(sc, threads=2)
        total = time.perf_counter() - t
        a = ds.attrs
        print(
            f"rep {rep + 1}: simulate {total:.2f} s, Dataset + negotiation {a['seconds_aggregate']:.2f} s, "
            f"analyses {a['seconds_analyse']:.2f} s; Dataset.update {spent[1]} calls, {spent[0]:.3f} s"
        )


if __name__ == "__main__":
    main()
