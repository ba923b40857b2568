"""The code stays clean: ruff (lint and format) and mypy (strict) pass on the whole tree."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_lint() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def _third_party_modules(folder: Path) -> set[str]:
    """Top-level modules imported by the .py files in `folder` that are not ours or stdlib."""
    found: set[str] = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    ours = {"workshop", "tests", "app", "bench", "tools"}
    return {name for name in found - ours if name not in sys.stdlib_module_names}


def _declared(extra: str | None) -> set[str]:
    """Distribution names (normalised) pyproject declares, core plus `extra`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    if extra:
        specs += project["optional-dependencies"][extra]
    return {
        re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in specs
    }


def _distributions(module: str) -> set[str]:
    return {name.lower().replace("_", "-") for name in packages_distributions().get(module, [])}


def test_the_test_extra_installs_everything_the_suite_imports() -> None:
    """A fresh venv with `pip install -e '.[test]'` must be able to import every test module."""
    declared = _declared("test")
    # Installed as a dependency of a declared package, and imported under its own name.
    indirect = {"sqlalchemy", "jinja2", "werkzeug"}
    missing = sorted(
        module
        for module in _third_party_modules(ROOT / "tests")
        if module not in indirect and not (_distributions(module) & declared)
    )
    assert not missing, f"imported by tests/ but not in the test extra: {missing}"


def test_the_app_depends_on_what_it_imports() -> None:
    declared = _declared(None)
    indirect = {"jinja2", "werkzeug", "click"}
    modules = _third_party_modules(ROOT / "workshop") | _third_party_modules(ROOT)
    missing = sorted(
        module
        for module in modules
        if module not in indirect and not (_distributions(module) & declared)
    )
    assert not missing, f"imported by the app but not a dependency: {missing}"
