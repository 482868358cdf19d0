"""numba is imported only when a kernel is needed; the kernels' cache folder is set before it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"


def _python(code: str, env_extra: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> str:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def test_validate_does_not_import_numba():
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['simengine', 'validate', {str(ROOT / 'scenarios' / '2015.toml')!r}]\n"
        "try:\n    runpy.run_module('simengine', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "print(code, 'numba' in sys.modules)"
    )
    assert _python(code) == "0 False"


def test_loading_a_scenario_and_the_plain_parts_do_not_import_numba():
    code = (
        "import sys\nimport simengine\nfrom simengine.scenario import schema as scenario\nfrom simengine.model import rng, distributions\n"
        f"sc = scenario.load({str(SMALL)!r})\n"
        "rng.stream_key(1, 'x'); distributions.FAMILIES\n"
        "print('numba' in sys.modules)"
    )
    assert _python(code) == "False"


def test_the_first_compiled_function_imports_numba_with_the_cache_folder_set(tmp_path):
    code = (
        "import sys\nimport simengine\nfrom simengine.model.rng import uniform\nimport numba\n"
        "print(type(uniform).__name__, numba.config.CACHE_DIR)"
    )
    out = _python(code, {"XDG_CACHE_HOME": str(tmp_path)}, drop=("NUMBA_CACHE_DIR", "SIMENGINE_NUMBA_CACHE_DIR"))
    kind, folder = out.split(" ", 1)
    assert kind == "CPUDispatcher"
    assert Path(folder).parent == tmp_path / "simengine" / "numba"
    # a folder the user sets is kept
    user = tmp_path / "mine"
    out = _python(code, {"NUMBA_CACHE_DIR": str(user)}, drop=("SIMENGINE_NUMBA_CACHE_DIR",))
    assert out.split(" ", 1)[1] == str(user)


def test_run_still_works(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "simengine",
            "run",
            str(SMALL),
            "--draws",
            "500",
            "--no-report",
            "--quiet",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "results.nc").exists()


def test_the_numpy_reference_model_is_part_of_the_package():
    import benchmarks.reference_numpy as old
    from simengine import testing

    assert old.simulate_reference_chunked is testing.simulate_reference_chunked
    assert old.simulate_reference is testing.simulate_reference
