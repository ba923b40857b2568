"""The activity package's imports: no kind imports another kind, and no cycles, lazy imports
(inside functions) included. Read from the source with `ast`, so an import that only runs
when a function is called counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workshop import activities

PACKAGE = Path(activities.__file__).parent
NAME = "workshop.activities"


def _module_names() -> list[str]:
    return sorted(path.stem for path in PACKAGE.glob("*.py"))


def _kind_modules() -> set[str]:
    """The package's modules that define a registered activity (its kind modules)."""
    return {
        type(activity).__module__.rsplit(".", 1)[-1]
        for activity in activities.REGISTRY.values()
        if type(activity).__module__.startswith(NAME + ".")
    }


def _imports(module: str) -> set[str]:
    """The package modules `module` imports, anywhere in it; `__init__` stands for the
    package itself (`from . import REGISTRY`, `import workshop.activities`)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    modules = set(_module_names())
    found: set[str] = set()

    def add(dotted: str) -> None:
        if dotted == NAME:
            found.add("__init__")
        elif dotted.startswith(NAME + "."):
            found.add(dotted[len(NAME) + 1 :].split(".")[0])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # `.` is this package, for __init__ as well as for its modules.
                parts = NAME.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == NAME:
                for alias in node.names:
                    found.add(alias.name if alias.name in modules else "__init__")
            else:
                add(target)
    found.discard(module)
    return found & (modules | {"__init__"})


def _graph() -> dict[str, set[str]]:
    return {module: _imports(module) for module in _module_names()}


def test_the_parser_sees_relative_and_lazy_imports() -> None:
    graph = _graph()
    assert {"__init__", "vote", "scoring"} <= set(graph)
    assert "registry" in graph["scoring"]
    assert "base" in graph["registry"]


def test_the_kind_modules_are_known() -> None:
    assert len(_kind_modules()) == len(
        [a for a in activities.REGISTRY.values() if type(a).__module__.startswith(NAME + ".")]
    )


@pytest.mark.parametrize("module", sorted(_kind_modules()))
def test_no_kind_imports_another_kind(module: str) -> None:
    others = _kind_modules() - {module}
    assert not (_imports(module) & others), f"{module} imports {_imports(module) & others}"


@pytest.mark.parametrize("module", sorted(set(_module_names()) - {"__init__"}))
def test_no_module_imports_the_package(module: str) -> None:
    """The package imports every kind; only the registry module is shared."""
    assert "__init__" not in _imports(module)


def test_registry_is_a_leaf() -> None:
    assert _imports("registry") <= {"base"}


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
