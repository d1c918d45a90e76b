"""Floors: every import inside the package points down (or sideways), and no modules import each other in a circle.

The floors (issue 16):
  0 ground: the package root, offline, types, errors, codebook, embed, sources, memory, orphans, fileio, stats.*, coding.*;
  1 the stages, in order: ingest -> clean -> segment -> classify (a stage may import an earlier one);
  2 process, outputs, bulk, screen, the evaluation harness, sampling, sample_sheets, summarize, training, models;
  3 the CLI.
Imports are read with ``ast`` (module-level and function-level alike), so a lazy import inside a function counts.
A module the map does not place fails the test: a new module must be given a floor.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "practice_themes"
# Folder -> import name, read from pyproject.toml's package-dir so that a folder added there is walked here too.
_PACKAGE_DIR = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
SOURCES = {ROOT / folder: name for name, folder in _PACKAGE_DIR.items()}

# (pattern, floor). A pattern is a module name relative to the package; "x.*" is x and everything under it.
# Stages get fractional floors so that a stage may import an earlier stage but not a later one.
FLOORS: list[tuple[str, float]] = [
    ("", 0), ("offline", 0), ("types", 0), ("errors", 0), ("codebook", 0), ("embed", 0), ("sources", 0),
    ("memory", 0), ("orphans", 0), ("fileio", 0), ("stats.*", 0), ("coding.*", 0),
    ("ingest.*", 1.0), ("clean.*", 1.1), ("segment", 1.2), ("classify.*", 1.3),
    ("process", 2), ("outputs", 2), ("bulk.*", 2), ("screen.*", 2), ("evaluation.*", 2), ("sampling", 2),
    ("sample_sheets", 2), ("summarize", 2), ("training", 2), ("models.*", 2),
    ("cli.*", 3),
]

# Upward edges still in other people's areas, each with its owner and reason. The test fails when one of these
# no longer exists, so the list cannot outlive the edge.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, name in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([name, *parts])] = path
    return found


MODULES = _modules()


def floor_of(module: str) -> float | None:
    relative = module[len(PACKAGE) + 1:] if module != PACKAGE else ""
    for pattern, floor in FLOORS:
        if pattern.endswith(".*"):
            base = pattern[:-2]
            if relative == base or relative.startswith(base + "."):
                return floor
        elif relative == pattern:
            return floor
    return None


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rsplit(".", 1)[0]


def _resolve(name: str) -> str | None:
    """The longest known module that ``name`` is or lies inside (``a.b.func`` -> ``a.b``)."""
    while name:
        if name in MODULES:
            return name
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return None


def imports_of(module: str, path: Path) -> set[str]:
    """Modules of the package that ``module`` imports anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(module, path).split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # ``from a import b`` imports module a.b when there is one, else the name b of module a.
            names = [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                target = _resolve(name)
                if target is not None and target != module:
                    targets.add(target)
    return targets


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def test_every_module_has_a_floor():
    unplaced = sorted(m for m in MODULES if floor_of(m) is None)
    assert not unplaced, f"modules with no floor (add them to FLOORS in tests/test_floors.py): {unplaced}"


def upward_edges(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer, targets in graph.items()
        for imported in targets
        if floor_of(importer) is not None and floor_of(imported) is not None and floor_of(imported) > floor_of(importer)
    }


def test_no_import_points_to_a_higher_floor():
    upward = upward_edges(GRAPH)
    new = sorted(upward - set(KNOWN_UPWARD))
    assert not new, "imports that point up a floor:\n" + "\n".join(
        f"  {a} (floor {floor_of(a)}) -> {b} (floor {floor_of(b)})" for a, b in new)
    stale = sorted(set(KNOWN_UPWARD) - upward)
    assert not stale, f"KNOWN_UPWARD lists edges that no longer exist; remove them: {stale}"


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, first module repeated at the end (the standard library's ``graphlib``), or []."""
    from graphlib import CycleError, TopologicalSorter

    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return []


def test_no_modules_import_each_other_in_a_circle():
    cycle = _cycle(GRAPH)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("graph, members", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, {"a", "b"}),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, {"a", "b", "c"}),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, set()),
])
def test_the_cycle_finder_finds_a_circle_and_only_a_circle(graph, members):
    assert set(_cycle(graph)) == members


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text("def f():\n    from practice_themes.cli.app import app\n    from . import errors\n")
    assert imports_of(f"{PACKAGE}.probe", path) == {f"{PACKAGE}.cli.app", f"{PACKAGE}.errors"}


def test_an_upward_edge_is_caught_and_a_downward_or_earlier_stage_edge_is_not():
    p = PACKAGE
    graph = {
        f"{p}.stats.ceiling": {f"{p}.evaluation.evaluate"},  # ground -> harness: up
        f"{p}.clean.sections": {f"{p}.classify.sections"},  # an earlier stage -> a later one: up
        f"{p}.classify.supervised": {f"{p}.segment", f"{p}.stats.metrics"},  # down
        f"{p}.cli.evaluate": {f"{p}.evaluation.evaluate"},  # down
    }
    assert upward_edges(graph) == {(f"{p}.stats.ceiling", f"{p}.evaluation.evaluate"),
                                   (f"{p}.clean.sections", f"{p}.classify.sections")}


@pytest.mark.parametrize("package, allowed", [
    ("stats", ("stats", "errors", "types")),
    ("coding", ("coding", "stats", "codebook", "errors", "types")),
])
def test_the_statistics_and_coding_floors_import_only_what_they_may(package, allowed):
    """stats is pure statistics; coding reads human coding. Neither reaches into the stages or the harness."""
    prefixes = tuple(f"{PACKAGE}.{name}" for name in allowed)
    stray = sorted(
        (module, target) for module, targets in GRAPH.items() if module.startswith(f"{PACKAGE}.{package}")
        for target in targets if not any(target == p or target.startswith(p + ".") for p in prefixes)
    )
    assert not stray, f"{package} imports outside {allowed}: {stray}"
