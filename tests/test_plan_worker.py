"""The render worker the production server runs per PDF or DOCX: same bytes as in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from tests.plan_samples import full_plan
from workshop.plan import render
from workshop.plan.worker import request


def run_worker(*args: str, document: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "workshop.plan.worker", *args],
        input=document,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("format", ["pdf", "docx"])
def test_a_file_rendered_in_a_child_process_is_the_same_file(format: str) -> None:
    plan = full_plan()
    document = json.dumps(plan.as_dict(), ensure_ascii=False).encode("utf-8")
    result = run_worker(format, document=document)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render(plan, format)


def test_the_worker_refuses_an_unknown_format_with_a_usage_line() -> None:
    result = run_worker("exe", document=b"{}")
    assert result.returncode == 2
    assert b"usage: python -m workshop.plan.worker" in result.stderr
    assert result.stdout == b""


def test_a_render_request_carries_the_renderers_words() -> None:
    """`request()` sends what is not the plan's data too (the labels whose 0 is "not chosen"),
    so the child renders what this process would."""
    plan = replace(full_plan(), unchosen=frozenset({"dots", "points"}))
    result = run_worker("md", document=request(plan))
    assert result.returncode == 0, result.stderr
    assert result.stdout == render(plan, "md")
    without = render(replace(plan, unchosen=frozenset()), "md")
    assert result.stdout.count(b"| not chosen |") > without.count(b"| not chosen |")
