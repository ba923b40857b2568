"""Filenames and log lines made from user text: ASCII on the wire, the title's script kept."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from workshop.web.headers import (
    ascii_stem,
    content_disposition,
    download_stem,
    loggable_path,
    plan_disposition,
)

TITLES = [
    # title, the stem in its own script, the ASCII fallback stem
    ("Acme 2030", "acme-2030", "acme-2030"),
    ("Acme 2026\u20132031", "acme-2026-2031", "acme-2026-2031"),
    ("Plan\u00a0A • B", "plan-a-b", "plan-a-b"),
    ("Café Crème: the plan!", "café-crème-the-plan", "cafe-creme-the-plan"),
    ("Стратегия 2027", "стратегия-2027", "2027"),
    ("Ελληνική στρατηγική", "ελληνική-στρατηγική", "workshop"),
    ("東京 plan", "東京-plan", "plan"),
    ("🚀 Launch 🎯", "launch", "launch"),
    ("خطة 2030", "خطة-2030", "2030"),
    ("תוכנית אסטרטגית", "תוכנית-אסטרטגית", "workshop"),
    ("???", "workshop", "workshop"),
    ('a"b\\c\r\nd;e', "a-b-c-d-e", "a-b-c-d-e"),
]


@pytest.mark.parametrize(("title", "stem", "fallback"), TITLES)
def test_stems(title: str, stem: str, fallback: str) -> None:
    assert download_stem(title) == stem
    assert ascii_stem(title) == fallback


@pytest.mark.parametrize(("title", "stem", "fallback"), TITLES)
def test_plan_disposition_is_latin1_safe_and_round_trips(
    title: str, stem: str, fallback: str
) -> None:
    value = plan_disposition(title, "md")
    assert value.isascii()
    assert not any(ch in value for ch in "\r\n\0")
    match = re.fullmatch(r"attachment; filename=\"([^\"\\]*)\"; filename\*=UTF-8''(\S+)", value)
    assert match, value
    assert match.group(1) == f"strategic-plan-{fallback}.md"
    assert unquote(match.group(2), encoding="utf-8") == f"strategic-plan-{stem}.md"


def test_inline_disposition() -> None:
    assert plan_disposition("Acme", "html", attachment=False).startswith("inline; ")


def test_long_titles_are_cut() -> None:
    stem = download_stem("ж" * 200)
    assert len(stem) == 60
    assert content_disposition("attachment", stem=stem, ascii_fallback="x", ext="md").isascii()


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/j/K7MPQ2", "/j/K7MPQ2"),
        ("/j/AB\r\n2026-12-01 INFO forged", "/j/AB%0D%0A2026-12-01%20INFO%20forged"),
        ("/w/ид/present", "/w/%D0%B8%D0%B4/present"),
    ],
)
def test_loggable_path(path: str, logged: str) -> None:
    assert loggable_path(path) == logged
