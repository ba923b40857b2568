"""Dependencies (guarantee 10): pyproject's floors carry the known security fixes, the installed
environment satisfies them, `python tools/audit.py` never passes silently, and docs/security.md
(the page that documents all ten guarantees) cites tests and settings that exist."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.server import free_port

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / "tools" / "audit.py"

# The first releases that carry the fixes of the advisories known when issue 18 was written.
KNOWN_FIXES = {
    "python-engineio": "4.13.2",
    "python-socketio": "5.16.2",
    "eventlet": "0.40.3",
    "jinja2": "3.1.6",
    "flask": "3.1.3",
    "werkzeug": "3.1.4",
    "flask-socketio": "5.5.1",
}


def project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return data


def requirements(*extras: str) -> list[Requirement]:
    specs = list(project()["dependencies"])
    for extra in extras:
        specs += project()["optional-dependencies"][extra]
    return [Requirement(spec) for spec in specs]


def floor(requirement: Requirement) -> Version | None:
    """The lowest version a requirement admits (its `>=` bound), None without one."""
    bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
    return max(bounds) if bounds else None


@pytest.mark.parametrize(("name", "fixed"), sorted(KNOWN_FIXES.items()))
def test_the_floor_carries_the_known_fix(name: str, fixed: str) -> None:
    declared = [r for r in requirements() if canonicalize_name(r.name) == name]
    assert declared, f"{name} is not a declared dependency"
    for requirement in declared:
        lowest = floor(requirement)
        assert lowest is not None, f"{requirement} has no floor"
        assert lowest >= Version(fixed), f"{requirement} admits releases before {fixed}"


def test_every_extra_keeps_the_floors() -> None:
    """An extra that names a fixed package (python-socketio[client]) must not lower its floor."""
    for extra in project()["optional-dependencies"]:
        for requirement in requirements(extra):
            fixed = KNOWN_FIXES.get(canonicalize_name(requirement.name))
            if fixed:
                lowest = floor(requirement)
                assert lowest is not None and lowest >= Version(fixed), (extra, str(requirement))


def test_the_installed_environment_satisfies_the_floors(figure: Callable[[str, str], None]) -> None:
    checked = 0
    wrong: list[str] = []
    for requirement in requirements():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            wrong.append(f"{requirement.name} is not installed")
            continue
        checked += 1
        if not requirement.specifier.contains(installed, prereleases=True):
            wrong.append(f"{requirement.name} {installed} does not satisfy {requirement}")
    for name, fixed in KNOWN_FIXES.items():
        if Version(version(name)) < Version(fixed):
            wrong.append(f"{name} {version(name)} is older than the fix {fixed}")
    assert not wrong, wrong
    figure(
        "dependency floors",
        f"{checked} installed runtime dependencies satisfy pyproject's floors; "
        f"{len(KNOWN_FIXES)} floors at or above the known-fix releases",
    )


# --------------------------------------------------------------------------- tools/audit.py


def audit_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tools_audit", AUDIT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_audit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(AUDIT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_an_unreachable_vulnerability_service_is_reported_as_not_run() -> None:
    """Offline CI: OSV at an address nobody listens on. pip-audit itself exits 1 with a
    traceback there (as for a vulnerability); the tool says the audit was not run."""
    unreachable = f"http://127.0.0.1:{free_port()}/v1/query"
    result = run_audit("--service", "osv", "--osv-url", unreachable, "--timeout", "3")
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout.startswith("AUDIT NOT RUN: "), result.stdout
    assert "AUDIT OK" not in result.stdout and "Traceback" not in result.stdout


def test_pypi_behind_an_unreachable_proxy_is_reported_as_not_run() -> None:
    """The default service (PyPI) on a machine whose only way out is a proxy that is down."""
    import os

    proxy = f"http://127.0.0.1:{free_port()}"
    env = dict(os.environ, HTTPS_PROXY=proxy, HTTP_PROXY=proxy, https_proxy=proxy)
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    result = run_audit("--timeout", "3", env=env)
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout.startswith("AUDIT NOT RUN: "), result.stdout


def test_the_audit_here_says_what_it_proved(figure: Callable[[str, str], None]) -> None:
    """Whatever this machine can reach: a clean audit names how many packages it checked,
    anything else is a failure or NOT RUN, never a bare success."""
    result = run_audit("--timeout", "10")
    assert result.returncode in (0, 1, 3), result.stdout + result.stderr
    first = result.stdout.splitlines()[0] if result.stdout else ""
    if result.returncode == 0:
        assert first.startswith("AUDIT OK: ") and "packages audited" in first
    elif result.returncode == 3:
        assert first.startswith("AUDIT NOT RUN: ")
    else:
        assert "AUDIT FAILED" in result.stdout
    figure("pip-audit here", f"exit {result.returncode}: {first[:160]}")


def test_the_report_tells_vulnerable_skipped_and_clean_apart(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """pip-audit's JSON report in its three shapes (as `pip-audit -f json` writes them)."""
    audit = audit_module()
    clean = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}], "fixes": []}
    assert audit.report(clean, "pypi") == 0
    assert capsys.readouterr().out.startswith("AUDIT OK: 1 installed packages audited")

    vulnerable = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {
                "name": "jinja2",
                "version": "3.1.4",
                "vulns": [{"id": "GHSA-cpwx-vrp4-4pq7", "fix_versions": ["3.1.6"]}],
            },
        ],
        "fixes": [],
    }
    assert audit.report(vulnerable, "pypi") == 1
    out = capsys.readouterr().out
    assert "VULNERABLE jinja2 3.1.4: GHSA-cpwx-vrp4-4pq7 (fixed in 3.1.6)" in out
    assert "AUDIT FAILED: 1 known vulnerabilities in 1 packages" in out

    # What pip-audit 2.10 says here, where PyPI's per-release JSON answers 404: every package
    # skipped, "No known vulnerabilities found", exit 0. That is not a pass.
    skipped = {
        "dependencies": [
            {
                "name": "flask",
                "skip_reason": "Dependency not found on PyPI and could not be audited",
            },
            {"name": "jinja2", "version": "3.1.6", "vulns": []},
        ],
        "fixes": [],
    }
    assert audit.report(skipped, "pypi") == 3
    assert capsys.readouterr().out.startswith("AUDIT NOT RUN: ")
    assert audit.report({"dependencies": [], "fixes": []}, "pypi") == 3


# --------------------------------------------------------------------------- docs/security.md


def test_the_security_page_names_real_tests_and_settings() -> None:
    """docs/security.md stays true: every file it cites exists, every guarantee has its row, and
    every setting in its limits table is one the app reads."""
    page = (ROOT / "docs" / "security.md").read_text()
    cited = set(re.findall(r"`((?:tests|bench|tools)/[\w/]+\.py)`", page))
    assert len(cited) >= 15, cited
    assert not [path for path in cited if not (ROOT / path).exists()]
    for number in range(1, 11):
        assert re.search(rf"^\| {number} \| ", page, re.MULTILINE), f"guarantee {number}"
    config = (ROOT / "workshop" / "config.py").read_text()
    limits = page.split("## Limits and their settings", 1)[1].split("\n## ", 1)[0]
    settings = set(re.findall(r"`([A-Z][A-Z_]{3,})`", limits))
    assert {"MAX_MESSAGE_BYTES", "EVENT_RATE", "ALLOWED_HOSTS", "FORWARDED_HOPS"} <= settings
    assert not [name for name in settings if f'"{name}"' not in config], settings
