"""No shared code names a kind of step: a kind's name appears as a string only in its own
modules (its Python module and its JS module), so a new kind needs no change anywhere else.

The kinds are read from the registry, never pinned here. Python is read as syntax (every
string constant, f-string parts included); JS by a small tokenizer that skips comments and
keeps strings whole. A few strings spell a kind's name without meaning the kind (a field
called `rank`, a CSS class called `link`): each is allowed below, by file and by what its
line says, with the reason.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from workshop.activities import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PYTHON_ROOT = ROOT / "workshop"
JS_ROOT = ROOT / "static" / "js"
SKIPPED_PYTHON = ("workshop/persistence/migrations/",)
"""Migrations are history: they name the tables and kinds of their day, and never change."""


@dataclass(frozen=True)
class Allowed:
    """Strings that spell a kind's name but are not about the kind."""

    paths: tuple[str, ...]
    kind: str
    pattern: str
    """A regular expression the offending line matches (so the allowance cannot hide a new
    use of the kind elsewhere on other lines)."""
    reason: str

    def covers(self, hit: Hit) -> bool:
        return (
            hit.path in self.paths
            and hit.kind == self.kind
            and re.search(self.pattern, hit.line) is not None
        )


ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        (
            "workshop/activities/done.py",
            "workshop/activities/scoring.py",
            "workshop/plan/document.py",
            "workshop/plan/notes.py",
            "workshop/plan/schema.py",
        ),
        "rank",
        # item["rank"], item['rank'], {"rank": item.rank}, "rank": {"type": ...}, "rank", (a
        # schema's required list) -- but not "rank": "Borda points" (a table keyed by kind).
        r"""\[\s*["']rank["']\s*\]|["']rank["']\s*:\s*[^"'\s]|^\s*"rank",\s*$""",
        "`rank` is also a field: an item's place in a step's standings, a stage's results and "
        "the plan (decision items, result rows, plan.json), named before the rank step was",
    ),
)


@dataclass(frozen=True)
class Hit:
    path: str
    line_number: int
    kind: str
    line: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line_number}: {self.kind!r} in {self.line.strip()}"


def _kinds() -> list[str]:
    return sorted(REGISTRY)


def _own_python(kind: str) -> Path:
    """The file of the module that defines the kind's Activity."""
    module = sys.modules[type(REGISTRY[kind]).__module__]
    assert module.__file__ is not None
    return Path(module.__file__).resolve()


def _own_js(kind: str) -> Path:
    """The kind's JS module: its declared script, else static/js/activities/<kind>.js."""
    script = getattr(REGISTRY[kind], "script", None)
    return Path(script).resolve() if script else JS_ROOT / "activities" / f"{kind}.js"


def _relative(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def python_strings(source: str) -> list[tuple[int, str]]:
    """Every string constant in Python source, with its line (f-string parts included)."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


JS_TOKEN = re.compile(
    r"""//[^\n]*                      # a line comment
      | /\*.*?\*/                     # a block comment
      | "(?:\\.|[^"\\\n])*"           # a double-quoted string
      | '(?:\\.|[^'\\\n])*'           # a single-quoted string
      | `(?:\\.|[^`\\])*`             # a template literal
    """,
    re.S | re.X,
)


def js_strings(source: str) -> list[tuple[int, str]]:
    """Every quoted string in JS source (comments skipped), without its quotes, with its line.
    A template literal counts only for its text outside `${...}`."""
    out = []
    for found in JS_TOKEN.finditer(source):
        token = found.group(0)
        if token.startswith("/"):
            continue
        line = source.count("\n", 0, found.start()) + 1
        body = token[1:-1]
        if token.startswith("`"):
            for part in re.split(r"\$\{[^}]*\}", body):
                out.append((line, part))
        else:
            out.append((line, body))
    return out


def _hits(
    files: list[Path], own: dict[str, Path], strings_of: Callable[[str], list[tuple[int, str]]]
) -> list[Hit]:
    """Each (file, line, kind) once, in file and line order."""
    kinds = set(own)
    hits: set[Hit] = set()
    for path in files:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for line_number, text in strings_of(source):
            if text in kinds and own[text] != path.resolve():
                hits.add(Hit(_relative(path), line_number, text, lines[line_number - 1]))
    return sorted(hits, key=lambda hit: (hit.path, hit.line_number, hit.kind))


def _allowed(hit: Hit) -> bool:
    return any(allowance.covers(hit) for allowance in ALLOWED)


def _python_files() -> list[Path]:
    return [
        path
        for path in sorted(PYTHON_ROOT.rglob("*.py"))
        if not _relative(path).startswith(SKIPPED_PYTHON)
    ]


def _js_files() -> list[Path]:
    return sorted(JS_ROOT.rglob("*.js"))


def python_hits() -> list[Hit]:
    return _hits(_python_files(), {k: _own_python(k) for k in _kinds()}, python_strings)


def js_hits() -> list[Hit]:
    return _hits(_js_files(), {k: _own_js(k) for k in _kinds()}, js_strings)


# --------------------------------------------------------------------------- the checks


def test_the_registry_has_kinds_to_check() -> None:
    assert len(REGISTRY) >= 2


def test_no_shared_python_names_a_kind() -> None:
    found = [str(hit) for hit in python_hits() if not _allowed(hit)]
    assert not found, (
        f"{len(found)} kind names in shared Python; declare what the code needs on the "
        "Activity instead:\n" + "\n".join(found)
    )


def test_no_shared_js_names_a_kind() -> None:
    found = [str(hit) for hit in js_hits() if not _allowed(hit)]
    assert not found, (
        f"{len(found)} kind names in shared JS; declare what the code needs in the kind's "
        "module instead:\n" + "\n".join(found)
    )


def test_every_allowance_is_still_needed() -> None:
    """An allowance whose line is gone is dropped, so the list never outgrows the code."""
    hits = python_hits() + js_hits()
    stale = [
        f"{allowance.kind!r} in {path}"
        for allowance in ALLOWED
        for path in allowance.paths
        if not any(allowance.covers(hit) for hit in hits if hit.path == path)
    ]
    assert not stale, "allowances no longer needed: " + ", ".join(stale)


# --------------------------------------------------------------------------- the scanners


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('x = "vote"', ["vote"]),
        ("x = f'{a} vote'", [" vote"]),
        ('"""A docstring about a vote."""', ["A docstring about a vote."]),
        ("# a comment: 'vote'\nx = 1", []),
    ],
)
def test_python_strings(source: str, expected: list[str]) -> None:
    assert [text for _line, text in python_strings(source)] == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('if (kind === "vote") x();', ["vote"]),
        ("const a = 'rank';", ["rank"]),
        ("const a = `${kind}`;", ["", ""]),
        ("const a = `done:${id}`;", ["done:", ""]),
        ('// say "vote" here\nconst a = 1;', []),
        ('/* "vote" */ const u = "http://x"; // "rank"', ["http://x"]),
        ('const s = "a \\" vote";', ['a \\" vote']),
    ],
)
def test_js_strings(source: str, expected: list[str]) -> None:
    assert [text for _line, text in js_strings(source)] == expected


def test_js_strings_give_each_its_line() -> None:
    assert js_strings('const a = 1;\n\nconst b = "link";') == [(3, "link")]
