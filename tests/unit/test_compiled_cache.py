"""Kernels compiled at install time serve the installed package (simengine/__init__.py, scripts/build_backend.py).

pip builds the wheel in the source tree, where the build backend compiles the default run's kernels
(simengine._jit.precompile), and then installs a copy of the package elsewhere. numba files kernels
under the path of the folder that defines them, so the installed copy adopts the tree's folders
(simengine._adopt_compiled). Checked here against numba itself: its own cache locator, and its
dispatchers' cache hit and miss counts in fresh processes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from numba.core.caching import _CacheLocator

import simengine
from simengine import _jit

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small.toml"

KERNEL = """
import numba

@numba.njit(cache=True)
def twice(x):
    return 2 * x
"""


def _backend():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_backend
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return build_backend


def test_the_subfolder_is_numbas_own(tmp_path):
    src = ROOT / "simengine" / "model"
    assert simengine.numba_subfolder(tmp_path, src) == tmp_path / _CacheLocator.get_suitable_cache_subpath(
        str(src / "rng.py")
    )


def _copy(tmp_path: Path, name: str) -> Path:
    """A package folder ``name`` holding a model/ folder with one cached kernel (the same source in every copy)."""
    pkg = tmp_path / name
    (pkg / "model").mkdir(parents=True)
    (pkg / "model" / "kern.py").write_text(KERNEL)
    return pkg


def _hits_misses(pkg: Path, cache: Path) -> tuple[int, int]:
    """numba's cache hits and misses for ``twice(3)`` imported from ``pkg`` in a fresh process."""
    code = "from kern import twice; twice(3); s = twice.stats; print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(pkg / "model"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    hits, misses = out.stdout.split()
    return int(hits), int(misses)


def test_a_copy_of_the_package_loads_the_kernels_compiled_for_another_copy(tmp_path):
    cache = tmp_path / "cache"
    tree, installed, other = _copy(tmp_path, "tree"), _copy(tmp_path, "site"), _copy(tmp_path, "other")
    assert _hits_misses(tree, cache) == (0, 1)  # compiled and saved, under the tree's path
    assert _hits_misses(tree, cache) == (1, 0)
    assert _hits_misses(other, cache) == (0, 1)  # without adoption another copy compiles again
    shutil.rmtree(simengine.numba_subfolder(cache, other / "model"))
    simengine._adopt_compiled(cache, installed)
    mine = simengine.numba_subfolder(cache, installed / "model")
    assert sorted(p.suffix for p in mine.iterdir()) == [".nbc", ".nbi"]
    assert _hits_misses(installed, cache) == (1, 0)  # loaded, not compiled
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_a_copy_with_its_own_folder_keeps_it(tmp_path):
    cache = tmp_path / "cache"
    tree, installed = _copy(tmp_path, "tree"), _copy(tmp_path, "site")
    _hits_misses(tree, cache)
    mine = simengine.numba_subfolder(cache, installed / "model")
    mine.mkdir(parents=True)
    (mine / "note").write_text("mine")
    simengine._adopt_compiled(cache, installed)
    assert [p.name for p in mine.iterdir()] == ["note"]
    simengine._adopt_compiled(tmp_path / "no-such-cache", installed)  # nothing there: nothing done, no error


TAG = f"py{sys.version_info[0]}{sys.version_info[1]}{sys.abiflags}"  # numba's index names end in it


def test_cache_has_reads_numbas_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert not _jit._cache_has("_local_sums")
    sub = simengine.numba_subfolder(tmp_path, Path(_jit.__file__).resolve().parent / "analysis")
    sub.mkdir()
    (sub / f"sensitivity._coalitions-466.{TAG}.nbi").write_bytes(b"")
    assert _jit._cache_has("_coalitions") and not _jit._cache_has("_local_sums")
    (sub / "sensitivity._local_sums-287.py27.nbi").write_bytes(b"")
    assert not _jit._cache_has("_local_sums")  # another Python's kernels are not this one's
    other = tmp_path / ("analysis_" + "0" * 40)
    other.mkdir()
    (other / f"sensitivity._local_sums-287.{TAG}.nbi").write_bytes(b"")
    assert not _jit._cache_has("_local_sums")  # another copy's kernels are not this copy's


