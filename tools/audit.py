"""Audit the installed environment for known vulnerabilities with pip-audit, and never pass
silently.

    pip install -e '.[audit]'
    python tools/audit.py                      # PyPI's vulnerability data (pip-audit's default)
    python tools/audit.py --service osv        # or OSV (https://osv.dev)

Exit codes:
  0  every installed package was audited and none has a known vulnerability ("AUDIT OK")
  1  known vulnerabilities: each is listed with the versions that fix it
  3  "AUDIT NOT RUN: <reason>": pip-audit is missing, the vulnerability service cannot be
     reached (an offline build machine), or it could not audit some installed package
     (pip-audit itself would report "No known vulnerabilities found" and exit 0 then)
  2  wrong arguments

pip-audit exits 1 for a network error as well as for a vulnerability, and 0 when every package
was skipped as unknown to the service; this script tells the three apart from its JSON report.
Our own package (installed editable) is skipped: it is not on PyPI.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from typing import Any

EXIT_OK = 0
EXIT_VULNERABLE = 1
EXIT_NOT_RUN = 3


def not_run(reason: str) -> int:
    """Say plainly that nothing was proven, and exit with the not-run code."""
    print(f"AUDIT NOT RUN: {reason}")
    print("No claim is made about known vulnerabilities; run it where the service is reachable.")
    return EXIT_NOT_RUN


def pip_audit_command(args: argparse.Namespace) -> list[str]:
    """The pip-audit run: the installed environment, as JSON, without our editable package."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--local",
        "--skip-editable",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        str(args.timeout),
        "--vulnerability-service",
        args.service,
    ]
    if args.osv_url:
        command += ["--osv-url", args.osv_url]
    return command


def last_error_line(stderr: str) -> str:
    """pip-audit's own last words (the exception of a failed request), shortened."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    reason = lines[-1] if lines else "pip-audit gave no report and no error message"
    return reason if len(reason) <= 400 else reason[:400] + "…"


def report(audit: dict[str, Any], service: str) -> int:
    """Print what the JSON report says and return the exit code it deserves."""
    dependencies: list[dict[str, Any]] = audit.get("dependencies", [])
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            name = f"{dep['name']} {dep.get('version', '?')}"
            print(f"VULNERABLE {name}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        count = sum(len(dep["vulns"]) for dep in vulnerable)
        print(f"AUDIT FAILED: {count} known vulnerabilities in {len(vulnerable)} packages")
        if skipped:
            print(f"({len(skipped)} of {len(dependencies)} packages could not be audited)")
        return EXIT_VULNERABLE
    if not dependencies:
        return not_run("pip-audit found no installed package to audit")
    if skipped:
        examples = "; ".join(dep["skip_reason"] for dep in skipped[:3])
        return not_run(
            f"the vulnerability service ({service}) could not audit {len(skipped)} of "
            f"{len(dependencies)} installed packages, e.g. {examples}"
        )
    print(
        f"AUDIT OK: {audited} installed packages audited against {service}: "
        "no known vulnerabilities"
    )
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--service", choices=("pypi", "osv"), default="pypi")
    parser.add_argument("--osv-url", help="another OSV API endpoint (with --service osv)")
    parser.add_argument("--timeout", type=int, default=15, help="seconds per request")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("pip_audit") is None:
        return not_run("pip-audit is not installed (pip install -e '.[audit]')")
    try:
        result = subprocess.run(
            pip_audit_command(args), capture_output=True, text=True, timeout=600
        )
    except subprocess.TimeoutExpired:
        return not_run("pip-audit did not finish within 10 minutes")
    try:
        audit = json.loads(result.stdout)
    except ValueError:
        return not_run(f"pip-audit exited {result.returncode}: {last_error_line(result.stderr)}")
    if not isinstance(audit, dict):
        return not_run("pip-audit's report is not the JSON it documents")
    return report(audit, args.service)


if __name__ == "__main__":
    sys.exit(main())
