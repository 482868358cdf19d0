"""The stages import only downwards: scenario → model → core → analysis → outputs → cli.

The package's layout is its pipeline (docs/architecture.md). This test reads every module's imports
(module level and inside functions) with ``ast`` and fails on an import that points up the pipeline,
and on numba or xarray where a layer must not use them. The few allowed exceptions are listed with
their reason; the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "simengine"
ORDER = ["scenario", "model", "core", "analysis", "outputs", "cli"]
SHARED = {"errors", "messages", "_jit"}  # importable from every stage (messages: the errors' da/en texts)
# third-party packages a stage must not import
BANNED = {
    "scenario": {"numba", "xarray"},
    "model": {"xarray"},
    "core": {"xarray"},
    "outputs": {"numba"},
}
# (module, what it imports): allowed although it points up the pipeline, with the reason. The list only shrinks.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "simengine.analysis.sensitivity",
        "simengine.outputs",
    ): "the analyses report their progress phases (outputs.progress)",
    (
        "simengine.core.driver",
        "simengine.analysis",
    ): "--precision stops on the Monte Carlo error of the draws so far (analysis.mcerror)",
    (
        "simengine.core.driver",
        "simengine.analysis.mcerror",
    ): "--precision stops on the Monte Carlo error of the draws so far (analysis.mcerror)",
    (
        "simengine.core.engine",
        "simengine.analysis.finite",
    ): "the overflow error names the scenario's largest values (analysis.finite)",
    (
        "simengine.core.memory",
        "simengine.analysis.sensitivity",
    ): "the memory estimate sums the analyses' arrays, whose sizes the analyses declare",
    (
        "simengine.core.memory",
        "simengine.analysis.shockeffect",
    ): "the memory estimate sums the analyses' arrays, whose sizes the analyses declare",
    (
        "simengine.scenario.observations",
        "simengine.analysis.sensitivity",
    ): "per-draw values of an observation are computed here (to move to analysis.observables)",
    (
        "simengine.scenario.observations",
        "simengine.model.plan",
    ): "per-draw values of an observation are computed here (to move to analysis.observables)",
    (
        "simengine.scenario.observations",
        "simengine.model.formula",
    ): "per-draw values of an observation are computed here (to move to analysis.observables)",
    (
        "simengine.scenario.schema",
        "simengine.api",
    ): "validation asks the plan for each input's distribution, and Scenario.with_values is simengine.variant",
    (
        "simengine.scenario.schema",
        "simengine.model.plan",
    ): "validation asks the plan for each input's distribution, and Scenario.with_values is simengine.variant",
    (
        "simengine.scenario.xlsx",
        "simengine.outputs.folder",
    ): "scenario export writes a workbook with the report's labels, atomically (command code, to move to cli)",
    (
        "simengine.scenario.xlsx",
        "simengine.outputs.labels",
    ): "scenario export writes a workbook with the report's labels, atomically (command code, to move to cli)",
    (
        "simengine.scenario.xlsx",
        "simengine.outputs.report.assumptions",
    ): "scenario export writes a workbook with the report's labels, atomically (command code, to move to cli)",
}
# the model's declarations, which the scenario layer validates against
DECLARATIONS = ("simengine.model.structure", "simengine.model.distributions")


TOP = {"api": "cli", "testing": "cli"}  # the Python API and the reference model sit beside the commands


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "simengine":
        return None
    return parts[1] if parts[1] in ORDER else TOP.get(parts[1])


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "simengine":
                out += [(f"simengine.{a.name}", node.lineno) for a in node.names]
            else:
                out.append((node.module, node.lineno))
    return out


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        if _stage(name) is not None:
            yield name, path


@pytest.mark.parametrize("name,path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_a_stage_imports_only_downwards(name, path):
    stage = _stage(name)
    bad = []
    for target, line in _imports(path):
        top = target.split(".")[0]
        if top in BANNED.get(stage, ()) and (name, top) not in ALLOWED:
            bad.append(f"{path.name}:{line} imports {top} (not allowed in the {stage} stage)")
        t_stage = _stage(target)
        if target.startswith("simengine.") and t_stage is None:
            t = target.split(".")[1]
            if t not in SHARED and t not in ("__version__", "__main__"):
                bad.append(f"{path.name}:{line} imports {target} (only errors, messages and _jit are shared)")
            continue
        if t_stage is not None and ORDER.index(t_stage) > ORDER.index(stage) and not target.startswith(DECLARATIONS):
            if (name, target) not in ALLOWED:
                bad.append(f"{path.name}:{line} imports {target} (the {t_stage} stage is after {stage})")
    assert not bad, "\n".join(bad)


def test_the_rules_see_every_stage_and_catch_an_upward_import(tmp_path):
    """The test is not vacuous: every stage has modules, every allowed exception still exists (the
    list only shrinks), and a planted upward import and a banned package are caught."""
    assert {_stage(n) for n, _ in _modules()} >= set(ORDER)
    found = {(n, t) for n, p in _modules() for t, _ in _imports(p)}
    assert set(ALLOWED) <= found, f"no longer imported, remove from ALLOWED: {set(ALLOWED) - found}"
    planted = tmp_path / "planted.py"
    planted.write_text("import numba\n\ndef f():\n    from simengine.cli import main\n")
    with pytest.raises(AssertionError, match="imports numba.*\n.*imports simengine.cli"):
        test_a_stage_imports_only_downwards("simengine.scenario.planted", planted)


def test_the_readme_layout_names_every_module_in_its_folder():
    """README.md's Layout section matches the tree: every package folder is listed, and every module
    is named on that folder's lines (a module moved or added without the README fails here)."""
    readme = (PKG.parent / "README.md").read_text()
    layout = readme[readme.index("## Layout") :]
    layout = layout[: layout.index("```", layout.index("```") + 3)]
    blocks: dict[str, str] = {}
    current = "."
    for line in layout.splitlines():
        head = line[:15].strip()
        if head.endswith("/") and line.startswith("  ") and not line.startswith("   "):
            current = head.rstrip("/")
        elif head and line.startswith("  ") and not line.startswith("   "):
            current = "."
        blocks[current] = blocks.get(current, "") + line + "\n"
    missing = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if rel.name == "__init__.py" or rel.parts[0] == "outputs" and len(rel.parts) > 2:
            continue  # outputs/report/ is listed as a folder
        folder = rel.parts[0] if len(rel.parts) > 1 else "."
        if rel.name not in blocks.get(folder, ""):
            missing.append(str(rel))
    assert not missing, f"README Layout does not list: {missing}"
    assert set(ORDER) <= set(blocks)