def test_the_cache_folder_is_keyed_by_the_numba_that_compiles(tmp_path):
    """Kernels of another numba or Python are in another folder: none is adopted across them."""
    code = "import os, simengine; print(os.environ['NUMBA_CACHE_DIR'])"
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "SIMENGINE_NUMBA_CACHE_DIR")}
    env.update(XDG_CACHE_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    run = lambda: subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    folder = run().stdout.strip()
    assert Path(folder).parent == tmp_path / "simengine" / "numba" and run().stdout.strip() == folder
    fake = tmp_path / "fake"  # a numba of another version, seen first by importlib.metadata
    (fake / "numba-0.0.1.dist-info").mkdir(parents=True)
    (fake / "numba-0.0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: numba\nVersion: 0.0.1\n")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(fake)])
    assert run().stdout.strip() != folder


def test_the_backend_asks_for_what_the_compile_imports(monkeypatch):
    bb = _backend()
    monkeypatch.delenv("SIMENGINE_PRECOMPILE", raising=False)
    for hook in ("get_requires_for_build_wheel", "get_requires_for_build_editable"):  # setuptools' own list
        monkeypatch.setattr(bb._setuptools, hook, lambda config_settings=None: ["wheel-of-setuptools"])
    needs = bb.get_requires_for_build_wheel()
    assert needs[0] == "wheel-of-setuptools" and bb.get_requires_for_build_editable() == needs
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [d for d in deps if d.split(">")[0].split("=")[0] in bb.NEEDS] == [n for n in needs if n in deps]
    assert len([n for n in needs if n in deps]) == len(bb.NEEDS)
    monkeypatch.setenv("SIMENGINE_PRECOMPILE", "0")
    assert not set(bb.get_requires_for_build_wheel()) & set(deps)
    assert not set(bb.get_requires_for_build_editable()) & set(deps)


def test_a_failing_compile_says_one_line_and_the_build_goes_on(monkeypatch, capsys, tmp_path):
    bb = _backend()
    monkeypatch.delenv("SIMENGINE_PRECOMPILE", raising=False)
    monkeypatch.setattr(bb, "SCENARIO", "tests/bad_scenarios/01_toml_unclosed_string.toml")
    monkeypatch.setattr(bb._setuptools, "build_wheel", lambda *a, **k: "simengine-0-py3-none-any.whl")
    assert bb.build_wheel(str(tmp_path)) == "simengine-0-py3-none-any.whl"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("simengine build: compiling the kernels failed (")
    assert "01_toml_unclosed_string.toml" in err[0] and err[0].endswith("the first run compiles them")
    monkeypatch.setattr(bb, "SCENARIO", "scenarios/no-such.toml")
    assert bb.build_wheel(str(tmp_path)) == "simengine-0-py3-none-any.whl"
    assert "scenarios/no-such.toml is not in the source tree" in capsys.readouterr().err
    monkeypatch.setenv("SIMENGINE_PRECOMPILE", "0")
    assert not bb.precompile() and capsys.readouterr().err == ""


def test_the_sdist_carries_the_backend_and_its_scenario(tmp_path, monkeypatch):
    """Built from a copy of the tree (setuptools writes its egg-info where it builds)."""
    bb = _backend()
    tree = tmp_path / "tree"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "outputs", ".venv*")
    for name in ("simengine", "scripts", "scenarios"):
        shutil.copytree(ROOT / name, tree / name, ignore=skip)
    for name in ("pyproject.toml", "MANIFEST.in", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    monkeypatch.chdir(tree)
    monkeypatch.setattr(sys, "argv", list(sys.argv))  # setuptools sets sys.argv
    name = bb.build_sdist(str(tmp_path))
    with tarfile.open(tmp_path / name) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"scripts/build_backend.py", "scenarios/2015.toml", "pyproject.toml"} <= names


BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"polars", "matplotlib", "h5netcdf", "h5py", "openpyxl", "pyarrow", "rich"}:
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
from simengine._jit import precompile
precompile(sys.argv[1], 50)
"""


def test_the_install_time_compile_needs_only_the_build_environments_packages():
    """precompile imports numpy, numba, scipy and xarray, not the report's or the files' libraries
    (the build environment has only these: scripts/build_backend.py NEEDS)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", BLOCK, str(SMALL)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("name", _jit.ANALYSIS_KERNELS)
def test_the_analysis_kernels_are_named_as_in_sensitivity(name):
    from simengine.analysis import sensitivity

    assert hasattr(sensitivity, name)
