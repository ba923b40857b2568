"""The one-file render worker (`python -m workshop.plan.worker <format>`, a process per file:
the cold way, kept for scripts and the benchmark; the server renders in warm workers, see
test_plan_warm.py): same bytes as in-process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace

import pytest
from pypdf import PdfReader

from tests.plan_samples import full_plan, item, stage
from workshop import offload
from workshop.plan import render
from workshop.plan.worker import request
from workshop.services import plans


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


def test_a_pdf_rendered_in_a_child_process_says_an_idea_nobody_voted_for_was_not_chosen() -> None:
    """End to end through offload's child process: the words the app gives the renderers (from
    the activities' declarations) reach the worker, so the PDF says what the page says."""
    dots = stage(
        "goals",
        "Goals",
        [
            item(1, "Cut emissions", 1, selected=True, votes=5, score=5, consensus=0.9),
            item(2, "Nobody voted for this", 2, votes=0, score=0, consensus=0.0),
        ],
        label="dots",
    )
    plan = plans.with_words(replace(full_plan(), stages=(dots,)))
    assert plan.unchosen  # the dot vote declares that a 0 means nobody chose the idea
    pdf = offload.render_in_child_process("pdf", plan)
    assert pdf == render(plan, "pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Nobody voted for this" in text and "not chosen" in text
    plain = render(replace(plan, unchosen=frozenset()), "pdf")
    assert "not chosen" not in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(plain)).pages
    )
