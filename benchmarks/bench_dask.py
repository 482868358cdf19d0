"""The overhead of running draws on Dask (``--scheduler``) against the plain in-process run.

    python -m pytest benchmarks/bench_dask.py --benchmark-enable --benchmark-columns=min,mean,max

runs 2015.toml with 100,000 draws (a) in process on all cores, (b) on a LocalCluster of 2 worker
processes x 1 thread, with the default block size (2 blocks per worker here) and with 2^14-draw
blocks, (c) on a LocalCluster of 1 worker process x 2 threads; and 1,000,000 draws for (a) and (b),
where only the first 200,000 draws are kept per draw. Cluster start-up is measured separately.
Every distributed result is checked bit for bit against the plain run. With
``--benchmark-disable`` (the normal test suite) it runs once on 2,000 draws on one cluster.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from simengine.core import engine
from simengine.model.plan import compile_plan
from simengine.scenario import schema as scenario

distributed = pytest.importorskip("distributed")

from simengine.core import distributed as sd  # noqa: E402 (after the importorskip of distributed)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "2015.toml"
CLUSTERS = {"2x1": (2, 1), "1x2": (1, 2)}


def _draws(benchmark, full: int = 100_000) -> int:
    return 2_000 if benchmark.disabled else full


@pytest.fixture(scope="module")
def plan_and_reference(request):
    cache = {}

    def get(draws: int):
        if draws not in cache:
            plan = compile_plan(scenario.load(SCENARIO).with_run_options(draws=draws))
            engine.run_range(plan, 0, 256, engine.available_threads())  # compile / load the kernel
            cache[draws] = (plan, engine.run(plan))
        return cache[draws]

    return get


@pytest.fixture(scope="module")
def clusters():
    open_ = {}

    def get(name: str):
        if name not in open_:
            workers, threads = CLUSTERS[name]
            if workers * threads > engine.available_threads():
                pytest.skip(f"{name} needs {workers * threads} cores")
            cm = sd.connect(f"local:{workers}", threads=threads)
            open_[name] = (cm, cm.__enter__())
        return open_[name][1]

    yield get
    for cm, _ in open_.values():
        cm.__exit__(None, None, None)


def _cpu_seconds() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _same(raw, ref) -> None:
    for name in engine.ACC_FIELDS:
        assert np.array_equal(getattr(raw.acc, name), getattr(ref.acc, name)), name
    for name in engine.PER_DRAW + ("inputs",):
        assert np.array_equal(getattr(raw, name), getattr(ref, name)), name


@pytest.mark.benchmark(group="dask overhead 2015.toml")
@pytest.mark.parametrize("draws", [100_000, 1_000_000])
def test_plain_run(benchmark, plan_and_reference, draws):
    if benchmark.disabled and draws != 100_000:
        pytest.skip("smoke mode runs one size")
    n = _draws(benchmark, draws)
    plan, ref = plan_and_reference(n)
    c0 = _cpu_seconds()
    raw = benchmark.pedantic(engine.run, args=(plan,), rounds=1 if benchmark.disabled else 3, iterations=1)
    cpu = (_cpu_seconds() - c0) / (1 if benchmark.disabled else 3)
    _same(raw, ref)
    if not benchmark.disabled:
        benchmark.extra_info.update(
            draws=n, threads=raw.threads, draws_per_s=n / benchmark.stats.stats.min, cpu_seconds_per_round=round(cpu, 2)
        )


@pytest.mark.benchmark(group="dask overhead 2015.toml")
@pytest.mark.parametrize(
    "cluster,block,draws",
    [("2x1", None, 100_000), ("2x1", 2**14, 100_000), ("1x2", None, 100_000), ("2x1", None, 1_000_000)],
)
def test_dask_run(benchmark, plan_and_reference, clusters, cluster, block, draws):
    if benchmark.disabled and (cluster, block, draws) != ("2x1", None, 100_000):
        pytest.skip("smoke mode runs one configuration")
    n = _draws(benchmark, draws)
    plan, ref = plan_and_reference(n)
    ex = clusters(cluster)
    sd.run(plan, ex, block_draws=block or 2**14)  # warm the workers: plan cache, numba cache
    rounds = 1 if benchmark.disabled else 3
    w0, c0 = ex.client.run(_cpu_seconds), _cpu_seconds()
    raw = benchmark.pedantic(sd.run, args=(plan, ex), kwargs={"block_draws": block}, rounds=rounds, iterations=1)
    client_cpu = (_cpu_seconds() - c0) / rounds
    w1 = ex.client.run(_cpu_seconds)
    worker_cpu = sum(w1[k] - w0[k] for k in w1 if k in w0) / rounds
    _same(raw, ref)
    if not benchmark.disabled:
        t = benchmark.stats.stats.min
        benchmark.extra_info.update(
            draws=n,
            cluster=ex.description,
            blocks=raw.timings["blocks"],
            block_draws=raw.timings["block_draws"],
            draws_per_s=n / t,
            cpu_seconds_per_round_client=round(client_cpu, 2),
            cpu_seconds_per_round_workers=round(worker_cpu, 2),
        )


@pytest.mark.benchmark(group="dask start-up")
def test_local_cluster_start(benchmark):
    """Starting ``--scheduler local:2`` and running a first tiny block (imports and numba cache
    loading in the worker processes) until the client has the result."""
    if benchmark.disabled:
        pytest.skip("the smoke run already starts a cluster")
    plan = compile_plan(scenario.load(SCENARIO).with_run_options(draws=64))

    def go():
        t0 = time.perf_counter()
        with sd.connect("local:2") as ex:
            sd.run(plan, ex, block_draws=32)
        return time.perf_counter() - t0

    benchmark.pedantic(go, rounds=2, iterations=1)
